"""Health readings of a watched run: per tensor the norm, the gradient norm and the update/weight ratio.

Every :attr:`~gradcheck.train.options.WatchOptions.every` calls the watch reads the parameters' norms
and their gradients' norms and keeps a copy of the weights; one step later the ratio
``||W_now - W_before|| / ||W_before||`` is that step's update over the weights. Parameters are given
(``params=``) or found by name: the arrays on ``self`` (or the dict arguments of a function) that have a
gradient named like them among what the call produced.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from gradcheck.report.training import TensorHealth
from gradcheck.train.arrays import ResultNames, is_float_array, object_arrays
from gradcheck.train.names import cache_like, is_weight_name, pair_gradients

__all__ = ["HealthReadings", "ParamsSpec"]

#: What ``params=`` may be: a mapping, or a zero-argument callable returning one (read live).
ParamsSpec = Mapping[str, np.ndarray] | Callable[[], Mapping[str, np.ndarray]] | None


class _Series:
    """Readings of one tensor, appended at reading steps."""

    __slots__ = ("grad_norms", "norms", "ratios", "shape")

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape
        self.norms: list[tuple[int, float]] = []
        self.grad_norms: list[tuple[int, float]] = []
        self.ratios: list[tuple[int, float]] = []


def _norm(a: np.ndarray) -> float:
    """The Frobenius norm in one BLAS call (vdot flattens; abs() for complex arrays)."""
    return math.sqrt(abs(float(np.vdot(a, a))))


class HealthReadings:
    """The series of one watch, and which arrays are its parameters and their gradients."""

    def __init__(self, params: ParamsSpec, names: ResultNames) -> None:
        self._params = params
        self._names = names
        self._series: dict[str, _Series] = {}
        self._snapshot: dict[str, np.ndarray] = {}
        self.pending = False  # a copy of the weights waits for the next step (the update ratio)
        self._param_names: dict[str, str] | None = None  # param name -> gradient name
        self._arg_params: dict[str, tuple[int, Any]] | None = None  # param -> (argument, key)
        #: The gradients seen at the last reading, by gradient name (for gradient_norm_health).
        self.last_grads: dict[str, np.ndarray] = {}
        self._norms_before: dict[str, float] = {}  # every candidate's norm before the first call

    def before_first(self, state: Any, args: tuple[Any, ...]) -> None:
        """The norms before the first update, of every array that may turn out to be a parameter.

        Which arrays are parameters is known only after the first call (their gradients pair them),
        so the norm of every candidate is kept once; "norm first" is then the norm at step 0, not
        after the first update. Called with NumPy's errors ignored and the watch's callback paused.
        """
        spec = self._params
        found: dict[str, np.ndarray] = {}
        if spec is not None:
            mapping = spec() if callable(spec) else spec
            found = {str(k): v for k, v in mapping.items() if is_float_array(v)}
        elif state is not None:
            found = dict(object_arrays(state))
        else:
            for arg in args:
                if isinstance(arg, Mapping):
                    for k, v in arg.items():
                        if is_float_array(v):
                            found.setdefault(str(k), v)
        self._norms_before = {name: _norm(a) for name, a in found.items()}

    def read(self, step: int, result: Any, state: Any, args: tuple[Any, ...], taking: bool) -> None:
        """Norms and gradient norms at a reading step (``taking``); the update ratio one step later.

        Called with NumPy's errors ignored and the watch's callback paused.
        """
        arrays = object_arrays(state) if state is not None else None
        produced: Mapping[str, np.ndarray] = {}
        if taking or self._param_names is None:
            # Gradients may be returned, or left on the object (a train_step returning the cost).
            produced = {**(arrays or {}), **self._names.named(result)}
        params = self._resolve_params(produced, arrays, args)
        if self.pending:
            self._update_ratios(step, params)
            self.pending = False
        if not taking:
            return
        self._take(step, params, produced)
        self.pending = bool(params)

    def _update_ratios(self, step: int, params: Mapping[str, np.ndarray]) -> None:
        for name, arr in params.items():
            old = self._snapshot.get(name)
            series = self._series.get(name)
            if old is None or series is None or old.shape != arr.shape or not series.norms:
                continue
            base = series.norms[-1][1]  # ||W|| when the snapshot was taken
            if base > 0 and math.isfinite(base):
                # In place: the snapshot is taken again at the next reading.
                np.subtract(arr, old, out=old)
                series.ratios.append((step, _norm(old) / base))

    def _take(
        self, step: int, params: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray]
    ) -> None:
        pairs = self._param_names
        self.last_grads = {}
        for name, arr in params.items():
            series = self._series.get(name)
            if series is None:
                series = self._series[name] = _Series(tuple(arr.shape))
                before = self._norms_before.pop(name, None)
                if before is not None:
                    series.norms.append((0, before))
            series.norms.append((step, _norm(arr)))
            gname = (pairs or {}).get(name)
            if gname is None and name in grads and grads[name] is not arr:
                gname = name  # gradient_descent() returns them under the parameters' names
            g = grads.get(gname) if gname is not None else None
            if gname is not None and g is not None and g.shape == arr.shape:
                series.grad_norms.append((step, _norm(g)))
                self.last_grads["d" + name if gname == name else gname] = g
            snap = self._snapshot.get(name)
            if snap is None or snap.shape != arr.shape or snap.dtype != arr.dtype:
                self._snapshot[name] = arr.copy()
            else:
                np.copyto(snap, arr)

    def _resolve_params(
        self,
        produced: Mapping[str, np.ndarray],
        arrays: Mapping[str, np.ndarray] | None,
        args: tuple[Any, ...],
    ) -> dict[str, np.ndarray]:
        """The parameters now: given, found among the object's ``arrays``, or in dict arguments."""
        spec = self._params
        if spec is not None:
            mapping = spec() if callable(spec) else spec
            given = {str(k): v for k, v in mapping.items() if is_float_array(v)}
            if self._param_names is None and produced:
                self._param_names = pair_gradients(given, produced)
            return given
        if arrays is not None:
            if self._param_names is None:
                candidates = {n: a for n, a in arrays.items() if not cache_like(n)}
                self._param_names = pair_gradients(candidates, {**arrays, **produced})
            return {p: arrays[p] for p in self._param_names if p in arrays}
        if self._arg_params is None:
            # Once: which dict argument holds which parameter (read live at every reading).
            found: dict[str, tuple[int, Any]] = {}
            for i, arg in enumerate(args):
                if isinstance(arg, Mapping):
                    for k, v in arg.items():
                        if is_float_array(v) and not cache_like(str(k)):
                            found.setdefault(str(k), (i, k))
            self._param_names = pair_gradients(found, produced)
            self._arg_params = {p: found[p] for p in self._param_names}
        out: dict[str, np.ndarray] = {}
        for name, (i, key) in self._arg_params.items():
            value = args[i].get(key) if i < len(args) and isinstance(args[i], Mapping) else None
            if isinstance(value, np.ndarray) and value.dtype.kind in "fc":
                out[name] = value
        return out

    def tensors(self) -> tuple[TensorHealth, ...]:
        return tuple(
            TensorHealth(
                name=name,
                shape=s.shape,
                is_weight=is_weight_name(name),
                norms=tuple(s.norms),
                grad_norms=tuple(s.grad_norms),
                update_ratios=tuple(s.ratios),
            )
            for name, s in self._series.items()
        )
