"""The health room: activation, initialisation, gradient-norm and input health of a network whose numbers
are finite but whose training will go badly (report warnings, never printed).

May import: numpy, the standard library, numerics (the tracer) and report's records. Never rich or click.
"""
