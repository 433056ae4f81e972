"""How the diagnose room writes numbers, indices and lists into its messages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def _and(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _verb(items: Sequence[Any], singular: str, plural: str) -> str:
    return singular if len(items) == 1 else plural


def _fmt(x: float) -> str:
    """A number for a message: 4 significant digits, more when needed to tell it from +-1
    (a factor of 1.00002 must not read as 1)."""
    if x == 0:
        return "0"
    if abs(x) >= 1e5 or abs(x) < 1e-3:
        return f"{x:.3g}"
    for digits in (4, 6, 8, 10):
        text = f"{x:.{digits}g}"
        if abs(float(text)) != 1.0 or abs(x) == 1.0:
            return text
    return text


def _index_text(index: Sequence[int]) -> str:
    return "[" + ", ".join(str(int(i)) for i in index) + "]"


def _formula(names: Sequence[str], itself: bool = False) -> str:
    """'the formula for W2 (itself)', 'the formulas for W2 and b2 (themselves)'."""
    if len(names) == 1:
        return f"the formula for {names[0]}" + (" itself" if itself else "")
    return f"the formulas for {_and(names)}" + (" themselves" if itself else "")
