"""The finding about the data: unscaled inputs (gradcheck.train.input_health)."""

from __future__ import annotations

import numpy as np

from gradcheck.train.input_health import input_health
from tests.train.helpers import kinds


def test_unscaled_inputs_are_warned_and_standardised_ones_are_not() -> None:
    X = np.arange(1, 11, dtype=float).reshape(1, 10)
    ws = input_health({"X": X}, batch_size=10)
    assert kinds(ws) == ["unscaled_inputs"]
    assert "values from 1 to 10, mean 5.5" in ws[0].message
    assert "X.mean(axis=1, keepdims=True)" in ws[0].message
    Z = (X - X.mean()) / X.std()
    assert input_health({"X": Z}, batch_size=10) == []
