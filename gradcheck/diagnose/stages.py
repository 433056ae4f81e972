"""Which stage of the network each checked tensor belongs to, in which order, and which passes are
evidence: what :mod:`gradcheck.diagnose.suspect` reasons with.

A stage is a set of tensors whose gradients come from one error signal (one delta): ``W2`` and
``b2``; a layer's batch norm ``gamma2``/``beta2``, which sits after its affine part (the delta
above the normalisation, not the one below it); the hidden layer of an RNN (``Wxh``, ``Whh``,
``bh``). The order, input first, is read from the names only where they state it:

- layer numbers (``W1``, ``conv2.weight``, ``block2.conv1.weight``), with ``gamma``/``beta``/``bn``
  of the same number right after the affine part (CS231n's affine -> batch norm -> ReLU), and the
  roles ``in``/``input`` (first) and ``out``/``output`` (last) beside them;
- without any of those, RNN names of the form ``W{from}{to}``/``b{to}`` (``Wxh``, ``Whh``,
  ``Why``, ``bh``, ``by``): ``Why`` reads ``h``, so the output layer ``y`` comes after the hidden
  layer ``h``.

Every other name (``emb``, ``fc``, plain ``gamma``/``beta``) makes an unordered stage: the order the
user wrote the dict in is not evidence of where a tensor sits in the network.

A pass is evidence that its stage's delta is right only when the check could have seen a wrong
one: when the numeric gradient stands clear of the noise (``numeric_to_noise``, which the engine
records per tensor). A bias in front of batch norm has a true gradient of exactly 0; its pass is
"0 = 0" and says nothing about the delta.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from gradcheck.report.layers import layer_of, unnumbered_group
from gradcheck.report.result import FAIL, TensorResult

__all__ = ["Stage", "numeric_to_noise", "read_stages"]

# A pass is evidence when ||numeric|| exceeds this many times ||error bar||: then a gradient off by
# its own size (what a wrong delta gives) fails in every precision (fail/pass thresholds: 10 in
# float64, 5 in float32 and float16).
EVIDENCE_RATIO = 10.0

_BATCH_NORM = re.compile(r"gamma|beta|(^|[._\['\"])(bn|batch_?norm)\d*([._\]'\"]|$)", re.IGNORECASE)
_RNN_WEIGHT = re.compile(r"^[Ww]_?([a-z])_?([a-z])$")
_RNN_BIAS = re.compile(r"^b_?([a-z])$")
_FIRST, _LAST = ("in", "input"), ("out", "output")


def numeric_to_noise(numeric: np.ndarray, bound: np.ndarray) -> float:
    """||numeric|| / ||error bar|| over the checked coordinates: below ``EVIDENCE_RATIO`` the check
    cannot tell the tensor's true gradient from zero, so its pass is no evidence about its delta."""
    noise = float(np.linalg.norm(bound))
    signal = float(np.linalg.norm(numeric))
    if noise == 0.0:
        return 0.0 if signal == 0.0 else float(sys.float_info.max)
    return min(signal / noise, float(sys.float_info.max))


def is_evidence(r: TensorResult) -> bool:
    """A passing tensor whose gradient stands clear of the noise (unknown counts as evidence),
    and that was compared somewhere off a kink."""
    if r.status == FAIL or (r.checked and r.kinks >= r.checked and not r.directions):
        return False
    ratio = r.details.get("numeric_to_noise")
    return ratio is None or ratio >= EVIDENCE_RATIO


def is_blank(r: TensorResult) -> bool:
    """A passing tensor whose true gradient is about zero: it passes whatever its delta is."""
    ratio = r.details.get("numeric_to_noise")
    return r.status != FAIL and ratio is not None and ratio < EVIDENCE_RATIO


@dataclass
class Stage:
    """Tensors fed by one delta. ``rank`` orders stages input first; None when no name says."""

    label: str  # what ``suspect_layer`` reports: "2", "h", "in", "gamma/beta"
    title: str  # how a sentence names it: "layer 2", "batch norm 2", "the hidden layer"
    rank: tuple[tuple[int, ...], int] | None
    results: list[TensorResult]
    batch_norm: bool = False

    @property
    def failing(self) -> list[str]:
        return [r.name for r in self.results if r.status == FAIL]

    @property
    def evidence(self) -> list[str]:
        """The passes that show this stage's delta is right."""
        return [r.name for r in self.results if is_evidence(r)]

    @property
    def blank(self) -> list[str]:
        """The passes that show nothing: the true gradient is about zero."""
        return [r.name for r in self.results if is_blank(r)]

    @property
    def fails(self) -> bool:
        return bool(self.failing)

    @property
    def signature(self) -> frozenset[tuple[str, float | None]] | None:
        """How its failures look (pattern, factor to 3 digits); None when one has no pattern."""
        looks = []
        for r in self.results:
            if r.status != FAIL:
                continue
            if r.pattern is None:
                return None
            looks.append((r.pattern, None if r.factor is None else float(f"{r.factor:.3g}")))
        return frozenset(looks) or None

    @property
    def clean(self) -> bool:
        """Some tensor with a real gradient passes: the stage's delta is right."""
        return bool(self.evidence)


def read_stages(results: Sequence[TensorResult]) -> tuple[list[Stage], list[Stage]]:
    """The stages in order from input to output, and the stages no name places."""
    stages = _numbered(results)
    if not stages:
        stages = _recurrent(results)
    placed = {r.name for g in stages for r in g.results}
    unordered = _unordered([r for r in results if r.name not in placed])
    if not stages and len(unordered) == 1:  # one stage alone needs no order
        stages, unordered = unordered, []
    stages.sort(key=lambda g: g.rank or ((), 0))
    return stages, unordered


def _bare(name: str) -> str:
    if name.endswith("']") and "['" in name:  # params['Wxh'] -> Wxh
        return name[name.index("['") + 2 : -2]
    return name


def _numbered(results: Sequence[TensorResult]) -> list[Stage]:
    """Stages placed by a layer number, or by the roles in/out beside numbered ones."""
    groups: dict[tuple[tuple[int, ...], int], Stage] = {}
    for r in results:
        layer = r.layer if r.layer is not None else layer_of(r.name)
        role = unnumbered_group(r.name).lower()
        if layer is not None:
            bn = bool(_BATCH_NORM.search(_bare(r.name)))
            rank = (tuple(int(p) for p in layer.split(".")), 1 if bn else 0)
            label, title = layer, f"batch norm {layer}" if bn else f"layer {layer}"
        elif role in _FIRST + _LAST:
            bn = False
            rank = ((-1,) if role in _FIRST else (sys.maxsize,), 0)
            label = unnumbered_group(r.name)
            title = f"layer '{label}'"
        else:
            continue
        groups.setdefault(rank, Stage(label, title, rank, [], batch_norm=bn)).results.append(r)
    return list(groups.values())


def _recurrent(results: Sequence[TensorResult]) -> list[Stage]:
    """RNN stages from ``W{from}{to}``/``b{to}`` names, when they state a strict order."""
    edges: dict[str, set[str]] = {}  # destination -> sources
    members: dict[str, list[TensorResult]] = {}
    for r in results:
        m = _RNN_WEIGHT.match(_bare(r.name))
        if m:
            edges.setdefault(m[2], set()).add(m[1])
            members.setdefault(m[2], []).append(r)
    if sum(len(v) for v in members.values()) < 2:
        return []
    for r in results:
        m = _RNN_BIAS.match(_bare(r.name))
        if m and m[1] in members:
            members[m[1]].append(r)
    depth = _depths(edges)
    if depth is None or len(set(depth.values())) < len(depth):
        return []  # a cycle or two stages at the same depth: the names do not order them
    top = max(depth, key=lambda d: depth[d])
    stages = []
    for dest, rs in members.items():
        if dest == "h":
            title = "the hidden layer"
        elif dest == top and dest in "yo":
            title = "the output layer"
        else:
            title = f"layer '{dest}'"
        stages.append(Stage(dest, title, ((depth[dest],), 0), rs))
    return stages


def _depths(edges: dict[str, set[str]]) -> dict[str, int] | None:
    """Longest path from an input to each destination (self-loops ignored); None on a cycle."""
    depth: dict[str, int] = {}

    def visit(node: str, path: frozenset[str]) -> int | None:
        if node in path:
            return None
        if node not in edges:
            return 0
        if node in depth:
            return depth[node]
        best = 0
        for src in edges[node] - {node}:
            d = visit(src, path | {node})
            if d is None:
                return None
            best = max(best, d + 1)
        depth[node] = best
        return best

    for node in edges:
        if visit(node, frozenset()) is None:
            return None
    return depth


def _unordered(results: Sequence[TensorResult]) -> list[Stage]:
    """Stages by what is left of the name once its role is stripped; gamma/beta as one."""
    groups: dict[str, Stage] = {}
    for r in results:
        if _BATCH_NORM.search(_bare(r.name)) and not unnumbered_group(r.name):
            key, title, bn = "gamma/beta", "the batch norm", True
        else:
            key = unnumbered_group(r.name)
            title, bn = f"layer '{key}'", False
        groups.setdefault(key, Stage(key, title, None, [], batch_norm=bn)).results.append(r)
    for g in groups.values():
        if not g.label:  # bare W, b: name the stage by its tensors
            g.label = "/".join(r.name for r in g.results)
            g.title = f"layer '{g.label}'"
    return list(groups.values())
