"""``--set NAME=VALUE`` (INTERFACE.md §5): binding an argument of the user's functions from the
command line, as a keyword passed to ``gradcheck.check`` would.

VALUE is a Python literal (``0.7``, ``"relu"``, ``[5, 4, 1]``, read with :func:`ast.literal_eval`) or
the name of a module-level variable of the user's file (``X=train_x``: the variable's own object, so
an array stays the user's array). It is never evaluated as code.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from typing import Any

from gradcheck.errors import GradcheckError

__all__ = ["parse_settings", "resolve_settings"]


def parse_settings(items: Sequence[str]) -> list[tuple[str, str]]:
    """``["lambd=0.7", "X=train_x"]`` -> ``[("lambd", "0.7"), ("X", "train_x")]``; a malformed item
    or a name given twice is a :class:`GradcheckError` naming it."""
    pairs: list[tuple[str, str]] = []
    seen: set[str] = set()
    for item in items:
        name, sep, raw = item.partition("=")
        name, raw = name.strip(), raw.strip()
        if not sep or not name.isidentifier() or not raw:
            raise GradcheckError(
                f"--set {item!r}: expected NAME=VALUE, with NAME an argument name and VALUE a "
                f"Python literal or a module-level name (--set lambd=0.7, --set X=train_x)"
            )
        if name in seen:
            raise GradcheckError(f"--set gives {name} twice; give each name once")
        seen.add(name)
        pairs.append((name, raw))
    return pairs


def resolve_settings(
    pairs: Sequence[tuple[str, str]], namespace: Mapping[str, Any], shown: str
) -> dict[str, Any]:
    """The values of parsed ``--set`` items: a literal, else the module-level variable so named."""
    values: dict[str, Any] = {}
    for name, raw in pairs:
        if raw.lower() in ("inf", "+inf", "-inf", "nan"):
            values[name] = float(raw)
            continue
        try:
            values[name] = ast.literal_eval(raw)
            continue
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            pass
        if raw.isidentifier() and raw in namespace:
            values[name] = namespace[raw]
            continue
        what = "name" if raw.isidentifier() else "Python literal"
        raise GradcheckError(
            f"--set {name}={raw}: {raw!r} is neither a Python literal (0.7, 'relu', [5, 4, 1]) nor "
            f"a module-level variable of {shown}"
            + (f" (it defines no {raw})" if what == "name" else "")
            + "; the value is never run as code"
        )
    return values
