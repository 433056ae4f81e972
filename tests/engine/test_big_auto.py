"""Auto mode on big models (issue 18): random directional probes with a stated power, bisection to
the bad slice only when a probe fails, and a handful of coordinates only to name the pattern."""

from __future__ import annotations

import numpy as np
import pytest

from tests.engine.helpers import check
from tests.nets import make_mlp

MNIST = (784, 256, 128, 10)


def dead_row(model, row: int = 17):  # type: ignore[no-untyped-def]
    """The course bug: one row of dW1 never written (a loop that skips an index)."""
    params, loss, grads = model

    def wrong(p):  # type: ignore[no-untyped-def]
        g = grads(p)
        g["dW1"][row] = 0.0
        return g

    return params, loss, wrong


def test_a_correct_mnist_mlp_gets_its_verdict_in_at_most_40_evaluations() -> None:
    report = check(make_mlp(MNIST, m=64, activation="relu"))
    assert report.ok
    assert all(t.status == "pass" for t in report.tensors)
    assert report.stats.mode == "sampled+directional"
    assert report.stats.loss_evaluations <= 40


def test_the_dead_row_is_caught_and_named_in_at_most_100_evaluations() -> None:
    report = check(dead_row(make_mlp(MNIST, m=64, activation="relu")))
    w1 = report.tensor("W1")
    assert {t.name for t in report.failed} == {"W1"}
    assert w1.pattern == "row"
    assert w1.details["diagnosis"]["indices"] == [17]
    assert "Only row 17 of 256 disagrees" in (w1.message or "")
    assert all(e.index[0] == 17 for e in w1.worst)
    assert report.stats.loss_evaluations <= 100


def test_each_probed_tensor_states_what_error_its_probes_would_have_caught() -> None:
    report = check(make_mlp(MNIST, m=16, activation="relu"))
    for t in report.tensors:
        power = t.details["directional_power"]
        assert power["probes"] == t.directions >= 1
        assert power["miss_probability"] == 0.01
        assert 0 < power["one_entry_error_caught"] < power["spread_error_norm_caught"]
        # a one-row bug is a relative error of about 1/sqrt(rows): far above what is caught
        assert power["spread_error_relative"] < 1e-3


def test_an_error_above_the_stated_size_is_caught() -> None:
    model = make_mlp(MNIST, m=16, activation="relu")
    power = check(model).tensor("W2").details["directional_power"]
    params, loss, grads = model
    size = 20 * power["spread_error_norm_caught"]  # spread over the whole tensor
    rng = np.random.default_rng(5)
    noise = rng.standard_normal(params["W2"].shape)
    noise *= size / np.linalg.norm(noise)

    def wrong(p):  # type: ignore[no-untyped-def]
        g = grads(p)
        g["dW2"] = g["dW2"] + noise
        return g

    report = check((params, loss, wrong))
    assert report.tensor("W2").status != "pass"


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("sizes", [(784, 64, 10), (300, 200, 100, 10)])
def test_correct_relu_nets_never_warn_along_directions(seed: int, sizes: tuple[int, ...]) -> None:
    model = make_mlp(sizes, m=32, activation="relu", seed=seed)
    report = check(model, seed=seed)
    assert report.stats.mode == "sampled+directional"
    assert all(t.status == "pass" for t in report.tensors), [
        (t.name, t.directional_rel_error) for t in report.tensors
    ]


def test_a_float32_big_model_keeps_its_sampled_coordinates_and_passes() -> None:
    # float32 round-off sits too close to the tolerance along one direction to stand alone
    model = make_mlp((300, 200, 100, 10), m=4, activation="relu", seed=2, dtype=np.float32)
    report = check(model, seed=2)
    assert report.stats.mode == "sampled+directional"
    assert report.stats.coordinates_checked > 0
    assert all(t.status == "pass" for t in report.tensors)


def test_the_report_says_what_size_of_error_the_directions_would_have_caught() -> None:
    from gradcheck.render import to_text

    report = check(make_mlp(MNIST, m=64, activation="relu"))
    text = to_text(report, verbose=True)
    assert "The directions would have caught an error in W1 larger than" in text
    assert "with probability 99%" in text
