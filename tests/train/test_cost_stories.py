"""The cost is watched: the first step whose cost is non-finite is the step reported, with the
statement that made it, even when every array stayed finite. The truth comes from the same training
run unwatched (:func:`tests.train.story_models.first_bad_step`)."""

from __future__ import annotations

import json
import math
from pathlib import Path

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


def test_the_decorator_reports_a_stored_cost_that_went_inf_at_its_step_counted_from_1() -> None:
    from tests.train.story_models import SoftmaxNet

    truth = SoftmaxOnPixels()
    expected = first_bad_step(truth.loss, truth.grads, truth.params, 0.5, 50)

    class Watched(SoftmaxNet):
        @gradcheck.watch
        def backward(self) -> None:
            SoftmaxNet.backward(self)

    net = Watched()
    with pytest.raises(gradcheck.NonFiniteError) as info:
        net.train(50)
    err = info.value
    assert err.step == expected
    assert (err.filename, err.line) == (str(HERE), line_of("# <- origin: stored cost"))
    assert str(err).startswith(f"step {expected} (1 = the first call): ")


def test_the_runner_says_how_steps_are_counted() -> None:
    from gradcheck.report.watch_plain import to_text

    net = SoftmaxOnPixels()
    model = gradcheck.make_model(loss=net.loss, grads=net.grads, params=net.params)
    summary = train(model, steps=50, lr=0.5, check=False)
    assert "at step 2 at story_models.py" in " ".join(to_text(summary).split())
    text = " ".join(to_text(summary, verbose=True).split())
    assert "first non-finite value at step 2 (step 1 = the first update)" in text


HELPER = """
import math
import numpy as np


def softmax(z):
    e = np.exp(z)  # <- overflow here
    return e / e.sum(axis=0, keepdims=True)


def squared_error(residuals):
    total = 0.0
    for r in residuals.tolist():
        total += r * r  # <- float cost here
    return total / len(residuals)
"""

MODEL = """
import numpy as np
from {helper} import softmax, squared_error

rng = np.random.default_rng(0)
X = rng.uniform(0, 255, size=(4, 60))
Y = np.eye(3)[rng.integers(0, 3, size=60)].T
w_true = np.array([1.0, -2.0, 0.5, 3.0])
t = w_true @ X
params = {{"W": rng.standard_normal((3, 4)) * 0.01, "b": np.zeros((3, 1)), "w": np.zeros(4)}}


def loss(params):
    P = softmax(params["W"] @ X + params["b"])
    return -np.mean(np.sum(Y * np.log(P + 1e-300), axis=0)) + {cost}


def grads(params):
    P = softmax(params["W"] @ X + params["b"])
    dZ = (P - Y) / X.shape[1]
    r = params["w"] @ X - t
    return {{"W": {scale} * dZ @ X.T, "b": {scale} * dZ.sum(axis=1, keepdims=True),
            "w": 2 * X @ r / X.shape[1]}}
"""


@pytest.mark.parametrize(
    ("cost", "scale", "lr", "marker"),
    [
        ("0.0", "1.0", 0.5, "# <- overflow here"),
        ("squared_error(params['w'] @ X - t)", "0.0", 1e-4, "# <- float cost here"),
    ],
    ids=["numpy overflow", "python float"],
)
def test_an_origin_in_a_helper_module_is_reported_in_that_file(
    tmp_path: Path, cost: str, scale: str, lr: float, marker: str
) -> None:
    from click.testing import CliRunner

    from gradcheck.cli import main

    helper = tmp_path / "nn_helpers_i17.py"
    helper.write_text(HELPER)
    model = tmp_path / "model.py"
    model.write_text(MODEL.format(helper=helper.stem, cost=cost, scale=scale))
    args = ["watch", str(model), "--steps", "300", "--lr", str(lr), "--json"]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    first = json.loads(result.stdout)["first_nonfinite"]
    assert result.exit_code == 1 and first is not None
    line = next(i for i, t in enumerate(HELPER.splitlines(), 1) if marker in t)
    assert (Path(first["file"]).name, first["line"]) == (helper.name, line)
