"""The finding about the data: ``unscaled_inputs``, inputs far from mean 0 / standard deviation 1."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from gradcheck.report.records import ReportWarning
from gradcheck.train.thresholds import INPUT_SCALE_MAX

__all__ = ["input_health"]


def input_health(
    inputs: Mapping[str, Any], *, batch_size: int | None = None
) -> list[ReportWarning]:
    """``unscaled_inputs``: input arrays whose features are far from mean 0 / standard deviation 1.

    The batch axis is the one whose length is ``batch_size`` (course code keeps examples in
    columns); without it the whole array is read at once.
    """
    out: list[ReportWarning] = []
    for name, x in inputs.items():
        if not isinstance(x, np.ndarray) or x.dtype.kind not in "fiu" or x.size < 2 or x.ndim > 2:
            continue
        a = x.astype(np.float64, copy=False)
        with np.errstate(all="ignore"):
            if not np.isfinite(a).all():
                continue
            axis = None
            if batch_size is not None and a.ndim == 2 and batch_size in a.shape:
                axis = a.shape.index(batch_size)
            mean = np.mean(a, axis=axis)
            std = np.std(a, axis=axis)
            rms = np.sqrt(np.asarray(mean) ** 2 + np.asarray(std) ** 2)
            worst = float(np.max(rms))
        if worst <= INPUT_SCALE_MAX:
            continue
        lo, hi = float(a.min()), float(a.max())
        along = ""
        fix_axis = "axis=0"
        if axis is not None:
            fix_axis = f"axis={axis}"
            along = " per feature"
        m_all, s_all = float(a.mean()), float(a.std())
        fix = (
            f"Standardise: {name} = ({name} - {name}.mean({fix_axis}, keepdims=True)) / "
            f"{name}.std({fix_axis}, keepdims=True), with the same mean and std applied to any "
            f"test data."
        )
        out.append(
            ReportWarning(
                kind="unscaled_inputs",
                where=name,
                message=(
                    f"{name} is not scaled: values from {lo:.4g} to {hi:.4g}, mean {m_all:.3g}, std {s_all:.3g} "
                    f"(root-mean-square up to {worst:.3g}{along}; expected about 1). Large, uncentred inputs "
                    f"make the first layer's pre-activations (z = W @ x + b) and gradients large and "
                    f"uneven, so a learning rate that suits one weight overshoots another. {fix}"
                ),
                details={"min": lo, "max": hi, "mean": m_all, "std": s_all, "rms": worst},
                fix=fix,
                summary=(
                    f"inputs not scaled: values from {lo:.4g} to {hi:.4g}, mean {m_all:.3g} "
                    f"(expected mean 0, std 1)"
                ),
            )
        )
    return out
