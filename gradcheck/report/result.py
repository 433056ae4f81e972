"""The result of a check: the tensor statuses and the frozen records of what a check found.

``to_dict()`` gives exactly the JSON of INTERFACE.md §4. Nothing here computes or prints; the engine
fills these in and the renderers read them. The warning and NaN/Inf records, which a watch reports
too, are in :mod:`gradcheck.report.records`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gradcheck.report.json_values import json_number, jsonable
from gradcheck.report.records import NonFinite, ReportWarning, SourceLine
from gradcheck.report.status import FAIL, PASS, WARN

__all__ = ["FAIL", "PASS", "WARN", "Element", "Report", "Stats", "TensorResult"]


@dataclass(frozen=True)
class Element:
    """One compared coordinate: where it is and what the two gradients said."""

    index: tuple[int, ...]
    analytic: float
    numeric: float
    rel_error: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": list(self.index),
            "analytic": json_number(self.analytic),
            "numeric": json_number(self.numeric),
            "rel_error": json_number(self.rel_error),
        }


@dataclass(frozen=True)
class TensorResult:
    """The verdict on one parameter tensor."""

    name: str
    shape: tuple[int, ...]
    dtype: str
    status: str
    rel_error: float | None
    max_abs_error: float | None
    checked: int
    kinks: int
    pattern: str | None = None
    factor: float | None = None
    worst: tuple[Element, ...] = ()
    message: str | None = None
    # Beyond INTERFACE.md: how the tensor was checked and what else was learnt.
    size: int = 0
    directions: int = 0  # random directions compared (directional / auto mode)
    directional_rel_error: float | None = None
    layer: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    # The statements of the user's backward that computed this gradient (the assignment first).
    source_lines: tuple[SourceLine, ...] = ()
    fixed_line: str | None = None  # the assignment as it would be fixed, when the pattern says how
    # The reading in plain words without the evidence (shown by default; ``message`` under -v).
    summary: str | None = None

    @property
    def ok(self) -> bool:
        return self.status != FAIL

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "shape": list(self.shape),
            "dtype": self.dtype,
            "status": self.status,
            "rel_error": json_number(self.rel_error),
            "max_abs_error": json_number(self.max_abs_error),
            "checked": self.checked,
            "kinks": self.kinks,
            "pattern": self.pattern,
            "factor": json_number(self.factor),
            "worst": [e.to_dict() for e in self.worst],
            "message": self.message,
            "size": self.size,
            "directions": self.directions,
            "directional_rel_error": json_number(self.directional_rel_error),
            "layer": self.layer,
            "details": jsonable(self.details),
            "source_lines": [s.to_dict() for s in self.source_lines],
            "fixed_line": self.fixed_line,
            "summary": self.summary,
        }


@dataclass(frozen=True)
class Stats:
    """What the check did and what it cost."""

    mode: str
    loss_evaluations: int
    grad_evaluations: int
    seconds: float
    requested_mode: str = "auto"
    coordinates_checked: int = 0
    coordinates_total: int = 0
    directions: int = 0
    noise: float | None = None  # estimated round-off noise of one loss evaluation
    seed: int | None = None
    interrupted: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "loss_evaluations": self.loss_evaluations,
            "grad_evaluations": self.grad_evaluations,
            "seconds": round(self.seconds, 6),
            "requested_mode": self.requested_mode,
            "coordinates_checked": self.coordinates_checked,
            "coordinates_total": self.coordinates_total,
            "directions": self.directions,
            "noise": json_number(self.noise),
            "seed": self.seed,
            "interrupted": self.interrupted,
        }


@dataclass(frozen=True)
class Report:
    """Everything one check found. ``ok`` is True when no tensor fails and nothing was non-finite."""

    tensors: tuple[TensorResult, ...]
    stats: Stats
    suspect_layer: str | None = None
    warnings: tuple[ReportWarning, ...] = ()
    nonfinite: NonFinite | None = None
    loss: float | None = None
    source: str | None = None
    suspect_message: str | None = None
    notes: tuple[str, ...] = ()  # how the model was read (from the adapter): context, not warnings
    # The suspect sentence in one or two plain sentences (suspect_message is the full reasoning).
    suspect_summary: str | None = None

    @property
    def ok(self) -> bool:
        """No tensor fails, nothing was non-finite, and the check ran to the end."""
        return (
            self.nonfinite is None
            and not self.stats.interrupted
            and all(t.ok for t in self.tensors)
        )

    @property
    def failed(self) -> tuple[TensorResult, ...]:
        return tuple(t for t in self.tensors if t.status == FAIL)

    def tensor(self, name: str) -> TensorResult:
        for t in self.tensors:
            if t.name == name:
                return t
        raise KeyError(name)

    def _repr_html_(self) -> str:
        """The terminal's report as HTML, for Jupyter (rich is imported only when one asks)."""
        from gradcheck.report.html import report_html

        return report_html(self)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "tensors": [t.to_dict() for t in self.tensors],
            "suspect_layer": self.suspect_layer,
            "warnings": [w.to_dict() for w in self.warnings],
            "nonfinite": self.nonfinite.to_dict() if self.nonfinite else None,
            "stats": self.stats.to_dict(),
            "loss": json_number(self.loss),
            "source": self.source,
            "suspect_message": self.suspect_message,
            "notes": list(self.notes),
            "suspect_summary": self.suspect_summary,
        }
