"""shape_mismatch: a gradient of the wrong shape, read as the likely mistake."""

from __future__ import annotations

import pytest

from gradcheck.diagnose.shape import shape_mismatch
from tests.diagnose.planted import MLP


def test_a_bias_summed_over_the_wrong_axis_is_a_shape_pattern(mlp: MLP) -> None:
    db2 = mlp.backward("bias_axis")["db2"]
    d = shape_mismatch(mlp.params["b2"].shape, db2.shape)
    assert d.pattern == "shape"
    assert "(1, 8)" in d.message and "(5, 1)" in d.message
    assert "summed over axis 0 instead of axis 1" in d.message
    assert d.details["summed_axis"] == 0 and d.details["expected_axis"] == 1


@pytest.mark.parametrize(
    ("param", "grad", "words"),
    [
        ((10, 1), (1,), "summed over axis 0 instead of axis 1"),
        ((10, 1), (32,), "summed over axis 0 instead of axis 1"),
        ((10, 1), (), "the sum ran over every axis"),
        ((10, 1), (10,), "use keepdims=True"),
        ((10, 1), (10, 32), "never summed: reduce over axis 1"),
        ((1, 10), (32, 1), "summed over axis 1 instead of axis 0"),
        ((10, 5), (5, 10), "it looks transposed"),
        ((10, 5), (10, 6), "axis 1 has length 6 instead of 5"),
        ((3, 4), (7, 2, 9), "no single transposition or reduction"),
    ],
)
def test_shape_mismatch_reads_the_likely_mistake(
    param: tuple[int, ...], grad: tuple[int, ...], words: str
) -> None:
    d = shape_mismatch(param, grad)
    assert d.pattern == "shape"
    assert words in d.message
    assert str(tuple(param)) in d.message and str(tuple(grad)) in d.message
