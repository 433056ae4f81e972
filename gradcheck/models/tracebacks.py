"""Tracebacks that show the user's code, not ours: gradcheck's own frames (and the import
machinery's) left out of an exception the user's file raised.
"""

from __future__ import annotations

import traceback
from pathlib import Path

from gradcheck.models.importer import is_under

__all__ = ["user_traceback"]

# The gradcheck package directory, two levels up from this file. Not read from gradcheck.__file__:
# importing the top-level package here would make the cycle gradcheck -> watch -> loader ->
# gradcheck.
_PACKAGE_DIR = Path(__file__).resolve().parent.parent


def _is_ours(filename: str) -> bool:
    if filename.startswith("<frozen "):
        return True  # the import machinery between our loader and the user's module
    return is_under(Path(filename), _PACKAGE_DIR)


def _strip(te: traceback.TracebackException, seen: set[int]) -> None:
    if id(te) in seen:
        return
    seen.add(id(te))
    te.stack = traceback.StackSummary.from_list([f for f in te.stack if not _is_ours(f.filename)])
    for chained in (te.__cause__, te.__context__):
        if chained is not None:
            _strip(chained, seen)


def user_traceback(exc: BaseException) -> str:
    """The formatted traceback of ``exc`` with gradcheck's own frames left out.

    What remains is the path through the user's file (and the libraries it called), which is
    where the fix is."""
    te = traceback.TracebackException.from_exception(exc)
    _strip(te, set())
    return "".join(te.format()).rstrip("\n")
