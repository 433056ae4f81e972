"""The counted calls into the user's code: the loss (converted to one float) and the gradients (a
mapping), each call counted for the report's statistics.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from gradcheck.errors import GradcheckError
from gradcheck.models.model import Model


class CountedCalls:
    """Calls the model's loss and grads, converting and counting."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.losses = 0
        self.grads = 0
        self.loss_dtype: np.dtype[Any] | None = None

    def loss(self) -> float:
        raw = self.model.loss()
        self.losses += 1
        return self.to_float(raw)

    def to_float(self, raw: Any) -> float:
        if isinstance(raw, (float, int)) and not isinstance(raw, bool):
            return float(raw)
        if raw is None:
            raise GradcheckError(
                "the loss returned None; it must return one number (a missing `return`?)"
            )
        if isinstance(raw, (str, bytes)):
            raise GradcheckError(
                f"the loss returned a string ({raw!r:.40}); it must return one number"
            )
        try:
            arr = np.asarray(raw)
        except Exception as exc:  # pragma: no cover - exotic objects
            raise GradcheckError(f"the loss returned {type(raw).__name__}, not a number") from exc
        if arr.dtype.kind not in "fiu" or arr.dtype == bool:
            raise GradcheckError(
                f"the loss returned {type(raw).__name__} of dtype {arr.dtype}; it must return one number"
            )
        if arr.size != 1:
            raise GradcheckError(
                f"the loss returned an array of shape {arr.shape}; it must return one number "
                "(sum or average it, e.g. np.mean(...))"
            )
        if self.loss_dtype is None and arr.dtype.kind == "f":
            self.loss_dtype = arr.dtype
        return float(arr.reshape(()))

    def gradients(self) -> Mapping[str, Any]:
        raw = self.model.grads()
        self.grads += 1
        if not isinstance(raw, Mapping):
            raise GradcheckError(
                f"the gradients must be a mapping of name -> array (e.g. {{'dW1': ...}}); got {type(raw).__name__}"
            )
        return raw
