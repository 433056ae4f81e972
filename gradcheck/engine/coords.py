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
    h: np.ndarray  # realised half-width of the stencil behind `numeric` (halved where it had to be)
    first_h: np.ndarray  # the half-width first used: nudges off a corner move by multiples of it
    right: np.ndarray  # one-sided slope (f(x+h) - f(x)) / h
    left: np.ndarray  # one-sided slope (f(x) - f(x-h)) / h
    kink: np.ndarray  # bool: not differentiable within the stencil, judged there and passed
    confirmed: np.ndarray  # bool: re-measured and still wrong
    unresolved: np.ndarray  # bool: no step resolves it at this precision (a note, not a verdict)
    # The round-off of one loss evaluation the coordinate is judged with: the noise measured at the
    # base point, or the loss's own round-off along the coordinate where that is far above it.
    sigma: np.ndarray
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
        first_h=np.concatenate([a.first_h, b.first_h]),
        right=np.concatenate([a.right, b.right]),
        left=np.concatenate([a.left, b.left]),
        kink=np.concatenate([a.kink, b.kink]),
        confirmed=np.concatenate([a.confirmed, b.confirmed]),
        unresolved=np.concatenate([a.unresolved, b.unresolved]),
        sigma=np.concatenate([a.sigma, b.sigma]),
        notes=notes,
    )
