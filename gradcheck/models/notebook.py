"""Reading a Jupyter notebook (``gradcheck check FILE.ipynb``): its code cells, in order, as one module.

The notebook is read with :mod:`json` from the standard library (nbformat 4): no Jupyter is needed.
IPython syntax is not Python, so it is left out and said so in the report's notes: line magics
(``%matplotlib inline``), shell lines (``!pip install numpy``, ``files = !ls``), help lines (``np.dot?``)
and cell magics (``%%bash``). Two magics run their Python as IPython would: ``%time STATEMENT`` and the
body of a ``%%time`` or ``%%capture`` cell, untimed and uncaptured.

Each cell is compiled under the name ``model.ipynb, cell 4`` (cells counted from the top, markdown
included) and its source is registered with :mod:`linecache`, so that a traceback reads
``File "model.ipynb, cell 4", line 2`` and shows the line, and gradcheck can read the user's functions
and statements as it does in a ``.py`` file. The cells run in the notebook's own directory, as
Jupyter runs them (``open("datasets/train.h5")`` works), with matplotlib on its non-interactive
backend (a plot never opens a window and blocks the check).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import linecache
import os
import re
import types
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gradcheck.errors import GradcheckError
from gradcheck.models.model import Model

__all__ = [
    "Notebook",
    "raising_cell",
    "read_notebook",
    "reading_notes",
    "run_notebook",
    "with_reading_notes",
]

#: Where a notebook module keeps the notes of how it was read (what was skipped).
NOTES_ATTRIBUTE = "__gradcheck_notes__"

_LINE_MAGIC = re.compile(r"^(?P<indent>\s*)(?:%|!)")
_ASSIGNED_MAGIC = re.compile(r"^(?P<indent>\s*)[A-Za-z_][\w\s,]*=\s*[%!](?!=)")
_HELP = re.compile(r"^\s*(\?{1,2}[A-Za-z_][\w.]*|[A-Za-z_][\w.]*\?{1,2})\s*$")
_TIME = re.compile(r"^(?P<indent>\s*)%time\s+(?P<statement>\S.*)$")
_RUN_BODY_MAGICS = ("time", "capture")
_NOTES_SHOWN = 6
_CELL_FILE = re.compile(r"\.ipynb, cell \d+$")


@dataclass(frozen=True)
class Cell:
    """One code cell: its number from the top of the notebook and its Python source."""

    number: int
    source: str


@dataclass(frozen=True)
class Notebook:
    """The code cells of a notebook, with IPython syntax taken out, and what was taken out."""

    shown: str
    cells: tuple[Cell, ...]
    skipped: tuple[str, ...]

    @property
    def notes(self) -> tuple[str, ...]:
        if not self.skipped:
            return ()
        listed = ", ".join(self.skipped[:_NOTES_SHOWN])
        more = len(self.skipped) - _NOTES_SHOWN
        if more > 0:
            listed += f" and {more} more"
        return (f"skipped IPython lines, which are not Python: {listed}",)


def _broken(shown: str, why: str) -> GradcheckError:
    return GradcheckError(f"{shown} is not a notebook gradcheck can read: {why}")


def _cells_of(data: bytes, shown: str) -> list[Any]:
    """The list of cells in the notebook's JSON, or a one-sentence error naming what is wrong."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise _broken(shown, "it is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise _broken(
            shown, f"its JSON is broken at line {exc.lineno}, column {exc.colno} ({exc.msg})"
        ) from None
    if not isinstance(document, dict):
        raise _broken(shown, "it holds no JSON object")
    version = document.get("nbformat")
    if "worksheets" in document or (isinstance(version, int) and version < 4):
        raise _broken(
            shown,
            f"it is in the old nbformat {version or 3}; open and save it in Jupyter, which "
            f"writes version 4",
        )
    cells = document.get("cells")
    if not isinstance(cells, list):
        raise _broken(shown, 'it has no list of "cells"')
    return cells


def _source_text(cell: Any, number: int, shown: str) -> str | None:
    """The source of a code cell (None for markdown and raw cells)."""
    if not isinstance(cell, dict):
        raise _broken(shown, f"cell {number} is not a JSON object")
    if cell.get("cell_type") != "code":
        return None
    source = cell.get("source", "")
    if isinstance(source, list) and all(isinstance(s, str) for s in source):
        return "".join(source)
    if isinstance(source, str):
        return source
    raise _broken(shown, f"the source of cell {number} is not text")


def _python_line(line: str) -> tuple[str, bool] | None:
    """The Python a line of IPython syntax stands for (``pass`` keeps the numbering, and the line
    may be the body of an ``if``) and whether the line's own code runs; None for a Python line."""
    timed = _TIME.match(line)
    if timed:
        return timed["indent"] + timed["statement"], True
    for pattern in (_LINE_MAGIC, _ASSIGNED_MAGIC):
        found = pattern.match(line)
        if found:
            return found["indent"] + "pass", False
    if _HELP.match(line):
        return "", False
    return None


def _without_ipython(source: str, number: int, skipped: list[str]) -> str:
    """The cell as Python: IPython lines replaced (one line for one, so line numbers stay)."""
    lines = source.split("\n")
    head = lines[0].strip()
    if head.startswith("%%"):
        magic = head[2:].split(maxsplit=1)[0] if head[2:].strip() else ""
        if magic in _RUN_BODY_MAGICS:
            skipped.append(f"{head} (cell {number}; the cell's code ran)")
            return "\n".join(["", *lines[1:]])
        skipped.append(f"the {head.split()[0]} cell {number}")
        return ""
    try:
        compile(source, "<cell>", "exec")
        return source  # already Python: a `%` or `!` in it is Python's own (a string, `!=`, `%`)
    except SyntaxError:
        pass
    out = []
    for i, line in enumerate(lines, start=1):
        python = _python_line(line)
        if python is None:
            out.append(line)
        else:
            ran = "; its statement ran" if python[1] else ""
            skipped.append(f"{line.strip()} (cell {number}, line {i}{ran})")
            out.append(python[0])
    return "\n".join(out)


def read_notebook(data: bytes, shown: str) -> Notebook:
    """The code cells of the notebook whose file holds ``data``; ``shown`` names it in messages."""
    cells: list[Cell] = []
    skipped: list[str] = []
    every = _cells_of(data, shown)
    for number, cell in enumerate(every, start=1):
        source = _source_text(cell, number, shown)
        if source is not None:
            cells.append(Cell(number, _without_ipython(source, number, skipped)))
    if not cells:
        raise GradcheckError(
            f"{shown} has no code cells ({len(every)} cells in all): there is no model to check"
        )
    return Notebook(shown, tuple(cells), tuple(skipped))


@contextlib.contextmanager
def _as_jupyter_runs_it(directory: Path) -> Iterator[None]:
    """In the notebook's directory, with matplotlib (when the notebook imports it) on Agg."""
    before = os.getcwd()
    backend = os.environ.get("MPLBACKEND")
    os.environ["MPLBACKEND"] = backend or "Agg"
    os.chdir(directory)
    try:
        yield
    finally:
        os.chdir(before)
        if backend is None:
            os.environ.pop("MPLBACKEND", None)


def run_notebook(notebook: Notebook, module: types.ModuleType, directory: Path) -> None:
    """Run the code cells in order in ``module``'s namespace. A syntax error or ``sys.exit()`` is a
    :class:`GradcheckError` naming the cell; any other exception propagates with its own type, its
    traceback pointing at the cell (``File "model.ipynb, cell 4", line 2``)."""
    setattr(module, NOTES_ATTRIBUTE, notebook.notes)
    namespace = vars(module)
    with _as_jupyter_runs_it(directory):
        for cell in notebook.cells:
            filename = f"{notebook.shown}, cell {cell.number}"
            lines = [line + "\n" for line in cell.source.split("\n")]
            linecache.cache[filename] = (len(cell.source), None, lines, filename)
            try:
                code = compile(cell.source, filename, "exec")
            except SyntaxError as exc:
                raise GradcheckError(
                    f"{filename}, line {exc.lineno}: syntax error: {exc.msg}"
                ) from None
            try:
                exec(code, namespace)  # noqa: S102 - running the user's own notebook is the point
            except SystemExit as exc:
                raise GradcheckError(
                    f"{filename} called sys.exit({exc.code!r}); gradcheck runs every code cell, "
                    f"so take the call out"
                ) from None


def reading_notes(namespace: Mapping[str, Any]) -> tuple[str, ...]:
    """How the notebook behind a module's namespace was read (nothing for a ``.py`` file)."""
    return tuple(namespace.get(NOTES_ATTRIBUTE, ()))


def with_reading_notes(model: Model, namespace: Mapping[str, Any]) -> Model:
    """``model`` with the notes of how its notebook was read (nothing for a ``.py`` file)."""
    notes = reading_notes(namespace)
    if not notes:
        return model
    extra = dict(model.extra)
    extra["notes"] = (*notes, *extra.get("notes", ()))
    return dataclasses.replace(model, extra=extra)


def raising_cell(exc: BaseException) -> str | None:
    """``model.ipynb, cell 4, line 2``: the innermost notebook cell in ``exc``'s traceback, where
    the error was raised (None when no notebook cell ran)."""
    where = None
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if _CELL_FILE.search(filename):
            where = f"{filename}, line {tb.tb_lineno}"
        tb = tb.tb_next
    return where
