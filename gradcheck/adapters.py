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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradcheck.errors import GradcheckError
from gradcheck.model import Model

__all__ = ["infer_batch_size", "make_model", "returned_names", "validate_params"]


# --------------------------------------------------------------------------------------------
# Validation at the boundary
# --------------------------------------------------------------------------------------------


def _type_name(value: object) -> str:
    return type(value).__name__


def validate_array(name: str, value: object) -> np.ndarray:
    """Return ``value`` if the engine can perturb it in place, else raise naming ``name``.

    Why each rule: an integer array cannot hold ``x + h`` for a small step ``h`` (the step rounds
    away and every numeric gradient is 0); a read-only array cannot be perturbed in place; a list or
    a Python float would have to be copied into an array, and the user's code would then never see
    the perturbation.
    """
    if not isinstance(value, np.ndarray):
        raise GradcheckError(
            f"parameter {name!r} is a {_type_name(value)}, not a NumPy array; the check perturbs "
            f"parameters in place, so pass the array your code reads (e.g. np.asarray(..., dtype=float) "
            f"stored where your code finds it)"
        )
    if value.dtype.kind != "f":
        raise GradcheckError(
            f"parameter {name!r} has dtype {value.dtype}, not a floating-point dtype: a small step "
            f"cannot be represented in it; convert it with .astype(np.float64)"
        )
    if not value.flags.writeable:
        raise GradcheckError(
            f"parameter {name!r} is read-only (flags.writeable is False): the check perturbs "
            f"parameters in place; pass a writeable array (e.g. a .copy())"
        )
    return value


def validate_params(params: object, *, what: str = "params") -> dict[str, np.ndarray]:
    """Check a user's parameter mapping and return it as report name -> live array.

    Keys that are not strings (``{1: W1, 2: W2}``) are reported under ``str(key)``; the values are
    the user's arrays themselves.
    """
    if not isinstance(params, Mapping):
        raise GradcheckError(
            f"{what} must be a mapping of name -> NumPy array (e.g. {{'W1': W1, 'b1': b1}}); "
            f"got a {_type_name(params)}"
        )
    if len(params) == 0:
        raise GradcheckError(f"{what} is empty: there is no parameter to check")
    out: dict[str, np.ndarray] = {}
    for key, value in params.items():
        name = key if isinstance(key, str) else str(key)
        if name in out:
            raise GradcheckError(
                f"{what} has two keys that both read as {name!r} ({key!r} and another); "
                f"rename one of them"
            )
        out[name] = validate_array(name, value)
    return out


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
    live = validate_params(params)
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
OUTPUT_NAMES = ("AL", "output", "out", "y_hat", "yhat", "A", "probs", "scores")


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
    dict; the argument's own default. Names forward returned come before the aliases so that
    ``return Z, A, cache`` binds ``A`` to ``A``, not to the last element.
    """

    def __init__(
        self,
        params: Mapping[Any, Any],
        names: Mapping[str, Any],
        X: object,
        Y: object,
        inputs: Mapping[str, object],
    ) -> None:
        self.params = params  # the user's own mapping, read live on every call
        self.param_keys = names  # report name -> key in the user's mapping
        self.X, self.Y = X, Y
        self.inputs = inputs

    def _static_source(self, arg: str) -> tuple[str, str] | None:
        if arg in self.inputs:
            return ("input", arg)
        if arg in PARAMS_NAMES:
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
        return None

    def on_offer(self, fwd: _Forwarded | None) -> list[str]:
        offer: list[str] = list(self.inputs) + list(PARAMS_NAMES)
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
        if src == "X":
            return self.X
        if src == "Y":
            return self.Y
        if src == "param":
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


def infer_batch_size(X: object, Y: object) -> int | None:
    """The number of examples, when the shapes of X and Y say it without ambiguity.

    Course code keeps examples in columns (X: features x m, Y: 1 x m); most other code keeps them
    in rows (X: m x features, Y: m or m x classes). Used by the diagnosis of a missing 1/m.
    """
    xs = getattr(X, "shape", None)
    ys = getattr(Y, "shape", None)
    if not xs or not ys:
        return None
    if len(ys) == 1:
        return int(ys[0]) if ys[0] in (xs[0], xs[-1]) else None
    rows = ys[0] == xs[0]
    cols = ys[-1] == xs[-1]
    if rows and not cols:
        return int(ys[0])
    if cols and not rows:
        return int(ys[-1])
    if rows and cols:
        # Y is 1 x m or m x 1: the long side is the batch.
        if ys[0] == 1 and ys[-1] != 1:
            return int(ys[-1])
        if ys[-1] == 1 and ys[0] != 1:
            return int(ys[0])
    return None


def _batch_extra(X: object, Y: object) -> dict[str, Any]:
    batch = infer_batch_size(X, Y)
    return {} if batch is None else {"batch_size": batch}


def _owned_arrays(values: Mapping[str, object]) -> Callable[[], Mapping[str, np.ndarray]] | None:
    arrays = {k: v for k, v in values.items() if isinstance(v, np.ndarray)}
    if not arrays:
        return None
    return lambda: dict(arrays)


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
    live = validate_params(params)
    assert isinstance(params, Mapping)
    keys = {name: key for name, key in zip(live, params)}
    binder = _Binder(params, keys, X, Y, inputs)
    trio = _Trio(fwd_fn, cost_fn, back_fn, binder)

    return Model(
        params=live,
        loss=trio.loss,
        grads=trio.grads,
        form="trio",
        source=_source_of(_underlying_function(fwd_fn)),
        trace_targets=(fwd_fn, cost_fn, back_fn),
        owned_arrays=_owned_arrays({"X": X, "Y": Y, **inputs}),
        extra=_batch_extra(X, Y),
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
