"""The models room: turns what a user wrote (loose functions, a forward/cost/backward trio, an object, a
model file) into the one :class:`~gradcheck.models.model.Model` the engine checks.

May import: numpy, the standard library, gradcheck.errors. Never the engine, rich or click.
"""
