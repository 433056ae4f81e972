"""The measurements of one tensor's checked coordinates, as aligned arrays, and how two sets of them
(the sample, then the slice a directional probe narrowed down to) combine.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Coords:
    """The measurements of one tensor's checked coordinates (all arrays aligned)."""

    flat: np.ndarray  # flat indices into the tensor (C order)
    analytic: np.ndarray
    numeric: np.ndarray
    bound: np.ndarray  # error bar of `numeric`
    h: np.ndarray  # realised half-width of the stencil
    slope_jump: np.ndarray  # |right slope - left slope| from f(x+h), f(x), f(x-h)
    kink: np.ndarray  # bool: not differentiable within the stencil
    confirmed: np.ndarray  # bool: re-measured and still wrong
    notes: dict[str, int] = field(default_factory=dict)


def merge(a: Coords, b: Coords) -> Coords:
    notes = dict(a.notes)
    for k, v in b.notes.items():
        notes[k] = notes.get(k, 0) + v
    return Coords(
        flat=np.concatenate([a.flat, b.flat]),
        analytic=np.concatenate([a.analytic, b.analytic]),
        numeric=np.concatenate([a.numeric, b.numeric]),
        bound=np.concatenate([a.bound, b.bound]),
        h=np.concatenate([a.h, b.h]),
        slope_jump=np.concatenate([a.slope_jump, b.slope_jump]),
        kink=np.concatenate([a.kink, b.kink]),
        confirmed=np.concatenate([a.confirmed, b.confirmed]),
        notes=notes,
    )
