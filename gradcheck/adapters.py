"""Model adapters: every form a user writes, turned into one :class:`gradcheck.model.Model`.

The engine knows one thing: named arrays it may perturb in place, a zero-argument loss and a
zero-argument gradient function. Users know other things: ``loss(params)``/``grads(params)``, a
``forward``/``cost``/``backward`` trio with their own signatures, or a class that keeps everything on
``self``. This module meets them there. Two rules hold for every form:

* the arrays in ``Model.params`` are the user's own arrays (never copies), and the closures read
  them live, so a perturbation made by the engine is what the user's code sees;
* anything the harness cannot use (an integer or read-only parameter, something that is not a
  mapping or not callable, an argument that cannot be bound) is rejected here, at the boundary, with
  a :class:`GradcheckError` that names the item.
"""

from __future__ import annotations

import ast
import functools
import inspect
import textwrap
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradcheck.engine import Fingerprint
from gradcheck.errors import GradcheckError
from gradcheck.model import (
    DATA_NAMES,
    Model,
    validate_array,
    validate_params,
)
from gradcheck.model import type_name as _type_name
from gradcheck.models.data import batch_extra as _batch_extra
from gradcheck.models.data import infer_batch_size
from gradcheck.models.data import owned_arrays as _owned_arrays

__all__ = [
    "from_object",
    "infer_batch_size",
    "make_model",
    "returned_names",
    "validate_array",
    "validate_params",
]


# --------------------------------------------------------------------------------------------
# Validation at the boundary
# --------------------------------------------------------------------------------------------


class _MappingView(Mapping[str, np.ndarray]):
    """Report name -> the array the user's own mapping holds *now* (keys may be layer numbers).

    Read through on every access, so that user code which replaces ``params['W1']`` with a new
    array instead of updating it in place is noticed (the engine compares identities) rather than
    leaving the check perturbing an array nobody reads."""

    def __init__(self, user: Mapping[Any, Any], keys: Mapping[str, Any]) -> None:
        self._user = user
        self._keys = dict(keys)

    def __getitem__(self, name: str) -> np.ndarray:
        value = self._user[self._keys[name]]
        if not isinstance(value, np.ndarray):
            raise GradcheckError(f"parameter {name!r} is no longer a NumPy array")
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


def live_view(params: object, *, what: str = "params") -> _MappingView:
    """Validate ``params`` and return a read-through view keyed by report names."""
    checked = validate_params(params, what=what)
    assert isinstance(params, Mapping)
    return _MappingView(params, dict(zip(checked, params)))


def _require_callable(what: str, value: object, signature_hint: str) -> Callable[..., Any]:
    if not callable(value):
        raise GradcheckError(
            f"{what} must be callable ({signature_hint}); got a {_type_name(value)}"
        )
    return value


def _stringify_keys(mapping: Mapping[Any, Any]) -> Mapping[str, Any]:
    """Gradient mappings keyed by layer numbers, looked up by the string names the report uses."""
    if all(isinstance(k, str) for k in mapping):
        return mapping
    return {k if isinstance(k, str) else str(k): v for k, v in mapping.items()}


def _check_grads_result(what: str, result: object) -> Mapping[str, Any]:
    if not isinstance(result, Mapping):
        raise GradcheckError(
            f"{what} returned a {_type_name(result)}, not a mapping of name -> gradient array "
            f"(keys may be the parameter names or 'd' + name, e.g. {{'dW1': dW1}})"
        )
    return _stringify_keys(result)


def _source_of(fn: object) -> str | None:
    code = getattr(fn, "__code__", None)
    if code is None:
        return None
    return f"{code.co_filename}:{code.co_firstlineno}"


# --------------------------------------------------------------------------------------------
# The loose form: loss(params) -> float, grads(params) -> mapping
# --------------------------------------------------------------------------------------------


def _make_loose(loss: object, grads: object, params: object, X: object, Y: object) -> Model:
    """The core form. ``X`` and ``Y`` are optional here: the user's functions close over their data,
    but when they are given the model knows its batch size and which input arrays it owns."""
    missing = [n for n, v in (("loss", loss), ("grads", grads), ("params", params)) if v is None]
    if missing:
        raise GradcheckError(
            "the loose form needs loss, grads and params; missing: " + ", ".join(missing)
        )
    loss_fn = _require_callable("loss", loss, "loss(params) -> float")
    grads_fn = _require_callable("grads", grads, "grads(params) -> mapping")
    live = live_view(params)
    # The user's functions receive the user's own mapping (not our string-keyed view), so a
    # params dict keyed by layer numbers still works inside their code.
    user_params = params

    def loss_closure() -> Any:
        return loss_fn(user_params)

    def grads_closure() -> Mapping[str, Any]:
        return _check_grads_result("grads(params)", grads_fn(user_params))

    return Model(
        params=live,
        loss=loss_closure,
        grads=grads_closure,
        form="loose",
        source=_source_of(_underlying_function(loss_fn)),
        trace_targets=(loss_fn, grads_fn),
        owned_arrays=_owned_arrays({"X": X, "Y": Y}),
        extra=_batch_extra(X, Y),
    )


# --------------------------------------------------------------------------------------------
# Reading the user's code: signatures and the names in return statements
# --------------------------------------------------------------------------------------------


def _underlying_function(fn: object) -> object:
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
    target = _underlying_function(fn)
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


def _display_name(fn: object) -> str:
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


def _describe(role: str, fn: Callable[..., Any]) -> str:
    """``the backward function back_prop(z1, a1, z2, a2, w2, x, y)`` for error messages."""
    return f"the {role} function {_display_name(fn)}{_plain_signature(fn)}"


# --------------------------------------------------------------------------------------------
# Binding arguments by name (the way pytest passes fixtures)
# --------------------------------------------------------------------------------------------

PARAMS_NAMES = ("params", "parameters")
X_NAMES = ("X", "x", "inputs")
Y_NAMES = ("Y", "y", "labels", "targets")
CACHE_NAMES = ("cache", "caches")
# ``Y_hat``/``Yhat`` go beyond INTERFACE.md: seed 001 names its cost argument ``Y_hat``.
OUTPUT_NAMES = ("AL", "output", "out", "y_hat", "yhat", "Y_hat", "Yhat", "A", "probs", "scores")


@dataclass
class _Forwarded:
    """What one forward call produced, sorted into the roles cost and backward may ask for."""

    value: Any
    output: Any
    cache: Any
    has_cache: bool
    named: dict[str, Any]  # names from forward's return statement and keys of returned dicts
    cache_keys: dict[str, Any]  # keys of a cache dict (the second element of a pair)


def _sort_forward_result(result: Any, names: tuple[str | None, ...] | None) -> _Forwarded:
    """Apply INTERFACE.md §1: a pair (output, cache) whose second element is a dict, list or tuple;
    otherwise the last element of a tuple; otherwise the value itself."""
    named: dict[str, Any] = {}
    cache_keys: dict[str, Any] = {}
    if (
        isinstance(result, tuple)
        and len(result) == 2
        and isinstance(result[1], (Mapping, list, tuple))
    ):
        output, cache, has_cache = result[0], result[1], True
        if isinstance(cache, Mapping):
            cache_keys = {k: v for k, v in cache.items() if isinstance(k, str)}
    elif isinstance(result, tuple) and len(result) > 0:
        output, cache, has_cache = result[-1], None, False
    else:
        output, cache, has_cache = result, None, False
    if isinstance(result, tuple):
        for name, value in zip(names or (), result):
            if name is not None:
                named[name] = value
    elif names and names[0] is not None:
        named[names[0]] = result
    if isinstance(result, Mapping):
        named.update({k: v for k, v in result.items() if isinstance(k, str)})
    return _Forwarded(result, output, cache, has_cache, named, cache_keys)


# One bound argument: (argument name, how it is passed, where the value comes from, key).
# Sources: "input", "params", "X", "Y", "named", "cache", "output", "param", "cache_key", and
# "default" (the key is then the default value itself).
_Slot = tuple[str, str, str, Any]


class _Binder:
    """Resolves argument names of the user's functions to live values.

    Order for an argument called ``n`` (first match wins): a keyword input given explicitly
    (``lambd=0.7``); ``params``/``parameters``; ``X``/``x``/``inputs`` and ``Y``/``y``/``labels``/
    ``targets``; a value forward returned under the name ``n`` (its return statement, a returned
    dict's key); ``cache``/``caches``; the output aliases; a parameter called ``n``; a key of the cache
    dict; (for a stateful object) an attribute of the object called ``n``, read live; the argument's
    own default. Names forward returned come before the aliases so that ``return Z, A, cache`` binds
    ``A`` to ``A``, not to the last element.
    """

    def __init__(
        self,
        params: Mapping[Any, Any] | None,
        names: Mapping[str, Any],
        X: object,
        Y: object,
        inputs: Mapping[str, object],
        obj: object = None,
    ) -> None:
        self.params = params  # the user's own mapping, read live on every call
        self.param_keys = names  # report name -> key in the user's mapping
        self.X, self.Y = X, Y
        self.inputs = inputs
        self.obj = obj  # a stateful object whose attributes are on offer

    def _attributes(self) -> list[str]:
        if self.obj is None:
            return []
        return [n for n in vars(self.obj) if not n.startswith("__")]

    def _object_alias(self, arg: str) -> str | None:
        """``x`` asked of an object that stores ``self.X``: the attribute standing for that role."""
        for role in (X_NAMES, Y_NAMES, PARAMS_NAMES):
            if arg in role:
                for name in role:
                    if name in self._attributes():
                        return name
        return None

    def _static_source(self, arg: str) -> tuple[str, str] | None:
        if arg in self.inputs:
            return ("input", arg)
        if arg in PARAMS_NAMES and self.params is not None:
            return ("params", arg)
        if arg in X_NAMES and self.X is not None:
            return ("X", arg)
        if arg in Y_NAMES and self.Y is not None:
            return ("Y", arg)
        return None

    def source(self, arg: str, fwd: _Forwarded | None) -> tuple[str, str] | None:
        found = self._static_source(arg)
        if found is not None:
            return found
        if fwd is not None:
            if arg in fwd.named:
                return ("named", arg)
            if arg in CACHE_NAMES and fwd.has_cache:
                return ("cache", arg)
            if arg in OUTPUT_NAMES:
                return ("output", arg)
        if arg in self.param_keys:
            return ("param", arg)
        if fwd is not None and arg in fwd.cache_keys:
            return ("cache_key", arg)
        if self.obj is not None:
            if arg in self._attributes():
                return ("attr", arg)
            alias = self._object_alias(arg)
            if alias is not None:
                return ("attr", alias)
        return None

    def on_offer(self, fwd: _Forwarded | None) -> list[str]:
        offer: list[str] = list(self.inputs)
        if self.params is not None:
            offer += PARAMS_NAMES
        if self.X is not None:
            offer += X_NAMES
        if self.Y is not None:
            offer += Y_NAMES
        if fwd is not None:
            offer += list(fwd.named)
            if fwd.has_cache:
                offer += CACHE_NAMES
            offer += OUTPUT_NAMES
        offer += list(self.param_keys)
        if fwd is not None:
            offer += list(fwd.cache_keys)
        offer += self._attributes()
        seen: dict[str, None] = {}
        for name in offer:
            seen.setdefault(name, None)
        return list(seen)

    def plan(self, role: str, fn: Callable[..., Any], fwd: _Forwarded | None) -> list[_Slot]:
        """Decide once, from the signature, where every argument of ``fn`` comes from."""
        try:
            sig = inspect.signature(fn)
        except (TypeError, ValueError) as exc:
            raise GradcheckError(
                f"cannot read the signature of the {role} function {fn!r}: {exc}"
            ) from None
        slots: list[_Slot] = []
        pending_defaults: list[_Slot] = []
        for p in sig.parameters.values():
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                continue
            how = "positional" if p.kind is p.POSITIONAL_ONLY else "keyword"
            found = self.source(p.name, fwd)
            if found is None:
                if p.default is not p.empty:
                    # A skipped positional-only argument must still be passed if a later one is.
                    if how == "positional":
                        pending_defaults.append((p.name, how, "default", p.default))
                    continue
                offer = ", ".join(self.on_offer(fwd))
                raise GradcheckError(
                    f"cannot bind argument {p.name!r} of {_describe(role, fn)}: nothing on offer "
                    f"is called {p.name!r}. Names on offer: {offer}. Pass it as a keyword "
                    f"({p.name}=...) or rename the argument."
                )
            if how == "positional":
                slots.extend(pending_defaults)
                pending_defaults = []
            slots.append((p.name, how, found[0], found[1]))
        return slots

    def call(self, fn: Callable[..., Any], slots: Sequence[_Slot], fwd: _Forwarded | None) -> Any:
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        for name, how, src, key in slots:
            value = self.value(src, key, fwd)
            if how == "positional":
                args.append(value)
            else:
                kwargs[name] = value
        return fn(*args, **kwargs)

    def value(self, src: str, key: Any, fwd: _Forwarded | None) -> Any:
        if src == "input":
            return self.inputs[key]
        if src == "params":
            return self.params
        if src == "attr":
            return getattr(self.obj, key)
        if src == "X":
            return self.X
        if src == "Y":
            return self.Y
        if src == "param":
            assert self.params is not None
            return self.params[self.param_keys[key]]
        if src == "default":
            return key
        assert fwd is not None  # the plan only names forward's results when there were some
        if src == "named":
            if key not in fwd.named:
                raise GradcheckError(
                    f"forward no longer returns a value called {key!r} (it did when the model "
                    f"was built); keep forward's return value the same from call to call"
                )
            return fwd.named[key]
        if src == "cache":
            return fwd.cache
        if src == "output":
            return fwd.output
        return fwd.cache_keys[key]


# --------------------------------------------------------------------------------------------
# The trio: forward, cost, backward with the user's own signatures
# --------------------------------------------------------------------------------------------


class _Trio:
    """forward/cost/backward bound to the user's params, X, Y and keyword inputs."""

    def __init__(
        self,
        forward: Callable[..., Any],
        cost: Callable[..., Any],
        backward: Callable[..., Any],
        binder: _Binder,
    ) -> None:
        self.forward, self.cost, self.backward = forward, cost, backward
        self.binder = binder
        self.forward_names = returned_names(forward)
        self.forward_slots = binder.plan("forward", forward, None)
        # Run forward once so that cost and backward can be bound to what it returns (dict keys
        # are only known at run time). Floating-point warnings are the engine's business, not ours.
        with np.errstate(all="ignore"):
            fwd = self.run_forward()
        self.cost_slots = binder.plan("cost", cost, fwd)
        self.backward_slots = binder.plan("backward", backward, fwd)
        self.backward_names: tuple[str | None, ...] | None = None
        self.backward_names_read = False

    def run_forward(self) -> _Forwarded:
        result = self.binder.call(self.forward, self.forward_slots, None)
        names = self.forward_names
        if isinstance(result, tuple) and names is not None and len(names) != len(result):
            names = returned_names(self.forward, len(result))
        return _sort_forward_result(result, names)

    def loss(self) -> Any:
        fwd = self.run_forward()
        return self.binder.call(self.cost, self.cost_slots, fwd)

    def grads(self) -> Mapping[str, Any]:
        fwd = self.run_forward()
        result = self.binder.call(self.backward, self.backward_slots, fwd)
        return self._name_gradients(result)

    def _name_gradients(self, result: Any) -> Mapping[str, Any]:
        """A mapping as is; a tuple named by backward's own ``return dw1, db1, ...``."""
        if isinstance(result, Mapping):
            return _stringify_keys(result)
        values = tuple(result) if isinstance(result, (tuple, list)) else (result,)
        if not self.backward_names_read or (
            self.backward_names is not None and len(self.backward_names) != len(values)
        ):
            self.backward_names = returned_names(self.backward, len(values))
            self.backward_names_read = True
        names = self.backward_names
        if names is None or any(n is None for n in names):
            what = (
                f"a {_type_name(result)} of {len(values)} values"
                if isinstance(result, (tuple, list))
                else f"a {_type_name(result)}"
            )
            raise GradcheckError(
                f"{_describe('backward', self.backward)} returned {what} that its return statement "
                f"does not name; return plain names (return dW1, db1, ...) or a dict "
                f"{{'dW1': dW1, ...}}"
            )
        return {n: v for n, v in zip(names, values) if n is not None}


def _make_trio(
    forward: object,
    cost: object,
    backward: object,
    params: object,
    X: object,
    Y: object,
    inputs: Mapping[str, object],
) -> Model:
    missing = [
        n for n, v in (("forward", forward), ("cost", cost), ("backward", backward)) if v is None
    ]
    if missing:
        raise GradcheckError(
            "the trio needs forward, cost and backward; missing: " + ", ".join(missing)
        )
    if params is None:
        raise GradcheckError(
            "the trio needs params: a mapping of name -> array (e.g. {'W1': W1, 'b1': b1})"
        )
    fwd_fn = _require_callable("forward", forward, "forward(...) -> output")
    cost_fn = _require_callable("cost", cost, "cost(...) -> float")
    back_fn = _require_callable("backward", backward, "backward(...) -> gradients")
    live = live_view(params)
    assert isinstance(params, Mapping)
    keys = {name: key for name, key in zip(live, params)}
    binder = _Binder(params, keys, X, Y, inputs)
    owned = _owned_arrays({"X": X, "Y": Y, **inputs})
    data = {k: v for k, v in (owned() if owned else {}).items() if k in DATA_NAMES}
    # Forward runs once here, to bind cost and backward: it must leave parameters and data as it
    # found them, or the check would start from a point the user never gave.
    params_before, data_before = Fingerprint.of(live), Fingerprint.of(data)
    trio = _Trio(fwd_fn, cost_fn, back_fn, binder)
    forward_label = f"{_display_name(fwd_fn)}()"
    params_before.check_unchanged(live, forward_label)
    data_before.check_data_unchanged(data, forward_label)

    return Model(
        params=live,
        loss=trio.loss,
        grads=trio.grads,
        form="trio",
        source=_source_of(_underlying_function(fwd_fn)),
        trace_targets=(fwd_fn, cost_fn, back_fn),
        owned_arrays=owned,
        extra={
            **_batch_extra(X, Y),
            "loss_label": f"{forward_label} or {_display_name(cost_fn)}()",
            "grads_label": f"{forward_label} or {_display_name(back_fn)}()",
        },
    )


# --------------------------------------------------------------------------------------------
# Stateful objects: everything on self
# --------------------------------------------------------------------------------------------

FORWARD_METHODS = (
    "forward",
    "forward_propagation",
    "forward_prop",
    "forward_pass",
    "forward_propagate",
    "feedforward",
    "feed_forward",
    "fprop",
)
COST_METHODS = (
    "cost",
    "compute_cost",
    "loss",
    "compute_loss",
    "cost_function",
    "loss_function",
    "calculate_cost",
    "calculate_loss",
    "get_cost",
    "get_loss",
)
BACKWARD_METHODS = (
    "backward",
    "backward_propagation",
    "backward_prop",
    "backward_pass",
    "backprop",
    "back_prop",
    "backpropagation",
    "back_propagation",
    "backpropagate",
    "bprop",
)
# Where a cost method that returns None may have stored its value.
STORED_COST_ATTRIBUTES = (
    "cost",
    "loss",
    "J",
    "total_cost",
    "total_loss",
    "cost_",
    "loss_",
    "_cost",
    "_loss",
)
# Container names that say "these are the parameters" even before a gradient is found.
PARAM_CONTAINERS = frozenset(
    {
        "params",
        "parameters",
        "param",
        "weights",
        "biases",
        "weight",
        "bias",
        "w",
        "b",
        "theta",
        "thetas",
        "coef",
        "coefs",
        "coefficients",
        "kernel",
        "kernels",
    }
)
GRAD_CONTAINERS = frozenset({"grads", "gradients", "grad", "derivatives", "nabla", "dparams"})
CACHE_CONTAINERS = frozenset({"cache", "caches", "activations", "memory"})
INPUT_ATTRIBUTES = frozenset(
    X_NAMES + Y_NAMES + ("data", "features", "X_train", "Y_train", "x_train", "y_train", "target")
)


class _NoKey:
    def __repr__(self) -> str:
        return "<attribute itself>"


_NO_KEY: Any = _NoKey()


@dataclass(frozen=True)
class _Loc:
    """Where one array lives: an attribute, or an entry of a dict/list attribute, or (``returned``)
    an element of what backward returned. Read live on every use, never cached."""

    attr: str
    key: Any = _NO_KEY
    returned: bool = False

    @property
    def name(self) -> str:
        """The name as the user's code spells it: ``W1``, ``W[1]``, ``params['W1']``."""
        if self.key is _NO_KEY:
            return self.attr
        if isinstance(self.key, str):
            return f"{self.attr}[{self.key!r}]"
        return f"{self.attr}[{self.key}]"

    @property
    def leaf(self) -> str | None:
        """The name of the array itself: the attribute, or a string key (``W1`` of params['W1'])."""
        if self.key is _NO_KEY:
            return self.attr
        return self.key if isinstance(self.key, str) else None

    def read(self, obj: object, returned: Mapping[str, Any]) -> Any:
        base = returned[self.attr] if self.returned else getattr(obj, self.attr)
        return base if self.key is _NO_KEY else base[self.key]


def _arrays_in(
    attr: str, value: object, returned: bool = False, scalars: bool = False
) -> dict[_Loc, np.ndarray]:
    """The arrays an attribute holds: itself, or the values of a dict, or the items of a list.

    With ``scalars``, NumPy float scalars count too: the gradient of a 0-d parameter is usually one
    (``db = np.sum(dZ) / m``). They are looked for among gradients only, never among parameters
    (a scalar cannot be perturbed in place), and serve as 0-d arrays would: shape, dtype, bytes.
    """

    def wanted(item: object) -> bool:
        return isinstance(item, np.ndarray) or (scalars and isinstance(item, np.floating))

    found: dict[_Loc, np.ndarray] = {}
    if wanted(value):
        found[_Loc(attr, returned=returned)] = value  # type: ignore[assignment]
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if wanted(item):
                found[_Loc(attr, key, returned)] = item
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            if wanted(item):
                found[_Loc(attr, i, returned)] = item
    return found


def _instance_attributes(obj: object) -> dict[str, Any]:
    try:
        return {k: v for k, v in vars(obj).items() if not k.startswith("__")}
    except TypeError:
        raise GradcheckError(
            f"cannot look inside a {_type_name(obj)}: it has no attribute dict (__slots__ or a "
            f"builtin); give the model as loss/grads/params or forward/cost/backward instead"
        ) from None


def _reachable(obj: object, scalars: bool = False) -> dict[_Loc, np.ndarray]:
    found: dict[_Loc, np.ndarray] = {}
    for attr, value in _instance_attributes(obj).items():
        found.update(_arrays_in(attr, value, scalars=scalars))
    return found


@dataclass
class _Snapshot:
    """Every array the object holds, by reference and by content, so that what a call created,
    replaced or wrote into can be told apart from what it left alone. Holding the references
    also stops a freed array's id from being reused by a new one."""

    refs: dict[_Loc, np.ndarray]
    contents: dict[_Loc, bytes]

    @classmethod
    def take(cls, arrays: Mapping[_Loc, np.ndarray]) -> _Snapshot:
        return cls(dict(arrays), {loc: a.tobytes() for loc, a in arrays.items()})

    def changed(self, loc: _Loc, now: np.ndarray) -> bool:
        before = self.refs.get(loc)
        if before is None or before is not now:
            return True
        return now.tobytes() != self.contents[loc]


def _is_float(a: np.ndarray) -> bool:
    return a.dtype.kind == "f"


def _weight_like(name: str) -> bool:
    """``W1``, ``W_out``, ``Wxh``, ``b2``, ``weights``, ``bias_hidden``, ``gamma``...: names that read
    as a parameter. ``beta``/``gamma`` are batch norm's."""
    n = name.lstrip("_")
    if not n:
        return False
    if n[0] in "Wwb" and (len(n) == 1 or n[1].isdigit() or n[1] == "_" or n[1].isupper()):
        return True
    return n.lower().startswith(("weight", "bias", "theta", "kernel", "gamma", "beta"))


def _plain(name: str) -> str:
    return name.lstrip("_").lower()


def _gradient_names(leaf: str) -> tuple[str, ...]:
    return (f"d{leaf}", f"d_{leaf}", f"grad_{leaf}", f"grad{leaf}", f"{leaf}_grad")


def _is_number(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float, np.number)):
        return True
    return isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind in "fiu"


class _ObjectModel:
    """A stateful object's forward/cost/backward methods, its parameters and their gradients."""

    def __init__(
        self,
        obj: object,
        params: str | Sequence[str] | None,
        grads: str | Sequence[str] | None,
        forward: str | Sequence[str] | None,
        cost: str | Sequence[str] | None,
        backward: str | Sequence[str] | None,
        inputs: Mapping[str, object],
    ) -> None:
        self.obj = obj
        self.cls = type(obj).__name__
        self.notes: list[str] = []
        methods = self._methods()
        self.forward = self._pick("forward", forward, FORWARD_METHODS, methods)
        cost_methods, self.cost_attrs, self.cost_attrs_given = self._pick_cost(cost, methods)
        self.cost = cost_methods
        self.backward = self._pick("backward", backward, BACKWARD_METHODS, methods)
        if not self.backward:
            raise GradcheckError(
                f"{self.cls} has no method that looks like backpropagation (looked for "
                f"{', '.join(BACKWARD_METHODS)}); name it with backward='...' (CLI: --backward NAME)"
            )
        if not self.forward and not self.cost and not self.cost_attrs:
            raise GradcheckError(
                f"{self.cls} has no method that computes the cost (looked for "
                f"{', '.join(FORWARD_METHODS + COST_METHODS)}); name it with cost='...' or "
                f"forward='...'"
            )
        self.binder = _Binder(None, {}, None, None, inputs, obj=obj)
        self.explicit_params = self._names("params", params)
        self.explicit_grads = self._names("grads", grads)
        if self.explicit_params is None:
            self._require_some_arrays()
        self._dry_run()

    # ---- what the object offers ---------------------------------------------------------

    def _methods(self) -> dict[str, Callable[..., Any]]:
        found: dict[str, Callable[..., Any]] = {}
        for name in dir(type(self.obj)):
            if name.startswith("__"):
                continue
            static = inspect.getattr_static(self.obj, name, None)
            if inspect.isfunction(static) or isinstance(static, (staticmethod, classmethod)):
                found[name] = getattr(self.obj, name)
        for name, value in _instance_attributes(self.obj).items():
            if inspect.isroutine(value):
                found[name] = value
        return found

    @staticmethod
    def _names(keyword: str, value: str | Sequence[str] | None) -> list[str] | None:
        if value is None:
            return None
        names = [value] if isinstance(value, str) else list(value)
        if not names or not all(isinstance(n, str) for n in names):
            raise GradcheckError(
                f"{keyword}= takes an attribute or method name or a list of names; got {value!r}"
            )
        return names

    def _pick(
        self,
        role: str,
        given: str | Sequence[str] | None,
        vocabulary: Sequence[str],
        methods: Mapping[str, Callable[..., Any]],
    ) -> list[tuple[str, Callable[..., Any]]]:
        names = self._names(role, given)
        if names is not None:
            picked = []
            for name in names:
                if name not in methods:
                    raise GradcheckError(
                        f"{self.cls} has no method {name!r} ({role}={name!r}); its methods: "
                        f"{', '.join(sorted(methods)) or '(none)'}"
                    )
                picked.append((name, methods[name]))
            return picked
        wanted = {v.lower() for v in vocabulary}
        candidates = [n for n in methods if n.lower() in wanted]
        if len(candidates) > 1:
            raise GradcheckError(
                f"{self.cls} has several methods that look like its {role}: "
                f"{', '.join(candidates)}; say which with {role}={candidates[0]!r} "
                f"(CLI: --{role} {candidates[0]})"
            )
        return [(n, methods[n]) for n in candidates]

    def _pick_cost(
        self, given: str | Sequence[str] | None, methods: Mapping[str, Callable[..., Any]]
    ) -> tuple[list[tuple[str, Callable[..., Any]]], list[str], bool]:
        """The cost method(s) to call, the attributes where a stored cost may be read, and whether
        those attributes were named by the user (then they win over a returned value).

        ``cost=`` may name methods (called in order) and attributes (read after the calls)."""
        names = self._names("cost", given)
        if names is None:
            picked = self._pick("cost", None, COST_METHODS, methods)
            return picked, list(STORED_COST_ATTRIBUTES), False
        called, stored = [], []
        attributes = _instance_attributes(self.obj)
        for name in names:
            if name in methods:
                called.append((name, methods[name]))
            elif name in attributes:
                stored.append(name)
            else:
                raise GradcheckError(
                    f"{self.cls} has no method or attribute {name!r} (cost={name!r}); its methods: "
                    f"{', '.join(sorted(methods)) or '(none)'}"
                )
        if stored:
            return called, stored, True
        return called, list(STORED_COST_ATTRIBUTES), False

    def _require_some_arrays(self) -> None:
        """Fail before running user code when there is nothing that could be a parameter; the usual
        cause is an object whose parameters are created by an ``initialize()`` not yet called."""
        arrays = _reachable(self.obj)
        if any(_is_float(a) and loc.attr not in INPUT_ATTRIBUTES for loc, a in arrays.items()):
            return
        empty = [
            k
            for k, v in _instance_attributes(self.obj).items()
            if isinstance(v, (Mapping, list, tuple)) and len(v) == 0
        ]
        hint = (
            f" (empty: {', '.join(empty)}; has its initialisation run? e.g. call the method that "
            f"fills them before checking)"
            if empty
            else ""
        )
        raise GradcheckError(
            f"found no floating-point arrays on {self.cls} that could be parameters{hint}; "
            f"name them with params='...'"
        )

    # ---- one call of the user's methods ------------------------------------------------

    def _call_forward_and_cost(self) -> tuple[_Forwarded | None, Any]:
        fwd: _Forwarded | None = None
        for (_, fn), slots in zip(self.forward, self.forward_slots):
            fwd = _sort_forward_result(self.binder.call(fn, slots, fwd), self.forward_names)
        value: Any = None
        for (_, fn), slots in zip(self.cost, self.cost_slots):
            value = self.binder.call(fn, slots, fwd)
        return fwd, value

    def _cost_value(self, fwd: _Forwarded | None, returned: Any) -> Any:
        if self.cost_attr is not None:
            return getattr(self.obj, self.cost_attr)
        if self.cost:
            return returned
        return None if fwd is None else fwd.output

    def loss(self) -> Any:
        fwd, value = self._call_forward_and_cost()
        return self._cost_value(fwd, value)

    def grads(self) -> Mapping[str, Any]:
        fwd, _ = self._call_forward_and_cost()
        returned = self._call_backward(fwd)
        out: dict[str, Any] = {}
        for name, loc in self.pairs.items():
            try:
                out[name] = loc.read(self.obj, returned)
            except (KeyError, IndexError, AttributeError):
                continue  # reported by the engine as a missing gradient
        return out

    def _call_backward(self, fwd: _Forwarded | None) -> dict[str, Any]:
        """Run backward; what it returns is offered under the names of its return statement."""
        result: Any = None
        for (_, fn), slots in zip(self.backward, self.backward_slots):
            result = self.binder.call(fn, slots, fwd)
        if result is None:
            return {}
        fn = self.backward[-1][1]
        if isinstance(result, Mapping):
            names = returned_names(fn, 1)
            return {(names[0] if names and names[0] else "grads"): result}
        if isinstance(result, tuple):
            names = returned_names(fn, len(result))
            return {n: v for n, v in zip(names or (), result) if n is not None}
        names = returned_names(fn, 1)
        return {(names[0] if names and names[0] else "grads"): result}

    # ---- the dry run: who made which array ---------------------------------------------

    def _dry_run(self) -> None:
        """Call forward, cost and backward once, watching which arrays each call creates or writes.

        What forward and cost make are caches; what backward makes (or returns) are gradients; what
        nothing touched and the model reads are parameters or inputs. Floating-point warnings are
        silenced here: finding where a NaN is born is the engine's job, not the adapter's.
        """
        self.forward_names = returned_names(self.forward[-1][1]) if self.forward else None
        self.forward_slots = [self.binder.plan("forward", fn, None) for _, fn in self.forward]
        before = _Snapshot.take(_reachable(self.obj))
        stored_before = {a: getattr(self.obj, a, None) for a in self.cost_attrs}
        with np.errstate(all="ignore"):
            fwd: _Forwarded | None = None
            for (_, fn), slots in zip(self.forward, self.forward_slots):
                fwd = _sort_forward_result(self.binder.call(fn, slots, fwd), self.forward_names)
            self.cost_slots = [self.binder.plan("cost", fn, fwd) for _, fn in self.cost]
            value: Any = None
            for (_, fn), slots in zip(self.cost, self.cost_slots):
                value = self.binder.call(fn, slots, fwd)
            self.cost_attr = self._find_stored_cost(value, fwd, stored_before)
            # Scalars from here on: what forward and backward store may be a 0-d gradient.
            middle_arrays = _reachable(self.obj, scalars=True)
            middle = _Snapshot.take(middle_arrays)
            self.backward_slots = [self.binder.plan("backward", fn, fwd) for _, fn in self.backward]
            returned = self._call_backward(fwd)
        after = _reachable(self.obj, scalars=True)
        made_by_forward = {loc for loc, a in middle_arrays.items() if before.changed(loc, a)}
        made_by_backward = {loc: a for loc, a in after.items() if middle.changed(loc, a)}
        for attr, value in returned.items():
            made_by_backward.update(_arrays_in(attr, value, returned=True, scalars=True))
        self._refuse_changed_state(before, middle, after, made_by_backward)
        self._refuse_scalar_parameters(made_by_backward)
        untouched = {
            loc: a
            for loc, a in after.items()
            if loc in before.refs and not before.changed(loc, a) and loc not in made_by_forward
        }
        self._classify(before.refs, made_by_forward, made_by_backward, untouched, returned)

    def _refuse_changed_state(
        self,
        before: _Snapshot,
        middle: _Snapshot,
        after: Mapping[_Loc, np.ndarray],
        made_by_backward: Mapping[_Loc, np.ndarray],
    ) -> None:
        """Refuse an object whose methods change its parameters or inputs, after putting them back.

        The dry run is gradcheck calling the user's code, so what it changed is put back before
        the error: arrays written in place get their old bytes again, and a parameter attribute
        that was replaced gets its old array. Caches and gradients may change; parameters (named
        like one, or with a gradient named after them) and inputs may not. A parameter replaced
        by forward would be worse than an error: the check would perturb an array nobody reads.
        """
        problems: list[tuple[_Loc, str, bool]] = []  # (where, which call, replaced?)
        for loc, old in before.refs.items():
            now = after.get(loc)
            if now is None or not before.changed(loc, now):
                continue
            by_forward = (
                middle.refs.get(loc) is not old or middle.contents[loc] != before.contents[loc]
            )
            call = self.calls_label(self.forward + self.cost if by_forward else self.backward)
            if now is old:
                if self._is_input(loc) or self._looks_like_parameter(loc, made_by_backward):
                    problems.append((loc, call, False))
            elif self._looks_like_parameter(loc, made_by_backward, strict=True):
                problems.append((loc, call, True))
        if not problems:
            return
        for loc, old in before.refs.items():  # every array written in place gets its bytes back
            now = after.get(loc)
            if now is old and before.changed(loc, now):
                old[...] = np.frombuffer(before.contents[loc], dtype=old.dtype).reshape(old.shape)
        for loc, _, replaced in problems:
            if replaced:
                _put_back(self.obj, loc, before.refs[loc])
        loc, call, replaced = problems[0]
        where = f"self.{loc.name}"
        if replaced:
            raise GradcheckError(
                f"{call} replaces {where} with a new array on every call ({where} = ...); "
                f"gradcheck perturbs the array your code reads, and a new one throws the "
                f"perturbation away: update it in place ({where}[...] = ...), or do it once "
                f"outside {call}. {where} was put back"
            )
        if self._is_input(loc):
            raise GradcheckError(
                f"{call} changed the input {where} in place; finite differences compare "
                f"evaluations on the same data, so it must stay as it was (normalise a copy once, "
                f"before training). {where} was put back"
            )
        raise GradcheckError(
            f"{call} changed the parameter {where} in place (an update step inside it?); "
            f"gradcheck calls it again at perturbed parameters, so it must only compute: move the "
            f"update into a method of its own (e.g. update_parameters). {where} was put back"
        )

    def _refuse_scalar_parameters(self, made_by_backward: Mapping[_Loc, np.ndarray]) -> None:
        """A parameter held as a number (``self.b = 0.0``) cannot be perturbed in place. When
        backward makes a gradient named after it, leaving it out would pass a partial check off
        as a whole one, so say so."""
        if self.explicit_params is not None:
            return
        attributes = _instance_attributes(self.obj)
        for attr, value in attributes.items():
            if not _is_number(value) or isinstance(value, np.ndarray) or not _weight_like(attr):
                continue
            names = _gradient_names(attr)
            grad = next((g for g in made_by_backward if g.leaf in names), None)
            if grad is None:  # a gradient that is itself a Python number: self.db = float(...)
                held = [n for n in names if _is_number(attributes.get(n))]
                grad = _Loc(held[0]) if held else None
            if grad is not None:
                kind = _type_name(value)
                raise GradcheckError(
                    f"self.{attr} is {'an' if kind[0] in 'aeiou' else 'a'} {kind} ({value!r}), "
                    f"and backward makes its "
                    f"gradient self.{grad.name}; gradcheck perturbs parameters in place, so it "
                    f"needs an array: self.{attr} = np.array({float(value)!r}) behaves the same "
                    f"in your code (or check the others only, with params=[...])"
                )

    def calls_label(self, calls: Sequence[tuple[str, Callable[..., Any]]]) -> str:
        return " or ".join(f"{self.cls}.{name}()" for name, _ in calls) or f"{self.cls}"

    @staticmethod
    def _is_input(loc: _Loc) -> bool:
        return loc.key is _NO_KEY and loc.attr in INPUT_ATTRIBUTES

    def _looks_like_parameter(
        self, loc: _Loc, made_by_backward: Mapping[_Loc, np.ndarray], *, strict: bool = False
    ) -> bool:
        """Named as a parameter (``params=``), or with a gradient backward made under a name that
        pairs with it (``dW1`` for ``W1``, ``dW[1]`` for ``W[1]``); unless ``strict``, also any
        weight-like name (``W1``, ``params['b2']``)."""
        if self.explicit_params is not None:
            return loc.attr in self.explicit_params
        if self._is_input(loc) or _plain(loc.attr) in CACHE_CONTAINERS | GRAD_CONTAINERS:
            return False
        leaf = loc.leaf
        for g in made_by_backward:
            if leaf is not None and g.leaf in _gradient_names(leaf):
                return True
            if loc.key is not _NO_KEY and g.key == loc.key and g.attr in _gradient_names(loc.attr):
                return True
        return not strict and leaf is not None and _weight_like(leaf)

    def _find_stored_cost(
        self, value: Any, fwd: _Forwarded | None, stored_before: Mapping[str, Any]
    ) -> str | None:
        """Where the cost comes from: ``None`` for a returned value (of the cost method, or of
        forward when there is no cost method), else the attribute that holds it."""
        if not self.cost_attrs_given:
            if self.cost and value is not None:
                return None
            if not self.cost and fwd is not None and _is_number(fwd.output):
                return None
        present = [a for a in self.cost_attrs if _is_number(getattr(self.obj, a, None))]
        # Prefer an attribute the call just wrote over one that merely holds a number.
        changed = [a for a in present if getattr(self.obj, a) is not stored_before.get(a)]
        if present:
            chosen = (changed or present)[0]
            after = (self.cost or self.forward)[-1][0]
            self.notes.append(f"the cost is read from self.{chosen} after {after}()")
            return chosen
        called = " and ".join(f"{n}()" for n, _ in self.forward + self.cost)
        raise GradcheckError(
            f"{called} returned no cost and stored none on {self.cls} (looked at "
            f"{', '.join('self.' + a for a in self.cost_attrs)}); return the cost, or name the "
            f"attribute that holds it with cost=['<method>', '<attribute>']"
        )

    # ---- parameters and their gradients ------------------------------------------------

    def _selected(
        self, names: Sequence[str], keyword: str, returned: Mapping[str, Any] | None = None
    ) -> dict[_Loc, np.ndarray]:
        attributes = _instance_attributes(self.obj)
        found: dict[_Loc, np.ndarray] = {}
        for name in names:
            if returned and name in returned:
                found.update(_arrays_in(name, returned[name], returned=True))
                continue
            if name not in attributes:
                holding = sorted({loc.attr for loc in _reachable(self.obj)})
                raise GradcheckError(
                    f"{self.cls} has no attribute {name!r} ({keyword}={name!r}); attributes "
                    f"holding arrays: {', '.join(holding) or '(none)'}"
                )
            arrays = _arrays_in(name, attributes[name])
            if not arrays:
                raise GradcheckError(
                    f"{keyword}={name!r}: self.{name} holds no NumPy arrays (it is a "
                    f"{_type_name(attributes[name])}"
                    + (" and empty" if isinstance(attributes[name], (Mapping, list, tuple)) else "")
                    + ")"
                )
            found.update(arrays)
        return found

    def _classify(
        self,
        before: Mapping[_Loc, np.ndarray],
        made_by_forward: set[_Loc],
        made_by_backward: Mapping[_Loc, np.ndarray],
        untouched: Mapping[_Loc, np.ndarray],
        returned: Mapping[str, Any],
    ) -> None:
        inputs = [
            a for loc, a in before.items() if loc.key is _NO_KEY and loc.attr in INPUT_ATTRIBUTES
        ]
        self.input_arrays = inputs

        if self.explicit_grads is not None:
            pool = self._selected(self.explicit_grads, "grads", returned)
            grad_containers = set(self.explicit_grads)
        else:
            pool = {loc: a for loc, a in made_by_backward.items() if _is_float(a)}
            grad_containers = {
                loc.attr
                for loc in pool
                if loc.key is not _NO_KEY and _plain(loc.attr) in GRAD_CONTAINERS
            } | {loc.attr for loc in pool if loc.returned and loc.key is not _NO_KEY}

        if self.explicit_params is not None:
            candidates = self._selected(self.explicit_params, "params")
            for loc in candidates:
                if loc in made_by_forward:
                    self.notes.append(
                        f"forward replaces or rewrites {loc.name} on every call; it is read from "
                        f"self.{loc.attr} each time, but a check can only perturb what forward reads"
                    )
        else:
            candidates = {
                loc: a
                for loc, a in untouched.items()
                if _is_float(a)
                and not any(a is x for x in inputs)
                and not (loc.key is _NO_KEY and loc.attr in INPUT_ATTRIBUTES)
                and _plain(loc.attr) not in CACHE_CONTAINERS
                and loc not in pool
            }

        by_name = {loc: self._pair_by_name(loc, pool, grad_containers) for loc in candidates}
        if self.explicit_params is None:
            mirrors = self._mirrors(by_name, candidates, pool)
            candidates = {loc: a for loc, a in candidates.items() if loc not in mirrors}
        if self.explicit_params is not None:
            accepted = set(candidates)
        else:
            accepted = {
                loc
                for loc in candidates
                if by_name[loc] is not None
                or (loc.key is _NO_KEY and _weight_like(loc.attr))
                or (loc.key is not _NO_KEY and _plain(loc.attr) in PARAM_CONTAINERS)
            }
            # A container with one parameter in it is a parameter container: its other entries are
            # parameters too, even without a gradient (the engine then reports them as missing).
            containers = {loc.attr for loc in accepted if loc.key is not _NO_KEY}
            accepted |= {
                loc for loc in candidates if loc.key is not _NO_KEY and loc.attr in containers
            }
        if not accepted:
            self._no_parameters(candidates, before)

        ordered = _by_layer(
            self._distinct([loc for loc in candidates if loc in accepted], candidates)
        )
        pairs: dict[str, _Loc] = {}
        for loc in ordered:
            found = by_name[loc]
            if found is not None:
                pairs[loc.name] = found
        self._pair_by_shape(ordered, pairs, pool, candidates)
        self.param_locs = {loc.name: loc for loc in ordered}
        self.pairs = pairs
        for loc in ordered:
            validate_array(loc.name, loc.read(self.obj, {}))

    def _mirrors(
        self,
        by_name: Mapping[_Loc, _Loc | None],
        candidates: Mapping[_Loc, np.ndarray],
        pool: Mapping[_Loc, np.ndarray],
    ) -> set[_Loc]:
        """Arrays that share a parameter's name without being one: an optimizer's moments
        (``m['W1']``, ``v['W1']``) or constants keyed by parameter name pair with ``dW1`` as well as
        ``params['W1']`` does. One gradient belongs to one parameter: the one held like a parameter
        (a bare attribute, or an entry of params/weights/...). The others, and every entry of their
        containers, are left out; two such holders of different arrays are an ambiguity."""
        claims: dict[int, list[_Loc]] = {}
        gradient: dict[int, _Loc] = {}
        for loc, g in by_name.items():
            if g is not None:
                claims.setdefault(id(pool[g]), []).append(loc)
                gradient[id(pool[g])] = g
        mirrors: set[_Loc] = set()
        for key, locs in claims.items():
            if len({id(candidates[loc]) for loc in locs}) < 2:
                continue  # one array under two names: `_distinct` checks it once
            held = [
                loc for loc in locs if loc.key is _NO_KEY or _plain(loc.attr) in PARAM_CONTAINERS
            ]
            if len({id(candidates[loc]) for loc in held}) != 1:
                names = ", ".join(loc.name for loc in locs)
                raise GradcheckError(
                    f"the gradient {gradient[key].name} pairs by name with {names}, which are "
                    f"different arrays; say which are the parameters with params='...'"
                )
            mirrors |= {loc for loc in locs if candidates[loc] is not candidates[held[0]]}
        mirrored = {loc.attr for loc in mirrors if loc.key is not _NO_KEY}
        if mirrors:
            self.notes.append(
                f"{', '.join(sorted(mirrored or {loc.name for loc in mirrors}))} share the "
                f"parameters' names but are not parameters (optimizer state?); not checked"
            )
        return mirrors | {
            loc for loc in candidates if loc.key is not _NO_KEY and loc.attr in mirrored
        }

    def _distinct(self, locs: list[_Loc], arrays: Mapping[_Loc, np.ndarray]) -> list[_Loc]:
        """One report name per array: ``self.W1`` and ``self.params['W1']`` holding the same array
        are one parameter (perturbing it twice would double-count it), reported under the first."""
        kept: list[_Loc] = []
        for loc in locs:
            twin = next((k for k in kept if arrays[k] is arrays[loc]), None)
            if twin is None:
                kept.append(loc)
            else:
                self.notes.append(f"{loc.name} is the same array as {twin.name}; checked once")
        return kept

    def _pair_by_name(
        self, loc: _Loc, pool: Mapping[_Loc, np.ndarray], grad_containers: set[str]
    ) -> _Loc | None:
        """``W[1]`` <-> ``dW[1]``; ``params['W1']`` <-> ``grads['dW1']`` or ``grads['W1']``;
        ``W1`` <-> ``dW1``. Two different arrays that both fit are an ambiguity, never a guess."""
        matches: list[_Loc] = []
        leaf = loc.leaf
        for g in pool:
            # dW[1] for W[1]: a gradient container named after the parameter container, same key.
            by_container = (
                loc.key is not _NO_KEY and g.key == loc.key and g.attr in _gradient_names(loc.attr)
            )
            # dW1 (attribute or key) for W1 (attribute or key).
            by_leaf = leaf is not None and g.leaf in _gradient_names(leaf)
            # grads['W1'] for params['W1']: a gradients container keyed by the parameter's name.
            by_key = leaf is not None and g.key == leaf and g.attr in grad_containers
            if by_container or by_leaf or by_key:
                matches.append(g)
        distinct: list[_Loc] = []
        for g in matches:
            if not any(pool[g] is pool[d] for d in distinct):
                distinct.append(g)
        if len(distinct) > 1:
            names = ", ".join(g.name for g in distinct)
            raise GradcheckError(
                f"the gradient of {loc.name} could be any of {names}; say which with "
                f"grads={distinct[0].attr!r} (the attribute or dict holding the gradients)"
            )
        return distinct[0] if distinct else None

    def _pair_by_shape(
        self,
        ordered: Sequence[_Loc],
        pairs: dict[str, _Loc],
        pool: Mapping[_Loc, np.ndarray],
        candidates: Mapping[_Loc, np.ndarray],
    ) -> None:
        """For groups in which no name paired (``weights`` with ``nabla_w``), pair by shape.

        A group (one container, or the bare attributes) where some names paired is left alone: a
        parameter there without a gradient is a missing gradient, and the report should say so.
        Only a unique shape match counts; two of the same shape are an ambiguity."""
        groups: dict[str | None, list[_Loc]] = {}
        for loc in ordered:
            groups.setdefault(None if loc.key is _NO_KEY else loc.attr, []).append(loc)
        used = set(pairs.values())
        for group in groups.values():
            if any(loc.name in pairs for loc in group):
                continue
            # Whole containers first: a gradient container with the same keys and shapes.
            if group[0].key is not _NO_KEY:
                match = self._pair_container(group, pool, candidates, used)
                if match is not None:
                    for loc, g in match.items():
                        pairs[loc.name] = g
                        used.add(g)
                    self.notes.append(
                        f"{group[0].attr} paired with {next(iter(match.values())).attr} by shape"
                    )
                    continue
            for loc in group:
                shape = candidates[loc].shape
                fits = [g for g, a in pool.items() if a.shape == shape and g not in used]
                if len(fits) == 1:
                    pairs[loc.name] = fits[0]
                    used.add(fits[0])
                    self.notes.append(f"{loc.name} paired with {fits[0].name} by shape")
                elif len(fits) > 1:
                    raise GradcheckError(
                        f"no gradient of {loc.name} is named like it, and several have its shape "
                        f"{shape}: {', '.join(g.name for g in fits)}; say which attribute holds the "
                        f"gradients with grads='...'"
                    )

    @staticmethod
    def _pair_container(
        group: Sequence[_Loc],
        pool: Mapping[_Loc, np.ndarray],
        candidates: Mapping[_Loc, np.ndarray],
        used: set[_Loc],
    ) -> dict[_Loc, _Loc] | None:
        by_container: dict[tuple[str, bool], dict[Any, _Loc]] = {}
        for g in pool:
            if g.key is not _NO_KEY and g not in used:
                by_container.setdefault((g.attr, g.returned), {})[g.key] = g
        fitting = []
        for entries in by_container.values():
            if len(entries) == len(group) and all(
                loc.key in entries and pool[entries[loc.key]].shape == candidates[loc].shape
                for loc in group
            ):
                fitting.append({loc: entries[loc.key] for loc in group})
        return fitting[0] if len(fitting) == 1 else None

    def _no_parameters(
        self, candidates: Mapping[_Loc, np.ndarray], before: Mapping[_Loc, np.ndarray]
    ) -> None:
        seen = ", ".join(loc.name for loc in before) or "(none)"
        raise GradcheckError(
            f"could not tell which arrays of {self.cls} are its parameters: none is named like a "
            f"weight or bias or held in a dict called params/parameters/weights, and none has a "
            f"gradient that backward wrote under a matching name (arrays seen: {seen}); name them "
            f"with params='...'"
        )

    # ---- what the Model needs besides loss and grads ----------------------------------

    def owned(self) -> dict[str, np.ndarray]:
        param_ids = {id(loc.read(self.obj, {})) for loc in self.param_locs.values()}
        return {loc.name: a for loc, a in _reachable(self.obj).items() if id(a) not in param_ids}

    def batch_size(self) -> int | None:
        attrs = _instance_attributes(self.obj)
        m = attrs.get("m")
        if isinstance(m, (int, np.integer)) and not isinstance(m, bool) and m > 0:
            return int(m)
        X = next((attrs[n] for n in X_NAMES if n in attrs), None)
        Y = next((attrs[n] for n in Y_NAMES if n in attrs), None)
        return infer_batch_size(X, Y)

    def trace_targets(self) -> tuple[Callable[..., Any], ...]:
        """The methods the user wrote on this class (helpers included), for a NaN-origin tracer."""
        cls = type(self.obj)
        targets: list[Callable[..., Any]] = [
            fn for _, fn in self.forward + self.cost + self.backward
        ]
        for fn in self._methods().values():
            func = getattr(fn, "__func__", fn)
            if getattr(func, "__module__", None) == cls.__module__ and fn not in targets:
                targets.append(fn)
        return tuple(targets)

    def source(self) -> str | None:
        cls = type(self.obj)
        try:
            file = inspect.getsourcefile(cls)
            _, line = inspect.getsourcelines(cls)
        except (OSError, TypeError):
            return None
        return f"{file}:{line}" if file else None


def _put_back(obj: object, loc: _Loc, array: np.ndarray) -> None:
    """Store ``array`` where ``loc`` points again (an attribute, or a dict or list entry)."""
    if loc.key is _NO_KEY:
        setattr(obj, loc.attr, array)
        return
    container = getattr(obj, loc.attr, None)
    try:
        container[loc.key] = array  # type: ignore[index]
    except (TypeError, KeyError, IndexError):
        pass  # a tuple: nothing to put back into


def _layer_of(loc: _Loc) -> int | None:
    """1 for ``W[1]``, ``params['W1']`` and ``W1``; None when the name carries no layer number."""
    if isinstance(loc.key, (int, np.integer)) and not isinstance(loc.key, bool):
        return int(loc.key)
    leaf = loc.leaf or ""
    digits = ""
    for ch in reversed(leaf):
        if not ch.isdigit():
            break
        digits = ch + digits
    return int(digits) if digits else None


def _by_layer(locs: list[_Loc]) -> list[_Loc]:
    """Layer by layer (``W[1], b[1], W[2], b[2]``) when every name has a layer number; otherwise
    the order of the user's own attributes and keys."""
    layers = [_layer_of(loc) for loc in locs]
    if any(layer is None for layer in layers):
        return locs
    order = sorted(range(len(locs)), key=lambda i: (layers[i], i))
    return [locs[i] for i in order]


class _LiveParams(Mapping[str, np.ndarray]):
    """Report name -> the array the object holds *now*.

    Read through the container on every access, so that a training step that replaces
    ``self.params['W1']`` with a new array (``W = W - lr * dW``) does not leave the check holding a
    stale copy."""

    def __init__(self, obj: object, locs: Mapping[str, _Loc]) -> None:
        self._obj = obj
        self._locs = dict(locs)

    def __getitem__(self, name: str) -> np.ndarray:
        value = self._locs[name].read(self._obj, {})
        if not isinstance(value, np.ndarray):
            raise GradcheckError(f"parameter {name!r} is no longer a NumPy array")
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._locs)

    def __len__(self) -> int:
        return len(self._locs)

    def __repr__(self) -> str:
        return f"LiveParams({', '.join(self._locs)})"


def from_object(
    obj: object,
    params: str | Sequence[str] | None = None,
    grads: str | Sequence[str] | None = None,
    forward: str | Sequence[str] | None = None,
    cost: str | Sequence[str] | None = None,
    backward: str | Sequence[str] | None = None,
    **inputs: object,
) -> Model:
    """Build a :class:`Model` from an object that keeps its parameters and gradients on ``self``.

    Each keyword takes an attribute or method name, or a list of them; what is left out is
    detected. Methods: forward (``forward``, ``forward_propagation``, ``feedforward``, ...), cost
    (``cost``, ``compute_cost``, ``loss``, ...; it may return the value or store it on ``self.cost``/
    ``self.loss``), backward (``backward``, ``backward_propagation``, ``backprop``, ...). Their
    arguments are bound by name like the trio's, from what forward returned, from keyword
    ``inputs`` and from the object's attributes.

    Parameters and gradients are found by calling forward, cost and backward once and watching
    which arrays each call creates or writes: backward's are gradients, forward's are caches, and
    float arrays nothing touched are parameters when they are named like one (``W1``, ``b``,
    ``params['W1']``, ``W[1]``) or have a gradient named like them (``dW1``, ``dW[1]``,
    ``grads['dW1']``); failing names, gradients are paired by shape. Report names follow the
    user's code: ``W[1]``, ``params['W1']``, ``W1``.
    """
    if inspect.isclass(obj):
        raise GradcheckError(
            f"from_object needs an instance of {obj.__name__}, not the class itself: create it "
            f"(and initialise its parameters) first, e.g. net = {obj.__name__}(...)"
        )
    if (
        obj is None
        or inspect.isroutine(obj)
        or inspect.ismodule(obj)
        or isinstance(obj, (Mapping, list, tuple, np.ndarray, str, int, float))
    ):
        raise GradcheckError(
            f"from_object needs a model object (an instance of your network class); got a "
            f"{_type_name(obj)}"
        )
    adapted = _ObjectModel(obj, params, grads, forward, cost, backward, inputs)
    extra: dict[str, Any] = {
        "object": adapted.cls,
        "notes": tuple(adapted.notes),
        "loss_label": adapted.calls_label(adapted.forward + adapted.cost),
        "grads_label": adapted.calls_label(adapted.forward + adapted.backward),
    }
    batch = adapted.batch_size()
    if batch is not None:
        extra["batch_size"] = batch
    return Model(
        params=_LiveParams(obj, adapted.param_locs),
        loss=adapted.loss,
        grads=adapted.grads,
        grad_keys={name: name for name in adapted.pairs},
        form="object",
        source=adapted.source(),
        trace_targets=adapted.trace_targets(),
        owned_arrays=adapted.owned,
        extra=extra,
    )


# --------------------------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------------------------


def make_model(
    *,
    loss: object = None,
    grads: object = None,
    params: object = None,
    forward: object = None,
    cost: object = None,
    backward: object = None,
    X: object = None,
    Y: object = None,
    **inputs: object,
) -> Model:
    """Build a :class:`Model` from loose functions or from a forward/cost/backward trio.

    Loose form: ``loss(params) -> float``, ``grads(params) -> mapping``, ``params`` a mapping of
    name -> array. Gradient keys may be the names or ``'d' + name``; extra keys are ignored.

    Trio: ``forward``, ``cost`` and ``backward`` with their own signatures; every argument is bound
    by its name (see :class:`_Binder` for the order). ``X``, ``Y`` and any further keyword
    (``lambd=0.7``) are offered under their names. Forward runs once here, so that an argument that
    cannot be bound is reported now, naming the function, the argument and the names on offer.
    """
    trio = [
        n
        for n, v in (("forward", forward), ("cost", cost), ("backward", backward))
        if v is not None
    ]
    loose = [n for n, v in (("loss", loss), ("grads", grads)) if v is not None]
    if trio and loose:
        raise GradcheckError(
            f"give either loss/grads (the loose form) or forward/cost/backward (the trio), not both; "
            f"got {', '.join(loose + trio)}"
        )
    if trio:
        return _make_trio(forward, cost, backward, params, X, Y, inputs)
    if inputs:
        raise GradcheckError(
            f"the loose form takes loss, grads, params (and optionally X and Y); unexpected: "
            f"{', '.join(sorted(inputs))} (inputs belong inside your loss and grads functions, or "
            f"use the forward/cost/backward trio, which binds them by name)"
        )
    return _make_loose(loss, grads, params, X, Y)
