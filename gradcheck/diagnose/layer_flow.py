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


def _own_plain(name: str) -> str:
    """What a parameter's own gradient should be, in one plain clause."""
    if name.lower() in _BIAS_NAMES or name.lower().startswith("bias"):
        return f"d{name} = dout.sum(axis=0), a sum over the batch (not a mean, not another axis)"
    return f"d{name} = x.T @ dout with x reshaped to (N, D): check the operands and any factor"


def layer_reading(
    layer: str,
    results: Sequence[TensorResult],
    inputs: Sequence[str],
    backward: str | None,
) -> tuple[str | None, str | None, str | None]:
    """The failing layer, a sentence saying where in its backward to look, and its short plain
    form (``Report.suspect_summary``); (None, None, None) when every gradient passes.

    ``inputs`` are the checked arguments that carry data into the layer (x, prev_h, prev_c), the
    others being its parameters; ``backward`` is the name of the function that computes the
    gradients (forward's own name for a loss layer).
    """
    failing = [r.name for r in results if r.status == FAIL]
    if not failing:
        return None, None, None
    passing = [r.name for r in results if r.status != FAIL]
    where = f"{backward}" if backward else "backward"
    head = f"Layer {layer}: {_fails(failing)}"
    if not passing:
        return layer, head + _all_fail(failing, where), _all_fail_plain(layer, failing, where)
    message, plain = _split(layer, failing, passing, inputs, where)
    return layer, f"{head} while {_passes(passing)}. {message}", plain


def _split(
    layer: str,
    failing: Sequence[str],
    passing: Sequence[str],
    inputs: Sequence[str],
    where: str,
) -> tuple[str, str]:
    """Some gradients of the layer fail and some pass: where to look, (in full, in plain words)."""
    wrong = f"In layer {layer}, {_and(_d(failing))} {_verb(failing, 'is', 'are')} wrong"
    params_passing = [n for n in passing if n not in inputs]
    if all(n in inputs for n in failing) and params_passing:
        return (
            (
                f"The parameter gradients use the same dout and cache, so those are right: the "
                f"mistake is in how the gradient flows back to the input, in the line of {where} "
                f"that computes {_and(_d(failing))} (e.g. dout @ w where dout @ w.T belongs: a "
                f"product with the weights needs their transpose on the way back; or a result not "
                f"reshaped to the input's shape)."
            ),
            (
                f"{wrong} while {_and(_d(params_passing))} {_verb(params_passing, 'is', 'are')} "
                f"right: fix the line of {where} that computes {_d(failing)[0]} (e.g. dout @ w "
                f"where dout @ w.T belongs)."
            ),
        )
    if all(n not in inputs for n in failing) and any(n in inputs for n in passing):
        flows = [n for n in passing if n in inputs]
        right = f"{_and(_d(flows))} {_verb(flows, 'is', 'are')} right"
        return (
            (
                f"{right}, so dout and the cache reach {where} correctly: the mistake is in the "
                f"formula for {_and(_d(failing))} itself ({_own_formula(failing[0])})."
            ),
            (
                f"In layer {layer}, the formula for {_and(_d(failing))} itself is wrong ({right}): "
                f"{_own_plain(failing[0])}."
            ),
        )
    return (
        (
            f"The failing gradients share something the passing ones do not: start with the values "
            f"from the cache that only they use, and with the step of {where} that only they go "
            f"through."
        ),
        (
            f"{wrong} while {_and(_d(passing))} {_verb(passing, 'is', 'are')} right: look at the "
            f"cached values and the steps of {where} that only the wrong ones use."
        ),
    )


def _all_fail_plain(layer: str, failing: Sequence[str], where: str) -> str:
    if len(failing) == 1:
        return (
            f"In layer {layer}, d{failing[0]} is wrong: check how {where} computes it (the local "
            f"derivative it multiplies dout by, or the mask it applies) and what forward caches."
        )
    return (
        f"Every gradient of layer {layer} is wrong: check what they share, the first step of "
        f"{where} (dout times the local derivative, e.g. tanh's 1 - out**2, or a mask) and the "
        f"values forward caches."
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
