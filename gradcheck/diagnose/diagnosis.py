"""The record every diagnosis returns: a pattern name, a factor, a message and its numbers.

The diagnose room is pure functions over numbers the engine already has; NumPy only, nothing
printed. The engine calls them for failing tensors and copies the answers into
:class:`~gradcheck.report.result.TensorResult` (``pattern``, ``factor``, ``message``, ``details``) and
:class:`~gradcheck.report.result.Report` (``suspect_layer``, ``suspect_message``,
``suspect_summary``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Diagnosis:
    """What a disagreement looks like.

    pattern
        ``None`` (no simple pattern fits, or nothing disagrees) or one of ``"scale"``, ``"sign"``,
        ``"regularization"``, ``"transpose"``, ``"shift"``, ``"zero"``, ``"row"``, ``"column"``,
        ``"slice"``, ``"partial"`` (from :func:`~gradcheck.diagnose.patterns.classify`),
        ``"shape"`` (:func:`~gradcheck.diagnose.shape.shape_mismatch`), ``"missing"``
        (:func:`~gradcheck.diagnose.keys.missing`), ``"swapped"``
        (:func:`~gradcheck.diagnose.keys.borrowed`), ``"overwrite"``
        (:func:`~gradcheck.diagnose.overwrite.overwrite`: ``=`` where ``+=`` belongs).
    factor
        for ``scale``/``sign`` (and a scaled transpose): analytic = factor * numeric; for a
        ``regularization`` fitted as data and L2 terms apart, the data term's factor.
    message
        one or two sentences for the user, with the numbers behind the verdict and the likely cause.
    details
        the numbers, JSON-friendly: counts, fitted factors, indices of wrong rows, ...
    summary
        the reading in one or two plain sentences a learner acts on (what the mistake looks like,
        named when the cause is at hand, and the fix), without the evidence: the renderers show it
        by default and ``message`` under ``--verbose``. ``None``: the renderers fall back to
        ``message``.
    """

    pattern: str | None
    factor: float | None
    message: str
    details: dict[str, Any] = field(default_factory=dict)
    summary: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "pattern": self.pattern,
            "factor": self.factor,
            "message": self.message,
            "details": dict(self.details),
            "summary": self.summary,
        }
