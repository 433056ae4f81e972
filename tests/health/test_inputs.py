"""Input health: unscaled inputs are named, standardised ones are not."""

from __future__ import annotations

import numpy as np

from gradcheck.health.inputs import input_health
from tests.health.networks import kinds


def test_unscaled_inputs_are_named_and_standardised_ones_are_not() -> None:
    seed000_X = np.array([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]])
    found = input_health({"X": seed000_X})
    assert kinds(found) == [("unscaled_inputs", "X")]
    assert "RMS 6.2" in found[0].message and "X = (X - mean) / std" in found[0].message
    rng = np.random.default_rng(0)
    assert input_health({"X": rng.standard_normal((5, 100)), "pixels": rng.random((28, 28))}) == []
