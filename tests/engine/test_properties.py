"""Properties: correct gradients pass, wrong ones fail, and the parameters come back bit for bit."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gradcheck
from tests.engine.helpers import snapshot
from tests.nets import make_mlp


@st.composite
def quadratic_models(draw: st.DrawFn) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=0, max_size=2)))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    w = rng.standard_normal(shape) * draw(st.sampled_from([1e-3, 1.0, 1e3]))
    a = rng.standard_normal(shape)
    c = rng.standard_normal(shape)
    return {"w": np.asarray(w, dtype=np.float64)}, a, c


def _quadratic(a: np.ndarray, c: np.ndarray):  # type: ignore[no-untyped-def]
    def loss(p):  # type: ignore[no-untyped-def]
        return float(np.sum(a * p["w"] ** 2 / 2 + c * np.sin(p["w"])))

    def grads(p):  # type: ignore[no-untyped-def]
        return {"dw": a * p["w"] + c * np.cos(p["w"])}

    return loss, grads


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(quadratic_models())
def test_property_correct_gradients_pass_and_parameters_are_bit_for_bit_restored(model) -> None:  # type: ignore[no-untyped-def]
    params, a, c = model
    before = snapshot(params)
    loss, grads = _quadratic(a, c)
    report = gradcheck.check(loss=loss, grads=grads, params=params)
    assert snapshot(params) == before
    assert report.ok, report.tensors[0].to_dict()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(quadratic_models(), st.floats(0.01, 0.5), st.sampled_from([-1.0, 1.0]))
def test_property_a_gradient_perturbed_well_beyond_tolerance_fails(
    model, rel: float, sign: float
) -> None:  # type: ignore[no-untyped-def]
    params, a, c = model
    loss, grads = _quadratic(a, c)
    before = snapshot(params)

    def wrong(p):  # type: ignore[no-untyped-def]
        g = grads(p)["dw"]
        # every entry moved by at least rel * |g| (and by at least rel * 1e-3 where g is tiny)
        return {"dw": g + sign * rel * np.maximum(np.abs(g), 1e-3)}

    report = gradcheck.check(loss=loss, grads=wrong, params=params)
    assert snapshot(params) == before
    assert report.tensors[0].status == "fail"


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 60), st.integers(0, 10_000))
def test_property_any_failure_point_leaves_parameters_unchanged(fail_at: int, seed: int) -> None:
    params, loss, grads = make_mlp((3, 4, 2), seed=seed % 7)
    before = snapshot(params)
    calls = {"n": 0}

    def failing(p):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == fail_at:
            raise RuntimeError("user code failed")
        return loss(p)

    try:
        gradcheck.check(loss=failing, grads=grads, params=params, seed=seed)
    except RuntimeError:
        pass
    assert snapshot(params) == before
