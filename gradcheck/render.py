"""The renderers a script imports: ``from gradcheck.render import to_text``.

A stable public face over the report room's modules (which may move as the output grows). Importing
``gradcheck`` never loads rich; importing this module does, since a renderer is what rich is for.
"""

from __future__ import annotations

from gradcheck.report.check_plain import to_text
from gradcheck.report.check_rich import print_report, rich_report
from gradcheck.report.json_text import to_json
from gradcheck.report.watch_plain import to_text as watch_text
from gradcheck.report.watch_rich import print_summary

__all__ = ["print_report", "print_summary", "rich_report", "to_json", "to_text", "watch_text"]
