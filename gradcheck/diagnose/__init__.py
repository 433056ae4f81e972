"""The diagnose room: what a disagreement looks like (one small function per pattern, and its message),
which layer is the suspect, and the error grid the heat map draws.

May import: numpy, the standard library, report's records and layer names. Never rich, click or the engine.
"""
