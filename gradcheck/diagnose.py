"""Diagnosis: which layer is wrong, and what the mistake looks like.

Pure functions over numbers the engine already has; NumPy only, nothing printed. The engine calls
them for failing tensors and copies the answers into :class:`~gradcheck.result.TensorResult`
(``pattern``, ``factor``, ``message``, ``details``) and :class:`~gradcheck.result.Report`
(``suspect_layer``, ``suspect_message``).

Three questions, three groups of functions:

* **Where?** :func:`layer_of`, :func:`order_tensors` and :func:`suspect_layer`. Backprop runs from
  the output toward the input, so an error made in layer k's backward reaches layer k and every
  layer below it, never the layers above. The failing layer nearest the output is therefore the
  first place to look, and the passing layers above it are the evidence.
* **What?** :func:`classify` names the shape of a disagreement between the analytic gradient ``a``
  and the numeric one ``n`` (a constant factor, a flipped sign, an L2 term on one side only, a
  transpose, an index shifted by one, zeros, one wrong row, a masked subset);
  :func:`shape_mismatch` reads a gradient of the wrong shape, :func:`missing` a gradient that is
  not there, and :func:`borrowed` a gradient that belongs to another tensor.
* **Show me:** :func:`error_grid` turns the two full gradients into a small grid of relative errors
  for the heat map (:mod:`gradcheck.heatmap` draws it).

The one rule behind :func:`classify`: a pattern is claimed only when the numbers support it. Every
test is a fit with a goodness-of-fit check against the engine's per-coordinate noise bound
``tolerance``: a coordinate is *explained* by a hypothesis "a = c * T(n)" (T = identity, transpose,
shift) when ``|a - c T(n)| <= FIT_SLACK * (1 + |c|) * tolerance``, because ``n`` carries an error of
up to ``tolerance`` that the factor multiplies and ``a`` carries its own round-off of the same
order. A hypothesis wins when it explains at least :data:`MIN_EXPLAINED` of the checked
coordinates, leaves at most 1/:data:`MIN_IMPROVEMENT` as many unexplained as the plain
"a = n" does, and rests on at least :data:`MIN_SUPPORT` coordinates where the numeric gradient
stands clear of its noise. When nothing passes, the pattern is ``None`` and the message says what
the numbers do show.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gradcheck.result import FAIL, TensorResult

__all__ = [
    "Diagnosis",
    "borrowed",
    "classify",
    "error_grid",
    "grid_blocks",
    "layer_of",
    "missing",
    "order_tensors",
    "shape_mismatch",
    "suspect_layer",
]

# --------------------------------------------------------------------------------------------------
# Thresholds (documented in the README; change them here only).

#: Noise bound used when the caller gives no ``tolerance``: relative to each coordinate's magnitude
#: (a centered difference in float64 is good to about 1e-8 relative; 1e-6 leaves room) plus an
#: absolute floor relative to the tensor's largest entry, for coordinates whose true value is ~0.
DEFAULT_RTOL = 1e-6
DEFAULT_ATOL_FRACTION = 1e-8
#: Whatever the caller says, the noise bound never drops below a few float64 ulps of the tensor's
#: scale: ``c * n`` computed in float64 is itself rounded, and a zero bound would call that a bug.
TOLERANCE_FLOOR = 64 * float(np.finfo(np.float64).eps)
#: How far beyond the noise bound a fitted coordinate may sit (see the module docstring).
FIT_SLACK = 2.0
#: Fraction of the checked coordinates a whole-tensor hypothesis (scale, sign, transpose, shift)
#: must explain. A bug rarely leaves survivors; kinks the engine missed may leave a few.
MIN_EXPLAINED = 0.99
#: A factor with a name (-1, 2, 1/2, m, 1/m, m/(m-1), a whole number) is a strong prior: it is
#: claimed when it explains this fraction, and the message counts the coordinates that deviate.
NAMED_MIN_EXPLAINED = 0.9
#: A hypothesis must leave at most 1/MIN_IMPROVEMENT as many coordinates unexplained as "a = n".
MIN_IMPROVEMENT = 10
#: Coordinates, with the numeric gradient clear of its noise, that a fitted pattern must rest on.
#: With fewer, only a factor with a name (-1, 2, 1/2, m, 1/m, m/(m-1)) is claimed.
MIN_SUPPORT = 3
#: A fitted factor "is" a named value when it is within this relative distance of it.
FACTOR_MATCH_RTOL = 0.01
#: Transpose / shift: coordinates whose partner was also checked and where swapping changes the
#: numeric value by more than the noise (so the hypothesis can be told from "a = n").
MIN_MAPPED_FULL = 2  # with every coordinate checked
MIN_MAPPED_SAMPLED = 6  # with a sample: chance pairs are few, ask for more of them
#: Shift: pairs must cover at least this fraction of the checked coordinates.
SHIFT_MIN_COVERAGE = 0.5
#: Row / column / slice: a slice is "wrong" when at least this fraction of its checked coordinates
#: disagree (inside a wrong row some entries can still agree, e.g. where the input is zero) ...
SLICE_BAD_FRACTION = 0.5
#: ... at most this fraction of the slices (and at least one) may be wrong for the pattern to be
#: "these rows alone" ...
SLICE_MAX_FRACTION = 0.25
#: ... and at most this fraction of the disagreeing coordinates may lie outside them.
STRAY_FRACTION = 0.05
#: Partial: a rule (analytic zero / numeric zero / one block / one factor) must cover this fraction
#: of the disagreeing coordinates, of which there must be at least PARTIAL_MIN_COORDS.
PARTIAL_RULE_FRACTION = 0.9
PARTIAL_MIN_COORDS = 2
#: No pattern: how the disagreeing coordinates are read, by the cosine between the analytic and
#: numeric vectors there (the direction a gradient step takes is what matters, and unlike a
#: correlation the cosine does not fall apart when all entries share one sign). Cosine >= ALIGNED
#: (or >= ALIGNED/2 with the signs agreeing at >= ALIGNED of them) reads as "right direction,
#: wrong amounts"; cosine <= -ALIGNED/2 (or signs agreeing at <= 1 - ALIGNED) as "opposite".
ALIGNED = 0.8

# Heat-map grid defaults.
GRID_MAX_ROWS = 16
GRID_MAX_COLS = 32

_TINY = float(np.finfo(np.float64).tiny)


# --------------------------------------------------------------------------------------------------
# The record.


@dataclass(frozen=True)
class Diagnosis:
    """What a disagreement looks like.

    pattern
        ``None`` (no simple pattern fits, or nothing disagrees) or one of ``"scale"``, ``"sign"``,
        ``"regularization"``, ``"transpose"``, ``"shift"``, ``"zero"``, ``"row"``, ``"column"``,
        ``"slice"``, ``"partial"`` (from :func:`classify`), ``"shape"`` (:func:`shape_mismatch`),
        ``"missing"`` (:func:`missing`), ``"swapped"`` (:func:`borrowed`).
    factor
        for ``scale``/``sign`` (and a scaled transpose): analytic = factor * numeric.
    message
        one or two sentences for the user, with the numbers behind the verdict and the likely cause.
    details
        the numbers, JSON-friendly: counts, fitted factors, indices of wrong rows, ...
    """

    pattern: str | None
    factor: float | None
    message: str
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "pattern": self.pattern,
            "factor": self.factor,
            "message": self.message,
            "details": dict(self.details),
        }


# --------------------------------------------------------------------------------------------------
# 1. Layers and the suspect.

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


def _sort_keys(layers: Sequence[str | None]) -> list[tuple[int, ...]]:
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
    keys = _sort_keys([layer_of(n) for n in names])
    order = sorted(range(len(names)), key=lambda i: keys[i])
    return [names[i] for i in order]


def _unnumbered_group(name: str) -> str:
    """The layer of a name without digits: what is left once its role is stripped
    (``W_out``/``b_out`` -> ``"out"``); ``""`` for a bare ``W``/``b``."""
    if name.endswith("']") and "['" in name:  # params['W_out'] -> W_out
        name = name[name.index("['") + 2 : -2]
    rest = _ROLE.sub("", name)
    return rest.strip("._[]'\" ")


@dataclass
class _Layer:
    label: str
    numbered: bool
    results: list[TensorResult]

    @property
    def failing(self) -> list[str]:
        return [r.name for r in self.results if r.status == FAIL]

    @property
    def passing(self) -> list[str]:
        return [r.name for r in self.results if r.status != FAIL]

    @property
    def fails(self) -> bool:
        return bool(self.failing)

    def title(self) -> str:
        return f"layer {self.label}" if self.numbered else f"layer '{self.label}'"


def _group_layers(results: Sequence[TensorResult]) -> list[_Layer]:
    """Group results into layers ordered from input to output."""
    layers = [r.layer if r.layer is not None else layer_of(r.name) for r in results]
    keys = _sort_keys(layers)
    order = sorted(range(len(results)), key=lambda i: keys[i])
    groups: dict[str, _Layer] = {}
    for i in order:
        r, layer = results[i], layers[i]
        if layer is not None:
            key, label, numbered = "#" + layer, layer, True
        else:
            rest = _unnumbered_group(r.name)
            key, label, numbered = "~" + rest, rest, False
        if key not in groups:
            groups[key] = _Layer(label, numbered, [])
        groups[key].results.append(r)
    out = list(groups.values())
    for g in out:
        if not g.numbered and not g.label:  # bare W, b: name the layer by its tensors
            g.label = "/".join(r.name for r in g.results)
    return out


def _and(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _verb(items: Sequence[Any], singular: str, plural: str) -> str:
    return singular if len(items) == 1 else plural


def _layers_phrase(layers: Sequence[_Layer]) -> str:
    """'layer 1', 'layers 1 and 2', or for unnumbered layers their titles."""
    if all(g.numbered for g in layers):
        word = "layer" if len(layers) == 1 else "layers"
        return f"{word} {_and([g.label for g in layers])}"
    return _and([g.title() for g in layers])


def suspect_layer(results: Sequence[TensorResult]) -> tuple[str | None, str | None]:
    """The failing layer nearest the output, and a sentence saying why it is the one to fix first.

    Layers come from each result's ``layer`` (when the adapter set it) or from the digits in its
    name; names without digits are grouped by what is left of the name once ``W``/``b``/``weight``
    /``bias`` is stripped, in the order given. Returns ``(None, None)`` when nothing fails.

    The reasoning the message spells out: backprop carries the error signal from the output toward
    the input, so a mistake in layer k's backward spoils layer k and every layer below it, while the
    layers above (computed before it) stay right. Passing layers above the suspect are therefore
    evidence that the mistake is not further up; failing layers below are expected and are not
    separate bugs unless a passing layer sits between them.
    """
    layers = _group_layers(results)
    failing = [i for i, g in enumerate(layers) if g.fails]
    if not failing:
        return None, None
    k = failing[-1]
    suspect = layers[k]
    above = layers[k + 1 :]
    below = layers[:k]
    who = suspect.title()
    Who = _capital(who)
    fails = suspect.failing
    above_names = [name for g in above for name in g.passing]

    if above_names:
        first = (
            f"{Who} is the suspect: {_and(fails)} {_verb(fails, 'fails', 'fail')} while "
            f"{_and(above_names)}, closer to the output, {_verb(above_names, 'passes', 'pass')}"
        )
    elif len(failing) == len(layers) and len(layers) > 1:
        first = (
            f"{Who} is the suspect: every layer fails, and {who} is the one nearest the output; "
            f"an error in the output layer's backward (often dZ = A - Y, the derivative of the "
            f"loss and the output activation) reaches every layer below it, so start there"
        )
    else:
        first = (
            f"{Who} is the suspect: {_and(fails)} {_verb(fails, 'fails', 'fail')}, and it is the "
            f"layer nearest the output"
        )

    sentences: list[str] = []
    failing_below = [g for g in below if g.fails]
    passing_below = [g for g in below if not g.fails]
    if not below:
        sentences.append(first + ".")
    elif not passing_below:
        # The textbook case: the error flows from the suspect all the way to the input.
        if not above_names and len(failing) == len(layers):
            sentences.append(first + ".")
        else:
            sentences.append(
                f"{first}; an error in {who}'s backward also spoils {_layers_phrase(below)}, "
                f"so fix {who} first."
            )
    elif not failing_below:
        sentences.append(first + ".")
        sentences.append(
            f"{_capital(_layers_phrase(below))} below {_verb(below, 'passes', 'pass')}, so the "
            f"error signal {who} hands down is right (a wrong delta would have spoiled "
            f"{'it' if len(below) == 1 else 'them'} too): the mistake is in the formula for "
            f"{_and(fails)} itself (a missing factor or a wrong operand)."
        )
    elif below[-1].fails:
        # Failing right under the suspect, but something further down passes: a wrong delta
        # would have reached it, so the story is not one error flowing down.
        sentences.append(first + ".")
        sentences.append(
            f"Of the layers below, {_layers_phrase(failing_below)} "
            f"{_verb(failing_below, 'fails', 'fail')} and {_layers_phrase(passing_below)} "
            f"{_verb(passing_below, 'passes', 'pass')}; a wrong delta from {who} would spoil every "
            f"layer below it, so the failing ones may hold mistakes of their own: fix {who} "
            f"first, then check again."
        )
    else:
        # A passing layer right under the suspect, a failure further down: a second mistake.
        top_fail = max(i for i, g in enumerate(below) if g.fails)
        between = below[top_fail + 1 :]
        sentences.append(first + ".")
        sentences.append(
            f"{_capital(_layers_phrase(failing_below))} {_verb(failing_below, 'fails', 'fail')} "
            f"too, but {_layers_phrase(between)} between {_verb(between, 'passes', 'pass')}, so "
            f"that is probably a separate mistake: fix {who} first, then check again."
        )

    if suspect.passing and suspect.failing:
        sentences.append(
            f"Within {who}, {_and(suspect.passing)} {_verb(suspect.passing, 'passes', 'pass')}, "
            f"which points at the formula for {_and(fails)} rather than at the layer's delta."
        )
    return suspect.label, " ".join(sentences)


# --------------------------------------------------------------------------------------------------
# 2. Mismatch patterns.


def _fmt(x: float) -> str:
    """A number for a message: 4 significant digits, more when needed to tell it from +-1
    (a factor of 1.00002 must not read as 1)."""
    if x == 0:
        return "0"
    if abs(x) >= 1e5 or abs(x) < 1e-3:
        return f"{x:.3g}"
    for digits in (4, 6, 8, 10):
        text = f"{x:.{digits}g}"
        if abs(float(text)) != 1.0 or abs(x) == 1.0:
            return text
    return text


def _index_text(index: Sequence[int]) -> str:
    return "[" + ", ".join(str(int(i)) for i in index) + "]"


def _explained(a: np.ndarray, n: np.ndarray, noise: np.ndarray, c: float) -> np.ndarray:
    """Which coordinates the hypothesis ``a = c * n`` explains within the noise (see the module
    docstring for why the slack grows with ``|c|``)."""
    return np.asarray(np.abs(a - c * n) <= FIT_SLACK * (1.0 + abs(c)) * noise)


@dataclass(frozen=True)
class _Fit:
    factor: float
    explained: np.ndarray  # bool per coordinate
    support: int  # explained coordinates where n stands clear of its noise
    relevant: np.ndarray  # bool: a or n stands clear of its noise (there is something to explain)

    @property
    def fraction(self) -> float:
        """Explained fraction of the relevant coordinates. Where both gradients are zero within
        the noise any factor fits, so counting them would let a sparse gradient fit anything."""
        total = int(self.relevant.sum())
        return float((self.explained & self.relevant).sum() / total) if total else 0.0

    @property
    def unexplained(self) -> int:
        return int((~self.explained).sum())


def _fit(a: np.ndarray, n: np.ndarray, noise: np.ndarray) -> _Fit | None:
    """Fit ``a = c * n`` robustly: the median ratio first (immune to a minority of wrong
    coordinates), then least squares over the coordinates it explains. ``None`` when the numeric
    gradient is nowhere clear of its noise (there is nothing to take a ratio of)."""
    informative = np.abs(n) > noise
    if not informative.any():
        return None
    c = float(np.median(a[informative] / n[informative]))
    for _ in range(2):
        inliers = _explained(a, n, noise, c) & informative
        if not inliers.any():
            break
        c = float(a[inliers] @ n[inliers] / (n[inliers] @ n[inliers]))
    explained = _explained(a, n, noise, c)
    relevant = informative | (np.abs(a) > noise)
    return _Fit(c, explained, int((explained & informative).sum()), relevant)


def _close(x: float, target: float) -> bool:
    return abs(x - target) <= FACTOR_MATCH_RTOL * abs(target)


def _factor_hints(c: float, batch_size: int | None) -> tuple[list[str], list[str]]:
    """Named explanations of a constant factor ``c`` (its sign aside): (kinds, sentences)."""
    size = abs(c)
    kinds: list[str] = []
    hints: list[str] = []
    m = batch_size if batch_size is not None and batch_size > 1 else None
    if m is not None:
        if _close(size, m):
            kinds.append("missing_mean")
            hints.append(
                f"{_fmt(size)} is the batch size m = {m}: the 1/m of the mean is missing from this "
                f"gradient (e.g. dW = dZ @ A_prev.T without / m)"
            )
        if _close(size, 1.0 / m):
            kinds.append("mean_twice")
            hints.append(
                f"{_fmt(size)} is 1/m for the batch size m = {m}: the gradient is averaged twice "
                f"(dZ already holds the 1/m, and dW divides by m again)"
            )
        if m > 2 and _close(size, m / (m - 1)):
            kinds.append("m_minus_1")
            hints.append(
                f"{_fmt(size)} is m/(m-1) for m = {m}: the gradient divides by m - 1, not m"
            )
    if _close(size, 2.0):
        kinds.append("two")
        hints.append(
            "a stray factor of two: the 2 of d(x^2)/dx kept although the loss has a 1/2, or a "
            "term counted twice"
        )
    if _close(size, 0.5):
        kinds.append("half")
        hints.append(
            "a stray factor of 1/2: a 1/2 left in the gradient although the loss has none, or the "
            "2 of d(x^2)/dx dropped"
        )
    if not kinds and m is None and size >= 3:
        k = round(size)
        if _close(size, k):
            kinds.append("whole_number")
            hints.append(
                f"{k} is a whole number: if the batch holds {k} examples, the 1/m of the mean is "
                f"missing"
            )
    if not kinds and m is None and 0 < size <= 1 / 3:
        k = round(1 / size)
        if _close(1 / size, k):
            kinds.append("reciprocal")
            hints.append(
                f"{_fmt(size)} is 1/{k}: if the batch holds {k} examples, the gradient is "
                f"averaged twice"
            )
    return kinds, hints


@dataclass(frozen=True)
class _Evidence:
    """The numbers one classification works on (all flat, float64, aligned)."""

    analytic: np.ndarray
    numeric: np.ndarray
    noise: np.ndarray
    flat_index: np.ndarray
    shape: tuple[int, ...]
    batch_size: int | None
    bad: np.ndarray
    values: np.ndarray | None = None

    @property
    def size(self) -> int:
        return int(math.prod(self.shape))

    @property
    def full(self) -> bool:
        return self.flat_index.size == self.size and np.unique(self.flat_index).size == self.size

    def coords(self) -> tuple[np.ndarray, ...]:
        if not self.shape:
            return ()
        return tuple(np.asarray(c) for c in np.unravel_index(self.flat_index, self.shape))

    def index(self, k: int) -> tuple[int, ...]:
        if not self.shape:
            return ()
        return tuple(int(i) for i in np.unravel_index(int(self.flat_index[k]), self.shape))

    def base_details(self) -> dict[str, Any]:
        return {
            "checked": int(self.analytic.size),
            "disagree": int(self.bad.sum()),
            "full_coverage": self.full,
        }

    def coverage_text(self) -> str:
        k = int(self.analytic.size)
        return f"every one of the {k} coordinates" if self.full else f"all {k} sampled coordinates"


def _noise_bound(a: np.ndarray, n: np.ndarray, tolerance: np.ndarray | float | None) -> np.ndarray:
    scale = max(float(np.max(np.abs(n), initial=0.0)), float(np.max(np.abs(a), initial=0.0)))
    if tolerance is None:
        noise = DEFAULT_RTOL * np.maximum(np.abs(a), np.abs(n)) + DEFAULT_ATOL_FRACTION * scale
    else:
        t = np.abs(np.asarray(tolerance, dtype=np.float64))
        if t.size not in (1, a.size):
            raise ValueError(
                f"tolerance has {t.size} values for {a.size} checked coordinates; give one bound "
                f"per coordinate or a single number"
            )
        noise = np.broadcast_to(t.ravel() if t.size == a.size else t.reshape(()), a.shape)
        noise = np.where(np.isfinite(noise), noise, 0.0)
    return np.asarray(np.maximum(noise, TOLERANCE_FLOOR * scale + _TINY), dtype=np.float64)


def classify(
    analytic: np.ndarray,
    numeric: np.ndarray,
    *,
    shape: tuple[int, ...],
    flat_index: np.ndarray | None = None,
    tolerance: np.ndarray | float | None = None,
    batch_size: int | None = None,
    values: np.ndarray | None = None,
    rtol: float | None = None,
) -> Diagnosis:
    """Name the pattern of the disagreement between ``analytic`` and ``numeric`` gradients.

    analytic, numeric
        the two gradients at the checked coordinates: flat arrays of the same length, aligned with
        ``flat_index`` (C-order indices into a tensor of ``shape``). ``flat_index=None`` means every
        coordinate, in C order.
    tolerance
        the per-coordinate bound on the numeric gradient's own error (truncation + round-off) that
        the engine estimated (aligned with ``analytic``, or for the whole tensor), or one number;
        differences below it are noise. ``None`` uses
        :data:`DEFAULT_RTOL` relative plus :data:`DEFAULT_ATOL_FRACTION` of the largest entry.
    batch_size
        the number of examples, when known: lets a factor of m or 1/m be named as such.
    rtol
        optional relative floor under the noise bound: a coordinate whose difference is below
        ``rtol * (|a| + |n|)`` agrees. Pass the engine's own "pass" threshold so that what the
        verdict calls agreement (truncation error included) is agreement here too.
    values
        optional: the parameter's own values at the checked coordinates (aligned like
        ``analytic``). With them, a difference proportional to the parameter is recognised as an L2
        term present on one side only (``regularization``).

    Hypotheses are tried in this order, the first that the numbers support wins: agreement (every
    coordinate within the noise, pattern None), a borderline disagreement (within the fit slack:
    pattern None, probably noise), ``zero``, ``scale``/``sign``, ``regularization``,
    ``transpose``, ``shift``, ``row``/``column``/``slice``, ``partial``; otherwise pattern None
    with a description.
    """
    a = np.asarray(analytic, dtype=np.float64).ravel()
    n = np.asarray(numeric, dtype=np.float64).ravel()
    shape = tuple(int(s) for s in shape)
    if a.size != n.size:
        raise ValueError(f"analytic has {a.size} values but numeric has {n.size}")
    if flat_index is None:
        if a.size != math.prod(shape):
            raise ValueError(
                f"{a.size} values given for a tensor of shape {shape} and no flat_index"
            )
        idx = np.arange(a.size, dtype=np.int64)
    else:
        idx = np.asarray(flat_index, dtype=np.int64).ravel()
        if idx.size != a.size:
            raise ValueError(f"flat_index has {idx.size} entries for {a.size} values")
        if idx.size and (idx.min() < 0 or idx.max() >= math.prod(shape)):
            raise ValueError(f"flat_index points outside a tensor of shape {shape}")
    w: np.ndarray | None = None
    if values is not None:
        w = np.asarray(values, dtype=np.float64).ravel()
        if w.size != a.size:
            raise ValueError(f"values has {w.size} entries for {a.size} checked coordinates")

    if a.size == 0:
        return Diagnosis(
            None,
            None,
            "No coordinate was checked, so there is nothing to diagnose.",
            {"checked": 0, "disagree": 0},
        )
    finite = np.isfinite(a) & np.isfinite(n)
    if not finite.all():
        bad_a = int((~np.isfinite(a)).sum())
        bad_n = int((~np.isfinite(n)).sum())
        parts = []
        if bad_a:
            parts.append(f"{bad_a} analytic value{'s' if bad_a != 1 else ''}")
        if bad_n:
            parts.append(f"{bad_n} numeric value{'s' if bad_n != 1 else ''}")
        return Diagnosis(
            None,
            None,
            f"{_and(parts)} {'is' if bad_a + bad_n == 1 else 'are'} NaN or Inf, so no pattern "
            f"can be fitted; find where the non-finite value comes from first.",
            {"checked": int(a.size), "nonfinite_analytic": bad_a, "nonfinite_numeric": bad_n},
        )

    if tolerance is not None and np.ndim(tolerance) > 0:
        t = np.asarray(tolerance, dtype=np.float64)
        if t.size == math.prod(shape) and t.size != a.size:
            tolerance = t.ravel()[idx]  # a bound for the whole tensor: take the checked ones
    noise = _noise_bound(a, n, tolerance)
    if rtol is not None:
        noise = np.maximum(noise, rtol * (np.abs(a) + np.abs(n)))
    bad = np.abs(a - n) > noise
    ev = _Evidence(a, n, noise, idx, shape, batch_size, bad, w)

    if not bad.any():
        return Diagnosis(
            None,
            None,
            f"The analytic and numeric gradients agree within the numerical noise at "
            f"{ev.coverage_text()}.",
            ev.base_details(),
        )
    if _explained(a, n, noise, 1.0).all():
        k = int(np.argmax(np.abs(a - n) / noise))
        return Diagnosis(
            None,
            None,
            f"The disagreement is borderline: {int(bad.sum())} of {a.size} coordinates exceed the "
            f"estimated noise, none by more than {_fmt(2 * FIT_SLACK)} times it (worst at "
            f"{_index_text(ev.index(k))}). That looks like round-off or truncation rather than a "
            f"mistake; confirm with another step size before hunting for a bug.",
            {**ev.base_details(), "borderline": True},
        )

    rules: tuple[Callable[[_Evidence], Diagnosis | None], ...] = (
        _zero,
        _scale,
        _regularization,
        _transpose,
        _shift,
        _slices,
        _partial,
    )
    for rule in rules:
        found = rule(ev)
        if found is not None:
            return found
    return _no_pattern(ev)


def _zero(ev: _Evidence) -> Diagnosis | None:
    a, n, noise = ev.analytic, ev.numeric, ev.noise
    if not (np.abs(a) <= noise).all() or not (np.abs(n) > noise).any():
        return None
    k = int(np.argmax(np.abs(n)))
    exact = bool((a == 0).all())
    size_note = (
        "exactly zero"
        if exact
        else f"zero to within the noise (largest |analytic| {_fmt(float(np.abs(a).max()))})"
    )
    return Diagnosis(
        "zero",
        None,
        f"The analytic gradient is {size_note} at {ev.coverage_text()}, while the numeric one is "
        f"not (largest |numeric| {_fmt(abs(float(n[k])))} at {_index_text(ev.index(k))}): the "
        f"gradient was never written back. It still holds the zeros it started with, or the result "
        f"went to another variable or key (a typo such as dw2 for dW2, or a local that shadows "
        f"the stored array).",
        {**ev.base_details(), "exact_zero": exact, "max_abs_numeric": abs(float(n[k]))},
    )


def _scale(ev: _Evidence) -> Diagnosis | None:
    a, n, noise = ev.analytic, ev.numeric, ev.noise
    fit = _fit(a, n, noise)
    if fit is None:
        return None
    c = fit.factor
    kinds, hints = _factor_hints(c, ev.batch_size)
    named = bool(kinds) or _close(c, -1.0)
    if fit.fraction < (NAMED_MIN_EXPLAINED if named else MIN_EXPLAINED):
        return None
    identity_unexplained = int((~_explained(a, n, noise, 1.0)).sum())
    if identity_unexplained == 0 or fit.unexplained * MIN_IMPROVEMENT > identity_unexplained:
        return None
    if fit.support < MIN_SUPPORT and not named:
        return None
    details = {
        **ev.base_details(),
        "factor": c,
        "explained": int(fit.explained.sum()),
        "support": fit.support,
        "hints": kinds,
    }
    where = (
        f"at {ev.coverage_text()}"
        if fit.unexplained == 0
        else f"at {int(fit.explained.sum())} of {a.size} coordinates (the other "
        f"{fit.unexplained} deviate further, perhaps at kinks)"
    )
    if _close(c, -1.0):
        return Diagnosis(
            "sign",
            c,
            f"The analytic gradient is the numeric one with its sign flipped (factor {_fmt(c)}) "
            f"{where}: a minus sign is lost or doubled, e.g. dZ = Y - A instead of A - Y, a "
            f"subtracted term added, or the update's minus folded into the gradient.",
            {**details, "hints": ["sign"]},
        )
    if not kinds:
        hints.append(
            f"a constant factor of {_fmt(abs(c))} that has no common name: look for a constant in "
            f"this gradient's formula (a mis-sized 1/m, a scale in the loss the gradient leaves "
            f"out, a learning rate folded in)"
        )
    cause = _capital("; or ".join(hints))
    if c < 0:
        cause = (
            "The sign is flipped (dZ = Y - A instead of A - Y, or a subtracted term added), and "
            + cause[:1].lower()
            + cause[1:]
        )
    return Diagnosis(
        "scale",
        c,
        f"The analytic gradient is {_fmt(c)} times the numeric one {where} (least-squares "
        f"factor, {fit.support} coordinates clear of the noise). {cause}.",
        details,
    )


def _regularization(ev: _Evidence) -> Diagnosis | None:
    """``a - n = k * W``: an L2 term on one side only.

    The gradient of (lambda / 2m) * sum(W**2) is (lambda / m) * W, so when the loss and the backward
    disagree about that term, the difference is proportional to the parameter itself. The fit runs
    on the difference, whose noise is the numeric gradient's (``W`` is exact)."""
    w = ev.values
    if w is None or not np.isfinite(w).all():
        return None
    a, n, noise = ev.analytic, ev.numeric, ev.noise
    d = a - n
    usable = (np.abs(w) > 0) & ev.bad
    if int(usable.sum()) < MIN_SUPPORT:
        return None
    k = float(np.median(d[usable] / w[usable]))
    bound = 2 * FIT_SLACK * noise  # the slack of "a = 1 * n", so the two hypotheses compare fairly
    for _ in range(2):
        inliers = (np.abs(d - k * w) <= bound) & (np.abs(w) > 0)
        if not inliers.any():
            break
        k = float(d[inliers] @ w[inliers] / (w[inliers] @ w[inliers]))
    explained = np.abs(d - k * w) <= bound
    support = int((explained & (np.abs(k * w) > noise)).sum())
    unexplained = int((~explained).sum())
    identity_unexplained = int((~_explained(a, n, noise, 1.0)).sum())
    relevant = (np.abs(a) > noise) | (np.abs(n) > noise)
    if (
        (explained & relevant).sum() < MIN_EXPLAINED * relevant.sum()
        or support < MIN_SUPPORT
        or unexplained * MIN_IMPROVEMENT > identity_unexplained
    ):
        return None
    m = ev.batch_size
    lam = f" (lambda = {_fmt(abs(k) * m)} with m = {m})" if m else ""
    if k < 0:
        text = (
            f"The numeric gradient exceeds the analytic one by {_fmt(-k)} times the parameter "
            f"itself at {ev.coverage_text()}: the loss has an L2 penalty whose gradient, "
            f"(lambda/m) * W = {_fmt(-k)} * W{lam}, is missing from the backward (or only part "
            f"of it is there, e.g. lambda/(2m) where lambda/m belongs)."
        )
    else:
        text = (
            f"The analytic gradient exceeds the numeric one by {_fmt(k)} times the parameter "
            f"itself at {ev.coverage_text()}: the backward adds an L2 term, {_fmt(k)} * W{lam}, "
            f"that the loss does not contain. Add (lambda/2m) * sum(W**2) to the cost, or drop "
            f"the term from the gradient."
        )
    return Diagnosis(
        "regularization",
        None,
        text,
        {**ev.base_details(), "coefficient": k, "support": support},
    )


@dataclass(frozen=True)
class _Mapped:
    """The analytic value at each paired coordinate against the numeric value of its partner."""

    positions: np.ndarray  # positions (into the checked arrays) of coordinates with a partner
    fit: _Fit
    identity_unexplained: int
    discriminating: int


def _mapped_fit(ev: _Evidence, partner: np.ndarray) -> _Mapped | None:
    """Fit ``a[k] = c * n[partner(k)]`` over the coordinates whose partner was also checked.

    ``partner`` holds, for every checked coordinate, the flat index of its partner or -1."""
    order = np.argsort(ev.flat_index, kind="stable")
    sorted_idx = ev.flat_index[order]
    pos = np.clip(np.searchsorted(sorted_idx, partner), 0, max(sorted_idx.size - 1, 0))
    found = (partner >= 0) & (sorted_idx[pos] == partner)
    k = np.nonzero(found)[0]
    if k.size == 0:
        return None
    j = order[pos[found]]
    a, n, noise = ev.analytic, ev.numeric, ev.noise
    pair_noise = np.maximum(noise[k], noise[j])
    # Pairs where the swap changes the numeric value by more than the noise: only those can tell
    # the hypothesis apart from "a = n".
    discriminating = int((np.abs(n[k] - n[j]) > noise[k] + noise[j]).sum())
    needed = MIN_MAPPED_FULL if ev.full else MIN_MAPPED_SAMPLED
    if discriminating < needed:
        return None
    fit = _fit(a[k], n[j], pair_noise)
    if fit is None:
        return None
    identity = int((~_explained(a[k], n[k], noise[k], 1.0)).sum())
    return _Mapped(k, fit, identity, discriminating)


def _mapped_wins(m: _Mapped) -> bool:
    return (
        m.fit.fraction >= MIN_EXPLAINED
        and m.identity_unexplained > 0
        and m.fit.unexplained * MIN_IMPROVEMENT <= m.identity_unexplained
    )


def _transpose(ev: _Evidence) -> Diagnosis | None:
    if len(ev.shape) != 2 or ev.shape[0] != ev.shape[1] or ev.shape[0] < 2:
        return None
    rows, cols = ev.coords()
    partner = cols * ev.shape[1] + rows
    m = _mapped_fit(ev, partner)
    if m is None or not _mapped_wins(m):
        return None
    c = m.fit.factor
    scaled = not _close(c, 1.0)
    pairs = int(m.positions.size)
    fitted = int(m.fit.explained.sum())
    basis = (
        f"{fitted} of the {pairs} entries fit"
        if ev.full
        else f"{fitted} of the {pairs} sampled entries whose mirror was also checked fit"
    )
    extra, after = "", ""
    kinds: list[str] = []
    if scaled:
        kinds, hints = _factor_hints(c, ev.batch_size)
        extra = f", times {_fmt(c)}"
        after = f" As for the factor: {'; or '.join(hints)}." if hints else ""
    return Diagnosis(
        "transpose",
        c if scaled else None,
        f"The analytic gradient is the numeric one transposed{extra}: entry [i, j] holds the value "
        f"of [j, i] ({basis}, {m.discriminating} of them off the diagonal, where a transpose "
        f"shows). "
        f"The operands of the product are swapped or a .T is missing or extra, e.g. "
        f"A_prev @ dZ.T where dZ @ A_prev.T belongs; a square matrix hides this from the shape "
        f"check.{after}",
        {
            **ev.base_details(),
            "pairs": pairs,
            "discriminating": m.discriminating,
            "factor": c,
            "hints": kinds,
        },
    )


def _shift(ev: _Evidence) -> Diagnosis | None:
    if len(ev.shape) not in (1, 2):
        return None
    coords = ev.coords()
    best: tuple[int, int, _Mapped] | None = None
    for axis in range(len(ev.shape)):
        length = ev.shape[axis]
        if length < 3:
            continue
        for step in (1, -1):
            moved = coords[axis] + step
            inside = (moved >= 0) & (moved < length)
            moved_coords = list(coords)
            moved_coords[axis] = np.where(inside, moved, 0)
            partner = np.where(
                inside, np.ravel_multi_index(tuple(moved_coords), ev.shape), -1
            ).astype(np.int64)
            m = _mapped_fit(ev, partner)
            if m is None or not _mapped_wins(m) or not _close(m.fit.factor, 1.0):
                continue
            if m.positions.size < SHIFT_MIN_COVERAGE * ev.analytic.size:
                continue
            if best is None or m.fit.unexplained < best[2].fit.unexplained:
                best = (axis, step, m)
    if best is None:
        return None
    axis, step, m = best
    unit = "element" if len(ev.shape) == 1 else ("row" if axis == 0 else "column")
    sign = "+" if step > 0 else "-"
    return Diagnosis(
        "shift",
        None,
        f"Each {unit} i of the analytic gradient holds the numeric gradient of {unit} i {sign} 1 "
        f"({m.positions.size} coordinates fit): an index off by one, so every {unit} is written "
        f"one place over (e.g. dW[i - 1] = ... or a loop that reads [i + 1]).",
        {**ev.base_details(), "axis": axis, "step": step, "pairs": int(m.positions.size)},
    )


def _describe_subset(
    a: np.ndarray, n: np.ndarray, noise: np.ndarray, batch_size: int | None
) -> str:
    """What the analytic values look like on a subset that disagrees."""
    if (np.abs(a) <= noise).all():
        return "the analytic gradient is zero there (never written)"
    if (np.abs(n) <= noise).all():
        return (
            "the numeric gradient is zero there but the analytic one is not (an inactive unit, "
            "e.g. a dead ReLU or a mask, whose derivative the backward did not apply)"
        )
    fit = _fit(a, n, noise)
    if fit is not None and fit.fraction >= MIN_EXPLAINED:
        c = fit.factor
        if _close(c, -1.0):
            return "the sign is flipped there"
        _, hints = _factor_hints(c, batch_size)
        return f"the analytic gradient is {_fmt(c)} times the numeric one there" + (
            f" ({hints[0]})" if hints else ""
        )
    gap = a - n
    offset = float(np.median(gap))
    if (np.abs(gap - offset) <= FIT_SLACK * noise).all():
        return f"the analytic gradient is the numeric one plus a constant {_fmt(offset)} there"
    corr = _cosine(a, n)
    if corr is not None and corr > 0.9:
        return (
            f"the values there follow the numeric ones in direction but not in size "
            f"(cosine {_fmt(corr)})"
        )
    return "the values there do not follow the numeric ones"


def _slices(ev: _Evidence) -> Diagnosis | None:
    """Rows or columns (slices along one axis) that alone are wrong."""
    if not ev.shape:
        return None
    coords = ev.coords()
    total_bad = int(ev.bad.sum())
    candidates: list[tuple[float, int, int, np.ndarray]] = []
    for axis, length in enumerate(ev.shape):
        if length < 2:
            continue
        ids = coords[axis]
        checked = np.bincount(ids, minlength=length)
        bad = np.bincount(ids[ev.bad], minlength=length)
        wrong = (bad > 0) & (bad >= SLICE_BAD_FRACTION * checked)
        count = int(wrong.sum())
        if count == 0 or count > max(1, int(SLICE_MAX_FRACTION * length)):
            continue
        if total_bad - int(bad[wrong].sum()) > STRAY_FRACTION * total_bad:
            continue
        # Each wrong slice must have been seen at more than one point (unless slices are single
        # points, as in a bias), and some slice must be seen to be right.
        slice_size = ev.size // length
        if (checked[wrong] < min(2, slice_size)).any():
            continue
        if not ((checked > 0) & ~wrong).any():
            continue
        score = float(bad[wrong].sum() / checked[wrong].sum())
        candidates.append((score, -count, axis, np.nonzero(wrong)[0]))
    if not candidates:
        return None
    score, _, axis, wrong_ids = max(candidates, key=lambda c: (c[0], c[1], -c[2]))
    ndim = len(ev.shape)
    length = ev.shape[axis]
    if ndim == 1:
        pattern, unit, units = "row", "element", "elements"
    elif ndim == 2:
        pattern = unit = "row" if axis == 0 else "column"
        units = unit + "s"
    else:
        pattern, unit, units = "slice", f"slice along axis {axis}", f"slices along axis {axis}"
    in_wrong = np.isin(coords[axis], wrong_ids)
    sub = _describe_subset(
        ev.analytic[in_wrong], ev.numeric[in_wrong], ev.noise[in_wrong], ev.batch_size
    )
    one = wrong_ids.size == 1
    seen = np.bincount(coords[axis], minlength=length) > 0
    good = int((seen & ~np.isin(np.arange(length), wrong_ids)).sum())
    text = (
        f"Only {unit if one else units} {_and([str(int(i)) for i in wrong_ids])} of {length} "
        f"{'disagrees' if one else 'disagree'} ({int(ev.bad[in_wrong].sum())} of "
        f"{int(in_wrong.sum())} checked coordinates there; the other {good} checked "
        f"{unit if good == 1 else units} agree): {sub}."
    )
    hint_kinds: list[str] = []
    if {int(i) for i in wrong_ids} <= {0, length - 1}:
        hint_kinds.append("off_by_one")
        which = _and(
            [
                ("the first" if int(i) == 0 else "the last") + f" {unit} ({int(i)})"
                for i in wrong_ids
            ]
        )
        text += (
            f" {'It is' if one else 'They are'} {which}, exactly what an off-by-one loop leaves "
            f"behind: range(1, n) skips index 0 and range(n - 1) skips index n - 1."
        )
    elif one:
        hint_kinds.append("one_unit")
        text += (
            f" One {unit} alone is wrong: look for code that treats that index specially (a "
            f"wrong index in a loop, a special case, a mask or a duplicate index)."
        )
    else:
        text += (
            f" A few {units} alone are wrong: look for what those indices share (a duplicate "
            f"index whose contributions were assigned rather than added, as dE[idx] = g does "
            f"where np.add.at(dE, idx, g) belongs, or a mask)."
        )
    return Diagnosis(
        pattern,
        None,
        text,
        {
            **ev.base_details(),
            "axis": axis,
            "indices": [int(i) for i in wrong_ids],
            "bad_fraction_in_slices": score,
            "hints": hint_kinds,
        },
    )


def _partial(ev: _Evidence) -> Diagnosis | None:
    """A subset (a masked region, a block, a group sharing a factor) that alone is wrong."""
    a, n, noise, bad = ev.analytic, ev.numeric, ev.noise, ev.bad
    nbad = int(bad.sum())
    if nbad < PARTIAL_MIN_COORDS or nbad == a.size:
        return None
    base = {**ev.base_details()}
    share_text = f"{nbad} of {a.size} checked coordinates disagree and the rest agree"
    a_zero = (np.abs(a[bad]) <= noise[bad]).mean()
    if a_zero >= PARTIAL_RULE_FRACTION:
        return Diagnosis(
            "partial",
            None,
            f"{share_text}; where they disagree the analytic gradient is zero and the numeric one "
            f"is not: part of the gradient was never written, or a mask (ReLU, dropout, "
            f"np.where) zeroes coordinates that do affect the loss.",
            {**base, "rule": "analytic_zero"},
        )
    n_zero = (np.abs(n[bad]) <= noise[bad]).mean()
    if n_zero >= PARTIAL_RULE_FRACTION:
        return Diagnosis(
            "partial",
            None,
            f"{share_text}; where they disagree the numeric gradient is zero (those coordinates do "
            f"not affect the loss) but the analytic one is not: the backward misses a mask the "
            f"forward applies (a ReLU's derivative, a dropout or pruning mask, a clipped region).",
            {**base, "rule": "numeric_zero"},
        )
    if ev.shape:
        coords = ev.coords()
        lo = [int(c[bad].min()) for c in coords]
        hi = [int(c[bad].max()) for c in coords]
        in_box = np.ones(a.size, dtype=bool)
        for axis_coords, low, high in zip(coords, lo, hi, strict=True):
            in_box &= (axis_coords >= low) & (axis_coords <= high)
        box_fraction = float(bad[in_box].mean())
        if box_fraction >= PARTIAL_RULE_FRACTION and in_box.sum() < PARTIAL_RULE_FRACTION * a.size:
            ranges = ", ".join(f"{low}..{high}" for low, high in zip(lo, hi, strict=True))
            sub = _describe_subset(a[bad], n[bad], noise[bad], ev.batch_size)
            return Diagnosis(
                "partial",
                None,
                f"{share_text}; they fill the block [{ranges}] and nothing outside it: {sub}. A "
                f"slice of the computation (a sub-matrix, one input block of a concatenation) has "
                f"the wrong gradient.",
                {
                    **base,
                    "rule": "block",
                    "block": [[low, high] for low, high in zip(lo, hi, strict=True)],
                },
            )
    fit = _fit(a[bad], n[bad], noise[bad])
    if fit is not None and fit.fraction >= PARTIAL_RULE_FRACTION and fit.support >= MIN_SUPPORT:
        c = fit.factor
        return Diagnosis(
            "partial",
            c,
            f"{share_text}; where they disagree the analytic gradient is {_fmt(c)} times the "
            f"numeric one: a factor applied to part of the computation only (a subset of examples "
            f"or units, a duplicate index counted once instead of twice).",
            {**base, "rule": "factor", "factor": c},
        )
    return None


def _cosine(a: np.ndarray, n: np.ndarray) -> float | None:
    """Cosine of the angle between two vectors; None when either is zero."""
    na, nn = float(np.linalg.norm(a)), float(np.linalg.norm(n))
    if na == 0 or nn == 0:
        return None
    return float(np.clip(a @ n / (na * nn), -1.0, 1.0))


def _no_pattern(ev: _Evidence) -> Diagnosis:
    """Say that no simple pattern fits, and what the numbers do show."""
    a, n, noise, bad = ev.analytic, ev.numeric, ev.noise, ev.bad
    nbad = int(bad.sum())
    details: dict[str, Any] = {**ev.base_details()}
    k = int(np.argmax(np.abs(a - n)))
    details["largest_gap"] = {
        "index": list(ev.index(k)),
        "analytic": float(a[k]),
        "numeric": float(n[k]),
    }
    if nbad == 1:
        return Diagnosis(
            None,
            None,
            f"Only coordinate {_index_text(ev.index(k))} disagrees (analytic {_fmt(float(a[k]))}, "
            f"numeric {_fmt(float(n[k]))}); the other {a.size - 1} agree. One wrong entry is rare "
            f"in vectorised code: if the loss has a kink there (ReLU at 0, a max, an abs), it is "
            f"probably that; otherwise look for code that writes that one entry.",
            details,
        )
    parts = [f"No simple pattern fits: {nbad} of {a.size} checked coordinates disagree"]
    if len(ev.shape) == 2 and min(ev.shape) > 1:
        rows, cols = ev.coords()
        r = int(np.unique(rows[bad]).size)
        c = int(np.unique(cols[bad]).size)
        parts[-1] += (
            f", spread over {r} of {int(np.unique(rows).size)} rows and {c} of "
            f"{int(np.unique(cols).size)} columns"
        )
    fit = _fit(a, n, noise)
    if fit is not None:
        details["best_factor"] = fit.factor
        details["best_factor_explains"] = int(fit.explained.sum())
        if _close(fit.factor, 1.0):
            parts.append("no constant factor explains them")
        else:
            parts.append(
                f"no single factor explains them (the best, {_fmt(fit.factor)}, leaves "
                f"{fit.unexplained} unexplained)"
            )
    else:
        j = int(np.argmax(np.abs(a)))
        return Diagnosis(
            None,
            None,
            f"The numeric gradient is zero within the noise at {ev.coverage_text()} while the "
            f"analytic one is not (largest |analytic| {_fmt(abs(float(a[j])))} at "
            f"{_index_text(ev.index(j))}): the loss does not change when this tensor moves, yet "
            f"the backward says it should. Most often the units are saturated or dead here (tanh "
            f"or sigmoid at +-1, a ReLU that never fires), so the true gradient vanishes, and the "
            f"backward uses a derivative that does not vanish with it (tanh(z) where "
            f"1 - tanh(z)**2 belongs, A where A * (1 - A) belongs). Otherwise the forward does "
            f"not use this tensor, or the backward differentiates a term the loss does not "
            f"contain (e.g. regularization).",
            {**details, "numeric_all_zero": True},
        )
    # Read the disagreeing coordinates only: the agreeing ones would make any mistake look
    # aligned with the truth.
    cos = _cosine(a[bad], n[bad]) if nbad >= MIN_SUPPORT else None
    if cos is not None:
        details["cosine"] = cos
        same_sign = float(np.mean(np.sign(a[bad]) == np.sign(n[bad])))
        details["same_sign_fraction"] = same_sign
        if cos >= ALIGNED or (cos >= ALIGNED / 2 and same_sign >= ALIGNED):
            reading = (
                "roughly the right direction with the wrong amounts, as a wrong derivative (of "
                "an activation, of the loss) or a wrong term produces"
            )
        elif cos <= -ALIGNED / 2 or same_sign <= 1 - ALIGNED:
            reading = "mostly the opposite direction: a sign error mixed with another mistake"
        else:
            reading = (
                "values largely unrelated to the true gradient: the gradient of another tensor or "
                "layer, a wrong cached variable, or several mistakes at once"
            )
        parts.append(
            f"where they disagree, the analytic and numeric vectors have cosine {_fmt(cos)} and "
            f"agree in sign at {round(100 * same_sign)}% of the coordinates, which reads as "
            f"{reading}"
        )
    parts.append(
        f"the largest gap is at {_index_text(ev.index(k))} (analytic {_fmt(float(a[k]))}, "
        f"numeric {_fmt(float(n[k]))})"
    )
    return Diagnosis(None, None, "; ".join(parts) + ".", details)


def shape_mismatch(
    param_shape: Sequence[int],
    grad_shape: Sequence[int],
    *,
    others: Mapping[str, Sequence[int]] | None = None,
) -> Diagnosis:
    """Read a gradient whose shape differs from its parameter's.

    The usual cause is a reduction over the wrong axis: a bias of shape (n, 1) sums dZ (n, m) over
    the examples, axis 1; summing over axis 0 gives one value per example, (m,) or (1, m). Other
    readings: the transposed shape, a dropped or added singleton axis, no reduction at all.
    ``details`` holds ``summed_axis`` (the axis that was probably reduced) and ``expected_axis``.

    others
        optional: the other parameters' names and shapes. When the gradient has the shape of
        another parameter, the message adds that it may be that parameter's gradient under the
        wrong key (an off-by-one layer index), and ``details["same_shape_as"]`` lists them.
    """
    p = tuple(int(s) for s in param_shape)
    g = tuple(int(s) for s in grad_shape)
    details: dict[str, Any] = {"param_shape": list(p), "grad_shape": list(g)}
    head = f"The gradient has shape {g} but the parameter has shape {p}"
    twins = [name for name, shape in (others or {}).items() if tuple(int(x) for x in shape) == g]
    if twins and p != g:
        details["same_shape_as"] = twins
    tail = (
        f" Note that {g} is the shape of {_and(twins)}: this may be "
        f"{'its gradient' if len(twins) == 1 else 'the gradient of one of them'}, stored under "
        f"the wrong key "
        f"(an off-by-one layer index such as grads['dW' + str(l + 1)])."
        if twins and p != g
        else ""
    )
    if p == g:
        return Diagnosis(
            None, None, f"The gradient and the parameter both have shape {p}.", details
        )
    p_size, g_size = math.prod(p), math.prod(g)
    p_core = [s for s in p if s != 1]
    g_core = [s for s in g if s != 1]

    def done(text: str, **extra: Any) -> Diagnosis:
        return Diagnosis("shape", None, f"{head}: {text}{tail}", {**details, **extra})

    if len(p) == 2 and p == g[::-1] and p[0] != p[1]:
        return done(
            "it looks transposed. Swap the operands of the product (dZ @ A_prev.T rather than "
            "A_prev @ dZ.T) or drop a stray .T.",
            reading="transposed",
        )
    if p_size == g_size and p_core == g_core:
        return done(
            "the same values with a singleton axis dropped or added. The reduction lost its "
            "axis: use keepdims=True (np.sum(dZ, axis=1, keepdims=True)) or reshape to the "
            "parameter's shape; otherwise the update broadcasts into a matrix.",
            reading="singleton_axis",
        )
    # A bias-like parameter: one axis of units (length > 1) and the rest singleton or absent.
    unit_axes = [i for i, s in enumerate(p) if s != 1]
    if len(unit_axes) == 1 and p_size > 1:
        units = p[unit_axes[0]]
        if len(p) == 2:
            expected = 1 - unit_axes[0]  # the singleton axis: where the examples were summed
            unit_axis = unit_axes[0]
        else:
            expected, unit_axis = None, None
        if g_size == 1:
            if len(g) == 1 and expected is not None:
                return done(
                    f"a single value, which is what summing over axis {unit_axis} gives for a "
                    f"batch of one: summed over axis {unit_axis} instead of axis {expected} (over "
                    f"the units, not the examples). Use np.sum(dZ, axis={expected}, "
                    f"keepdims=True).",
                    reading="wrong_axis",
                    summed_axis=unit_axis,
                    expected_axis=expected,
                )
            return done(
                f"a single number where the parameter needs {units}: the sum ran over every axis "
                f"(np.sum without axis=). Sum over the examples only"
                + (f" (axis={expected}, keepdims=True)." if expected is not None else "."),
                reading="summed_all",
                summed_axis="all",
                expected_axis=expected,
            )
        if len(g_core) == 1 and g_core[0] != units:
            batch = g_core[0]
            if expected is not None and unit_axis is not None:
                return done(
                    f"one value per example ({batch}) instead of one per unit ({units}): summed "
                    f"over axis {unit_axis} instead of axis {expected} (over the units, not the "
                    f"examples). Use np.sum(dZ, axis={expected}, keepdims=True).",
                    reading="wrong_axis",
                    summed_axis=unit_axis,
                    expected_axis=expected,
                    batch_size=batch,
                )
            return done(
                f"one value per example ({batch}) instead of one per unit ({units}): the sum ran "
                f"over the units axis instead of the examples axis.",
                reading="wrong_axis",
                batch_size=batch,
            )
        if len(g) == 2 and units in g and g_size > units:
            # Not reduced at all: the per-example matrix itself.
            axis = 1 - g.index(units)
            return done(
                f"the per-example values were never summed: reduce over axis {axis} (the "
                f"{g[axis]} examples), np.sum(dZ, axis={axis}"
                f"{', keepdims=True' if len(p) == 2 else ''}).",
                reading="not_summed",
                expected_axis=axis,
                batch_size=g[axis],
            )
    if g_size > p_size and len(g) == len(p) + 1 and (g[1:] == p or g[:-1] == p):
        axis = 0 if g[1:] == p else len(g) - 1
        return done(
            f"it has an extra axis {axis} of length {g[axis]}, most likely the examples: sum "
            f"over it.",
            reading="not_summed",
            expected_axis=axis,
        )
    if len(p) == len(g):
        differ = [i for i, (x, y) in enumerate(zip(p, g, strict=True)) if x != y]
        if len(differ) == 1:
            i = differ[0]
            return done(
                f"axis {i} has length {g[i]} instead of {p[i]}; the other axes match. Check which "
                f"operand of the product sets that axis.",
                reading="one_axis",
                axis=i,
            )
    return done(
        "no single transposition or reduction maps one onto the other; check the product that "
        "builds this gradient.",
        reading="unrelated",
    )


def missing(name: str, keys_on_offer: Sequence[str]) -> Diagnosis:
    """No gradient for parameter ``name``: say what was looked for and the closest keys on offer.

    Closeness is difflib's ratio on the names, case-insensitive, compared both with ``name`` and
    with ``"d" + name`` (the usual spelling of a gradient key).
    """
    offered = [str(k) for k in keys_on_offer]
    base = name
    if base.endswith("']") and "['" in base:
        base = base[base.index("['") + 2 : -2]
    wanted = [name] + ([base] if base != name else []) + ["d" + base]
    lowered = {k.lower(): k for k in offered}
    scores: dict[str, float] = {}
    for key in offered:
        scores[key] = max(
            difflib.SequenceMatcher(None, w.lower(), key.lower()).ratio() for w in wanted
        )
    close = [k for k in sorted(offered, key=lambda k: -scores[k]) if scores[k] >= 0.6][:3]
    case_only = [
        lowered[w.lower()] for w in wanted if w.lower() in lowered and lowered[w.lower()] != w
    ]
    looked = _and([repr(w) for w in wanted])
    if case_only:
        tail = (
            f"{case_only[0]!r} differs only in upper/lower case: rename it to {'d' + base!r} "
            f"(keys are case-sensitive)."
        )
    elif close:
        tail = f"the closest keys on offer are {_and([repr(k) for k in close])}."
    elif offered:
        shown = offered[:10]
        more = f" and {len(offered) - 10} more" if len(offered) > 10 else ""
        tail = f"none is close; the keys on offer are {_and([repr(k) for k in shown])}{more}."
    else:
        tail = "the gradients returned no keys at all."
    return Diagnosis(
        "missing",
        None,
        f"No gradient for {name}: looked for {looked}; {tail}",
        {"looked_for": wanted, "closest": case_only or close, "on_offer": offered},
    )


def borrowed(
    name: str,
    analytic: np.ndarray,
    numerics: Mapping[str, np.ndarray],
    *,
    tolerance: Mapping[str, np.ndarray | float] | float | None = None,
) -> Diagnosis | None:
    """Whether the analytic gradient of ``name`` is another tensor's numeric gradient.

    Course code indexes gradients by layer (``grads['dW' + str(l)]``) and an index off by one, or
    dW and db swapped, hands one tensor another's gradient; when the shapes agree, nothing else
    catches it. ``analytic`` is the full analytic gradient of ``name``; ``numerics`` maps tensor
    names (``name`` included, when known) to full numeric gradients, NaN where not checked;
    ``tolerance`` the per-tensor noise bounds (full arrays or numbers) or one number for all.

    Returns a ``swapped`` diagnosis naming the other tensor when, over the coordinates checked in
    both, at least :data:`MIN_EXPLAINED` of them match it within the noise, at least
    :data:`MIN_SUPPORT` of those stand clear of the noise, and the analytic gradient does not also
    match its own numeric one there. ``None`` otherwise.
    """
    a = np.asarray(analytic, dtype=np.float64)
    own = numerics.get(name)
    found: list[tuple[float, str, int]] = []
    for other, numeric in numerics.items():
        n = np.asarray(numeric, dtype=np.float64)
        if other == name or n.shape != a.shape:
            continue
        both = np.isfinite(a) & np.isfinite(n)
        if own is not None:
            both &= np.isfinite(np.asarray(own, dtype=np.float64))
        if int(both.sum()) < MIN_SUPPORT:
            continue
        t = tolerance.get(other) if isinstance(tolerance, Mapping) else tolerance
        if t is not None and np.ndim(t) > 0:
            t = np.broadcast_to(np.asarray(t, dtype=np.float64), a.shape)[both]
        noise = _noise_bound(a[both], n[both], t)
        fits = _explained(a[both], n[both], noise, 1.0)
        support = int((fits & (np.abs(n[both]) > noise)).sum())
        relevant = (np.abs(a[both]) > noise) | (np.abs(n[both]) > noise)
        share = float((fits & relevant).sum() / max(int(relevant.sum()), 1))
        if share < MIN_EXPLAINED or support < MIN_SUPPORT:
            continue
        if own is not None:
            o = np.asarray(own, dtype=np.float64)[both]
            if _explained(a[both], o, _noise_bound(a[both], o, None), 1.0).mean() >= MIN_EXPLAINED:
                continue  # it matches its own gradient as well: nothing to say
        found.append((share, other, int(both.sum())))
    if not found:
        return None
    _, other, checked = max(found)
    lo, hi = layer_of(name), layer_of(other)
    hint = ""
    if lo == hi:
        hint = " Two tensors of one layer are swapped (dW and db, or two keys mixed up)."
    elif lo is not None and hi is not None and lo.isdigit() and hi.isdigit():
        step = int(hi) - int(lo)
        if abs(step) == 1:
            hint = (
                f" The layer number is off by one (layer {hi}'s gradient went to layer {lo}), "
                f"as with grads['dW' + str(l {'-' if step > 0 else '+'} 1)] in the loop."
            )
    return Diagnosis(
        "swapped",
        None,
        f"The analytic gradient of {name} is the numeric gradient of {other} ({checked} "
        f"coordinates match within the noise): the gradients are stored under the wrong keys."
        f"{hint}",
        {"other": other, "checked": checked},
    )


# --------------------------------------------------------------------------------------------------
# 3. The heat-map grid.


def _block_edges(length: int, cells: int) -> np.ndarray:
    """Start offsets of ``min(length, cells)`` nearly equal blocks covering ``range(length)``."""
    cells = max(1, min(length, cells))
    return np.linspace(0, length, cells + 1).astype(np.int64)[:-1]


def grid_blocks(
    shape: Sequence[int], max_rows: int = GRID_MAX_ROWS, max_cols: int = GRID_MAX_COLS
) -> tuple[np.ndarray, np.ndarray]:
    """The first row and first column each grid cell covers, for a tensor of ``shape`` viewed as
    :func:`error_grid` views it (1-D as one row; N-D as ``shape[0]`` rows of the rest)."""
    rows, cols = _as_matrix_shape(tuple(int(s) for s in shape))
    return _block_edges(rows, max_rows), _block_edges(cols, max_cols)


def _as_matrix_shape(shape: tuple[int, ...]) -> tuple[int, int]:
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return 1, shape[0]
    return shape[0], int(math.prod(shape[1:]))


def error_grid(
    analytic_full: np.ndarray,
    numeric_full: np.ndarray,
    tolerance: np.ndarray | float | None,
    max_rows: int = GRID_MAX_ROWS,
    max_cols: int = GRID_MAX_COLS,
    *,
    rtol: float | None = None,
) -> np.ndarray:
    """A small 2-D grid of where the error sits, for the heat map.

    Each coordinate's discrepancy is the symmetric relative error ``|a - n| / (|a| + |n|)``, in
    [0, 1] (1 for a flipped sign or a zero where the other is not; 1/3 for a factor of two), and 0
    where ``|a - n|`` is within ``tolerance`` (the same noise bound :func:`classify` takes: full
    shape or one number; ``None`` uses the default; ``rtol`` as in :func:`classify`). NaN in
    either input marks a coordinate that was not checked; it stays NaN unless its block holds a
    checked coordinate.

    The tensor is viewed as a matrix (a 1-D tensor as a single row, an N-D one as ``shape[0]`` rows
    of everything else) and max-pooled into at most ``max_rows`` x ``max_cols`` nearly equal
    blocks: max-pooling, because one bad coordinate must stay visible however much it is shrunk.
    """
    a = np.asarray(analytic_full, dtype=np.float64)
    n = np.asarray(numeric_full, dtype=np.float64)
    if a.shape != n.shape:
        raise ValueError(f"analytic has shape {a.shape} but numeric has shape {n.shape}")
    rows, cols = _as_matrix_shape(a.shape)
    if a.size == 0:
        return np.full((min(rows, max_rows), min(cols, max_cols)), np.nan)
    checked = ~(np.isnan(a) | np.isnan(n))
    a0 = np.where(checked, a, 0.0).ravel()
    n0 = np.where(checked, n, 0.0).ravel()
    if tolerance is None:
        noise = _noise_bound(a0, n0, None)
    else:
        t = np.abs(np.asarray(tolerance, dtype=np.float64))
        if t.size == 1:
            noise = np.full(a0.size, float(t.reshape(())))
        elif t.size == a.size:
            noise = t.ravel()
        else:
            noise = np.broadcast_to(t, a.shape).ravel()
        noise = np.maximum(np.where(np.isfinite(noise), noise, 0.0), _TINY)
    if rtol is not None:
        noise = np.maximum(noise, rtol * (np.abs(a0) + np.abs(n0)))
    gap = np.abs(a0 - n0)
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = gap / (np.abs(a0) + np.abs(n0))
    # Inf on one side only (rel = NaN) is as wrong as it gets.
    rel = np.where(np.isfinite(rel), rel, 1.0)
    rel = np.where(gap <= noise, 0.0, np.clip(rel, 0.0, 1.0))
    rel = np.where(checked.ravel(), rel, np.nan).reshape(rows, cols)

    # Max-pool with reduceat; unchecked cells count as -1 so that any checked value wins, and a
    # block with nothing checked goes back to NaN.
    filled = np.where(np.isnan(rel), -1.0, rel)
    r_edges = _block_edges(rows, max_rows)
    c_edges = _block_edges(cols, max_cols)
    pooled = np.maximum.reduceat(np.maximum.reduceat(filled, r_edges, axis=0), c_edges, axis=1)
    return np.where(pooled < 0, np.nan, pooled)
