"""The common L2 conventions, to name what an L2 disagreement means in the user's own words.

With L2 on, the numeric gradient is ``n = d + k * W``: the data term ``d`` and the L2 term's gradient
``k * W``, where ``k`` follows from the loss's convention and the user's regularization strength
(``lambd``, ``reg``): the course's ``lambd / (2 m) * sum(W**2)`` gives ``k = lambd / m``; CS231n's
``reg * sum(W * W)`` gives ``2 * reg`` and ``0.5 * reg * sum(W * W)`` gives ``reg``. The analytic
gradient ``a = alpha * d + r * k * W`` is fitted as ``a = alpha * n + beta * W``, so for a convention
``k`` the L2 term is ``r = alpha + beta / k`` times the right one. A reading is kept only when both
``alpha`` and ``r`` have a name; when several conventions fit the numbers, each is said: the numbers
alone cannot tell which loss the user wrote.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from gradcheck.diagnose.factors import _close, _factor_hints
from gradcheck.diagnose.phrasing import _fmt

#: Names of a regularization strength.
_STRENGTH = re.compile(r"lamb|lamd|reg|weight_decay|l2|penalty|^wd$", re.IGNORECASE)
_COURSE = re.compile(r"lamb|lamd", re.IGNORECASE)


@dataclass(frozen=True)
class Convention:
    name: str  # the user's name for the strength (lambd, reg)
    value: float
    loss: str  # the loss's L2 term, as the user would write it
    right: str  # the gradient's L2 term that goes with it
    k: float  # its coefficient
    right_coef: str  # ... as the user would write it (``2 * reg``)


@dataclass(frozen=True)
class Reading:
    convention: Convention
    data_factor: float  # alpha
    l2_ratio: float  # r: the analytic L2 term over the right one
    text: str
    wrong: str | None = None  # the analytic L2 coefficient as written ('' right, None absent)

    def to_dict(self) -> dict[str, object]:
        """What a fixed line needs: the strength's name, the coefficient the gradient has and the
        one that belongs (None: no certain fix), and the data term's factor."""
        right = self.convention.right_coef or None
        return {
            "strength": self.convention.name,
            "wrong": self.wrong,
            "right": right,
            "data_factor": self.data_factor,
        }


def conventions(named: Mapping[str, float], m: int | None) -> list[Convention]:
    """The L2 conventions the named strengths allow: the course's for lambd (with m known),
    CS231n's two for reg, all three for any other strength."""
    found: list[Convention] = []
    for name, v in named.items():
        if not _STRENGTH.search(name):
            continue
        course = bool(_COURSE.search(name))
        if m is not None and m > 1 and (course or "reg" not in name.lower()):
            found.append(
                Convention(
                    name,
                    v,
                    f"{name} / (2 * m) * np.sum(W**2)",
                    f"{name} / m * W",
                    v / m,
                    f"{name} / m",
                )
            )
        if not course:
            found.append(
                Convention(
                    name, v, f"{name} * np.sum(W * W)", f"2 * {name} * W", 2 * v, f"2 * {name}"
                )
            )
            found.append(
                Convention(name, v, f"0.5 * {name} * np.sum(W * W)", f"{name} * W", v, name)
            )
    return found


def coefficient_text(coef: float, name: str, v: float, m: int | None) -> str | None:
    """``coef`` as the user would write it (``reg``, ``2 * reg``, ``lambd / m``), if it is one."""
    forms = [(v, name), (2 * v, f"2 * {name}"), (0.5 * v, f"0.5 * {name}")]
    if m is not None and m > 1:
        forms += [
            (v / m, f"{name} / m"),
            (v / (2 * m), f"{name} / (2 * m)"),
            (2 * v / m, f"2 * {name} / m"),
            (v / (m * m), f"{name} / m**2"),
        ]
    for value, text in forms:
        if _close(abs(coef), value):
            return text if coef > 0 else f"-{text}"
    return None


def _data_text(alpha: float, m: int | None, named: Mapping[str, float]) -> str | None:
    """The data term's factor with its name: '' when it is right, None when it has no name."""
    if _close(alpha, 1.0):
        return ""
    kinds, hints = _factor_hints(alpha, m, named)
    if not kinds or alpha < 0:
        return None
    return f"the data term is {_fmt(alpha)} times the true one: {hints[0]}"


def _l2_text(c: Convention, r: float, m: int | None) -> tuple[str, str | None] | None:
    """What the L2 term does under convention ``c`` and the coefficient the gradient has: ('',
    the right one) when right, (text, None) when absent, None when it has no name."""
    if _close(r, 1.0):
        return "", c.right_coef
    if abs(r) < 0.01:
        return f"the gradient lacks the L2 term {c.right}", None
    if r < 0:
        return None  # an L2 term of the wrong sign: no convention's reading
    wrong = coefficient_text(r * c.k, c.name, c.value, m)
    if wrong is None:
        return None
    return f"the gradient has {wrong} * W where {c.right} belongs", wrong


def readings(alpha: float, beta: float, named: Mapping[str, float], m: int | None) -> list[Reading]:
    """The readings of ``a = alpha * n + beta * W`` under the conventions at hand (see the module
    docstring); with alpha = 1 also "the loss has no L2 term" when beta is a named coefficient."""
    data = _data_text(alpha, m, named)
    if data is None:
        return []
    found: list[Reading] = []
    for c in conventions(named, m):
        r = alpha + beta / c.k
        said = _l2_text(c, r, m)
        if said is None or (said[0] == "" and data == ""):
            continue
        l2, wrong = said
        if l2 == "":
            l2 = f"the L2 term {c.right} is right, but"
        elif data:
            l2 += ", and"
        text = f"with the loss {c.loss}, {l2} {data}".rstrip()
        found.append(Reading(c, alpha, r, text, wrong))
    if data == "" and beta > 0:
        for name, v in named.items():
            extra = coefficient_text(beta, name, v, m) if _STRENGTH.search(name) else None
            if extra is not None:
                text = (
                    f"if the loss has no L2 term, the gradient adds {extra} * W that the loss lacks"
                )
                no_l2 = Convention(name, v, "", "", 0.0, "")
                found.append(Reading(no_l2, alpha, float("inf"), text, extra))
    return found
