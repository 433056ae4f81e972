"""The thresholds behind every claim the diagnose room makes (documented in the README; change them
here only). What each one guards is said next to it; how they combine is in
:mod:`gradcheck.diagnose.fit` and :mod:`gradcheck.diagnose.patterns`.
"""

from __future__ import annotations

import numpy as np

#: Noise bound used when the caller gives no ``tolerance``: relative to each coordinate's magnitude
#: (a centered difference in float64 is good to about 1e-8 relative; 1e-6 leaves room) plus an
#: absolute floor relative to the tensor's largest entry, for coordinates whose true value is ~0.
DEFAULT_RTOL = 1e-6
DEFAULT_ATOL_FRACTION = 1e-8
#: Whatever the caller says, the noise bound never drops below a few float64 ulps of the tensor's
#: scale: ``c * n`` computed in float64 is itself rounded, and a zero bound would call that a bug.
TOLERANCE_FLOOR = 64 * float(np.finfo(np.float64).eps)
#: How far beyond the noise bound a fitted coordinate may sit (see :mod:`gradcheck.diagnose.fit`).
FIT_SLACK = 2.0
#: Fraction of the checked coordinates a whole-tensor hypothesis (scale, sign, transpose, shift)
#: must explain. A bug rarely leaves survivors; kinks the engine missed may leave a few.
MIN_EXPLAINED = 0.99
#: A factor with a name (-1, 2, 1/2, m, 1/m, m/(m-1), a whole number) is a strong prior: it is
#: claimed when it explains this fraction, and the message counts the coordinates that deviate.
NAMED_MIN_EXPLAINED = 0.9
#: A hypothesis must leave at most 1/MIN_IMPROVEMENT as many coordinates unexplained as "a = n".
MIN_IMPROVEMENT = 10
#: Coordinates, with the numeric gradient clear of its noise, that a fitted pattern must rest on.
#: With fewer, only a factor with a name (-1, 2, 1/2, m, 1/m, m/(m-1)) is claimed.
MIN_SUPPORT = 3
#: A fitted factor "is" a named value when it is within this relative distance of it.
FACTOR_MATCH_RTOL = 0.01
#: Transpose / shift: coordinates whose partner was also checked and where swapping changes the
#: numeric value by more than the noise (so the hypothesis can be told from "a = n").
MIN_MAPPED_FULL = 2  # with every coordinate checked
MIN_MAPPED_SAMPLED = 6  # with a sample: chance pairs are few, ask for more of them
#: Shift: pairs must cover at least this fraction of the checked coordinates.
SHIFT_MIN_COVERAGE = 0.5
#: Row / column / slice: a slice is "wrong" when at least this fraction of its checked coordinates
#: disagree (inside a wrong row some entries can still agree, e.g. where the input is zero) ...
SLICE_BAD_FRACTION = 0.5
#: ... at most this fraction of the slices (and at least one) may be wrong for the pattern to be
#: "these rows alone" ...
SLICE_MAX_FRACTION = 0.25
#: ... and at most this fraction of the disagreeing coordinates may lie outside them.
STRAY_FRACTION = 0.05
#: Partial: a rule (analytic zero / numeric zero / one block / one factor) must cover this fraction
#: of the disagreeing coordinates, of which there must be at least PARTIAL_MIN_COORDS.
PARTIAL_RULE_FRACTION = 0.9
PARTIAL_MIN_COORDS = 2
#: No pattern: how the disagreeing coordinates are read, by the cosine between the analytic and
#: numeric vectors there (the direction a gradient step takes is what matters, and unlike a
#: correlation the cosine does not fall apart when all entries share one sign). Cosine >= ALIGNED
#: (or >= ALIGNED/2 with the signs agreeing at >= ALIGNED of them) reads as "right direction,
#: wrong amounts"; cosine <= -ALIGNED/2 (or signs agreeing at <= 1 - ALIGNED) as "opposite".
ALIGNED = 0.8

# The smallest positive normal float64: a floor that keeps every noise bound strictly positive.
_TINY = float(np.finfo(np.float64).tiny)
