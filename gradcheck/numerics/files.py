"""Which files are the user's: not gradcheck, NumPy, the stdlib or site-packages; which to trace."""

from __future__ import annotations

import contextlib
import inspect
import os
import site
import sys
import sysconfig
from collections.abc import Callable
from typing import Any

import numpy as np

# The gradcheck package directory (this file is gradcheck/numerics/files.py): every module of the
# package, in any room, is gradcheck's own code, never the user's.
_PKG_DIR = os.path.dirname(os.path.dirname(os.path.realpath(__file__))) + os.sep
_NUMPY_DIR = os.path.dirname(os.path.realpath(np.__file__)) + os.sep


def _library_dirs() -> tuple[str, ...]:
    """Directories of code that is not the user's: the stdlib and installed third-party packages.

    Third-party packages (site-packages) are left out as well as NumPy: when a library divides by zero
    on the user's behalf, the statement to show is the user's call, not the library's internals.
    """
    dirs: set[str] = {_NUMPY_DIR}
    for scheme_key in ("stdlib", "platstdlib", "purelib", "platlib"):
        for vars_ in ({}, {"base": sys.base_prefix, "platbase": sys.base_exec_prefix}):
            try:
                path = sysconfig.get_paths(vars=vars_ or None)[scheme_key]
            except (KeyError, ValueError):
                continue
            dirs.add(os.path.realpath(path) + os.sep)
    with contextlib.suppress(Exception):
        for path in site.getsitepackages():
            dirs.add(os.path.realpath(path) + os.sep)
    with contextlib.suppress(Exception):
        dirs.add(os.path.realpath(site.getusersitepackages()) + os.sep)
    return tuple(sorted(dirs))


_LIBRARY_DIRS = _library_dirs()
_FILE_KIND: dict[str, str] = {}


def _file_kind(filename: str) -> str:
    """'own' (gradcheck), 'library' (NumPy, stdlib, site-packages, frozen) or 'user'."""
    kind = _FILE_KIND.get(filename)
    if kind is None:
        if filename.startswith("<"):
            # NumPy < 1.25 runs its dispatch through "<__array_function__ internals>"
            library = filename.startswith(("<frozen", "<__array_function__"))
            kind = "library" if library else "user"
        else:
            path = os.path.realpath(filename)
            if path.startswith(_PKG_DIR):
                kind = "own"
            elif path.startswith(_LIBRARY_DIRS):
                kind = "library"
            else:
                kind = "user"
        _FILE_KIND[filename] = kind
    return kind


def is_user_file(filename: str) -> bool:
    """The default "user code" predicate: not gradcheck, NumPy, the stdlib or site-packages.

    Code without a file (``<string>``, ``<stdin>``, notebook cells) counts as the user's.
    """
    return _file_kind(filename) == "user"


def user_code_for(
    functions: tuple[Callable[..., Any], ...] | list[Callable[..., Any]],
) -> Callable[[str], bool]:
    """A predicate that accepts only the files the given functions were defined in.

    For ``Model.trace_targets``: trace the user's model file(s) and nothing else they import.
    """
    files: set[str] = set()
    for fn in functions:
        target: Any = inspect.unwrap(getattr(fn, "__func__", fn))
        code = getattr(target, "__code__", None)
        if code is None and callable(target):
            call = inspect.getattr_static(type(target), "__call__", None)
            code = getattr(call, "__code__", None)
        if code is not None:
            files.add(code.co_filename)
    return lambda filename: filename in files
