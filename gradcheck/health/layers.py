"""From the arrays one traced pass collected to layers: each with a kind, a name and its statistics.

An array without a kind from its statement may get one from its name; one layer is one name computed
in one call, or in several calls that shared their arguments (pooled into one batch); a statement
that runs once per layer gets its layers numbered ("Z (pass 2 of 3)": the second time the statement
ran, which is not always layer 2).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gradcheck.health.kinds import _name_kind
from gradcheck.health.stats import ActivationStats, _batch_axes, _stats
from gradcheck.health.tracing import _Alias, _Entry, collect_arrays

__all__ = ["trace_activations"]

_Layer = list[tuple[_Entry, _Alias]]


def _kinded(entries: list[_Entry]) -> list[tuple[int, _Entry, _Alias, str]]:
    """(first order, entry, best alias, kind) of each array with a kind, in first-named order."""
    found: list[tuple[int, _Entry, _Alias, str]] = []
    for entry in entries:
        if not entry.names:
            continue
        aliases = sorted(entry.names, key=lambda a: (-a.priority, a.order))
        kind = entry.kind
        if kind is None:
            kind = next((k for k in (_name_kind(a.name) for a in aliases) if k), None)
        if kind is None:
            continue
        found.append((min(a.order for a in entry.names), entry, aliases[0], kind))
    found.sort(key=lambda t: t[0])
    return found


def _layers(found: list[tuple[int, _Entry, _Alias, str]]) -> list[tuple[int, str, str, _Layer]]:
    """(order, name, kind, arrays) of each layer, in the order the layers were computed."""
    # One layer = one name, computed in one call, or in several calls that shared their arguments
    # (the same weights applied to one example at a time): those are pooled into one batch.
    layers: dict[tuple[str, str], list[_Layer]] = {}
    for _, entry, alias, kind in found:
        groups = layers.setdefault((alias.name, kind), [])
        for group in groups:
            head_entry, head = group[0]
            if (
                alias.call not in {a.call for _, a in group}
                and alias.call_arrays & head.call_arrays
                and entry.array.shape == head_entry.array.shape
            ):
                group.append((entry, alias))
                break
        else:
            groups.append([(entry, alias)])
    return sorted(
        (
            (group[0][1].order, name, kind, group)
            for (name, kind), gs in layers.items()
            for group in gs
        ),
        key=lambda t: t[0],
    )


def _layer_stats(ordered: list[tuple[int, str, str, _Layer]]) -> list[ActivationStats]:
    """The statistics of each layer, under its label (numbered when one name has several layers)."""
    singles = [g[0][0].array.shape for _, _, _, g in ordered if len(g) == 1]
    batch_axes = _batch_axes([tuple(shape) for shape in singles])
    per_name: dict[str, int] = {}
    for _, name, _, _ in ordered:
        per_name[name] = per_name.get(name, 0) + 1
    numbered: dict[str, int] = {}
    out: list[ActivationStats] = []
    for _, name, kind, group in ordered:
        label = name[1:-1] if name.startswith("<") else name
        if per_name[name] > 1:  # the same statement in a loop over layers: number them
            numbered[name] = numbered.get(name, 0) + 1
            label = f"{label} (pass {numbered[name]} of {per_name[name]})"
        st = _stats([e for e, _ in group], label, kind, batch_axes)
        if st is not None:
            out.append(st)
    return out


def trace_activations(
    run: Callable[[], Any], *, user_code: Callable[[str], bool] | None = None
) -> list[ActivationStats]:
    """Run ``run()`` once with a line tracer over user frames and describe its intermediates.

    Returns one :class:`ActivationStats` per pre-activation, ReLU, tanh and sigmoid output found,
    in the order they were computed. Exceptions from ``run()`` propagate (the tracer is restored
    first). Cost: one traced call; for a check at initialisation or a watch after an anomaly, not
    for every training step.
    """
    return _layer_stats(_layers(_kinded(collect_arrays(run, user_code))))
