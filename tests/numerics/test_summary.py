"""Summaries of operands: shape, dtype, range and the counts of 0, 1, NaN and Inf."""

from __future__ import annotations

import numpy as np

from gradcheck.numerics.summary import summarize


def test_summarize_counts_exact_zeros_ones_and_non_finite() -> None:
    s = summarize(np.array([0.0, 1.0, 1.0, np.nan, np.inf, -2.0]), expr="A")
    assert s == {
        "expr": "A",
        "shape": [6],
        "dtype": "float64",
        "size": 6,
        "min": -2.0,
        "max": 1.0,
        "zeros": 1,
        "ones": 2,
        "negatives": 1,
        "nan": 1,
        "inf": 1,
    }
