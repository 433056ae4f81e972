"""The traced activation pass: every float array one run of the user's forward makes, and its names.

One run with the line tracer of :mod:`gradcheck.numerics`, over user frames only. Every float array
a statement assigns (locals, ``self.A[l]``, ``cache['Z1']``), every array a user function returns,
and the arrays left on ``self`` are collected; the statement that made each one says what it is
(:mod:`gradcheck.health.kinds`), and each name it was given is kept with the call that gave it.
"""

from __future__ import annotations

# Reading the user's objects must never raise into the user's code (see gradcheck.numerics).
# ruff: noqa: BLE001
import ast
import copy
import re
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gradcheck.health.kinds import _classify, _normalised_operand, _statement_kinds
from gradcheck.numerics.reader import compile_getter
from gradcheck.numerics.source import Stmt
from gradcheck.numerics.tracer import MISSING, FrameState, TracedPass, statement_values

__all__ = ["collect_arrays"]


@dataclass(frozen=True)
class _Alias:
    """One name an array was given: where (which call of which function) and how good a name."""

    priority: int
    order: int
    name: str
    call: int  # serial number of the traced call (frame) that gave the name; -1 for the result
    call_arrays: frozenset[int]  # ids of the arrays that call received as arguments


@dataclass
class _Entry:
    """One array the pass collected: what made it (kind, function, line) and every name it got."""

    array: np.ndarray
    kind: str | None
    names: list[_Alias] = field(default_factory=list)
    function: str = ""
    line: int = 0
    normalised: bool = False  # fed to (x - mu) / std: its scale is batch norm's business


def _priority(name: str) -> int:
    """Which alias names an array best: a layer-numbered name, then a plain one, then a return."""
    if name.startswith("<"):
        return 0
    return 2 if re.search(r"\d", name) else 1


def _instance_dict(obj: Any) -> dict[str, Any] | None:
    """``obj.__dict__`` when it is the interpreter's own (never a user property named __dict__)."""
    for klass in type(obj).__mro__:
        d = klass.__dict__.get("__dict__")
        if d is not None:
            if isinstance(d, types.GetSetDescriptorType):
                try:
                    inst = d.__get__(obj, type(obj))
                except Exception:
                    return None
                return inst if isinstance(inst, dict) else None
            return None
    return None


def _is_float_array(v: Any) -> bool:
    return isinstance(v, np.ndarray) and v.dtype.kind == "f" and v.size > 0


# Parsed target texts and their rendered names (pure functions of their keys; shared by passes).
_RESOLVERS: dict[str, Any] = {}
_NAMES: dict[tuple[str, tuple[int | str | None, ...]], str] = {}


def _subscript_getters(text: str) -> Any:
    """The parsed target text and a getter for each of its subscripts' keys (None: unparsable)."""
    parts = _RESOLVERS.get(text, MISSING)
    if parts is MISSING:
        try:
            tree = ast.parse(text, mode="eval").body
            subs = [n for n in ast.walk(tree) if isinstance(n, ast.Subscript)]
            parts = (tree, [compile_getter(n.slice) for n in subs])
        except SyntaxError:
            parts = None
        _RESOLVERS[text] = parts
    return parts


def _resolved(text: str, frame: types.FrameType) -> str:
    """``self.A[l]`` -> ``self.A[2]``: each subscript whose key reads as an int/str, by value.

    The subscripts' keys are evaluated now (the loop variable changes); rendering the name is
    cached per (text, key values), so a loop pays for ``ast.unparse`` once per layer.
    """
    if "[" not in text:
        return text
    parts = _subscript_getters(text)
    if parts is None:
        return text
    tree, getters = parts
    loc, glob = frame.f_locals, frame.f_globals
    keys: list[int | str | None] = []
    for g in getters:
        v = g(loc, glob) if g is not None else None
        if isinstance(v, np.integer):
            v = int(v)
        keys.append(v if type(v) in (int, str) else None)
    cache_key = (text, tuple(keys))
    name = _NAMES.get(cache_key)
    if name is None:
        copied = copy.deepcopy(tree)
        for node, key in zip([n for n in ast.walk(copied) if isinstance(n, ast.Subscript)], keys):
            if key is not None:
                node.slice = ast.Constant(key)
        try:
            name = ast.unparse(copied)
        except Exception:
            name = text
        if len(_NAMES) < 100_000:
            _NAMES[cache_key] = name
    return name


def _argument_arrays(frame: types.FrameType) -> frozenset[int]:
    """Ids of the arrays a call received (directly, or in a dict/list/tuple argument).

    Two calls of the same function that share an argument array (the weights ``w1`` passed to
    ``forward_prop`` once per example) compute the same layer for different data, and their
    intermediates are pooled; calls sharing none (``layer(A, W[l], b[l])`` once per layer) are
    different layers.
    """
    ids: set[int] = set()
    for value in list(frame.f_locals.values()):
        if isinstance(value, np.ndarray):
            ids.add(id(value))
        elif isinstance(value, dict):
            ids.update(id(v) for v in list(dict.values(value))[:64] if isinstance(v, np.ndarray))
        elif isinstance(value, (list, tuple)):
            ids.update(id(v) for v in list(value)[:64] if isinstance(v, np.ndarray))
    return frozenset(ids)


class _ActivationPass(TracedPass):
    """Collects the float arrays a forward pass makes, each with what made it and its best name."""

    def __init__(self, user_code: Callable[[str], bool] | None) -> None:
        super().__init__(user_code)
        self.entries: dict[int, _Entry] = {}
        self._order = 0
        self._kinds: dict[int, list[str | None]] = {}
        self._normalised: dict[int, Any] = {}
        self._calls: dict[types.FrameType, tuple[int, frozenset[int]]] = {}
        self._calls_seen: list[int] = []

    def _call_of(self, frame: types.FrameType | None) -> tuple[int, frozenset[int]]:
        """(serial, argument array ids) of a traced call, fixed at its first statement."""
        if frame is None:
            return -1, frozenset()
        info = self._calls.get(frame)
        if info is None:
            info = self._calls[frame] = (len(self._calls_seen), _argument_arrays(frame))
            self._calls_seen.append(info[0])
        return info

    def start(self, frame: types.FrameType, state: FrameState, stmt: Stmt) -> None:
        if frame not in self._calls:
            self._call_of(frame)

    def _record(
        self,
        value: Any,
        name: str,
        kind: str | None,
        function: str,
        line: int,
        frame: types.FrameType | None,
    ) -> None:
        if not _is_float_array(value):
            return
        entry = self.entries.get(id(value))
        self._order += 1
        if entry is None:
            entry = self.entries[id(value)] = _Entry(value, kind, function=function, line=line)
        elif entry.kind is None and kind is not None:
            entry.kind, entry.function, entry.line = kind, function, line
        call, arrays = self._call_of(frame)
        entry.names.append(_Alias(_priority(name), self._order, name, call, arrays))

    def _record_container(
        self,
        value: Any,
        name: str,
        function: str,
        line: int,
        frame: types.FrameType | None,
        depth: int = 0,
    ) -> None:
        if _is_float_array(value):
            self._record(value, name, None, function, line, frame)
        elif depth < 1 and isinstance(value, dict):
            for k, v in list(dict.items(value))[:256]:
                if isinstance(k, (int, str)):
                    self._record_container(v, f"{name}[{k!r}]", function, line, frame, depth + 1)
        elif depth < 1 and isinstance(value, (list, tuple)):
            for i, v in enumerate(list(value)[:256]):
                self._record_container(v, f"{name}[{i}]", function, line, frame, depth + 1)

    def _mark_normalised(self, frame: types.FrameType, stmt: Stmt) -> None:
        """The array a ``(z - mu) / std`` statement normalises is batch norm's business."""
        normalised = self._normalised.get(id(stmt), MISSING)
        if normalised is MISSING:
            normalised = self._normalised[id(stmt)] = _normalised_operand(stmt.node)
        if normalised is not None:
            entry = self.entries.get(id(normalised(frame.f_locals, frame.f_globals)))
            if entry is not None:
                entry.normalised = True

    def finish(self, frame: types.FrameType, state: FrameState, stmt: Stmt, ret: Any) -> None:
        if stmt.node is None:
            return
        code = frame.f_code
        function = getattr(code, "co_qualname", code.co_name)
        kinds = self._kinds.get(id(stmt))
        if kinds is None:
            kinds = self._kinds[id(stmt)] = _statement_kinds(stmt, code.co_name)
        self._mark_normalised(frame, stmt)
        values = statement_values(stmt, frame, ret)
        for i, (text, value) in enumerate(values):
            kind = kinds[i] if i < len(kinds) else kinds[-1] if kinds else None
            if text is None:  # the returned value
                node = stmt.node
                if (
                    isinstance(value, tuple)
                    and isinstance(node, ast.Return)
                    and isinstance(node.value, ast.Tuple)
                ):
                    elts = node.value.elts
                    for j, item in enumerate(value[: len(elts)]):
                        self._record(
                            item,
                            f"<{function}() returned {ast.unparse(elts[j])}>",
                            _classify(elts[j], code.co_name),
                            function,
                            stmt.lineno,
                            frame,
                        )
                    continue
                self._record(value, f"<{function}() return>", kind, function, stmt.lineno, frame)
                continue
            if _is_float_array(value):
                self._record(value, _resolved(text, frame), kind, function, stmt.lineno, frame)
            else:
                self._record_container(value, _resolved(text, frame), function, stmt.lineno, frame)

    def returned(self, frame: types.FrameType, ret: Any) -> None:
        code = frame.f_code
        function = getattr(code, "co_qualname", code.co_name)
        line = frame.f_lineno or code.co_firstlineno
        for name, value in list(frame.f_locals.items()):
            if name == "self" and not isinstance(value, (np.ndarray, dict, list, tuple)):
                attrs = _instance_dict(value)
                if attrs:
                    for attr, v in list(attrs.items()):
                        self._record_container(v, f"self.{attr}", function, line, frame)
            elif _is_float_array(value):
                self._record(value, name, None, function, line, frame)
        self._calls.pop(frame, None)


def collect_arrays(run: Callable[[], Any], user_code: Callable[[str], bool] | None) -> list[_Entry]:
    """Run ``run()`` once under the pass: the arrays it made (its result's too), first seen first.

    Exceptions from ``run()`` propagate (the tracer is restored first).
    """
    tracer = _ActivationPass(user_code)
    result = tracer.run(run)
    tracer._record_container(result, "<result>", "", 0, None)
    return list(tracer.entries.values())
