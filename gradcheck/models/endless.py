"""A training loop that never ends, at the top level of a user's file: run its body once, up to
the first call of the file's own functions, instead of importing forever.

Karpathy's min-char-rnn trains in a module-level ``while True:``; the inputs its ``lossFun`` takes
(``inputs``, ``targets``, ``hprev``) are made at the top of that loop's body. Importing the file as
written would never return, and skipping the loop would leave them undefined. So the body runs
once, statement by statement, and stops before the first statement that calls a function the file
defines (``sample(...)``, ``lossFun(...)``: the model's own work, which the check does itself) or
that would leave the loop (``break``, ``continue``, ``return``). The loop's source lines keep their
numbers, so tracebacks and the report point at the user's file as written.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

__all__ = ["Unrolled", "unroll_endless_loops"]


@dataclass(frozen=True)
class Unrolled:
    """The module's code with each endless loop run once, and what was done, for a report note."""

    tree: ast.Module
    notes: tuple[str, ...]


def _endless(node: ast.stmt) -> bool:
    """``while True:`` or ``while 1:`` with no ``else``."""
    return (
        isinstance(node, ast.While)
        and isinstance(node.test, ast.Constant)
        and bool(node.test.value)
        and not node.orelse
    )


def _own_calls(node: ast.AST, own: set[str]) -> bool:
    return any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in own
        for n in ast.walk(node)
    )


def _leaves_the_loop(node: ast.AST) -> bool:
    """A ``break``/``continue`` of this loop (not of a loop or function nested in it)."""
    if isinstance(node, (ast.Break, ast.Continue, ast.Return)):
        return True
    if isinstance(node, (ast.For, ast.While, ast.AsyncFor)):
        return any(_leaves_the_loop(n) for n in node.orelse)
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
        return False
    return any(_leaves_the_loop(n) for n in ast.iter_child_nodes(node))


def _once(loop: ast.While, own: set[str]) -> tuple[list[ast.stmt], ast.stmt | None]:
    """The body's statements up to the first that calls the file's own function or leaves the
    loop; and that statement (None when the whole body ran)."""
    kept: list[ast.stmt] = []
    for stmt in loop.body:
        if _own_calls(stmt, own) or _leaves_the_loop(stmt):
            return kept, stmt
        kept.append(stmt)
    return kept, None


def unroll_endless_loops(source: str, filename: str) -> Unrolled | None:
    """``source`` with each top-level endless loop replaced by its body run once up to the first
    call of the file's own functions; None when it has none (or does not parse: the import then
    reports the syntax error as usual)."""
    try:
        tree = ast.parse(source, filename)
    except (SyntaxError, ValueError):
        return None
    if not any(_endless(node) for node in tree.body):
        return None
    own = {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    }
    body: list[ast.stmt] = []
    notes = []
    for node in tree.body:
        if not _endless(node):
            body.append(node)
            continue
        assert isinstance(node, ast.While)
        kept, stop = _once(node, own)
        body += kept
        until = (
            f" up to line {stop.lineno}, where it first calls your own functions"
            if stop is not None
            else ""
        )
        notes.append(
            f"the endless loop `while True:` at line {node.lineno} was run once{until}, for the "
            "values it prepares; the training in it was not run"
        )
    return Unrolled(ast.Module(body=body, type_ignores=tree.type_ignores), tuple(notes))
