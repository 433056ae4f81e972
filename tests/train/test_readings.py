"""Health readings and the cost, and the same numbers as without the watch (train.readings, costs)."""

from __future__ import annotations

import numpy as np
import pytest

import gradcheck
from tests.train.helpers import Net, run_training, watched


def test_a_watched_training_computes_bit_for_bit_the_same_numbers() -> None:
    plain = Net(seed=3)
    costs_plain = run_training(plain, 120)
    net = watched(every=1)(seed=3)
    costs_watched = run_training(net, 120)
    net.backward.watch.stop()  # type: ignore[attr-defined]
    assert costs_watched == costs_plain
    for k in plain.params:
        assert plain.params[k].tobytes() == net.params[k].tobytes()


def test_update_ratio_is_the_norm_of_one_update_over_the_norm_of_the_weights() -> None:
    net = watched(every=1)(seed=1)
    lr = 0.3
    expected = []
    for _ in range(4):
        net.forward()
        net.compute_cost()
        net.backward()
        expected.append(lr * np.linalg.norm(net.grads["dW1"]) / np.linalg.norm(net.params["W1"]))
        net.update(lr)
    summary = net.backward.watch.summary()  # type: ignore[attr-defined]
    net.backward.watch.stop()  # type: ignore[attr-defined]
    w1 = next(t for t in summary.tensors if t.name == "params['W1']")
    assert w1.is_weight
    steps = [s for s, _ in w1.update_ratios]
    assert steps == [2, 3, 4]  # the update after call k is seen at call k + 1
    assert [r for _, r in w1.update_ratios] == pytest.approx(expected[:3], rel=1e-12)
    assert w1.grad_norms[0][1] == pytest.approx(np.linalg.norm(net.grads["dW1"]), rel=1)
    assert {t.name for t in summary.tensors} == {
        "params['W1']",
        "params['b1']",
        "params['W2']",
        "params['b2']",
    }


def test_the_cost_is_read_from_the_object_when_the_method_returns_none() -> None:
    net = watched()(seed=2)
    costs = run_training(net, 30)
    summary = net.backward.watch.summary()  # type: ignore[attr-defined]
    net.backward.watch.stop()  # type: ignore[attr-defined]
    assert summary.costs == tuple(costs)


def test_a_given_loss_is_evaluated_before_each_call() -> None:
    net = Net(seed=4)

    def loss() -> float:
        net.forward()
        return float(net.compute_cost())

    @gradcheck.watch(loss=loss)
    def step() -> None:
        net.forward()
        net.backward()
        net.update(0.5)

    expected = []
    for _ in range(5):
        expected.append(loss())
        step()
    step.watch.stop()  # type: ignore[attr-defined]
    assert step.watch.costs == pytest.approx(expected, rel=0, abs=0)  # type: ignore[attr-defined]


def test_a_returned_gradient_dict_is_paired_with_the_parameter_dict_argument() -> None:
    rng = np.random.default_rng(0)
    params = {"W1": rng.standard_normal((3, 3)), "b1": np.zeros((3, 1))}

    @gradcheck.watch(every=1)
    def grads(p: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {"dW1": 0.5 * p["W1"], "db1": np.ones((3, 1)), "dZ1": np.ones((3, 5))}

    for _ in range(3):
        g = grads(params)
        for k in params:
            params[k] -= 0.1 * g["d" + k]
    summary = grads.watch.summary()  # type: ignore[attr-defined]
    grads.watch.stop()  # type: ignore[attr-defined]
    w1 = next(t for t in summary.tensors if t.name == "W1")
    assert w1.update_ratio == pytest.approx(0.05)  # ||0.1 * 0.5 W|| / ||W||
