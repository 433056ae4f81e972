"""What the numbers of a finished check mean: the suspect layer, where a NaN/Inf came from, and the
health of the network; and :func:`check_model`, the engine's run followed by these explanations.

Costs at most two traced passes of the user's code on top of the check's own evaluations.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from gradcheck.diagnose.fixed_l2 import resolved_l2
from gradcheck.diagnose.fixed_line import fixed_line, without_comment
from gradcheck.diagnose.overwrite import accumulated_line, overwrite, sum_matches
from gradcheck.diagnose.suspect import suspect_reading
from gradcheck.engine.checker import run_check
from gradcheck.engine.gradients import match_gradient
from gradcheck.engine.options import Options
from gradcheck.errors import CheckInterrupted
from gradcheck.health.activations import activation_health
from gradcheck.health.initialisation import parameter_health
from gradcheck.health.inputs import input_health
from gradcheck.models.data import data_arrays
from gradcheck.models.model import Model
from gradcheck.numerics.files import user_code_for
from gradcheck.numerics.inputs import scan_inputs
from gradcheck.numerics.origin import locate_nonfinite
from gradcheck.numerics.provenance import GradientSource, gradient_sources
from gradcheck.report.records import NonFinite
from gradcheck.report.result import FAIL, Report, TensorResult

#: Failing readings with no array of the user's to trace: the gradient was never returned.
UNTRACEABLE = frozenset({"missing"})


def check_model(
    model: Model, options: Options, *, progress: Callable[[int, int], None] | None = None
) -> Report:
    """Run the engine on an adapted model and add the explanations."""
    report = run_check(model, options, progress=progress)
    try:
        return explain(model, report)
    except KeyboardInterrupt:
        # Ctrl-C in the traced passes: every tensor is checked, only the explanations are missing.
        stats = dataclasses.replace(report.stats, interrupted=True)
        raise CheckInterrupted(dataclasses.replace(report, stats=stats)) from None


def explain(model: Model, report: Report) -> Report:
    """Add what the numbers mean: the suspect layer, where a NaN came from, and health warnings.

    Costs at most two traced passes of the user's code: one to locate a non-finite value (only when
    the check met one) and one forward pass for activation health.
    """
    layer, message, summary = suspect_reading(report.tensors)
    user_code = user_code_for(model.trace_targets) if model.trace_targets else None
    extra_losses = 0
    nonfinite = report.nonfinite
    if nonfinite is not None:
        located, calls = locate(model, nonfinite, user_code)
        extra_losses += calls
        nonfinite = located or nonfinite
    warnings = list(report.warnings)
    # An empty tensor has no initialisation to judge (and no minimum to take).
    warnings += parameter_health({n: a for n, a in model.params.items() if a.size})
    warnings += input_health(data_arrays(model, labels=False))
    if nonfinite is None:
        with np.errstate(all="ignore"):
            warnings += activation_health(model.loss, user_code=user_code)
        extra_losses += 1
    tensors, extra_grads = with_source_lines(model, report.tensors, user_code)
    stats = dataclasses.replace(
        report.stats,
        loss_evaluations=report.stats.loss_evaluations + extra_losses,
        grad_evaluations=report.stats.grad_evaluations + extra_grads,
    )
    return dataclasses.replace(
        report,
        tensors=tensors,
        suspect_layer=layer,
        suspect_message=message,
        suspect_summary=summary,
        nonfinite=nonfinite,
        warnings=tuple(warnings),
        notes=tuple(str(n) for n in model.extra.get("notes", ())),
        stats=stats,
    )


def with_source_lines(
    model: Model, tensors: tuple[TensorResult, ...], user_code: Callable[[str], bool] | None
) -> tuple[tuple[TensorResult, ...], int]:
    """The failing tensors with the statements of the user's backward that computed their gradients.

    One traced gradient evaluation, only when a tensor failed with a gradient to trace (a missing
    key has none). The same run traces the passing tensors too: their statements go in
    ``details["traced_lines"]`` (``[file, line]`` pairs), so that a statement every failing gradient
    reads is not blamed when a passing one reads it as well. Returns the tensors and how many
    gradient evaluations it cost.
    """
    failing = [t.name for t in tensors if t.status == FAIL and t.pattern not in UNTRACEABLE]
    if not failing:
        return tensors, 0
    names = [t.name for t in tensors if t.pattern not in UNTRACEABLE]
    try:
        found = gradient_sources(
            model.grads,
            names,
            lambda grads, name: match_gradient(name, grads, model.grad_keys),
            user_code,
        )
    except Exception:  # noqa: BLE001 - the explanation must never turn a verdict into a crash
        return tensors, 1
    out = []
    for t in tensors:
        source = found.get(t.name)
        if source is None:
            out.append(t)
            continue
        if t.status != FAIL:
            traced = [[s.file, s.line] for s in source.lines]
            out.append(dataclasses.replace(t, details={**t.details, "traced_lines": traced}))
            continue
        fix = fixed_line(
            source.lines[0].text,
            t.pattern,
            t.factor,
            source.counts,
            t.details.get("diagnosis"),
        )
        t = dataclasses.replace(t, source_lines=source.lines, fixed_line=fix)
        out.append(overwritten(l2_resolved(t, source), source))
    return tuple(out), 1


def l2_resolved(t: TensorResult, source: GradientSource) -> TensorResult:
    """``t`` with the one L2 reading its statement allows, when the numbers alone fit several."""
    diagnosis = t.details.get("diagnosis")
    if t.pattern != "regularization" or not isinstance(diagnosis, dict):
        return t
    first = source.lines[0]
    found = resolved_l2(without_comment(first.text), first.line, diagnosis)
    if found is None:
        return t
    summary, said = found
    return dataclasses.replace(t, summary=summary, message=f"{t.message or ''}{said}")


def overwritten(t: TensorResult, source: GradientSource) -> TensorResult:
    """``t`` read as an accumulator overwritten (``dW = ...`` in a loop where ``dW += ...``
    belongs), when the traced run found one and the sum of its runs is the numeric gradient where
    the analytic one is wrong; else ``t`` as it is."""
    found = source.overwrite
    if found is None:
        return t
    at = [(e.index, e.analytic, e.numeric) for e in t.worst]
    if not sum_matches(found.summed, at):
        return t
    first = source.lines[0]
    d = overwrite(found.name, found.runs, first.line)
    head = (t.message or "").split(". ", 1)[0]
    details = {**t.details, "diagnosis": d.details}
    return dataclasses.replace(
        t,
        pattern=d.pattern,
        factor=None,
        message=f"{head}. {d.message}" if head else d.message,
        summary=d.summary,
        details=details,
        fixed_line=accumulated_line(first.text, found.name),
    )


def locate(
    model: Model, found: NonFinite, user_code: Callable[[str], bool] | None
) -> tuple[NonFinite | None, int]:
    """Re-run what produced the non-finite value once, traced, and name the statement that made it.

    Returns the located origin (None when the traced pass could not name one) and how many loss
    evaluations it cost.
    """
    if found.phase == "params":
        return scan_inputs(model.params, phase="params"), 0
    if found.phase == "grads":
        return locate_nonfinite(model.grads, phase="grads", user_code=user_code), 0
    if found.phase == "perturbation":
        name, index, value = (
            found.details["tensor"],
            tuple(found.details["index"]),
            found.details["value"],
        )
        arr = model.params[name]

        def perturbed() -> object:
            x0 = arr[index]
            try:
                arr[index] = value
                return model.loss()
            finally:
                arr[index] = x0

        located = locate_nonfinite(perturbed, phase="perturbation", user_code=user_code)
        if located is not None:
            note = f"with {name}{list(index)} moved to {value!r} by the finite difference: "
            located = dataclasses.replace(located, message=note + located.message)
        return located, 1
    located = locate_nonfinite(model.loss, phase=found.phase, user_code=user_code)
    if located is None or located.kind == "unknown":
        located = scan_inputs(data_arrays(model), phase="inputs") or located
    return located, 1
