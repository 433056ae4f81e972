"""The result of checking several layers (a file's ``gradcheck_layers``): one :class:`Report` per
layer, in the file's order.

``to_dict()`` is the JSON of ``gradcheck check FILE --json`` for such a file::

    {"ok": bool, "failed": [layer names], "layers": [{"layer": name, "forward": str,
     "backward": str | null, ...that layer's report (INTERFACE.md section 4)...}],
     "source": str | null, "stats": {"layers": int, "loss_evaluations": int,
     "grad_evaluations": int, "seconds": float}}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gradcheck.report.result import Report

__all__ = ["LayerCheck", "LayerSuite"]


@dataclass(frozen=True)
class LayerCheck:
    """One layer's report, with the layer's name and its functions' names."""

    name: str
    report: Report
    forward: str | None = None
    backward: str | None = None

    @property
    def ok(self) -> bool:
        return self.report.ok

    def to_dict(self) -> dict[str, Any]:
        return {
            "layer": self.name,
            "forward": self.forward,
            "backward": self.backward,
            **self.report.to_dict(),
        }


@dataclass(frozen=True)
class LayerSuite:
    """Every layer checked. ``ok`` when every layer's report is ok."""

    layers: tuple[LayerCheck, ...]
    source: str | None = None

    @property
    def ok(self) -> bool:
        return all(layer.ok for layer in self.layers)

    @property
    def failed(self) -> tuple[LayerCheck, ...]:
        return tuple(layer for layer in self.layers if not layer.ok)

    @property
    def interrupted(self) -> bool:
        return any(layer.report.stats.interrupted for layer in self.layers)

    def layer(self, name: str) -> LayerCheck:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        stats = [layer.report.stats for layer in self.layers]
        return {
            "ok": self.ok,
            "failed": [layer.name for layer in self.failed],
            "layers": [layer.to_dict() for layer in self.layers],
            "source": self.source,
            "stats": {
                "layers": len(self.layers),
                "loss_evaluations": sum(s.loss_evaluations for s in stats),
                "grad_evaluations": sum(s.grad_evaluations for s in stats),
                "seconds": round(sum(s.seconds for s in stats), 6),
                "interrupted": self.interrupted,
            },
        }
