"""Modes and options: sampled, directional, --only, a fixed step, and the counts in the stats."""

from __future__ import annotations

import numpy as np
import pytest

import gradcheck
from gradcheck.engine.options import Options
from gradcheck.engine.plan import stratified_sample
from tests.engine.helpers import check
from tests.nets import make_mlp


def test_sampled_mode_checks_the_requested_number_of_coordinates_per_tensor() -> None:
    report = check(make_mlp((20, 30, 3)), mode="sampled", sample=7, seed=3)
    assert report.stats.mode == "sampled"
    assert report.tensor("W1").checked == 7
    assert report.tensor("b2").checked == 3  # small tensors are checked whole
    assert report.ok


def test_sampling_is_seeded_and_stratified() -> None:
    rng1, rng2 = np.random.default_rng(5), np.random.default_rng(5)
    a, b = stratified_sample(1000, 10, rng1), stratified_sample(1000, 10, rng2)
    assert np.array_equal(a, b)
    assert [int(i) // 100 for i in a] == list(range(10))  # one per stratum


def test_directional_mode_compares_directions_only() -> None:
    report = check(make_mlp((4, 5, 3)), mode="directional", directions=3)
    assert report.stats.mode == "directional"
    assert all(t.directions == 3 for t in report.tensors)
    assert report.ok


def test_directional_mode_catches_a_flipped_sign() -> None:
    report = check(make_mlp((4, 5, 3), bug="sign"), mode="directional")
    assert report.tensor("W2").status == "fail"


def test_only_restricts_the_check_and_rejects_unknown_names() -> None:
    report = check(make_mlp((4, 5, 3)), only=["W2"])
    assert [t.name for t in report.tensors] == ["W2"]
    with pytest.raises(gradcheck.GradcheckError, match="'W9'.*W1, b1, W2, b2"):
        check(make_mlp((4, 5, 3)), only=["W9"])


def test_a_fixed_eps_is_used_as_the_step() -> None:
    report = check(make_mlp((4, 5, 3)), eps=1e-4)
    assert report.ok


def test_stats_count_what_was_done() -> None:
    report = check(make_mlp((4, 5, 3)))
    n = sum(t.size for t in report.tensors)
    s = report.stats
    # 2 per coordinate, the base point twice (determinism), 16 for the noise estimate, one to
    # leave the model's caches as found, and one traced forward pass for activation health
    assert s.loss_evaluations == 2 * n + 2 + 16 + 1 + 1
    assert s.grad_evaluations == 1
    assert s.coordinates_checked == n


def test_bad_options_are_rejected() -> None:
    with pytest.raises(gradcheck.GradcheckError, match="mode"):
        Options(mode="fast")
    with pytest.raises(gradcheck.GradcheckError, match="eps"):
        Options(eps=-1.0)
