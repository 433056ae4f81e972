"""The command line: exit codes, --json purity, options, and messages on stderr."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from gradcheck import __version__
from gradcheck.cli import main
from tests.models import forms

SAMPLES = Path(__file__).resolve().parents[1] / "sample_models"

LOOSE = """
import numpy as np
rng = np.random.default_rng(0)
X = rng.standard_normal((3, 8))
Y = rng.standard_normal((2, 8))
params = {"W1": rng.standard_normal((2, 3)), "b1": np.zeros((2, 1))}

def loss(p):
    Z = p["W1"] @ X + p["b1"]
    return 0.5 * np.sum((Z - Y) ** 2) / X.shape[1]

def grads(p):
    Z = p["W1"] @ X + p["b1"]
    dZ = (Z - Y) / X.shape[1]
    return {"dW1": dZ @ X.T, "db1": SIGN * dZ.sum(axis=1, keepdims=True)}
"""


def write(tmp_path: Path, source: str, name: str = "model.py") -> str:
    path = tmp_path / name
    path.write_text(source)
    return str(path)


def run(*args: str) -> tuple[int, str, str]:
    runner = CliRunner()
    result = runner.invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def good(tmp_path: Path) -> str:
    return write(tmp_path, "SIGN = 1\n" + LOOSE)


@pytest.fixture
def bad(tmp_path: Path) -> str:
    return write(tmp_path, "SIGN = -1\n" + LOOSE)


def test_a_passing_model_exits_0_and_says_ok(good: str) -> None:
    code, out, err = run("check", good)
    assert code == 0
    assert "OK: All 2 gradients agree" in out
    assert err == ""


def test_a_failing_model_exits_1_naming_the_tensor_and_the_pattern(bad: str) -> None:
    code, out, _ = run("check", bad)
    assert code == 1
    assert "b1 FAIL" in out
    assert "wrong sign" in out
    assert "NOT OK: The gradient of b1 is wrong; the other one agrees" in out
    assert out.index("NOT OK") < out.index("b1 FAIL")  # the verdict first, then the finding
    code, out, _ = run("check", bad, "-v")
    assert "sign flipped" in out  # the evidence, under --verbose


def test_json_output_is_exactly_one_document_matching_the_interface(bad: str) -> None:
    code, out, err = run("check", bad, "--json")
    assert code == 1
    doc = json.loads(out)  # the whole of stdout parses
    assert set(doc) >= {"ok", "tensors", "suspect_layer", "warnings", "nonfinite", "stats"}
    assert doc["ok"] is False
    b1 = next(t for t in doc["tensors"] if t["name"] == "b1")
    assert b1["status"] == "fail" and b1["pattern"] == "sign" and b1["factor"] == pytest.approx(-1)
    assert set(b1) >= {
        "name",
        "shape",
        "dtype",
        "status",
        "rel_error",
        "max_abs_error",
        "checked",
        "kinks",
        "pattern",
        "factor",
        "worst",
        "message",
    }
    assert b1["worst"][0].keys() >= {"index", "analytic", "numeric", "rel_error"}
    assert doc["suspect_layer"] == "1"
    assert set(doc["stats"]) >= {"mode", "loss_evaluations", "grad_evaluations", "seconds"}
    assert err == ""


def test_json_output_of_a_passing_model(good: str) -> None:
    code, out, _ = run("check", good, "--json")
    assert code == 0
    assert json.loads(out)["ok"] is True


def test_options_reach_the_check(good: str) -> None:
    code, out, _ = run(
        "check", good, "--json", "--mode", "sampled", "--sample", "2", "--seed", "7", "--only", "W1"
    )
    doc = json.loads(out)
    assert code == 0
    assert [t["name"] for t in doc["tensors"]] == ["W1"]
    assert doc["tensors"][0]["checked"] == 2
    assert doc["stats"]["mode"] == "sampled" and doc["stats"]["seed"] == 7


def test_eps_sets_a_fixed_step(good: str) -> None:
    code, out, _ = run("check", good, "--json", "--eps", "1e-4")
    assert code == 0 and json.loads(out)["ok"]


def test_an_unknown_only_name_is_exit_2_with_the_names_on_offer(good: str) -> None:
    code, out, err = run("check", good, "--only", "W9")
    assert code == 2
    assert out == ""
    assert "'W9'" in err and "W1, b1" in err
    assert "Traceback" not in err


def test_a_missing_file_is_exit_2_with_one_line(tmp_path: Path) -> None:
    code, out, err = run("check", str(tmp_path / "nope.py"))
    assert code == 2 and out == ""
    assert "nope.py" in err
    assert len(err.strip().splitlines()) == 1


def test_a_syntax_error_is_exit_2_without_a_harness_traceback(tmp_path: Path) -> None:
    code, _, err = run("check", write(tmp_path, "def loss(:\n    pass\n"))
    assert code == 2
    assert "gradcheck/" not in err


def test_user_code_that_raises_shows_only_the_users_frames_and_exits_2(tmp_path: Path) -> None:
    source = LOOSE.replace(
        "def loss(p):\n", "def loss(p):\n    raise ValueError('broken forward')\n"
    )
    code, _, err = run("check", write(tmp_path, "SIGN = 1\n" + source))
    assert code == 2
    assert "ValueError: broken forward" in err
    assert "model.py" in err
    assert "gradcheck/" not in err.replace("gradcheck:", "")  # no frame of the harness, any room


def test_a_bad_option_value_is_a_usage_error(good: str) -> None:
    code, _, err = run("check", good, "--mode", "fast")
    assert code == 2
    assert "fast" in err


def test_version() -> None:
    code, out, _ = run("--version")
    assert code == 0 and __version__ in out


def test_the_buggy_seed_002_sample_fails_with_the_output_layer_as_suspect() -> None:
    code, out, _ = run("check", str(SAMPLES / "seed002_tanh_backprop.py"), "--json")
    doc = json.loads(out)
    assert code == 1
    assert doc["suspect_layer"] == "2"
    assert {t["name"]: t["status"] for t in doc["tensors"]} == {
        "w1": "fail",
        "b1": "fail",
        "w2": "fail",
        "b2": "fail",
    }


def test_the_fixed_seed_002_sample_passes() -> None:
    code, _, _ = run("check", str(SAMPLES / "seed002_tanh_backprop_fixed.py"))
    assert code == 0


def test_prints_in_the_users_code_go_to_stderr_so_json_stays_pure(tmp_path: Path) -> None:
    source = LOOSE.replace("def loss(p):\n", "def loss(p):\n    print('cost is being computed')\n")
    code, out, err = run(
        "check", write(tmp_path, "SIGN = 1\nprint('loading')\n" + source), "--json"
    )
    assert code == 0
    assert json.loads(out)["ok"] is True
    assert "cost is being computed" in err and "loading" in err


# --------------------------------------------------------------------------------------------
# JSON on every exit (INTERFACE.md section 5)
# --------------------------------------------------------------------------------------------


def exit_two_cases(tmp_path: Path) -> list[tuple[list[str], str, str]]:
    """(arguments, the error type, words of the message) of runs that exit 2."""
    bad = write(tmp_path, "x = (\n", name="bad.py")
    empty = write(tmp_path, "y = 1\n", name="empty.py")
    raises = write(
        tmp_path, "SIGN = 1\n" + LOOSE.replace("def loss(p):\n", "def loss(p):\n    1 / 0\n")
    )
    return [
        (["check", str(tmp_path / "missing.py")], "GradcheckError", "no such file"),
        (["check", bad], "GradcheckError", "syntax error"),
        (["check", empty], "GradcheckError", "found no model"),
        (["check", raises], "ZeroDivisionError", "your code raised ZeroDivisionError"),
        (["check", empty, "--mode", "bogus"], "UsageError", "'bogus' is not one of"),
        (["check"], "UsageError", "Missing argument 'FILE'"),
        (["watch", empty, "--steps", "0"], "UsageError", "Invalid value for '--steps'"),
        (["watch", empty, "--steps", "3", "--lr", "0.1"], "GradcheckError", "found no model"),
    ]


def test_every_exit_2_with_json_prints_exactly_one_json_document(tmp_path: Path) -> None:
    for args, error_type, words in exit_two_cases(tmp_path):
        code, out, err = run(*args, "--json")
        assert code == 2, (args, out, err)
        doc = json.loads(out)  # exactly one document: json.loads refuses trailing text
        assert doc["ok"] is False, args
        assert doc["error"]["type"] == error_type, (args, doc)
        assert words in doc["error"]["message"], (args, doc)
        assert words in err, (args, err)  # the message is on stderr as well


def test_without_json_an_exit_2_leaves_stdout_empty(tmp_path: Path) -> None:
    for args, _, words in exit_two_cases(tmp_path):
        code, out, err = run(*args)
        assert code == 2, args
        assert out == "", (args, out)
        assert words in err, (args, err)


def test_help_and_version_with_json_are_not_errors() -> None:
    code, out, _ = run("check", "--json", "--help")
    assert code == 0 and "check [OPTIONS] FILE" in out
    code, out, _ = run("--version")
    assert code == 0 and __version__ in out


def test_set_binds_a_hyperparameter_for_check_and_watch(tmp_path: Path) -> None:
    path = write(tmp_path, forms.REGULARIZATION.replace("\nlambd = 0.7\n", "\n"))
    code, _, err = run("check", path)
    assert code == 2
    assert "--set lambd=VALUE" in err
    code, out, _ = run("check", path, "--set", "lambd=0.7")
    assert code == 0, out
    assert "OK" in out
    code, out, err = run("watch", path, "--steps", "3", "--lr", "0.1", "--set", "lambd=0.7")
    assert code == 0, out + err
    code, _, err = run("watch", path, "--steps", "3", "--lr", "0.1", "--set", "lambd")
    assert code == 2
    assert "expected NAME=VALUE" in err


def test_set_names_a_module_level_variable_for_the_data(tmp_path: Path) -> None:
    path = write(tmp_path, forms.L_MODEL.replace("train_x", "pixels"))
    assert run("check", path)[0] == 2
    code, out, _ = run("check", path, "--set", "X=pixels")
    assert code == 0, out
    code, _, err = run("check", path, "--set", "X=pixel")
    assert code == 2
    assert "defines no pixel" in err


@pytest.mark.parametrize("name", sorted(forms.FORMS))
def test_each_course_form_checks_from_the_command_line_with_no_flags(
    tmp_path: Path, name: str
) -> None:
    code, out, err = run("check", write(tmp_path, forms.FORMS[name]), "--json")
    assert code == 0, err
    assert json.loads(out)["ok"] is True
    old, new, wrong = forms.BUGS[name]
    code, out, err = run(
        "check", write(tmp_path, forms.FORMS[name].replace(old, new), "b.py"), "--json"
    )
    assert code == 1, err
    failed = {t["name"] for t in json.loads(out)["tensors"] if t["status"] == "fail"}
    assert failed == wrong
