"""The cost is watched: the first step whose cost is non-finite is the step reported, with the
statement that made it, even when every array stayed finite. The truth comes from the same training
run unwatched (:func:`tests.train.story_models.first_bad_step`)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import gradcheck
from gradcheck.train.runner import train
from tests.train.story_models import (
    HERE,
    FloatCost,
    LinearRegression,
    SoftmaxOnPixels,
    first_bad_step,
    line_of,
)

STORIES = [
    (SoftmaxOnPixels, 0.5, "softmax log", "divide"),
    (LinearRegression, 1e-3, "squared residual", "overflow"),
    (FloatCost, 1e-3, "float cost", None),
]


@pytest.mark.parametrize(("cls", "lr", "marker", "kind"), STORIES)
def test_the_first_non_finite_cost_is_reported_at_its_step_and_line(
    cls: type, lr: float, marker: str, kind: str | None
) -> None:
    truth = cls()
    expected = first_bad_step(truth.loss, truth.grads, truth.params, lr, 400)
    assert expected is not None
    net = cls()
    model = gradcheck.make_model(loss=net.loss, grads=net.grads, params=net.params)
    summary = train(model, steps=400, lr=lr, check=False)
    nf = summary.first_nonfinite
    assert nf is not None
    assert summary.first_nonfinite_step == expected
    assert nf.file == str(HERE) and nf.line == line_of(f"# <- origin: {marker}")
    if kind is not None:
        assert nf.kind == kind
    assert len(summary.costs) == expected and not math.isfinite(summary.costs[-1] or math.nan)


def test_a_softmax_that_underflowed_to_zero_is_named_with_the_log_softmax_fix() -> None:
    net = SoftmaxOnPixels()
    model = gradcheck.make_model(loss=net.loss, grads=net.grads, params=net.params)
    nf = train(model, steps=50, lr=0.5, check=False).first_nonfinite
    assert nf is not None and nf.cause is not None and nf.fix is not None
    assert "softmax whose probabilities underflowed to exactly 0.0" in nf.cause
    assert "log-softmax" in nf.fix and "logsumexp" in nf.fix


@pytest.mark.parametrize(("cls", "lr", "marker", "kind"), STORIES)
def test_the_watched_run_is_bit_for_bit_the_unwatched_one(
    cls: type, lr: float, marker: str, kind: str | None
) -> None:
    plain, watched = cls(), cls()
    steps = 30
    with np.errstate(all="ignore"):
        for _ in range(steps):
            g = plain.grads(plain.params)
            for k in plain.params:
                plain.params[k] -= lr * g[k]
    model = gradcheck.make_model(loss=watched.loss, grads=watched.grads, params=watched.params)
    summary = train(model, steps=steps, lr=lr, check=False)
    if summary.first_nonfinite is None:
        for k in plain.params:
            assert plain.params[k].tobytes() == watched.params[k].tobytes()


def test_norms_first_are_the_norms_before_the_first_update() -> None:
    net = SoftmaxOnPixels()
    initial = {k: float(np.linalg.norm(v)) for k, v in net.params.items()}
    model = gradcheck.make_model(loss=net.loss, grads=net.grads, params=net.params)
    summary = train(model, steps=1, lr=1e-6, check=False)
    for t in summary.tensors:
        assert t.norms[0][0] == 0
        assert t.norm_first == pytest.approx(initial[t.name], rel=1e-12)
