"""The error raised for an origin carries its record."""

from __future__ import annotations

import numpy as np

from gradcheck.numerics.origin import locate_nonfinite
from gradcheck.numerics.record import nonfinite_error
from tests.numerics.user_code import caller_of_helper


def test_nonfinite_error_carries_the_record() -> None:
    a, b = np.ones(3), np.array([1.0, 0.0, 2.0])
    nf = locate_nonfinite(lambda: caller_of_helper(a, b), phase="grads")
    assert nf is not None
    err = nonfinite_error(nf, step=3)
    assert str(err).startswith("step 3 (1 = the first call): division by zero at user_code.py")
    assert err.details is nf and err.variable is None and err.function == "helper_divides"
