"""The per-tensor verdict from its measured coordinates and directions: the relative errors, the
status they earn, the worst elements, and for a tensor that warns or fails the pattern, factor and
message (the diagnosis, the heat map, and what the re-measurements ruled out).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gradcheck.diagnose.grid import error_grid, grid_blocks
from gradcheck.diagnose.patterns import classify
from gradcheck.diagnose.stages import numeric_to_noise
from gradcheck.engine.coords import Coords
from gradcheck.engine.state import CheckState
from gradcheck.engine.tolerances import (
    OBVIOUS,
    TOLERANCES,
    elementwise_relative_error,
    relative_error,
    status_for,
)
from gradcheck.models.named import named_values
from gradcheck.report.layers import layer_of
from gradcheck.report.result import PASS, Element, TensorResult

WORST_SHOWN = 5


def tensor_result(
    state: CheckState, name: str, arr: np.ndarray, key: str, c: Coords, dir_rels: list[float]
) -> TensorResult:
    passing, _ = TOLERANCES[state.precision]
    smooth = ~c.kink & ~c.unresolved & np.isfinite(c.numeric)
    a, n, b = c.analytic[smooth], c.numeric[smooth], c.bound[smooth]
    rel_t = relative_error(a, n, b, passing) if a.size else None
    per = elementwise_relative_error(a, n, b, passing)
    worst_rel = float(per.max()) if per.size else 0.0
    dir_rel = max(dir_rels) if dir_rels else None
    metric = max([x for x in (rel_t, worst_rel, dir_rel) if x is not None], default=0.0)
    # Coordinates at a corner were judged by their one-sided slopes, and those no step resolves
    # are a note: a tensor made only of them passes on that evidence, it does not warn.
    status = status_for(metric, state.precision)
    order = np.argsort(-per)[:WORST_SHOWN]
    flat_smooth = c.flat[smooth]
    worst = tuple(
        Element(
            index=tuple(int(i) for i in np.unravel_index(int(flat_smooth[k]), arr.shape)),
            analytic=float(a[k]),
            numeric=float(n[k]),
            rel_error=float(per[k]),
        )
        for k in order
        if per[k] > 0 or status != PASS
    )
    details: dict[str, Any] = {"precision": state.precision, "key": key}
    details.update(c.notes)
    if a.size:  # how far the true gradient stands above the noise: is a pass evidence? (suspect)
        details["numeric_to_noise"] = numeric_to_noise(n, b)
    if c.confirmed.any():
        details["confirmed_wrong"] = int(c.confirmed.sum())
    if c.unresolved.any():
        details["unresolved"] = int(c.unresolved.sum())
    pattern, factor, message, summary = None, None, None, None
    if status != PASS:
        pattern, factor, message, summary = diagnosis(
            state, arr, c, smooth, metric, dir_rel, details
        )
    return TensorResult(
        name=name,
        shape=tuple(arr.shape),
        dtype=str(arr.dtype),
        status=status,
        rel_error=rel_t if rel_t is not None else dir_rel,
        max_abs_error=float(np.max(np.abs(a - n))) if a.size else None,
        checked=int(c.flat.size),
        kinks=int(c.kink.sum()),
        worst=worst,
        message=message,
        pattern=pattern,
        factor=factor,
        size=int(arr.size),
        directions=len(dir_rels),
        directional_rel_error=dir_rel,
        layer=layer_of(name),
        details=details,
        summary=summary,
    )


def diagnosis(
    state: CheckState,
    arr: np.ndarray,
    c: Coords,
    smooth: np.ndarray,
    metric: float,
    dir_rel: float | None,
    details: dict[str, Any],
) -> tuple[str | None, float | None, str, str | None]:
    """Pattern, factor, message and summary for a tensor that warns or fails; the heat map into
    details."""
    passing, failing = TOLERANCES[state.precision]
    verdict = "disagree" if metric > failing else "disagree slightly"
    a, n, b = c.analytic[smooth], c.numeric[smooth], c.bound[smooth]
    rel_t = relative_error(a, n, b, passing) if a.size else metric
    head = f"relative error {rel_t:.2g}"
    if metric > 1.5 * rel_t:
        head += f", {metric:.2g} at the worst {'direction' if metric == dir_rel else 'coordinate'}"
    head += f" (pass <= {passing:g}, fail > {failing:g})"
    flat = c.flat[smooth]
    sampled_ok = a.size and elementwise_relative_error(a, n, b, passing).max() <= passing
    if dir_rel is not None and (a.size == 0 or sampled_ok):
        return None, None, *unsampled(arr.size, a.size, head)
    d = classify(
        a,
        n,
        shape=arr.shape,
        flat_index=flat,
        tolerance=b,
        batch_size=state.model.extra.get("batch_size"),
        values=arr.reshape(-1)[flat].astype(np.float64),
        rtol=passing,
        named_values=named_values(state.model.trace_targets, state.model.extra.get("named_values")),
    )
    details["diagnosis"] = d.details
    if arr.ndim >= 1 and arr.size > 1:
        details["heatmap"] = heatmap(arr.shape, flat, a, n, b, passing)
    reading, summary = d.message, d.summary
    if d.details.get("borderline") and c.confirmed.any():
        # The re-measurements settled what the noise alone could not: the gap is small but real.
        reading = "The gap is small: within 4 times the measured noise at every coordinate."
        summary = (
            "The gap is small but real: it stays when measured again more carefully. Look for a "
            "slightly wrong constant or a small term left out (an epsilon, part of a penalty)."
        )
    # What re-measuring ruled out matters when the gap is small enough to doubt; for a gross
    # error it would only bury the reading (it stays in details).
    why = cause_text(c) if metric < OBVIOUS else ""
    message = f"analytic and numeric gradients {verdict}: {head}. {reading}{why}"
    return d.pattern, d.factor, message, summary


def unsampled(size: int, sampled: int, head: str) -> tuple[str, str]:
    """(message, summary) when only a random direction disagrees: the error is in entries the
    coordinate sample missed."""
    return (
        (
            f"a random direction through all {size:,} entries disagrees ({head})"
            + (
                f" although the {sampled} sampled coordinates agree: the error sits in entries "
                "that were not sampled"
                if sampled
                else ""
            )
            + " (run with --mode full, or a larger --sample, to name them)"
        ),
        (
            f"Your gradient is wrong somewhere among the {size:,} entries"
            + (f", though the {sampled} checked one by one are right" if sampled else "")
            + ": moving them all at once changes the loss differently. Run with --mode full "
            "(mode='full') to find which."
        ),
    )


def heatmap(
    shape: tuple[int, ...],
    flat: np.ndarray,
    a: np.ndarray,
    n: np.ndarray,
    b: np.ndarray,
    passing: float,
) -> dict[str, Any]:
    """Where the error sits in the tensor: the error grid over blocks of rows and columns."""
    numeric_full = np.full(shape, np.nan)
    tolerance_full = np.full(shape, np.inf)
    numeric_full.reshape(-1)[flat] = n
    tolerance_full.reshape(-1)[flat] = b
    analytic_full = np.full(shape, np.nan)
    analytic_full.reshape(-1)[flat] = a
    grid = error_grid(analytic_full, numeric_full, tolerance_full, rtol=passing)
    rows, cols = grid_blocks(shape)
    return {
        "grid": grid.tolist(),
        "row_starts": rows.tolist(),
        "col_starts": cols.tolist(),
    }


def cause_text(c: Coords) -> str:
    """Why the disagreement is not numerical: what the re-measurements ruled out."""
    confirmed = int(c.confirmed.sum())
    if not confirmed:
        return ""
    ruled_out = [
        "round-off (beyond the measured noise)",
        "truncation (the same at smaller steps)",
        "a kink (outside the one-sided slopes, and still wrong a few steps away)",
    ]
    return (
        f" Re-measured, {confirmed} coordinate(s) still disagree, so this is a real error, not "
        + ", ".join(ruled_out[:-1])
        + f" or {ruled_out[-1]}."
    )
