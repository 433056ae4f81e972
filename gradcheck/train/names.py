"""What an array's name says it is: a parameter and its gradient, a weight or a bias, data or a cache.

User code names its arrays by convention (``W1``/``dW1``, ``W[1]``/``dW[1]``,
``params['W1']``/``grads['dW1']``, ``cache['Z1']``, ``self.X``); the watch reads those names to pair
parameters with gradients and to search a NaN's origin data first.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["cache_like", "input_rank", "is_weight_name", "pair_gradients"]

_NAME = re.compile(r"^(?P<attr>[A-Za-z_][A-Za-z0-9_]*)(?:\[(?P<key>.+)\])?$")


def _token(name: str) -> tuple[str, str]:
    """``W[1]`` -> ('W', '1'); ``params['W1']`` -> ('W1', ''); ``W1`` -> ('W1', '').

    The first part is what a gradient's name adds a ``d`` to; the second the layer key it shares.
    """
    m = _NAME.match(name)
    if not m:
        return name, ""
    attr, key = m.group("attr"), m.group("key")
    if key is None:
        return attr, ""
    stripped = key.strip("'\"")
    if stripped != key and re.match(r"^[A-Za-z_]", stripped):
        return stripped, ""  # a string key names the tensor itself
    return attr, stripped


_GRAD_CONTAINERS = ("grads", "gradients", "grad", "dparams", "d_params", "derivatives")


def _container(name: str) -> str:
    m = _NAME.match(name)
    return m.group("attr") if m and m.group("key") is not None else ""


def _gradient_bases(base: str) -> tuple[str, ...]:
    return ("d" + base, "d_" + base, "grad_" + base, base + "_grad", "grad" + base)


def pair_gradients(params: Mapping[str, Any], grads: Mapping[str, Any]) -> dict[str, str]:
    """Parameter name -> gradient name, by the names a user's code gives them.

    ``W1`` <-> ``dW1``, ``W[1]`` <-> ``dW[1]``, ``params['W1']`` <-> ``grads['dW1']`` or a
    ``grads['W1']`` kept in a container named like gradients. A name with no partner is left out.
    """
    by_token: dict[tuple[str, str], list[str]] = {}
    for g in grads:
        by_token.setdefault(_token(str(g)), []).append(str(g))
    out: dict[str, str] = {}
    for p in params:
        base, key = _token(str(p))
        found = None
        for cand in _gradient_bases(base):
            names = by_token.get((cand, key))
            if names:
                found = names[0]
                break
        if found is None:
            for g in by_token.get((base, key), []):
                if g != p and (_container(g).lower() in _GRAD_CONTAINERS or g == base):
                    found = g
                    break
        if found is not None:
            out[str(p)] = found
    return out


_BIAS = re.compile(r"^(b|bias|beta|biases)_?\d*$|bias", re.IGNORECASE)


def is_weight_name(name: str) -> bool:
    """True for weights (``W1``, ``W[2]``, ``params['W1']``); False for biases and shifts."""
    base, _ = _token(name)
    return not _BIAS.search(base)


_CACHE = re.compile(
    r"^(A|Z|a|z|H|h|AL|X|x|Y|y|S|out|output|outputs|scores|probs|logits|y_hat|yhat|Y_hat|cache|caches|"
    r"activations?|pre_?activations?|delta|deltas|error|errors)_?\d*$"
)


def cache_like(name: str) -> bool:
    """Forward-pass values and data (``A1``, ``cache['Z1']``, ``self.X``): never parameters, although
    backprop writes a ``dA1``/``dZ1`` named like their gradient."""
    base, _ = _token(name)
    container = _container(name).lower()
    return bool(_CACHE.match(base)) or container in (
        "cache",
        "caches",
        "activations",
        "forward_cache",
    )


_DATA = re.compile(r"^(X|x|Y|y|inputs?|labels?|targets?|data)(_\w+)?$")


def input_rank(name: str) -> int:
    """0 for data, 1 for parameters, 2 for gradients and forward caches."""
    base, _ = _token(name)
    if _DATA.match(base):
        return 0
    if cache_like(name) or re.match(r"^d_?[A-Za-z]", base) or _container(name) in _GRAD_CONTAINERS:
        return 2
    return 1
