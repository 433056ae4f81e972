"""``gradcheck.check_layer`` on CS231n-style layers: every correct pair passes, in float64 and
float32, every planted bug fails in the argument it breaks and nowhere else, and the layer's
arguments (param dicts included) and NumPy's global random state are as they were afterwards.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gradcheck
from tests.layers import cs231n as L
from tests.layers.cases import BUGS, BY_NAME, CASES, Case


def statuses(report: gradcheck.Report) -> dict[str, str]:
    return {t.name: t.status for t in report.tensors}


def check(case: Case, backward: Any = "same", dtype: Any = np.float64, **kw: Any) -> Any:
    args = case.args(dtype)
    if case.backward is None:  # a loss layer: the bug is in forward itself
        forward = case.forward if backward == "same" else backward
        return gradcheck.check_layer(forward, None, *args, **kw)
    back = case.backward if backward == "same" else backward
    return gradcheck.check_layer(case.forward, back, *args, **kw)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("name", [c.name for c in CASES])
def test_a_correct_layer_passes(name: str, dtype: Any) -> None:
    report = check(BY_NAME[name], dtype=dtype)
    assert report.ok, [(t.name, t.status, t.rel_error) for t in report.tensors]
    assert set(statuses(report).values()) == {"pass"}
    assert report.suspect_layer is None
    assert all(t.dtype == np.dtype(dtype).name for t in report.tensors)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize(("name", "bug", "buggy", "broken"), BUGS, ids=[b[1] for b in BUGS])
def test_a_planted_bug_fails_in_the_argument_it_breaks_alone(
    name: str, bug: str, buggy: Any, broken: str, dtype: Any
) -> None:
    report = check(BY_NAME[name], buggy, dtype=dtype)
    assert not report.ok
    found = statuses(report)
    assert found[broken] == "fail"
    assert {n: s for n, s in found.items() if n != broken} == dict.fromkeys(
        [n for n in found if n != broken], "pass"
    )
    # The layer is named after forward without _forward (a buggy loss is its own forward).
    title = name.split()[0] if BY_NAME[name].backward else buggy.__name__
    assert report.suspect_layer == title
    assert report.suspect_message is not None and f"d{broken}" in report.suspect_message


def test_the_tensors_are_named_by_forwards_own_arguments() -> None:
    report = check(BY_NAME["rnn_step"])
    assert [t.name for t in report.tensors] == ["x", "prev_h", "Wx", "Wh", "b"]
    assert [t.shape for t in report.tensors] == [(3, 4), (3, 5), (4, 5), (5, 5), (5,)]
    assert {t.layer for t in report.tensors} == {"rnn_step"}


def test_dx_wrong_while_dw_and_db_pass_is_a_gradient_flowing_back_wrongly() -> None:
    report = check(BY_NAME["affine"], L.affine_backward_no_transpose)
    assert report.suspect_layer == "affine"
    message = report.suspect_message
    assert message is not None
    assert message.startswith("Layer affine: dx fails while dw and db pass.")
    assert "flows back to the input" in message and "dout @ w.T" in message


def test_db_wrong_while_dx_passes_points_at_dbs_own_formula() -> None:
    report = check(BY_NAME["affine"], L.affine_backward_db_mean)
    assert report.tensor("b").pattern == "scale"
    assert report.tensor("b").factor == pytest.approx(0.25)  # a mean over N = 4
    message = report.suspect_message or ""
    assert "dx is right" in message and "formula for db itself" in message


def test_a_loss_without_its_1_over_n_is_named_as_such() -> None:
    report = check(BY_NAME["softmax_loss"], L.softmax_loss_no_mean)
    x = report.tensor("x")
    assert x.pattern == "scale" and x.factor == pytest.approx(6)
    assert "1/m" in (x.message or "")


def test_relu_kinks_are_checked_off_the_corner_and_pass() -> None:
    report = check(BY_NAME["relu"])
    assert report.ok
    assert report.tensor("x").kinks == 3


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
def test_max_pool_with_ties_in_a_window_passes(dtype: Any) -> None:
    x = np.random.default_rng(4).standard_normal((1, 2, 4, 4)).astype(dtype)
    x[0, 0, :2, :2] = 1.5  # a four-way tie for the max of one window
    x[0, 1, 2, 2:] = 2.0  # a two-way tie
    report = gradcheck.check_layer(
        L.max_pool_forward_naive,
        L.max_pool_backward_naive,
        x,
        {"pool_height": 2, "pool_width": 2, "stride": 2},
    )
    assert report.ok, [(t.name, t.status, t.message) for t in report.tensors]
    assert report.tensor("x").kinks > 0


def test_a_backward_that_masks_dout_in_place_is_checked_all_the_same() -> None:
    """dx = dout; dx[x <= 0] = 0 writes into dout: every call gets a fresh upstream gradient."""
    report = check(BY_NAME["relu"], L.relu_backward_in_place)
    assert report.ok


def test_two_outputs_take_one_upstream_gradient_each() -> None:
    case = BY_NAME["lstm_step"]
    args = case.args()
    rng = np.random.default_rng(5)
    dnext_h, dnext_c = rng.standard_normal((3, 5)), rng.standard_normal((3, 5))
    report = gradcheck.check_layer(case.forward, case.backward, *args, dout=(dnext_h, dnext_c))
    assert report.ok
    # The scalar checked is sum(next_h * dnext_h) + sum(next_c * dnext_c).
    next_h, next_c, _ = case.forward(*args)
    assert report.loss == pytest.approx(np.sum(next_h * dnext_h) + np.sum(next_c * dnext_c))


def test_a_given_dout_is_the_one_multiplied() -> None:
    case = BY_NAME["affine"]
    x, w, b = case.args()
    dout = np.arange(24.0).reshape(4, 6) / 10
    report = gradcheck.check_layer(case.forward, case.backward, x, w, b, dout=dout)
    assert report.ok
    assert report.loss == pytest.approx(np.sum(case.forward(x, w, b)[0] * dout))


def test_the_seed_draws_the_upstream_gradient() -> None:
    case = BY_NAME["affine"]
    first = gradcheck.check_layer(case.forward, case.backward, *case.args(), seed=1)
    again = gradcheck.check_layer(case.forward, case.backward, *case.args(), seed=1)
    other = gradcheck.check_layer(case.forward, case.backward, *case.args(), seed=2)
    assert first.loss == again.loss != other.loss


def test_wrt_checks_fewer_arguments_of_a_backward_that_returns_them_all() -> None:
    case = BY_NAME["affine"]
    report = gradcheck.check_layer(case.forward, case.backward, *case.args(), wrt="x")
    assert [t.name for t in report.tensors] == ["x"]
    report = gradcheck.check_layer(case.forward, case.backward, *case.args(), wrt=("w", "b"))
    assert [t.name for t in report.tensors] == ["w", "b"]


def test_wrt_leaves_a_float_mask_out() -> None:
    def masked_forward(x, mask):
        return x * mask, mask

    def masked_backward(dout, cache):
        return dout * cache

    x = np.random.default_rng(0).standard_normal((3, 4))
    mask = (x > 0).astype(float)
    report = gradcheck.check_layer(masked_forward, masked_backward, x, mask, wrt=["x"])
    assert report.ok and [t.name for t in report.tensors] == ["x"]


def test_keyword_arguments_reach_forward() -> None:
    case = BY_NAME["batchnorm"]
    x, gamma, beta, bn_param = case.args()
    report = gradcheck.check_layer(case.forward, case.backward, x, gamma, beta, bn_param=bn_param)
    assert report.ok and [t.name for t in report.tensors] == ["x", "gamma", "beta"]


# ---------------------------------------------------------------------------------------------
# Nothing the layer is given changes
# ---------------------------------------------------------------------------------------------


def _snapshot(args: tuple[Any, ...]) -> list[Any]:
    return copy.deepcopy(list(args))


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray):
        return (
            isinstance(b, np.ndarray)
            and a.dtype == b.dtype
            and a.shape == b.shape
            and a.tobytes() == b.tobytes()
        )
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return bool(a == b)


@pytest.mark.parametrize("name", [c.name for c in CASES])
def test_every_argument_and_the_global_random_state_are_unchanged(name: str) -> None:
    case = BY_NAME[name]
    args = case.args()
    before = _snapshot(args)
    np.random.seed(1234)
    state = np.random.get_state()
    gradcheck.check_layer(case.forward, case.backward, *args)
    assert all(_same(a, b) for a, b in zip(args, before))
    after = np.random.get_state()
    assert after[1].tobytes() == state[1].tobytes() and after[2:] == state[2:]


def test_running_means_written_into_bn_param_stay_out_of_the_callers_dict() -> None:
    case = BY_NAME["batchnorm"]
    x, gamma, beta, _ = case.args()
    running = np.arange(5.0)
    bn_param = {"mode": "train", "running_mean": running, "running_var": np.ones(5)}
    report = gradcheck.check_layer(
        L.batchnorm_forward_running_mean_in_place, L.batchnorm_backward, x, gamma, beta, bn_param
    )
    assert report.ok
    assert bn_param["running_mean"] is running
    assert running.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]


@settings(max_examples=15, deadline=None)
@given(
    n=st.integers(1, 4),
    d=st.integers(1, 4),
    m=st.integers(1, 4),
    seed=st.integers(0, 2**16),
    dtype=st.sampled_from([np.float64, np.float32]),
)
def test_any_affine_layer_passes_and_keeps_its_arrays(
    n: int, d: int, m: int, seed: int, dtype: Any
) -> None:
    rng = np.random.default_rng(seed)
    x, w, b = (rng.standard_normal(s).astype(dtype) for s in ((n, d), (d, m), (m,)))
    before = [a.copy() for a in (x, w, b)]
    report = gradcheck.check_layer(L.affine_forward, L.affine_backward, x, w, b, seed=seed)
    assert report.ok, [(t.name, t.rel_error) for t in report.tensors]
    assert all(a.tobytes() == c.tobytes() for a, c in zip((x, w, b), before))


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**16), scale=st.sampled_from([0.5, 2.0, -1.0]))
def test_a_scaled_dx_always_fails_in_x_alone(seed: int, scale: float) -> None:
    def scaled_backward(dout, cache):
        dx, dw, db = L.affine_backward(dout, cache)
        return scale * dx, dw, db

    rng = np.random.default_rng(seed)
    x, w, b = rng.standard_normal((3, 4)), rng.standard_normal((4, 2)), rng.standard_normal(2)
    report = gradcheck.check_layer(L.affine_forward, scaled_backward, x, w, b)
    assert statuses(report) == {"x": "fail", "w": "pass", "b": "pass"}
    assert report.tensor("x").pattern == ("sign" if scale == -1.0 else "scale")


def test_the_upstream_gradient_is_not_drawn_from_the_users_own_stream() -> None:
    """x = default_rng(0).standard_normal(...) and dout from seed 0 must differ: were they equal,
    a mask of dout (dout > 0) would agree with the mask of x (x > 0) and the bug would hide."""
    x = np.random.default_rng(0).standard_normal((5, 6))
    report = gradcheck.check_layer(L.relu_forward, L.relu_backward_wrong_mask, x, seed=0)
    assert report.tensor("x").status == "fail"


@pytest.mark.filterwarnings(
    "ignore::RuntimeWarning"
)  # float32 exp overflows in the saturated gates
def test_a_saturated_float32_lstm_step_passes() -> None:
    """A fixed step of cbrt(eps) * |w| (about 0.2 at |Wx| = 40) crossed the saturation of a gate and
    read -2.4 where the true slope is -0.0002; steps that shrink while the estimate moves settle it."""
    case = BY_NAME["lstm_step"]
    args = tuple(a * np.float32(100) for a in case.args(np.float32, 4))
    report = gradcheck.check_layer(case.forward, case.backward, *args, seed=4)
    assert report.ok, [(t.name, t.status, t.rel_error) for t in report.tensors]
