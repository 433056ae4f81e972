"""Tracebacks that show the user's code, not gradcheck's."""

from __future__ import annotations

from pathlib import Path

import pytest

from gradcheck.models.discovery import load_model
from gradcheck.models.tracebacks import user_traceback
from tests.models.user_files import LOOSE, write

# ----------------------------------------------------------------------------------------------
# Tracebacks
# ----------------------------------------------------------------------------------------------


def test_user_traceback_keeps_only_the_users_frames(tmp_path: Path) -> None:
    text = LOOSE.replace(
        'return {"dW"', 'raise ZeroDivisionError("in the user code")\n    return {"dW"'
    )
    model = load_model(write(tmp_path, text))
    with pytest.raises(ZeroDivisionError) as err:
        model.grads()
    shown = user_traceback(err.value)
    assert "model.py" in shown
    assert 'raise ZeroDivisionError("in the user code")' in shown
    assert shown.endswith("ZeroDivisionError: in the user code")
    assert "gradcheck/models/" not in shown  # where the closures and the loader live
    assert "test_tracebacks.py" in shown  # frames outside gradcheck stay, this test's among them


def test_user_traceback_of_an_import_error_shows_the_file_line(tmp_path: Path) -> None:
    path = write(tmp_path, "import numpy as np\n\nW = np.ones((2, 3)) @ np.ones((2, 3))\n")
    with pytest.raises(ValueError) as err:
        load_model(path)
    shown = user_traceback(err.value)
    assert f'File "{path}", line 3' in shown
    assert "gradcheck/models/" not in shown and "<frozen" not in shown
