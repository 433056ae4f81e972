"""``gradcheck watch FILE``: load the model in a file and train it, watched.

The file's own ``train_step()`` runs when it defines one, at the learning rate ``--lr`` sets on the
attribute it reads; the inputs it keeps (``X``, ...) are read for the input findings.
"""

from __future__ import annotations

import inspect
import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from gradcheck.errors import GradcheckError
from gradcheck.models.data import INPUT_NAMES
from gradcheck.models.discovery import load_model
from gradcheck.models.model import Model
from gradcheck.models.notebook import reading_notes
from gradcheck.report.training import WatchSummary
from gradcheck.train.options import WatchOptions
from gradcheck.train.runner import train

__all__ = ["LEARNING_RATE_NAMES", "set_learning_rate", "watch_file"]

#: Names under which a file or an object keeps its learning rate (``gradcheck watch --lr`` sets it).
LEARNING_RATE_NAMES = (
    "learning_rate",
    "lr",
    "alpha",
    "eta",
    "learningRate",
    "learning_rate_",
    "step_size",
)


def set_learning_rate(owners: Iterable[tuple[str, Any]], lr: float) -> str | None:
    """Set the learning rate a ``train_step()`` reads, on the first owner that has one.

    ``owners`` are (label, object or module namespace dict). Returns what was done (for the report),
    or None when no attribute named like a learning rate (:data:`LEARNING_RATE_NAMES`) holds a number.
    """
    for label, owner in owners:
        space = owner if isinstance(owner, dict) else getattr(owner, "__dict__", None)
        if not isinstance(space, dict):
            continue
        for name in LEARNING_RATE_NAMES:
            value = space.get(name)
            if isinstance(value, (int, float, np.floating)) and not isinstance(value, bool):
                old = float(value)
                space[name] = type(value)(lr) if isinstance(value, float) else float(lr)
                where = f"{label}.{name}" if label else name
                if old == lr:
                    return f"train_step() runs at learning rate {lr:g} ({where})"
                return f"train_step() runs at learning rate {lr:g}: set {where} = {lr:g} (the file had {old:g})"
    return None


def _loaded_module(path: str, before: set[str]) -> Any:
    """The module :func:`gradcheck.models.discovery.load_model` just imported for ``path``.

    The loader registers each file under a fresh name and leaves it registered; the module is needed
    here for the ``train_step()`` defined next to the model, which must act on the same objects.
    """
    target = os.path.realpath(path)
    for name in set(sys.modules) - before:
        module = sys.modules.get(name)
        file = getattr(module, "__file__", None)
        if file and os.path.realpath(file) == target:
            return module
    return None


def _state_of(
    model: Model, namespace: Mapping[str, Any], object_name: str | None
) -> tuple[str, Any]:
    """The user's network object behind an object-form model, with the name the file gives it."""
    if model.form != "object":
        return "", None
    if object_name is not None and object_name in namespace:
        return object_name, namespace[object_name]
    cls = model.extra.get("object")
    found = [
        (k, v) for k, v in namespace.items() if type(v).__name__ == cls and not k.startswith("_")
    ]
    found.sort(key=lambda kv: kv[0] == "gradcheck_model")  # the user's own name first
    return found[0] if found else ("", None)


def _train_step(namespace: Mapping[str, Any], path: str) -> Callable[[], Any] | None:
    fn = namespace.get("train_step")
    if fn is None:
        return None
    if not callable(fn):
        raise GradcheckError(f"{path}: train_step is a {type(fn).__name__}, not a function")
    try:
        required = [
            p
            for p in inspect.signature(fn).parameters.values()
            if p.default is inspect.Parameter.empty
            and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        ]
    except (TypeError, ValueError):
        required = []
    if required:
        raise GradcheckError(
            f"{path}: train_step() must run one training step with no arguments; it needs "
            f"{', '.join(p.name for p in required)} (or pass --gradient-descent to ignore it)"
        )
    return fn  # type: ignore[no-any-return]


def watch_file(
    path: str,
    *,
    steps: int,
    lr: float | None = None,
    object_name: str | None = None,
    forward: str | None = None,
    cost: str | None = None,
    backward: str | None = None,
    settings: Sequence[str] = (),
    use_train_step: bool = True,
    options: WatchOptions | None = None,
    check: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> WatchSummary:
    """``gradcheck watch FILE``: load the model in ``path`` and :func:`train` it, watched.

    The file's own ``train_step()`` runs when it defines one (``use_train_step``); ``lr`` is then set
    on the learning-rate attribute it reads (:func:`set_learning_rate`), and the summary's notes say
    what was set. Without a ``train_step()``, plain gradient descent at ``lr``.
    """
    before = set(sys.modules)
    model = load_model(
        path,
        object_name=object_name,
        forward=forward,
        cost=cost,
        backward=backward,
        settings=settings,
    )
    module = _loaded_module(path, before)
    namespace: dict[str, Any] = vars(module) if module is not None else {}
    label, state = _state_of(model, namespace, object_name)
    step = _train_step(namespace, path) if use_train_step else None
    notes = [
        *reading_notes(namespace),
        *_learning_rate_notes(path, step, lr, label, state, namespace),
    ]
    return train(
        model,
        steps=steps,
        lr=lr,
        step=step,
        state=state,
        inputs=_inputs_of(state, label, namespace),
        options=options,
        check=check,
        progress=progress,
        notes=notes,
    )


def _learning_rate_notes(
    path: str,
    step: Callable[[], Any] | None,
    lr: float | None,
    label: str,
    state: Any,
    namespace: dict[str, Any],
) -> list[str]:
    """What the summary says of the learning rate: set on the file's attribute, its own, or unused."""
    notes: list[str] = []
    if step is not None:
        if lr is not None:
            done = set_learning_rate([(label, state), ("", namespace)], lr)
            notes.append(
                done
                or (
                    f"--lr {lr:g} is not used: train_step() applies its own update, and no attribute named "
                    f"like a learning rate ({', '.join(LEARNING_RATE_NAMES)}) was found to set"
                )
            )
        else:
            notes.append("train_step() runs at its own learning rate")
    elif lr is None:
        raise GradcheckError(
            f"--lr is needed: {path} defines no train_step(), so watch runs plain gradient descent "
            f"(param -= lr * grad)"
        )
    return notes


def _inputs_of(state: Any, label: str, namespace: dict[str, Any]) -> dict[str, Any]:
    """The input array the object (else the file) keeps under a data name, for ``unscaled_inputs``."""
    inputs: dict[str, Any] = {}
    for owner, prefix in ((state, f"{label}." if label else ""), (namespace, "")):
        space = owner if isinstance(owner, dict) else getattr(owner, "__dict__", {})
        for name in INPUT_NAMES:
            value = space.get(name) if isinstance(space, dict) else None
            if isinstance(value, np.ndarray):
                inputs[f"{prefix}{name}"] = value
                break
        if inputs:
            break
    return inputs
