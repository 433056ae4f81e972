"""Reading the user's code: the names a function's return statements give."""

from __future__ import annotations

from typing import Any

from gradcheck.models.source import returned_names

# ----------------------------------------------------------------------------------------------
# Reading return statements
# ----------------------------------------------------------------------------------------------


def _four() -> tuple[int, int, int, int]:
    z1, a1, z2, a2 = 1, 2, 3, 4
    return z1, a1, z2, a2


def _mixed(flag: bool) -> Any:
    def inner() -> int:
        q = 1
        return q

    if flag:
        return 1, 2
    a, b = inner(), 2
    return a, b + 1


def _two_returns(flag: bool) -> tuple[int, int]:
    dw, db = 1, 2
    if flag:
        return dw, db
    return dw, db


def test_return_names_are_read_from_the_source() -> None:
    assert returned_names(_four) == ("z1", "a1", "z2", "a2")


def test_return_names_keep_only_what_every_return_agrees_on() -> None:
    # Nested functions' returns are not ours; `b + 1` is not a name; `1, 2` disagrees with `a, b+1`.
    assert returned_names(_mixed) == (None, None)
    assert returned_names(_two_returns) == ("dw", "db")


def test_return_names_of_a_builtin_are_unknown() -> None:
    assert returned_names(len) is None


def test_return_names_of_a_bound_method_and_a_partial() -> None:
    import functools

    class Net:
        def backward(self, x: int) -> tuple[int, int]:
            dW1, db1 = x, x
            return dW1, db1

    assert returned_names(Net().backward) == ("dW1", "db1")
    assert returned_names(functools.partial(_two_returns, True)) == ("dw", "db")
