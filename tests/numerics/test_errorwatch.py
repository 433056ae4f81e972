"""ErrorWatch: the cheap half, over many calls (NumPy's callback, verified by a one-line tracer)."""

from __future__ import annotations

import sys
import warnings
from typing import Any

import numpy as np
import pytest

from gradcheck.errors import NonFiniteError
from gradcheck.numerics.errorwatch import ErrorWatch
from tests.numerics.user_code import (
    HERE,
    BinaryClassifier,
    caller_of_helper,
    guarded_log_loss,
    helper_divides,
    line_of,
    seed001_data,
    train_step,
)


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


def test_error_watch_does_not_warn_when_the_program_ignores() -> None:
    old = np.seterr(all="ignore")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with ErrorWatch():
                np.log(np.zeros(2))
    finally:
        np.seterr(**old)


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
