"""A run that learned gets no warning about saturated sigmoids: a sigmoid output that saturates
while the cost falls to 0.03% of its start is a model that is sure and right (seed000 as fixed)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from gradcheck.cli import main
from gradcheck.report.records import NonFinite, ReportWarning
from gradcheck.train.converged import learned, without_activation_worries
from gradcheck.train.cost_trend import cost_trend
from tests.train.helpers import SAMPLES


def watch_json(path: str, *args: str) -> dict:  # type: ignore[type-arg]
    result = CliRunner().invoke(main, ["watch", path, "--json", *args], catch_exceptions=False)
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_seed000_fixed_learns_and_gets_no_saturation_warning() -> None:
    doc = watch_json(str(SAMPLES / "seed000_cost_rises_fixed.py"))
    costs = [c for c in doc["costs"] if c is not None]
    assert costs[-1] < 0.01 * costs[0]  # it learned
    kinds = {w["kind"] for w in doc["warnings"]}
    assert not kinds & {"saturation_rising", "sigmoid_saturation"}
    assert "dead_relu" in kinds  # 2 of its 4 hidden units never fire: still worth saying
    assert doc["activations"]  # the traces are still in the JSON


def test_a_run_that_did_not_learn_keeps_its_activation_warnings() -> None:
    # seed001 as written: the sigmoid saturates to exactly 1.0 and the run ends in a NaN
    doc = watch_json(str(SAMPLES / "seed001_nan_after_training.py"))
    assert "saturation_rising" in {w["kind"] for w in doc["warnings"]}


def _warning(kind: str, activation: str = "sigmoid") -> ReportWarning:
    details = {"after": {"kind": activation}} if kind == "saturation_rising" else {}
    return ReportWarning(kind=kind, where="A2", message=f"{kind} message", details=details)


def test_only_a_finite_run_that_fell_to_a_hundredth_counts_as_learned() -> None:
    fell = cost_trend([1.0 - 0.999 * i / 99 for i in range(100)])
    halfway = cost_trend([1.0 - 0.5 * i / 99 for i in range(100)])
    nan = NonFinite("watch", None, None, None, None, kind="divide", message="x")
    assert learned(fell, None) and not learned(halfway, None) and not learned(fell, nan)
    items = [_warning("saturation_rising"), _warning("cost_rising"), _warning("dead_relu")]
    assert [w.kind for w in without_activation_worries(items, fell, None)] == [
        "cost_rising",
        "dead_relu",
    ]
    tanh = [_warning("saturation_rising", "tanh")]
    assert without_activation_worries(tanh, fell, None) == tanh
    assert without_activation_worries(items, halfway, None) == items
