"""The advice catalogue on the common stories: each is a function of tests/numerics/advice_models.py
run once under the origin finder; the statement, the cause and the stable fix are checked."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import gradcheck
import tests.numerics.advice_models as am
from gradcheck.numerics.origin import locate_nonfinite
from gradcheck.train.runner import train


def _var_input() -> np.ndarray:
    x = 1e4 + np.random.default_rng(0).standard_normal((1, 8)) * 1e-5
    mu = x.mean(axis=1, keepdims=True)
    assert ((x**2).mean(axis=1, keepdims=True) - mu**2).min() < 0  # it does cancel below zero
    return x


STORIES: list[tuple[str, Callable[[], Any], str, tuple[str, ...], tuple[str, ...]]] = [
    (
        "xlogy",
        lambda: am.entropy_bonus(np.array([[0.0, 800.0, 1.0], [1.0, 2.0, 3.0]])),
        "divide",
        ("0 * log 0", "exactly 0 in 2 entries"),
        ("np.where(p > 0", "xlogy"),
    ),
    (
        "masked row",
        lambda: am.masked_attention(
            np.ones((3, 4)),
            np.ones((5, 4)),
            np.array([[1, 1, 0, 0, 0], [0, 0, 0, 0, 0], [1, 1, 1, 1, 1]], bool),
        ),
        "invalid",
        ("1 row(s) of scores are -inf throughout (row (1,))", "-inf - (-inf)"),
        ("-1e9", "zero weight"),
    ),
    (
        "float32 softplus",
        lambda: am.softplus_cost(
            np.array([10.0, 95.0, -3.0], np.float32), np.array([1.0, 0.0, 1.0], np.float32)
        ),
        "overflow",
        ("softplus", "overflows float32 above 88.72"),
        ("np.logaddexp(0, z)", "float64"),
    ),
    (
        "float32 exp",
        lambda: am.exp_weights(np.array([1.0, 100.0], np.float32)),
        "overflow",
        ("overflows float32 above 88.72",),
        ("float64", "subtract the maximum"),
    ),
    (
        "cancelled variance",
        lambda: am.layer_norm(_var_input()),
        "invalid",
        ("E[x^2] - E[x]^2 cancelled below zero",),
        ("np.var", "np.maximum(var, 0) + 1e-8"),
    ),
    (
        "adam",
        lambda: am.adam_step(np.ones(3), np.array([0.5, -0.5, 0.1]), np.zeros(3), np.zeros(3), 1),
        "invalid",
        ("v_hat below zero", "averages the gradient itself (g, not g ** 2)"),
        ("(1 - beta2) * g ** 2",),
    ),
    (
        "zero count",
        lambda: am.class_means(np.ones((4, 2)), np.array([0, 0, 2, 2]), 3),
        "invalid",
        ("counts is a count", "a class absent from this batch"),
        ("where=counts > 0", "np.maximum(counts, 1)"),
    ),
]


@pytest.mark.parametrize(
    ("story", "run", "kind", "causes", "fixes"), STORIES, ids=[s[0] for s in STORIES]
)
def test_each_story_names_its_statement_its_cause_and_the_stable_fix(
    story: str, run: Callable[[], Any], kind: str, causes: tuple[str, ...], fixes: tuple[str, ...]
) -> None:
    nf = locate_nonfinite(run, phase="loss")
    assert nf is not None
    assert (nf.file, nf.line) == (str(am.HERE), am.line_of(story))
    assert nf.kind == kind
    for text in causes:
        assert text in (nf.cause or ""), nf.cause
    for text in fixes:
        assert text in (nf.fix or ""), nf.fix


def test_a_division_by_a_correct_normaliser_is_not_called_a_count() -> None:
    # 0/0 of a constant feature normalised by its spread (a std of exactly 0.0): the older row speaks.
    x = np.array([[1.0, 2.0], [1.0, 3.0], [1.0, 5.0]])
    nf = locate_nonfinite(lambda: am.standardise(x), phase="loss")
    assert nf is not None and nf.line == am.line_of("constant feature")
    assert "is a count" not in (nf.cause or "") and "0/0" in (nf.cause or "")


def test_input_data_that_holds_nan_is_named_with_its_rows_in_a_watched_run() -> None:
    net = am.LogisticOnData()
    truth = sorted({int(i) for i in np.argwhere(np.isnan(net.X))[:, 0]})
    model = gradcheck.make_model(loss=net.loss, grads=net.grads, params=net.params)
    summary = train(model, steps=5, lr=0.1, check=False)
    nf = summary.first_nonfinite
    assert nf is not None and summary.first_nonfinite_step == 1
    assert nf.kind == "input" and nf.variable == "self.X"
    assert nf.line == am.line_of("nan input")
    assert f"in rows {truth[0]} and {truth[1]} (2 of 10 rows)" in nf.message
    assert "np.isfinite(X).all(axis=1)" in (nf.fix or "")
