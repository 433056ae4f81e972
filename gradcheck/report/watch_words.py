"""Words shared by the rich and plain renderers of a watched run: the header, the gradient checks,
the tensor health table, the first NaN/Inf and the verdict.

Nothing here computes a verdict; everything shown is read from the summary.
"""

from __future__ import annotations

from gradcheck.report.formatting import fmt, shape_text
from gradcheck.report.training import UPDATE_RATIO_HEALTHY, WatchSummary

__all__ = [
    "check_lines",
    "header_text",
    "later_origins",
    "nonfinite_head",
    "tensor_rows",
    "verdict_text",
]


def header_text(s: WatchSummary) -> str:
    what = "train_step()" if s.mode == "train_step" else "gradient descent" if s.mode else s.name
    of = f" of {s.requested_steps}" if s.requested_steps and s.requested_steps != s.steps else ""
    lr = f" at learning rate {s.lr:g}" if s.lr is not None and s.mode != "train_step" else ""
    text = f"{what or 'watched function'}: {s.steps}{of} steps{lr} watched in {s.seconds:.2g} s"
    if s.first_nonfinite is not None and s.requested_steps and s.steps < s.requested_steps:
        text += "; stopped at the first non-finite value"
    if s.interrupted:
        text += "; interrupted"
    return text


def check_lines(s: WatchSummary) -> list[str]:
    lines = []
    for c in s.checks:
        when = "before training" if c.step == 0 else f"at step {c.step}"
        tensors = c.report.tensors
        if c.ok:
            worst = max((t.rel_error for t in tensors if t.rel_error is not None), default=None)
            lines.append(
                f"gradients {when}: all {len(tensors)} tensors agree with finite differences"
                + (f" (max rel. error {fmt(worst)})" if worst is not None else "")
                + "."
            )
        else:
            failed = ", ".join(t.name for t in c.report.failed)
            detail = f"{failed} FAIL" if failed else "the check found a non-finite loss"
            lines.append(f"gradients {when}: {detail} (run gradcheck check for the full report).")
            for t in c.report.failed:
                if t.message:
                    lines.append(f"  {t.name}: {t.message}")
    return lines


def tensor_rows(s: WatchSummary) -> list[list[str]]:
    rows = [["tensor", "shape", "norm first -> last", "grad norm", "update/weight", ""]]
    for t in s.tensors:
        ratio = t.update_ratio
        note = ""
        if ratio is not None and t.is_weight and ratio > 0:
            factor = ratio / UPDATE_RATIO_HEALTHY
            note = (
                f"{factor:.0f}x healthy"
                if factor >= 1.5
                else ("healthy" if factor > 0.1 else f"1/{1 / factor:.0f} of healthy")
            )
        norms = f"{fmt(t.norm_first, 3)} -> {fmt(t.norm_last, 3)}" if t.norms else "-"
        rows.append(
            [t.name, shape_text(t.shape), norms, fmt(t.grad_norm_last, 3), fmt(ratio, 2), note]
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


def verdict_text(s: WatchSummary) -> str:
    bits = []
    if s.first_nonfinite is not None:
        nf = s.first_nonfinite
        where = ""
        if nf.file and nf.line:
            where = f" at {nf.file.rsplit('/', 1)[-1]}:{nf.line}"
        bits.append(f"a non-finite value ({nf.kind}) at step {s.first_nonfinite_step}{where}.")
    failed = [c for c in s.checks if not c.ok]
    if failed:
        bits.append("the gradients fail at step(s) " + ", ".join(str(c.step) for c in failed) + ".")
    if not bits:
        bits.append(f"{s.steps} steps without NaN/Inf")
        if s.checks:
            bits[-1] += ", gradients agree"
        if any(w.kind == "not_learning" for w in s.warnings):
            bits[-1] += ", but the model is not learning (see not_learning)"
        bits[-1] += "."
    if s.warnings:
        bits.append(f"{len(s.warnings)} warning(s) about the training above.")
    return ("OK: " if s.ok else "NOT OK: ") + " ".join(bits)
