"""Layer names (gradcheck.report.layers, used by the suspect and the renderers): the layer in a
tensor's name, and the order from input to output."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradcheck.report.layers import layer_of, order_tensors


@pytest.mark.parametrize(
    ("name", "layer"),
    [
        ("W1", "1"),
        ("b1", "1"),
        ("W[2]", "2"),
        ("params['W2']", "2"),
        ("w2", "2"),
        ("dW2", "2"),
        ("conv1.weight", "1"),
        ("block2.conv1.weight", "2.1"),
        ("W", None),
        ("gamma", None),
    ],
)
def test_layer_of_reads_the_digits_in_a_name(name: str, layer: str | None) -> None:
    assert layer_of(name) == layer


def test_order_tensors_sorts_by_layer_and_keeps_the_rest_in_place() -> None:
    assert order_tensors(["W3", "b3", "W1", "b1", "W2", "b2"]) == [
        "W1",
        "b1",
        "W2",
        "b2",
        "W3",
        "b3",
    ]
    assert order_tensors(["W10", "W2"]) == ["W2", "W10"]
    assert order_tensors(["W1", "b1", "gamma", "W2"]) == ["W1", "b1", "gamma", "W2"]
    assert order_tensors(["emb", "W_out", "b_out"]) == ["emb", "W_out", "b_out"]


@settings(max_examples=100, deadline=None)
@given(
    names=st.lists(
        st.sampled_from(["W1", "b1", "W2", "b2", "W3", "gamma", "W_out", "W10"]), unique=True
    )
)
def test_order_tensors_is_a_stable_permutation(names: list[str]) -> None:
    ordered = order_tensors(names)
    assert sorted(ordered) == sorted(names)
    numbered = [n for n in ordered if layer_of(n) is not None]
    assert numbered == sorted(numbered, key=lambda n: int(layer_of(n) or 0))
