"""A model's data: the names its inputs and labels go by, the arrays it owns, and the batch size
their shapes say. Every model form fills these in; the engine, the health checks and the watch read
them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from gradcheck.models.model import Model

#: Names under which a model's inputs are kept (`Model.owned_arrays`, module and object attributes),
#: most usual first.
INPUT_NAMES = ("X", "x", "inputs", "X_train", "x_train", "data", "features")
#: ... and its labels.
LABEL_NAMES = ("Y", "y", "labels", "targets", "target", "Y_train", "y_train")


DATA_NAMES = frozenset(INPUT_NAMES + LABEL_NAMES)


def data_arrays(model: Model, *, labels: bool = True) -> dict[str, np.ndarray]:
    """The model's inputs (and labels, unless ``labels=False``), by the names its owner gave them.

    Arrays a model owns that hold its data rather than a cache: user code that writes into them
    between two evaluations makes every finite difference meaningless, and their scale is what the
    input-health warning reads.
    """
    wanted = INPUT_NAMES + (LABEL_NAMES if labels else ())
    owned = model.owned_arrays() if model.owned_arrays is not None else {}
    return {
        name: arr
        for name, arr in owned.items()
        if name in wanted and isinstance(arr, np.ndarray) and arr.dtype.kind in "biufc"
    }


def infer_batch_size(X: object, Y: object) -> int | None:
    """The number of examples, when the shapes of X and Y say it without ambiguity.

    Course code keeps examples in columns (X: features x m, Y: 1 x m); most other code keeps them
    in rows (X: m x features, Y: m or m x classes). Used by the diagnosis of a missing 1/m.
    """
    xs = getattr(X, "shape", None)
    ys = getattr(Y, "shape", None)
    if not xs or not ys:
        return None
    if len(ys) == 1:
        return int(ys[0]) if ys[0] in (xs[0], xs[-1]) else None
    rows = ys[0] == xs[0]
    cols = ys[-1] == xs[-1]
    if rows and not cols:
        return int(ys[0])
    if cols and not rows:
        return int(ys[-1])
    if rows and cols:
        # Y is 1 x m or m x 1: the long side is the batch.
        if ys[0] == 1 and ys[-1] != 1:
            return int(ys[-1])
        if ys[-1] == 1 and ys[0] != 1:
            return int(ys[0])
    return None


def batch_extra(X: object, Y: object) -> dict[str, Any]:
    """``Model.extra``'s batch size, when the shapes of X and Y tell it."""
    batch = infer_batch_size(X, Y)
    return {} if batch is None else {"batch_size": batch}


def owned_arrays(values: Mapping[str, object]) -> Callable[[], Mapping[str, np.ndarray]] | None:
    """``Model.owned_arrays`` for the given data: the NumPy arrays among them, by name."""
    arrays = {k: v for k, v in values.items() if isinstance(v, np.ndarray)}
    if not arrays:
        return None
    return lambda: dict(arrays)
