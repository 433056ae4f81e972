"""Which files are user code: the user's files, not NumPy, the stdlib or any module of gradcheck."""

from __future__ import annotations

import inspect
from pathlib import Path

import numpy as np

from gradcheck.numerics.files import is_user_file, user_code_for
from tests.numerics.user_code import HERE, softmax_loss_naive


def test_user_code_is_this_file_not_numpy_or_gradcheck() -> None:
    from gradcheck import numerics

    assert is_user_file(str(HERE))
    assert not is_user_file(np.__file__)
    assert not is_user_file(numerics.__file__)
    assert not is_user_file(inspect.__file__)
    assert is_user_file("<string>")
    only = user_code_for([softmax_loss_naive])
    assert only(str(HERE)) and not only("/elsewhere/model.py")


def test_every_file_of_the_package_is_gradchecks_own_and_the_tests_are_user_code() -> None:
    from gradcheck import numerics

    package = Path(numerics.__file__).resolve().parent.parent
    files = sorted(package.rglob("*.py"))
    assert Path(numerics.__file__).resolve() in files and package / "api.py" in files
    assert [str(f) for f in files if is_user_file(str(f))] == []
    assert is_user_file(str(Path(__file__).resolve()))
