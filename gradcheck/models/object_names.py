"""What the names of an object's attributes say: which read as a parameter (``W1``, ``bias``), which
name a parameter's gradient (``dW1``, ``grad_W1``), which containers hold parameters, gradients or
caches, and which attributes are the model's inputs; with the two tests of a value that go with
them (a float array, a number).
"""

from __future__ import annotations

import numpy as np

from gradcheck.models.binding import X_NAMES, Y_NAMES
from gradcheck.models.object_arrays import NO_KEY, Loc

# Container names that say "these are the parameters" even before a gradient is found.
PARAM_CONTAINERS = frozenset(
    {
        "params",
        "parameters",
        "param",
        "weights",
        "biases",
        "weight",
        "bias",
        "w",
        "b",
        "theta",
        "thetas",
        "coef",
        "coefs",
        "coefficients",
        "kernel",
        "kernels",
    }
)
GRAD_CONTAINERS = frozenset({"grads", "gradients", "grad", "derivatives", "nabla", "dparams"})
CACHE_CONTAINERS = frozenset({"cache", "caches", "activations", "memory"})
INPUT_ATTRIBUTES = frozenset(
    X_NAMES + Y_NAMES + ("data", "features", "X_train", "Y_train", "x_train", "y_train", "target")
)


def is_float(a: np.ndarray) -> bool:
    """A floating-point array: the only kind a parameter or a gradient can be."""
    return a.dtype.kind == "f"


def weight_like(name: str) -> bool:
    """``W1``, ``W_out``, ``Wxh``, ``b2``, ``weights``, ``bias_hidden``, ``gamma``...: names that read
    as a parameter. ``beta``/``gamma`` are batch norm's."""
    n = name.lstrip("_")
    if not n:
        return False
    if n[0] in "Wwb" and (len(n) == 1 or n[1].isdigit() or n[1] == "_" or n[1].isupper()):
        return True
    return n.lower().startswith(("weight", "bias", "theta", "kernel", "gamma", "beta"))


def plain(name: str) -> str:
    """``_Cache`` -> ``cache``: a name compared with the container names above."""
    return name.lstrip("_").lower()


def gradient_names(leaf: str) -> tuple[str, ...]:
    """The names a gradient of ``leaf`` goes by: ``dW1``, ``d_W1``, ``grad_W1``, ``gradW1``,
    ``W1_grad``."""
    return (f"d{leaf}", f"d_{leaf}", f"grad_{leaf}", f"grad{leaf}", f"{leaf}_grad")


def is_number(value: object) -> bool:
    """One number (a Python or NumPy scalar, a size-1 array), not a bool: a cost, or a parameter
    held as a number."""
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float, np.number)):
        return True
    return isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind in "fiu"


def is_input(loc: Loc) -> bool:
    """A bare attribute named like the model's inputs or labels (``self.X``, ``self.y``)."""
    return loc.key is NO_KEY and loc.attr in INPUT_ATTRIBUTES
