"""gradcheck.check end to end: the origin of a NaN and the health warnings land in the report."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import gradcheck
from gradcheck.models.discovery import load_model
from gradcheck.report.check_plain import to_text
from gradcheck.report.json_text import to_json
from tests.nets import make_batchnorm, make_mlp

SAMPLES = Path(__file__).resolve().parents[1] / "sample_models"


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_a_healthy_model_gets_no_warnings(activation: str) -> None:
    params, loss, grads = make_mlp((4, 8, 8, 3), m=16, activation=activation)
    report = gradcheck.check(loss=loss, grads=grads, params=params)
    assert report.ok
    assert report.warnings == ()


def test_batch_norm_gets_no_warnings() -> None:
    params, loss, grads = make_batchnorm()
    assert gradcheck.check(loss=loss, grads=grads, params=params).warnings == ()


def test_seed_002_as_written_gets_the_initialisation_and_saturation_warnings() -> None:
    report = gradcheck.check(load_model(SAMPLES / "seed002_tanh_backprop.py"))
    kinds = {w.kind for w in report.warnings}
    assert {
        "all_positive_init",
        "unscaled_inputs",
        "exploding_activations",
        "tanh_saturation",
    } <= kinds
    assert report.suspect_layer == "2"


def test_the_fixed_seed_002_gets_no_initialisation_warning() -> None:
    report = gradcheck.check(load_model(SAMPLES / "seed002_tanh_backprop_fixed.py"))
    assert report.ok


def overflowing_softmax() -> gradcheck.Model:
    """A softmax without the max trick, with logits large enough to overflow exp (the README's
    example, docs/examples/softmax_overflow.py)."""
    return load_model(SAMPLES.parent / "docs" / "examples" / "softmax_overflow.py")


def test_an_overflowing_softmax_names_the_exp_line_and_the_max_trick() -> None:
    with np.errstate(all="ignore"):
        report = gradcheck.check(overflowing_softmax())
    assert not report.ok
    nf = report.nonfinite
    assert nf is not None
    assert nf.phase == "loss"
    assert nf.file is not None and nf.file.endswith("softmax_overflow.py")
    assert nf.line == 12 and nf.variable == "exps" and nf.kind == "overflow"
    assert nf.fix is not None and "max" in nf.fix
    text = to_text(report)
    assert "exps = np.exp(scores)" in text
    doc = json.loads(to_json(report))
    assert doc["nonfinite"]["line"] == 12 and doc["nonfinite"]["kind"] == "overflow"


def test_nan_in_the_parameters_is_named_as_input() -> None:
    params, loss, grads = make_mlp((3, 4, 2))
    params["W2"][1, 1] = np.nan
    before = params["W2"].tobytes()
    report = gradcheck.check(loss=loss, grads=grads, params=params)
    assert report.nonfinite is not None
    assert report.nonfinite.kind == "input" and report.nonfinite.variable == "W2"
    assert params["W2"].tobytes() == before


def test_a_loss_that_turns_nan_only_under_perturbation_is_located(tmp_path: Path) -> None:
    # sqrt of a parameter sitting at exactly zero: finite at the point, NaN just left of it
    path = tmp_path / "sqrt_edge.py"
    path.write_text(
        "import numpy as np\n"
        "params = {'w': np.array([0.0, 1.0])}\n"
        "def loss(p):\n"
        "    root = np.sqrt(p['w'])\n"
        "    return float(np.sum(root))\n"
        "def grads(p):\n"
        "    return {'dw': np.array([1e6, 0.5])}\n"
    )
    with np.errstate(all="ignore"):
        report = gradcheck.check(load_model(path))
    nf = report.nonfinite
    assert nf is not None and nf.phase == "perturbation"
    assert nf.line == 4 and nf.variable == "root" and nf.kind == "invalid"
    assert "moved to" in nf.message


def test_how_the_model_was_read_is_noted_in_the_report() -> None:
    report = gradcheck.check(load_model(SAMPLES / "seed000_cost_rises.py"))
    assert any("self.cost" in note for note in report.notes)
    assert "note: the cost is read from self.cost" in to_text(report)
    assert json.loads(to_json(report))["notes"] == list(report.notes)
