"""The source index: each statement of a user file, what it writes (targets) and reads, its text.

A statement's own text is the header of a compound statement (``for``, ``if``, ``with``) and all
of a simple one; the innermost statement of a line wins. Targets and reads come with their getters
(:mod:`gradcheck.numerics.reader`), so a tracer can read them from a live frame.
"""

from __future__ import annotations

import ast
import copy
import linecache
import math
import textwrap
from dataclasses import dataclass

from gradcheck.numerics.reader import Getter, _text, compile_getter


@dataclass
class Stmt:
    """One statement: what it reads, what it writes, and how to read those from a frame."""

    node: ast.stmt | None
    lineno: int
    text: str | None
    targets: list[tuple[str, Getter]]
    operands: list[tuple[str, Getter]]
    index_names: list[tuple[str, Getter]]
    is_return: bool = False
    is_expr: bool = False
    unreadable_target: bool = False
    literal_operands: frozenset[str] = frozenset()
    literal_nonfinite: bool = False
    _roles: list[tuple[str, str, Getter, str | None, Getter | None, ast.expr]] | None = None

    @property
    def variable(self) -> str | None:
        return ", ".join(t for t, _ in self.targets) or None


_COMPOUND = (
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.If,
    ast.With,
    ast.AsyncWith,
    ast.Try,
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
)


def _header_end(node: ast.stmt) -> int:
    """Last line of a statement's own text: the header of a compound statement, all of a simple one."""
    end = node.end_lineno or node.lineno
    body = getattr(node, "body", None)
    if isinstance(node, _COMPOUND) and body:
        end = max(node.lineno, min(end, body[0].lineno - 1))
    return end


class _SourceIndex:
    """The statements of one source file, by line number (the innermost statement wins)."""

    def __init__(self, filename: str) -> None:
        self.lines = linecache.getlines(filename)
        self.by_line: dict[int, ast.stmt] = {}
        self.stmts: dict[int, Stmt] = {}
        try:
            tree = ast.parse("".join(self.lines))
        except (SyntaxError, ValueError):
            return
        for node in ast.walk(tree):  # breadth first: an inner statement overwrites its parent
            if isinstance(node, ast.stmt) and not isinstance(
                node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
            ):
                for ln in range(node.lineno, _header_end(node) + 1):
                    self.by_line[ln] = node

    def statement(self, lineno: int) -> Stmt | None:
        node = self.by_line.get(lineno)
        if node is None:
            return None
        stmt = self.stmts.get(id(node))
        if stmt is None:
            stmt = self.stmts[id(node)] = _build_stmt(node, self.lines)
        return stmt


_INDEXES: dict[str, _SourceIndex] = {}


def _source_index(filename: str) -> _SourceIndex:
    linecache.checkcache(filename)
    index = _INDEXES.get(filename)
    if index is None or index.lines is not linecache.getlines(filename):
        index = _INDEXES[filename] = _SourceIndex(filename)
    return index


def _flatten_targets(node: ast.expr, out: list[ast.expr]) -> None:
    if isinstance(node, (ast.Tuple, ast.List)):
        for e in node.elts:
            _flatten_targets(e, out)
    elif isinstance(node, ast.Starred):
        _flatten_targets(node.value, out)
    else:
        out.append(node)


def _readable_target(node: ast.expr) -> tuple[str, Getter] | None:
    """How to read a target after the statement: itself, or the container a subscript wrote into."""
    if isinstance(node, ast.Name | ast.Attribute | ast.Subscript):
        load = _reload(node)
        getter = compile_getter(load)
        if getter is not None:
            return _text(node), getter
        if isinstance(node, ast.Subscript):  # A[mask] = ...: read all of A
            return _readable_target(node.value)
        if isinstance(node, ast.Attribute):
            return None
    return None


def _reload(node: ast.expr) -> ast.expr:
    """A Load-context copy of a Store-context target, so that it compiles as a read."""

    class _ToLoad(ast.NodeTransformer):
        def visit_Name(self, n: ast.Name) -> ast.Name:
            return ast.copy_location(ast.Name(id=n.id, ctx=ast.Load()), n)

        def generic_visit(self, n: ast.AST) -> ast.AST:
            if hasattr(n, "ctx"):
                n.ctx = ast.Load()
            return super().generic_visit(n)

    return _ToLoad().visit(copy.deepcopy(node))  # type: ignore[no-any-return]


def _collect_reads(node: ast.AST, out: list[ast.expr]) -> None:
    """The maximal readable leaves an expression reads: ``self.A[l]``, ``X``, ``params['W1']``."""
    if (
        isinstance(node, (ast.Name, ast.Attribute, ast.Subscript))
        and isinstance(getattr(node, "ctx", None), ast.Load)
        and compile_getter(node) is not None
    ):
        out.append(node)
        return
    if isinstance(node, ast.Call):
        if isinstance(node.func, ast.Attribute):
            _collect_reads(node.func.value, out)  # the receiver of a method call is data
        for a in node.args:
            _collect_reads(a, out)
        for k in node.keywords:
            _collect_reads(k.value, out)
        return
    if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
        _collect_reads(node.generators[0].iter, out)  # the rest runs in the comprehension's frame
        return
    if isinstance(node, ast.Lambda):
        return
    for child in ast.iter_child_nodes(node):
        _collect_reads(child, out)


def _header_exprs(node: ast.stmt) -> tuple[list[ast.expr], list[ast.expr]]:
    """(targets, read expressions) of a statement's own text."""
    targets: list[ast.expr] = []
    reads: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        for t in node.targets:
            _flatten_targets(t, targets)
        reads.append(node.value)
    elif isinstance(node, ast.AugAssign):
        targets.append(node.target)
        reads.extend([_reload(node.target), node.value])
    elif isinstance(node, ast.AnnAssign):
        if node.value is not None:
            targets.append(node.target)
            reads.append(node.value)
    elif isinstance(node, (ast.For, ast.AsyncFor)):
        _flatten_targets(node.target, targets)
        reads.append(node.iter)
    elif isinstance(node, (ast.While, ast.If)):
        reads.append(node.test)
    elif isinstance(node, (ast.With, ast.AsyncWith)):
        for item in node.items:
            reads.append(item.context_expr)
            if item.optional_vars is not None:
                _flatten_targets(item.optional_vars, targets)
    elif isinstance(node, (ast.Return, ast.Expr)):
        if node.value is not None:
            reads.append(node.value)
    else:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                reads.append(child)
    # Sub-expressions of other statements' own subscript targets are reads too (self.dA[l] reads l).
    for t in targets:
        if isinstance(t, ast.Subscript):
            reads.append(_reload(t.slice))
    return targets, reads


_NONFINITE_LITERALS = frozenset(
    {"inf", "nan", "NINF", "PINF", "NAN", "NaN", "Inf", "Infinity", "infty"}
)


def _has_literal_nonfinite(node: ast.AST) -> bool:
    """Does the statement write an infinity or a NaN on purpose (``-np.inf`` masks, ``float('nan')``)?"""
    for n in ast.walk(node):
        if isinstance(n, ast.Attribute) and n.attr in _NONFINITE_LITERALS:
            return True
        if isinstance(n, ast.Name) and n.id in ("inf", "nan"):
            return True
        if (
            isinstance(n, ast.Constant)
            and isinstance(n.value, str)
            and n.value.strip().lower().lstrip("+-") in ("inf", "nan", "infinity")
        ):
            return True
        if (
            isinstance(n, ast.Constant)
            and isinstance(n.value, float)
            and not math.isfinite(n.value)
        ):
            return True
    return False


def _build_stmt(node: ast.stmt, lines: list[str]) -> Stmt:
    target_nodes, read_nodes = _header_exprs(node)
    targets: list[tuple[str, Getter]] = []
    for t in target_nodes:
        readable = _readable_target(t)
        if readable is not None and readable[0] not in [x for x, _ in targets]:
            targets.append(readable)
    leaves: list[ast.expr] = []
    for read in read_nodes:
        _collect_reads(read, leaves)
    operands: list[tuple[str, Getter]] = []
    literal_operands: set[str] = set()
    seen: set[str] = set()
    for leaf in leaves:
        text = _text(leaf)
        getter = compile_getter(leaf)
        if text not in seen and getter is not None:
            seen.add(text)
            operands.append((text, getter))
            if _has_literal_nonfinite(leaf):  # np.inf, math.nan: constants, not data
                literal_operands.add(text)
    index_names: list[tuple[str, Getter]] = []
    for t in target_nodes:
        for n in ast.walk(t):
            if isinstance(n, ast.Subscript):
                for m in ast.walk(n.slice):
                    if isinstance(m, ast.Name) and m.id not in [x for x, _ in index_names]:
                        g = compile_getter(ast.Name(id=m.id, ctx=ast.Load()))
                        if g is not None:
                            index_names.append((m.id, g))
    end = _header_end(node)
    text_lines = lines[node.lineno - 1 : end]
    source: str | None = textwrap.dedent("".join(text_lines)).rstrip("\n") if text_lines else None
    return Stmt(
        node=node,
        lineno=node.lineno,
        text=source,
        targets=targets,
        operands=operands,
        index_names=index_names,
        is_return=isinstance(node, ast.Return),
        is_expr=isinstance(node, ast.Expr) or not target_nodes,
        unreadable_target=bool(target_nodes) and not targets,
        literal_operands=frozenset(literal_operands),
        literal_nonfinite=_has_literal_nonfinite(node),
    )


def _locals_stmt(lineno: int) -> Stmt:
    """A statement stand-in for code without source: every local is a possible target."""
    return Stmt(node=None, lineno=lineno, text=None, targets=[], operands=[], index_names=[])
