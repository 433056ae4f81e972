"""Fits against the noise bars: which coordinates a hypothesis explains, and the robust fit of a
constant factor ``a = c * n``.

Every test in the diagnose room is a fit with a goodness-of-fit check against the engine's
per-coordinate noise bound ``tolerance``: a coordinate is *explained* by a hypothesis
"a = c * T(n)" (T = identity, transpose, shift) when ``|a - c T(n)| <= FIT_SLACK * (1 + |c|) *
tolerance``, because ``n`` carries an error of up to ``tolerance`` that the factor multiplies and
``a`` carries its own round-off of the same order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gradcheck.diagnose.thresholds import FIT_SLACK


def _explained(a: np.ndarray, n: np.ndarray, noise: np.ndarray, c: float) -> np.ndarray:
    """Which coordinates the hypothesis ``a = c * n`` explains within the noise (see the module
    docstring for why the slack grows with ``|c|``)."""
    return np.asarray(np.abs(a - c * n) <= FIT_SLACK * (1.0 + abs(c)) * noise)


@dataclass(frozen=True)
class _Fit:
    factor: float
    explained: np.ndarray  # bool per coordinate
    support: int  # explained coordinates where n stands clear of its noise
    relevant: np.ndarray  # bool: a or n stands clear of its noise (there is something to explain)

    @property
    def fraction(self) -> float:
        """Explained fraction of the relevant coordinates. Where both gradients are zero within
        the noise any factor fits, so counting them would let a sparse gradient fit anything."""
        total = int(self.relevant.sum())
        return float((self.explained & self.relevant).sum() / total) if total else 0.0

    @property
    def unexplained(self) -> int:
        return int((~self.explained).sum())


def _fit(a: np.ndarray, n: np.ndarray, noise: np.ndarray) -> _Fit | None:
    """Fit ``a = c * n`` robustly: the median ratio first (immune to a minority of wrong
    coordinates), then least squares over the coordinates it explains. ``None`` when the numeric
    gradient is nowhere clear of its noise (there is nothing to take a ratio of)."""
    informative = np.abs(n) > noise
    if not informative.any():
        return None
    c = float(np.median(a[informative] / n[informative]))
    for _ in range(2):
        inliers = _explained(a, n, noise, c) & informative
        if not inliers.any():
            break
        c = float(a[inliers] @ n[inliers] / (n[inliers] @ n[inliers]))
    explained = _explained(a, n, noise, c)
    relevant = informative | (np.abs(a) > noise)
    return _Fit(c, explained, int((explained & informative).sum()), relevant)


def _cosine(a: np.ndarray, n: np.ndarray) -> float | None:
    """Cosine of the angle between two vectors; None when either is zero."""
    na, nn = float(np.linalg.norm(a)), float(np.linalg.norm(n))
    if na == 0 or nn == 0:
        return None
    return float(np.clip(a @ n / (na * nn), -1.0, 1.0))
