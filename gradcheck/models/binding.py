"""Binding the user's functions' arguments by name, the way pytest passes fixtures.

The trio's and an object's methods keep their own signatures: every argument is looked up by its
name among what is on offer (keyword inputs, params, X and Y, what forward returned, the cache, the
parameters, an object's attributes), planned once from the signature and read live on every call.
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradcheck.errors import GradcheckError
from gradcheck.models.source import describe

PARAMS_NAMES = ("params", "parameters", "params_values")
X_NAMES = ("X", "x", "inputs")
Y_NAMES = ("Y", "y", "labels", "targets")
CACHE_NAMES = ("cache", "caches", "memory")
# ``Y_hat``/``Yhat`` go beyond INTERFACE.md: seed 001 names its cost argument ``Y_hat``.
OUTPUT_NAMES = ("AL", "output", "out", "y_hat", "yhat", "Y_hat", "Yhat", "A", "probs", "scores")


@dataclass
class Forwarded:
    """What one forward call produced, sorted into the roles cost and backward may ask for."""

    value: Any
    output: Any
    cache: Any
    has_cache: bool
    named: dict[str, Any]  # names from forward's return statement and keys of returned dicts
    cache_keys: dict[str, Any]  # keys of a cache dict (the second element of a pair)


def sort_forward_result(result: Any, names: tuple[str | None, ...] | None) -> Forwarded:
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
    return Forwarded(result, output, cache, has_cache, named, cache_keys)


# One bound argument: (argument name, how it is passed, where the value comes from, key).
# Sources: "input", "params", "X", "Y", "named", "cache", "output", "param", "cache_key", "attr",
# "global" (a module-level value of the user's file, read live), and "default" (the key is then the
# default value itself).
Slot = tuple[str, str, str, Any]


class Binder:
    """Resolves argument names of the user's functions to live values.

    Order for an argument called ``n`` (first match wins): a keyword input given explicitly
    (``lambd=0.7``); ``params``/``parameters``; ``X``/``x``/``inputs`` and ``Y``/``y``/``labels``/
    ``targets``; a value forward returned under the name ``n`` (its return statement, a returned
    dict's key); ``cache``/``caches``; the output aliases; a parameter called ``n``; a key of the cache
    dict; (for a stateful object) an attribute of the object called ``n``, read live; a module-level
    value of the user's file called ``n`` (``lambd``, ``keep_prob``, ``nn_architecture``; no array
    unless ``module_arrays``), read live;
    the one name on offer that differs from ``n`` only in case (``a3`` for forward's ``A3``); the
    argument's own default, or the default a sibling function gives the same name
    (``backward_propagation_with_dropout(..., keep_prob)`` takes forward's ``keep_prob=0.5``). Names
    forward returned come before the aliases so that ``return Z, A, cache`` binds ``A`` to ``A``,
    not to the last element.
    """

    def __init__(
        self,
        params: Mapping[Any, Any] | None,
        names: Mapping[str, Any],
        X: object,
        Y: object,
        inputs: Mapping[str, object],
        obj: object = None,
        module: Mapping[str, Any] | None = None,
        defaults: Mapping[str, Any] | None = None,
        module_arrays: bool = False,
    ) -> None:
        self.params = params  # the user's own mapping, read live on every call
        self.param_keys = names  # report name -> key in the user's mapping
        self.X, self.Y = X, Y
        self.inputs = inputs
        self.obj = obj  # a stateful object whose attributes are on offer
        self.module = module if module is not None else {}  # the user's module namespace
        self.defaults = defaults if defaults is not None else {}  # sibling functions' defaults
        # Module-level arrays are on offer only to a loss with no forward (softmax_loss(W, ...)):
        # next to a forward, a module-level A2 or cache is a stale result of a cell that ran it.
        self.module_arrays = module_arrays

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

    def source(self, arg: str, fwd: Forwarded | None) -> tuple[str, str] | None:
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
        value = self.module.get(arg)
        if is_module_value(value) and (self.module_arrays or not holds_array(value)):
            return ("global", arg)
        return None

    def folded(self, arg: str, fwd: Forwarded | None) -> tuple[str, str] | None:
        """The source of the one name on offer equal to ``arg`` but for case (``a3`` -> ``A3``)."""
        matches = [n for n in self.on_offer(fwd) if n.lower() == arg.lower() and n != arg]
        if len(matches) != 1:
            return None
        return self.source(matches[0], fwd)

    def on_offer(self, fwd: Forwarded | None) -> list[str]:
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

    def plan(
        self, role: str, fn: Callable[..., Any], fwd: Forwarded | None, first: str | None = None
    ) -> list[Slot]:
        """Decide once, from the signature, where every argument of ``fn`` comes from. With
        ``first`` (``"output"``: forward's output; ``"given"``: the value passed to :meth:`call`),
        the first argument comes from there whatever its name (``softmax_loss(x, y)``'s ``x``,
        ``backward(dout)``'s ``dout``)."""
        try:
            sig = inspect.signature(fn)
        except (TypeError, ValueError) as exc:
            raise GradcheckError(
                f"cannot read the signature of the {role} function {fn!r}: {exc}"
            ) from None
        slots: list[Slot] = []
        pending_defaults: list[Slot] = []
        params = list(sig.parameters.values())
        if first is not None and params:
            slots.append((params[0].name, "positional", first, None))
            params = params[1:]
        for p in params:
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                continue
            how = "positional" if p.kind is p.POSITIONAL_ONLY else "keyword"
            found = self.source(p.name, fwd)
            if found is None and p.default is p.empty:
                found = self.folded(p.name, fwd)
            if found is None and p.default is p.empty and p.name in self.defaults:
                found = ("default", self.defaults[p.name])
            if found is None:
                if p.default is not p.empty:
                    # A skipped positional-only argument must still be passed if a later one is.
                    if how == "positional":
                        pending_defaults.append((p.name, how, "default", p.default))
                    continue
                raise GradcheckError(self._unbound(p.name, role, fn, fwd))
            if how == "positional":
                slots.extend(pending_defaults)
                pending_defaults = []
            slots.append((p.name, how, found[0], found[1]))
        return slots

    def _unbound(self, arg: str, role: str, fn: Callable[..., Any], fwd: Forwarded | None) -> str:
        """The error for an argument nothing binds, with advice that works when followed: a
        forward result must come from forward (a fixed keyword would freeze it, and a correct model
        would FAIL); a fixed value (a hyperparameter) may be passed."""
        offer = self.on_offer(fwd)
        close = difflib.get_close_matches(arg, offer, n=1, cutoff=0.75)
        hint = f"Did you mean {close[0]!r}? Rename the argument to it. " if close else ""
        return (
            f"cannot bind argument {arg!r} of {describe(role, fn)}: nothing on offer is called "
            f"{arg!r}. Names on offer: {', '.join(offer)}. {hint}If forward computes it, return "
            f"it from forward under that name; if it is a fixed value (a hyperparameter), give it: "
            f"a module-level {arg} = ..., --set {arg}=VALUE, or gradcheck.check(..., {arg}=...)."
        )

    def call(
        self,
        fn: Callable[..., Any],
        slots: Sequence[Slot],
        fwd: Forwarded | None,
        given: Any = None,
    ) -> Any:
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        for name, how, src, key in slots:
            value = given if src == "given" else self.value(src, key, fwd)
            if how == "positional":
                args.append(value)
            else:
                kwargs[name] = value
        return fn(*args, **kwargs)

    def value(self, src: str, key: Any, fwd: Forwarded | None) -> Any:
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
        if src == "global":
            return self.module[key]
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


def is_module_value(value: object) -> bool:
    """A module-level value an argument may be bound to: data or a hyperparameter, not a function,
    class or imported module (and not a name the module does not define: None)."""
    if value is None:
        return False
    return not (inspect.isroutine(value) or inspect.isclass(value) or inspect.ismodule(value))


def holds_array(value: object, depth: int = 3) -> bool:
    """An array, or a container holding one (``cache = (Z1, A1, ...)``), a few levels down."""
    if isinstance(value, np.ndarray):
        return True
    if depth == 0:
        return False
    if isinstance(value, Mapping):
        return any(holds_array(v, depth - 1) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(holds_array(v, depth - 1) for v in value)
    return False


def shared_defaults(*fns: Callable[..., Any]) -> dict[str, Any]:
    """Defaults the given functions give their arguments, by name (the first function that gives
    one wins): what a sibling without a default for the same name is called with."""
    found: dict[str, Any] = {}
    for fn in fns:
        try:
            params = inspect.signature(fn).parameters.values()
        except (TypeError, ValueError):
            continue
        for p in params:
            if p.default is not p.empty:
                found.setdefault(p.name, p.default)
    return found
