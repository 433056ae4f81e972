"""Gradient-norm health: weight-gradient norms compared across layers, and gradients exactly zero.

Norms that span orders of magnitude are vanishing or exploding gradients; a weight gradient that is
exactly zero means no signal reaches its layer.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from gradcheck.health.thresholds import GRAD_NORM_SPREAD
from gradcheck.health.weights import _weights
from gradcheck.report.records import ReportWarning

__all__ = ["gradient_norm_health"]


def _layer_norms(grads: Mapping[str, Any]) -> list[tuple[int, str, float]]:
    """(layer, name, norm) of each numbered weight gradient with a finite norm, by layer."""
    weights = [
        (n, g, layer) for n, g, layer in _weights(grads, gradients=True) if layer is not None
    ]
    norms: list[tuple[int, str, float]] = []
    for name, g, layer in weights:
        with np.errstate(all="ignore"):
            norm = float(np.linalg.norm(np.asarray(g).ravel()))
        if math.isfinite(norm):
            norms.append((layer, name, norm))
    norms.sort()
    return norms


def _zero_gradient(layer: int, name: str) -> ReportWarning:
    return ReportWarning(
        kind="zero_gradient",
        where=name,
        message=(
            f"{name} is exactly zero: no signal reaches layer {layer} (every ReLU unit dead, "
            f"sigmoid/tanh saturated to exactly 0/+-1, or a gradient that was never written "
            f"back), so its weights never change."
        ),
        details={"layer": layer, "norm": 0.0},
        summary="the gradient is exactly zero, so no signal reaches the layer",
    )


def _spread_warning(nonzero: list[tuple[int, str, float]]) -> ReportWarning | None:
    """Vanishing or exploding gradients when the nonzero norms span :data:`GRAD_NORM_SPREAD`."""
    lo = min(nonzero, key=lambda t: t[2])
    hi = max(nonzero, key=lambda t: t[2])
    spread = hi[2] / lo[2]
    if spread < GRAD_NORM_SPREAD:
        return None
    table = ", ".join(f"{name} {n:.2e}" for _, name, n in nonzero)
    first, last = nonzero[0][2], nonzero[-1][2]
    details = {"norms": {name: n for _, name, n in nonzero}, "spread": spread}
    if first < last:
        return ReportWarning(
            kind="vanishing_gradients",
            where=lo[1],
            message=(
                f"gradient norms shrink by {spread:.1e} toward the input ({table}): the first "
                f"layers barely learn. Usually saturated tanh/sigmoid units or too small an "
                f"initialisation; use ReLU with He initialisation, scale the inputs, or add batch "
                f"norm."
            ),
            details=details,
            summary=f"gradients {spread:.1e}x smaller toward the input: the first layers barely learn",
        )
    return ReportWarning(
        kind="exploding_gradients",
        where=hi[1],
        message=(
            f"gradient norms grow by {spread:.1e} toward the input ({table}): an update "
            f"at a learning rate that suits the last layer throws the first ones far off. "
            f"Usually weights initialised too large; use He/Xavier scale, lower the learning "
            f"rate, or clip the gradients."
        ),
        details=details,
        summary=f"gradients {spread:.1e}x larger toward the input",
    )


def gradient_norm_health(grads: Mapping[str, Any]) -> list[ReportWarning]:
    """Warnings about weight-gradient norms across layers.

    * ``vanishing_gradients`` / ``exploding_gradients``: the largest and smallest layer norms differ by
      at least :data:`GRAD_NORM_SPREAD`; which one depends on whether the layers nearest the input get
      the small norms or the large ones.
    * ``zero_gradient``: a weight gradient that is exactly zero while others are not.
    Layers are ordered by the number in their names (``dW1``, ``W[2]``, ``params['W3']``); only weight
    tensors count (a bias feeding batch norm has a true gradient of zero).
    """
    norms = _layer_norms(grads)
    out = [_zero_gradient(layer, name) for layer, name, norm in norms if norm == 0]
    nonzero = [(layer, name, n) for layer, name, n in norms if n > 0]
    if len(nonzero) >= 2:
        spread = _spread_warning(nonzero)
        if spread is not None:
            out.append(spread)
    return out
