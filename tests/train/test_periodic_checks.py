"""Gradient checks and activation traces every N calls, on the model a watch is given or finds."""

from __future__ import annotations

import numpy as np
import pytest

import gradcheck
from gradcheck.errors import GradcheckError
from gradcheck.train.options import WatchWarning
from tests.train.helpers import Net, run_training, watched


def test_gradients_checked_every_n_calls_against_the_objects_own_cost() -> None:
    net = watched(check_every=5)(seed=0, bug=True)
    with pytest.warns(WatchWarning, match="step 5 failed: params\\['W2'\\]"):
        run_training(net, 5)
    summary = net.backward.watch.summary()  # type: ignore[attr-defined]
    net.backward.watch.stop()  # type: ignore[attr-defined]
    assert net.backward.watch.step == 5  # type: ignore[attr-defined]  # the check's calls are not steps
    assert [c.step for c in summary.checks] == [5]
    assert not summary.ok
    assert [t.name for t in summary.checks[0].report.failed] == ["params['W2']"]


def test_a_correct_network_passes_its_periodic_checks() -> None:
    net = watched(check_every=10)(seed=0)
    run_training(net, 20)
    summary = net.backward.watch.summary()  # type: ignore[attr-defined]
    net.backward.watch.stop()  # type: ignore[attr-defined]
    assert [c.ok for c in summary.checks] == [True, True]
    assert summary.ok


def test_a_plain_function_is_checked_against_the_model_it_is_given() -> None:
    net = Net(seed=5)

    def loss(p: dict[str, np.ndarray]) -> float:
        net.forward()
        return float(net.compute_cost())

    def grads(p: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        net.forward()
        Net.backward(net)
        return net.grads

    model = gradcheck.make_model(loss=loss, grads=grads, params=net.params)

    @gradcheck.watch(check_every=3, model=model)
    def backward() -> dict[str, np.ndarray]:
        Net.backward(net)
        return net.grads

    for _ in range(6):
        net.forward()
        g = backward()
        for k in net.params:
            net.params[k] -= 0.5 * g["d" + k]
    summary = backward.watch.summary()  # type: ignore[attr-defined]
    backward.watch.stop()  # type: ignore[attr-defined]
    assert [(c.step, c.ok) for c in summary.checks] == [(3, True), (6, True)]


def test_activation_traces_every_n_calls_feed_the_trend_warnings() -> None:
    net = watched(trace_every=5)(seed=0)
    run_training(net, 10)
    summary = net.backward.watch.summary()  # type: ignore[attr-defined]
    net.backward.watch.stop()  # type: ignore[attr-defined]
    assert [step for step, _ in summary.activations] == [5, 10]
    kinds_seen = {s.kind for s in summary.activations[0][1]}
    assert {"relu", "sigmoid"} <= kinds_seen
    assert net.backward.watch.step == 10  # type: ignore[attr-defined]  # traces are not steps


def test_periodic_checks_on_a_plain_function_need_a_model() -> None:
    @gradcheck.watch(check_every=1)
    def grads(x: np.ndarray) -> np.ndarray:
        return x

    with pytest.raises(GradcheckError, match="need a model"):
        grads(np.ones(2))
    grads.watch.stop()  # type: ignore[attr-defined]
