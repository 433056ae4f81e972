"""Where an object keeps its arrays: a location (an attribute, an entry of a dict or list
attribute, an element of what backward returned) read live on every use, every array reachable
from the object's attributes, snapshots that tell what a call changed, and the layer order the
report lists parameters in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradcheck.errors import GradcheckError
from gradcheck.models.model import type_name as _type_name


class _NoKey:
    def __repr__(self) -> str:
        return "<attribute itself>"


NO_KEY: Any = _NoKey()


@dataclass(frozen=True)
class Loc:
    """Where one array lives: an attribute, or an entry of a dict/list attribute, or (``returned``)
    an element of what backward returned. Read live on every use, never cached."""

    attr: str
    key: Any = NO_KEY
    returned: bool = False

    @property
    def name(self) -> str:
        """The name as the user's code spells it: ``W1``, ``W[1]``, ``params['W1']``."""
        if self.key is NO_KEY:
            return self.attr
        if isinstance(self.key, str):
            return f"{self.attr}[{self.key!r}]"
        return f"{self.attr}[{self.key}]"

    @property
    def leaf(self) -> str | None:
        """The name of the array itself: the attribute, or a string key (``W1`` of params['W1'])."""
        if self.key is NO_KEY:
            return self.attr
        return self.key if isinstance(self.key, str) else None

    def read(self, obj: object, returned: Mapping[str, Any]) -> Any:
        base = returned[self.attr] if self.returned else getattr(obj, self.attr)
        return base if self.key is NO_KEY else base[self.key]


def arrays_in(
    attr: str, value: object, returned: bool = False, scalars: bool = False
) -> dict[Loc, np.ndarray]:
    """The arrays an attribute holds: itself, or the values of a dict, or the items of a list.

    With ``scalars``, NumPy float scalars count too: the gradient of a 0-d parameter is usually one
    (``db = np.sum(dZ) / m``). They are looked for among gradients only, never among parameters
    (a scalar cannot be perturbed in place), and serve as 0-d arrays would: shape, dtype, bytes.
    """

    def wanted(item: object) -> bool:
        return isinstance(item, np.ndarray) or (scalars and isinstance(item, np.floating))

    found: dict[Loc, np.ndarray] = {}
    if wanted(value):
        found[Loc(attr, returned=returned)] = value  # type: ignore[assignment]
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if wanted(item):
                found[Loc(attr, key, returned)] = item
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            if wanted(item):
                found[Loc(attr, i, returned)] = item
    return found


def instance_attributes(obj: object) -> dict[str, Any]:
    """The object's own attributes, dunder names left out."""
    try:
        return {k: v for k, v in vars(obj).items() if not k.startswith("__")}
    except TypeError:
        raise GradcheckError(
            f"cannot look inside a {_type_name(obj)}: it has no attribute dict (__slots__ or a "
            f"builtin); give the model as loss/grads/params or forward/cost/backward instead"
        ) from None


def reachable(obj: object, scalars: bool = False) -> dict[Loc, np.ndarray]:
    """Every array the object's attributes hold (see :func:`arrays_in` for ``scalars``)."""
    found: dict[Loc, np.ndarray] = {}
    for attr, value in instance_attributes(obj).items():
        found.update(arrays_in(attr, value, scalars=scalars))
    return found


@dataclass
class Snapshot:
    """Every array the object holds, by reference and by content, so that what a call created,
    replaced or wrote into can be told apart from what it left alone. Holding the references
    also stops a freed array's id from being reused by a new one."""

    refs: dict[Loc, np.ndarray]
    contents: dict[Loc, bytes]

    @classmethod
    def take(cls, arrays: Mapping[Loc, np.ndarray]) -> Snapshot:
        return cls(dict(arrays), {loc: a.tobytes() for loc, a in arrays.items()})

    def changed(self, loc: Loc, now: np.ndarray) -> bool:
        before = self.refs.get(loc)
        if before is None or before is not now:
            return True
        return now.tobytes() != self.contents[loc]


def put_back(obj: object, loc: Loc, array: np.ndarray) -> None:
    """Store ``array`` where ``loc`` points again (an attribute, or a dict or list entry)."""
    if loc.key is NO_KEY:
        setattr(obj, loc.attr, array)
        return
    container = getattr(obj, loc.attr, None)
    try:
        container[loc.key] = array  # type: ignore[index]
    except (TypeError, KeyError, IndexError):
        pass  # a tuple: nothing to put back into


def _layer_of(loc: Loc) -> int | None:
    """1 for ``W[1]``, ``params['W1']`` and ``W1``; None when the name carries no layer number."""
    if isinstance(loc.key, (int, np.integer)) and not isinstance(loc.key, bool):
        return int(loc.key)
    leaf = loc.leaf or ""
    digits = ""
    for ch in reversed(leaf):
        if not ch.isdigit():
            break
        digits = ch + digits
    return int(digits) if digits else None


def by_layer(locs: list[Loc]) -> list[Loc]:
    """Layer by layer (``W[1], b[1], W[2], b[2]``) when every name has a layer number; otherwise
    the order of the user's own attributes and keys."""
    layers = [_layer_of(loc) for loc in locs]
    if any(layer is None for layer in layers):
        return locs
    order = sorted(range(len(locs)), key=lambda i: (layers[i], i))
    return [locs[i] for i in order]
