"""Layer names: which layer a tensor's name belongs to, and the order of tensors from input to
output.

The renderers order their tables with this, and the diagnose room groups results into layers with it
(:mod:`gradcheck.diagnose.stages`), so both read a name the same way. Standard library only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["layer_of", "order_tensors", "sort_keys", "unnumbered_group"]

_DIGITS = re.compile(r"\d+")
# What names a tensor's role rather than its layer: stripped to find the layer of an unnumbered
# name (W_out -> "out", fc.weight -> "fc").
_ROLE = re.compile(
    r"^(d(?=[A-Za-z]))?(weights?|bias(es)?|kernel|gamma|beta|w|b)(?=$|[^a-z])|"
    r"[._\[\]'\"]+(weights?|bias(es)?|kernel|gamma|beta|w|b)['\"\]]*$",
    re.IGNORECASE,
)


def layer_of(name: str) -> str | None:
    """The layer number in a tensor's name, as a string; ``None`` when the name has no digits.

    ``W1``, ``b1``, ``dW1``, ``w1``, ``W[1]``, ``params['W1']``, ``conv1.weight`` -> ``"1"``.
    Several numbers are joined with dots (``block2.conv1.weight`` -> ``"2.1"``) and ordered as
    tuples; leading zeros are dropped (``W01`` -> ``"1"``).
    """
    groups = _DIGITS.findall(name)
    if not groups:
        return None
    return ".".join(str(int(g)) for g in groups)


def _layer_number(layer: str) -> tuple[int, ...]:
    return tuple(int(part) for part in layer.split("."))


def sort_keys(layers: Sequence[str | None]) -> list[tuple[int, ...]]:
    """Sort keys, input first: a numbered tensor sorts by its number; an unnumbered one stays where
    the user put it, right after the numbered tensor before it (first when nothing comes before)."""
    keys: list[tuple[int, ...]] = []
    previous: tuple[int, ...] = ()
    for layer in layers:
        if layer is not None:
            previous = _layer_number(layer)
        keys.append(previous)
    return keys


def order_tensors(names: Sequence[str]) -> list[str]:
    """The names from input to output: by layer number, in the given (dict) order otherwise.

    The sort is stable, so ``W1, b1`` keep their relative order, and a name without a number keeps
    its place after the numbered name that precedes it.
    """
    keys = sort_keys([layer_of(n) for n in names])
    order = sorted(range(len(names)), key=lambda i: keys[i])
    return [names[i] for i in order]


def unnumbered_group(name: str) -> str:
    """The layer of a name without digits: what is left once its role is stripped
    (``W_out``/``b_out`` -> ``"out"``); ``""`` for a bare ``W``/``b``."""
    if name.endswith("']") and "['" in name:  # params['W_out'] -> W_out
        name = name[name.index("['") + 2 : -2]
    rest = _ROLE.sub("", name)
    return rest.strip("._[]'\" ")
