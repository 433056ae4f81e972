"""The report room: the frozen result records with ``to_dict()``, and the renderers (rich text, plain text
for pytest, JSON, heat map, cost plot) that take them.

May import: numpy, rich, gradcheck.errors, and modules of this room. Never the engine, models or train.
"""
