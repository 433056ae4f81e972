"""``--set NAME=VALUE``: literals read back as themselves, module-level names give the user's own
object, and nothing else is ever evaluated."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gradcheck.errors import GradcheckError
from gradcheck.models.settings import parse_settings, resolve_settings

literals = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.tuples(inner, inner),
    max_leaves=6,
)


@given(literals)
def test_a_literal_reads_back_as_itself(value: object) -> None:
    pairs = parse_settings([f"lambd={value!r}"])
    assert resolve_settings(pairs, {}, "model.py") == {"lambd": value}


@given(st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True))
def test_a_name_is_looked_up_never_run(name: str) -> None:
    if name in ("True", "False", "None"):
        return
    array = np.zeros(3)
    assert resolve_settings([("X", name)], {name: array}, "f.py")["X"] is array
    with pytest.raises(GradcheckError, match=f"defines no {name}"):
        resolve_settings([("X", name)], {}, "f.py")


@pytest.mark.parametrize(
    "raw", ["__import__('os').system('true')", "open('x')", "X.T", "train_x[:5]", "1 + lambd"]
)
def test_an_expression_is_refused(raw: str) -> None:
    namespace = {"X": np.zeros(2), "train_x": np.zeros(6), "lambd": 0.7}
    with pytest.raises(GradcheckError, match="neither a Python literal"):
        resolve_settings([("v", raw)], namespace, "f.py")


def test_a_name_given_twice_is_an_error() -> None:
    with pytest.raises(GradcheckError, match="gives lambd twice"):
        parse_settings(["lambd=0.1", "lambd=0.2"])


def test_infinities_read_as_floats() -> None:
    values = resolve_settings(parse_settings(["a=inf", "b=-inf"]), {}, "f.py")
    assert values == {"a": float("inf"), "b": float("-inf")}
