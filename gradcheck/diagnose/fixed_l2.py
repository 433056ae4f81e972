"""The user's L2 statement as it would be fixed, where the reading and the statement together make
the fix certain.

The numbers may fit several L2 readings (``reg * W`` where ``2 * reg * W`` belongs, or no L2 term
where ``reg * W`` belongs); the statement tells them apart when it holds exactly one term with the
regularization strength in it, ``coefficient * W``: only the readings whose analytic coefficient is
that one are possible. When exactly one is, and it names the right coefficient, the term is
rewritten (``reg * W2`` -> ``2 * reg * W2``); when the L2 term is right and the data term is m times
too large (a variable in scope holds m), the data term gets its ``/ m``.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["chosen_l2", "fixed_l2", "resolved_l2"]


def _norm(text: str) -> str:
    text = "".join(text.split())
    while text.startswith("(") and text.endswith(")"):
        text = text[1:-1]
    return text


def _terms(node: ast.expr) -> list[ast.expr]:
    """The top-level terms of a sum (``a + b + c``); a difference is not taken apart."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _terms(node.left) + _terms(node.right)
    return [node]


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _splice(code: str, node: ast.expr, text: str) -> str:
    return code[: node.col_offset] + text + code[node.end_col_offset :]


def _chosen(
    code: str, readings: Sequence[Mapping[str, Any]]
) -> tuple[int, ast.BinOp, list[ast.expr]] | None:
    """The one reading the statement allows: its index, the statement's L2 term and its other
    terms; None when the statement does not choose (see the module docstring)."""
    try:
        node = ast.parse(code).body[0]
    except (SyntaxError, IndexError):
        return None
    plain = isinstance(node, ast.Assign) and len(node.targets) == 1
    added = isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Add)
    if not (plain or added) or "\n" in code or not readings:
        return None
    assert isinstance(node, (ast.Assign, ast.AugAssign))
    strength = str(readings[0]["strength"])
    if any(r["strength"] != strength for r in readings):
        return None
    terms = _terms(node.value)
    l2 = [t for t in terms if strength in _names(t)]
    if len(l2) != 1:
        return None
    term = l2[0]
    if not (isinstance(term, ast.BinOp) and isinstance(term.op, ast.Mult)):
        return None
    coef = ast.get_source_segment(code, term.left)
    if coef is None or strength in _names(term.right):
        return None  # coefficient * W: the parameter last
    possible = [
        i
        for i, r in enumerate(readings)
        if r["wrong"] is not None and _norm(str(r["wrong"])) == _norm(coef)
    ]
    if len(possible) != 1:
        return None
    return possible[0], term, [t for t in terms if t is not term]


def chosen_l2(code: str, readings: Sequence[Mapping[str, Any]]) -> int | None:
    """The index of the one L2 reading the statement ``code`` allows, or None."""
    found = _chosen(code, readings)
    return None if found is None else found[0]


def fixed_l2(
    code: str, readings: Sequence[Mapping[str, Any]], counts: Mapping[int, str]
) -> str | None:
    """``code`` (one statement, no comment) fixed by the one L2 reading it allows, else None."""
    found = _chosen(code, readings)
    if found is None:
        return None
    index, term, rest = found
    reading = readings[index]
    if reading["right"] is None:
        return None
    coef = ast.get_source_segment(code, term.left) or ""
    if _norm(str(reading["right"])) != _norm(coef):
        return _splice(code, term.left, str(reading["right"]))
    return _data_fixed(code, rest, reading, counts)


def _data_fixed(
    code: str, data: list[ast.expr], reading: Mapping[str, Any], counts: Mapping[int, str]
) -> str | None:
    """The data term with its missing ``/ m``: one data term, m times too large."""
    factor = float(reading["data_factor"])
    k = round(factor)
    name = counts.get(k)
    if len(data) != 1 or name is None or k < 2 or abs(factor - k) > 1e-6 * k:
        return None
    term = data[0]
    text = ast.get_source_segment(code, term)
    if text is None:
        return None
    if isinstance(term, ast.BinOp) and isinstance(term.op, (ast.Add, ast.Sub)):
        text = f"({text})"
    return _splice(code, term, f"{text} / {name}")


def resolved_l2(code: str, line: int, details: Mapping[str, Any]) -> tuple[str, str] | None:
    """When the numbers fit several L2 readings and the statement (on ``line``) allows only one:
    the summary that says that one, and the sentence the message gains. None otherwise."""
    readings, texts = details.get("l2"), details.get("readings")
    if not readings or not texts or len(readings) < 2 or len(texts) != len(readings):
        return None
    index = chosen_l2(code, readings)
    if index is None:
        return None
    summary = f"The L2 term and the loss disagree: {texts[index]}."
    said = f" The L2 term on line {line} leaves one reading: {texts[index]}."
    return summary, said
