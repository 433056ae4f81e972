"""The records of a watched training run: what :mod:`gradcheck.train` saw, frozen, with ``to_dict()``.

:class:`WatchSummary` is the JSON of ``gradcheck watch --json`` and what the renderers read; it holds a
:class:`TensorHealth` per parameter, the :class:`GradientCheck` s made during the run and the
:class:`CostTrend` of its cost curve. Nothing here computes a verdict or imports the training room.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Any, Protocol

from gradcheck.report.healthy import UPDATE_RATIO_HEALTHY
from gradcheck.report.json_values import json_number
from gradcheck.report.records import NonFinite, ReportWarning
from gradcheck.report.result import Report

__all__ = [
    "UPDATE_RATIO_HEALTHY",
    "ActivationReading",
    "CostTrend",
    "GradientCheck",
    "TensorHealth",
    "WatchSummary",
]


class ActivationReading(Protocol):
    """One traced activation as a summary keeps it (:class:`gradcheck.health.stats.ActivationStats`)."""

    def to_dict(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class TensorHealth:
    """What the watch saw of one parameter tensor over the run.

    ``update_ratios`` are (step, ||W_step - W_before|| / ||W_before||) for each measured step,
    ``norms`` and ``grad_norms`` (step, norm) at each reading.
    """

    name: str
    shape: tuple[int, ...]
    is_weight: bool
    norms: tuple[tuple[int, float], ...] = ()
    grad_norms: tuple[tuple[int, float], ...] = ()
    update_ratios: tuple[tuple[int, float], ...] = ()

    @property
    def update_ratio(self) -> float | None:
        """The median update/weight ratio over the measured steps."""
        values = [r for _, r in self.update_ratios if math.isfinite(r)]
        return statistics.median(values) if values else None

    @property
    def norm_first(self) -> float | None:
        return self.norms[0][1] if self.norms else None

    @property
    def norm_last(self) -> float | None:
        return self.norms[-1][1] if self.norms else None

    @property
    def grad_norm_first(self) -> float | None:
        return self.grad_norms[0][1] if self.grad_norms else None

    @property
    def grad_norm_last(self) -> float | None:
        return self.grad_norms[-1][1] if self.grad_norms else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "shape": list(self.shape),
            "is_weight": self.is_weight,
            "norm_first": json_number(self.norm_first),
            "norm_last": json_number(self.norm_last),
            "grad_norm_first": json_number(self.grad_norm_first),
            "grad_norm_last": json_number(self.grad_norm_last),
            "update_ratio": json_number(self.update_ratio),
            "update_ratio_last": json_number(self.update_ratios[-1][1])
            if self.update_ratios
            else None,
            "readings": len(self.norms),
        }


@dataclass(frozen=True)
class GradientCheck:
    """One gradient check made during the watch (step 0 = before the first step)."""

    step: int
    report: Report

    @property
    def ok(self) -> bool:
        return self.report.ok

    def to_dict(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "ok": self.ok,
            "failed": [t.name for t in self.report.failed],
            "tensors": len(self.report.tensors),
            "max_rel_error": json_number(
                max(
                    (t.rel_error for t in self.report.tensors if t.rel_error is not None),
                    default=None,
                )
            ),
        }


@dataclass(frozen=True)
class CostTrend:
    """What a cost curve did: the numbers a warning about it quotes."""

    start: float
    last: float
    minimum: float
    min_step: int
    peak_after_min: float
    peak_step: int
    up_share: float  # share of steps in the second half where the cost went up
    steps: int
    rising: bool
    oscillating: bool
    flat: bool
    diverged: bool  # ends above where it started

    def to_dict(self) -> dict[str, Any]:
        return {k: json_number(v) if isinstance(v, float) else v for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class WatchSummary:
    """Everything a watch saw. ``to_dict()`` is the JSON of ``gradcheck watch --json``."""

    steps: int
    costs: tuple[float | None, ...]
    first_nonfinite: NonFinite | None = None
    first_nonfinite_step: int | None = None
    detected_step: int | None = None
    nonfinite_steps: int = 0
    origins: tuple[tuple[int, NonFinite], ...] = ()
    warnings: tuple[ReportWarning, ...] = ()
    tensors: tuple[TensorHealth, ...] = ()
    checks: tuple[GradientCheck, ...] = ()
    activations: tuple[tuple[int, tuple[ActivationReading, ...]], ...] = ()
    trend: CostTrend | None = None
    numpy_events: int = 0
    seconds: float = 0.0
    name: str | None = None
    lr: float | None = None
    mode: str | None = None
    requested_steps: int | None = None
    last_good_step: int | None = None
    interrupted: bool = False
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """No non-finite value was found and every gradient check passed."""
        return self.first_nonfinite is None and all(c.ok for c in self.checks)

    def _repr_html_(self) -> str:
        """The terminal's summary as HTML, for Jupyter (rich is imported only when one asks)."""
        from gradcheck.report.watch_html import summary_html

        return summary_html(self)

    def to_dict(self) -> dict[str, Any]:
        first: dict[str, Any] | None = None
        if self.first_nonfinite is not None:
            first = {"step": self.first_nonfinite_step, **self.first_nonfinite.to_dict()}
            first["detected_step"] = self.detected_step
        return {
            "ok": self.ok,
            "steps": self.steps,
            "costs": [json_number(c) for c in self.costs],
            "first_nonfinite": first,
            "warnings": [w.to_dict() for w in self.warnings],
            "nonfinite_steps": self.nonfinite_steps,
            "last_good_step": self.last_good_step,
            "tensors": [t.to_dict() for t in self.tensors],
            "gradient_checks": [c.to_dict() for c in self.checks],
            "activations": [
                {"step": step, "stats": [s.to_dict() for s in stats]}
                for step, stats in self.activations
            ],
            "cost_trend": self.trend.to_dict() if self.trend else None,
            "numpy_events": self.numpy_events,
            "seconds": round(self.seconds, 6),
            "lr": self.lr,
            "mode": self.mode,
            "requested_steps": self.requested_steps,
            "interrupted": self.interrupted,
            "notes": list(self.notes),
        }
