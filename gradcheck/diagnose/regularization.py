"""The ``regularization`` pattern: ``a - n = k * W``, an L2 term on one side only.

The gradient of (lambda / 2m) * sum(W**2) is (lambda / m) * W, so when the loss and the backward
disagree about that term, the difference is proportional to the parameter itself. The fit runs on
the difference, whose noise is the numeric gradient's (``W`` is exact).
"""

from __future__ import annotations

import numpy as np

from gradcheck.diagnose.diagnosis import Diagnosis
from gradcheck.diagnose.evidence import _Evidence
from gradcheck.diagnose.fit import _explained
from gradcheck.diagnose.phrasing import _fmt
from gradcheck.diagnose.thresholds import FIT_SLACK, MIN_EXPLAINED, MIN_IMPROVEMENT, MIN_SUPPORT


def _regularization(ev: _Evidence) -> Diagnosis | None:
    """``a - n = k * W``: an L2 term on one side only (see the module docstring)."""
    found = _l2_fit(ev)
    if found is None:
        return None
    k, support = found
    return Diagnosis(
        "regularization",
        None,
        _l2_text(ev, k),
        {**ev.base_details(), "coefficient": k, "support": support},
        summary=(
            "The loss has an L2 penalty, (lambda/2m) * sum(W**2), but the gradient lacks its "
            "part, (lambda/m) * W: add it to dW (or fix a lambda/(2m) where lambda/m belongs)."
            if k < 0
            else "The gradient adds an L2 term, a multiple of W, that the loss does not have: add "
            "(lambda/2m) * sum(W**2) to the cost, or drop the term from dW."
        ),
    )


def _l2_fit(ev: _Evidence) -> tuple[float, int] | None:
    """The coefficient k of ``a - n = k * W`` and its support, when that fit wins."""
    w = ev.values
    if w is None or not np.isfinite(w).all():
        return None
    a, n, noise = ev.analytic, ev.numeric, ev.noise
    d = a - n
    usable = (np.abs(w) > 0) & ev.bad
    if int(usable.sum()) < MIN_SUPPORT:
        return None
    k = float(np.median(d[usable] / w[usable]))
    bound = 2 * FIT_SLACK * noise  # the slack of "a = 1 * n", so the two hypotheses compare fairly
    for _ in range(2):
        inliers = (np.abs(d - k * w) <= bound) & (np.abs(w) > 0)
        if not inliers.any():
            break
        k = float(d[inliers] @ w[inliers] / (w[inliers] @ w[inliers]))
    explained = np.abs(d - k * w) <= bound
    support = int((explained & (np.abs(k * w) > noise)).sum())
    unexplained = int((~explained).sum())
    identity_unexplained = int((~_explained(a, n, noise, 1.0)).sum())
    relevant = (np.abs(a) > noise) | (np.abs(n) > noise)
    if (
        (explained & relevant).sum() < MIN_EXPLAINED * relevant.sum()
        or support < MIN_SUPPORT
        or unexplained * MIN_IMPROVEMENT > identity_unexplained
    ):
        return None
    return k, support


def _l2_text(ev: _Evidence, k: float) -> str:
    m = ev.batch_size
    lam = f" (lambda = {_fmt(abs(k) * m)} with m = {m})" if m else ""
    if k < 0:
        return (
            f"The numeric gradient exceeds the analytic one by {_fmt(-k)} times the parameter "
            f"itself at {ev.coverage_text()}: the loss has an L2 penalty whose gradient, "
            f"(lambda/m) * W = {_fmt(-k)} * W{lam}, is missing from the backward (or only part "
            f"of it is there, e.g. lambda/(2m) where lambda/m belongs)."
        )
    return (
        f"The analytic gradient exceeds the numeric one by {_fmt(k)} times the parameter "
        f"itself at {ev.coverage_text()}: the backward adds an L2 term, {_fmt(k)} * W{lam}, "
        f"that the loss does not contain. Add (lambda/2m) * sum(W**2) to the cost, or drop "
        f"the term from the gradient."
    )
