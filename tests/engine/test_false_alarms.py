"""No false alarms: correct models pass, whatever their scale, depth, dtype, kinks or size."""

from __future__ import annotations

import numpy as np
import pytest

import gradcheck
from gradcheck.engine.checker import run_check
from gradcheck.models.model import Model
from tests.engine.helpers import check, statuses
from tests.nets import make_batchnorm, make_mlp, make_relu_kinks


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_a_correct_mlp_passes_every_tensor(activation: str) -> None:
    report = check(make_mlp((4, 6, 5, 3), activation=activation))
    assert report.ok
    assert set(statuses(report).values()) == {"pass"}
    assert report.stats.mode == "full"
    assert all(t.rel_error is not None and t.rel_error < 1e-7 for t in report.tensors)


def test_a_bias_feeding_batch_norm_has_zero_gradient_and_passes() -> None:
    params, loss, grads = make_batchnorm()
    true_db = grads(params)["db1"]
    assert np.max(np.abs(true_db)) < 1e-15  # the analytic gradient is zero
    report = check((params, loss, grads))
    assert report.ok
    assert report.tensor("b1").status == "pass"


@pytest.mark.parametrize("scale", [1e7, 1e-9])
def test_a_scaled_loss_passes(scale: float) -> None:
    report = check(make_mlp((4, 5, 3), scale=scale))
    assert report.ok, [t.to_dict() for t in report.tensors]


def test_a_twelve_layer_network_passes() -> None:
    report = check(make_mlp(tuple([6] * 13), m=5))
    assert report.ok
    assert len(report.tensors) == 24


def test_relu_abs_and_max_pool_ties_are_kinks_not_bugs() -> None:
    report = check(make_relu_kinks())
    assert report.ok
    assert report.tensor("w").kinks == 2  # ReLU and |x| at w == 0
    assert report.tensor("v").kinks == 4  # the two ties of the row max
    assert all(t.status == "pass" for t in report.tensors)


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_a_float32_model_raises_no_false_alarm(activation: str) -> None:
    report = check(make_mlp((4, 6, 3), dtype=np.float32, activation=activation))
    assert report.ok
    assert all(t.details["precision"] == "float32" for t in report.tensors)


def test_a_big_model_in_auto_mode_samples_and_passes_in_a_few_hundred_evaluations() -> None:
    report = check(make_mlp((784, 256, 128, 10), m=16, activation="relu"))
    assert report.ok, [
        (t.name, t.status, t.rel_error, t.directional_rel_error) for t in report.tensors
    ]
    assert report.stats.mode == "sampled+directional"
    assert report.stats.loss_evaluations < 400
    assert report.stats.coordinates_total == 235_146


def test_run_check_accepts_a_model_record_directly() -> None:
    params, loss, grads = make_mlp((3, 4, 2))
    model = Model(params=params, loss=lambda: loss(params), grads=lambda: grads(params))
    assert run_check(model).ok


def test_a_correct_model_gets_no_pattern_and_no_suspect() -> None:
    report = check(make_mlp((4, 5, 5, 3)))
    assert all(t.pattern is None for t in report.tensors)
    assert report.suspect_layer is None


def test_one_number_is_the_gradient_of_a_one_entry_tensor() -> None:
    params = {"w": np.array([[2.0]]), "c": np.array([1.0, -1.0])}

    def loss(p):  # type: ignore[no-untyped-def]
        return float(p["w"][0, 0] ** 2 + np.sum(p["c"] ** 2))

    def grads(p):  # type: ignore[no-untyped-def]
        return {"dw": 2 * float(p["w"][0, 0]), "dc": 2 * p["c"]}

    report = gradcheck.check(loss=loss, grads=grads, params=params)
    assert report.ok, report.tensor("w").message
