"""The sample models: each loads with no flags and gets the verdict its header promises."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

import gradcheck
from gradcheck.cli import main
from gradcheck.models.discovery import load_model
from gradcheck.models.importer import import_file
from gradcheck.models.make import from_object, make_model

SAMPLES = Path(__file__).resolve().parent.parent / "sample_models"


def sample(name: str) -> Path:
    return SAMPLES / f"{name}.py"


def statuses(report: gradcheck.Report) -> dict[str, str]:
    return {t.name: t.status for t in report.tensors}


# ----------------------------------------------------------------------------------------------
# Every sample loads with no flags, in the form its header says
# ----------------------------------------------------------------------------------------------

EXPECTED_FORMS = {
    "seed000_cost_rises": (
        "object",
        ["params['W1']", "params['b1']", "params['W2']", "params['b2']"],
    ),
    "seed000_cost_rises_fixed": (
        "object",
        ["params['W1']", "params['b1']", "params['W2']", "params['b2']"],
    ),
    "seed001_nan_after_training": ("object", ["W[1]", "b[1]", "W[2]", "b[2]"]),
    "seed001_nan_after_training_fixed": ("object", ["W[1]", "b[1]", "W[2]", "b[2]"]),
    "seed002_tanh_backprop": ("loose", ["w1", "b1", "w2", "b2"]),
    "seed002_tanh_backprop_fixed": ("loose", ["w1", "b1", "w2", "b2"]),
    "course_trio": ("trio", ["W1", "b1", "W2", "b2", "W3", "b3"]),
    "loose_mlp": ("loose", ["W1", "b1", "W2", "b2"]),
    "loose_mlp_fixed": ("loose", ["W1", "b1", "W2", "b2"]),
}


# Files of layers (gradcheck_layers) rather than of one model: checked layer by layer.
LAYER_SAMPLES = {"layers_cs231n"}


def test_every_sample_file_is_covered() -> None:
    assert {p.stem for p in SAMPLES.glob("*.py")} == set(EXPECTED_FORMS) | LAYER_SAMPLES


@pytest.mark.parametrize("name", sorted(EXPECTED_FORMS))
def test_each_sample_loads_with_no_flags(name: str) -> None:
    form, names = EXPECTED_FORMS[name]
    model = load_model(sample(name))
    assert model.form == form
    assert list(model.params) == names


@pytest.mark.parametrize("name", sorted(set(EXPECTED_FORMS) | LAYER_SAMPLES))
def test_each_sample_says_what_it_shows_and_imports_nothing_heavy(name: str) -> None:
    text = sample(name).read_text()
    assert text.startswith('"""')
    assert "gradcheck check sample_models/" in text.split('"""')[1]
    for heavy in ("matplotlib", "PIL", "sklearn"):
        assert f"import {heavy}" not in text and f"from {heavy}" not in text


@pytest.mark.parametrize(
    ("name", "batch"),
    [("seed000_cost_rises", 10), ("seed001_nan_after_training", 400), ("course_trio", 32)],
)
def test_the_batch_size_is_known(name: str, batch: int) -> None:
    assert load_model(sample(name)).extra["batch_size"] == batch


# ----------------------------------------------------------------------------------------------
# Verdicts
# ----------------------------------------------------------------------------------------------

PASSING = [
    "seed000_cost_rises",
    "seed000_cost_rises_fixed",
    "seed001_nan_after_training",
    "seed001_nan_after_training_fixed",
    "seed002_tanh_backprop_fixed",
    "course_trio",
    "loose_mlp_fixed",
]


@pytest.mark.parametrize("name", PASSING)
def test_correct_samples_pass(name: str) -> None:
    report = gradcheck.check(load_model(sample(name)))
    assert report.ok, statuses(report)
    assert set(statuses(report).values()) == {"pass"}


def test_seed_002_as_written_fails_in_the_output_layer() -> None:
    report = gradcheck.check(load_model(sample("seed002_tanh_backprop")))
    assert not report.ok
    assert statuses(report)["w2"] == "fail"
    assert statuses(report)["b2"] == "fail"
    assert report.suspect_layer == "2"


def test_seed_002s_cost_is_the_one_a_correct_back_prop_implies() -> None:
    """Only the tanh -> dtanh fix, keeping the user's saturating initialisation and raw pixels:
    the check passes, so the failure of the file as written is back_prop's, not the cost's."""
    module = import_file(sample("seed002_tanh_backprop"))
    module.back_prop = _corrected_back_prop(module)  # grads() looks back_prop up at call time
    report = gradcheck.check(loss=module.loss, grads=module.grads, params=module.params)
    assert report.ok, statuses(report)


def _corrected_back_prop(module: Any) -> Any:
    def back_prop(z1: Any, a1: Any, z2: Any, a2: Any, w2: Any, x: Any, y: Any) -> Any:
        one_hot_y = module.one_hot(y)
        dz2 = (a2 - one_hot_y) * module.dtanh(z2)
        dw2 = dz2.dot(a1.T)
        db2 = np.sum(dz2, 1, keepdims=True)
        dz1 = w2.T.dot(dz2) * module.dReLU(z1)
        dw1 = dz1.dot(x.T)
        db1 = np.sum(dz1, 1, keepdims=True)
        return dw1, db1, dw2, db2

    return back_prop


def test_seed_002s_functions_bind_as_a_trio_on_one_example() -> None:
    """forward_prop(w1, b1, w2, b2, x) / back_prop(z1, a1, z2, a2, w2, x, y) with no glue."""
    module = import_file(sample("seed002_tanh_backprop_fixed"))

    def cost(a2: np.ndarray, y: Any) -> float:
        return float(0.5 * np.sum((a2 - module.one_hot(y)) ** 2))

    model = make_model(
        forward=module.forward_prop,
        cost=cost,
        backward=module.back_prop,
        params=module.params,
        x=module.X[3].reshape(-1, 1),
        y=module.Y[3],
    )
    assert gradcheck.check(model).ok


def test_loose_mlp_fails_in_W2_only_by_a_factor_of_m() -> None:
    model = load_model(sample("loose_mlp"))
    report = gradcheck.check(model)
    assert statuses(report) == {"W1": "pass", "b1": "pass", "W2": "fail", "b2": "pass"}
    assert report.suspect_layer == "2"
    W2_result = report.tensor("W2")
    assert W2_result.pattern == "scale"
    assert W2_result.factor == pytest.approx(24.0, rel=1e-6)
    # The planted bug is what the header says: analytic = 24 x numeric.
    W2 = model.params["W2"]
    analytic = np.asarray(model.grads()["dW2"])
    numeric = np.zeros_like(W2)
    for idx in np.ndindex(W2.shape):
        old = W2[idx]
        W2[idx] = old + 1e-6
        plus = model.loss()
        W2[idx] = old - 1e-6
        minus = model.loss()
        W2[idx] = old
        numeric[idx] = (plus - minus) / 2e-6
    np.testing.assert_allclose(analytic / numeric, 24.0, rtol=1e-5)
    assert model.extra["batch_size"] == 24


# ----------------------------------------------------------------------------------------------
# Seed 001's NaN: present in the file as written, gone from the fixed one
# ----------------------------------------------------------------------------------------------


def _first_nonfinite_step(name: str, steps: int) -> int | None:
    module = import_file(sample(name))
    net = module.planar_network
    with np.errstate(all="ignore"):
        for step in range(1, steps + 1):
            module.train_step()
            if not all(np.isfinite(w).all() for w in net.W.values()):
                return step
    return None


def test_seed_001_as_written_reaches_nan_after_training() -> None:
    step = _first_nonfinite_step("seed001_nan_after_training", 2000)
    assert step is not None and 1000 < step < 2000


def test_seed_001_fixed_stays_finite() -> None:
    assert _first_nonfinite_step("seed001_nan_after_training_fixed", 2000) is None


def test_training_steps_that_replace_parameters_keep_the_model_live() -> None:
    """seed 000's update_parameters assigns new arrays into self.params; the model follows."""
    module = import_file(sample("seed000_cost_rises"))
    model = from_object(module.clf)
    for _ in range(3):
        module.train_step()
    assert model.params["params['W1']"] is module.clf.params["W1"]
    assert gradcheck.check(model).ok


# ----------------------------------------------------------------------------------------------
# The command line on real files
# ----------------------------------------------------------------------------------------------


def run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize(
    ("name", "code"),
    [("loose_mlp", 1), ("loose_mlp_fixed", 0), ("seed002_tanh_backprop", 1), ("course_trio", 0)],
)
def test_exit_codes_on_the_samples(name: str, code: int) -> None:
    result = run("check", str(sample(name)))
    assert result.exit_code == code, result.output


@pytest.mark.parametrize("name", ["seed000_cost_rises", "seed002_tanh_backprop", "course_trio"])
def test_json_output_is_one_document(name: str) -> None:
    result = run("check", str(sample(name)), "--json")
    document = json.loads(result.stdout)
    assert isinstance(document, Mapping)
    assert document["ok"] is (result.exit_code == 0)


def test_json_stays_clean_when_the_file_prints(tmp_path: Path) -> None:
    text = sample("loose_mlp_fixed").read_text() + "\nprint('training...')\n"
    path = tmp_path / "noisy.py"
    path.write_text(text)
    result = run("check", str(path), "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["ok"] is True
    assert "training..." in result.stderr


def test_a_file_without_a_model_exits_2_with_the_inventory(tmp_path: Path) -> None:
    path = tmp_path / "empty_model.py"
    path.write_text("import numpy as np\nweights = np.zeros(3)\n")
    result = run("check", str(path))
    assert result.exit_code == 2
    assert "found no model in" in result.stderr
    assert "other names: weights" in result.stderr
    assert result.stdout == ""


def test_user_code_raising_exits_2_with_the_users_traceback(tmp_path: Path) -> None:
    path = tmp_path / "broken.py"
    path.write_text(
        textwrap.dedent(
            """
            import numpy as np

            params = {"W": np.ones((2, 2))}

            def loss(p):
                return float(np.sum(p["W"] @ np.ones((3, 1))))

            def grads(p):
                return {"dW": np.ones((2, 2))}
            """
        )
    )
    result = run("check", str(path))
    assert result.exit_code == 2
    assert "broken.py" in result.stderr
    assert "matmul" in result.stderr
    assert "gradcheck/" not in result.stderr.replace("gradcheck:", "")  # no harness frame


def test_the_layers_sample_fails_in_affine_dx_alone() -> None:
    """layers_cs231n.py: dx = dout @ w where dout @ w.T belongs; every other gradient passes."""
    from gradcheck.layer_run import check_layers
    from gradcheck.models.layers_file import load_checkable

    layers = load_checkable(sample("layers_cs231n"))
    assert isinstance(layers, dict)
    suite = check_layers(layers, gradcheck.Options())
    assert [layer.name for layer in suite.failed] == ["affine"]
    affine = suite.layer("affine").report
    assert statuses(affine) == {"x": "fail", "w": "pass", "b": "pass"}
    assert affine.suspect_message is not None
    assert "flows back to the input" in affine.suspect_message
    for layer in suite.layers[1:]:
        assert set(statuses(layer.report).values()) == {"pass"}, layer.name
