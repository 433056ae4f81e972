"""A network's weights read from its parameter names: which arrays are weights, layers, fan-ins.

``params['W1']``, ``self.W[1]``, ``conv2.weight`` and the gradients ``dW1``, ``d_w2`` all name a
weight of a numbered layer; biases, batch-norm scales and shifts (names starting b/bias/beta/gamma/
scale/shift) are not weights.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from typing import Any

import numpy as np

_Weight = tuple[str, np.ndarray, int | None]


def _base_token(name: str) -> str:
    """``params['W1']`` -> ``W1``; ``self.W[1]`` -> ``W``; ``dW1`` -> ``dW1``."""
    inner = re.findall(r"\[['\"]([^'\"]+)['\"]\]", name)
    if inner:
        return str(inner[-1])
    tokens = re.findall(r"[A-Za-z_][A-Za-z0-9_]*", name)
    return str(tokens[-1]) if tokens else name


def _strip_d(token: str) -> str:
    """Gradient names to parameter names: ``dW1`` -> ``W1``, ``db`` -> ``b``, ``d_w2`` -> ``w2``."""
    rest = token[2:] if token.startswith("d_") else token[1:] if token.startswith("d") else None
    if rest and re.match(r"^(w|b|W|gamma|beta|kernel|weight|bias|theta|g\b)", rest):
        return rest
    return token


_BIAS = re.compile(
    r"^(b|bias|beta|gamma|g|scale|shift|offset|running|bn|ln)(\d|_|$|[A-Z])", re.IGNORECASE
)


def _is_bias_name(token: str) -> bool:
    return bool(_BIAS.match(token))


def _layer(name: str) -> int | None:
    """The layer number in a name: ``W2``, ``W[2]``, ``params['W2']``, ``conv2.weight``."""
    found = re.findall(r"\d+", name)
    return int(found[-1]) if found else None


def _weights(arrays: Mapping[str, Any], *, gradients: bool) -> list[_Weight]:
    """(name, array, layer) for the weight tensors (ndim >= 2, not a bias/scale/shift by name)."""
    out = []
    for name, value in arrays.items():
        if not isinstance(value, np.ndarray) or value.dtype.kind not in "fc" or value.ndim < 2:
            continue
        token = _base_token(str(name))
        if gradients:
            token = _strip_d(token)
        if _is_bias_name(token):
            continue
        out.append((str(name), value, _layer(str(name))))
    return out


def _biases(arrays: Mapping[str, Any]) -> dict[int, np.ndarray]:
    out: dict[int, np.ndarray] = {}
    for name, value in arrays.items():
        if isinstance(value, np.ndarray) and re.match(r"^b", _base_token(str(name))):
            layer = _layer(str(name))
            if layer is not None:
                out[layer] = value
    return out


def _fan_ins(
    name: str,
    w: np.ndarray,
    layer: int | None,
    weights: list[_Weight],
    biases: Mapping[int, np.ndarray],
) -> list[int]:
    """Plausible fan-ins of a weight tensor; the caller takes the most forgiving.

    2-D: (n_out, n_in) in course code, (n_in, n_out) elsewhere. The bias of the same layer decides
    (its length is n_out), else the chain of consecutive layers (W2's input is W1's output). 4-D
    kernels: (out, in, kh, kw) or (kh, kw, in, out).
    """
    if w.ndim > 2:
        return sorted({int(np.prod(w.shape[1:])), int(np.prod(w.shape[:-1]))})
    rows, cols = w.shape
    b = biases.get(layer) if layer is not None else None
    if b is not None and b.size in (rows, cols) and rows != cols:
        return [cols] if b.size == rows else [rows]
    two_d = sorted(
        (lw for lw in weights if lw[1].ndim == 2 and lw[2] is not None), key=lambda t: t[2] or 0
    )
    out_in = in_out = 0
    for (_, w1, _), (_, w2, _) in itertools.pairwise(two_d):
        out_in += w2.shape[1] == w1.shape[0]
        in_out += w2.shape[0] == w1.shape[1]
    if out_in > in_out:
        return [cols]
    if in_out > out_in:
        return [rows]
    return sorted({rows, cols})
