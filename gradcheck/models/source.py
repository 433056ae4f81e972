"""Reading the user's code: the plain function behind a method, a partial or a decorator, the
names its ``return`` statements give (read with ``ast``, never guessed), and how a function is named
in messages and reports (its qualified name, its signature, its file and line).
"""

from __future__ import annotations

import ast
import functools
import inspect
import textwrap
from collections.abc import Callable, Mapping
from typing import Any


def underlying_function(fn: object) -> object:
    """The plain function behind a bound method, a partial or a decorator (for reading source)."""
    while True:
        if isinstance(fn, functools.partial):
            fn = fn.func
        elif inspect.ismethod(fn):
            fn = fn.__func__
        elif hasattr(fn, "__wrapped__"):
            fn = fn.__wrapped__
        else:
            return fn


def _function_node(fn: object) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    target = underlying_function(fn)
    try:
        source = inspect.getsource(target)  # type: ignore[arg-type]
    except (OSError, TypeError):
        return None
    try:
        tree = ast.parse(textwrap.dedent(source))
    except SyntaxError:
        return None
    name = getattr(target, "__name__", None)
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            return node
    return None


def _own_returns(func: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.Return]:
    """Return statements of ``func`` itself, not of functions or classes nested inside it."""
    found: list[ast.Return] = []
    stack: list[ast.AST] = list(func.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if isinstance(node, ast.Return):
            found.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return found


def returned_names(fn: object, length: int | None = None) -> tuple[str | None, ...] | None:
    """Names a function gives to what it returns, read from its ``return`` statements with ``ast``.

    ``return z1, a1, z2, a2`` gives ``('z1', 'a1', 'z2', 'a2')``; ``return AL`` gives ``('AL',)``;
    an element that is not a plain name (``return a + 1, b``) is ``None``. With several return
    statements, those of the given ``length`` are compared and a position keeps its name only when
    they all agree, so a name is never guessed. ``None`` when the source cannot be read (a builtin,
    code typed at a prompt) or no return statement fits.
    """
    func = _function_node(fn)
    if func is None:
        return None
    shapes: list[tuple[str | None, ...]] = []
    for ret in _own_returns(func):
        value = ret.value
        if value is None:
            continue
        if isinstance(value, (ast.Tuple, ast.List)):
            shapes.append(tuple(e.id if isinstance(e, ast.Name) else None for e in value.elts))
        else:
            shapes.append((value.id if isinstance(value, ast.Name) else None,))
    if length is not None:
        shapes = [s for s in shapes if len(s) == length]
    if not shapes:
        return None
    width = len(shapes[0])
    if any(len(s) != width for s in shapes):
        return None
    merged = tuple(
        shapes[0][i] if all(s[i] == shapes[0][i] for s in shapes) else None for i in range(width)
    )
    return merged


def display_name(fn: object) -> str:
    """``back_prop``, ``NeuralNetwork.forward_propagation``: the qualified name without the
    ``outer.<locals>.`` prefix of a function defined inside another."""
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or repr(fn)
    return str(name).rsplit("<locals>.", 1)[-1]


def _plain_signature(fn: Callable[..., Any]) -> str:
    """The signature as the user would read it in their code, without annotations."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return "(...)"
    bare = [p.replace(annotation=p.empty) for p in sig.parameters.values()]
    return str(sig.replace(parameters=bare, return_annotation=sig.empty))


def describe(role: str, fn: Callable[..., Any]) -> str:
    """``the backward function back_prop(z1, a1, z2, a2, w2, x, y)`` for error messages."""
    return f"the {role} function {display_name(fn)}{_plain_signature(fn)}"


def source_of(fn: object) -> str | None:
    """``file:line`` where ``fn`` is defined, for the report; None when it has no code object."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return None
    return f"{code.co_filename}:{code.co_firstlineno}"


def own_instances(
    namespace: Mapping[str, Any], accept: Callable[[object], bool]
) -> list[tuple[str, Any]]:
    """The public module-level instances of classes the user's module itself defines that
    ``accept`` takes (``net = Network(...)``: not imported objects, not ``_private`` ones)."""
    module = namespace.get("__name__")
    return [
        (name, value)
        for name, value in namespace.items()
        if not name.startswith("_") and type(value).__module__ == module and accept(value)
    ]
