"""Importing a user's Python file or notebook (``gradcheck check FILE``) as a fresh module.

The file is imported as a fresh module (never the cached one from an earlier load), with its own
directory on ``sys.path`` while it imports so that ``from main import NeuralNetwork`` finds the
sibling file. Anything the file prints while importing goes to stderr, so that ``--json`` output
stays one clean document. Script code under ``if __name__ == "__main__":`` does not run; a top-level endless training
loop (``while True:``, min-char-rnn) runs once, up to its first call of the file's own functions.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.util
import itertools
import os
import sys
import types
from collections.abc import Callable, Iterator
from pathlib import Path

from gradcheck.errors import GradcheckError
from gradcheck.models.endless import unroll_endless_loops
from gradcheck.models.notebook import NOTES_ATTRIBUTE, read_notebook, run_notebook

__all__ = ["import_file", "is_under"]

_counter = itertools.count(1)


@contextlib.contextmanager
def _importing_from(directory: Path) -> Iterator[None]:
    """The file's directory first on sys.path while it imports; sibling modules it imports are
    dropped from sys.modules afterwards, so a later load of another project's ``main.py`` does not
    get this one's."""
    before = set(sys.modules)
    entry = str(directory)
    sys.path.insert(0, entry)
    try:
        yield
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(entry)
        for name in set(sys.modules) - before:
            module_file = getattr(sys.modules[name], "__file__", None)
            if module_file and is_under(Path(module_file), directory):
                del sys.modules[name]


def is_under(path: Path, directory: Path) -> bool:
    try:
        path.resolve().relative_to(directory.resolve())
    except (ValueError, OSError):
        return False
    return True


def _read(file: Path, path: str | os.PathLike[str]) -> bytes:
    """The bytes of a user's ``.py`` file or notebook, or a :class:`GradcheckError` saying why not."""
    if not file.exists():
        raise GradcheckError(f"{path}: no such file")
    if file.is_dir():
        raise GradcheckError(f"{path} is a directory; give the Python file that defines the model")
    if file.suffix not in (".py", ".ipynb"):
        raise GradcheckError(f"{path} is not a Python file (.py)")
    try:
        source = file.read_bytes()
    except OSError as exc:
        raise GradcheckError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if file.suffix == ".py" and b"\0" in source:
        # Python 3.10 reports these with a ValueError from the import machinery
        raise GradcheckError(f"{path} holds binary data (NUL bytes), not Python source")
    return source


def _runner(
    module: types.ModuleType, loader: importlib.abc.Loader, source: bytes, file: Path
) -> Callable[[], None]:
    """What imports a ``.py`` file: its loader, or, for a file with a top-level ``while True:``
    training loop, its code with that loop run once (:mod:`gradcheck.models.endless`)."""
    unrolled = unroll_endless_loops(importlib.util.decode_source(source), str(file))
    if unrolled is None:
        return lambda: loader.exec_module(module)
    code = compile(unrolled.tree, str(file), "exec")

    def run() -> None:
        setattr(module, NOTES_ATTRIBUTE, unrolled.notes)
        exec(code, vars(module))  # noqa: S102 - the user's own file, as importing it would

    return run


def import_file(path: str | os.PathLike[str]) -> types.ModuleType:
    """Import ``path`` as a new module: a ``.py`` file, or a Jupyter notebook whose code cells run
    in order as one module (:mod:`gradcheck.models.notebook`). A missing file, a file that is
    neither, a malformed notebook or a syntax error is a :class:`GradcheckError`; any other
    exception raised by the file propagates with its own type (the CLI prints its traceback, user
    frames only)."""
    file = Path(path)
    source = _read(file, path)
    name = f"gradcheck_user_{file.stem.replace('-', '_')}_{next(_counter)}"
    directory = file.resolve().parent
    if file.suffix == ".ipynb":
        notebook = read_notebook(source, str(path))
        module = types.ModuleType(name)
        module.__file__ = str(file)

        def run() -> None:
            run_notebook(notebook, module, directory)

    else:
        spec = importlib.util.spec_from_file_location(name, file)
        if spec is None or spec.loader is None:
            raise GradcheckError(f"{path}: cannot be imported as a Python module")
        module = importlib.util.module_from_spec(spec)
        run = _runner(module, spec.loader, source, file)

    # Registered under a name no other load uses, and left registered: dataclasses, pickling and
    # inspect.getsource(cls) look a class's module up in sys.modules by name.
    sys.modules[name] = module
    try:
        with _importing_from(directory), contextlib.redirect_stdout(sys.stderr):
            run()
    except SyntaxError as exc:
        sys.modules.pop(name, None)
        where = f"{exc.filename or path}:{exc.lineno}" if exc.lineno else str(exc.filename or path)
        raise GradcheckError(f"{where}: syntax error: {exc.msg}") from None
    except SystemExit as exc:
        sys.modules.pop(name, None)
        raise GradcheckError(
            f"{path} called sys.exit({exc.code!r}) while being imported; put script code under "
            f"if __name__ == '__main__':"
        ) from None
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module
