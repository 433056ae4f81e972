"""Where in the user's backward a gradient was computed: the statement that assigned the array the
backward returned, and the statements it was computed from inside the same function.

One traced run of the gradient function. After every statement of user code, each float array the
statement wrote (its targets: ``dW2 = ...``, ``grads["dW2"] = ...``, ``self.dW = ...``) is recorded
with the statement, keyed by the array's identity; the arrays the run finally returned are looked up by
identity (or, when an adapter copied them, by equal value). The statements a line reads from are the
latest earlier writers, in the same frame, of the names it reads (``dZ2`` for ``dW2 = dZ2 @ A1.T``).

An accumulator overwritten: a name set before a loop (``dWhh = np.zeros_like(Whh)``) and replaced
by the same statement run after run without reading itself (``dWhh = np.dot(dhraw, hs[t-1].T)``
where ``+=`` belongs) keeps only its last run. Such a statement is recorded with how often it ran
and what ``+=`` would have summed, so the engine can test that reading against the numbers.
"""

from __future__ import annotations

import ast
import re
import types
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gradcheck.numerics.source import Stmt
from gradcheck.numerics.tracer import FrameState, TracedPass, statement_values
from gradcheck.report.records import SourceLine

__all__ = ["GradientSource", "gradient_sources"]

#: At most this many lines are shown per gradient: the assignment and what it was computed from.
MAX_LINES = 4

_NAME = re.compile(r"[A-Za-z_]\w*")


@dataclass
class _Written:
    """One statement run: where it is, its text, and the statements it read from."""

    line: SourceLine
    alias: bool = False  # it only names arrays made elsewhere
    reads_from: list[_Written] = field(default_factory=list)
    counts: dict[int, str] = field(default_factory=dict)  # whole numbers > 1 in scope, by value
    values: dict[str, Any] = field(default_factory=dict)  # plain names -> the arrays written
    overwrite: Overwrite | None = None  # set when it replaced an accumulator


@dataclass(frozen=True)
class Overwrite:
    """A statement that replaced the same name run after run (``dW = ...`` where ``dW += ...``
    belongs): the name, how many runs, and the sum ``+=`` would have kept (the value before the
    first run included)."""

    name: str
    runs: int
    summed: Any


@dataclass(frozen=True)
class GradientSource:
    """Where a gradient was computed: the statements (the assignment first), and the whole numbers
    in scope at the assignment by their names (``{24: "m"}``), so a fix can be spelt in the user's
    own words (``/ m``)."""

    lines: tuple[SourceLine, ...]
    counts: Mapping[int, str]
    overwrite: Overwrite | None = None


def _counts(frame: types.FrameType) -> dict[int, str]:
    """Whole numbers > 1 the statement could name: locals first, then the module's globals."""
    found: dict[int, str] = {}
    for scope in (frame.f_locals, frame.f_globals):
        for name, value in scope.items():
            if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value > 1:
                found.setdefault(int(value), name)
    return found


class _ProvenancePass(TracedPass):
    """Records, for every float array a user statement wrote, the statement that wrote it."""

    def __init__(self, user_code: Callable[[str], bool] | None) -> None:
        super().__init__(user_code)
        # id -> (the array, kept alive so its id is not reused; the statement that wrote it)
        self.writers: dict[int, tuple[Any, _Written]] = {}
        # per live frame: name -> the latest statement that wrote it
        self.names: dict[types.FrameType, dict[str, _Written]] = {}
        # any frame: name -> the latest statement that computed (not merely named) an array under it
        self.computed: dict[str, _Written] = {}

    def finish(self, frame: types.FrameType, state: FrameState, stmt: Stmt, ret: Any) -> None:
        if stmt.text is None or stmt.is_return or not stmt.targets:
            return
        # NumPy float scalars too: db = np.sum(dZ) / m is an np.float64, and a bias that is a
        # number (course week 2's b) has such a gradient.
        pairs = [
            (t, v)
            for t, v in statement_values(stmt, frame, ret)
            if isinstance(v, (np.ndarray, np.floating, np.complexfloating))
        ]
        arrays = [v for _, v in pairs]
        if not any(a.dtype.kind in "fc" for a in arrays):
            return
        code = frame.f_code
        text = " ".join(stmt.text.split())
        alias = _is_alias(stmt)
        written = _Written(
            SourceLine(code.co_filename, stmt.lineno, code.co_name, text),
            alias,
            counts=_counts(frame),
        )
        known = self.names.setdefault(frame, {})
        written.values = {t: v for t, v in pairs if t is not None and t.isidentifier()}
        _note_overwrite(written, stmt, known)
        for name in _read_names(stmt):
            source = known.get(name)
            if source is not None and source not in written.reads_from:
                written.reads_from.append(source)
        for target, _ in stmt.targets:
            match = _NAME.match(target)
            if match:
                known[match.group(0)] = written
                if not alias and match.group(0) == target:
                    self.computed[target] = written
        in_place = isinstance(stmt.node, ast.AugAssign)
        for a in arrays:
            earlier = self.writers.get(id(a))
            if earlier is not None and earlier[0] is a:
                if not in_place:
                    continue  # grads["dW1"] = dW1; dW, db = helper(...): named here, made before
                # dW += reg * W changes the array made above: that statement is an input
                if earlier[1] not in written.reads_from:
                    written.reads_from.insert(0, earlier[1])
            self.writers[id(a)] = (a, written)

    def returned(self, frame: types.FrameType, ret: Any) -> None:
        self.names.pop(frame, None)


def _note_overwrite(written: _Written, stmt: Stmt, known: Mapping[str, _Written]) -> None:
    """Record on ``written`` an accumulator it replaced (see the module docstring): a plain
    ``name = ...`` not reading ``name``, whose name the same statement wrote last, or a statement
    earlier in the function before the first run."""
    node = stmt.node
    if not isinstance(node, ast.Assign) or len(node.targets) != 1:
        return
    target = node.targets[0]
    if not isinstance(target, ast.Name) or target.id in _read_names(stmt):
        return
    value = written.values.get(target.id)
    prev = known.get(target.id)
    if prev is None or value is None:
        return
    before = prev.values.get(target.id)
    if before is None or np.shape(before) != np.shape(value):
        return
    same = prev.line.line == stmt.lineno and prev.line.function == written.line.function
    try:
        if same and prev.overwrite is not None:
            summed = prev.overwrite.summed + value
            written.overwrite = Overwrite(target.id, prev.overwrite.runs + 1, summed)
        elif not same and prev.line.line < stmt.lineno:
            written.overwrite = Overwrite(target.id, 1, before + value)
    except (TypeError, ValueError):
        written.overwrite = None


def _is_alias(stmt: Stmt) -> bool:
    """A statement that only names or stores arrays made elsewhere (``dw1, db1 = total``,
    ``grads["dW1"] = dW1``, ``self.dW = grads[0]``): it computes nothing."""
    node = stmt.node
    if not isinstance(node, (ast.Assign, ast.AnnAssign)) or node.value is None:
        return False
    value = node.value
    parts = value.elts if isinstance(value, (ast.Tuple, ast.List)) else [value]
    return all(isinstance(p, (ast.Name, ast.Attribute, ast.Subscript)) for p in parts)


def _read_names(stmt: Stmt) -> list[str]:
    """The plain names a statement reads (``dZ2`` and ``A1`` in ``dW2 = dZ2 @ A1.T``)."""
    if stmt.node is None or not isinstance(stmt.node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
        return []
    value = stmt.node.value
    if value is None:
        return []
    names = [n.id for n in ast.walk(value) if isinstance(n, ast.Name)]
    if isinstance(stmt.node, ast.AugAssign) and isinstance(stmt.node.target, ast.Name):
        names.insert(0, stmt.node.target.id)  # dW += ...: the earlier dW is read too
    return list(dict.fromkeys(names))


def _chain(first: _Written) -> tuple[SourceLine, ...]:
    """The assignment, then what it was computed from inside the same function (breadth first),
    those in source order after it."""
    seen: list[_Written] = [first]
    frontier = [first]
    home = (first.line.file, first.line.function)
    while frontier and len(seen) < MAX_LINES:
        nxt: list[_Written] = []
        for w in frontier:
            for r in w.reads_from:
                if (r.line.file, r.line.function) != home:
                    continue
                if r not in seen and len(seen) < MAX_LINES:
                    seen.append(r)
                    nxt.append(r)
        frontier = nxt
    rest = sorted(seen[1:], key=lambda w: (w.line.file, w.line.line))
    return (first.line, *(w.line for w in rest))


def _writer_of(array: Any, writers: Mapping[int, tuple[Any, _Written]]) -> _Written | None:
    if not isinstance(array, (np.ndarray, np.floating, np.complexfloating)):
        return None
    hit = writers.get(id(array))
    if hit is not None and hit[0] is array:
        written: _Written = hit[1]
        return written
    # An adapter may hand back a copy: the last writer of an equal array of the same shape.
    for kept, written in reversed(list(writers.values())):
        if kept.shape == array.shape and kept.dtype == array.dtype and np.array_equal(kept, array):
            return written
    return None


def _computed_as(key: str | None, computed: Mapping[str, _Written]) -> _Written | None:
    """The statement that computed a variable named ``key``: the same name, or the one name that
    differs from it only in case (``dw2`` for the key ``dW2``)."""
    if key is None:
        return None
    if key in computed:
        return computed[key]
    alike = [w for name, w in computed.items() if name.lower() == key.lower()]
    return alike[0] if len(alike) == 1 else None


def gradient_sources(
    grads: Callable[[], Any],
    names: Sequence[str],
    lookup: Callable[[Any, str], tuple[str | None, Any]],
    user_code: Callable[[str], bool] | None = None,
) -> dict[str, GradientSource]:
    """Run ``grads`` once, traced; for each report name, the user statements that computed its
    gradient (``lookup(returned, name)`` gives its key and array in what ``grads`` returned). Names
    whose array no user statement wrote are left out."""
    traced = _ProvenancePass(user_code)
    with np.errstate(all="ignore"):
        returned = traced.run(grads)
    found: dict[str, GradientSource] = {}
    for name in names:
        key, array = lookup(returned, name)
        written = _writer_of(array, traced.writers)
        if written is None or written.alias:
            # The array was made where no statement named it (a sum in a comprehension) and only
            # named afterwards: the statement that computed a variable of the gradient's own name
            # (dw2 = dz2.dot(a1.T) in the user's back_prop) is the one to read.
            written = _computed_as(key, traced.computed) or written
        if written is not None:
            kept = written.overwrite if written.overwrite and written.overwrite.runs > 1 else None
            found[name] = GradientSource(_chain(written), written.counts, kept)
    return found
