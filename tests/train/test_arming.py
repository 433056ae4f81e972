"""Arming NumPy's error callback and restoring the program's own settings (gradcheck.train.arming)."""

from __future__ import annotations

import numpy as np
import pytest

import gradcheck
from gradcheck.errors import NonFiniteError


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
