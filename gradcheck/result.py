"""Transitional: re-exports for modules not yet rewired to gradcheck.report. The lead removes this."""

from gradcheck.report.records import NonFinite, ReportWarning
from gradcheck.report.result import FAIL, PASS, WARN, Element, Report, Stats, TensorResult

__all__ = [
    "FAIL",
    "PASS",
    "WARN",
    "Element",
    "NonFinite",
    "Report",
    "ReportWarning",
    "Stats",
    "TensorResult",
]
