"""Patterns where the analytic gradient is a constant times the numeric one over the whole tensor:
``zero`` (never written back), ``sign`` (factor -1) and ``scale`` (any other factor, named by
:mod:`gradcheck.diagnose.factors` when it has a name).
"""

from __future__ import annotations

import numpy as np

from gradcheck.diagnose.diagnosis import Diagnosis
from gradcheck.diagnose.evidence import _Evidence
from gradcheck.diagnose.factors import _close, _factor_hints
from gradcheck.diagnose.fit import _explained, _Fit, _fit
from gradcheck.diagnose.phrasing import _capital, _fmt, _index_text
from gradcheck.diagnose.thresholds import (
    MIN_EXPLAINED,
    MIN_IMPROVEMENT,
    MIN_SUPPORT,
    NAMED_MIN_EXPLAINED,
)


def _zero(ev: _Evidence) -> Diagnosis | None:
    a, n, noise = ev.analytic, ev.numeric, ev.noise
    if not (np.abs(a) <= noise).all() or not (np.abs(n) > noise).any():
        return None
    k = int(np.argmax(np.abs(n)))
    exact = bool((a == 0).all())
    size_note = (
        "exactly zero"
        if exact
        else f"zero to within the noise (largest |analytic| {_fmt(float(np.abs(a).max()))})"
    )
    return Diagnosis(
        "zero",
        None,
        f"The analytic gradient is {size_note} at {ev.coverage_text()}, while the numeric one is "
        f"not (largest |numeric| {_fmt(abs(float(n[k])))} at {_index_text(ev.index(k))}): the "
        f"gradient was never written back. It still holds the zeros it started with, or the result "
        f"went to another variable or key (a typo such as dw2 for dW2, or a local that shadows "
        f"the stored array).",
        {**ev.base_details(), "exact_zero": exact, "max_abs_numeric": abs(float(n[k]))},
        summary=(
            "The gradient is zero where the loss does change: it was never stored (a typo such "
            "as dw2 for dW2, or a local that shadows the stored array)."
        ),
    )


def _factor_wins(ev: _Evidence, fit: _Fit, named: bool) -> bool:
    """Whether the fitted factor explains enough (less for a named one), does ten times better
    than "a = n", and rests on enough coordinates clear of the noise (unless it has a name)."""
    if fit.fraction < (NAMED_MIN_EXPLAINED if named else MIN_EXPLAINED):
        return False
    identity_unexplained = int((~_explained(ev.analytic, ev.numeric, ev.noise, 1.0)).sum())
    if identity_unexplained == 0 or fit.unexplained * MIN_IMPROVEMENT > identity_unexplained:
        return False
    return not (fit.support < MIN_SUPPORT and not named)


def _scale(ev: _Evidence) -> Diagnosis | None:
    a, n, noise = ev.analytic, ev.numeric, ev.noise
    fit = _fit(a, n, noise)
    if fit is None:
        return None
    c = fit.factor
    kinds, hints = _factor_hints(c, ev.batch_size, ev.named)
    named = bool(kinds) or _close(c, -1.0)
    if not _factor_wins(ev, fit, named):
        return None
    details = {
        **ev.base_details(),
        "factor": c,
        "explained": int(fit.explained.sum()),
        "support": fit.support,
        "hints": kinds,
    }
    where = (
        f"at {ev.coverage_text()}"
        if fit.unexplained == 0
        else f"at {int(fit.explained.sum())} of {a.size} coordinates (the other "
        f"{fit.unexplained} deviate further, perhaps at kinks)"
    )
    if _close(c, -1.0):
        return Diagnosis(
            "sign",
            c,
            f"The analytic gradient is the numeric one with its sign flipped (factor {_fmt(c)}) "
            f"{where}: a minus sign is lost or doubled, e.g. dZ = Y - A instead of A - Y, a "
            f"subtracted term added, or the update's minus folded into the gradient.",
            {**details, "hints": ["sign"]},
            summary=(
                "The gradient has the wrong sign: a minus is lost or doubled (dZ = Y - A "
                "instead of A - Y, or a subtracted term added)."
            ),
        )
    cause = _scale_cause(c, kinds, hints)
    return Diagnosis(
        "scale",
        c,
        f"The analytic gradient is {_fmt(c)} times the numeric one {where} (least-squares "
        f"factor, {fit.support} coordinates clear of the noise). {cause}.",
        details,
        summary=f"The gradient is {_fmt(c)} times the true one. {cause}.",
    )


def _scale_cause(c: float, kinds: list[str], hints: list[str]) -> str:
    """The likely causes of a factor ``c``: its names, or a generic one; a negative ``c`` adds the
    lost sign."""
    if not kinds:
        unnamed = (
            f"a constant factor of {_fmt(abs(c))} that has no common name: look for a constant in "
            f"this gradient's formula (a mis-sized 1/m, a scale in the loss the gradient leaves "
            f"out, a learning rate folded in)"
        )
        hints = [*hints, unnamed]
    cause = _capital("; or ".join(hints))
    if c < 0:
        cause = (
            "The sign is flipped (dZ = Y - A instead of A - Y, or a subtracted term added), and "
            + cause[:1].lower()
            + cause[1:]
        )
    return cause
