"""Transitional: re-exports for modules not yet rewired to gradcheck.report. The lead removes this."""

from gradcheck.report.cost_plot import cost_plot
from gradcheck.report.json_text import to_json
from gradcheck.report.progress import training_progress
from gradcheck.report.watch_plain import to_text
from gradcheck.report.watch_rich import print_summary, print_summary_stderr

__all__ = [
    "cost_plot",
    "print_summary",
    "print_summary_stderr",
    "to_json",
    "to_text",
    "training_progress",
]
