"""A model file's ``gradcheck_layers``: ``gradcheck check FILE`` checks every entry in one table
(exit 1 when a layer fails, 2 when one cannot be checked), ``--json`` gives one report per layer,
and the pytest fixture's ``gradcheck.layer(...)`` checks one layer in a test.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from gradcheck.cli import main
from gradcheck.errors import GradcheckError
from gradcheck.models.layers_file import find_layers, load_checkable

pytest_plugins = ["pytester"]

LAYERS = Path(__file__).with_name("cs231n.py").read_text()

FILE = """
import numpy as np
from cs231n import *

rng = np.random.default_rng(0)
x, w, b = rng.standard_normal((4, 5)), rng.standard_normal((5, 5)), rng.standard_normal(5)
scores, y = rng.standard_normal((6, 3)), rng.integers(0, 3, 6)

gradcheck_layers = {{
    "affine": (affine_forward, {affine}, (x, w, b)),
    "relu": (relu_forward, relu_backward, (x,)),
    "dropout": (dropout_forward, dropout_backward, (x, {{"p": 0.5, "mode": "train", "seed": 0}})),
    "batchnorm": (batchnorm_forward, batchnorm_backward, (x, b, w[0]), {{"bn_param": {{}}}}),
    "softmax": (softmax_loss, None, (scores, y)),
}}
"""


def verdict_line(out: str) -> str:
    """The verdict, which comes before the table (the title above it may wrap)."""
    lines = out.splitlines()
    table = next(i for i, line in enumerate(lines) if line.startswith("layer "))
    (verdict,) = [line for line in lines[:table] if line.startswith(("OK: ", "NOT OK: "))]
    return verdict


def layers_file(tmp_path: Path, affine: str = "affine_backward", text: str = FILE) -> str:
    (tmp_path / "cs231n.py").write_text(LAYERS)
    path = tmp_path / "layers.py"
    path.write_text(textwrap.dedent(text.format(affine=affine)))
    return str(path)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_a_correct_layers_file_passes_with_one_line_per_layer_and_argument(
    tmp_path: Path,
) -> None:
    code, out, _ = run("check", layers_file(tmp_path))
    assert code == 0, out
    lines = out.splitlines()
    assert any(
        line.startswith("5 layers, 9 gradients, every coordinate checked;") for line in lines
    )
    rows = [[cell.strip() for cell in line.split("│")] for line in lines if "│" in line]
    assert [(r[0], r[1], r[3]) for r in rows] == [
        ("affine", "x", "pass"),
        ("", "w", "pass"),
        ("", "b", "pass"),
        ("relu", "x", "pass"),
        ("dropout", "x", "pass"),
        ("batchnorm", "x", "pass"),
        ("", "gamma", "pass"),
        ("", "beta", "pass"),
        ("softmax", "x", "pass"),
    ]
    assert verdict_line(out) == "OK: All 5 layers agree with finite differences."


def test_a_failing_layer_is_named_in_the_verdict_and_the_exit_is_1(tmp_path: Path) -> None:
    code, out, _ = run("check", layers_file(tmp_path, "affine_backward_no_transpose"))
    assert code == 1
    assert verdict_line(out) == "NOT OK: 1 of 5 layers FAIL: affine (dx)."
    assert "affine: x FAIL: " in out
    _, verbose, _ = run("check", layers_file(tmp_path, "affine_backward_no_transpose"), "-v")
    assert "affine: x FAIL  worst x[" in verbose  # the worst entry is evidence: -v
    assert "Layer affine: dx fails while dw and db pass." in " ".join(verbose.split())
    failing_rows = [line for line in out.splitlines() if "│" in line and "FAIL" in line]
    assert len(failing_rows) == 1 and failing_rows[0].startswith("affine")


def test_json_has_one_report_per_layer(tmp_path: Path) -> None:
    code, out, _ = run("check", layers_file(tmp_path, "affine_backward_no_transpose"), "--json")
    assert code == 1
    doc = json.loads(out)
    assert doc["ok"] is False and doc["failed"] == ["affine"]
    assert [layer["layer"] for layer in doc["layers"]] == [
        "affine",
        "relu",
        "dropout",
        "batchnorm",
        "softmax",
    ]
    affine = doc["layers"][0]
    assert affine["forward"] == "affine_forward"
    assert affine["backward"] == "affine_backward_no_transpose"
    assert [(t["name"], t["status"]) for t in affine["tensors"]] == [
        ("x", "fail"),
        ("w", "pass"),
        ("b", "pass"),
    ]
    assert affine["suspect_layer"] == "affine"
    assert doc["layers"][4]["backward"] is None and doc["layers"][4]["ok"] is True
    assert doc["stats"]["layers"] == 5


def test_only_picks_layers_by_name(tmp_path: Path) -> None:
    path = layers_file(tmp_path, "affine_backward_no_transpose")
    code, out, _ = run("check", path, "--only", "relu", "--only", "softmax", "--json")
    assert code == 0
    assert [layer["layer"] for layer in json.loads(out)["layers"]] == ["relu", "softmax"]
    code, _, err = run("check", path, "--only", "conv")
    assert code == 2
    assert "--only names 'conv', which gradcheck_layers does not have" in err


def test_a_layer_that_cannot_be_checked_exits_2_naming_it(tmp_path: Path) -> None:
    text = FILE.replace('"seed": 0', '"seed_": 0')  # a dropout without its seed
    code, out, err = run("check", layers_file(tmp_path, text=text))
    assert code == 2 and out == ""
    assert "dropout: dropout_forward is not repeatable" in " ".join(err.split())


def test_an_entry_of_the_wrong_form_is_named(tmp_path: Path) -> None:
    text = FILE.replace('"relu": (relu_forward, relu_backward, (x,)),', '"relu": (relu_forward,),')
    code, _, err = run("check", layers_file(tmp_path, text=text))
    assert code == 2
    assert "gradcheck_layers['relu'] must be (forward, backward, args) or" in " ".join(err.split())


def test_entries_take_check_layers_keywords_and_a_bare_array_for_args() -> None:
    import numpy as np

    from tests.layers import cs231n as L

    x = np.ones((2, 3))
    layers = find_layers(
        {
            "gradcheck_layers": {
                "relu": (L.relu_forward, L.relu_backward, x, {"seed": 3, "wrt": "x"}),
            }
        },
        "layers.py",
    )
    assert layers is not None
    spec = layers["relu"]
    assert spec.args == (x,) and spec.seed == 3 and spec.wrt == ("x",) and spec.kwargs == {}
    assert spec.name == "relu"


def test_an_empty_dict_is_refused() -> None:
    with pytest.raises(GradcheckError, match="gradcheck_layers must be a non-empty dict"):
        find_layers({"gradcheck_layers": {}}, "layers.py")


def test_a_model_flag_looks_past_the_layers(tmp_path: Path) -> None:
    path = layers_file(tmp_path)
    assert isinstance(load_checkable(path), dict)
    with pytest.raises(GradcheckError, match="defines no 'net'"):
        load_checkable(path, object_name="net")


# ---------------------------------------------------------------------------------------------
# The fixture's gradcheck.layer(...)
# ---------------------------------------------------------------------------------------------

FIXTURE_TESTS = """
import numpy as np
from cs231n import affine_forward, affine_backward, affine_backward_no_transpose

rng = np.random.default_rng(0)
x, w, b = rng.standard_normal((4, 5)), rng.standard_normal((5, 5)), rng.standard_normal(5)

def test_right(gradcheck):
    report = gradcheck.layer(affine_forward, affine_backward, x, w, b)
    assert [t.name for t in report.tensors] == ["x", "w", "b"]

def test_wrong(gradcheck):
    gradcheck.layer(affine_forward, affine_backward_no_transpose, x, w, b)
"""


def test_the_fixture_checks_a_layer_and_fails_the_test_with_the_report(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(cs231n=LAYERS, test_layers=FIXTURE_TESTS)
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*gradcheck: 1 of 3 tensors FAIL: x (rel. error *); suspect layer affine*",
            "*Layer affine: dx fails while dw and db pass.*",
        ]
    )


def test_watch_on_a_layers_file_says_check_is_the_command(tmp_path: Path) -> None:
    path = layers_file(tmp_path)
    code, _, err = run("watch", path, "--steps", "2", "--lr", "0.1")
    assert code == 2
    assert f"{path} defines gradcheck_layers but no model: `gradcheck check {path}` checks" in (
        " ".join(err.split())
    )


def test_the_plain_text_suite_has_the_same_table_and_verdict(tmp_path: Path) -> None:
    from gradcheck.engine.options import Options
    from gradcheck.layer_run import check_layers
    from gradcheck.report.layer_suite_render import layer_suite_text

    layers = load_checkable(layers_file(tmp_path, "affine_backward_no_transpose"))
    assert isinstance(layers, dict)
    text = layer_suite_text(check_layers(layers, Options()), title="layers.py")
    lines = text.splitlines()
    assert lines[0] == "gradcheck - layers.py"
    assert lines[2].split() == [
        "layer",
        "argument",
        "shape",
        "status",
        "rel.",
        "error",
        "checked",
        "pattern",
    ]
    assert lines[3].split()[:4] == ["affine", "x", "(4,5)", "FAIL"]
    assert lines[4].split()[:3] == ["w", "(5,5)", "pass"]
    assert lines[1] == "NOT OK: 1 of 5 layers FAIL: affine (dx)."


NONFINITE_FILE = """
import numpy as np

def softmax_loss(x, y):
    e = np.exp(x)  # no max subtracted: overflows at 800
    p = e / e.sum(axis=1, keepdims=True)
    N = x.shape[0]
    dx = p.copy()
    dx[np.arange(N), y] -= 1
    return -np.log(p[np.arange(N), y]).mean(), dx / N

gradcheck_layers = {{
    "softmax": (softmax_loss, None, (np.array([[800.0, 1.0], [0.5, 0.1]]), np.array([0, 1]))),
}}
"""


def test_a_layer_that_overflows_is_a_line_of_its_own_with_the_origin_and_the_fix(
    tmp_path: Path,
) -> None:
    code, out, _ = run("check", layers_file(tmp_path, text=NONFINITE_FILE))
    assert code == 1
    flat = " ".join(out.split())
    rows = [[c.strip() for c in line.split("│")] for line in out.splitlines() if "│" in line]
    assert rows == [["softmax", "-", "", "FAIL", "-", "0", "non-finite"]]
    assert "softmax: non-finite value (overflow): overflow at layers.py:5 in softmax_loss()" in flat
    assert "fix: The argument of exp is far too large" in flat
    assert verdict_line(out) == "NOT OK: 1 of 1 layer FAIL: softmax (non-finite value)."
