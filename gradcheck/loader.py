"""Load a user's Python file and find the model in it (``gradcheck check FILE``).

The file is imported as a fresh module (never the cached one from an earlier load), with its own
directory on ``sys.path`` while it imports so that ``from main import NeuralNetwork`` finds the
sibling file. Anything the file prints while importing goes to stderr, so that ``--json`` output
stays one clean document. Script code under ``if __name__ == "__main__":`` does not run.

Discovery, first match wins (INTERFACE.md §3):

1. ``--object NAME`` (``object_name``): the module-level object ``NAME``, adapted with
   :func:`gradcheck.adapters.from_object`; ``--forward/--cost/--backward`` then name its methods.
2. ``--forward/--cost/--backward`` given without ``--object``: the trio, with those function names
   (the ones not given keep their default names).
3. ``gradcheck_model``: a module-level value, or a zero-argument function (or class) that returns
   one. The value may be

   * a :class:`gradcheck.Model`, used as it is;
   * a dict of keyword arguments for :func:`gradcheck.adapters.make_model`
     (``dict(forward=forward_prop, cost=cost, backward=back_prop, params=params, x=x, y=y)`` or
     ``dict(loss=..., grads=..., params=...)``), or, when it has the key ``"object"``, for
     :func:`gradcheck.adapters.from_object` (``dict(object=net, params="W")``);
   * any other object: adapted with ``from_object``.

4. The trio under its default names ``forward``, ``cost``, ``backward``, with module-level
   ``params`` (or ``parameters``), ``X`` (or ``x``) and ``Y`` (or ``y``).
5. Loose functions ``loss`` and ``grads`` with module-level ``params`` (or ``parameters``);
   ``X``/``Y`` when the module has them (they tell the report the batch size).

When nothing matches, the error lists what the file defines and what was looked for.
"""

from __future__ import annotations

import contextlib
import importlib.util
import inspect
import itertools
import os
import sys
import traceback
import types
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import gradcheck
from gradcheck.adapters import from_object, make_model
from gradcheck.errors import GradcheckError
from gradcheck.model import Model

__all__ = ["import_file", "load_model", "user_traceback"]

_counter = itertools.count(1)
_PACKAGE_DIR = Path(gradcheck.__file__).resolve().parent

TRIO_DEFAULTS = ("forward", "cost", "backward")
PARAMS_NAMES = ("params", "parameters")
X_NAMES = ("X", "x")
Y_NAMES = ("Y", "y")


# --------------------------------------------------------------------------------------------
# Importing the file
# --------------------------------------------------------------------------------------------


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
            if module_file and _is_under(Path(module_file), directory):
                del sys.modules[name]


def _is_under(path: Path, directory: Path) -> bool:
    try:
        path.resolve().relative_to(directory.resolve())
    except (ValueError, OSError):
        return False
    return True


def import_file(path: str | os.PathLike[str]) -> types.ModuleType:
    """Import ``path`` as a new module. A missing file, a file that is not ``.py`` or a syntax
    error is a :class:`GradcheckError`; any other exception raised by the file propagates with its
    own type (the CLI prints its traceback, user frames only)."""
    file = Path(path)
    if not file.exists():
        raise GradcheckError(f"{path}: no such file")
    if file.is_dir():
        raise GradcheckError(f"{path} is a directory; give the Python file that defines the model")
    if file.suffix == ".ipynb":
        raise GradcheckError(
            f"{path} is a Jupyter notebook; export it to a Python file first "
            f"(jupyter nbconvert --to script {path}) and check that"
        )
    if file.suffix != ".py":
        raise GradcheckError(f"{path} is not a Python file (.py)")
    try:
        source = file.read_bytes()
    except OSError as exc:
        raise GradcheckError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if b"\0" in source:  # Python 3.10 reports these with a ValueError from the import machinery
        raise GradcheckError(f"{path} holds binary data (NUL bytes), not Python source")
    name = f"gradcheck_user_{file.stem.replace('-', '_')}_{next(_counter)}"
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None or spec.loader is None:
        raise GradcheckError(f"{path}: cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    # Registered under a name no other load uses, and left registered: dataclasses, pickling and
    # inspect.getsource(cls) look a class's module up in sys.modules by name.
    sys.modules[name] = module
    try:
        with _importing_from(file.resolve().parent), contextlib.redirect_stdout(sys.stderr):
            spec.loader.exec_module(module)
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


# --------------------------------------------------------------------------------------------
# Finding the model
# --------------------------------------------------------------------------------------------


def _first(namespace: Mapping[str, Any], names: tuple[str, ...]) -> tuple[str, Any] | None:
    for n in names:
        if n in namespace:
            return n, namespace[n]
    return None


def _data(namespace: Mapping[str, Any]) -> dict[str, Any]:
    """Module-level X/x and Y/y, offered under the name the file uses."""
    found: dict[str, Any] = {}
    x = _first(namespace, X_NAMES)
    y = _first(namespace, Y_NAMES)
    if x is not None:
        found["X"] = x[1]
    if y is not None:
        found["Y"] = y[1]
    return found


def _from_gradcheck_model(value: Any, path: str) -> Model:
    if inspect.isfunction(value) or inspect.ismethod(value) or inspect.isclass(value):
        try:
            inspect.signature(value).bind()
        except TypeError:
            raise GradcheckError(
                f"{path}: gradcheck_model must be a model or a function of no arguments returning "
                f"one; it is {getattr(value, '__name__', 'a callable')}"
                f"{inspect.signature(value)}"
            ) from None
        except ValueError:
            pass  # no signature to read (a builtin): just call it
        value = value()
    if isinstance(value, Model):
        return value
    if isinstance(value, Mapping):
        kwargs = dict(value)
        if not all(isinstance(k, str) for k in kwargs):
            raise GradcheckError(
                f"{path}: gradcheck_model is a dict whose keys are not all strings"
            )
        if "object" in kwargs:
            obj = kwargs.pop("object")
            return from_object(obj, **kwargs)
        return make_model(**kwargs)
    return from_object(value)


def _trio(
    namespace: Mapping[str, Any], names: tuple[str, str, str], path: str, required: bool
) -> Model | None:
    found = {role: namespace.get(name) for role, name in zip(TRIO_DEFAULTS, names)}
    missing = [name for name in names if not callable(namespace.get(name))]
    if missing:
        if required:
            raise GradcheckError(
                f"{path} defines no function {', '.join(missing)} (asked for the trio "
                f"--forward {names[0]} --cost {names[1]} --backward {names[2]})"
            )
        return None
    params = _first(namespace, PARAMS_NAMES)
    if params is None:
        # All three functions are there, so the file means the trio: say what it lacks.
        raise GradcheckError(
            f"{path} defines {', '.join(names)} but no module-level params (or parameters): "
            f"the mapping of name -> array they are checked at"
        )
    return make_model(
        forward=found["forward"],
        cost=found["cost"],
        backward=found["backward"],
        params=params[1],
        **_data(namespace),
    )


def _loose(namespace: Mapping[str, Any]) -> Model | None:
    params = _first(namespace, PARAMS_NAMES)
    if not (callable(namespace.get("loss")) and callable(namespace.get("grads")) and params):
        return None
    return make_model(
        loss=namespace["loss"], grads=namespace["grads"], params=params[1], **_data(namespace)
    )


def _inventory(module: types.ModuleType) -> str:
    """What the file defines, for the error when nothing matched."""
    functions, classes, objects, data = [], [], [], []
    for name, value in vars(module).items():
        if name.startswith("_") or isinstance(value, types.ModuleType):
            continue
        if inspect.isclass(value):
            if value.__module__ == module.__name__:
                classes.append(name)
        elif inspect.isfunction(value):
            if value.__module__ == module.__name__:
                functions.append(name)
        elif type(value).__module__ == module.__name__:
            objects.append(f"{name} ({type(value).__name__})")
        elif not callable(value):
            data.append(name)
    parts = [
        f"{label}: {', '.join(items)}"
        for label, items in (
            ("functions", functions),
            ("classes", classes),
            ("objects", objects),
            ("other names", data),
        )
        if items
    ]
    return "; ".join(parts) or "nothing at module level"


def load_model(
    path: str | os.PathLike[str],
    *,
    object_name: str | None = None,
    forward: str | None = None,
    cost: str | None = None,
    backward: str | None = None,
) -> Model:
    """Import ``path`` and return the model it defines (see the module docstring for the order)."""
    module = import_file(path)
    namespace = vars(module)
    shown = str(path)
    with contextlib.redirect_stdout(sys.stderr):
        if object_name is not None:
            if object_name not in namespace:
                raise GradcheckError(
                    f"{shown} defines no {object_name!r} (--object {object_name}); it defines "
                    f"{_inventory(module)}"
                )
            chosen = namespace[object_name]
            if isinstance(chosen, Model):
                return chosen
            return from_object(chosen, forward=forward, cost=cost, backward=backward)
        if forward is not None or cost is not None or backward is not None:
            names = (forward or "forward", cost or "cost", backward or "backward")
            model = _trio(namespace, names, shown, required=True)
            if model is not None:  # required=True raises rather than return None
                return model
        if "gradcheck_model" in namespace:
            return _from_gradcheck_model(namespace["gradcheck_model"], shown)
        model = _trio(namespace, TRIO_DEFAULTS, shown, required=False)
        if model is None:
            model = _loose(namespace)
        if model is not None:
            return model
    raise GradcheckError(
        f"found no model in {shown}. Looked for, in order: gradcheck_model (a model object or a "
        f"function returning one); functions forward, cost, backward with params (or "
        f"parameters), X (or x), Y (or y); functions loss, grads with params. The file defines "
        f"{_inventory(module)}. Use --object NAME for a model object, --forward/--cost/--backward "
        f"for functions with other names, or define gradcheck_model."
    )


# --------------------------------------------------------------------------------------------
# Tracebacks that show the user's code, not ours
# --------------------------------------------------------------------------------------------


def _is_ours(filename: str) -> bool:
    if filename.startswith("<frozen "):
        return True  # the import machinery between our loader and the user's module
    return _is_under(Path(filename), _PACKAGE_DIR)


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
