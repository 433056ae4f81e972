"""When no pattern fits: say so, and what the numbers do show (one wrong entry, a numeric gradient
that is zero everywhere, the best factor, the direction of the disagreeing coordinates, the largest
gap).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gradcheck.diagnose.diagnosis import Diagnosis
from gradcheck.diagnose.evidence import _Evidence
from gradcheck.diagnose.factors import _close
from gradcheck.diagnose.fit import _cosine, _Fit, _fit
from gradcheck.diagnose.phrasing import _fmt, _index_text
from gradcheck.diagnose.thresholds import ALIGNED, MIN_SUPPORT


def _no_pattern(ev: _Evidence) -> Diagnosis:
    """Say that no simple pattern fits, and what the numbers do show."""
    a, n = ev.analytic, ev.numeric
    details: dict[str, Any] = {**ev.base_details()}
    k = int(np.argmax(np.abs(a - n)))
    details["largest_gap"] = {
        "index": list(ev.index(k)),
        "analytic": float(a[k]),
        "numeric": float(n[k]),
    }
    if int(ev.bad.sum()) == 1:
        return _one_entry(ev, k, details)
    fit = _fit(a, n, ev.noise)
    if fit is None:
        return _numeric_all_zero(ev, details)
    parts = [_spread(ev)]
    details["best_factor"] = fit.factor
    details["best_factor_explains"] = int(fit.explained.sum())
    parts.append(_factor_text(fit))
    reading = _direction(ev, details)
    if reading is not None:
        parts.append(reading[0])
    parts.append(
        f"the largest gap is at {_index_text(ev.index(k))} (analytic {_fmt(float(a[k]))}, "
        f"numeric {_fmt(float(n[k]))})"
    )
    return Diagnosis(
        None,
        None,
        "; ".join(parts) + ".",
        details,
        summary=f"{_how_many(ev)} {_LOOKS[reading[1] if reading else 'unread']}",
    )


def _how_many(ev: _Evidence) -> str:
    """How much of the tensor is wrong, in a plain sentence."""
    nbad, size = int(ev.bad.sum()), ev.analytic.size
    where = "every entry checked" if nbad == size else f"{nbad} of the {size} entries checked"
    return (
        f"Your gradient is wrong at {where}, and no simple mistake (a factor, a sign, a "
        f"transpose) explains it."
    )


# What the disagreeing entries look like (``_direction``'s kind), in plain words with the causes.
_LOOKS = {
    "aligned": (
        "The signs are mostly right but the sizes are off: a wrong derivative (tanh's is "
        "1 - A**2, sigmoid's A * (1 - A)), a wrong cached value (Z where A belongs) or a wrong term."
    ),
    "opposite": (
        "The signs are mostly flipped and something else is off too: a lost minus (dZ = Y - A "
        "instead of A - Y) together with a second mistake."
    ),
    "unrelated": (
        "The values look unrelated to the true ones: another tensor's gradient, a wrong value "
        "from the cache (the wrong layer's A, Z for A), or several mistakes at once."
    ),
    "unread": "Compare each line of the backward with its derivation, starting with dZ.",
}


def _one_entry(ev: _Evidence, k: int, details: dict[str, Any]) -> Diagnosis:
    a, n = ev.analytic, ev.numeric
    return Diagnosis(
        None,
        None,
        f"Only coordinate {_index_text(ev.index(k))} disagrees (analytic {_fmt(float(a[k]))}, "
        f"numeric {_fmt(float(n[k]))}); the other {a.size - 1} agree. One wrong entry is rare "
        f"in vectorised code: if the loss has a kink there (ReLU at 0, a max, an abs), it is "
        f"probably that; otherwise look for code that writes that one entry.",
        details,
        summary=(
            f"Only entry {_index_text(ev.index(k))} of your gradient is wrong. If the loss has a "
            f"corner there (a ReLU at exactly 0, a max, an abs), that is the likely reason; "
            f"otherwise look for code that writes that one entry."
        ),
    )


def _numeric_all_zero(ev: _Evidence, details: dict[str, Any]) -> Diagnosis:
    a = ev.analytic
    j = int(np.argmax(np.abs(a)))
    return Diagnosis(
        None,
        None,
        f"The numeric gradient is zero within the noise at {ev.coverage_text()} while the "
        f"analytic one is not (largest |analytic| {_fmt(abs(float(a[j])))} at "
        f"{_index_text(ev.index(j))}): the loss does not change when this tensor moves, yet "
        f"the backward says it should. Most often the units are saturated or dead here (tanh "
        f"or sigmoid at +-1, a ReLU that never fires), so the true gradient vanishes, and the "
        f"backward uses a derivative that does not vanish with it (tanh(z) where "
        f"1 - tanh(z)**2 belongs, A where A * (1 - A) belongs). Otherwise the forward does "
        f"not use this tensor, or the backward differentiates a term the loss does not "
        f"contain (e.g. regularization).",
        {**details, "numeric_all_zero": True},
        summary=(
            "The loss does not change when these parameters move, yet your backward gives them a "
            "gradient. Most often the units are saturated (tanh or sigmoid at +-1) and the "
            "backward uses a derivative that does not vanish with them: tanh(z) where "
            "1 - tanh(z)**2 belongs, A where A * (1 - A) belongs."
        ),
    )


def _spread(ev: _Evidence) -> str:
    """How many coordinates disagree, and for a matrix over how many rows and columns."""
    bad, nbad = ev.bad, int(ev.bad.sum())
    text = f"No simple pattern fits: {nbad} of {ev.analytic.size} checked coordinates disagree"
    if len(ev.shape) == 2 and min(ev.shape) > 1:
        rows, cols = ev.coords()
        r = int(np.unique(rows[bad]).size)
        c = int(np.unique(cols[bad]).size)
        text += (
            f", spread over {r} of {int(np.unique(rows).size)} rows and {c} of "
            f"{int(np.unique(cols).size)} columns"
        )
    return text


def _factor_text(fit: _Fit) -> str:
    if _close(fit.factor, 1.0):
        return "no constant factor explains them"
    return (
        f"no single factor explains them (the best, {_fmt(fit.factor)}, leaves "
        f"{fit.unexplained} unexplained)"
    )


def _direction(ev: _Evidence, details: dict[str, Any]) -> tuple[str, str] | None:
    """How the disagreeing coordinates point, by their cosine and sign agreement (recorded in
    ``details``): (the clause for the message, its kind: "aligned", "opposite" or "unrelated");
    ``None`` with too few of them."""
    a, n, bad = ev.analytic, ev.numeric, ev.bad
    # Read the disagreeing coordinates only: the agreeing ones would make any mistake look
    # aligned with the truth.
    cos = _cosine(a[bad], n[bad]) if int(bad.sum()) >= MIN_SUPPORT else None
    if cos is None:
        return None
    details["cosine"] = cos
    same_sign = float(np.mean(np.sign(a[bad]) == np.sign(n[bad])))
    details["same_sign_fraction"] = same_sign
    if cos >= ALIGNED or (cos >= ALIGNED / 2 and same_sign >= ALIGNED):
        kind = "aligned"
        reading = (
            "roughly the right direction with the wrong amounts, as a wrong derivative (of "
            "an activation, of the loss) or a wrong term produces"
        )
    elif cos <= -ALIGNED / 2 or same_sign <= 1 - ALIGNED:
        kind = "opposite"
        reading = "mostly the opposite direction: a sign error mixed with another mistake"
    else:
        kind = "unrelated"
        reading = (
            "values largely unrelated to the true gradient: the gradient of another tensor or "
            "layer, a wrong cached variable, or several mistakes at once"
        )
    text = (
        f"where they disagree, the analytic and numeric vectors have cosine {_fmt(cos)} and "
        f"agree in sign at {round(100 * same_sign)}% of the coordinates, which reads as "
        f"{reading}"
    )
    return text, kind
