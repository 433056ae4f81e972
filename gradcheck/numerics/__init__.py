"""The numerics room: which code is the user's, the line tracer, the safe operand reader, the NaN/Inf
origin finder, the causes -> fixes catalogue (as data, numerics.causes) and the error watch.

May import: numpy, the standard library, gradcheck.errors and report's records. Never rich or click.
"""
