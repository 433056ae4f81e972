"""The checking core: no false alarms, every planted bug caught, parameters restored bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gradcheck
from gradcheck.engine import (
    TOLERANCES,
    Options,
    estimate_noise,
    relative_error,
    run_check,
    stratified_sample,
)
from gradcheck.model import Model
from tests.nets import make_batchnorm, make_mlp, make_relu_kinks


def check(model: tuple, **options) -> gradcheck.Report:  # type: ignore[type-arg]
    params, loss, grads = model
    return gradcheck.check(loss=loss, grads=grads, params=params, **options)


def snapshot(params: dict[str, np.ndarray]) -> dict[str, bytes]:
    return {k: v.tobytes() for k, v in params.items()}


def statuses(report: gradcheck.Report) -> dict[str, str]:
    return {t.name: t.status for t in report.tensors}


# --------------------------------------------------------------------------------------------
# No false alarms
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# Every planted bug is caught
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bug", "failing"),
    [
        ("missing_1/m", {"W1", "b1", "W2", "b2", "W3", "b3"}),
        ("sign", {"W3"}),
        ("transpose", {"W2"}),
        ("derivative", {"W1", "b1"}),
        ("bias_axis", {"b3"}),
        ("missing_key", {"b1"}),
        ("regulariser", {"W1", "W2", "W3"}),
        ("row", {"W1"}),
        ("scale2", {"W3"}),
    ],
)
def test_a_planted_bug_fails_exactly_the_tensors_it_touches(bug: str, failing: set[str]) -> None:
    report = check(make_mlp((4, 5, 5, 3), bug=bug, l2=0.1))
    assert not report.ok
    assert {t.name for t in report.tensors if t.status == "fail"} == failing


def test_a_missing_gradient_is_a_fail_row_naming_the_keys_on_offer() -> None:
    report = check(make_mlp((4, 5, 3), bug="missing_key"))
    row = report.tensor("b1")
    assert row.pattern == "missing"
    assert "db1" in (row.message or "") and "'dW1'" in (row.message or "")
    assert report.tensor("W1").status == "pass"  # the others are still checked


def test_a_misshapen_gradient_is_a_fail_row_with_both_shapes() -> None:
    report = check(make_mlp((4, 5, 3), bug="bias_axis"))
    row = report.tensor("b2")
    assert row.pattern == "shape"
    assert "(1, 6)" in (row.message or "") and "(3, 1)" in (row.message or "")


def test_a_two_percent_error_in_a_float32_gradient_is_caught() -> None:
    report = check(make_mlp((4, 6, 3), dtype=np.float32, bug="percent"))
    assert {t.name for t in report.failed} == {"W1", "W2"}
    for t in report.failed:
        assert 0.005 < (t.rel_error or 0) < 0.02


def test_a_relative_error_of_1e_4_fails_in_float64() -> None:
    params, loss, grads = make_mlp((4, 5, 3))

    def slightly_wrong(p):  # type: ignore[no-untyped-def]
        g = grads(p)
        g["dW1"] = g["dW1"] * (1 + 2e-4)  # ||a-n|| / (||a|| + ||n||) = 1e-4
        return g

    report = check((params, loss, slightly_wrong))
    assert report.tensor("W1").status == "fail"
    assert report.tensor("W1").rel_error == pytest.approx(1e-4, rel=0.05)
    assert report.tensor("W2").status == "pass"


def test_a_real_bug_at_a_kink_is_still_caught() -> None:
    report = check(make_relu_kinks(bug="relu_sign"))
    assert report.tensor("w").status == "fail"
    assert report.tensor("v").status == "pass"


def test_one_wrong_row_of_a_big_matrix_is_caught_and_located_in_auto_mode() -> None:
    report = check(make_mlp((784, 256, 128, 10), m=16, bug="row"))
    w1 = report.tensor("W1")
    assert w1.status == "fail"
    assert {t.name for t in report.failed} == {"W1"}
    assert report.stats.loss_evaluations < 600
    assert w1.worst and all(e.index[0] == 1 for e in w1.worst)  # localised to row 1


# --------------------------------------------------------------------------------------------
# Modes and options
# --------------------------------------------------------------------------------------------


def test_sampled_mode_checks_the_requested_number_of_coordinates_per_tensor() -> None:
    report = check(make_mlp((20, 30, 3)), mode="sampled", sample=7, seed=3)
    assert report.stats.mode == "sampled"
    assert report.tensor("W1").checked == 7
    assert report.tensor("b2").checked == 3  # small tensors are checked whole
    assert report.ok


def test_sampling_is_seeded_and_stratified() -> None:
    rng1, rng2 = np.random.default_rng(5), np.random.default_rng(5)
    a, b = stratified_sample(1000, 10, rng1), stratified_sample(1000, 10, rng2)
    assert np.array_equal(a, b)
    assert [int(i) // 100 for i in a] == list(range(10))  # one per stratum


def test_directional_mode_compares_directions_only() -> None:
    report = check(make_mlp((4, 5, 3)), mode="directional", directions=3)
    assert report.stats.mode == "directional"
    assert all(t.directions == 3 for t in report.tensors)
    assert report.ok


def test_directional_mode_catches_a_flipped_sign() -> None:
    report = check(make_mlp((4, 5, 3), bug="sign"), mode="directional")
    assert report.tensor("W2").status == "fail"


def test_only_restricts_the_check_and_rejects_unknown_names() -> None:
    report = check(make_mlp((4, 5, 3)), only=["W2"])
    assert [t.name for t in report.tensors] == ["W2"]
    with pytest.raises(gradcheck.GradcheckError, match="'W9'.*W1, b1, W2, b2"):
        check(make_mlp((4, 5, 3)), only=["W9"])


def test_a_fixed_eps_is_used_as_the_step() -> None:
    report = check(make_mlp((4, 5, 3)), eps=1e-4)
    assert report.ok


def test_stats_count_what_was_done() -> None:
    report = check(make_mlp((4, 5, 3)))
    n = sum(t.size for t in report.tensors)
    s = report.stats
    # 2 per coordinate, the base point twice (determinism), 16 for the noise estimate, one to
    # leave the model's caches as found, and one traced forward pass for activation health
    assert s.loss_evaluations == 2 * n + 2 + 16 + 1 + 1
    assert s.grad_evaluations == 1
    assert s.coordinates_checked == n


def test_bad_options_are_rejected() -> None:
    with pytest.raises(gradcheck.GradcheckError, match="mode"):
        Options(mode="fast")
    with pytest.raises(gradcheck.GradcheckError, match="eps"):
        Options(eps=-1.0)


# --------------------------------------------------------------------------------------------
# Bad input and non-finite values
# --------------------------------------------------------------------------------------------


def test_a_loss_returning_an_array_is_rejected_with_its_shape() -> None:
    params = {"w": np.ones(3)}
    with pytest.raises(gradcheck.GradcheckError, match=r"shape \(3,\)"):
        gradcheck.check(
            loss=lambda p: p["w"] ** 2, grads=lambda p: {"w": 2 * p["w"]}, params=params
        )


def test_a_loss_returning_none_is_rejected() -> None:
    with pytest.raises(gradcheck.GradcheckError, match="None"):
        gradcheck.check(
            loss=lambda p: None, grads=lambda p: {"w": p["w"]}, params={"w": np.ones(2)}
        )


def test_a_size_one_array_loss_is_accepted() -> None:
    params = {"w": np.array([1.0, 2.0])}
    report = gradcheck.check(
        loss=lambda p: np.sum(p["w"] ** 2).reshape(1, 1),
        grads=lambda p: {"dw": 2 * p["w"]},
        params=params,
    )
    assert report.ok


def test_a_non_finite_base_loss_is_reported_not_raised() -> None:
    params = {"w": np.array([-1.0, 2.0])}
    with np.errstate(all="ignore"):
        report = gradcheck.check(
            loss=lambda p: float(np.sum(np.log(p["w"]))),
            grads=lambda p: {"dw": 1 / p["w"]},
            params=params,
        )
    assert not report.ok
    assert report.nonfinite is not None and report.nonfinite.phase == "loss"


def test_nan_in_a_parameter_is_reported_as_input() -> None:
    params = {"w": np.array([np.nan, 2.0])}
    report = gradcheck.check(
        loss=lambda p: float(np.sum(p["w"] ** 2)), grads=lambda p: {"dw": 2 * p["w"]}, params=params
    )
    assert report.nonfinite is not None
    assert report.nonfinite.kind == "input" and report.nonfinite.variable == "w"


def test_an_exception_in_user_code_propagates_with_its_type_and_restores_parameters() -> None:
    params, loss, grads = make_mlp((4, 5, 3))
    before = snapshot(params)
    calls = {"n": 0}

    def flaky(p):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 40:
            raise ZeroDivisionError("boom on call 40")
        return loss(p)

    with pytest.raises(ZeroDivisionError, match="call 40"):
        gradcheck.check(loss=flaky, grads=grads, params=params)
    assert snapshot(params) == before


def test_keyboard_interrupt_restores_parameters() -> None:
    params, loss, grads = make_mlp((4, 5, 3))
    before = snapshot(params)
    calls = {"n": 0}

    def interrupted(p):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 60:
            raise KeyboardInterrupt
        return loss(p)

    with pytest.raises(KeyboardInterrupt) as info:
        gradcheck.check(loss=interrupted, grads=grads, params=params)
    assert snapshot(params) == before
    partial = info.value.report  # type: ignore[attr-defined]
    assert partial.stats.interrupted
    assert not partial.ok  # an unfinished check is never "ok", even if what it did passed
    assert [t.name for t in partial.tensors] == [
        "W1"
    ]  # W1 finished (40 calls in), the rest did not


# --------------------------------------------------------------------------------------------
# The pieces
# --------------------------------------------------------------------------------------------


def test_the_noise_estimate_matches_injected_noise() -> None:
    rng = np.random.default_rng(0)
    w = np.linspace(-1, 1, 50)
    sigma = 1e-9

    def noisy() -> float:
        return float(np.sum(w**2) + sigma * rng.standard_normal())

    f0 = noisy()
    est = estimate_noise(
        noisy, w, np.full(w.shape, 1e-5), f0, "float64", np.random.default_rng(1), directions=4
    )
    assert sigma / 3 < est < sigma * 3


def test_relative_error_is_zero_for_a_zero_gradient_within_noise() -> None:
    a = np.zeros(4)
    n = np.full(4, 1e-12)
    bound = np.full(4, 1e-11)
    assert relative_error(a, n, bound, TOLERANCES["float64"][0]) < 1e-6


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------


@st.composite
def quadratic_models(draw: st.DrawFn) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=0, max_size=2)))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    w = rng.standard_normal(shape) * draw(st.sampled_from([1e-3, 1.0, 1e3]))
    a = rng.standard_normal(shape)
    c = rng.standard_normal(shape)
    return {"w": np.asarray(w, dtype=np.float64)}, a, c


def _quadratic(a: np.ndarray, c: np.ndarray):  # type: ignore[no-untyped-def]
    def loss(p):  # type: ignore[no-untyped-def]
        return float(np.sum(a * p["w"] ** 2 / 2 + c * np.sin(p["w"])))

    def grads(p):  # type: ignore[no-untyped-def]
        return {"dw": a * p["w"] + c * np.cos(p["w"])}

    return loss, grads


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(quadratic_models())
def test_property_correct_gradients_pass_and_parameters_are_bit_for_bit_restored(model) -> None:  # type: ignore[no-untyped-def]
    params, a, c = model
    before = snapshot(params)
    loss, grads = _quadratic(a, c)
    report = gradcheck.check(loss=loss, grads=grads, params=params)
    assert snapshot(params) == before
    assert report.ok, report.tensors[0].to_dict()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(quadratic_models(), st.floats(0.01, 0.5), st.sampled_from([-1.0, 1.0]))
def test_property_a_gradient_perturbed_well_beyond_tolerance_fails(
    model, rel: float, sign: float
) -> None:  # type: ignore[no-untyped-def]
    params, a, c = model
    loss, grads = _quadratic(a, c)
    before = snapshot(params)

    def wrong(p):  # type: ignore[no-untyped-def]
        g = grads(p)["dw"]
        # every entry moved by at least rel * |g| (and by at least rel * 1e-3 where g is tiny)
        return {"dw": g + sign * rel * np.maximum(np.abs(g), 1e-3)}

    report = gradcheck.check(loss=loss, grads=wrong, params=params)
    assert snapshot(params) == before
    assert report.tensors[0].status == "fail"


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 60), st.integers(0, 10_000))
def test_property_any_failure_point_leaves_parameters_unchanged(fail_at: int, seed: int) -> None:
    params, loss, grads = make_mlp((3, 4, 2), seed=seed % 7)
    before = snapshot(params)
    calls = {"n": 0}

    def failing(p):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == fail_at:
            raise RuntimeError("user code failed")
        return loss(p)

    try:
        gradcheck.check(loss=failing, grads=grads, params=params, seed=seed)
    except RuntimeError:
        pass
    assert snapshot(params) == before


def test_run_check_accepts_a_model_record_directly() -> None:
    params, loss, grads = make_mlp((3, 4, 2))
    model = Model(params=params, loss=lambda: loss(params), grads=lambda: grads(params))
    assert run_check(model).ok


def test_a_borderline_real_error_stays_a_warning_and_the_taylor_test_calls_it_wrong() -> None:
    params, loss, grads = make_mlp((4, 5, 3))

    def slightly_wrong(p):  # type: ignore[no-untyped-def]
        g = grads(p)
        g["dW1"] = g["dW1"] * (1 + 1e-5)  # relative error 5e-6: between pass and fail
        return g

    report = check((params, loss, slightly_wrong))
    w1 = report.tensor("W1")
    assert w1.status == "warn"
    assert report.ok  # warnings do not fail a check
    assert w1.details["taylor_verdict"] == "wrong"
    assert "not t^2" in (w1.message or "")
    assert "so this is a real error, not round-off" in (w1.message or "")


def test_a_failing_tensor_carries_the_taylor_evidence() -> None:
    report = check(make_mlp((4, 5, 3), bug="sign"))
    w2 = report.tensor("W2")
    assert w2.status == "fail"
    assert w2.details["taylor_verdict"] == "wrong"
    assert w2.details["taylor_orders"][-1] == pytest.approx(1.0, abs=0.2)


def test_a_loss_that_changes_a_parameter_in_place_is_named() -> None:
    params, loss, grads = make_mlp((4, 5, 3))

    def sneaky(p):  # type: ignore[no-untyped-def]
        p["b2"] *= 0.5
        return loss(p)

    with pytest.raises(gradcheck.GradcheckError, match="the loss changed parameter 'b2' in place"):
        gradcheck.check(loss=sneaky, grads=grads, params=params)


def test_a_gradient_function_that_updates_the_parameters_is_named() -> None:
    params, loss, grads = make_mlp((4, 5, 3))

    def backward_with_update(p):  # type: ignore[no-untyped-def]
        g = grads(p)
        p["W1"] -= 0.1 * g["dW1"]
        return g

    with pytest.raises(
        gradcheck.GradcheckError, match="gradient function changed parameter 'W1'.*update"
    ):
        gradcheck.check(loss=loss, grads=backward_with_update, params=params)


def test_a_loss_that_replaces_a_parameter_is_named() -> None:
    params, loss, grads = make_mlp((4, 5, 3))

    def replacing(p):  # type: ignore[no-untyped-def]
        p["W2"] = p["W2"].copy()
        return loss(p)

    with pytest.raises(gradcheck.GradcheckError, match="replaced parameter 'W2'"):
        gradcheck.check(loss=replacing, grads=grads, params=params)


def test_a_nondeterministic_loss_is_refused_with_the_two_values() -> None:
    params, loss, grads = make_mlp((4, 5, 3))
    rng = np.random.default_rng()

    def dropout_loss(p):  # type: ignore[no-untyped-def]
        return loss(p) * (1 + 0.01 * rng.random())

    with pytest.raises(gradcheck.GradcheckError, match="not deterministic.*fix the random seed"):
        gradcheck.check(loss=dropout_loss, grads=grads, params=params)


def test_two_names_for_one_array_are_refused() -> None:
    w = np.ones(3)
    with pytest.raises(gradcheck.GradcheckError, match="'a' and 'b' are the same array"):
        gradcheck.check(
            loss=lambda p: float(np.sum(p["a"] ** 2)),
            grads=lambda p: {"a": 2 * p["a"], "b": 0 * p["a"]},
            params={"a": w, "b": w},
        )
    v = np.ones((2, 3))
    with pytest.raises(gradcheck.GradcheckError, match="share memory"):
        gradcheck.check(
            loss=lambda p: float(np.sum(p["a"] ** 2)),
            grads=lambda p: {"a": 2 * p["a"], "b": p["b"]},
            params={"a": v, "b": v[0]},
        )


def test_gradients_stored_under_each_others_keys_are_named_swapped() -> None:
    params, loss, grads = make_mlp((4, 5, 5, 5, 3))

    def off_by_one(p):  # type: ignore[no-untyped-def]
        g = grads(p)
        g["dW2"], g["dW3"] = g["dW3"], g["dW2"]  # grads['dW' + str(l + 1)] in the loop
        return g

    report = check((params, loss, off_by_one))
    w2 = report.tensor("W2")
    assert w2.status == "fail" and w2.pattern == "swapped"
    assert "W3" in (w2.message or "")


def test_common_patterns_are_named_with_their_numbers() -> None:
    report = check(make_mlp((4, 5, 5, 3), bug="missing_1/m"))  # m = 6 examples
    assert report.tensor("b3").pattern == "scale"
    assert report.tensor("b3").factor == pytest.approx(6.0)
    assert "1/m" in (report.tensor("b3").message or "")
    assert check(make_mlp((4, 5, 5, 3), bug="sign")).tensor("W3").pattern == "sign"
    assert check(make_mlp((4, 5, 5, 3), bug="transpose")).tensor("W2").pattern == "transpose"
    assert check(make_mlp((4, 5, 5, 3), bug="row")).tensor("W1").pattern == "row"
    assert check(make_mlp((4, 5, 5, 3), bug="bias_axis")).tensor("b3").pattern == "shape"
    assert check(make_mlp((4, 5, 5, 3), bug="missing_key")).tensor("b1").pattern == "missing"


def test_a_wrong_derivative_in_the_middle_layer_makes_it_the_suspect() -> None:
    report = check(make_mlp((4, 5, 5, 5, 3), bug="derivative"))  # layer 2 of 4 uses tanh for dtanh
    failing = {t.name for t in report.failed}
    assert failing == {"W1", "b1", "W2", "b2"}
    assert report.suspect_layer == "2"
    assert "Layer 2 is the suspect" in (report.suspect_message or "")


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


def test_a_gross_error_gets_the_reading_without_the_numerical_evidence() -> None:
    w2 = check(make_mlp((4, 5, 3), bug="sign")).tensor("W2")
    assert "sign flipped" in (w2.message or "")
    assert "Re-measured" not in (w2.message or "") and "Taylor" not in (w2.message or "")
    assert w2.details["taylor_verdict"] == "wrong" and w2.details["confirmed_wrong"] >= 1
