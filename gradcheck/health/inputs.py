"""Input health: inputs that were never scaled (raw pixels, counts, intensities 0..16)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from gradcheck.health.thresholds import INPUT_RMS_MAX, SCALE_INPUTS
from gradcheck.report.records import ReportWarning

__all__ = ["input_health"]


def input_health(inputs: Mapping[str, Any]) -> list[ReportWarning]:
    """``unscaled_inputs`` for each input array whose RMS exceeds :data:`INPUT_RMS_MAX`.

    Pass the network's inputs only (``X``), not labels: class indices 0..9 are not features.
    """
    out: list[ReportWarning] = []
    for name, value in inputs.items():
        if not isinstance(value, np.ndarray) or value.dtype.kind not in "fiu" or value.size == 0:
            continue
        with np.errstate(all="ignore"):
            a = np.asarray(value, dtype=float)
            a = a[np.isfinite(a)]
            if a.size == 0:
                continue
            rms = float(np.sqrt(np.mean(a * a)))
            mean, low, high = float(a.mean()), float(a.min()), float(a.max())
        if rms > INPUT_RMS_MAX:
            out.append(
                ReportWarning(
                    kind="unscaled_inputs",
                    where=str(name),
                    message=(
                        f"{name}: the inputs are unscaled (RMS {rms:.3g}, mean {mean:.3g}, range "
                        f"{low:.3g}..{high:.3g}); large inputs make large pre-activations, saturate "
                        f"tanh/sigmoid and make a learning rate hard to choose. {SCALE_INPUTS}"
                    ),
                    details={"rms": rms, "mean": mean, "min": low, "max": high},
                    fix=SCALE_INPUTS,
                    summary=f"inputs unscaled (mean {mean:.2g}, range {low:.3g}..{high:.3g})",
                )
            )
    return out
