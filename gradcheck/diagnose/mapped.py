"""Patterns where each analytic entry holds the numeric value of another coordinate: ``transpose``
(entry [i, j] holds [j, i]) and ``shift`` (entry i holds i +- 1).

Both fit ``a[k] = c * n[partner(k)]`` over the coordinates whose partner was also checked, and win
only on pairs where the swap changes the numeric value by more than the noise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gradcheck.diagnose.diagnosis import Diagnosis
from gradcheck.diagnose.evidence import _Evidence
from gradcheck.diagnose.factors import _close, _factor_hints
from gradcheck.diagnose.fit import _explained, _Fit, _fit
from gradcheck.diagnose.phrasing import _fmt
from gradcheck.diagnose.thresholds import (
    MIN_EXPLAINED,
    MIN_IMPROVEMENT,
    MIN_MAPPED_FULL,
    MIN_MAPPED_SAMPLED,
    SHIFT_MIN_COVERAGE,
)


@dataclass(frozen=True)
class _Mapped:
    """The analytic value at each paired coordinate against the numeric value of its partner."""

    positions: np.ndarray  # positions (into the checked arrays) of coordinates with a partner
    fit: _Fit
    identity_unexplained: int
    discriminating: int


def _mapped_fit(ev: _Evidence, partner: np.ndarray) -> _Mapped | None:
    """Fit ``a[k] = c * n[partner(k)]`` over the coordinates whose partner was also checked.

    ``partner`` holds, for every checked coordinate, the flat index of its partner or -1."""
    order = np.argsort(ev.flat_index, kind="stable")
    sorted_idx = ev.flat_index[order]
    pos = np.clip(np.searchsorted(sorted_idx, partner), 0, max(sorted_idx.size - 1, 0))
    found = (partner >= 0) & (sorted_idx[pos] == partner)
    k = np.nonzero(found)[0]
    if k.size == 0:
        return None
    j = order[pos[found]]
    a, n, noise = ev.analytic, ev.numeric, ev.noise
    pair_noise = np.maximum(noise[k], noise[j])
    # Pairs where the swap changes the numeric value by more than the noise: only those can tell
    # the hypothesis apart from "a = n".
    discriminating = int((np.abs(n[k] - n[j]) > noise[k] + noise[j]).sum())
    needed = MIN_MAPPED_FULL if ev.full else MIN_MAPPED_SAMPLED
    if discriminating < needed:
        return None
    fit = _fit(a[k], n[j], pair_noise)
    if fit is None:
        return None
    identity = int((~_explained(a[k], n[k], noise[k], 1.0)).sum())
    return _Mapped(k, fit, identity, discriminating)


def _mapped_wins(m: _Mapped) -> bool:
    return (
        m.fit.fraction >= MIN_EXPLAINED
        and m.identity_unexplained > 0
        and m.fit.unexplained * MIN_IMPROVEMENT <= m.identity_unexplained
    )


def _transpose(ev: _Evidence) -> Diagnosis | None:
    if len(ev.shape) != 2 or ev.shape[0] != ev.shape[1] or ev.shape[0] < 2:
        return None
    rows, cols = ev.coords()
    partner = cols * ev.shape[1] + rows
    m = _mapped_fit(ev, partner)
    if m is None or not _mapped_wins(m):
        return None
    c = m.fit.factor
    scaled = not _close(c, 1.0)
    pairs = int(m.positions.size)
    fitted = int(m.fit.explained.sum())
    basis = (
        f"{fitted} of the {pairs} entries fit"
        if ev.full
        else f"{fitted} of the {pairs} sampled entries whose mirror was also checked fit"
    )
    extra, after = "", ""
    kinds: list[str] = []
    if scaled:
        kinds, hints = _factor_hints(c, ev.batch_size, ev.named)
        extra = f", times {_fmt(c)}"
        after = f" As for the factor: {'; or '.join(hints)}." if hints else ""
    return Diagnosis(
        "transpose",
        c if scaled else None,
        f"The analytic gradient is the numeric one transposed{extra}: entry [i, j] holds the value "
        f"of [j, i] ({basis}, {m.discriminating} of them off the diagonal, where a transpose "
        f"shows). "
        f"The operands of the product are swapped or a .T is missing or extra, e.g. "
        f"A_prev @ dZ.T where dZ @ A_prev.T belongs; a square matrix hides this from the shape "
        f"check.{after}",
        {
            **ev.base_details(),
            "pairs": pairs,
            "discriminating": m.discriminating,
            "factor": c,
            "hints": kinds,
        },
        summary=(
            "Your gradient is the true one transposed (entry [i, j] holds [j, i])"
            + (f" and multiplied by {_fmt(c)}" if scaled else "")
            + ": the operands of the product are swapped or a .T is missing or extra. Use "
            "dZ @ A_prev.T, not A_prev @ dZ.T (a square W hides this from the shape check)."
        ),
    )


def _best_shift(ev: _Evidence) -> tuple[int, int, _Mapped] | None:
    """The (axis, step, fit) of the one-place shift that explains the most coordinates."""
    coords = ev.coords()
    best: tuple[int, int, _Mapped] | None = None
    for axis in range(len(ev.shape)):
        length = ev.shape[axis]
        if length < 3:
            continue
        for step in (1, -1):
            moved = coords[axis] + step
            inside = (moved >= 0) & (moved < length)
            moved_coords = list(coords)
            moved_coords[axis] = np.where(inside, moved, 0)
            partner = np.where(
                inside, np.ravel_multi_index(tuple(moved_coords), ev.shape), -1
            ).astype(np.int64)
            m = _mapped_fit(ev, partner)
            if m is None or not _mapped_wins(m) or not _close(m.fit.factor, 1.0):
                continue
            if m.positions.size < SHIFT_MIN_COVERAGE * ev.analytic.size:
                continue
            if best is None or m.fit.unexplained < best[2].fit.unexplained:
                best = (axis, step, m)
    return best


def _shift(ev: _Evidence) -> Diagnosis | None:
    if len(ev.shape) not in (1, 2):
        return None
    best = _best_shift(ev)
    if best is None:
        return None
    axis, step, m = best
    unit = "element" if len(ev.shape) == 1 else ("row" if axis == 0 else "column")
    sign = "+" if step > 0 else "-"
    return Diagnosis(
        "shift",
        None,
        f"Each {unit} i of the analytic gradient holds the numeric gradient of {unit} i {sign} 1 "
        f"({m.positions.size} coordinates fit): an index off by one, so every {unit} is written "
        f"one place over (e.g. dW[i - 1] = ... or a loop that reads [i + 1]).",
        {**ev.base_details(), "axis": axis, "step": step, "pairs": int(m.positions.size)},
        summary=(
            f"Each {unit} of your gradient holds the value of the {unit} "
            f"{'after' if step > 0 else 'before'} it: an index off by one, as in "
            f"dW[i - 1] = ... or a loop that reads [i + 1]."
        ),
    )
