"""The ``regularization`` pattern: ``a - n = k * W``, an L2 term on one side only, and with the
regularization strength at hand, ``a = alpha * n + beta * W``: the data term and the L2 term fitted
separately (one of them off by a named factor).

The gradient of (lambda / 2m) * sum(W**2) is (lambda / m) * W, so when the loss and the backward
disagree about that term, the difference is proportional to the parameter itself. The fit runs on
the difference, whose noise is the numeric gradient's (``W`` is exact). The readings in the user's
own names (``reg * W`` where ``2 * reg * W`` belongs) are :mod:`gradcheck.diagnose.l2`'s.
"""

from __future__ import annotations

import numpy as np

from gradcheck.diagnose.diagnosis import Diagnosis
from gradcheck.diagnose.evidence import _Evidence
from gradcheck.diagnose.fit import _explained
from gradcheck.diagnose.l2 import Reading, readings
from gradcheck.diagnose.phrasing import _capital, _fmt
from gradcheck.diagnose.thresholds import (
    FACTOR_MATCH_RTOL,
    FIT_SLACK,
    MIN_EXPLAINED,
    MIN_IMPROVEMENT,
    MIN_SUPPORT,
)


def _regularization(ev: _Evidence) -> Diagnosis | None:
    """``a - n = k * W``: an L2 term on one side only (see the module docstring)."""
    found = _l2_fit(ev)
    if found is None:
        return None
    k, support = found
    details = {**ev.base_details(), "coefficient": k, "support": support}
    named = readings(1.0, k, ev.named, ev.batch_size)
    if named:
        return _named_diagnosis(named, None, f"{_l2_evidence(ev, k)}.", details)
    return Diagnosis(
        "regularization",
        None,
        _l2_text(ev, k),
        details,
        summary=(
            "The loss has an L2 penalty, (lambda/2m) * sum(W**2), but the gradient lacks its "
            "part, (lambda/m) * W: add it to dW (or fix a lambda/(2m) where lambda/m belongs)."
            if k < 0
            else "The gradient adds an L2 term, a multiple of W, that the loss does not have: add "
            "(lambda/2m) * sum(W**2) to the cost, or drop the term from dW."
        ),
    )


def _l2_evidence(ev: _Evidence, k: float) -> str:
    which = (
        "numeric gradient exceeds the analytic"
        if k < 0
        else "analytic gradient exceeds the numeric"
    )
    return f"The {which} one by {_fmt(abs(k))} times the parameter itself at {ev.coverage_text()}"


def _named_diagnosis(
    found: list[Reading], factor: float | None, evidence: str, details: dict[str, object]
) -> Diagnosis:
    """The L2 readings in the user's names: one is said as the cause, several as the readings the
    numbers cannot tell apart."""
    texts = [r.text for r in found[:3]]
    details = {
        **details,
        "readings": texts,
        "l2_ratio": [r.l2_ratio if np.isfinite(r.l2_ratio) else None for r in found[:3]],
        "strength": found[0].convention.name,
        "l2": [r.to_dict() for r in found[:3]],
    }
    if len(texts) == 1:
        said = f"The L2 term and the loss disagree: {texts[0]}."
        if not _close_to_one(found[0].data_factor):
            said = f"{_capital(texts[0])}."
        return Diagnosis("regularization", factor, f"{evidence} {said}", details, summary=said)
    said = (
        "The L2 term and the loss disagree, and the numbers alone cannot tell which way: "
        + "; or ".join(texts)
        + ". Check which loss you wrote."
    )
    return Diagnosis("regularization", factor, f"{evidence} {said}", details, summary=said)


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


def _l2_split(ev: _Evidence) -> Diagnosis | None:
    """``a = alpha * n + beta * W`` with alpha != 1: the data term and the L2 term off by different
    factors (the data term without its / m, the L2 term right). Only with a regularization strength
    at hand and a reading that names both factors."""
    w = ev.values
    if w is None or not ev.named or not np.isfinite(w).all():
        return None
    fit = _two_term_fit(ev, w)
    if fit is None:
        return None
    alpha, beta, support = fit
    found = [r for r in readings(alpha, beta, ev.named, ev.batch_size) if r.text]
    if not found:
        return None
    details = {
        **ev.base_details(),
        "data_factor": alpha,
        "coefficient": beta,
        "support": support,
    }
    evidence = (
        f"The analytic gradient is {_fmt(alpha)} times the numeric one plus {_fmt(beta)} times "
        f"the parameter itself at {ev.coverage_text()} (least-squares fit of the data term and "
        f"the L2 term separately, {support} coordinates clear of the noise)."
    )
    return _named_diagnosis(found, alpha, evidence, details)


def _two_term_fit(ev: _Evidence, w: np.ndarray) -> tuple[float, float, int] | None:
    """Least squares ``a = alpha * n + beta * w``, kept when it explains the coordinates within the
    noise, does ten times better than ``a = n``, and the two columns are far from collinear."""
    a, n, noise = ev.analytic, ev.numeric, ev.noise
    if a.size < MIN_SUPPORT + 2:
        return None
    (alpha, beta), *_ = np.linalg.lstsq(np.stack([n, w], axis=1), a, rcond=None)
    alpha, beta = float(alpha), float(beta)
    if _close_to_one(alpha) or beta == 0:
        return None  # the one-sided L2 term: _regularization's
    bound = FIT_SLACK * (1 + abs(alpha)) * noise
    if not _determined(n, w, alpha, beta, float(np.linalg.norm(bound))):
        return None
    explained = np.abs(a - alpha * n - beta * w) <= bound
    relevant = (np.abs(a) > noise) | (np.abs(n) > noise)
    support = int((explained & (np.abs(n) > noise)).sum())
    identity_unexplained = int((~_explained(a, n, noise, 1.0)).sum())
    if (
        (explained & relevant).sum() < MIN_EXPLAINED * relevant.sum()
        or support < MIN_SUPPORT
        or int((~explained).sum()) * MIN_IMPROVEMENT > identity_unexplained
    ):
        return None
    return alpha, beta, support


def _determined(n: np.ndarray, w: np.ndarray, alpha: float, beta: float, bound: float) -> bool:
    """Whether the noise leaves alpha and beta within 1% (the precision their names need): each
    is fixed by the part of its column the other does not explain."""
    for col, other, coef in ((n, w, alpha), (w, n, beta)):
        oo = float(other @ other)
        rest = col - (float(col @ other) / oo) * other if oo > 0 else col
        size = float(np.linalg.norm(rest))
        if size == 0 or bound / size > FACTOR_MATCH_RTOL * abs(coef):
            return False
    return True


def _close_to_one(x: float) -> bool:
    return abs(x - 1.0) <= 1e-3
