"""Read-through parameter mappings, report name -> the array the user's code holds *now*: over the
user's own mapping (the loose form, the trio) and over an object's attributes; and gradient mappings
keyed by the same string names.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from gradcheck.errors import GradcheckError
from gradcheck.models.model import validate_params
from gradcheck.models.object_arrays import Loc


class MappingView(Mapping[str, np.ndarray]):
    """Report name -> the array the user's own mapping holds *now* (keys may be layer numbers).

    Read through on every access, so that user code which replaces ``params['W1']`` with a new
    array instead of updating it in place is noticed (the engine compares identities) rather than
    leaving the check perturbing an array nobody reads."""

    def __init__(self, user: Mapping[Any, Any], keys: Mapping[str, Any]) -> None:
        self._user = user
        self._keys = dict(keys)

    def __getitem__(self, name: str) -> np.ndarray:
        value = self._user[self._keys[name]]
        if not isinstance(value, np.ndarray):
            raise GradcheckError(f"parameter {name!r} is no longer a NumPy array")
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


def live_view(params: object, *, what: str = "params") -> MappingView:
    """Validate ``params`` and return a read-through view keyed by report names."""
    checked = validate_params(params, what=what)
    assert isinstance(params, Mapping)
    return MappingView(params, dict(zip(checked, params)))


def stringify_keys(mapping: Mapping[Any, Any]) -> Mapping[str, Any]:
    """Gradient mappings keyed by layer numbers, looked up by the string names the report uses."""
    if all(isinstance(k, str) for k in mapping):
        return mapping
    return {k if isinstance(k, str) else str(k): v for k, v in mapping.items()}


class LiveParams(Mapping[str, np.ndarray]):
    """Report name -> the array the object holds *now*.

    Read through the container on every access, so that a training step that replaces
    ``self.params['W1']`` with a new array (``W = W - lr * dW``) does not leave the check holding a
    stale copy."""

    def __init__(self, obj: object, locs: Mapping[str, Loc]) -> None:
        self._obj = obj
        self._locs = dict(locs)

    def __getitem__(self, name: str) -> np.ndarray:
        value = self._locs[name].read(self._obj, {})
        if not isinstance(value, np.ndarray):
            raise GradcheckError(f"parameter {name!r} is no longer a NumPy array")
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._locs)

    def __len__(self) -> int:
        return len(self._locs)

    def __repr__(self) -> str:
        return f"LiveParams({', '.join(self._locs)})"
