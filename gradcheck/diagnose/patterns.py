"""What does the mistake look like? :func:`classify` names the shape of a disagreement between the
analytic gradient ``a`` and the numeric one ``n`` (a constant factor, a flipped sign, an L2 term on
one side only, a transpose, an index shifted by one, zeros, one wrong row, a masked subset) by
trying one pattern after another, in the order of ``_RULES``; the patterns themselves live in
:mod:`~gradcheck.diagnose.scale`, :mod:`~gradcheck.diagnose.regularization`,
:mod:`~gradcheck.diagnose.mapped` and :mod:`~gradcheck.diagnose.subsets`.

The one rule behind :func:`classify`: a pattern is claimed only when the numbers support it. Every
test is a fit with a goodness-of-fit check against the engine's per-coordinate noise bound
``tolerance`` (when a coordinate is *explained* by a hypothesis "a = c * T(n)", and why, is in
:mod:`gradcheck.diagnose.fit`). A hypothesis wins when it explains at least :data:`MIN_EXPLAINED`
of the checked coordinates, leaves at most 1/:data:`MIN_IMPROVEMENT` as many unexplained as the
plain "a = n" does, and rests on at least :data:`MIN_SUPPORT` coordinates where the numeric
gradient stands clear of its noise. When nothing passes, the pattern is ``None`` and the message
says what the numbers do show. (The thresholds are in :mod:`gradcheck.diagnose.thresholds`.)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

import numpy as np

from gradcheck.diagnose.diagnosis import Diagnosis
from gradcheck.diagnose.evidence import _aligned, _Evidence, _gather
from gradcheck.diagnose.fit import _explained
from gradcheck.diagnose.mapped import _shift, _transpose
from gradcheck.diagnose.no_pattern import _no_pattern
from gradcheck.diagnose.phrasing import _and, _fmt, _index_text
from gradcheck.diagnose.regularization import _l2_split, _regularization
from gradcheck.diagnose.scale import _scale, _zero
from gradcheck.diagnose.subsets import _partial, _slices
from gradcheck.diagnose.thresholds import FIT_SLACK


def classify(
    analytic: np.ndarray,
    numeric: np.ndarray,
    *,
    shape: tuple[int, ...],
    flat_index: np.ndarray | None = None,
    tolerance: np.ndarray | float | None = None,
    batch_size: int | None = None,
    values: np.ndarray | None = None,
    rtol: float | None = None,
    named_values: Mapping[str, float] | None = None,
) -> Diagnosis:
    """Name the pattern of the disagreement between ``analytic`` and ``numeric`` gradients.

    analytic, numeric
        the two gradients at the checked coordinates: flat arrays of the same length, aligned with
        ``flat_index`` (C-order indices into a tensor of ``shape``). ``flat_index=None`` means every
        coordinate, in C order.
    tolerance
        the per-coordinate bound on the numeric gradient's own error (truncation + round-off) that
        the engine estimated (aligned with ``analytic``, or for the whole tensor), or one number;
        differences below it are noise. ``None`` uses
        :data:`DEFAULT_RTOL` relative plus :data:`DEFAULT_ATOL_FRACTION` of the largest entry.
    batch_size
        the number of examples, when known: lets a factor of m or 1/m be named as such.
    rtol
        optional relative floor under the noise bound: a coordinate whose difference is below
        ``rtol * (|a| + |n|)`` agrees. Pass the engine's own "pass" threshold so that what the
        verdict calls agreement (truncation error included) is agreement here too.
    values
        optional: the parameter's own values at the checked coordinates (aligned like
        ``analytic``). With them, a difference proportional to the parameter is recognised as an L2
        term present on one side only (``regularization``).
    named_values
        optional: the scalar values the user's functions take, by the user's names (``keep_prob``,
        ``lambd``, ``reg``): lets a factor such as ``keep_prob**2`` or an L2 convention be named.

    Hypotheses are tried in this order, the first that the numbers support wins: agreement (every
    coordinate within the noise, pattern None), a borderline disagreement (within the fit slack:
    pattern None, probably noise), ``zero``, ``scale``/``sign``, ``regularization``,
    ``regularization`` split into its data and L2 terms, ``transpose``, ``shift``, ``row``/``column``/``slice``, ``partial``; otherwise pattern None
    with a description.
    """
    a, n, shape, idx, w = _aligned(analytic, numeric, shape, flat_index, values)
    unfit = _nothing_to_fit(a, n)
    if unfit is not None:
        return unfit
    ev = _gather(a, n, shape, idx, w, tolerance=tolerance, batch_size=batch_size, rtol=rtol)
    ev = replace(ev, named=dict(named_values or {}))
    for rule in _RULES:
        found = rule(ev)
        if found is not None:
            return found
    return _no_pattern(ev)


def _nothing_to_fit(a: np.ndarray, n: np.ndarray) -> Diagnosis | None:
    """No coordinate checked, or a NaN/Inf among them: nothing can be fitted."""
    if a.size == 0:
        return Diagnosis(
            None,
            None,
            "No coordinate was checked, so there is nothing to diagnose.",
            {"checked": 0, "disagree": 0},
            summary="No entry of this gradient was checked, so there is nothing to say about it.",
        )
    finite = np.isfinite(a) & np.isfinite(n)
    if finite.all():
        return None
    bad_a = int((~np.isfinite(a)).sum())
    bad_n = int((~np.isfinite(n)).sum())
    parts = []
    if bad_a:
        parts.append(f"{bad_a} analytic value{'s' if bad_a != 1 else ''}")
    if bad_n:
        parts.append(f"{bad_n} numeric value{'s' if bad_n != 1 else ''}")
    return Diagnosis(
        None,
        None,
        f"{_and(parts)} {'is' if bad_a + bad_n == 1 else 'are'} NaN or Inf, so no pattern "
        f"can be fitted; find where the non-finite value comes from first.",
        {"checked": int(a.size), "nonfinite_analytic": bad_a, "nonfinite_numeric": bad_n},
        summary=(
            "Some values are NaN or Inf (not a finite number), so the mistake cannot be read yet: "
            "find where they come from first (a log of 0, a division by 0, an exp that overflows)."
        ),
    )


def _agreement(ev: _Evidence) -> Diagnosis | None:
    if ev.bad.any():
        return None
    return Diagnosis(
        None,
        None,
        f"The analytic and numeric gradients agree within the numerical noise at "
        f"{ev.coverage_text()}.",
        ev.base_details(),
        summary="Your gradient matches the true one at every entry checked.",
    )


def _borderline(ev: _Evidence) -> Diagnosis | None:
    a, n, noise = ev.analytic, ev.numeric, ev.noise
    if not _explained(a, n, noise, 1.0).all():
        return None
    k = int(np.argmax(np.abs(a - n) / noise))
    return Diagnosis(
        None,
        None,
        f"The disagreement is borderline: {int(ev.bad.sum())} of {a.size} coordinates exceed the "
        f"estimated noise, none by more than {_fmt(2 * FIT_SLACK)} times it (worst at "
        f"{_index_text(ev.index(k))}). That looks like round-off or truncation rather than a "
        f"mistake; confirm with another step size before hunting for a bug.",
        {**ev.base_details(), "borderline": True},
        summary=(
            "The gap is tiny and looks like rounding error, not a mistake: check again with "
            "another epsilon (--eps 1e-5, or eps=1e-5) before hunting for a bug."
        ),
    )


# The order in which the hypotheses are tried (see classify's docstring): the first that the
# numbers support wins.
_RULES: tuple[Callable[[_Evidence], Diagnosis | None], ...] = (
    _agreement,
    _borderline,
    _zero,
    _scale,
    _regularization,
    _l2_split,
    _transpose,
    _shift,
    _slices,
    _partial,
)
