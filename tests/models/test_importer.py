"""Importing a user's file: files that cannot be used, and import hygiene."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from gradcheck import GradcheckError
from gradcheck.models.discovery import load_model
from gradcheck.models.importer import import_file
from tests.models.user_files import LOOSE, write

# ----------------------------------------------------------------------------------------------
# Files that cannot be used
# ----------------------------------------------------------------------------------------------


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(GradcheckError) as err:
        load_model(tmp_path / "nope.py")
    assert str(err.value) == f"{tmp_path / 'nope.py'}: no such file"


def test_a_file_that_is_not_python(tmp_path: Path) -> None:
    path = write(tmp_path, "x = 1", name="model.txt")
    with pytest.raises(GradcheckError, match=r"model.txt is not a Python file \(.py\)$"):
        load_model(path)


def test_a_directory(tmp_path: Path) -> None:
    with pytest.raises(GradcheckError, match=r"is a directory"):
        load_model(tmp_path)


def test_a_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "x = 1\ndef f(:\n    pass\n")
    with pytest.raises(GradcheckError) as err:
        load_model(path)
    assert str(err.value).startswith(f"{path}:2: syntax error:")


def test_sys_exit_while_importing_is_explained(tmp_path: Path) -> None:
    path = write(tmp_path, "import sys\nsys.exit(3)\n")
    with pytest.raises(GradcheckError, match=r"called sys.exit\(3\) while being imported"):
        load_model(path)


def test_an_exception_in_the_file_keeps_its_type(tmp_path: Path) -> None:
    path = write(tmp_path, "import numpy as np\n\nW = np.ones((2, 3)) @ np.ones((2, 3))\n")
    with pytest.raises(ValueError, match="matmul"):
        load_model(path)


# ----------------------------------------------------------------------------------------------
# Import hygiene
# ----------------------------------------------------------------------------------------------


def test_sibling_modules_are_importable_and_not_left_behind(tmp_path: Path) -> None:
    (tmp_path / "helpers_for_gc_test.py").write_text("SCALE = 2.0\n")
    text = LOOSE.replace(
        "import numpy as np", "import numpy as np\nfrom helpers_for_gc_test import SCALE"
    )
    load_model(write(tmp_path, text))
    assert "helpers_for_gc_test" not in sys.modules
    assert str(tmp_path) not in sys.path


def test_each_load_is_a_fresh_module(tmp_path: Path) -> None:
    path = write(tmp_path, "import numpy as np\nCOUNT = np.zeros(1)\nCOUNT += 1\n")
    first, second = import_file(path), import_file(path)
    assert first is not second
    assert first.COUNT[0] == 1 and second.COUNT[0] == 1


def test_printing_while_importing_goes_to_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    load_model(write(tmp_path, LOOSE + "\nprint('cost after 0 iterations: 0.69')\n"))
    out, err = capsys.readouterr()
    assert out == ""
    assert "cost after 0 iterations" in err


def test_main_guarded_code_does_not_run(tmp_path: Path) -> None:
    text = LOOSE + "\nif __name__ == '__main__':\n    raise SystemExit('training...')\n"
    assert load_model(write(tmp_path, text)).form == "loose"
