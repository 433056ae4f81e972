"""Which arrays each call tests: a NaN is caught on its step, or within one rotation (train.finite)."""

from __future__ import annotations

import numpy as np
import pytest

import gradcheck
from gradcheck.errors import NonFiniteError
from tests.train.helpers import source_line


def six_gradients(poison: str | None = None, how: str = "silent") -> dict[str, np.ndarray]:
    out = {k: np.ones((4, 4)) for k in "abcdef"}
    if poison == "numpy":
        out[how] = np.ones((4, 4)) / np.zeros((4, 4))  # NumPy reports the division
    elif poison is not None:
        with np.errstate(all="ignore"):  # the program's own errstate: NumPy stays silent
            out[poison] = np.zeros((4, 4)) / np.zeros((4, 4))
    return out


def test_a_nan_numpy_made_is_caught_on_its_step_whichever_array_holds_it() -> None:
    for target in "abcdef":
        grads = gradcheck.watch(six_gradients)
        for _ in range(9):
            grads()
        with pytest.raises(NonFiniteError) as info:
            grads("numpy", target)
        assert info.value.step == 10
        assert info.value.kind == "divide"
        assert info.value.line == source_line(__file__, "np.ones((4, 4)) / np.zeros((4, 4))  #")


def test_a_nan_made_silently_in_one_array_is_caught_within_one_rotation() -> None:
    for target in "abcdef":
        grads = gradcheck.watch(six_gradients)
        for _ in range(9):
            grads()
        with pytest.raises(NonFiniteError) as info:
            for _ in range(6):  # the rotation tests one of the six arrays per call
                grads(target)
        assert 10 <= (info.value.step or 0) <= 15
        assert info.value.kind == "unknown"
        assert info.value.variable == target
        assert "errstate" in str(info.value)
