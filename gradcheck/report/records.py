"""The records a check and a watch share: a warning, where the first NaN/Inf came from, and a line of
the user's source.

Frozen, computed by the engine, the health readings and the tracer, read by the renderers; their
``to_dict()`` is the JSON of INTERFACE.md §4.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gradcheck.report.json_values import jsonable

__all__ = ["NonFinite", "ReportWarning", "SourceLine"]


@dataclass(frozen=True)
class ReportWarning:
    """Something worth knowing that is not a wrong gradient (initialisation, saturation, ...)."""

    kind: str
    where: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)
    #: The advice sentence(s) the message ends with, when it is one several warnings share; the
    #: renderers print it once per report. ``message`` always contains it too.
    fix: str | None = None
    #: The reading in a few plain words without the numbers ("all weights are >= 0, as
    #: np.random.rand draws them"): the renderers show it with the fix by default and ``message``
    #: under --verbose. ``None``: they show ``message``.
    summary: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"kind": self.kind, "where": self.where, "message": self.message}
        if self.fix is not None:
            d["fix"] = self.fix
        if self.summary is not None:
            d["summary"] = self.summary
        if self.details:
            d["details"] = jsonable(self.details)
        return d


@dataclass(frozen=True)
class SourceLine:
    """One statement of the user's code: where it is and its text (on one line)."""

    file: str
    line: int
    function: str
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "function": self.function, "text": self.text}


@dataclass(frozen=True)
class NonFinite:
    """Where the first NaN/Inf came from."""

    phase: str  # "loss", "grads", "perturbation", "params", ...
    file: str | None
    line: int | None
    function: str | None
    variable: str | None
    kind: str  # "divide", "overflow", "invalid", "input", "unknown"
    message: str
    source_line: str | None = None
    operands: tuple[dict[str, Any], ...] = ()
    cause: str | None = None
    fix: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "phase": self.phase,
            "file": self.file,
            "line": self.line,
            "function": self.function,
            "variable": self.variable,
            "kind": self.kind,
            "message": self.message,
            "source_line": self.source_line,
            "operands": [jsonable(o) for o in self.operands],
            "cause": self.cause,
            "fix": self.fix,
        }
