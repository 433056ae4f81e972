"""Checking layers: one layer's forward/backward pair through the engine, explained in the layer's
words, and a file's ``gradcheck_layers`` as a suite of such checks.

The flow is ``gradcheck.check``'s: the pair is adapted into a :class:`Model`
(:func:`gradcheck.models.layer.make_layer`), checked by the engine with its step, kink and noise
rules unchanged (:func:`gradcheck.engine.checker.run_check`), and explained: a NaN/Inf located in
the user's code as for any model, and the suspect read per layer
(:func:`gradcheck.diagnose.layer_flow.layer_reading`: dx wrong while dw and db pass is a gradient
that flows back to the input wrongly). Network health (initialisation, dead units) is not judged:
a layer's test arrays are not a network's initialisation.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from gradcheck.diagnose.layer_flow import layer_reading
from gradcheck.engine.checker import run_check
from gradcheck.engine.explain import locate
from gradcheck.engine.options import Options
from gradcheck.errors import CheckInterrupted, GradcheckError
from gradcheck.models.layer import keeping_global_rng, make_layer
from gradcheck.models.layer_spec import LayerSpec
from gradcheck.models.model import Model
from gradcheck.numerics.files import user_code_for
from gradcheck.report.layer_suite import LayerCheck, LayerSuite
from gradcheck.report.result import Report

__all__ = ["check_layers", "layer_spec", "run_layer"]


def layer_spec(
    forward: Callable[..., Any],
    backward: Callable[..., Any] | None,
    args: Iterable[Any],
    kwargs: Mapping[str, Any],
    *,
    dout: Any = None,
    seed: int = 0,
    wrt: str | Iterable[str] | None = None,
    name: str | None = None,
) -> LayerSpec:
    """The :class:`LayerSpec` of ``check_layer``'s arguments (``wrt`` a name or several)."""
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise GradcheckError(f"seed must be an integer; got {seed!r}")
    names = (wrt,) if isinstance(wrt, str) else (tuple(wrt) if wrt is not None else None)
    return LayerSpec(forward, backward, tuple(args), dict(kwargs), dout, seed, names, name)


def run_layer(
    spec: LayerSpec, options: Options, *, progress: Callable[[int, int], None] | None = None
) -> Report:
    """Check one layer. NumPy's global random state and every argument are as they were after."""
    with keeping_global_rng():
        model = make_layer(spec)
        report = run_check(model, dataclasses.replace(options, only=()), progress=progress)
        return explain_layer(model, report)


def explain_layer(model: Model, report: Report) -> Report:
    """The layer's suspect sentence, a located NaN/Inf, and each tensor tagged with the layer."""
    layer = str(model.extra["layer"])
    backward = model.extra.get("backward") or model.extra.get("forward")
    suspect, message, summary = layer_reading(
        layer, report.tensors, tuple(model.extra.get("inputs", ())), backward
    )
    nonfinite, extra_losses = report.nonfinite, 0
    if nonfinite is not None:
        located, extra_losses = locate(model, nonfinite, user_code_for(model.trace_targets))
        nonfinite = located or nonfinite
    stats = dataclasses.replace(
        report.stats, loss_evaluations=report.stats.loss_evaluations + extra_losses
    )
    return dataclasses.replace(
        report,
        tensors=tuple(dataclasses.replace(t, layer=layer) for t in report.tensors),
        suspect_layer=suspect,
        suspect_message=message,
        suspect_summary=summary,
        nonfinite=nonfinite,
        stats=stats,
    )


def check_layers(
    specs: Mapping[str, LayerSpec], options: Options, *, source: str | None = None
) -> LayerSuite:
    """Check every layer, in order; ``options.only`` names layers to check.

    Every layer is looked at before any is checked, so a layer that cannot be checked is refused
    (one sentence naming it) before minutes are spent on the others. Ctrl-C raises
    :class:`CheckInterrupted` whose ``report`` is the suite of the layers finished so far.
    """
    chosen = _chosen(specs, options.only)
    with keeping_global_rng():
        for spec in chosen.values():
            make_layer(spec)
    done: list[LayerCheck] = []
    for name, spec in chosen.items():
        try:
            report = run_layer(spec, options)
        except CheckInterrupted as exc:
            done.append(LayerCheck(name, exc.report, spec.forward_name, spec.backward_name))
            raise CheckInterrupted(LayerSuite(tuple(done), source)) from None
        done.append(LayerCheck(name, report, spec.forward_name, spec.backward_name))
    return LayerSuite(tuple(done), source)


def _chosen(specs: Mapping[str, LayerSpec], only: Iterable[str]) -> dict[str, LayerSpec]:
    wanted = list(only)
    unknown = [n for n in wanted if n not in specs]
    if unknown:
        raise GradcheckError(
            f"--only names {', '.join(map(repr, unknown))}, which gradcheck_layers does not "
            f"have; its layers are: {', '.join(specs)}"
        )
    return {n: s for n, s in specs.items() if not wanted or n in wanted}
