"""Pairing each parameter of an object with its gradient: by name first (``W[1]`` <-> ``dW[1]``,
``params['W1']`` <-> ``grads['dW1']``, ``W1`` <-> ``dW1``), then, for a group in which no name
paired, a whole container by keys and shapes, or one array by a unique shape. Two candidates that
both fit are an ambiguity, reported, never a guess.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from gradcheck.errors import GradcheckError
from gradcheck.models.object_arrays import NO_KEY, Loc
from gradcheck.models.object_names import gradient_names


def pair_by_name(loc: Loc, pool: Mapping[Loc, np.ndarray], grad_containers: set[str]) -> Loc | None:
    """``W[1]`` <-> ``dW[1]``; ``params['W1']`` <-> ``grads['dW1']`` or ``grads['W1']``;
    ``W1`` <-> ``dW1``. Two different arrays that both fit are an ambiguity, never a guess."""
    matches: list[Loc] = []
    leaf = loc.leaf
    for g in pool:
        # dW[1] for W[1]: a gradient container named after the parameter container, same key.
        by_container = (
            loc.key is not NO_KEY and g.key == loc.key and g.attr in gradient_names(loc.attr)
        )
        # dW1 (attribute or key) for W1 (attribute or key).
        by_leaf = leaf is not None and g.leaf in gradient_names(leaf)
        # grads['W1'] for params['W1']: a gradients container keyed by the parameter's name.
        by_key = leaf is not None and g.key == leaf and g.attr in grad_containers
        if by_container or by_leaf or by_key:
            matches.append(g)
    distinct: list[Loc] = []
    for g in matches:
        if not any(pool[g] is pool[d] for d in distinct):
            distinct.append(g)
    if len(distinct) > 1:
        names = ", ".join(g.name for g in distinct)
        raise GradcheckError(
            f"the gradient of {loc.name} could be any of {names}; say which with "
            f"grads={distinct[0].attr!r} (the attribute or dict holding the gradients)"
        )
    return distinct[0] if distinct else None


def pair_by_shape(
    notes: list[str],
    ordered: Sequence[Loc],
    pairs: dict[str, Loc],
    pool: Mapping[Loc, np.ndarray],
    candidates: Mapping[Loc, np.ndarray],
) -> None:
    """For groups in which no name paired (``weights`` with ``nabla_w``), pair by shape.

    A group (one container, or the bare attributes) where some names paired is left alone: a
    parameter there without a gradient is a missing gradient, and the report should say so.
    Only a unique shape match counts; two of the same shape are an ambiguity."""
    groups: dict[str | None, list[Loc]] = {}
    for loc in ordered:
        groups.setdefault(None if loc.key is NO_KEY else loc.attr, []).append(loc)
    used = set(pairs.values())
    for group in groups.values():
        if any(loc.name in pairs for loc in group):
            continue
        # Whole containers first: a gradient container with the same keys and shapes.
        if group[0].key is not NO_KEY:
            match = _pair_container(group, pool, candidates, used)
            if match is not None:
                for loc, g in match.items():
                    pairs[loc.name] = g
                    used.add(g)
                notes.append(
                    f"{group[0].attr} paired with {next(iter(match.values())).attr} by shape"
                )
                continue
        for loc in group:
            shape = candidates[loc].shape
            fits = [g for g, a in pool.items() if a.shape == shape and g not in used]
            if len(fits) == 1:
                pairs[loc.name] = fits[0]
                used.add(fits[0])
                notes.append(f"{loc.name} paired with {fits[0].name} by shape")
            elif len(fits) > 1:
                raise GradcheckError(
                    f"no gradient of {loc.name} is named like it, and several have its shape "
                    f"{shape}: {', '.join(g.name for g in fits)}; say which attribute holds the "
                    f"gradients with grads='...'"
                )


def _pair_container(
    group: Sequence[Loc],
    pool: Mapping[Loc, np.ndarray],
    candidates: Mapping[Loc, np.ndarray],
    used: set[Loc],
) -> dict[Loc, Loc] | None:
    by_container: dict[tuple[str, bool], dict[Any, Loc]] = {}
    for g in pool:
        if g.key is not NO_KEY and g not in used:
            by_container.setdefault((g.attr, g.returned), {})[g.key] = g
    fitting = []
    for entries in by_container.values():
        if len(entries) == len(group) and all(
            loc.key in entries and pool[entries[loc.key]].shape == candidates[loc].shape
            for loc in group
        ):
            fitting.append({loc: entries[loc.key] for loc in group})
    return fitting[0] if len(fitting) == 1 else None
