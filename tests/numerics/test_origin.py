"""Origins of the first NaN/Inf: the statement named, its kind, and the program's state restored."""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from gradcheck.numerics.origin import locate_nonfinite
from tests.numerics.user_code import (
    HERE,
    caller_of_helper,
    forward_relu,
    guarded_log_loss,
    guarded_then_broken,
    inplace_divide,
    line_of,
    logistic_cost,
    masked_attention,
    python_float_overflow,
    seed001_data,
)


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
