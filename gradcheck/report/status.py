"""The three verdicts a tensor can get. Their own module so that the renderers, which the Report
reaches for its HTML form, need nothing else of :mod:`gradcheck.report.result` at run time."""

from __future__ import annotations

__all__ = ["FAIL", "PASS", "WARN"]

PASS, WARN, FAIL = "pass", "warn", "fail"
