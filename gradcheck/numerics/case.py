"""One row of the causes -> fixes catalogue and what its test reads: :class:`Case`, :class:`Operand`,
:class:`Evidence`, and the helpers that read an operand's numbers (shared by :mod:`~.causes` and
:mod:`~.stories`).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradcheck.numerics.source import Stmt
from gradcheck.numerics.summary import _as_base_array

__all__ = ["EXP_LIMIT", "SIGMOID_ONE_AT", "STATEMENT", "Case", "Evidence", "Operand"]

#: Largest argument of exp before it overflows, by dtype (log of the largest finite value).
EXP_LIMIT = {
    np.dtype(t): float(np.log(np.finfo(t).max)) for t in (np.float16, np.float32, np.float64)
}

#: 1 / (1 + exp(-z)) rounds to exactly 1.0 in float64 once z exceeds about this.
SIGMOID_ONE_AT = 36.7

#: The sweep of the rows that look at the statement as a whole, not at one operand.
STATEMENT = "statement"


@dataclass(frozen=True)
class Operand:
    """One operand role of the origin, read from the frame: the denominator of a division, ...

    ``partner`` is the numerator of a division or the exponent of a power (None otherwise). The
    statement as a whole is the operand of role ``statement`` (no value, no node).
    """

    role: str
    text: str
    value: Any
    partner_text: str | None
    partner: Any
    node: ast.expr | None


@dataclass(frozen=True)
class Evidence:
    """What every case may look at besides its operand: the statement, the frame, the dtype."""

    stmt: Stmt
    variable: str | None
    loc: Mapping[str, Any]
    glob: Mapping[str, Any]
    dtype: np.dtype[Any]

    @property
    def src(self) -> str:
        return self.stmt.text or ""

    @property
    def lowered(self) -> str:
        return (self.src + " " + (self.variable or "")).lower()

    @property
    def exp_limit(self) -> float:
        return EXP_LIMIT.get(self.dtype, EXP_LIMIT[np.dtype(np.float64)])


@dataclass(frozen=True)
class Case:
    """One row of the catalogue: the origin kind it explains, when it applies, what to say and do.

    ``sweep`` groups consecutive rows of one kind into one pass over the operands (see
    :func:`_first_match`): keep the rows of a sweep together. ``roles`` are the operand roles the
    row looks at; the rows of the sweep ``STATEMENT`` look once at the statement as a whole
    (role ``STATEMENT``), after every operand sweep of their kind came up empty. ``test`` decides,
    ``cause`` words the finding (None: no sentence), ``fix`` is one of :mod:`~.fixes`.
    """

    kind: str
    sweep: str
    roles: tuple[str, ...]
    test: Callable[[Operand, Evidence], bool]
    cause: Callable[[Operand, Evidence], str | None]
    fix: str


# --------------------------------------------------------------------------------------------------
# Reading an operand's numbers


def _arr(v: Any) -> np.ndarray:
    return np.asarray(_as_base_array(v) if isinstance(v, np.ndarray) else v)


def _float_dtype(values: list[Any]) -> np.dtype[Any]:
    for v in values:
        if isinstance(v, np.ndarray) and v.dtype.kind == "f":
            return np.dtype(v.dtype)
    return np.dtype(np.float64)


def _entries(n: int, of: str | None = None) -> str:
    """'1 entry is' / '3 entries of A are' -- counts read as sentences."""
    noun = "entry" if n == 1 else "entries"
    verb = "is" if n == 1 else "are"
    return f"{n} {noun} of {of} {verb}" if of else f"{n} {noun} {verb}"
