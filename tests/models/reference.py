"""A tiny reference finite-difference check, independent of the engine, for the models tests."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from gradcheck import Model
from gradcheck.models.model import gradient_key_candidates


def numeric_grad(loss: Callable[[], Any], array: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Centered differences, perturbing ``array`` in place (as the engine does)."""
    out = np.zeros_like(array, dtype=np.float64)
    for idx in np.ndindex(array.shape):
        old = array[idx]
        array[idx] = old + h
        plus = float(loss())
        array[idx] = old - h
        minus = float(loss())
        array[idx] = old
        out[idx] = (plus - minus) / (2 * h)
    return out


def lookup(model: Model, grads: Mapping[str, Any], name: str) -> np.ndarray:
    key = model.grad_keys.get(name)
    if key is not None:
        return np.asarray(grads[key])
    for cand in gradient_key_candidates(name):
        if cand in grads:
            return np.asarray(grads[cand])
    raise KeyError(name)


def max_rel_error(model: Model) -> dict[str, float]:
    grads = model.grads()
    out = {}
    for name, arr in model.params.items():
        num = numeric_grad(model.loss, arr)
        ana = lookup(model, grads, name)
        denom = np.maximum(np.abs(num) + np.abs(ana), 1e-12)
        out[name] = float(np.max(np.abs(num - ana) / denom))
    return out
