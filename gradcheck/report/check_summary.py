"""The two sentences around a check's table: what the check did, and what it found.

:func:`mode_text` is the line under the title (mode, coverage, evaluations, time);
:func:`summary_text` is the verdict the output ends with, after ``OK:`` or ``NOT OK:``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

from gradcheck.report.formatting import fmt
from gradcheck.report.status import FAIL, WARN

if TYPE_CHECKING:
    from gradcheck.report.result import Report

__all__ = ["mode_text", "short_notes", "summary_text"]


def mode_text(report: Report, *, brief: bool = False) -> str:
    """What the check did and what it cost; ``brief``: without the directions' stated power."""
    s = report.stats
    what = {
        "full": "every coordinate checked",
        "sampled": "sampled coordinates",
        "directional": "random directions",
        "sampled+directional": "sampled coordinates + random directions",
        "none": "no gradient compared",
    }.get(s.mode, s.mode)
    if s.mode != "none" and s.coordinates_total and s.mode != "full":
        what += f" ({s.coordinates_checked:,} of {s.coordinates_total:,} coordinates, {s.directions} directions)"
    return (
        f"{what}; {s.loss_evaluations:,} loss and {s.grad_evaluations:,} gradient evaluation"
        f"{'' if s.grad_evaluations == 1 else 's'} "
        f"in {s.seconds:.2f} s"
    ) + ("" if brief else power_text(report))


def power_text(report: Report) -> str:
    """What the random directions would have caught, for the largest tensor judged by them alone
    (every probed tensor's figures are in the JSON, ``details["directional_power"]``)."""
    judged = [
        t
        for t in report.tensors
        if t.details.get("directional_power") and t.checked == 0 and t.status != FAIL
    ]
    if not judged:
        return ""
    big = max(judged, key=lambda t: t.size)
    power = big.details["directional_power"]
    if not math.isfinite(power["spread_error_relative"]):
        return ""
    return (
        f". The directions would have caught an error in {big.name} larger than "
        f"{fmt(power['spread_error_relative'])} of its gradient's size with probability "
        f"{fmt(100 * (1 - power['miss_probability']), 3)}%"
    )


def summary_text(report: Report) -> str:
    tensors = report.tensors
    failed = [t for t in tensors if t.status == FAIL]
    warned = [t for t in tensors if t.status == WARN]
    kinks = sum(t.kinks for t in tensors)
    parts: list[str] = []
    if report.stats.interrupted:
        parts.append(f"INTERRUPTED after {len(tensors)} tensor(s); the rest were not checked.")
    if report.nonfinite is not None:
        nf = report.nonfinite
        where = f" at {Path(nf.file).name}:{nf.line}" if nf.file and nf.line else ""
        what = f" ({nf.variable})" if nf.variable else ""
        parts.append(
            f"A non-finite value (NaN/Inf, {nf.kind}) appeared during the {nf.phase}{where}{what}."
        )
    if failed:
        names = ", ".join(t.name for t in failed)
        parts.append(f"{len(failed)} of {len(tensors)} tensors FAIL: {names}.")
        if report.suspect_message:
            parts.append(report.suspect_message)
    elif tensors:
        parts.append(
            f"All {len(tensors)} tensors agree with finite differences"
            + (f" ({len(warned)} borderline)." if warned else ".")
        )
    if kinks:
        parts.append(
            f"{kinks} coordinate(s) sat on a kink (ReLU at 0, a max tie, |x| at 0, a hinge or "
            "clip at its bound) and pass: the analytic value lies between the left and right "
            "derivatives there (a valid subgradient), or agrees a few steps off the corner."
        )
    settled = [t for t in tensors if t.details.get("float64")]
    if settled:
        count = sum(int(t.details["float64"]) for t in settled)
        parts.append(
            f"{count} float32 coordinate(s) ({', '.join(t.name for t in settled)}) that float32 "
            "could not settle were re-checked on a float64 copy of the model (your arrays "
            "untouched)."
        )
    parts += unresolved_text(report)
    return " ".join(parts)


def unresolved_text(report: Report) -> list[str]:
    """The sentences on coordinates this precision cannot tell: those whose estimate wanders with
    the step, and those where the loss itself lost its digits (``details["lost_precision"]``)."""
    parts: list[str] = []
    tensors = report.tensors
    wandering = {
        t.name: int(t.details.get("unresolved", 0)) - int(t.details.get("lost_precision", 0))
        for t in tensors
    }
    wandering = {name: n for name, n in wandering.items() if n > 0}
    if wandering:
        low = any(t.details.get("precision") != "float64" for t in tensors if t.name in wandering)
        parts.append(
            f"{sum(wandering.values())} coordinate(s) ({', '.join(wandering)}) cannot be told "
            "apart at this precision: their finite-difference estimate wanders with the step by "
            "as much as its gap to the analytic value, so they are left out of the verdict"
            + (
                " (this form of model cannot be copied to float64: check it in float64 to settle "
                "them)."
                if low
                else "."
            )
        )
    lost = {
        t.name: int(t.details["lost_precision"]) for t in tensors if t.details.get("lost_precision")
    }
    if lost:
        parts.append(
            f"{sum(lost.values())} coordinate(s) ({', '.join(lost)}) cannot be told apart at this "
            "precision: the loss itself is rough there, far above its own rounding (it lost "
            "digits inside, or corners crowd below the step), and the gap to the analytic value "
            "is within that roughness, so they are left out of the verdict."
        )
        if any(w.kind == "sigmoid_saturation" for w in report.warnings):
            parts.append(
                "The cost lost precision (log of a number rounded to 1, from a saturated "
                "sigmoid): compute it from the logits Z, log(A) = -np.logaddexp(0, -Z) and "
                "log(1 - A) = -np.logaddexp(0, Z)."
            )
    return parts


def short_notes(report: Report) -> list[str]:
    """What the default report says of kinks, float64 re-checks and unsettled coordinates: one
    plain sentence each (:func:`summary_text` gives the reasoning, under --verbose)."""
    tensors = report.tensors
    notes: list[str] = []
    kinks = sum(t.kinks for t in tensors)
    if kinks:
        notes.append(
            f"{kinks} coordinate(s) sat on a kink (a ReLU at 0, a max tie, |x| at 0) and pass: "
            "your gradient there is one of the valid slopes."
        )
    settled = sum(int(t.details.get("float64") or 0) for t in tensors)
    if settled:
        notes.append(
            f"{settled} float32 coordinate(s) were settled on a float64 copy of your model "
            "(your arrays untouched)."
        )
    unresolved, count, low = _unresolved(report)
    if unresolved:
        notes.append(
            f"{count} coordinate(s) of {unresolved} could not be "
            "settled at this precision and are left out of the verdict"
            + ("; check the model in float64 to settle them." if low else ".")
        )
    lost = any(t.details.get("lost_precision") for t in tensors)
    if lost and any(w.kind == "sigmoid_saturation" for w in report.warnings):
        notes.append(
            "Your cost lost precision (a log of a sigmoid output rounded to 1): compute it from "
            "the logits Z with np.logaddexp."
        )
    return notes


def _unresolved(report: Report) -> tuple[str, int, bool]:
    """The tensors with coordinates left out of the verdict ('' when none), how many coordinates,
    and whether a float32 model could not be copied to float64 to settle them."""
    tensors = [t for t in report.tensors if t.details.get("unresolved")]
    count = sum(int(t.details["unresolved"]) for t in tensors)
    low = any(t.details.get("precision") != "float64" for t in tensors)
    return ", ".join(t.name for t in tensors), count, low
