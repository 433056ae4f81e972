"""Scanning inputs: the first parameter or data array that already holds NaN/Inf."""

from __future__ import annotations

import numpy as np

from gradcheck.numerics.inputs import scan_inputs


def test_scan_inputs_names_the_parameter_and_the_first_bad_index() -> None:
    W = {1: np.ones((2, 2)), 2: np.ones((1, 2))}
    W[2][0, 1] = np.inf
    nf = scan_inputs({"b1": np.zeros(2), "W": W}, phase="params")
    assert nf is not None
    assert nf.kind == "input" and nf.variable == "W[2]" and nf.phase == "params"
    assert nf.details["first_index"] == [0, 1]
    assert "1 +inf of 2" in nf.message
    assert scan_inputs({"W1": np.ones(3), "n": 3}) is None
