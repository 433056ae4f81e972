"""``gradcheck check FILE.ipynb`` and ``watch FILE.ipynb``: a notebook's code cells run in order as one
module, in the forms learners write; IPython lines skipped and listed; a failing cell named."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

import gradcheck
from gradcheck import GradcheckError
from gradcheck.cli import main
from gradcheck.engine.explain import check_model
from gradcheck.engine.options import Options
from gradcheck.models.discovery import load_model
from gradcheck.models.importer import import_file
from gradcheck.models.notebook import read_notebook
from tests.models.notebooks import (
    DATA,
    IMPORTS,
    LOOSE_MODEL,
    code,
    lines,
    loose,
    markdown,
    network,
    trio,
    write_notebook,
)


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def check_json(path: Path) -> tuple[int, dict[str, object]]:
    return check_json_with(path)


def check_json_with(path: Path, *flags: str) -> tuple[int, dict[str, object]]:
    code_, out, _ = cli("check", str(path), "--json", *flags)
    return code_, json.loads(out)


def statuses(report: dict[str, object]) -> dict[str, str]:
    return {t["name"]: t["status"] for t in report["tensors"]}  # type: ignore[attr-defined, index]


# ----------------------------------------------------------------------------------------------
# The three forms, correct and with a planted bug, with no flags
# ----------------------------------------------------------------------------------------------


def test_loose_functions_in_a_notebook_pass(tmp_path: Path) -> None:
    code_, report = check_json(write_notebook(tmp_path, loose()))
    assert code_ == 0
    assert statuses(report) == {"W": "pass", "b": "pass"}


def test_a_stray_factor_of_two_in_a_notebook_fails_on_that_tensor(tmp_path: Path) -> None:
    code_, report = check_json(write_notebook(tmp_path, loose(bug=True)))
    assert code_ == 1
    assert statuses(report) == {"W": "fail", "b": "pass"}
    (w,) = [t for t in report["tensors"] if t["name"] == "W"]  # type: ignore[attr-defined]
    assert w["pattern"] == "scale" and w["factor"] == pytest.approx(2.0, rel=1e-6)


def test_the_course_trio_in_a_notebook_passes(tmp_path: Path) -> None:
    code_, report = check_json(write_notebook(tmp_path, trio()))
    assert code_ == 0
    assert set(statuses(report).values()) == {"pass"}
    assert set(statuses(report)) == {"W1", "b1", "W2", "b2"}


def test_a_flipped_sign_in_the_notebook_trio_is_named(tmp_path: Path) -> None:
    code_, report = check_json(write_notebook(tmp_path, trio(bug=True)))
    assert code_ == 1
    assert statuses(report) == {"W1": "pass", "b1": "fail", "W2": "pass", "b2": "pass"}
    (b1,) = [t for t in report["tensors"] if t["name"] == "b1"]  # type: ignore[attr-defined]
    assert b1["pattern"] == "sign"


def test_a_course_network_object_in_a_notebook_passes(tmp_path: Path) -> None:
    model = load_model(write_notebook(tmp_path, network()))
    assert model.form == "object"
    report = check_model(model, Options())
    assert report.ok
    assert {t.name for t in report.tensors} == {
        "params['W1']",
        "params['b1']",
        "params['W2']",
        "params['b2']",
    }


def test_a_missing_one_over_m_in_the_notebook_network_fails_the_weights(tmp_path: Path) -> None:
    code_, report = check_json(write_notebook(tmp_path, network(bug=True)))
    assert code_ == 1
    assert statuses(report) == {
        "params['W1']": "fail",
        "params['b1']": "pass",
        "params['W2']": "fail",
        "params['b2']": "pass",
    }
    factors = [t["factor"] for t in report["tensors"] if t["status"] == "fail"]  # type: ignore[attr-defined]
    assert factors == [pytest.approx(6.0, rel=1e-6)] * 2  # m = 6 examples


def test_object_picks_the_network_in_a_notebook(tmp_path: Path) -> None:
    cells = network()
    cells[3] = code("clf = NeuralNetwork(X, Y, [3, 4, 1])\nclf.initialize()")
    code_, report = check_json_with(write_notebook(tmp_path, cells), "--object", "clf")
    assert code_ == 0
    assert len(statuses(report)) == 4


def test_the_api_checks_what_a_notebook_defined(tmp_path: Path) -> None:
    module = import_file(write_notebook(tmp_path, loose()))
    report = gradcheck.check(loss=module.loss, grads=module.grads, params=module.params)
    assert report.ok


# ----------------------------------------------------------------------------------------------
# IPython lines
# ----------------------------------------------------------------------------------------------


def ipython_cells() -> list[tuple[str, object]]:
    return [
        code(["%matplotlib inline\n", "!pip install numpy\n", *IMPORTS]),
        code(["%%bash\n", "echo this is not python\n"]),
        code(lines(DATA)),
        code(["%time params = {'W': rng.standard_normal((1, 3)), 'b': np.zeros((1, 1))}\n"]),
        code(["%%time\n", *lines(LOOSE_MODEL.split("\n\n", 1)[1])]),
        code(["files = !ls\n", "np.dot?\n", "if False:\n", "    !echo never\n"]),
        code(["ratio = 7 % 3  # Python's own % and != stay\n", "same = ratio != 2\n"]),
    ]


def test_magics_and_shell_lines_are_skipped_and_listed_in_the_notes(tmp_path: Path) -> None:
    code_, report = check_json(write_notebook(tmp_path, ipython_cells()))
    assert code_ == 0, report
    assert statuses(report) == {"W": "pass", "b": "pass"}
    (note,) = report["notes"]  # type: ignore[misc]
    assert note.startswith("skipped IPython lines, which are not Python: ")
    for shown in (
        ": %matplotlib inline (cell 1, line 1), !pip install numpy (cell 1, line 2), ",
        "the %%bash cell 2, ",
        "%time params = {",
        "(cell 4, line 1; its statement ran), ",
        "%%time (cell 5; the cell's code ran), ",
        "files = !ls (cell 6, line 1) and 2 more",
    ):
        assert shown in note


def test_python_that_looks_like_a_magic_is_left_alone(tmp_path: Path) -> None:
    module = import_file(write_notebook(tmp_path, ipython_cells()))
    assert module.ratio == 1 and module.same is True
    assert not hasattr(module, "files")


def test_the_notes_show_in_the_terminal_report(tmp_path: Path) -> None:
    code_, out, _ = cli("check", str(write_notebook(tmp_path, ipython_cells())))
    assert code_ == 0
    assert "note: skipped IPython lines" in out


def test_a_notebook_without_ipython_lines_has_no_note(tmp_path: Path) -> None:
    _, report = check_json(write_notebook(tmp_path, loose()))
    assert report["notes"] == []


# ----------------------------------------------------------------------------------------------
# Cells that fail, notebooks that cannot be read
# ----------------------------------------------------------------------------------------------


def test_a_cell_that_raises_is_named_with_its_line(tmp_path: Path) -> None:
    cells = loose()
    cells[2] = code([*lines(DATA + "\n"), "scale = 1 / (X.shape[1] - 6)\n"])
    path = write_notebook(tmp_path, cells)
    with pytest.raises(ZeroDivisionError):
        load_model(path)
    code_, _, err = cli("check", str(path))
    assert code_ == 2
    assert f'File "{path}, cell 3", line 4, in <module>' in err
    assert "scale = 1 / (X.shape[1] - 6)" in err  # the traceback shows the cell's line
    assert err.strip().splitlines()[-1] == (
        f"gradcheck: your code raised ZeroDivisionError in {path}, cell 3, line 4 while "
        f"importing {path} (traceback above)"
    )
    assert "gradcheck/models" not in err  # the user's frames only


def test_an_error_inside_a_function_names_the_cell_that_defined_it(tmp_path: Path) -> None:
    cells = loose()
    cells.append(code("def broken():\n    return params['nope']\n"))
    cells.append(code("broken()"))
    code_, _, err = cli("check", str(write_notebook(tmp_path, cells)))
    assert code_ == 2
    assert "raised KeyError in" in err and "model.ipynb, cell 5, line 2 while" in err


def test_a_syntax_error_names_the_cell_and_line(tmp_path: Path) -> None:
    cells = loose()
    cells[3] = code("def loss(p:\n    return 1\n")
    path = write_notebook(tmp_path, cells)
    code_, _, err = cli("check", str(path))
    assert code_ == 2
    assert err.startswith(f"gradcheck: {path}, cell 4, line 1: syntax error:")
    assert len(err.strip().splitlines()) == 1


def test_sys_exit_in_a_cell_is_explained(tmp_path: Path) -> None:
    cells = [*loose(), code("import sys\nsys.exit(0)")]
    with pytest.raises(GradcheckError, match=r"model.ipynb, cell 5 called sys.exit\(0\)"):
        load_model(write_notebook(tmp_path, cells))


def test_an_empty_notebook_says_there_is_nothing_to_check(tmp_path: Path) -> None:
    path = write_notebook(tmp_path, [markdown("# Nothing yet")], name="empty.ipynb")
    code_, out, err = cli("check", str(path))
    assert (code_, out) == (2, "")
    assert err.strip() == (
        f"gradcheck: {path} has no code cells (1 cells in all): there is no model to check"
    )


def test_a_notebook_whose_cells_define_no_model_lists_what_they_define(tmp_path: Path) -> None:
    path = write_notebook(tmp_path, [code(IMPORTS), code(DATA)])
    code_, _, err = cli("check", str(path))
    assert code_ == 2
    assert "found no model in" in err and "other names: rng, X, Y" in err


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ('{"cells": [', "its JSON is broken at line 1, column 12 (Expecting value)"),
        ("[1, 2]", "it holds no JSON object"),
        ('{"nbformat": 4, "metadata": {}}', 'it has no list of "cells"'),
        ('{"nbformat": 3, "worksheets": []}', "it is in the old nbformat 3"),
        ('{"nbformat": 4, "cells": [{"cell_type": "code", "source": 7}]}', "cell 1 is not text"),
        ('{"nbformat": 4, "cells": ["x = 1"]}', "cell 1 is not a JSON object"),
    ],
)
def test_a_malformed_notebook_gets_one_clear_line(tmp_path: Path, text: str, why: str) -> None:
    path = tmp_path / "broken.ipynb"
    path.write_text(text)
    code_, out, err = cli("check", str(path))
    assert (code_, out) == (2, "")
    (line,) = err.strip().splitlines()
    assert line.startswith(f"gradcheck: {path} is not a notebook gradcheck can read: ")
    assert why in line


def test_a_notebook_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    path = tmp_path / "latin.ipynb"
    path.write_bytes(b'{"cells": ["\xe9"]}')
    with pytest.raises(GradcheckError, match="is not UTF-8 text"):
        load_model(path)


# ----------------------------------------------------------------------------------------------
# Running as Jupyter does
# ----------------------------------------------------------------------------------------------


def test_cells_run_in_the_notebook_directory_with_sibling_modules(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "scale.txt").write_text("2.0")
    (tmp_path / "nb_helpers_for_gc_test.py").write_text("OFFSET = 0.5\n")
    cells = loose()
    cells.insert(
        3,
        code(
            "from nb_helpers_for_gc_test import OFFSET\n"
            "X = X * float(open('data/scale.txt').read()) + OFFSET\n"
        ),
    )
    before = os.getcwd()
    report = check_model(load_model(write_notebook(tmp_path, cells)), Options())
    assert report.ok
    assert os.getcwd() == before
    assert "nb_helpers_for_gc_test" not in sys.modules
    assert str(tmp_path) not in sys.path


def test_printing_in_cells_goes_to_stderr_and_json_stays_clean(tmp_path: Path) -> None:
    cells = [*loose(), code("print('training done')")]
    result = CliRunner().invoke(main, ["check", str(write_notebook(tmp_path, cells)), "--json"])
    assert json.loads(result.stdout)["ok"] is True
    assert "training done" in result.stderr


def test_a_nan_made_in_a_cell_function_points_at_the_cell(tmp_path: Path) -> None:
    cells = loose()
    cells[3] = code(
        lines(LOOSE_MODEL.replace("return float(0.5 *", "return float(np.log(-1.0) + 0.5 *"))
    )
    code_, report = check_json(write_notebook(tmp_path, cells))
    assert code_ == 1
    nonfinite = report["nonfinite"]
    assert isinstance(nonfinite, dict)
    assert nonfinite["file"].endswith("model.ipynb, cell 4")
    assert nonfinite["line"] == 5
    assert "np.log(-1.0)" in nonfinite["source_line"]


def test_watch_trains_a_notebook_with_its_train_step(tmp_path: Path) -> None:
    cells = [code(["%matplotlib inline\n"]), *network()]
    code_, out, _ = cli("watch", str(write_notebook(tmp_path, cells)), "--steps", "20", "--json")
    summary = json.loads(out)
    assert code_ == 0, summary
    assert summary["steps"] == 20
    assert summary["costs"][-1] < summary["costs"][0]
    assert any("skipped IPython lines" in n for n in summary.get("notes", [])), summary


def test_watch_runs_gradient_descent_on_a_notebook_trio(tmp_path: Path) -> None:
    code_, out, _ = cli(
        "watch", str(write_notebook(tmp_path, trio())), "--steps", "10", "--lr", "0.5", "--json"
    )
    summary = json.loads(out)
    assert code_ == 0, summary
    assert summary["costs"][-1] < summary["costs"][0]


# ----------------------------------------------------------------------------------------------
# Invariant: IPython lines are replaced one for one, Python lines are kept where they were
# ----------------------------------------------------------------------------------------------

PYTHON_LINES = ["x = 1", "y = x % 2", "z = x != y", "s = '%d!' % x", "", "# !not a shell line"]
IPYTHON_LINES = [
    "%matplotlib inline",
    "!pip install numpy",
    "out = !ls",
    "np.dot?",
    "??np.linalg.norm",
    "%load_ext gc",
]


@given(st.lists(st.sampled_from(PYTHON_LINES + IPYTHON_LINES), min_size=1, max_size=12))
def test_ipython_lines_are_replaced_one_for_one(cell: list[str]) -> None:
    data = json.dumps({"nbformat": 4, "cells": [{"cell_type": "code", "source": "\n".join(cell)}]})
    notebook = read_notebook(data.encode(), "nb.ipynb")
    out = notebook.cells[0].source.split("\n")
    assert len(out) == len(cell)
    magic = [i for i, line in enumerate(cell) if line in IPYTHON_LINES]
    for i, line in enumerate(cell):
        assert (out[i] == line) == (i not in magic)
    assert len(notebook.skipped) == len(magic)
    compile(notebook.cells[0].source, "nb.ipynb, cell 1", "exec")  # what is left is Python
