"""What a user's module offers by the names course notebooks and tutorials give it: the inputs
(``X``, ``train_x``, ``X_train``, ``X_dev``, ``inputs``, ...), the labels (``Y``, ``train_y``,
``y_dev``, ``targets``, ...) and the parameter mapping (``params``, ``parameters``,
``params_values``). Discovery (:mod:`gradcheck.models.discovery`) and the forms it builds read them
here, so that every form finds data under the same names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["INPUT_GLOBALS", "LABEL_GLOBALS", "PARAM_GLOBALS", "find_data", "find_params"]

#: Module-level names of the inputs, in the order they are looked for.
INPUT_GLOBALS = (
    "X", "x", "train_x", "train_X", "train_set_x", "X_train", "x_train", "X_dev", "x_dev",
    "inputs",
)  # fmt: skip
#: ... and of the labels.
LABEL_GLOBALS = (
    "Y", "y", "train_y", "train_Y", "train_set_y", "Y_train", "y_train", "Y_dev", "y_dev",
    "targets", "labels",
)  # fmt: skip
#: ... and of the parameter mapping.
PARAM_GLOBALS = ("params", "parameters", "params_values")


def _is_data(value: object) -> bool:
    """An array, or a list of numbers (min-char-rnn's ``inputs = [char_to_ix[ch] ...]``)."""
    if isinstance(value, np.ndarray):
        return True
    return isinstance(value, (list, tuple)) and all(
        isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
        for v in value
    )


def _first_data(namespace: Mapping[str, Any], names: tuple[str, ...]) -> tuple[str, Any] | None:
    for name in names:
        if name in namespace and _is_data(namespace[name]):
            return name, namespace[name]
    return None


def find_data(namespace: Mapping[str, Any]) -> dict[str, tuple[str, Any]]:
    """``{"X": (name, value), "Y": (name, value)}`` for what the module defines (either may be
    missing)."""
    found: dict[str, tuple[str, Any]] = {}
    x = _first_data(namespace, INPUT_GLOBALS)
    y = _first_data(namespace, LABEL_GLOBALS)
    if x is not None:
        found["X"] = x
    if y is not None:
        found["Y"] = y
    return found


def find_params(namespace: Mapping[str, Any]) -> tuple[str, Any] | None:
    """The module-level parameter mapping: ``(name, mapping)``, or None."""
    for name in PARAM_GLOBALS:
        if namespace.get(name) is not None:
            return name, namespace[name]
    return None
