"""Invariants of the watched run, as properties over random models and learning rates: the step
reported is the first step whose cost or gradients are non-finite in the same run unwatched, and the
parameters the watch leaves are bit for bit those of the unwatched run (at the last good state when a
NaN stopped it)."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gradcheck
from gradcheck.train.runner import train
from tests.train.story_models import LinearRegression, SoftmaxOnPixels, first_bad_step


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from([SoftmaxOnPixels, LinearRegression]),
    seed=st.integers(0, 50),
    log_lr=st.floats(-5.0, 0.0),
)
def test_the_watch_reports_the_unwatched_first_bad_step_and_leaves_the_same_numbers(
    kind: type, seed: int, log_lr: float
) -> None:
    lr = 10.0**log_lr
    steps = 150
    truth = kind(seed)
    expected = first_bad_step(truth.loss, truth.grads, truth.params, lr, steps)
    net = kind(seed)
    model = gradcheck.make_model(loss=net.loss, grads=net.grads, params=net.params)
    summary = train(model, steps=steps, lr=lr, check=False)
    assert summary.first_nonfinite_step == expected
    plain = kind(seed)
    done = steps if expected is None else expected - 1  # the watch leaves the last good state
    with np.errstate(all="ignore"):
        for _ in range(done):
            g = plain.grads(plain.params)
            for k in plain.params:
                plain.params[k] -= lr * g[k]
    for k in plain.params:
        assert plain.params[k].tobytes() == net.params[k].tobytes()
