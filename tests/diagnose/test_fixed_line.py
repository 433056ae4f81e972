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


REG = [
    {"strength": "reg", "wrong": "reg", "right": "2 * reg", "data_factor": 1.0},
    {"strength": "reg", "wrong": None, "right": "reg", "data_factor": 1.0},
]


def _l2(text: str, readings: list[dict[str, object]], counts: dict[int, str] = M) -> str | None:
    return fixed_line(text, "regularization", None, counts, {"l2": readings})


def test_the_l2_term_the_statement_holds_picks_the_one_possible_reading() -> None:
    assert _l2("dW = X.T @ d + reg * W", REG) == "dW = X.T @ d + 2 * reg * W"
    assert _l2("dW += reg * W  # L2", REG) == "dW += 2 * reg * W"


def test_no_l2_fix_when_the_statement_does_not_choose_among_the_readings() -> None:
    assert _l2("dW = X.T @ d", REG) is None  # no L2 term: the second reading, whose fix is a guess
    assert _l2("dW = X.T @ d + 2 * reg * W", REG) is None  # neither reading has 2 * reg
    assert _l2("dW = X.T @ d + reg * W + reg * W", REG) is None  # two L2 terms
    assert _l2("dW = X.T @ d + W * reg", REG) is None  # the coefficient is not in front
    assert _l2("dW = X.T @ d + reg * W", REG[:1] + [{**REG[0], "strength": "lam"}]) is None


def test_the_data_term_gets_its_division_by_m_when_the_l2_term_is_right() -> None:
    right = [{"strength": "lambd", "wrong": "lambd / m", "right": "lambd / m", "data_factor": 24.0}]
    assert _l2("dW = dZ @ A.T + lambd / m * W", right) == "dW = dZ @ A.T / m + lambd / m * W"
    assert _l2("dW = a - b + lambd / m * W", right) == "dW = (a - b) / m + lambd / m * W"
    half = [{**right[0], "data_factor": 1 / 24}]
    assert _l2("dW = dZ @ A.T + lambd / m * W", half) is None  # which / m goes?
