"""Kinks judged by one-sided derivatives: where the loss has a corner inside the stencil (ReLU at
exactly 0, a tie in a max or max-pool, |x| at 0, a hinge at its margin, a clip at its bound, several
at once), the analytic value is right when it lies between the left and right derivatives: it is a
valid subgradient, and any of them is what a backward pass may return there.
"""

from __future__ import annotations

from dataclasses import dataclass

from gradcheck.engine.noise import difference_bound

# A corner keeps the gap between the one-sided slopes when the step halves; on a smooth curve the
# gap is f''(x) h and halves with it. Above this ratio of gap(h/2) / gap(h) the gap is a corner's.
KINK_GAP_KEPT = 0.75


@dataclass(frozen=True)
class Stencil:
    """One centered difference at half-width ``h``: its estimate and its two one-sided slopes."""

    numeric: float
    h: float
    right: float  # (f(x+h) - f(x)) / h
    left: float  # (f(x) - f(x-h)) / h


def has_corner(wide: Stencil, narrow: Stencil, sigma: float) -> bool:
    """True when the gap between the one-sided slopes stays as the step halves: a corner.

    On a smooth curve the gap right - left is f''(x) h and halves with the step; at a corner it
    is the jump of the derivative and stays. ``narrow`` is ``wide`` at half the step.
    """
    noise = difference_bound(sigma) / narrow.h  # one-sided slope: two evaluations over h
    gap = abs(narrow.right - narrow.left)
    return gap > 2.0 * noise and gap >= KINK_GAP_KEPT * abs(wide.right - wide.left)


def is_subgradient(
    analytic: float, narrow: Stencil, wide: Stencil, sigma: float, rtol: float
) -> bool:
    """True when ``analytic`` lies between the one-sided slopes of the stencil at a corner.

    The one-sided slopes of ``narrow`` carry an O(h) truncation error, estimated by how far they
    moved from those of ``wide`` (twice its step; for c h against c h / 2 the move is the error
    itself), and round-off of two evaluations over h. The bracket [min(left, right), max(left,
    right)], widened by both and by ``rtol`` of the slopes, holds every valid subgradient at a
    corner at x, and the derivative at x when the corner sits elsewhere within one side.
    """
    noise = difference_bound(sigma) / narrow.h
    drift_right = abs(wide.right - narrow.right)
    drift_left = abs(wide.left - narrow.left)
    slack = noise + rtol * (abs(narrow.right) + abs(narrow.left))
    low = min(narrow.left - drift_left, narrow.right - drift_right) - slack
    high = max(narrow.left + drift_left, narrow.right + drift_right) + slack
    return low <= analytic <= high
