"""A model file's ``gradcheck_layers``: a dict of layer name -> ``(forward, backward, args)`` or
``(forward, backward, args, kwargs)``, every entry a layer for ``gradcheck check FILE`` to check.

``kwargs`` are what a call of ``gradcheck.check_layer`` would take as keywords: ``dout``, ``seed``
and ``wrt`` are check_layer's own, the rest go to forward. The dict may also be returned by a
function of no arguments named ``gradcheck_layers``.

:func:`load_checkable` imports the file once and returns its layers when it defines
``gradcheck_layers`` (and no model-selection flag asks for something else), else the model that
:func:`gradcheck.models.discovery.find_model` finds.
"""

from __future__ import annotations

import contextlib
import inspect
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from gradcheck.errors import GradcheckError
from gradcheck.models.discovery import model_of
from gradcheck.models.importer import import_file
from gradcheck.models.layer_spec import LayerSpec
from gradcheck.models.model import Model
from gradcheck.models.settings import parse_settings

__all__ = ["LAYERS_NAME", "find_layers", "load_checkable"]

LAYERS_NAME = "gradcheck_layers"
_OWN_KEYWORDS = ("dout", "seed", "wrt")


def _entry(shown: str, name: str, entry: object) -> LayerSpec:
    where = f"{shown}: {LAYERS_NAME}[{name!r}]"
    if not isinstance(entry, (tuple, list)) or len(entry) not in (3, 4):
        got = f"a {type(entry).__name__}" + (
            f" of {len(entry)}" if isinstance(entry, (tuple, list)) else ""
        )
        raise GradcheckError(
            f"{where} must be (forward, backward, args) or (forward, backward, args, kwargs) "
            f"(backward None for a loss layer); got {got}"
        )
    forward, backward, args = entry[0], entry[1], entry[2]
    kwargs = dict(entry[3]) if len(entry) == 4 and isinstance(entry[3], Mapping) else None
    if len(entry) == 4 and kwargs is None:
        raise GradcheckError(
            f"{where}: the 4th element must be a dict of keyword arguments; got a "
            f"{type(entry[3]).__name__}"
        )
    if isinstance(args, np.ndarray):
        args = (args,)  # (x) where (x,) was meant
    if not isinstance(args, (tuple, list)):
        raise GradcheckError(
            f"{where}: args must be a tuple of forward's arguments, e.g. (x, w, b); got a "
            f"{type(args).__name__}"
        )
    own = {k: kwargs.pop(k) for k in _OWN_KEYWORDS if kwargs and k in kwargs}
    wrt = own.get("wrt")
    seed = own.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise GradcheckError(f"{where}: seed must be an integer; got {seed!r}")
    return LayerSpec(
        forward,  # LayerSpec refuses what is not callable
        backward,
        tuple(args),
        kwargs or {},
        dout=own.get("dout"),
        seed=seed,
        wrt=(wrt,) if isinstance(wrt, str) else (tuple(wrt) if wrt is not None else None),
        name=name,
    )


def find_layers(namespace: Mapping[str, Any], shown: str) -> dict[str, LayerSpec] | None:
    """The layers a module defines in ``gradcheck_layers``; None when it defines none."""
    if LAYERS_NAME not in namespace:
        return None
    value = namespace[LAYERS_NAME]
    if inspect.isfunction(value):
        value = value()
    if not isinstance(value, Mapping) or not value:
        raise GradcheckError(
            f"{shown}: {LAYERS_NAME} must be a non-empty dict of name -> (forward, backward, "
            f"args), e.g. {{'affine': (affine_forward, affine_backward, (x, w, b))}}; got "
            + (f"a {type(value).__name__}" if not isinstance(value, Mapping) else "an empty one")
        )
    return {str(name): _entry(shown, str(name), entry) for name, entry in value.items()}


def load_checkable(
    path: str | os.PathLike[str],
    *,
    object_name: str | None = None,
    forward: str | None = None,
    cost: str | None = None,
    backward: str | None = None,
    settings: Sequence[str] = (),
) -> Model | dict[str, LayerSpec]:
    """Import ``path`` once: its ``gradcheck_layers`` when no flag selects a model, else its model
    (``settings``: ``--set NAME=VALUE`` items, :mod:`gradcheck.models.settings`)."""
    parse_settings(settings)  # a malformed item is reported before the user's file runs
    module = import_file(path)
    if object_name is None and forward is None and cost is None and backward is None:
        with contextlib.redirect_stdout(sys.stderr):
            layers = find_layers(vars(module), str(path))
        if layers is not None:
            return layers
    selection = {"object_name": object_name, "forward": forward, "cost": cost, "backward": backward}
    return model_of(module, str(path), settings=settings, **selection)
