"""The line in the user's backward: the statement that computed a failing gradient, and its inputs."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np

import gradcheck
from gradcheck.engine.checker import run_check
from gradcheck.engine.explain import check_model
from gradcheck.engine.options import Options
from gradcheck.models.make import make_model
from gradcheck.numerics.provenance import gradient_sources
from gradcheck.render import to_json, to_text
from tests.numerics import backprops as bp


def lookup(grads: Any, name: str) -> tuple[str | None, Any]:
    key = "d" + name
    return key, grads.get(key)


def lines_of(fn: Callable[[dict[str, np.ndarray]], Any], *names: str) -> dict[str, list[str]]:
    p = bp.make_params()
    found = gradient_sources(lambda: fn(p), names, lookup)
    return {n: [s.text for s in source.lines] for n, source in found.items()}


def test_the_assignment_comes_first_then_what_it_was_computed_from_in_source_order() -> None:
    found = lines_of(bp.grads_missing_m, "W2")
    assert found["W2"] == ["dW2 = dZ2 @ A1.T * m", "A1, A2 = forward(p)", "dZ2 = (A2 - Y) / m"]


def test_a_layer_loop_with_a_helper_names_the_helpers_line() -> None:
    found = lines_of(bp.grads_by_layer_loop, "W1", "b2")
    assert found["W1"] == ["dW = dZ @ A_prev.T"]
    assert found["b2"] == ["db = np.sum(dZ, axis=1, keepdims=True)"]


def test_a_gradient_summed_over_examples_names_the_per_example_statement() -> None:
    found = lines_of(bp.grads_summed, "W1")
    assert found["W1"][0] == "dw1 = 2 * dz1 @ x.T"
    assert 'dz1 = (p["W2"].T @ dz2) * (1 - a1**2)' in found["W1"]


def test_an_update_in_place_is_the_assignment_and_the_array_it_changed_is_its_input() -> None:
    found = lines_of(bp.grads_regularized_in_place, "W2")
    assert found["W2"][0] == 'dW2 += 0.1 * p["W2"]'
    assert "dW2 = dZ2 @ A1.T" in found["W2"][1:]


def test_lines_from_another_function_are_not_shown_as_inputs() -> None:
    found = lines_of(bp.grads_missing_m, "W2")
    assert not any("np.tanh" in text or "np.exp" in text for text in found["W2"])


def test_a_check_shows_the_line_of_a_failing_gradient_and_only_of_failing_ones() -> None:
    p = bp.make_params()
    report = gradcheck.check(loss=bp.loss, grads=bp.grads_missing_m, params=p)
    by_name = {t.name: t for t in report.tensors}
    assert by_name["W2"].status == "fail"
    first = by_name["W2"].source_lines[0]
    assert (first.function, first.text) == ("grads_missing_m", "dW2 = dZ2 @ A1.T * m")
    assert first.file.endswith("backprops.py")
    assert all(not t.source_lines for t in report.tensors if t.status != "fail")
    doc = json.loads(to_json(report))
    (w2,) = [t for t in doc["tensors"] if t["name"] == "W2"]
    assert w2["source_lines"][0]["text"] == "dW2 = dZ2 @ A1.T * m"
    text = to_text(report, verbose=True)
    assert f"computed in grads_missing_m() at backprops.py:{first.line}:" in text
    assert "dW2 = dZ2 @ A1.T * m" in text
    # by default, the headline shows the one statement to look at
    text = to_text(report)
    assert f"Look at grads_missing_m() in backprops.py:{first.line}:" in text
    assert f"{first.line}  dW2 = dZ2 @ A1.T * m" in text


def test_the_trace_costs_one_gradient_evaluation_only_when_a_tensor_fails() -> None:
    def correct(p: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        g = bp.grads_missing_m(p)
        g["dW2"] = g["dW2"] / bp.m
        return g

    for grads, traced in ((correct, 0), (bp.grads_missing_m, 1)):
        model = make_model(loss=bp.loss, grads=grads, params=bp.make_params())
        engine_only = run_check(model, Options())
        explained = check_model(model, Options())
        assert explained.stats.grad_evaluations == engine_only.stats.grad_evaluations + traced
        assert any(t.source_lines for t in explained.tensors) == bool(traced)


def test_parameters_are_unchanged_after_the_traced_pass() -> None:
    p = bp.make_params()
    before = {k: v.tobytes() for k, v in p.items()}
    gradcheck.check(loss=bp.loss, grads=bp.grads_missing_m, params=p)
    assert {k: v.tobytes() for k, v in p.items()} == before


def test_a_missing_one_over_m_is_shown_fixed_in_the_users_line() -> None:
    report = gradcheck.check(loss=bp.loss, grads=bp.grads_missing_m, params=bp.make_params())
    (w2,) = [t for t in report.tensors if t.name == "W2"]
    assert (w2.pattern, w2.fixed_line) == ("scale", "dW2 = dZ2 @ A1.T")
    assert "as it would be fixed:" in to_text(report)
