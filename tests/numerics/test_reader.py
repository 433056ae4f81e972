"""The safe expression reader: keys built with str() are read; reading operands runs no user code."""

from __future__ import annotations

from typing import Any

import numpy as np

from gradcheck.numerics.origin import locate_nonfinite
from tests.numerics.user_code import course_forward, line_of


def test_keys_built_with_str_are_read_and_named() -> None:
    rng = np.random.default_rng(0)
    params = {
        "W1": rng.standard_normal((3, 2)),
        "b1": np.zeros((3, 1)),
        "W2": rng.standard_normal((1, 3)) * 400,
        "b2": np.zeros((1, 1)),
    }
    X = rng.standard_normal((2, 4)) * 3
    nf = locate_nonfinite(lambda: course_forward(params, X, 2), phase="loss")
    assert nf is not None and nf.kind == "overflow"
    assert nf.line == line_of("<- keys built with str()") and nf.variable == "cache['A' + str(l)]"
    assert nf.details["index_values"] == {"l": 2}
    exp_arg = next(o for o in nf.operands if o.get("role") == "exp argument")
    assert exp_arg["expr"] == "cache['Z' + str(l)]" and exp_arg["max"] > 709


class Sneaky:
    """Every way an attribute read could run user code counts its calls."""

    calls = 0

    def __init__(self) -> None:
        self.W = np.array([[1.0, -1.0]])
        self.cache = Counting()

    @property
    def scale(self) -> float:
        Sneaky.calls += 1
        return 0.0

    def __getattr__(self, name: str) -> Any:
        Sneaky.calls += 1
        raise AttributeError(name)

    def loss(self, x: np.ndarray) -> float:
        self.cache["z"] = self.W @ x
        out = np.log(self.cache["z"] * self.scale)  # <- sneaky
        return float(out.sum())


class Counting(dict):  # type: ignore[type-arg]
    def __getitem__(self, key: Any) -> Any:
        Sneaky.calls += 1
        return super().__getitem__(key)

    def __missing__(self, key: Any) -> Any:
        Sneaky.calls += 1
        raise KeyError(key)


def test_reading_operands_never_runs_user_code() -> None:
    model = Sneaky()
    x = np.array([1.0, 0.5])
    Sneaky.calls = 0
    with np.errstate(all="ignore"):
        model.loss(x)
    plain_calls = Sneaky.calls
    Sneaky.calls = 0
    nf = locate_nonfinite(lambda: model.loss(x), phase="loss")
    assert Sneaky.calls == plain_calls  # only the user's own reads, none of ours
    assert nf is not None and nf.line == line_of("<- sneaky", Sneaky.loss) and nf.kind == "divide"
    assert {o["expr"] for o in nf.operands} >= {"self.cache['z']"}
