"""The corner test and the subgradient bracket, on one-dimensional losses with a known corner."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import assume, given
from hypothesis import strategies as st

from gradcheck.engine.kinks import Stencil, has_corner, is_subgradient

SIGMA = 1e-17  # round-off of a float64 loss near 1
RTOL = 1e-6


def stencil(f: Callable[[float], float], x: float, h: float) -> Stencil:
    up, mid, down = f(x + h), f(x), f(x - h)
    return Stencil((up - down) / (2 * h), h, (up - mid) / h, (mid - down) / h)


def corner_at_zero(left: float, right: float, curvature: float) -> Callable[[float], float]:
    return lambda t: (left if t < 0 else right) * t + curvature * t * t


slopes = st.floats(-5, 5).filter(lambda s: abs(s) > 1e-3)


@given(left=slopes, right=slopes, curvature=st.floats(-10, 10), where=st.floats(0, 1))
def test_property_every_value_between_the_one_sided_derivatives_passes_at_a_corner(
    left: float, right: float, curvature: float, where: float
) -> None:
    assume(abs(right - left) > 1e-2)  # a corner to speak of
    f = corner_at_zero(left, right, curvature)
    wide, narrow = stencil(f, 0.0, 6e-6), stencil(f, 0.0, 3e-6)
    assert has_corner(wide, narrow, SIGMA)
    between = left + where * (right - left)
    assert is_subgradient(between, narrow, wide, SIGMA, RTOL)


@given(left=slopes, right=slopes, outside=st.floats(0.01, 3))
def test_property_a_value_outside_the_one_sided_derivatives_is_not_a_subgradient(
    left: float, right: float, outside: float
) -> None:
    f = corner_at_zero(left, right, 0.5)
    wide, narrow = stencil(f, 0.0, 6e-6), stencil(f, 0.0, 3e-6)
    beyond = max(left, right) + outside * (1 + abs(right - left))
    assert not is_subgradient(beyond, narrow, wide, SIGMA, RTOL)
    below = min(left, right) - outside * (1 + abs(right - left))
    assert not is_subgradient(below, narrow, wide, SIGMA, RTOL)


@given(curvature=st.floats(0.1, 100), slope=st.floats(-5, 5))
def test_property_a_smooth_curve_has_no_corner(curvature: float, slope: float) -> None:
    # The gap between one-sided slopes of a smooth curve is f''(x) h: it halves with the step.
    def f(t: float) -> float:
        return slope * t + curvature * t * t + t**3

    assert not has_corner(stencil(f, 0.3, 6e-3), stencil(f, 0.3, 3e-3), SIGMA)
