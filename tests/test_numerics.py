"""Origins of the first NaN/Inf, on small NumPy models written the way users write them.

Each model marks the statement that should be named with a ``# <- origin`` comment; the tests find
that line in this file, so moving code around never breaks them.
"""

from __future__ import annotations

import importlib.util
import inspect
import sys
import textwrap
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from gradcheck.errors import NonFiniteError
from gradcheck.numerics import (
    ErrorWatch,
    is_user_file,
    locate_nonfinite,
    nonfinite_error,
    scan_inputs,
    summarize,
    user_code_for,
)

HERE = Path(__file__).resolve()


def line_of(marker: str, fn: Any = None) -> int:
    """The line number of the line carrying ``marker`` (inside ``fn`` when given)."""
    if fn is not None:
        lines, start = inspect.getsourcelines(fn)
        for i, text in enumerate(lines):
            if marker in text:
                return start + i
        raise AssertionError(f"{marker!r} not in {fn.__name__}")
    for i, text in enumerate(HERE.read_text().splitlines(), 1):
        if marker in text and "line_of(" not in text:
            return i
    raise AssertionError(marker)


# ----------------------------------------------------------------------------------------------
# The models


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def softmax_loss_naive(W: np.ndarray, X: np.ndarray, y: np.ndarray) -> float:
    scores = X @ W
    exp_scores = np.exp(scores)  # <- softmax origin
    probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
    return float(-np.mean(np.log(probs[np.arange(len(y)), y])))


def softmax_loss_stable(W: np.ndarray, X: np.ndarray, y: np.ndarray) -> float:
    scores = X @ W
    shifted = scores - scores.max(axis=1, keepdims=True)
    exp_scores = np.exp(shifted)
    probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
    return float(-np.mean(np.log(probs[np.arange(len(y)), y])))


def logistic_cost(w: np.ndarray, X: np.ndarray, Y: np.ndarray) -> float:
    Z = w @ X
    A = sigmoid(Z)
    m = Y.shape[1]
    cost = -1 / m * np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))  # <- log origin
    return float(cost)


def normalise_features(X: np.ndarray, w: np.ndarray) -> float:
    mu = X.mean(axis=0)
    std = X.std(axis=0)
    Xn = (X - mu) / std  # <- zero over zero
    return float(np.sum((Xn @ w) ** 2))


def layer_norm_naive(x: np.ndarray) -> np.ndarray:
    mu = np.mean(x, axis=1, keepdims=True)
    var = np.mean(x**2, axis=1, keepdims=True) - mu**2
    std = np.sqrt(var)  # <- sqrt origin
    return (x - mu) / (std + 1e-5)


def forward_relu(params: dict[str, np.ndarray], X: np.ndarray) -> float:
    Z1 = params["W1"] @ X + params["b1"]  # <- input origin
    A1 = np.maximum(Z1, 0)
    return float(np.sum(params["W2"] @ A1))


def guarded_log_loss(a: np.ndarray) -> float:
    safe = np.where(a > 0, np.log(a), 0.0)  # guarded: fires, result finite
    return float(np.sum(safe))


def guarded_then_broken(a: np.ndarray, b: np.ndarray) -> float:
    safe = np.where(a > 0, np.log(a), 0.0)  # the guard
    ratio = safe / b  # <- after the guard
    return float(np.sum(ratio))


class BinaryClassifier:
    """Seed 001, shortened: dicts W, b, A, Z, dA keyed by layer; sigmoid output; the divide in backprop."""

    def __init__(self, X: np.ndarray, Y: np.ndarray, scale: float) -> None:
        rng = np.random.default_rng(1)
        self.X, self.Y = X, Y
        self.m = Y.shape[1]
        self.W = {1: rng.standard_normal((4, 2)) * scale, 2: rng.standard_normal((1, 4)) * scale}
        self.b = {1: np.zeros((4, 1)), 2: np.zeros((1, 1))}
        self.A: dict[int, np.ndarray] = {}
        self.Z: dict[int, np.ndarray] = {}
        self.dA: dict[int, np.ndarray] = {}
        self.dW: dict[int, np.ndarray] = {}
        self.L = 2

    def sigmoid_function(self, Z: np.ndarray) -> np.ndarray:
        return 1 / (1 + np.exp(-Z))

    def forward_propagation(self) -> np.ndarray:
        self.A[0] = np.copy(self.X)
        for l in range(1, self.L + 1):
            self.Z[l] = np.dot(self.W[l], self.A[l - 1]) + self.b[l]
            if l < self.L:
                self.A[l] = np.maximum(self.Z[l], 0)
            else:
                self.A[l] = self.sigmoid_function(self.Z[l])
        return self.A[self.L]

    def backward_propagation(self) -> None:
        self.forward_propagation()
        for l in reversed(range(1, self.L + 1)):
            if l == self.L:
                self.dA[l] = -(  # <- seed 001 (a statement over three lines)
                    np.divide(self.Y, self.A[l]) - np.divide(1 - self.Y, 1 - self.A[l])
                )
                dZ = self.dA[l] * self.A[l] * (1 - self.A[l])
            else:
                dZ = self.dA[l] * (self.Z[l] > 0)
            self.dW[l] = dZ @ self.A[l - 1].T / self.m
            self.dA[l - 1] = self.W[l].T @ dZ


def seed001_data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((2, 40))
    Y = (X[0:1] + X[1:2] > 0).astype(float)
    return X, Y


def masked_attention(scores: np.ndarray, mask: np.ndarray) -> float:
    masked = np.where(mask, scores, -np.inf)  # intentional -inf
    shifted = masked - masked.max(axis=1, keepdims=True)
    weights = np.exp(shifted)
    weights = weights / weights.sum(axis=1, keepdims=True)  # <- all masked row
    return float(weights.sum())


def python_float_overflow(x: float) -> float:
    big = x * 1e300  # <- python float
    return big - big


def helper_divides(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return a / b  # <- in helper


def caller_of_helper(a: np.ndarray, b: np.ndarray) -> float:
    r = helper_divides(a, b)
    return float(r.sum())


def inplace_divide(a: np.ndarray, b: np.ndarray) -> float:
    out = np.ones_like(a)
    np.divide(a, b, out=out)  # <- in place
    return float(out.sum())


# ----------------------------------------------------------------------------------------------
# Origins


def test_softmax_without_the_max_trick_names_the_exp_line_and_the_max_trick() -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((8, 5)) * 100
    W = rng.standard_normal((5, 3)) * 10
    y = rng.integers(0, 3, 8)
    nf = locate_nonfinite(lambda: softmax_loss_naive(W, X, y), phase="loss")
    assert nf is not None
    assert (nf.file, nf.line, nf.function) == (
        str(HERE),
        line_of("<- softmax origin"),
        "softmax_loss_naive",
    )
    assert nf.variable == "exp_scores"
    assert nf.kind == "overflow"
    assert nf.phase == "loss"
    assert nf.source_line == "exp_scores = np.exp(scores)  # <- softmax origin"
    exp_arg = next(o for o in nf.operands if o.get("role") == "exp argument")
    assert exp_arg["expr"] == "scores" and exp_arg["max"] > 709.78
    assert "softmax without the max trick" in (nf.cause or "")
    assert "Subtract the maximum before exponentiating" in (nf.fix or "")
    assert "overflow at test_numerics.py" in nf.message and "`exp_scores` became" in nf.message


def test_a_stable_softmax_on_the_same_data_is_clean() -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((8, 5)) * 100
    W = rng.standard_normal((5, 3)) * 10
    y = rng.integers(0, 3, 8)
    # Large logits push probabilities of wrong classes to 0, so pick the predicted class as label.
    y = np.argmax(X @ W, axis=1)
    assert locate_nonfinite(lambda: softmax_loss_stable(W, X, y), phase="loss") is None


def test_log_of_a_saturated_sigmoid_names_the_cost_line_and_the_exact_ones() -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3, 50))
    w = np.array([[60.0, 0.0, 0.0]])
    Y = (rng.random((1, 50)) > 0.5).astype(float)
    nf = locate_nonfinite(lambda: logistic_cost(w, X, Y), phase="loss")
    assert nf is not None
    assert nf.line == line_of("<- log origin") and nf.function == "logistic_cost"
    assert nf.variable == "cost"
    assert nf.kind == "divide"
    a = next(o for o in nf.operands if o.get("expr") == "A")
    assert a["ones"] > 0 and a["max"] == 1.0
    assert "saturated sigmoid" in (nf.cause or "") and "exactly 1.0" in (nf.cause or "")
    assert "np.logaddexp(0, -Z)" in (nf.fix or "") and "np.clip" in (nf.fix or "")


def test_zero_over_zero_in_a_normalisation_is_invalid_with_both_zeros_named() -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((10, 4))
    X[:, 2] = 3.0  # a constant feature: std 0 and x - mu 0
    w = np.ones(4)
    nf = locate_nonfinite(lambda: normalise_features(X, w), phase="loss")
    assert nf is not None
    assert nf.line == line_of("<- zero over zero") and nf.variable == "Xn"
    assert nf.kind == "invalid"
    assert "0/0 in 10 entries" in (nf.cause or "")
    assert "std + 1e-8" in (nf.fix or "")
    den = next(o for o in nf.operands if o.get("role") == "denominator")
    assert den["expr"] == "std" and den["zeros"] == 1


def test_sqrt_of_a_variance_that_cancelled_below_zero_is_invalid_and_blames_round_off() -> None:
    x = np.full((1, 3), 0.1)  # a constant row: the true variance is 0
    var = np.mean(x**2, axis=1, keepdims=True) - np.mean(x, axis=1, keepdims=True) ** 2
    assert var[0, 0] < 0  # the premise: E[x^2] - E[x]^2 cancels to a tiny negative number
    nf = locate_nonfinite(lambda: layer_norm_naive(x), phase="forward")
    assert nf is not None
    assert nf.line == line_of("<- sqrt origin") and nf.variable == "std" and nf.kind == "invalid"
    assert "np.sqrt got 1 negative entry in var" in (nf.cause or "")
    assert "round-off" in (nf.cause or "")
    assert "np.sqrt(np.maximum(var, 0) + 1e-8)" in (nf.fix or "")


def test_a_nan_already_in_a_parameter_is_kind_input_at_the_first_line_reading_it() -> None:
    rng = np.random.default_rng(0)
    params = {
        "W1": rng.standard_normal((3, 2)),
        "b1": np.zeros((3, 1)),
        "W2": rng.standard_normal((1, 3)),
    }
    params["W1"][1, 0] = np.nan
    X = rng.standard_normal((2, 5))
    nf = locate_nonfinite(lambda: forward_relu(params, X), phase="loss")
    assert nf is not None
    assert nf.kind == "input"
    assert nf.variable == "params['W1']"
    assert nf.line == line_of("<- input origin")
    assert "already held 1 NaN of 6" in (nf.cause or "")


def test_a_nan_in_the_data_is_kind_input_naming_the_data() -> None:
    rng = np.random.default_rng(0)
    params = {
        "W1": rng.standard_normal((3, 2)),
        "b1": np.zeros((3, 1)),
        "W2": rng.standard_normal((1, 3)),
    }
    X = rng.standard_normal((2, 5))
    X[0, 3] = np.nan
    nf = locate_nonfinite(lambda: forward_relu(params, X), phase="loss")
    assert nf is not None and nf.kind == "input" and nf.variable == "X"
    assert "np.isnan(X).sum()" in (nf.fix or "")


def test_a_guarded_np_where_is_not_blamed() -> None:
    a = np.array([0.0, 1.0, 2.0])
    assert locate_nonfinite(lambda: guarded_log_loss(a), phase="loss") is None


def test_after_a_guarded_np_where_the_real_origin_is_named() -> None:
    a = np.array([0.0, 2.0, 3.0])
    b = np.array([1.0, 0.0, 1.0])
    nf = locate_nonfinite(lambda: guarded_then_broken(a, b), phase="loss")
    assert nf is not None
    assert (
        nf.line == line_of("<- after the guard") and nf.variable == "ratio" and nf.kind == "divide"
    )
    assert "the denominator b is 0 in 1 of 3 entries" in (nf.cause or "")
    assert nf.details["guarded"] == [
        {"file": str(HERE), "line": line_of("# the guard"), "events": ["divide"]}
    ]


def test_seed_001_divide_by_one_minus_a_names_the_line_and_suggests_dz_equals_a_minus_y() -> None:
    X, Y = seed001_data()
    net = BinaryClassifier(
        X, Y, scale=60.0
    )  # big weights: the sigmoid output rounds to exactly 1.0
    nf = locate_nonfinite(net.backward_propagation, phase="grads")
    assert nf is not None
    assert nf.line == line_of("<- seed 001")
    assert nf.function == "BinaryClassifier.backward_propagation"
    assert nf.variable == "self.dA[l]"
    assert nf.details["index_values"] == {"l": 2}
    assert nf.kind == "divide"
    assert "self.A[l]" in (nf.cause or "") and "exactly 1.0" in (nf.cause or "")
    assert "dZ = A - Y" in (nf.fix or "")
    assert "(l = 2)" in nf.message
    assert nf.source_line is not None and nf.source_line.count("\n") == 2
    den = [o for o in nf.operands if o.get("role") == "denominator"]
    assert {d["expr"] for d in den} == {"self.A[l]", "1 - self.A[l]"}
    assert next(d for d in den if d["expr"] == "1 - self.A[l]")["zeros"] > 0


def test_seed_001_with_healthy_weights_is_clean() -> None:
    X, Y = seed001_data()
    net = BinaryClassifier(X, Y, scale=0.5)
    assert locate_nonfinite(net.backward_propagation, phase="grads") is None


def test_intentional_minus_inf_masks_are_allowed_until_a_fully_masked_row_makes_nan() -> None:
    rng = np.random.default_rng(0)
    scores = rng.standard_normal((3, 4))
    mask = np.ones((3, 4), bool)
    mask[1, 2] = False
    assert locate_nonfinite(lambda: masked_attention(scores, mask), phase="loss") is None
    mask[2, :] = False  # a row with nothing left: -inf - (-inf) = NaN
    nf = locate_nonfinite(lambda: masked_attention(scores, mask), phase="loss")
    assert nf is not None and nf.kind == "invalid"
    assert nf.line == line_of("shifted = masked - masked.max", masked_attention)


def test_python_float_overflow_is_caught_by_the_tracer() -> None:
    nf = locate_nonfinite(lambda: python_float_overflow(1e10), phase="loss")
    assert nf is not None
    assert nf.line == line_of("<- python float") and nf.variable == "big" and nf.kind == "overflow"
    assert nf.details["detected_by"] == "tracer"


def test_the_origin_may_be_a_return_statement_in_a_helper() -> None:
    a, b = np.ones(3), np.array([1.0, 0.0, 2.0])
    nf = locate_nonfinite(lambda: caller_of_helper(a, b), phase="loss")
    assert nf is not None
    assert nf.line == line_of("<- in helper") and nf.function == "helper_divides"
    assert nf.variable is None and "the value returned by helper_divides()" in nf.message


def test_an_in_place_write_through_out_is_named() -> None:
    a, b = np.ones(3), np.array([1.0, 0.0, 2.0])
    nf = locate_nonfinite(lambda: inplace_divide(a, b), phase="loss")
    assert (
        nf is not None
        and nf.line == line_of("<- in place")
        and nf.variable == "out"
        and nf.kind == "divide"
    )


def test_the_users_own_errstate_ignore_still_finds_the_origin_with_a_guessed_kind() -> None:
    def quiet(a: np.ndarray) -> float:
        with np.errstate(all="ignore"):
            logs = np.log(a)  # <- quiet
        return float(logs.sum())

    nf = locate_nonfinite(lambda: quiet(np.array([1.0, 0.0])), phase="loss")
    assert nf is not None and nf.line == line_of("<- quiet", quiet) and nf.kind == "divide"
    assert nf.details["detected_by"] == "tracer"


def test_a_finite_run_returns_none() -> None:
    X, Y = seed001_data()
    assert (
        locate_nonfinite(lambda: logistic_cost(np.ones((1, 2)) * 0.1, X, Y), phase="loss") is None
    )


def test_a_nan_made_outside_user_code_is_unknown() -> None:
    # np.full is NumPy's code, called from gradcheck-free but also user-free lambda? No: the lambda
    # is in this file. Use a predicate that excludes this file, so no user frame is traced at all.
    nf = locate_nonfinite(lambda: np.full(3, np.nan), phase="loss", user_code=lambda f: False)
    assert nf is not None and nf.kind == "unknown" and nf.file is None


# ----------------------------------------------------------------------------------------------
# Restoring the program's state


def test_seterr_seterrcall_and_the_tracer_are_restored_exactly_even_when_run_raises() -> None:
    calls: list[str] = []

    def program_callback(kind: str, flag: int) -> None:
        calls.append(kind)

    def tracer(frame: Any, event: str, arg: Any) -> None:
        return None

    old_err = np.seterr(divide="raise", over="print", under="warn", invalid="call")
    old_call = np.seterrcall(program_callback)
    old_trace = sys.gettrace()
    sys.settrace(tracer)
    try:

        def boom() -> None:
            np.log(np.zeros(2))
            raise KeyError("from user code")

        with pytest.raises(KeyError, match="from user code"):
            locate_nonfinite(boom, phase="loss")
        assert sys.gettrace() is tracer
        assert np.geterr() == {
            "divide": "raise",
            "over": "print",
            "under": "warn",
            "invalid": "call",
        }
        assert np.geterrcall() is program_callback
        assert locate_nonfinite(lambda: 1.0, phase="loss") is None
        assert sys.gettrace() is tracer and np.geterrcall() is program_callback
    finally:
        sys.settrace(old_trace)
        np.seterrcall(old_call)
        np.seterr(**old_err)
    assert calls == []


def test_run_is_called_exactly_once() -> None:
    count = []
    locate_nonfinite(lambda: count.append(1), phase="loss")
    assert count == [1]


# ----------------------------------------------------------------------------------------------
# Inputs, summaries, predicates


def test_scan_inputs_names_the_parameter_and_the_first_bad_index() -> None:
    W = {1: np.ones((2, 2)), 2: np.ones((1, 2))}
    W[2][0, 1] = np.inf
    nf = scan_inputs({"b1": np.zeros(2), "W": W}, phase="params")
    assert nf is not None
    assert nf.kind == "input" and nf.variable == "W[2]" and nf.phase == "params"
    assert nf.details["first_index"] == [0, 1]
    assert "1 +inf of 2" in nf.message
    assert scan_inputs({"W1": np.ones(3), "n": 3}) is None


def test_summarize_counts_exact_zeros_ones_and_non_finite() -> None:
    s = summarize(np.array([0.0, 1.0, 1.0, np.nan, np.inf, -2.0]), expr="A")
    assert s == {
        "expr": "A",
        "shape": [6],
        "dtype": "float64",
        "size": 6,
        "min": -2.0,
        "max": 1.0,
        "zeros": 1,
        "ones": 2,
        "negatives": 1,
        "nan": 1,
        "inf": 1,
    }


def test_user_code_is_this_file_not_numpy_or_gradcheck() -> None:
    from gradcheck import numerics

    assert is_user_file(str(HERE))
    assert not is_user_file(np.__file__)
    assert not is_user_file(numerics.__file__)
    assert not is_user_file(inspect.__file__)
    assert is_user_file("<string>")
    only = user_code_for([softmax_loss_naive])
    assert only(str(HERE)) and not only("/elsewhere/model.py")


def test_a_fixture_module_in_tmp_path_counts_as_user_code(tmp_path: Path) -> None:
    source = textwrap.dedent(
        """
        import numpy as np

        def loss(w, x):
            z = w * x
            p = np.exp(z)
            return float(np.sum(np.log(p - 1.0)))
        """
    )
    path = tmp_path / "model_under_test.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("model_under_test", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    nf = locate_nonfinite(lambda: mod.loss(np.zeros(3), np.ones(3)), phase="loss")
    assert nf is not None
    assert nf.file == str(path) and nf.line == 7 and nf.kind == "divide"
    assert nf.source_line == "return float(np.sum(np.log(p - 1.0)))"


def test_code_without_source_falls_back_to_the_first_local_that_turns_non_finite() -> None:
    namespace: dict[str, Any] = {"np": np}
    exec(  # noqa: S102 - code without a source file, the way a notebook or a generator makes it
        compile(
            "def f(a):\n    b = a * 2\n    c = np.log(b - 2)\n    return c.sum()\n",
            "<generated>",
            "exec",
        ),
        namespace,
    )
    nf = locate_nonfinite(lambda: namespace["f"](np.ones(2)), phase="loss")
    assert (
        nf is not None and nf.variable == "c" and nf.kind == "divide" and nf.file == "<generated>"
    )


# ----------------------------------------------------------------------------------------------
# ErrorWatch: the cheap half, over many calls


def train_step(net: BinaryClassifier, lr: float) -> None:
    net.backward_propagation()
    for l in (1, 2):
        net.W[l] -= lr * net.dW[l]


@pytest.mark.filterwarnings(
    "ignore:.*encountered:RuntimeWarning"
)  # chained: the program's own 'warn'
def test_error_watch_keeps_the_first_real_origin_and_ignores_guards() -> None:
    X, Y = seed001_data()
    net = BinaryClassifier(X, Y, scale=0.5)
    a = np.array([0.0, 1.0])
    with ErrorWatch() as watch:
        for step in range(1, 4):
            watch.step = step
            guarded_log_loss(a)  # fires every step, result finite
            train_step(net, 0.1)
        assert watch.first is None
        net.W[2] *= 400.0  # now the sigmoid saturates
        watch.step = 4
        train_step(net, 0.1)
    assert watch.first is not None
    first = watch.first
    assert first.line == line_of("<- seed 001") and first.kind == "divide"
    assert first.variable == "self.dA[l]" and first.details["step"] == 4
    assert "dZ = A - Y" in (first.fix or "")
    assert watch.events[0].verdict is False and watch.events[0].step == 1
    assert sys.gettrace() is None


def test_error_watch_restores_the_programs_settings_and_chains_them() -> None:
    seen: list[str] = []
    old_err = np.seterr(divide="call", over="warn", invalid="ignore")
    old_call = np.seterrcall(lambda kind, flag: seen.append(kind))
    try:
        before = (np.geterr(), np.geterrcall())
        with ErrorWatch() as watch:
            np.divide(np.ones(1), np.zeros(1))
            with pytest.warns(RuntimeWarning, match="overflow encountered"):
                np.exp(np.array([1000.0]))
        assert (np.geterr(), np.geterrcall()) == before
        assert seen == ["divide by zero"]
        assert watch.n_events == 2
    finally:
        np.seterrcall(old_call)
        np.seterr(**old_err)


def test_error_watch_keeps_raise_semantics() -> None:
    old = np.seterr(divide="raise")
    try:
        with ErrorWatch() as watch, pytest.raises(FloatingPointError):
            helper_divides(np.ones(2), np.zeros(2))
        assert watch.events and watch.events[0].line == line_of("<- in helper")
    finally:
        np.seterr(**old)


@pytest.mark.filterwarnings(
    "ignore:.*encountered:RuntimeWarning"
)  # chained: the program's own 'warn'
def test_error_watch_can_raise_at_the_origin() -> None:
    a, b = np.ones(3), np.array([1.0, 0.0, 2.0])
    with ErrorWatch(raise_on_first=True) as watch:
        watch.step = 7
        with pytest.raises(NonFiniteError) as info:
            caller_of_helper(a, b)
    err = info.value
    assert err.step == 7 and err.line == line_of("<- in helper") and err.kind == "divide"
    assert err.filename == str(HERE)


def test_nonfinite_error_carries_the_record() -> None:
    a, b = np.ones(3), np.array([1.0, 0.0, 2.0])
    nf = locate_nonfinite(lambda: caller_of_helper(a, b), phase="grads")
    assert nf is not None
    err = nonfinite_error(nf, step=3)
    assert str(err).startswith("step 3: division by zero at test_numerics.py")
    assert err.details is nf and err.variable is None and err.function == "helper_divides"


def test_error_watch_does_not_warn_when_the_program_ignores() -> None:
    old = np.seterr(all="ignore")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with ErrorWatch():
                np.log(np.zeros(2))
    finally:
        np.seterr(**old)


def course_forward(params: dict[str, np.ndarray], X: np.ndarray, L: int) -> float:
    cache = {"A0": X}
    for l in range(1, L + 1):
        cache["Z" + str(l)] = (
            np.dot(params["W" + str(l)], cache["A" + str(l - 1)]) + params["b" + str(l)]
        )
        cache["A" + str(l)] = np.exp(cache["Z" + str(l)])  # <- keys built with str()
    return float(cache["A" + str(L)].sum())


def test_keys_built_with_str_are_read_and_named() -> None:
    rng = np.random.default_rng(0)
    params = {
        "W1": rng.standard_normal((3, 2)),
        "b1": np.zeros((3, 1)),
        "W2": rng.standard_normal((1, 3)) * 400,
        "b2": np.zeros((1, 1)),
    }
    X = rng.standard_normal((2, 4)) * 3
    nf = locate_nonfinite(lambda: course_forward(params, X, 2), phase="loss")
    assert nf is not None and nf.kind == "overflow"
    assert nf.line == line_of("<- keys built with str()") and nf.variable == "cache['A' + str(l)]"
    assert nf.details["index_values"] == {"l": 2}
    exp_arg = next(o for o in nf.operands if o.get("role") == "exp argument")
    assert exp_arg["expr"] == "cache['Z' + str(l)]" and exp_arg["max"] > 709


def test_under_another_tracer_the_watch_keeps_events_unverified_and_leaves_the_tracer_alone() -> (
    None
):
    def foreign(frame: Any, event: str, arg: Any) -> None:
        return None

    a, b = np.ones(3), np.array([1.0, 0.0, 2.0])
    old = sys.gettrace()
    sys.settrace(foreign)
    try:
        with np.errstate(all="ignore"), ErrorWatch() as watch:
            caller_of_helper(a, b)
        assert sys.gettrace() is foreign
    finally:
        sys.settrace(old)
    assert watch.first is not None and watch.first.line == line_of("<- in helper")
    assert watch.first.details["verified"] is False and watch.events[0].verdict is None


class Sneaky:
    """Every way an attribute read could run user code counts its calls."""

    calls = 0

    def __init__(self) -> None:
        self.W = np.array([[1.0, -1.0]])
        self.cache = Counting()

    @property
    def scale(self) -> float:
        Sneaky.calls += 1
        return 0.0

    def __getattr__(self, name: str) -> Any:
        Sneaky.calls += 1
        raise AttributeError(name)

    def loss(self, x: np.ndarray) -> float:
        self.cache["z"] = self.W @ x
        out = np.log(self.cache["z"] * self.scale)  # <- sneaky
        return float(out.sum())


class Counting(dict):  # type: ignore[type-arg]
    def __getitem__(self, key: Any) -> Any:
        Sneaky.calls += 1
        return super().__getitem__(key)

    def __missing__(self, key: Any) -> Any:
        Sneaky.calls += 1
        raise KeyError(key)


def test_reading_operands_never_runs_user_code() -> None:
    model = Sneaky()
    x = np.array([1.0, 0.5])
    Sneaky.calls = 0
    with np.errstate(all="ignore"):
        model.loss(x)
    plain_calls = Sneaky.calls
    Sneaky.calls = 0
    nf = locate_nonfinite(lambda: model.loss(x), phase="loss")
    assert Sneaky.calls == plain_calls  # only the user's own reads, none of ours
    assert nf is not None and nf.line == line_of("<- sneaky") and nf.kind == "divide"
    assert {o["expr"] for o in nf.operands} >= {"self.cache['z']"}
