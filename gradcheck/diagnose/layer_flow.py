"""Where in one layer's backward the mistake is, from which of its gradients fail.

A layer's gradients all start from the same upstream gradient and the same cache, then part: ``dx``
is what flows back to the input (``dout @ w.T``), ``dw`` and ``db`` are the layer's own
(``x.T @ dout``, ``dout.sum(axis=0)``). So the split between failing and passing gradients says
where to look:

* the input's gradient fails while the weights' pass: dout and the cache are right; the mistake is
  in how the gradient flows back to the input (``dout @ w`` where ``dout @ w.T`` belongs);
* a weight's gradient fails while the input's passes: the formula for that gradient itself;
* some of both fail: what the failing ones share and the passing ones do not (a cached value);
* every gradient fails: what they all share (the local derivative applied to dout first, the cache).

The per-tensor patterns (scale, sign, transpose, zero, mask) are read by
:func:`~gradcheck.diagnose.patterns.classify` for each gradient as for any tensor; this adds the
sentence about the layer.
"""

from __future__ import annotations

from collections.abc import Sequence

from gradcheck.diagnose.phrasing import _and, _verb
from gradcheck.report.result import FAIL, TensorResult

__all__ = ["layer_reading"]

_BIAS_NAMES = ("b", "beta", "bias", "bh", "by", "bx")


def _d(names: Sequence[str]) -> list[str]:
    return ["d" + n for n in names]


def _fails(names: Sequence[str]) -> str:
    return f"{_and(_d(names))} {_verb(names, 'fails', 'fail')}"


def _passes(names: Sequence[str]) -> str:
    return f"{_and(_d(names))} {_verb(names, 'passes', 'pass')}"


def _own_formula(name: str) -> str:
    """An example of the formula of a parameter's own gradient going wrong."""
    if name.lower() in _BIAS_NAMES or name.lower().startswith("bias"):
        return (
            f"d{name} sums dout over the batch axis (dout.sum(axis=0)): a mean instead of the "
            f"sum, or the wrong axis"
        )
    return (
        f"d{name} is the layer's input times dout (x.T @ dout, with x reshaped to (N, D)): "
        f"operands swapped, a missing reshape or a missing factor"
    )


def layer_reading(
    layer: str,
    results: Sequence[TensorResult],
    inputs: Sequence[str],
    backward: str | None,
) -> tuple[str | None, str | None]:
    """The failing layer and a sentence saying where in its backward to look; (None, None) when
    every gradient passes.

    ``inputs`` are the checked arguments that carry data into the layer (x, prev_h, prev_c), the
    others being its parameters; ``backward`` is the name of the function that computes the
    gradients (forward's own name for a loss layer).
    """
    failing = [r.name for r in results if r.status == FAIL]
    if not failing:
        return None, None
    passing = [r.name for r in results if r.status != FAIL]
    where = f"{backward}" if backward else "backward"
    head = f"Layer {layer}: {_fails(failing)}"
    if not passing:
        return layer, head + _all_fail(failing, where)
    head += f" while {_passes(passing)}."
    params_passing = [n for n in passing if n not in inputs]
    if all(n in inputs for n in failing) and params_passing:
        return layer, (
            f"{head} The parameter gradients use the same dout and cache, so those are right: "
            f"the mistake is in how the gradient flows back to the input, in the line of {where} "
            f"that computes {_and(_d(failing))} (e.g. dout @ w where dout @ w.T belongs: a product "
            f"with the weights needs their transpose on the way back; or a result not reshaped "
            f"to the input's shape)."
        )
    if all(n not in inputs for n in failing) and any(n in inputs for n in passing):
        flows = [n for n in passing if n in inputs]
        return layer, (
            f"{head} {_and(_d(flows))} {_verb(flows, 'is', 'are')} right, so dout and the cache "
            f"reach {where} correctly: the mistake is in the formula for {_and(_d(failing))} "
            f"itself ({_own_formula(failing[0])})."
        )
    return layer, (
        f"{head} The failing gradients share something the passing ones do not: start with "
        f"the values from the cache that only they use, and with the step of {where} that only "
        f"they go through."
    )


def _all_fail(failing: Sequence[str], where: str) -> str:
    if len(failing) == 1:
        return (
            f", and it is the only gradient checked: the mistake is in {where}'s formula for "
            f"d{failing[0]} (the local derivative it multiplies dout by, or the mask it applies), "
            f"or in what forward caches for it."
        )
    return (
        f": every gradient of the layer fails, so look at what they all share: the first step "
        f"of {where}, where dout is multiplied by the layer's local derivative (tanh's "
        f"1 - out**2, a mask), the values forward caches, and the order of the upstream "
        f"gradients when forward has several outputs."
    )
