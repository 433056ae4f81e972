"""What a check will do before it does it: the mode it runs in (auto picks full or sampled by the
cost) and, per tensor, which coordinates to difference (a stratified sample) and how many random
directions.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from gradcheck.engine.options import DEFAULT_DIRECTIONS, DEFAULT_SAMPLE, Options

# auto mode checks every coordinate when that is cheap: at most this many coordinates always...
AUTO_FULL_ALWAYS = 1000
# ...and up to AUTO_FULL_MAX when the estimated time of the full check is below AUTO_FULL_SECONDS.
AUTO_FULL_MAX = 50_000
AUTO_FULL_SECONDS = 3.0
# On a big model with the default sample, auto mode probes each tensor along random directions
# only (coordinates are differenced only where a failing direction is narrowed down): one
# direction per tensor, AUTO_BIG_DIRECTIONS on a tensor of more than AUTO_BIG_TENSOR entries.
AUTO_BIG_TENSOR = 10_000
AUTO_BIG_DIRECTIONS = 2
# When a direction fails, this many coordinates spread over the tensor join the narrowed slice,
# so that the diagnosis can tell one bad row from a bad tensor.
NAME_SAMPLE = 6


@dataclass(frozen=True)
class Plan:
    """The mode run and, per tensor name, (flat indices to difference, random directions)."""

    mode: str  # "full", "sampled", "directional", or "sampled+directional" (auto on a big model)
    coordinates: int  # entries of the checked tensors, sampled or not
    tensors: Mapping[str, tuple[np.ndarray, int]]

    @property
    def steps(self) -> int:
        """Units of progress: one per coordinate, two per direction (its two evaluations)."""
        return sum(p[0].size + 2 * p[1] for p in self.tensors.values())


def stratified_sample(size: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """``k`` flat indices, one drawn uniformly from each of ``k`` equal strata (all when size <= 2k).

    Strata over the C-order flat index spread the sample over every row of a weight matrix.
    """
    if size <= 2 * k:
        return np.arange(size)
    edges = np.linspace(0, size, k + 1).astype(np.int64)
    return np.array(
        [int(rng.integers(lo, hi)) for lo, hi in itertools.pairwise(edges)], dtype=np.int64
    )


def mode_to_run(mode: str, total: int, t_loss: float) -> str:
    """``mode`` itself; for auto, full when the whole check is cheap, else sampled+directional."""
    if mode == "auto":
        estimated = 2 * total * t_loss
        cheap = total <= AUTO_FULL_ALWAYS or (
            total <= AUTO_FULL_MAX and estimated <= AUTO_FULL_SECONDS
        )
        return "full" if cheap else "sampled+directional"
    return mode


def tensor_plan(
    size: int, mode_run: str, options: Options, rng: np.random.Generator, lean: bool = True
) -> tuple[np.ndarray, int]:
    """(flat indices, random directions) for a tensor of ``size`` entries.

    ``lean``: auto mode may probe by directions only (float64 models; in float32 a direction's
    noise sits too close to the tolerance to stand without sampled coordinates).
    """
    if mode_run == "full":
        return np.arange(size), 0
    if mode_run == "directional":
        return np.arange(0), options.directions if options.directions is not None else 4
    if mode_run == "sampled+directional" and options.sample is None and lean:
        if options.directions is not None:
            return np.arange(0), max(options.directions, 1)
        return np.arange(0), AUTO_BIG_DIRECTIONS if size > AUTO_BIG_TENSOR else 1
    flat = stratified_sample(size, options.sample or DEFAULT_SAMPLE, rng)
    dirs = (
        0
        if flat.size == size
        else (
            options.directions
            if options.directions is not None
            else (DEFAULT_DIRECTIONS if mode_run == "sampled+directional" else 0)
        )
    )
    return flat, dirs


def plan_check(
    params: Mapping[str, np.ndarray],
    names: Sequence[str],
    options: Options,
    t_loss: float,
    rng: np.random.Generator,
) -> Plan:
    """What to do per tensor, given the time ``t_loss`` one loss evaluation took."""
    sizes = {n: int(params[n].size) for n in names}
    total = sum(sizes.values())
    mode_run = mode_to_run(options.mode, total, t_loss)
    lean = all(params[n].dtype == np.float64 for n in names)
    tensors = {n: tensor_plan(sizes[n], mode_run, options, rng, lean) for n in names}
    return Plan(mode=mode_run, coordinates=total, tensors=tensors)
