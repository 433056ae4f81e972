"""Transitional: re-exports for modules not yet rewired to gradcheck.report. The lead removes this."""

from gradcheck.report.check_plain import to_text
from gradcheck.report.check_rich import print_report
from gradcheck.report.formatting import fmt
from gradcheck.report.json_text import to_json

__all__ = ["fmt", "print_report", "to_json", "to_text"]
