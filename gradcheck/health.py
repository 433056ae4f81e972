"""Health of a network whose numbers are finite but whose training will go badly.

Three readings, each returning :class:`~gradcheck.result.ReportWarning` records (never printing):

* :func:`activation_health`: one traced pass of the user's forward (the line tracer of
  :mod:`gradcheck.numerics`, over user frames only). Every float array a statement assigns (locals,
  ``self.A[l]``, ``cache['Z1']``), every array a user function returns, and the arrays left on
  ``self`` are collected, and the statement that made each one says what it is: ``W @ X + b`` is a
  pre-activation, ``np.maximum(0, Z)`` a ReLU, ``np.tanh(Z)`` a tanh, ``1 / (1 + np.exp(-Z))`` a
  sigmoid (also through the user's own ``relu()``/``sigmoid()`` helpers). Then: exploding
  pre-activations, saturated tanh/sigmoid units, dead ReLU units.
* :func:`parameter_health`: initialisation read from the parameters alone (all-positive weights from
  ``np.random.rand``, a scale far above 1/sqrt(fan_in), identical weights that never break symmetry).
* :func:`gradient_norm_health`: weight-gradient norms per layer that span orders of magnitude
  (vanishing or exploding gradients), and weight gradients that are exactly zero.

Every threshold is a module constant below, with the reason for its value. A healthy network (He
init on a ReLU MLP, Xavier on tanh, a softmax classifier, a small conv net, batch norm) gets no
warning; the tests hold that.
"""

from __future__ import annotations

# Reading the user's objects must never raise into the user's code (see gradcheck.numerics).
# ruff: noqa: BLE001
import ast
import itertools
import math
import re
import types
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from gradcheck.numerics import (
    _MISSING,
    _compile,
    _FrameState,
    _Getter,
    _statement_values,
    _Stmt,
    _TracedPass,
)
from gradcheck.result import ReportWarning

__all__ = [
    "DEAD_MIN_BATCH",
    "DEAD_RELU_SHARE",
    "EXPLODING_ABS",
    "EXPLODING_SHARE",
    "GRAD_NORM_SPREAD",
    "INPUT_RMS_MAX",
    "LARGE_INIT_RATIO",
    "POSITIVE_INIT_MIN_SIZE",
    "SATURATION_SHARE",
    "SIGMOID_SATURATED",
    "TANH_SATURATED",
    "ActivationStats",
    "activation_health",
    "activation_warnings",
    "gradient_norm_health",
    "input_health",
    "parameter_health",
    "trace_activations",
]

# --------------------------------------------------------------------------------------------------
# Thresholds

#: A pre-activation is "exploding" at |z| >= 100: tanh and sigmoid are flat beyond |z| ~ 5, exp
#: overflows float64 at 709 (float32 at 88), and He/Xavier-initialised layers on standardised
#: inputs keep |z| within a few units.
EXPLODING_ABS = 100.0

#: Warn when at least 1% of a pre-activation's entries are exploding (one stray outlier is not a
#: pattern; 1% of a layer is).
EXPLODING_SHARE = 0.01

#: A tanh unit is saturated when |a| > 0.97 (Karpathy, makemore part 3): its derivative 1 - a^2 is
#: below 0.06 there, so it passes almost no gradient.
TANH_SATURATED = 0.97

#: A sigmoid output is saturated within 1e-3 of 0 or 1 (|z| > 6.9; derivative below 1e-3).
SIGMOID_SATURATED = 1e-3

#: Warn when at least a quarter of a tanh/sigmoid layer's outputs are saturated. A Xavier-initialised
#: tanh layer on standardised inputs has a few percent there. Any output that rounded to exactly
#: +-1.0 (tanh) or 0.0/1.0 (sigmoid) is warned about as well: its gradient is exactly zero, and a
#: sigmoid output of exactly 1.0 makes log(1 - A) = -inf.
SATURATION_SHARE = 0.25

#: Warn when at least 10% of a ReLU layer's units never fire over the batch (keras-contrib's
#: DeadReluDetector; CS231n: "as much as 40% of your network can be dead" with a high learning rate).
DEAD_RELU_SHARE = 0.10

#: A unit is only called dead over a batch of at least 8 examples: on one example, half the units of
#: a healthy layer are off.
DEAD_MIN_BATCH = 8

#: Weights are "all positive" only in tensors of at least 16 entries (a 1x4 output layer can be
#: all positive by chance: 1 in 16).
POSITIVE_INIT_MIN_SIZE = 16

#: Initial weight scale as RMS(W) * sqrt(fan_in): LeCun = 1, He = sqrt(2) ~ 1.41; Xavier-uniform is
#: at most that. Warn at 3 (twice He), where each layer multiplies the signal's size by ~3.
LARGE_INIT_RATIO = 3.0

#: Warn when weight-gradient norms across layers span three orders of magnitude (1e3). Healthy
#: networks, including the classic 0.01-scaled output layer, stay within about two.
GRAD_NORM_SPREAD = 1e3

#: Inputs are "unscaled" when their root-mean-square exceeds 5: standardised data has RMS 1 and
#: pixels in [0, 1] about 0.5, while raw pixels (0..255), counts like 1..10 (seed 000) or digit
#: intensities 0..16 (seed 002) are far above it.
INPUT_RMS_MAX = 5.0

#: Entries above this count are read through an evenly strided sample for percentiles/shares.
_STATS_SAMPLE = 1_000_000

_FIX_SCALE = (
    "Scale the inputs (mean 0, std 1) and initialise weights with zero mean at He/Xavier scale "
    "(np.random.randn(n_out, n_in) * np.sqrt(2 / n_in) for ReLU, np.sqrt(1 / n_in) for tanh)."
)
_FIX_SATURATION = (
    "Scale the inputs (mean 0, std 1), use Xavier initialisation with zero mean "
    "(np.random.randn(n_out, n_in) * np.sqrt(1 / n_in)), or lower the learning rate."
)
_FIX_DEAD = (
    "Use He initialisation with zero biases, lower the learning rate, or try a leaky ReLU "
    "(np.where(z > 0, z, 0.01 * z))."
)

# --------------------------------------------------------------------------------------------------
# What a statement computes

PRE, RELU, TANH, SIGMOID = "pre-activation", "relu", "tanh", "sigmoid"

_NOT_FORWARD = ("grad", "deriv", "backward", "backprop", "prime", "leaky", "inverse")


def _named_like(name: str, word: str) -> bool:
    """``relu``, ``ReLU``, ``relu_forward``, ``self.relu_function`` -- but not ``dReLU`` or ``relu_grad``."""
    low = name.lower()
    if word not in low or any(n in low for n in _NOT_FORWARD):
        return False
    return not re.match(rf"^d_?{word}", low)


def _callee(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _is_zero(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Constant)
        and node.value in (0, 0.0)
        and not isinstance(node.value, bool)
    )


def _is_matmul(node: ast.expr) -> bool:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
        return True
    if isinstance(node, ast.Call):
        name = _callee(node.func) or ""
        return name in ("dot", "matmul", "einsum", "tensordot", "inner")
    return False


def _classify(node: ast.expr | None, function: str = "") -> str | None:
    """What an expression computes, from its shape alone (None when it is none of the four)."""
    if node is None:
        return None
    if _is_matmul(node):
        return PRE
    if (
        isinstance(node, ast.BinOp)
        and isinstance(node.op, (ast.Add, ast.Sub))
        and (_is_matmul(node.left) or _is_matmul(node.right))
    ):
        return PRE
    if isinstance(node, ast.Call):
        name = _callee(node.func) or ""
        args = node.args
        if (
            name in ("maximum", "fmax")
            and len(args) == 2
            and (_is_zero(args[0]) or _is_zero(args[1]))
        ):
            return RELU
        if name == "clip" and len(args) >= 2 and _is_zero(args[1]):
            return RELU
        if (
            name == "where"
            and len(args) == 3
            and _is_zero(args[2])
            and isinstance(args[0], ast.Compare)
        ):
            return RELU
        if name == "tanh" or _named_like(name, "tanh"):
            return TANH
        if name in ("expit",) or _named_like(name, "sigmoid") or _named_like(name, "logistic"):
            return SIGMOID
        if _named_like(name, "relu"):
            return RELU
        if any(_named_like(name, w) for w in ("conv", "affine", "linear", "dense")):
            return PRE
    if (  # 1 / (1 + np.exp(-z))
        isinstance(node, ast.BinOp)
        and isinstance(node.op, ast.Div)
        and isinstance(node.left, ast.Constant)
        and node.left.value == 1
        and isinstance(node.right, ast.BinOp)
        and isinstance(node.right.op, ast.Add)
        and any(
            isinstance(s, ast.Call) and _callee(s.func) == "exp"
            for s in (node.right.left, node.right.right)
        )
    ):
        return SIGMOID
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        # z * (z > 0)
        for a, b in ((node.left, node.right), (node.right, node.left)):
            if (
                (
                    isinstance(b, ast.Compare)
                    and len(b.comparators) == 1
                    and _is_zero(b.comparators[0])
                )
                and isinstance(b.ops[0], (ast.Gt, ast.GtE))
                and ast.dump(b.left) == ast.dump(a)
            ):
                return RELU
    return None


def _statement_kinds(stmt: _Stmt, function: str) -> list[str | None]:
    """The kind of each of the statement's readable targets (or of the returned value)."""
    node = stmt.node
    n = max(1, len(stmt.targets))
    if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
        value = node.value
        if isinstance(value, ast.Tuple) and len(value.elts) == len(stmt.targets):
            return [_classify(e, function) for e in value.elts]
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            t = node.targets[0]
            # In-place ReLU: Z[Z < 0] = 0
            if (
                isinstance(t, ast.Subscript)
                and _is_zero(value)
                and isinstance(t.slice, ast.Compare)
            ):
                cmp = t.slice
                if (
                    len(cmp.ops) == 1
                    and isinstance(cmp.ops[0], (ast.Lt, ast.LtE))
                    and _is_zero(cmp.comparators[0])
                    and ast.dump(cmp.left) == ast.dump(t.value)
                ):
                    return [RELU] * n
        return [_classify(value, function)] * n
    if isinstance(node, ast.Return) and node.value is not None:
        kind = _classify(node.value, function)
        if kind is None and any(
            _named_like(function, w) for w in ("conv", "affine", "linear", "dense")
        ):
            kind = PRE  # what conv_forward / affine_forward return is a pre-activation
        return [kind]
    return [None] * n


def _normalised_operand(node: ast.stmt | None) -> _Getter | None:
    """For ``x_hat = (z - mu) / np.sqrt(var + eps)`` (batch/layer norm): how to read ``z``."""
    value = getattr(node, "value", None)
    if not (isinstance(value, ast.BinOp) and isinstance(value.op, ast.Div)):
        return None
    num, den = value.left, value.right
    if not (isinstance(num, ast.BinOp) and isinstance(num.op, ast.Sub)):
        return None
    den_text = ast.unparse(den).lower()
    if not any(w in den_text for w in ("sqrt", "std", "sigma")):
        return None
    return _compile(num.left)


_Z_NAME = re.compile(r"^(z|Z|pre|preact|logits|scores|h_pre)(\d+|_\w+)?$")


def _name_kind(name: str) -> str | None:
    """A last resort for arrays no statement classified: ``Z1``, ``self.Z[2]``, ``cache['Z1']``."""
    base = re.findall(r"[A-Za-z_][A-Za-z0-9_]*", name)
    token = base[-1] if base else ""
    if name.endswith("]") and "[" in name:
        inner = name[name.rfind("[") + 1 : -1].strip("'\"")
        if re.match(r"^[A-Za-z_]\w*$", inner):
            token = inner
        elif len(base) >= 1:
            token = base[-1]
    return PRE if _Z_NAME.match(token) else None


# --------------------------------------------------------------------------------------------------
# The traced pass


@dataclass
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


class _ActivationPass(_TracedPass):
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

    def start(self, frame: types.FrameType, state: _FrameState, stmt: _Stmt) -> None:
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

    def _resolved(self, text: str, frame: types.FrameType) -> str:
        """``self.A[l]`` -> ``self.A[2]``: each subscript whose key reads as an int/str, by value.

        The subscripts' keys are evaluated now (the loop variable changes); rendering the name is
        cached per (text, key values), so a loop pays for ``ast.unparse`` once per layer.
        """
        if "[" not in text:
            return text
        parts = _RESOLVERS.get(text, _MISSING)
        if parts is _MISSING:
            try:
                tree = ast.parse(text, mode="eval").body
                subs = [n for n in ast.walk(tree) if isinstance(n, ast.Subscript)]
                parts = (tree, [_compile(n.slice) for n in subs])
            except SyntaxError:
                parts = None
            _RESOLVERS[text] = parts
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
            import copy

            copied = copy.deepcopy(tree)
            for node, key in zip(
                [n for n in ast.walk(copied) if isinstance(n, ast.Subscript)], keys
            ):
                if key is not None:
                    node.slice = ast.Constant(key)
            try:
                name = ast.unparse(copied)
            except Exception:
                name = text
            if len(_NAMES) < 100_000:
                _NAMES[cache_key] = name
        return name

    def finish(self, frame: types.FrameType, state: _FrameState, stmt: _Stmt, ret: Any) -> None:
        if stmt.node is None:
            return
        code = frame.f_code
        function = getattr(code, "co_qualname", code.co_name)
        kinds = self._kinds.get(id(stmt))
        if kinds is None:
            kinds = self._kinds[id(stmt)] = _statement_kinds(stmt, code.co_name)
        normalised = self._normalised.get(id(stmt), _MISSING)
        if normalised is _MISSING:
            normalised = self._normalised[id(stmt)] = _normalised_operand(stmt.node)
        if normalised is not None:
            entry = self.entries.get(id(normalised(frame.f_locals, frame.f_globals)))
            if entry is not None:
                entry.normalised = True
        values = _statement_values(stmt, frame, ret)
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
                self._record(value, self._resolved(text, frame), kind, function, stmt.lineno, frame)
            else:
                self._record_container(
                    value, self._resolved(text, frame), function, stmt.lineno, frame
                )

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


# --------------------------------------------------------------------------------------------------
# Statistics


@dataclass(frozen=True)
class ActivationStats:
    """One intermediate array of the forward pass, and what its numbers say.

    ``share_large``: share of entries with |x| >= :data:`EXPLODING_ABS`. ``share_saturated``: tanh
    |a| > :data:`TANH_SATURATED`, sigmoid within :data:`SIGMOID_SATURATED` of 0 or 1.
    ``exact_saturated``: tanh outputs of exactly +-1.0, sigmoid outputs of exactly 0.0 or 1.0.
    ``dead_units``/``units``: ReLU units never positive over the batch (None when the batch is
    smaller than :data:`DEAD_MIN_BATCH`).
    """

    name: str
    kind: str
    shape: tuple[int, ...]
    function: str
    line: int
    mean: float
    std: float
    max_abs: float
    share_large: float
    share_saturated: float
    exact_saturated: int
    dead_units: int | None = None
    units: int | None = None
    batch: int | None = None
    normalised: bool = False
    calls: int = 1

    @property
    def dead_share(self) -> float | None:
        if self.dead_units is None or not self.units:
            return None
        return self.dead_units / self.units

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["shape"] = list(self.shape)
        d["dead_share"] = self.dead_share
        return d


def _batch_axes(shapes: list[tuple[int, ...]]) -> set[int] | None:
    """Which axis of the 2-D activations is the batch: the one whose length never changes.

    Course code puts examples in columns (n_units, m), most other code in rows (m, n_units). The
    batch length is shared by every layer; unit counts differ. When both axes are constant (or
    neither), the answer is "either", and dead-unit counts take the more forgiving reading.
    """
    two_d = [s for s in shapes if len(s) == 2]
    if not two_d:
        return None
    rows = {s[0] for s in two_d}
    cols = {s[1] for s in two_d}
    if len(cols) == 1 and len(rows) > 1:
        return {1}
    if len(rows) == 1 and len(cols) > 1:
        return {0}
    return {0, 1}


def _dead_units(a: np.ndarray, batch_axes: set[int] | None) -> tuple[int, int, int] | None:
    """(dead units, units, batch size) under the most forgiving plausible layout, or None."""
    if a.ndim < 2:
        return None
    best: tuple[int, int, int] | None = None
    if a.ndim == 2:
        layouts = [(b, 1 - b) for b in sorted(batch_axes or {0, 1})]
        for batch_axis, unit_axis in layouts:
            batch = a.shape[batch_axis]
            if batch < DEAD_MIN_BATCH:
                continue
            fired = np.any(a > 0, axis=batch_axis)
            dead, units = int(np.count_nonzero(~fired)), int(fired.size)
            if best is None or dead / units < best[0] / best[1]:
                best = (dead, units, batch)
        return best
    # 3-D and 4-D (conv): batch first; channels second (NCHW) or last (NHWC). A channel is dead when
    # it is off at every position of every example.
    batch = a.shape[0]
    if batch < DEAD_MIN_BATCH:
        return None
    for channel_axis in (1, a.ndim - 1):
        axes = tuple(i for i in range(a.ndim) if i != channel_axis)
        fired = np.any(a > 0, axis=axes)
        dead, units = int(np.count_nonzero(~fired)), int(fired.size)
        if best is None or dead / units < best[0] / best[1]:
            best = (dead, units, batch)
    return best


def _sample(a: np.ndarray) -> np.ndarray:
    flat = a.reshape(-1)
    if flat.size > _STATS_SAMPLE:
        flat = flat[:: flat.size // _STATS_SAMPLE + 1]
    return flat


def _merge(
    arrays: list[np.ndarray], batch_axes: set[int] | None
) -> tuple[np.ndarray, set[int] | None]:
    """Arrays of one layer from several calls, joined along the batch axis (a new one for 1-D)."""
    first = arrays[0]
    if first.ndim == 1:
        return np.stack(arrays, axis=1), {1}
    if first.ndim == 2:
        axes = batch_axes or {0, 1}
        if len(axes) > 1:  # ambiguous: a single example is the axis of length 1, else rows
            axes = {1} if first.shape[1] == 1 else {0}
        axis = next(iter(axes))
        return np.concatenate(arrays, axis=axis), {axis}
    return np.concatenate(arrays, axis=0), batch_axes


def _stats(
    entries: list[_Entry], name: str, kind: str, batch_axes: set[int] | None
) -> ActivationStats | None:
    first = entries[0]
    if len(entries) > 1:
        a, batch_axes = _merge([e.array for e in entries], batch_axes)
    else:
        a = first.array
    with np.errstate(all="ignore"):
        flat = _sample(a)
        finite = flat if np.isfinite(flat.sum()) else flat[np.isfinite(flat)]
        if finite.size == 0:
            return None
        absval = np.abs(finite)
        share_large = float(np.count_nonzero(absval >= EXPLODING_ABS)) / finite.size
        if kind == TANH:
            if finite.min() < -1 or finite.max() > 1:
                return None  # not a tanh after all
            sat = float(np.count_nonzero(absval > TANH_SATURATED)) / finite.size
            exact = int(np.count_nonzero(absval == 1.0))
        elif kind == SIGMOID:
            if finite.min() < 0 or finite.max() > 1:
                return None
            near = (finite < SIGMOID_SATURATED) | (finite > 1 - SIGMOID_SATURATED)
            sat = float(np.count_nonzero(near)) / finite.size
            exact = int(np.count_nonzero((finite == 0.0) | (finite == 1.0)))
        else:
            sat, exact = 0.0, 0
        dead = units = batch = None
        if kind == RELU:
            if finite.min() < 0:
                return None
            du = _dead_units(a, batch_axes)
            if du is not None:
                dead, units, batch = du
        return ActivationStats(
            name=name,
            kind=kind,
            shape=tuple(int(s) for s in first.array.shape),
            function=first.function,
            line=first.line,
            mean=float(finite.mean()),
            std=float(finite.std()),
            max_abs=float(absval.max()),
            share_large=share_large,
            share_saturated=sat,
            exact_saturated=exact,
            dead_units=dead,
            units=units,
            batch=batch,
            normalised=any(e.normalised for e in entries),
            calls=len(entries),
        )


def trace_activations(
    run: Callable[[], Any], *, user_code: Callable[[str], bool] | None = None
) -> list[ActivationStats]:
    """Run ``run()`` once with a line tracer over user frames and describe its intermediates.

    Returns one :class:`ActivationStats` per pre-activation, ReLU, tanh and sigmoid output found,
    in the order they were computed. Exceptions from ``run()`` propagate (the tracer is restored
    first). Cost: one traced call; for a check at initialisation or a watch after an anomaly, not
    for every training step.
    """
    tracer = _ActivationPass(user_code)
    result = tracer.run(run)
    tracer._record_container(result, "<result>", "", 0, None)
    found: list[tuple[int, _Entry, _Alias, str]] = []
    for entry in tracer.entries.values():
        if not entry.names:
            continue
        aliases = sorted(entry.names, key=lambda a: (-a.priority, a.order))
        kind = entry.kind
        if kind is None:
            kind = next((k for k in (_name_kind(a.name) for a in aliases) if k), None)
        if kind is None:
            continue
        found.append((min(a.order for a in entry.names), entry, aliases[0], kind))
    found.sort(key=lambda t: t[0])

    # One layer = one name, computed in one call, or in several calls that shared their arguments
    # (the same weights applied to one example at a time): those are pooled into one batch.
    layers: dict[tuple[str, str], list[list[tuple[_Entry, _Alias]]]] = {}
    for _, entry, alias, kind in found:
        groups = layers.setdefault((alias.name, kind), [])
        for group in groups:
            head_entry, head = group[0]
            if (
                alias.call not in {a.call for _, a in group}
                and alias.call_arrays & head.call_arrays
                and entry.array.shape == head_entry.array.shape
            ):
                group.append((entry, alias))
                break
        else:
            groups.append([(entry, alias)])
    ordered = sorted(
        (
            (group[0][1].order, name, kind, group)
            for (name, kind), gs in layers.items()
            for group in gs
        ),
        key=lambda t: t[0],
    )
    singles = [g[0][0].array.shape for _, _, _, g in ordered if len(g) == 1]
    batch_axes = _batch_axes([tuple(shape) for shape in singles])
    per_name: dict[str, int] = {}
    for _, name, _, _ in ordered:
        per_name[name] = per_name.get(name, 0) + 1
    numbered: dict[str, int] = {}
    out: list[ActivationStats] = []
    for _, name, kind, group in ordered:
        label = name[1:-1] if name.startswith("<") else name
        if per_name[name] > 1:  # the same statement in a loop over layers: number them
            numbered[name] = numbered.get(name, 0) + 1
            label = f"{label} #{numbered[name]}"
        st = _stats([e for e, _ in group], label, kind, batch_axes)
        if st is not None:
            out.append(st)
    return out


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%" if x >= 0.01 else f"{100 * x:.2g}%"


def activation_warnings(stats: list[ActivationStats]) -> list[ReportWarning]:
    """The warnings :func:`activation_health` gives for already computed statistics."""
    warnings: list[ReportWarning] = []
    for s in stats:
        where = s.name
        label = f"{where} (pooled over {s.calls} calls)" if s.calls > 1 else where
        details = s.to_dict()
        if s.kind == PRE and s.share_large >= EXPLODING_SHARE and not s.normalised:
            warnings.append(
                ReportWarning(
                    kind="exploding_activations",
                    where=where,
                    message=(
                        f"{label}: {_pct(s.share_large)} of the pre-activations have |z| >= {EXPLODING_ABS:g} "
                        f"(max |z| {s.max_abs:.4g}, std {s.std:.3g}); values this large saturate tanh/sigmoid "
                        f"and overflow exp. {_FIX_SCALE}"
                    ),
                    details=details,
                )
            )
        elif s.kind == TANH and (s.share_saturated >= SATURATION_SHARE or s.exact_saturated):
            exact = f", {s.exact_saturated} exactly +-1.0" if s.exact_saturated else ""
            warnings.append(
                ReportWarning(
                    kind="tanh_saturation",
                    where=where,
                    message=(
                        f"{label}: {_pct(s.share_saturated)} of the tanh outputs have |a| > {TANH_SATURATED:g}"
                        f"{exact}; saturated units pass almost no gradient (1 - a^2 ~ 0). {_FIX_SATURATION}"
                    ),
                    details=details,
                )
            )
        elif s.kind == SIGMOID and (s.share_saturated >= SATURATION_SHARE or s.exact_saturated):
            exact = ""
            if s.exact_saturated:
                exact = (
                    f", {s.exact_saturated} exactly 0.0 or 1.0 (log(A) or log(1 - A) of those is -inf, "
                    f"and dividing by A or 1 - A divides by zero)"
                )
            warnings.append(
                ReportWarning(
                    kind="sigmoid_saturation",
                    where=where,
                    message=(
                        f"{label}: {_pct(s.share_saturated)} of the sigmoid outputs are within "
                        f"{SIGMOID_SATURATED:g} of 0 or 1{exact}; their gradient A(1 - A) is ~0. "
                        f"{_FIX_SATURATION}"
                    ),
                    details=details,
                )
            )
        elif s.kind == RELU and s.dead_share is not None and s.dead_share >= DEAD_RELU_SHARE:
            warnings.append(
                ReportWarning(
                    kind="dead_relu",
                    where=where,
                    message=(
                        f"{label}: {s.dead_units} of {s.units} ReLU units ({_pct(s.dead_share)}) never fire on "
                        f"this batch of {s.batch}; they get no gradient and stop learning. {_FIX_DEAD}"
                    ),
                    details=details,
                )
            )
    return warnings


def activation_health(
    run: Callable[[], Any], *, user_code: Callable[[str], bool] | None = None
) -> list[ReportWarning]:
    """Warnings about the forward pass ``run()`` computes: exploding, saturated, dead activations.

    ``run`` is a zero-argument callable that runs the user's forward (``Model.loss`` will do);
    ``user_code`` decides which files are traced (default: :func:`gradcheck.numerics.is_user_file`).
    One traced call. Healthy networks get an empty list.
    """
    return activation_warnings(trace_activations(run, user_code=user_code))


# --------------------------------------------------------------------------------------------------
# Parameters and gradients


def _base_token(name: str) -> str:
    """``params['W1']`` -> ``W1``; ``self.W[1]`` -> ``W``; ``dW1`` -> ``dW1``."""
    inner = re.findall(r"\[['\"]([^'\"]+)['\"]\]", name)
    if inner:
        return str(inner[-1])
    tokens = re.findall(r"[A-Za-z_][A-Za-z0-9_]*", name)
    return str(tokens[-1]) if tokens else name


def _strip_d(token: str) -> str:
    """Gradient names to parameter names: ``dW1`` -> ``W1``, ``db`` -> ``b``, ``d_w2`` -> ``w2``."""
    rest = token[2:] if token.startswith("d_") else token[1:] if token.startswith("d") else None
    if rest and re.match(r"^(w|b|W|gamma|beta|kernel|weight|bias|theta|g\b)", rest):
        return rest
    return token


_BIAS = re.compile(
    r"^(b|bias|beta|gamma|g|scale|shift|offset|running|bn|ln)(\d|_|$|[A-Z])", re.IGNORECASE
)


def _is_bias_name(token: str) -> bool:
    return bool(_BIAS.match(token))


def _layer(name: str) -> int | None:
    """The layer number in a name: ``W2``, ``W[2]``, ``params['W2']``, ``conv2.weight``."""
    found = re.findall(r"\d+", name)
    return int(found[-1]) if found else None


def _weights(
    arrays: Mapping[str, Any], *, gradients: bool
) -> list[tuple[str, np.ndarray, int | None]]:
    """(name, array, layer) for the weight tensors (ndim >= 2, not a bias/scale/shift by name)."""
    out = []
    for name, value in arrays.items():
        if not isinstance(value, np.ndarray) or value.dtype.kind not in "fc" or value.ndim < 2:
            continue
        token = _base_token(str(name))
        if gradients:
            token = _strip_d(token)
        if _is_bias_name(token):
            continue
        out.append((str(name), value, _layer(str(name))))
    return out


def _biases(arrays: Mapping[str, Any]) -> dict[int, np.ndarray]:
    out: dict[int, np.ndarray] = {}
    for name, value in arrays.items():
        if isinstance(value, np.ndarray) and re.match(r"^b", _base_token(str(name))):
            layer = _layer(str(name))
            if layer is not None:
                out[layer] = value
    return out


def _fan_ins(
    name: str,
    w: np.ndarray,
    layer: int | None,
    weights: list[tuple[str, np.ndarray, int | None]],
    biases: Mapping[int, np.ndarray],
) -> list[int]:
    """Plausible fan-ins of a weight tensor; the caller takes the most forgiving.

    2-D: (n_out, n_in) in course code, (n_in, n_out) elsewhere. The bias of the same layer decides
    (its length is n_out), else the chain of consecutive layers (W2's input is W1's output). 4-D
    kernels: (out, in, kh, kw) or (kh, kw, in, out).
    """
    if w.ndim > 2:
        return sorted({int(np.prod(w.shape[1:])), int(np.prod(w.shape[:-1]))})
    rows, cols = w.shape
    b = biases.get(layer) if layer is not None else None
    if b is not None and b.size in (rows, cols) and rows != cols:
        return [cols] if b.size == rows else [rows]
    two_d = sorted(
        (lw for lw in weights if lw[1].ndim == 2 and lw[2] is not None), key=lambda t: t[2] or 0
    )
    out_in = in_out = 0
    for (_, w1, _), (_, w2, _) in itertools.pairwise(two_d):
        out_in += w2.shape[1] == w1.shape[0]
        in_out += w2.shape[0] == w1.shape[1]
    if out_in > in_out:
        return [cols]
    if in_out > out_in:
        return [rows]
    return sorted({rows, cols})


def parameter_health(params: Mapping[str, Any]) -> list[ReportWarning]:
    """Warnings about how the weights were initialised, read from their values alone.

    * ``all_positive_init``: a weight tensor of at least :data:`POSITIVE_INIT_MIN_SIZE` entries with no
      negative entry (``np.random.rand`` draws from [0, 1)): every unit sums its inputs with the same
      sign, activations grow with the width and units stay alike.
    * ``large_init``: RMS(W) * sqrt(fan_in) >= :data:`LARGE_INIT_RATIO` under every plausible layout.
    * ``symmetric_init``: all entries equal (zeros included): units receive identical gradients and
      never become different.
    Biases, batch-norm scales and shifts are left alone (names starting b/bias/beta/gamma/scale/shift).
    """
    weights = _weights(params, gradients=False)
    biases = _biases(params)
    out: list[ReportWarning] = []
    for name, w, layer in weights:
        with np.errstate(all="ignore"):
            a = np.asarray(w, dtype=float) if w.dtype.kind == "f" else np.abs(w)
            if not np.all(np.isfinite(a)):
                continue
            lo, hi, mean = float(a.min()), float(a.max()), float(a.mean())
            rms = float(np.sqrt(np.mean(a * a)))
        details: dict[str, Any] = {
            "shape": list(w.shape),
            "min": lo,
            "max": hi,
            "mean": mean,
            "rms": rms,
        }
        if a.size > 1 and lo == hi:
            out.append(
                ReportWarning(
                    kind="symmetric_init",
                    where=name,
                    message=(
                        f"{name}: all {a.size} weights equal {lo:g}; every unit of the layer computes the same "
                        f"thing and receives the same gradient, so they never become different. Initialise "
                        f"randomly with zero mean (np.random.randn(n_out, n_in) * np.sqrt(2 / n_in))."
                    ),
                    details=details,
                )
            )
            continue
        if a.size >= POSITIVE_INIT_MIN_SIZE and lo >= 0:
            looks = (
                " (this looks like np.random.rand, which draws from [0, 1))"
                if hi < 1 and 0.3 < mean < 0.7
                else ""
            )
            out.append(
                ReportWarning(
                    kind="all_positive_init",
                    where=name,
                    message=(
                        f"{name}: all {a.size} weights are >= 0 (min {lo:.3g}, max {hi:.3g}, mean {mean:.3g})"
                        f"{looks}. Every unit then adds its inputs with the same sign, so activations grow with "
                        f"the layer width and the units stay alike. Initialise with zero mean: "
                        f"np.random.randn(n_out, n_in) * np.sqrt(2 / n_in) (He, ReLU) or np.sqrt(1 / n_in) "
                        f"(Xavier, tanh)."
                    ),
                    details=details,
                )
            )
        fan_ins = _fan_ins(name, w, layer, weights, biases)
        ratio = min(rms * math.sqrt(f) for f in fan_ins) if fan_ins else 0.0
        if ratio >= LARGE_INIT_RATIO:
            fan_in = fan_ins[int(np.argmin([rms * math.sqrt(f) for f in fan_ins]))]
            he = math.sqrt(2 / fan_in)
            details.update({"fan_in": fan_in, "scale_ratio": ratio, "he_std": he})
            out.append(
                ReportWarning(
                    kind="large_init",
                    where=name,
                    message=(
                        f"{name}: weights are {ratio:.2g}x larger than 1/sqrt(fan_in) (RMS {rms:.3g} with fan-in "
                        f"{fan_in}; He would be {he:.3g}), so each layer multiplies the size of the signal "
                        f"and pre-activations explode. {_FIX_SCALE}"
                    ),
                    details=details,
                )
            )
    return out


def gradient_norm_health(grads: Mapping[str, Any]) -> list[ReportWarning]:
    """Warnings about weight-gradient norms across layers.

    * ``vanishing_gradients`` / ``exploding_gradients``: the largest and smallest layer norms differ by
      at least :data:`GRAD_NORM_SPREAD`; which one depends on whether the layers nearest the input get
      the small norms or the large ones.
    * ``zero_gradient``: a weight gradient that is exactly zero while others are not.
    Layers are ordered by the number in their names (``dW1``, ``W[2]``, ``params['W3']``); only weight
    tensors count (a bias feeding batch norm has a true gradient of zero).
    """
    weights = [
        (n, g, layer) for n, g, layer in _weights(grads, gradients=True) if layer is not None
    ]
    out: list[ReportWarning] = []
    norms: list[tuple[int, str, float]] = []
    for name, g, layer in weights:
        with np.errstate(all="ignore"):
            norm = float(np.linalg.norm(np.asarray(g).ravel()))
        if math.isfinite(norm):
            norms.append((layer, name, norm))
    norms.sort()
    if norms:
        for layer, name, norm in norms:
            if norm == 0:
                out.append(
                    ReportWarning(
                        kind="zero_gradient",
                        where=name,
                        message=(
                            f"{name} is exactly zero: no signal reaches layer {layer} (every ReLU unit dead, "
                            f"sigmoid/tanh saturated to exactly 0/+-1, or a gradient that was never written "
                            f"back), so its weights never change."
                        ),
                        details={"layer": layer, "norm": 0.0},
                    )
                )
        nonzero = [(layer, name, n) for layer, name, n in norms if n > 0]
        if len(nonzero) >= 2:
            lo = min(nonzero, key=lambda t: t[2])
            hi = max(nonzero, key=lambda t: t[2])
            spread = hi[2] / lo[2]
            if spread >= GRAD_NORM_SPREAD:
                table = ", ".join(f"{name} {n:.2e}" for _, name, n in nonzero)
                first, last = nonzero[0][2], nonzero[-1][2]
                details = {"norms": {name: n for _, name, n in nonzero}, "spread": spread}
                if first < last:
                    out.append(
                        ReportWarning(
                            kind="vanishing_gradients",
                            where=lo[1],
                            message=(
                                f"gradient norms shrink by {spread:.1e} toward the input ({table}): the first "
                                f"layers barely learn. Usually saturated tanh/sigmoid units or too small an "
                                f"initialisation; use ReLU with He initialisation, scale the inputs, or add batch "
                                f"norm."
                            ),
                            details=details,
                        )
                    )
                else:
                    out.append(
                        ReportWarning(
                            kind="exploding_gradients",
                            where=hi[1],
                            message=(
                                f"gradient norms grow by {spread:.1e} toward the input ({table}): an update "
                                f"at a learning rate that suits the last layer throws the first ones far off. "
                                f"Usually weights initialised too large; use He/Xavier scale, lower the learning "
                                f"rate, or clip the gradients."
                            ),
                            details=details,
                        )
                    )
    return out


def input_health(inputs: Mapping[str, Any]) -> list[ReportWarning]:
    """``unscaled_inputs`` for each input array whose RMS exceeds :data:`INPUT_RMS_MAX`.

    Pass the network's inputs only (``X``), not labels: class indices 0..9 are not features.
    """
    out: list[ReportWarning] = []
    for name, value in inputs.items():
        if not isinstance(value, np.ndarray) or value.dtype.kind not in "fiu" or value.size == 0:
            continue
        with np.errstate(all="ignore"):
            a = np.asarray(value, dtype=float)
            a = a[np.isfinite(a)]
            if a.size == 0:
                continue
            rms = float(np.sqrt(np.mean(a * a)))
            mean, low, high = float(a.mean()), float(a.min()), float(a.max())
        if rms > INPUT_RMS_MAX:
            out.append(
                ReportWarning(
                    kind="unscaled_inputs",
                    where=str(name),
                    message=(
                        f"{name}: the inputs are unscaled (RMS {rms:.3g}, mean {mean:.3g}, range "
                        f"{low:.3g}..{high:.3g}); large inputs make large pre-activations, saturate "
                        f"tanh/sigmoid and make a learning rate hard to choose. Standardise each feature "
                        f"with the training set's statistics: X = (X - mean) / std over the examples "
                        f"(or divide pixels by 255)."
                    ),
                    details={"rms": rms, "mean": mean, "min": low, "max": high},
                )
            )
    return out
