"""The state of one check, shared by its pieces: the model and options, the counted calls, the
random generator every draw comes from, the base point (loss, noise, precision) and what was found
so far.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from gradcheck.engine.calls import CountedCalls
from gradcheck.engine.options import Options
from gradcheck.models.model import Model
from gradcheck.report.records import NonFinite, ReportWarning


class CheckState:
    """One check's state. The pieces are functions over it; the public entry is `run_check`."""

    def __init__(
        self, model: Model, options: Options, progress: Callable[[int, int], None] | None
    ) -> None:
        self.model = model
        self.options = options
        self.progress = progress
        self.calls = CountedCalls(model)
        self.rng = np.random.default_rng(options.seed)
        self.done = 0
        self.total = 0  # units of progress planned: one per coordinate, two per direction
        self.f0 = 0.0  # the loss at the base point
        self.sigma = 0.0  # the measured round-off noise of one loss evaluation
        self.noise_in_doubt = False  # its directions disagreed, or found none above the floor
        self.loss_quantum = 0.0  # the step of a loss that moves on a grid (engine.resolution)
        self.precision = "float64"
        self.nonfinite: NonFinite | None = None
        self.nonfinite_probe: tuple[str, tuple[Any, ...], Any] | None = None
        self.needs_refresh = False  # a nudge called grads() away from the original point
        self.warnings: list[ReportWarning] = []
        # name -> (flat indices, analytic, numeric, error bar) of the coordinates compared
        self.measured: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}
        self.checked_total = 0
        self.directions_total = 0
        # The float64 copy of the model for second opinions on float32 (engine.float64), if built.
        self.float64_model: Model | None = None
        self.float64_losses = 0
        self.float64_grads: dict[str, Any] | None = None
        self.float64_f0: float | None = None
        self.float64_failed = False  # the model could not rebuild itself on float64 copies
        self.float64_gradient_calls = 0

    def evaluate(self) -> float:
        return self.calls.loss()

    def tick(self, n: int = 1) -> None:
        self.done += n
        if self.progress is not None:
            self.progress(self.done, self.total)

    def note_nonfinite(self, name: str, index: tuple[Any, ...], value: Any) -> None:
        if self.nonfinite_probe is None:
            self.nonfinite_probe = (name, index, value)
