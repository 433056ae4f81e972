"""Transitional: re-exports for modules not yet rewired to gradcheck.report. The lead removes this."""

from gradcheck.report.heatmap import HEAT_LEVELS, heatmap_plain, heatmap_renderable

__all__ = ["HEAT_LEVELS", "heatmap_plain", "heatmap_renderable"]
