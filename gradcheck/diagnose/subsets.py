"""Patterns where part of the tensor is wrong and the rest agrees: whole slices along one axis
(``row``, ``column``, ``slice``) and any other subset (``partial``: a masked region, a block, a
group sharing a factor), with what the analytic values look like there.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from gradcheck.diagnose.diagnosis import Diagnosis
from gradcheck.diagnose.evidence import _Evidence
from gradcheck.diagnose.factors import _close, _factor_hints
from gradcheck.diagnose.fit import _cosine, _fit
from gradcheck.diagnose.phrasing import _and, _fmt
from gradcheck.diagnose.thresholds import (
    FIT_SLACK,
    MIN_EXPLAINED,
    MIN_SUPPORT,
    PARTIAL_MIN_COORDS,
    PARTIAL_RULE_FRACTION,
    SLICE_BAD_FRACTION,
    SLICE_MAX_FRACTION,
    STRAY_FRACTION,
)

# A candidate set of wrong slices along one axis: (score, -count, axis, wrong slice indices).
_Candidate = tuple[float, int, int, np.ndarray]


def _describe_subset(
    a: np.ndarray, n: np.ndarray, noise: np.ndarray, batch_size: int | None
) -> tuple[str, str]:
    """What the analytic values look like on a subset that disagrees: (for the message, in plain
    words for the summary)."""
    if (np.abs(a) <= noise).all():
        return "the analytic gradient is zero there (never written)", "zero there (never written)"
    if (np.abs(n) <= noise).all():
        return (
            "the numeric gradient is zero there but the analytic one is not (an inactive unit, "
            "e.g. a dead ReLU or a mask, whose derivative the backward did not apply)"
        ), "not zero there although the loss ignores those entries (a missed ReLU mask)"
    fit = _fit(a, n, noise)
    if fit is not None and fit.fraction >= MIN_EXPLAINED:
        c = fit.factor
        if _close(c, -1.0):
            return "the sign is flipped there", "of the wrong sign there"
        _, hints = _factor_hints(c, batch_size)
        return f"the analytic gradient is {_fmt(c)} times the numeric one there" + (
            f" ({hints[0]})" if hints else ""
        ), f"{_fmt(c)} times the true value there"
    gap = a - n
    offset = float(np.median(gap))
    if (np.abs(gap - offset) <= FIT_SLACK * noise).all():
        return (
            f"the analytic gradient is the numeric one plus a constant {_fmt(offset)} there",
            f"off by a constant {_fmt(offset)} there",
        )
    corr = _cosine(a, n)
    if corr is not None and corr > 0.9:
        return (
            f"the values there follow the numeric ones in direction but not in size "
            f"(cosine {_fmt(corr)})"
        ), "of the right sign but the wrong size there"
    return "the values there do not follow the numeric ones", "unrelated to the true values there"


# --------------------------------------------------------------------------------------------------
# Rows, columns, slices.


def _slice_candidate(
    ev: _Evidence, coords: tuple[np.ndarray, ...], axis: int, length: int, total_bad: int
) -> _Candidate | None:
    """The slices along ``axis`` that alone are wrong, when they are few and hold nearly every
    disagreeing coordinate."""
    ids = coords[axis]
    checked = np.bincount(ids, minlength=length)
    bad = np.bincount(ids[ev.bad], minlength=length)
    wrong = (bad > 0) & (bad >= SLICE_BAD_FRACTION * checked)
    count = int(wrong.sum())
    if count == 0 or count > max(1, int(SLICE_MAX_FRACTION * length)):
        return None
    if total_bad - int(bad[wrong].sum()) > STRAY_FRACTION * total_bad:
        return None
    # Each wrong slice must have been seen at more than one point (unless slices are single
    # points, as in a bias), and some slice must be seen to be right.
    slice_size = ev.size // length
    if (checked[wrong] < min(2, slice_size)).any():
        return None
    if not ((checked > 0) & ~wrong).any():
        return None
    score = float(bad[wrong].sum() / checked[wrong].sum())
    return (score, -count, axis, np.nonzero(wrong)[0])


def _slice_names(ndim: int, axis: int) -> tuple[str, str, str]:
    """(pattern, unit, units) for slices along ``axis`` of an ``ndim``-D tensor."""
    if ndim == 1:
        return "row", "element", "elements"
    if ndim == 2:
        unit = "row" if axis == 0 else "column"
        return unit, unit, unit + "s"
    return "slice", f"slice along axis {axis}", f"slices along axis {axis}"


def _slice_hint(wrong_ids: np.ndarray, length: int, unit: str, units: str) -> tuple[list[str], str]:
    """The likely cause of these wrong slices: (hint kinds, a sentence for the message)."""
    one = wrong_ids.size == 1
    if {int(i) for i in wrong_ids} <= {0, length - 1}:
        which = _and(
            [
                ("the first" if int(i) == 0 else "the last") + f" {unit} ({int(i)})"
                for i in wrong_ids
            ]
        )
        return ["off_by_one"], (
            f" {'It is' if one else 'They are'} {which}, exactly what an off-by-one loop leaves "
            f"behind: range(1, n) skips index 0 and range(n - 1) skips index n - 1."
        )
    if one:
        return ["one_unit"], (
            f" One {unit} alone is wrong: look for code that treats that index specially (a "
            f"wrong index in a loop, a special case, a mask or a duplicate index)."
        )
    return [], (
        f" A few {units} alone are wrong: look for what those indices share (a duplicate "
        f"index whose contributions were assigned rather than added, as dE[idx] = g does "
        f"where np.add.at(dE, idx, g) belongs, or a mask)."
    )


# The fix for wrong slices, by hint kind, in plain words.
_SLICE_FIX = {
    "off_by_one": (
        "It sits at the edge, where a loop off by one goes wrong: range(1, n) skips index 0, "
        "range(n - 1) skips n - 1."
    ),
    "one_unit": "Look for code that treats that index specially (a loop, a special case, a mask).",
    "few": (
        "Look for what those indices share: a repeated index assigned (dE[idx] = g) where "
        "np.add.at(dE, idx, g) belongs, or a mask."
    ),
}


def _slices(ev: _Evidence) -> Diagnosis | None:
    """Rows or columns (slices along one axis) that alone are wrong."""
    if not ev.shape:
        return None
    coords = ev.coords()
    total_bad = int(ev.bad.sum())
    candidates: list[_Candidate] = []
    for axis, length in enumerate(ev.shape):
        if length < 2:
            continue
        candidate = _slice_candidate(ev, coords, axis, length, total_bad)
        if candidate is not None:
            candidates.append(candidate)
    if not candidates:
        return None
    score, _, axis, wrong_ids = max(candidates, key=lambda c: (c[0], c[1], -c[2]))
    length = ev.shape[axis]
    pattern, unit, units = _slice_names(len(ev.shape), axis)
    in_wrong = np.isin(coords[axis], wrong_ids)
    sub = _describe_subset(
        ev.analytic[in_wrong], ev.numeric[in_wrong], ev.noise[in_wrong], ev.batch_size
    )
    one = wrong_ids.size == 1
    seen = np.bincount(coords[axis], minlength=length) > 0
    good = int((seen & ~np.isin(np.arange(length), wrong_ids)).sum())
    text = (
        f"Only {unit if one else units} {_and([str(int(i)) for i in wrong_ids])} of {length} "
        f"{'disagrees' if one else 'disagree'} ({int(ev.bad[in_wrong].sum())} of "
        f"{int(in_wrong.sum())} checked coordinates there; the other {good} checked "
        f"{unit if good == 1 else units} agree): {sub[0]}."
    )
    hint_kinds, hint = _slice_hint(wrong_ids, length, unit, units)
    summary = (
        f"Only {unit if one else units} {_and([str(int(i)) for i in wrong_ids])} of your "
        f"gradient {'is' if one else 'are'} wrong, {sub[1]}; the rest is right. "
        f"{_SLICE_FIX[hint_kinds[0] if hint_kinds else 'few']}"
    )
    return Diagnosis(
        pattern,
        None,
        text + hint,
        {
            **ev.base_details(),
            "axis": axis,
            "indices": [int(i) for i in wrong_ids],
            "bad_fraction_in_slices": score,
            "hints": hint_kinds,
        },
        summary=summary,
    )


# --------------------------------------------------------------------------------------------------
# Any other subset: the rules of ``partial``, tried in this order.


def _analytic_zero(ev: _Evidence, share_text: str) -> Diagnosis | None:
    bad = ev.bad
    a_zero = (np.abs(ev.analytic[bad]) <= ev.noise[bad]).mean()
    if a_zero < PARTIAL_RULE_FRACTION:
        return None
    return Diagnosis(
        "partial",
        None,
        f"{share_text}; where they disagree the analytic gradient is zero and the numeric one "
        f"is not: part of the gradient was never written, or a mask (ReLU, dropout, "
        f"np.where) zeroes coordinates that do affect the loss.",
        {**ev.base_details(), "rule": "analytic_zero"},
        summary=(
            f"In {_share(ev)}, your gradient is zero where the true one is not: part of it "
            f"was never written, or a mask (ReLU, dropout, np.where) zeroes entries that do "
            f"change the loss."
        ),
    )


def _numeric_zero(ev: _Evidence, share_text: str) -> Diagnosis | None:
    bad = ev.bad
    n_zero = (np.abs(ev.numeric[bad]) <= ev.noise[bad]).mean()
    if n_zero < PARTIAL_RULE_FRACTION:
        return None
    return Diagnosis(
        "partial",
        None,
        f"{share_text}; where they disagree the numeric gradient is zero (those coordinates do "
        f"not affect the loss) but the analytic one is not: the backward misses a mask the "
        f"forward applies (a ReLU's derivative, a dropout or pruning mask, a clipped region).",
        {**ev.base_details(), "rule": "numeric_zero"},
        summary=(
            f"In {_share(ev)}, your gradient is not zero although the loss does not depend on "
            f"those entries: the backward misses a mask the forward applies (the ReLU derivative, "
            f"dZ[Z <= 0] = 0, a dropout mask, a clipped region)."
        ),
    )


def _block(ev: _Evidence, share_text: str) -> Diagnosis | None:
    """The disagreeing coordinates fill a box and nothing outside it."""
    if not ev.shape:
        return None
    a, n, noise, bad = ev.analytic, ev.numeric, ev.noise, ev.bad
    coords = ev.coords()
    lo = [int(c[bad].min()) for c in coords]
    hi = [int(c[bad].max()) for c in coords]
    in_box = np.ones(a.size, dtype=bool)
    for axis_coords, low, high in zip(coords, lo, hi, strict=True):
        in_box &= (axis_coords >= low) & (axis_coords <= high)
    box_fraction = float(bad[in_box].mean())
    if box_fraction < PARTIAL_RULE_FRACTION or in_box.sum() >= PARTIAL_RULE_FRACTION * a.size:
        return None
    ranges = ", ".join(f"{low}..{high}" for low, high in zip(lo, hi, strict=True))
    sub, plain = _describe_subset(a[bad], n[bad], noise[bad], ev.batch_size)
    return Diagnosis(
        "partial",
        None,
        f"{share_text}; they fill the block [{ranges}] and nothing outside it: {sub}. A "
        f"slice of the computation (a sub-matrix, one input block of a concatenation) has "
        f"the wrong gradient.",
        {
            **ev.base_details(),
            "rule": "block",
            "block": [[low, high] for low, high in zip(lo, hi, strict=True)],
        },
        summary=(
            f"Only the block [{ranges}] of your gradient is wrong, {plain}: one piece of the "
            f"computation (a sub-matrix, one part of a concatenation) has the wrong gradient."
        ),
    )


def _subset_factor(ev: _Evidence, share_text: str) -> Diagnosis | None:
    """One constant factor on the disagreeing coordinates."""
    bad = ev.bad
    fit = _fit(ev.analytic[bad], ev.numeric[bad], ev.noise[bad])
    if fit is None or fit.fraction < PARTIAL_RULE_FRACTION or fit.support < MIN_SUPPORT:
        return None
    c = fit.factor
    return Diagnosis(
        "partial",
        c,
        f"{share_text}; where they disagree the analytic gradient is {_fmt(c)} times the "
        f"numeric one: a factor applied to part of the computation only (a subset of examples "
        f"or units, a duplicate index counted once instead of twice).",
        {**ev.base_details(), "rule": "factor", "factor": c},
        summary=(
            f"In {_share(ev)}, your gradient is {_fmt(c)} times the true one, and right "
            f"elsewhere: a factor applied to part of the computation only (some examples or "
            f"units, a repeated index counted once instead of twice)."
        ),
    )


_PARTIAL_RULES: tuple[Callable[[_Evidence, str], Diagnosis | None], ...] = (
    _analytic_zero,
    _numeric_zero,
    _block,
    _subset_factor,
)


def _share(ev: _Evidence) -> str:
    """'12 of the 30 entries checked', for a summary."""
    return f"{int(ev.bad.sum())} of the {ev.analytic.size} entries checked"


def _partial(ev: _Evidence) -> Diagnosis | None:
    """A subset (a masked region, a block, a group sharing a factor) that alone is wrong."""
    nbad = int(ev.bad.sum())
    if nbad < PARTIAL_MIN_COORDS or nbad == ev.analytic.size:
        return None
    share_text = f"{nbad} of {ev.analytic.size} checked coordinates disagree and the rest agree"
    for rule in _PARTIAL_RULES:
        found = rule(ev, share_text)
        if found is not None:
            return found
    return None
