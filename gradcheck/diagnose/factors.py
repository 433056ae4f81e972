"""Names for a constant factor between the analytic and the numeric gradient: the batch size m and
its relatives (1/m, m/(m-1), m**2, 1/m**2, sqrt(m)), a named value the user's functions take and its
square and inverse (``keep_prob**2`` for ``* keep_prob`` where the forward divides by it), a stray 2
or 1/2, a whole number that may be an unknown m.

Each named factor comes with a kind (for ``details["hints"]``) and a sentence naming its likely
cause; the scale, transpose and subset patterns quote them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from gradcheck.diagnose.phrasing import _fmt
from gradcheck.diagnose.thresholds import FACTOR_MATCH_RTOL

# A named factor: (kind, the sentence that explains it).
_Named = tuple[str, str]


def _close(x: float, target: float) -> bool:
    return abs(x - target) <= FACTOR_MATCH_RTOL * abs(target)


def _factor_hints(
    c: float, batch_size: int | None, values: Mapping[str, float] | None = None
) -> tuple[list[str], list[str]]:
    """Named explanations of a constant factor ``c`` (its sign aside): (kinds, sentences).
    ``values``: the named values at hand (``{"keep_prob": 0.86}``)."""
    size = abs(c)
    m = batch_size if batch_size is not None and batch_size > 1 else None
    named: list[_Named] = []
    if m is not None:
        named += _batch_size_factors(size, m)
        named += _batch_size_powers(size, m)
    named += _named_values(size, values or {})
    named += _stray_two(size)
    if not named and m is None:
        named += _unknown_batch_size(size)
    return [kind for kind, _ in named], [hint for _, hint in named]


def _batch_size_factors(size: float, m: int) -> list[_Named]:
    """m, 1/m and m/(m-1) for a known batch size m > 1."""
    named: list[_Named] = []
    if _close(size, m):
        hint = (
            f"{_fmt(size)} is the batch size m = {m}: the 1/m of the mean is missing from this "
            f"gradient (e.g. dW = dZ @ A_prev.T without / m)"
        )
        named.append(("missing_mean", hint))
    if _close(size, 1.0 / m):
        hint = (
            f"{_fmt(size)} is 1/m for the batch size m = {m}: / m is applied twice, the gradient "
            f"is averaged twice (dZ already holds the 1/m, and dW divides by m again)"
        )
        named.append(("mean_twice", hint))
    if m > 2 and _close(size, m / (m - 1)):
        hint = f"{_fmt(size)} is m/(m-1) for m = {m}: the gradient divides by m - 1, not m"
        named.append(("m_minus_1", hint))
    return named


def _batch_size_powers(size: float, m: int) -> list[_Named]:
    """m**2, 1/m**2 and sqrt(m) for a known batch size m > 1."""
    named: list[_Named] = []
    if _close(size, float(m * m)):
        hint = (
            f"{_fmt(size)} is m**2 for the batch size m = {m}: the gradient multiplies by m "
            f"where it should divide by it, or misses the / m in two places"
        )
        named.append(("m_squared", hint))
    if _close(size, 1.0 / (m * m)):
        hint = (
            f"{_fmt(size)} is 1/m**2 for the batch size m = {m}: / m is applied two times too "
            f"many (in dZ, in dW and once more, or the gradient divides where the loss does not)"
        )
        named.append(("mean_thrice", hint))
    root = math.sqrt(m)
    if m > 3 and root != round(root) and (_close(size, root) or _close(size, 1 / root)):
        which = "sqrt(m)" if size > 1 else "1/sqrt(m)"
        hint = (
            f"{_fmt(size)} is {which} for the batch size m = {m}: the gradient divides by "
            f"sqrt(m) where the loss divides by m, or the other way round"
        )
        named.append(("sqrt_m", hint))
    return named


def _named_values(size: float, values: Mapping[str, float]) -> list[_Named]:
    """A value the user's functions take (``keep_prob = 0.86``), its square, and their inverses."""
    named: list[_Named] = []
    for name, v in values.items():
        if not (v > 0 and math.isfinite(v)) or _close(v, 1.0) or _close(1.0 / v, 1.0):
            continue
        for target, hint in _value_readings(size, name, v):
            if _close(size, target):
                named.append(("named_value", hint))
    return named


def _value_readings(size: float, name: str, v: float) -> list[tuple[float, str]]:
    """The factors a named value makes (v, 1/v, v**2, 1/v**2) and what each means."""
    head = f"{_fmt(size)} is"
    shown = f"{name} = {_fmt(v)}"
    stray = f"a stray * {name} in this gradient, or the / {name} the forward applies is missing"
    inverse = f"a stray / {name} in this gradient, or the * {name} the forward applies is missing"
    times = f"the backward multiplies by {name} where the forward divides by it"
    divides = f"the backward divides by {name} where the forward multiplies by it"
    return [
        (v, f"{head} {shown}: {stray}"),
        (1 / v, f"{head} 1/{name} for {shown}: {inverse}"),
        (v * v, f"{head} {name}**2 for {shown}: {times} (write / {name} as the forward does)"),
        (1 / (v * v), f"{head} 1/{name}**2 for {shown}: {divides} (write * {name} as it does)"),
    ]


def _stray_two(size: float) -> list[_Named]:
    """2 and 1/2: the 2 of d(x^2)/dx against the 1/2 of the loss."""
    named: list[_Named] = []
    if _close(size, 2.0):
        hint = (
            "a stray factor of two: the 2 of d(x^2)/dx kept although the loss has a 1/2, or a "
            "term counted twice"
        )
        named.append(("two", hint))
    if _close(size, 0.5):
        hint = (
            "a stray factor of 1/2: a 1/2 left in the gradient although the loss has none, or the "
            "2 of d(x^2)/dx dropped"
        )
        named.append(("half", hint))
    return named


def _unknown_batch_size(size: float) -> list[_Named]:
    """With no batch size given, a whole number k (or 1/k) may be m (or 1/m) for a batch of k."""
    if size >= 3:
        k = round(size)
        if _close(size, k):
            hint = (
                f"{k} is a whole number: if the batch holds {k} examples, the 1/m of the mean is "
                f"missing"
            )
            return [("whole_number", hint)]
    if 0 < size <= 1 / 3:
        k = round(1 / size)
        if _close(1 / size, k):
            hint = (
                f"{_fmt(size)} is 1/{k}: if the batch holds {k} examples, the gradient is "
                f"averaged twice"
            )
            return [("reciprocal", hint)]
    return []
