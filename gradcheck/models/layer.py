"""One layer's forward/backward pair as an ordinary :class:`Model`, so the engine's step, kink and
noise rules apply to it unchanged.

* The parameters are the checked arguments (every float array argument, ``x`` included, or the
  names in ``wrt``), under forward's own names and in their dtype. They are gradcheck's copies: the
  caller's arrays are never handed to the layer, so they are bit-for-bit unchanged afterwards.
* The loss is ``sum(out * dout)`` over the outputs, with one upstream gradient per output (seeded
  random ones from gradcheck's own generator when ``dout`` is None); a loss layer's loss is its own.
* The gradients are ``backward(dout, cache)`` (``backward(dnext_h, dnext_c, cache)`` for two
  outputs), in the order of the checked arguments; a loss layer's are what it returns after the loss.

Every other argument passes through, as a fresh copy on every call: a forward that writes its
running means into ``bn_param`` changes neither the caller's dict nor the next call. NumPy's
global random state is restored by :func:`keeping_global_rng` around a check (a seeded dropout
reseeds it on every call).
"""

from __future__ import annotations

import contextlib
import copy
import inspect
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from gradcheck.errors import GradcheckError
from gradcheck.models.layer_checks import (
    check_gradient_shapes,
    gradient_items,
    not_repeatable,
    same_outputs,
    split_loss,
    split_outputs,
    upstream_gradients,
)
from gradcheck.models.layer_spec import (
    LayerSpec,
    bind_arguments,
    checked_arguments,
    float_arguments,
    input_arguments,
)
from gradcheck.models.model import Model
from gradcheck.models.source import returned_names, source_of, underlying_function

__all__ = ["LayerModel", "keeping_global_rng", "make_layer"]


@contextlib.contextmanager
def keeping_global_rng() -> Iterator[None]:
    """NumPy's global random state as it was, whatever the layer's forward seeded or drew."""
    state = np.random.get_state()
    try:
        yield
    finally:
        np.random.set_state(state)


def _fresh(value: Any) -> Any:
    """A copy the layer may write into; what cannot be copied is passed as it is."""
    if isinstance(value, np.ndarray):
        return value.copy()
    try:
        return copy.deepcopy(value)
    except Exception:  # noqa: BLE001 - an object that refuses to be copied (a lock, a module)
        return value


def _rng_token() -> bytes:
    state: Any = np.random.get_state()
    return bytes(np.asarray(state[1]).tobytes()) + str(state[2:]).encode()


class LayerModel:
    """The calls into one layer, on gradcheck's own copies of its arguments."""

    def __init__(self, spec: LayerSpec) -> None:
        self.spec = spec
        self.bound = bind_arguments(spec)
        self.pristine = {n: _fresh(v) for n, v in self.bound.arguments.items()}
        self.checked = checked_arguments(spec, self.bound.arguments)
        self.floats = float_arguments(self.bound.arguments)
        self.params: dict[str, np.ndarray] = {n: self.pristine[n].copy() for n in self.checked}
        self.output_names: list[str] = []
        self.douts: list[np.ndarray] = []
        self.douts64: list[np.ndarray] = []

    # -- the calls ----------------------------------------------------------------------------

    def call_forward(self) -> Any:
        values = {
            n: self.params[n] if n in self.params else _fresh(v) for n, v in self.pristine.items()
        }
        bound = inspect.BoundArguments(self.bound.signature, values)
        return self.spec.forward(*bound.args, **bound.kwargs)

    def loss(self) -> Any:
        result = self.call_forward()
        if self.spec.backward is None:
            return split_loss(self.spec, result, self.checked)[0]
        outputs, _ = split_outputs(self.spec, result)
        total = np.float64(0.0)
        for out, d in zip(outputs, self.douts64):
            total += np.sum(out.astype(np.float64) * d)
        return total

    def raw_gradients(self) -> list[Any]:
        result = self.call_forward()
        if self.spec.backward is None:
            raw: Any = split_loss(self.spec, result, self.checked)[1]
            who = self.spec.forward_name
        else:
            _, cache = split_outputs(self.spec, result)
            # Fresh copies: a backward may mask dout in place (dx = dout; dx[x <= 0] = 0).
            raw = self.spec.backward(*[d.copy() for d in self.douts], cache)
            who = str(self.spec.backward_name)
        return gradient_items(self.spec, raw, self.checked, self.floats, who)

    def grads(self) -> Mapping[str, Any]:
        return dict(zip(self.checked, self.raw_gradients()))

    # -- the one look before the check ----------------------------------------------------------

    def probe(self) -> None:
        """Call the layer as the check will and refuse, in one sentence, what cannot be checked."""
        before = _rng_token()
        first = self.call_forward()
        drew = _rng_token() != before
        self._unchanged(self.spec.forward_name)
        if self.spec.backward is not None:
            outputs, _ = split_outputs(self.spec, first)
            self.output_names = self._output_names(len(outputs))
            self.douts = upstream_gradients(self.spec, outputs, self.output_names)
            self.douts64 = [d.astype(np.float64) for d in self.douts]
            again = split_outputs(self.spec, self.call_forward())[0]
        else:
            outputs = [np.asarray(split_loss(self.spec, first, self.checked)[0])]
            again = [np.asarray(split_loss(self.spec, self.call_forward(), self.checked)[0])]
        if not same_outputs(outputs, again):
            raise not_repeatable(self.spec, self._param_dicts(), drew)
        self._unchanged(self.spec.forward_name)
        who = self.spec.backward_name or self.spec.forward_name
        check_gradient_shapes(self.spec, self.raw_gradients(), self.params, who)
        self._unchanged(who)

    def _output_names(self, count: int) -> list[str]:
        names = returned_names(underlying_function(self.spec.forward), count + 1) or ()
        found = [n for n in names[:count] if n]
        if len(found) == count and len(set(found)) == count:
            return found
        return ["out"] if count == 1 else [f"output {i + 1}" for i in range(count)]

    def _param_dicts(self) -> list[str]:
        dicts = [n for n, v in self.pristine.items() if isinstance(v, dict)]
        return sorted(dicts, key=lambda n: (not n.endswith("param"), "dropout" not in n))

    def _unchanged(self, who: str) -> None:
        for name in self.checked:
            arr, was = self.params[name], self.pristine[name]
            if not (arr.tobytes() == was.tobytes() and arr.shape == was.shape):
                raise GradcheckError(
                    f"{self.spec.title}: {who} changed its argument {name} in place; a layer "
                    f"must leave its inputs as it found them (compute on a copy: "
                    f"{name} = {name} - m, not {name} -= m), or every finite difference is off"
                )


def make_layer(spec: LayerSpec) -> Model:
    """The :class:`Model` of one layer; the layer is called a few times here, to refuse at once
    what cannot be checked (see :mod:`gradcheck.models.layer_checks`)."""
    layer = LayerModel(spec)
    layer.probe()
    fwd = spec.forward_name
    extra: dict[str, Any] = {
        "layer": spec.title,
        "inputs": tuple(input_arguments(layer.checked)),
        "forward": fwd,
        "backward": spec.backward_name,
        "loss_label": f"{fwd}()",
        "grads_label": f"{fwd}() and {spec.backward_name}()" if spec.backward else f"{fwd}()",
    }
    if spec.backward is None:
        # A loss averages over the batch: a missing 1/N shows as a factor N, named as such.
        first = layer.params[layer.checked[0]]
        if first.ndim >= 1:
            extra["batch_size"] = int(first.shape[0])
    targets = (spec.forward,) if spec.backward is None else (spec.forward, spec.backward)
    return Model(
        params=layer.params,
        loss=layer.loss,
        grads=layer.grads,
        grad_keys={n: n for n in layer.checked},
        form="layer",
        source=source_of(underlying_function(spec.forward)),
        trace_targets=targets,
        extra=extra,
    )
