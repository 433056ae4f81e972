"""missing and borrowed: no gradient under a parameter's key, or another tensor's."""

from __future__ import annotations

from gradcheck.diagnose.keys import borrowed, missing
from gradcheck.diagnose.shape import shape_mismatch
from tests.diagnose.planted import MLP


def test_a_missing_key_names_the_closest_key_on_offer(mlp: MLP) -> None:
    grads = mlp.backward("missing_key")
    d = missing("W2", list(grads))
    assert d.pattern == "missing"
    assert "No gradient for W2" in d.message
    assert "'dw2' differs only in upper/lower case" in d.message
    assert d.details["closest"] == ["dw2"]


def test_missing_lists_the_keys_when_none_is_close() -> None:
    d = missing("W2", ["alpha", "beta"])
    assert "none is close; the keys on offer are 'alpha' and 'beta'" in d.message
    assert missing("W2", ["dW_2", "dW1"]).details["closest"][0] == "dW_2"


def test_a_layer_index_off_by_one_is_told_from_the_shapes_keys_and_values() -> None:
    net = MLP(sizes=(4, 5, 5, 5, 3))  # W2 and W3 are both 5 x 5
    numeric = net.numeric()
    grads = net.backward("layer_index")
    # W2 received layer 3's gradient: same shape, so only the values tell.
    d = borrowed("W2", grads["dW2"], numeric)
    assert d is not None and d.pattern == "swapped"
    assert d.details["other"] == "W3"
    assert "The analytic gradient of W2 is the numeric gradient of W3" in d.message
    assert "off by one" in d.message and "str(l - 1)" in d.message
    # W3 received layer 4's gradient, of another shape.
    shapes = {k: v.shape for k, v in net.params.items()}
    s = shape_mismatch(shapes["W3"], grads["dW3"].shape, others=shapes)
    assert s.details["same_shape_as"] == ["W4"]
    assert "(3, 5) is the shape of W4" in s.message
    # W4 got nothing.
    assert missing("W4", list(grads)).pattern == "missing"
    # A correct gradient borrows from nobody.
    assert borrowed("W2", net.backward()["dW2"], numeric) is None
