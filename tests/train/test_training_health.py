"""Training health from the series: the cost trend and one kind of finding after another."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from gradcheck.report.training import TensorHealth
from gradcheck.train.cost_trend import cost_trend
from gradcheck.train.names import is_weight_name
from gradcheck.train.training_health import training_health
from tests.train.helpers import kinds


def tensor(name: str, ratio: float, steps: int = 20, **kw: Any) -> TensorHealth:
    return TensorHealth(
        name=name,
        shape=(4, 4),
        is_weight=is_weight_name(name),
        norms=kw.get("norms", ((1, 1.0), (steps, 1.0))),
        grad_norms=kw.get("grad_norms", ((1, 0.1), (steps, 0.1))),
        update_ratios=tuple((i, ratio) for i in range(2, steps)),
    )


def test_a_healthy_decreasing_cost_gets_no_warning() -> None:
    costs = [1.0 / (1 + 0.05 * i) for i in range(200)]
    assert training_health(costs, [tensor("W1", 1e-3)]) == []


def test_noisy_minibatch_costs_that_still_fall_are_not_called_oscillating() -> None:
    rng = np.random.default_rng(0)
    costs = [2.0 * math.exp(-i / 150) + 0.1 * rng.random() for i in range(400)]
    assert "cost_oscillating" not in kinds(training_health(costs, []))


def test_a_cost_that_falls_then_rises_says_learning_rate_too_high_with_the_numbers() -> None:
    costs = [1.0 - 0.01 * i for i in range(50)] + [0.5 + 0.02 * i for i in range(50)]
    ws = training_health(costs, [tensor("W1", 0.2)], lr=1.2)
    assert kinds(ws)[:2] == ["cost_rising", "update_ratio_high"]
    text = ws[0].message
    assert "learning rate probably too high (learning rate 1.2)" in text
    assert "fell from 1 to 0.5 at step 51, then rose: 1.48 at step 100" in text
    assert "W1 by 20%" in text and "healthy is about 0.1%" in text
    assert "200x too large" in ws[1].message


def test_a_period_two_oscillation_is_called_oscillating() -> None:
    costs = [0.7 - 0.001 * i for i in range(20)] + [0.68 + 0.01 * (i % 2) for i in range(80)]
    trend = cost_trend(costs)
    assert (
        trend is not None and trend.oscillating and trend.up_share == pytest.approx(0.5, abs=0.05)
    )
    warning = training_health(costs, [])[0]
    assert warning.kind == "cost_oscillating"
    assert "in the second half it went up on 51% of the steps" in warning.message


def test_a_cost_stuck_at_log_2_is_not_learning_at_chance_level() -> None:
    # Was "cost_plateau"; issue 17 names the finding "not_learning" and gives the reasons.
    costs = [math.log(2) + 1e-7 * (-1) ** i / (i + 1) for i in range(100)]
    ws = training_health(costs, [tensor("W1", 1e-7)])
    assert kinds(ws) == ["not_learning", "update_ratio_low"]
    assert "log(2) = 0.6931" in ws[0].message and "chance" in ws[0].message


def test_a_converged_cost_is_not_a_plateau() -> None:
    costs = [0.1 + math.exp(-i / 5) for i in range(200)]
    assert "not_learning" not in kinds(training_health(costs, []))


def test_weights_that_never_change_despite_a_gradient_are_named() -> None:
    ws = training_health([], [tensor("W2", 0.0), tensor("b2", 0.0)])
    assert kinds(ws) == ["not_updated"]
    assert ws[0].where == "W2" and "does not reach this array" in ws[0].message


def test_growing_weights_and_exploding_gradients_are_warned() -> None:
    t = tensor(
        "W1",
        1e-3,
        norms=((1, 1.0), (100, 40.0)),
        grad_norms=((1, 0.01), (100, 50.0)),
    )
    assert set(kinds(training_health([], [t]))) == {"weights_growing", "gradients_exploding"}
