"""The pieces: the noise estimate and the relative error."""

from __future__ import annotations

import numpy as np

from gradcheck.engine.noise import measure_noise
from gradcheck.engine.tolerances import TOLERANCES, relative_error


def test_the_noise_estimate_matches_injected_noise() -> None:
    rng = np.random.default_rng(0)
    w = np.linspace(-1, 1, 50)
    sigma = 1e-9

    def noisy() -> float:
        return float(np.sum(w**2) + sigma * rng.standard_normal())

    f0 = noisy()
    est, in_doubt = measure_noise(
        noisy, w, np.full(w.shape, 1e-5), f0, "float64", np.random.default_rng(1), directions=4
    )
    assert sigma / 3 < est < sigma * 3
    assert not in_doubt  # independent noise: every direction sees it


def test_relative_error_is_zero_for_a_zero_gradient_within_noise() -> None:
    a = np.zeros(4)
    n = np.full(4, 1e-12)
    bound = np.full(4, 1e-11)
    assert relative_error(a, n, bound, TOLERANCES["float64"][0]) < 1e-6
