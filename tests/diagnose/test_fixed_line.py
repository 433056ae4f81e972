"""The user's statement as it would be fixed, only where the pattern makes the fix certain."""

from __future__ import annotations

from gradcheck.diagnose.fixed_line import fixed_line

M = {24: "m"}


def test_a_missing_division_by_the_batch_size_is_added_in_the_users_own_name() -> None:
    assert fixed_line("dW2 = dZ2 @ A1.T", "scale", 24.0, M) == "dW2 = dZ2 @ A1.T / m"


def test_the_comment_is_dropped_and_a_sum_is_put_in_brackets() -> None:
    assert fixed_line("dW = a + b  # BUG", "scale", 24.0, M) == "dW = (a + b) / m"


def test_a_stray_factor_of_the_same_name_is_removed_instead() -> None:
    assert fixed_line("dW2 = dZ2 @ A1.T * m", "scale", 24.0, M) == "dW2 = dZ2 @ A1.T"
    assert fixed_line("grads['dW'] = m * (dZ @ X.T)", "scale", 24.0, M) == "grads['dW'] = dZ @ X.T"


def test_no_fix_is_offered_without_certainty() -> None:
    assert fixed_line("dW2 = dZ2 @ A1.T", "scale", 23.5, M) is None  # not a whole number
    assert fixed_line("dW2 = dZ2 @ A1.T", "scale", 12.0, M) is None  # no variable holds 12
    assert fixed_line("dW2 = dZ2 @ A1.T", "sign", -1.0, M) is None
    assert fixed_line("dW2 = dZ2 @ A1.T", "scale", 1 / 24, M) is None  # averaged twice: which /m?
    assert fixed_line("dW2 += x", "scale", 24.0, M) is None
    assert fixed_line("a, b = f(x)", "scale", 24.0, M) is None
