"""The training watch: the decorator, training health over time, and ``gradcheck watch FILE``."""

from __future__ import annotations

import itertools
import json
import math
import subprocess
import sys
import textwrap
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

import gradcheck
from gradcheck.cli import main
from gradcheck.errors import GradcheckError, NonFiniteError
from gradcheck.loader import import_file
from gradcheck.render_watch import cost_plot, to_text
from gradcheck.watch import (
    NonFiniteWarning,
    TensorHealth,
    WatchWarning,
    cost_trend,
    input_health,
    is_weight_name,
    pair_gradients,
    training_health,
)

SAMPLES = Path(__file__).resolve().parent.parent / "sample_models"


# --------------------------------------------------------------------------------------------------
# A small course-style network: dicts params / grads / cache, backward returns None


class Net:
    def __init__(self, seed: int = 0, n_in: int = 5, n_h: int = 16, m: int = 64, bug: bool = False):
        rng = np.random.default_rng(seed)
        self.X = rng.standard_normal((n_in, m))
        self.Y = (rng.random((1, m)) > 0.5).astype(np.float64)
        self.params = {
            "W1": rng.standard_normal((n_h, n_in)) * np.sqrt(2 / n_in),
            "b1": np.zeros((n_h, 1)),
            "W2": rng.standard_normal((1, n_h)) * np.sqrt(1 / n_h),
            "b2": np.zeros((1, 1)),
        }
        self.grads: dict[str, np.ndarray] = {}
        self.cache: dict[str, np.ndarray] = {}
        self.bug = bug

    def forward(self) -> np.ndarray:
        p = self.params
        Z1 = p["W1"] @ self.X + p["b1"]
        A1 = np.maximum(Z1, 0)
        Z2 = p["W2"] @ A1 + p["b2"]
        A2 = 1 / (1 + np.exp(-Z2))
        self.cache = {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}
        return A2

    def compute_cost(self) -> Any:
        A2 = self.cache["A2"]
        self.cost = -np.mean(self.Y * np.log(A2) + (1 - self.Y) * np.log(1 - A2))
        return self.cost

    def backward(self) -> None:
        m = self.X.shape[1]
        c, p = self.cache, self.params
        dZ2 = c["A2"] - self.Y
        dW2 = dZ2 @ c["A1"].T / m
        if self.bug:
            dW2 = 2 * dW2
        dA1 = p["W2"].T @ dZ2
        dZ1 = dA1 * (c["Z1"] > 0)
        self.grads = {
            "dW1": dZ1 @ self.X.T / m,
            "db1": dZ1.sum(axis=1, keepdims=True) / m,
            "dW2": dW2,
            "db2": dZ2.sum(axis=1, keepdims=True) / m,
        }

    def update(self, lr: float) -> None:
        for k in self.params:
            self.params[k] -= lr * self.grads["d" + k]


def watched(**options: Any) -> type[Net]:
    """Net with ``backward`` decorated by ``gradcheck.watch(**options)``."""

    class WatchedNet(Net):
        @gradcheck.watch(**options)
        def backward(self) -> None:
            Net.backward(self)

    return WatchedNet


def run_training(net: Net, steps: int, lr: float = 0.5) -> list[float]:
    costs = []
    for _ in range(steps):
        net.forward()
        costs.append(float(net.compute_cost()))
        net.backward()
        net.update(lr)
    return costs


@pytest.fixture(autouse=True)
def numpy_settings_untouched() -> Iterator[None]:
    """Every test must leave NumPy's error settings as it found them: that is the watch's promise."""
    before, call = np.geterr(), np.geterrcall()
    yield
    assert np.geterr() == before
    assert np.geterrcall() is call


def source_line(path: Path | str, needle: str) -> int:
    lines = Path(path).read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


# --------------------------------------------------------------------------------------------------
# The decorator: the first NaN, where it was made


def test_the_origin_is_named_even_when_it_ran_before_the_watched_call() -> None:
    def forward(x: np.ndarray) -> np.ndarray:
        z = np.log(x)  # the origin: log(0) at step 3
        return z

    @gradcheck.watch
    def backward(z: np.ndarray) -> dict[str, np.ndarray]:
        return {"dz": 2.0 * z}

    x = np.array([1.0, 2.0, 3.0])
    with pytest.raises(NonFiniteError) as info:
        for step in range(1, 6):
            if step == 3:
                x[0] = 0.0
            backward(forward(x))
    err = info.value
    assert err.step == 3
    assert err.kind == "divide"
    assert err.filename == __file__
    assert err.line == source_line(__file__, "z = np.log(x)  # the origin")
    assert err.variable == "z"
    assert err.function is not None and err.function.endswith("forward")
    assert "step 3" in str(err) and "Fix:" in str(err)
    assert isinstance(err.details, gradcheck.NonFinite)
    assert not backward.watch.armed  # type: ignore[attr-defined]


def test_seed001_as_a_decorated_method_names_the_divide_the_step_and_the_fix() -> None:
    module = import_file(SAMPLES / "seed001_nan_after_training.py")
    cls = module.BinaryClassifier
    cls.backward_propagation = gradcheck.watch(cls.backward_propagation)
    net = module.planar_network
    with pytest.raises(NonFiniteError) as info:
        for _ in range(2000):
            net.forward_propagation()
            net.backward_propagation()
            net.update_parameters()
    err = info.value
    # the exact step follows NumPy's rounding of exp: 1394 on NumPy 2.4, 1795 on 1.24
    assert 1300 <= (err.step or 0) <= 1900
    assert err.kind == "divide"
    assert err.variable == "self.dA[l]"
    assert err.line == source_line(module.__file__, "self.dA[l] = -(np.divide")
    assert "exactly 1.0" in str(err)
    assert "dZ = A - Y" in str(err)


def test_a_nan_in_the_data_is_reported_as_an_input_with_its_name() -> None:
    class Data:
        def __init__(self) -> None:
            self.X = np.ones((3, 4))
            self.W = np.ones((2, 3))
            self.dW = np.zeros((2, 3))

        @gradcheck.watch
        def backward(self) -> None:
            self.dW = self.W @ self.X @ self.X.T

    d = Data()
    d.backward()
    d.X[1, 2] = np.nan  # NumPy arithmetic on NaN is silent: no error callback fires
    with pytest.raises(NonFiniteError) as info:
        d.backward()
    assert info.value.step == 2
    assert info.value.kind == "input"
    assert info.value.variable == "X"


def test_two_watches_stopped_in_any_order_leave_numpys_settings_as_they_were() -> None:
    @gradcheck.watch
    def first(x: np.ndarray) -> np.ndarray:
        return x

    @gradcheck.watch
    def second(x: np.ndarray) -> np.ndarray:
        return x

    first(np.ones(1))
    second(np.ones(1))
    first.watch.stop()  # type: ignore[attr-defined]  # out of order
    assert second.watch.armed  # type: ignore[attr-defined]
    with pytest.raises(NonFiniteError):
        second(np.zeros(1) / np.zeros(1))
    # (the autouse fixture checks that the program's settings are back)


def test_bare_and_called_forms_return_what_the_function_returns() -> None:
    @gradcheck.watch
    def bare(x: float) -> float:
        return x * 2

    @gradcheck.watch()
    def called(x: float) -> float:
        return x * 3

    assert bare(2.0) == 4.0 and called(2.0) == 6.0
    assert bare.__name__ == "bare"  # functools.wraps
    assert bare.watch.step == 1  # type: ignore[attr-defined]
    bare.watch.stop()  # type: ignore[attr-defined]
    called.watch.stop()  # type: ignore[attr-defined]


def test_the_programs_own_numpy_settings_are_restored_on_every_path() -> None:
    def mine(kind: str, flag: int) -> None:
        pass

    saved, saved_call = np.geterr(), np.geterrcall()
    np.seterr(divide="ignore", over="warn", under="raise", invalid="ignore")
    np.seterrcall(mine)
    settings = np.geterr()
    try:

        @gradcheck.watch
        def step(x: np.ndarray, fail: bool = False) -> np.ndarray:
            if fail:
                raise ValueError("user error")
            return x / x

        step(np.ones(3))
        assert step.watch.armed  # type: ignore[attr-defined]
        assert np.geterr() != settings  # armed: routed to the watch's callback
        step.watch.stop()  # type: ignore[attr-defined]
        assert np.geterr() == settings and np.geterrcall() is mine
        with pytest.raises(ValueError):
            step(np.ones(3), fail=True)
        assert np.geterr() == settings and np.geterrcall() is mine
        with pytest.raises(NonFiniteError):
            step(np.zeros(3))  # 0 / 0
        assert np.geterr() == settings and np.geterrcall() is mine
        with step.watch:  # type: ignore[attr-defined]
            step.watch.done = False  # type: ignore[attr-defined]
            step(np.ones(3))
        assert np.geterr() == settings and np.geterrcall() is mine
    finally:
        np.seterr(**saved)
        np.seterrcall(saved_call)


def test_watching_changes_nothing_the_program_can_see_of_its_own_errstate() -> None:
    @gradcheck.watch
    def divide(x: np.ndarray) -> np.ndarray:
        return 1.0 / x

    with np.errstate(divide="raise"):
        divide(np.ones(2))  # arms the watch inside the program's own 'raise' setting
        with pytest.raises(FloatingPointError) as info:
            divide(np.zeros(2))
    assert not isinstance(info.value, NonFiniteError)  # the user's own error, with its own type
    assert divide.watch.first is None or divide.watch.first.kind == "divide"  # type: ignore[attr-defined]


def test_warn_instead_of_raise_returns_the_result_and_stops_watching() -> None:
    @gradcheck.watch(warn=True)
    def grads(x: np.ndarray) -> dict[str, np.ndarray]:
        return {"dx": np.sqrt(x)}

    grads(np.ones(2))
    with pytest.warns(NonFiniteWarning, match="invalid") as record:
        out = grads(np.array([-1.0, 1.0]))
    assert np.isnan(out["dx"][0])
    ours = [w.message for w in record if isinstance(w.message, NonFiniteWarning)]
    assert len(ours) == 1 and ours[0].error.step == 2
    assert grads.watch.done and not grads.watch.armed  # type: ignore[attr-defined]
    grads(np.array([-1.0]))  # unwatched now: no second warning
    assert grads.watch.step == 2  # type: ignore[attr-defined]


def test_keep_going_counts_the_nonfinite_steps_and_reports_later_origins() -> None:
    @gradcheck.watch(warn=True, keep_going=True)
    def grads(x: np.ndarray, how: str) -> np.ndarray:
        if how == "log":
            return np.log(x)
        return x / 0.0

    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        grads(np.ones(2), "log")
        grads(np.zeros(2), "log")  # step 2: log(0)
        grads(np.ones(2), "divide")  # step 3: a new origin
        grads(np.ones(2), "log")  # step 4: healthy again
    summary = grads.watch.summary()  # type: ignore[attr-defined]
    grads.watch.stop()  # type: ignore[attr-defined]
    assert len([w for w in record if isinstance(w.message, NonFiniteWarning)]) == 2
    assert summary.nonfinite_steps == 2
    assert [step for step, _ in summary.origins] == [2, 3]
    assert summary.first_nonfinite_step == 2
    assert [nf.kind for _, nf in summary.origins] == ["divide", "divide"]
    assert summary.origins[1][1].line == source_line(__file__, "return x / 0.0")


def test_a_masked_infinity_that_never_reaches_the_result_is_not_an_origin() -> None:
    @gradcheck.watch
    def softmax_grad(z: np.ndarray) -> np.ndarray:
        masked = np.where(z > 0, z, -np.inf)
        e = np.exp(masked - masked.max())
        return e / e.sum()

    for _ in range(3):
        softmax_grad(np.array([1.0, -1.0, 2.0]))
    z = np.array([1.0, 2.0])
    with pytest.raises(NonFiniteError) as info:
        softmax_grad(z / 0.0)  # inf - inf: NaN made inside
    assert info.value.step == 4


def six_gradients(poison: str | None = None, how: str = "silent") -> dict[str, np.ndarray]:
    out = {k: np.ones((4, 4)) for k in "abcdef"}
    if poison == "numpy":
        out[how] = np.ones((4, 4)) / np.zeros((4, 4))  # NumPy reports the division
    elif poison is not None:
        with np.errstate(all="ignore"):  # the program's own errstate: NumPy stays silent
            out[poison] = np.zeros((4, 4)) / np.zeros((4, 4))
    return out


def test_a_nan_numpy_made_is_caught_on_its_step_whichever_array_holds_it() -> None:
    for target in "abcdef":
        grads = gradcheck.watch(six_gradients)
        for _ in range(9):
            grads()
        with pytest.raises(NonFiniteError) as info:
            grads("numpy", target)
        assert info.value.step == 10
        assert info.value.kind == "divide"
        assert info.value.line == source_line(__file__, "np.ones((4, 4)) / np.zeros((4, 4))  #")


def test_a_nan_made_silently_in_one_array_is_caught_within_one_rotation() -> None:
    for target in "abcdef":
        grads = gradcheck.watch(six_gradients)
        for _ in range(9):
            grads()
        with pytest.raises(NonFiniteError) as info:
            for _ in range(6):  # the rotation tests one of the six arrays per call
                grads(target)
        assert 10 <= (info.value.step or 0) <= 15
        assert info.value.kind == "unknown"
        assert info.value.variable == target
        assert "errstate" in str(info.value)


# --------------------------------------------------------------------------------------------------
# The decorator: health readings, cost, and the same numbers as without it


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


def test_bad_options_are_refused_naming_the_option() -> None:
    with pytest.raises(GradcheckError, match="every must be a positive"):
        gradcheck.watch(every=0)


def test_the_summary_is_printed_at_exit_and_numpy_settings_restored() -> None:
    script = textwrap.dedent(
        """
        import atexit
        import numpy as np
        import gradcheck

        # atexit runs last-registered first: this runs after the watch's own handler.
        atexit.register(lambda: print("settings", np.geterr(), flush=True))
        np.seterr(divide="warn", over="ignore", under="ignore", invalid="warn")

        @gradcheck.watch(summary=True, warn=True, keep_going=True)
        def grads(x):
            return {"dx": np.log(x)}

        for i in range(21):
            grads(np.full(3, 20.0 - i))
        """
    )
    proc = subprocess.run(
        [sys.executable, "-W", "ignore::RuntimeWarning", "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "gradcheck watch - " in proc.stderr
    assert "first non-finite value at step 21" in proc.stderr
    assert "NOT OK" in proc.stderr
    expected = {"divide": "warn", "over": "ignore", "under": "ignore", "invalid": "warn"}
    assert f"settings {expected}" in proc.stdout


# --------------------------------------------------------------------------------------------------
# Training health from the series


def tensor(name: str, ratio: float, steps: int = 20, **kw: Any) -> TensorHealth:
    return TensorHealth(
        name=name,
        shape=(4, 4),
        is_weight=is_weight_name(name),
        norms=kw.get("norms", ((1, 1.0), (steps, 1.0))),
        grad_norms=kw.get("grad_norms", ((1, 0.1), (steps, 0.1))),
        update_ratios=tuple((i, ratio) for i in range(2, steps)),
    )


def kinds(ws: list[gradcheck.ReportWarning]) -> list[str]:
    return [w.kind for w in ws]


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
    assert "W1 0.2" in text and "healthy is about 1e-3" in text
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


def test_a_cost_stuck_at_log_2_is_a_plateau_at_chance_level() -> None:
    costs = [math.log(2) + 1e-7 * (-1) ** i / (i + 1) for i in range(100)]
    ws = training_health(costs, [tensor("W1", 1e-7)])
    assert kinds(ws) == ["cost_plateau", "update_ratio_low"]
    assert "log(2) = 0.6931" in ws[0].message and "chance" in ws[0].message


def test_a_converged_cost_is_not_a_plateau() -> None:
    costs = [0.1 + math.exp(-i / 5) for i in range(200)]
    assert "cost_plateau" not in kinds(training_health(costs, []))


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


def test_names_pair_the_way_course_code_names_them() -> None:
    params = {"W[1]": 0, "b[1]": 0, "params['W2']": 0, "W3": 0, "A[1]": 0}
    grads = {"dW[1]": 0, "db[1]": 0, "grads['dW2']": 0, "dW3": 0, "dA[1]": 0}
    pairs = pair_gradients({k: v for k, v in params.items() if k != "A[1]"}, grads)
    assert pairs == {
        "W[1]": "dW[1]",
        "b[1]": "db[1]",
        "params['W2']": "grads['dW2']",
        "W3": "dW3",
    }
    assert not is_weight_name("b[1]") and not is_weight_name("params['b2']")
    assert is_weight_name("W[1]") and is_weight_name("params['W2']")


def test_unscaled_inputs_are_warned_and_standardised_ones_are_not() -> None:
    X = np.arange(1, 11, dtype=float).reshape(1, 10)
    ws = input_health({"X": X}, batch_size=10)
    assert kinds(ws) == ["unscaled_inputs"]
    assert "values from 1 to 10, mean 5.5" in ws[0].message
    assert "X.mean(axis=1, keepdims=True)" in ws[0].message
    Z = (X - X.mean()) / X.std()
    assert input_health({"X": Z}, batch_size=10) == []


def test_the_cost_plot_spans_the_curve_and_marks_nonfinite_steps() -> None:
    costs: list[float | None] = [1.0 - i / 100 for i in range(99)] + [math.inf]
    lines = cost_plot(costs, width=20, height=5, ascii_only=True)
    assert len(lines) == 7
    assert lines[0].startswith("   1 |") and lines[0].rstrip().endswith("x")
    assert lines[4].startswith("0.02 |")
    assert lines[-1].split() == ["1", "100"]
    assert cost_plot([1.0]) == []


# --------------------------------------------------------------------------------------------------
# gradcheck watch FILE


def run_cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_cli_seed001_names_the_divide_the_step_the_saturated_sigmoid_and_the_fix() -> None:
    path = str(SAMPLES / "seed001_nan_after_training.py")
    code, out, _ = run_cli("watch", path, "--steps", "2000", "--lr", "1.2", "--json")
    assert code == 1
    doc = json.loads(out)
    assert doc["ok"] is False
    first = doc["first_nonfinite"]
    assert 1300 <= first["step"] <= 1900  # 1394 on NumPy 2.4, 1795 on 1.24
    assert first["kind"] == "divide"
    assert first["line"] == source_line(path, "self.dA[l] = -(np.divide")
    assert "np.divide(1-self.Y, 1-self.A[l])" in first["source_line"]
    assert "exactly 1.0, a saturated sigmoid output" in first["message"]
    assert "dZ = A - Y" in first["fix"]
    assert doc["steps"] == first["step"] and len(doc["costs"]) == doc["steps"]
    assert doc["costs"][-1] is None  # log(1 - A) of the A that rounded to 1.0
    saturation = next(w for w in doc["warnings"] if w["kind"] == "saturation_rising")
    assert saturation["where"] == "self.A[2]" and "exactly 0.0 or 1.0" in saturation["message"]
    assert doc["gradient_checks"][0] == {**doc["gradient_checks"][0], "step": 0, "ok": True}

    code, text, _ = run_cli("watch", path, "--steps", "2000", "--lr", "1.2")
    assert code == 1
    flat = " ".join(text.split())
    assert f"first non-finite value at step {first['step']}" in flat
    assert "dZ = A - Y" in flat and "saturated outputs went from" in flat
    assert "gradients before training: all 4 tensors agree" in flat


def test_cli_seed000_reports_correct_gradients_a_learning_rate_too_high_and_unscaled_inputs() -> (
    None
):
    path = str(SAMPLES / "seed000_cost_rises.py")
    code, out, _ = run_cli("watch", path, "--steps", "300", "--lr", "1.2", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["ok"] is True and doc["first_nonfinite"] is None and doc["steps"] == 300
    assert len(doc["costs"]) == 300 and all(isinstance(c, float) for c in doc["costs"])
    assert doc["gradient_checks"][0]["ok"] is True
    found = {w["kind"]: w for w in doc["warnings"]}
    assert {"cost_oscillating", "update_ratio_high", "unscaled_inputs"} <= set(found)
    cost = found["cost_oscillating"]["message"]
    assert "learning rate probably too high (learning rate 1.2)" in cost
    assert "update/weight ratio" in cost and "params['W2'] 0.38" in cost
    assert "set clf.alpha = 1.2 (the file had 0.003)" in doc["notes"][0]
    assert found["unscaled_inputs"]["where"] == "clf.X"
    w1 = next(t for t in doc["tensors"] if t["name"] == "params['W1']")
    assert w1["grad_norm_last"] > 0 and w1["update_ratio"] > 0.1

    code, text, _ = run_cli("watch", path, "--steps", "300", "--lr", "1.2")
    assert code == 0
    assert "gradients before training: all 4 tensors agree" in " ".join(text.split())
    assert "OK:" in text


def test_cli_keep_going_trains_on_and_counts_every_nonfinite_step() -> None:
    path = str(SAMPLES / "seed001_nan_after_training.py")
    code, out, _ = run_cli(
        "watch", path, "--steps", "2000", "--lr", "1.2", "--keep-going", "--no-check", "--json"
    )
    doc = json.loads(out)
    first = doc["first_nonfinite"]["step"]
    assert code == 1 and doc["steps"] == 2000
    assert doc["nonfinite_steps"] == 2000 - first + 1
    assert doc["last_good_step"] == first - 1


def test_cli_seed001_fixed_trains_2000_steps_without_a_nan() -> None:
    path = str(SAMPLES / "seed001_nan_after_training_fixed.py")
    code, out, _ = run_cli("watch", path, "--steps", "2000", "--lr", "1.2", "--json")
    doc = json.loads(out)
    assert code == 0 and doc["first_nonfinite"] is None and doc["steps"] == 2000


LOOSE = """
import numpy as np
rng = np.random.default_rng(0)
X = rng.standard_normal((3, 32))
Y = rng.standard_normal((2, 32))
params = {"W1": rng.standard_normal((2, 3)) * 0.5, "b1": np.zeros((2, 1))}
print("the user's file prints while importing")

def loss(p):
    Z = p["W1"] @ X + p["b1"]
    return 0.5 * np.sum((Z - Y) ** 2) / X.shape[1]

def grads(p):
    Z = p["W1"] @ X + p["b1"]
    dZ = (Z - Y) / X.shape[1]
    return {"dW1": dZ @ X.T, "db1": dZ.sum(axis=1, keepdims=True)}
"""


def test_cli_plain_gradient_descent_on_a_loose_model(tmp_path: Path) -> None:
    path = tmp_path / "loose.py"
    path.write_text(LOOSE)
    code, out, err = run_cli("watch", str(path), "--steps", "50", "--lr", "0.1", "--json")
    assert code == 0
    doc = json.loads(out)  # the user's print went to stderr: stdout is one document
    assert "prints while importing" in err
    assert doc["mode"] == "gradient_descent" and doc["lr"] == 0.1
    costs = doc["costs"]
    assert len(costs) == 50 and all(b < a for a, b in itertools.pairwise(costs))
    w1 = next(t for t in doc["tensors"] if t["name"] == "W1")
    assert w1["update_ratio"] is not None and w1["grad_norm_last"] is not None


def test_cli_without_train_step_needs_lr_and_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "loose.py"
    path.write_text(LOOSE)
    code, out, err = run_cli("watch", str(path), "--steps", "5")
    assert code == 2 and out == ""
    assert "--lr is needed" in " ".join(err.split())


ASSERTING = """
import numpy as np

class Net:
    def __init__(self):
        self.w = np.array([[2.0]])
        self.dw = np.zeros((1, 1))
        self.learning_rate = 0.5

    def cost(self):
        return float(np.sum(self.w ** 2))

    def backward(self):
        # w: 2.0, 1.6, 1.28, 1.024 at steps 1-4 (lr 0.1): the scale drops to 0 at step 4
        scale = np.array([1.0]) if self.w[0, 0] > 1.1 else np.array([0.0])
        self.dw = 2 * self.w / scale
        assert np.isfinite(self.dw).all(), "gradient is not finite"

net = Net()
gradcheck_model = net

def train_step():
    net.backward()
    net.w -= net.learning_rate * net.dw
"""


def test_cli_a_step_that_raises_on_its_own_nan_reports_the_nan(tmp_path: Path) -> None:
    path = tmp_path / "asserting.py"
    path.write_text(ASSERTING)
    code, out, _ = run_cli(
        "watch", str(path), "--steps", "10", "--lr", "0.1", "--no-check", "--json"
    )
    assert code == 1
    doc = json.loads(out)
    first = doc["first_nonfinite"]
    assert first["step"] == 4 and first["kind"] == "divide"
    assert first["line"] == source_line(path, "self.dw = 2 * self.w / scale")
    assert any("raised AssertionError: gradient is not finite" in n for n in doc["notes"])
    assert "set net.learning_rate = 0.1 (the file had 0.5)" in doc["notes"][0]


def test_cli_a_plain_user_error_is_unusable_with_its_traceback(tmp_path: Path) -> None:
    path = tmp_path / "broken.py"
    path.write_text(LOOSE + "\ndef train_step():\n    raise KeyError('W9')\n")
    code, out, err = run_cli("watch", str(path), "--steps", "3", "--no-check")
    assert code == 2 and out == ""
    assert "KeyError: 'W9'" in err and "your code raised KeyError" in err


def test_cli_lr_with_a_train_step_that_has_no_learning_rate_attribute_says_so(
    tmp_path: Path,
) -> None:
    path = tmp_path / "own_step.py"
    path.write_text(
        LOOSE + "\ndef train_step():\n    for k, g in grads(params).items():\n"
        "        params[k[1:]] -= 0.1 * g\n"
    )
    code, out, _ = run_cli("watch", str(path), "--steps", "5", "--lr", "3", "--json")
    assert code == 0
    assert json.loads(out)["notes"][0].startswith("--lr 3 is not used")


def test_cli_a_missing_file_is_unusable() -> None:
    code, _, err = run_cli("watch", "no/such/file.py", "--steps", "5", "--lr", "1")
    assert code == 2 and "no such file" in err


def test_cli_gradient_descent_flag_ignores_train_step() -> None:
    path = str(SAMPLES / "seed000_cost_rises.py")
    code, out, _ = run_cli(
        "watch", path, "--steps", "20", "--lr", "0.5", "--gradient-descent", "--json"
    )
    assert code == 0
    doc = json.loads(out)
    assert doc["mode"] == "gradient_descent" and doc["notes"] == []


def test_plain_text_summary_reads_top_to_bottom() -> None:
    net = watched(every=1)(seed=0)
    run_training(net, 40, lr=0.5)
    summary = net.backward.watch.summary()  # type: ignore[attr-defined]
    net.backward.watch.stop()  # type: ignore[attr-defined]
    text = to_text(summary, title="net")
    assert text.splitlines()[0] == "gradcheck watch - net"
    assert "cost over 40 steps" in text and "params['W1']" in text
    assert text.splitlines()[-1].startswith("OK: 40 steps without NaN/Inf")
    assert all(line == line.rstrip() for line in text.splitlines())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        json.dumps(summary.to_dict())
