"""What a name says an array is: parameters paired with gradients, weights told from biases."""

from __future__ import annotations

from gradcheck.train.names import is_weight_name, pair_gradients


def test_names_pair_the_way_course_code_names_them() -> None:
    params = {"W[1]": 0, "b[1]": 0, "params['W2']": 0, "W3": 0, "A[1]": 0}
    grads = {"dW[1]": 0, "db[1]": 0, "grads['dW2']": 0, "dW3": 0, "dA[1]": 0}
    pairs = pair_gradients({k: v for k, v in params.items() if k != "A[1]"}, grads)
    assert pairs == {
        "W[1]": "dW[1]",
        "b[1]": "db[1]",
        "params['W2']": "grads['dW2']",
        "W3": "dW3",
    }
    assert not is_weight_name("b[1]") and not is_weight_name("params['b2']")
    assert is_weight_name("W[1]") and is_weight_name("params['W2']")
