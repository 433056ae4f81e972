"""Words shared by the rich and plain renderers of a watched run: the headline, the header, the
gradient checks, the tensor health table and the first NaN/Inf.

A report reads in three layers: the headline (what went wrong and where to look, with the fix), the
plot and the tables, then one short paragraph per finding. The numbers behind a reading (the
largest error of a passing check, which step found the NaN) are shown under ``verbose``; the JSON
always has them. Nothing here computes a verdict; everything shown is read from the summary.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from gradcheck.report.formatting import fmt, shape_text
from gradcheck.report.healthy import UPDATE_RATIO_HEALTHY
from gradcheck.report.nonfinite import nonfinite_fix, nonfinite_reading, nonfinite_what

if TYPE_CHECKING:
    from gradcheck.report.training import WatchSummary

__all__ = [
    "check_lines",
    "header_text",
    "headline",
    "headline_fix",
    "later_origins",
    "nonfinite_head",
    "step_share",
    "tensor_rows",
    "verdict_text",
]


def step_share(ratio: float | None) -> str:
    """An update/weight ratio as the share of its size a weight changes by per step: '5.7%'."""
    if ratio is None:
        return "-"
    return "0" if ratio == 0 else f"{100 * ratio:.2g}%"


def header_text(s: WatchSummary) -> str:
    what = "train_step()" if s.mode == "train_step" else "gradient descent" if s.mode else s.name
    of = f" of {s.requested_steps}" if s.requested_steps and s.requested_steps != s.steps else ""
    lr = f" at learning rate {s.lr:g}" if s.lr is not None and s.mode != "train_step" else ""
    text = f"{what or 'watched function'}: {s.steps}{of} steps{lr} watched in {s.seconds:.2g} s"
    if s.first_nonfinite is not None and s.requested_steps and s.steps < s.requested_steps:
        text += "; stopped at the first NaN/Inf"
    if s.interrupted:
        text += "; interrupted"
    return text


def check_lines(s: WatchSummary, *, verbose: bool = False) -> list[str]:
    """A line per gradient check; a failed one names its tensors, then their readings (each
    reading once, with every tensor it holds for), or under ``verbose`` each tensor's message."""
    lines = []
    for c in s.checks:
        when = "before training" if c.step == 0 else f"at step {c.step}"
        tensors = c.report.tensors
        if c.ok:
            worst = max((t.rel_error for t in tensors if t.rel_error is not None), default=None)
            lines.append(
                f"gradients {when}: all {len(tensors)} tensors agree with finite differences"
                + (f" (max rel. error {fmt(worst)})" if verbose and worst is not None else "")
                + "."
            )
            continue
        failed = ", ".join(t.name for t in c.report.failed)
        detail = f"{failed} FAIL" if failed else "the check found a non-finite loss"
        lines.append(f"gradients {when}: {detail} (run gradcheck check for the full report).")
        readings: dict[str, list[str]] = {}
        for t in c.report.failed:
            text = t.message if verbose or not t.summary else t.summary
            if text:
                readings.setdefault(text, []).append(t.name)
        lines += [f"  {', '.join(names)}: {text}" for text, names in readings.items()]
    return lines


# A step size is called off where the findings call it so (train.thresholds: UPDATE_RATIO_HIGH is
# 10x healthy, UPDATE_RATIO_LOW 1/100 of it); within that range the rule of thumb says nothing.
_TOO_BIG, _TOO_SMALL = 10.0, 0.01


def _ratio_note(ratio: float | None, is_weight: bool) -> str:
    if ratio is None or not is_weight or ratio <= 0:
        return ""
    factor = ratio / UPDATE_RATIO_HEALTHY
    if factor >= _TOO_BIG:
        return f"{factor:.0f}x too big"
    return "ok" if factor > _TOO_SMALL else f"{1 / factor:.0f}x too small"


def tensor_rows(s: WatchSummary) -> list[list[str]]:
    """The table: per tensor its norm, its gradient's norm, and how much of its size a step
    changes it by against the healthy 0.1% (the update/weight ratio ||lr * dW|| / ||W||)."""
    rows = [["tensor", "shape", "norm first -> last", "grad norm", "change/step", "healthy 0.1%"]]
    for t in s.tensors:
        ratio = t.update_ratio
        norms = f"{fmt(t.norm_first, 3)} -> {fmt(t.norm_last, 3)}" if t.norms else "-"
        rows.append(
            [
                t.name,
                shape_text(t.shape),
                norms,
                fmt(t.grad_norm_last, 3),
                step_share(ratio),
                _ratio_note(ratio, t.is_weight),
            ]
        )
    return rows


def nonfinite_head(s: WatchSummary) -> str:
    nf = s.first_nonfinite
    assert nf is not None
    found = ""
    if s.detected_step is not None and s.detected_step != s.first_nonfinite_step:
        found = f" (found in what step {s.detected_step} produced)"
    return f"first non-finite value at step {s.first_nonfinite_step}{found} (step 1 = the first update)"


def later_origins(s: WatchSummary) -> list[str]:
    later = s.origins[1:]
    return [f"later, at step {step}: {nf.message}" for step, nf in later[:5]] + (
        [f"... and {len(later) - 5} more"] if len(later) > 5 else []
    )


def _file_line(s: WatchSummary) -> str:
    nf = s.first_nonfinite
    assert nf is not None
    return f"{nf.file.rsplit('/', 1)[-1]}:{nf.line}" if nf.file and nf.line else ""


def headline(s: WatchSummary) -> str:
    """What went wrong and where to look, in a sentence: the first NaN/Inf (step, file:line, why),
    else failing gradients, else whether the run learnt."""
    nf = s.first_nonfinite
    if nf is not None:
        where = _file_line(s)
        at = f" at {where}" if where else ""
        reading = nonfinite_reading(nf)
        first = reading.split(" ", 1)[0].strip("`")
        code = {nf.variable} | set(re.findall(r"\w+", nf.source_line or ""))
        if not ("." in first or "_" in first or first in code):  # a code name keeps its case
            reading = reading[:1].upper() + reading[1:]
        step = f" at step {s.first_nonfinite_step}" if s.first_nonfinite_step is not None else ""
        return f"NOT OK: {nonfinite_what(nf)}{step}{at}. {reading}."
    failed = [c for c in s.checks if not c.ok]
    if failed:
        names = ", ".join(dict.fromkeys(t.name for c in failed for t in c.report.failed))
        when = ", ".join("before training" if c.step == 0 else f"at step {c.step}" for c in failed)
        return (
            f"NOT OK: the gradients are wrong {when} ({names or 'the loss is not finite'}), so "
            f"the training below follows wrong gradients."
        )
    return "OK: " + verdict_text(s)


def headline_fix(s: WatchSummary) -> str | None:
    """'Fix: ...' under the headline, when it names a NaN/Inf whose fix is known."""
    nf = s.first_nonfinite
    fix = nonfinite_fix(nf) if nf is not None else None
    return f"Fix: {fix}" if fix else None


def verdict_text(s: WatchSummary) -> str:
    """A run without NaN/Inf and failing gradients: '2000 steps without NaN/Inf, gradients agree,
    but the model is not learning (see not_learning).'"""
    text = f"{s.steps} steps without NaN/Inf"
    if s.checks:
        text += ", gradients agree"
    kinds = list(dict.fromkeys(w.kind for w in s.warnings))
    but = next((_COST_BUT[k] for k in _COST_BUT if k in kinds), None)
    if but:
        text += f", but {but}"
    elif kinds:
        text += f"; {len(kinds)} finding{'s' if len(kinds) > 1 else ''} below"
    return text + "."


# What a run that is OK otherwise did wrong, when its cost says so, and which finding says more.
_COST_BUT = {
    "not_learning": "the model is not learning (see not_learning)",
    "cost_rising": "the cost rises again (see cost_rising)",
    "cost_oscillating": "the cost goes up and down (see cost_oscillating)",
}
