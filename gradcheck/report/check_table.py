"""The tensor table of a check: one row per tensor (shape, status, errors, coverage, pattern).

:func:`table_rows` gives the cells as strings, which the plain renderer aligns; :func:`tensor_table`
draws the same cells as a rich table with the status coloured.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from gradcheck.report.fitted_table import FitColumn, FittedTable
from gradcheck.report.formatting import fmt, shape_text
from gradcheck.report.status import FAIL, PASS, WARN

if TYPE_CHECKING:
    from gradcheck.report.result import Report, TensorResult

__all__ = [
    "STATUS_STYLE",
    "STATUS_WORD",
    "coverage_text",
    "factor_text",
    "pattern_text",
    "table_rows",
    "tensor_table",
]

STATUS_STYLE = {PASS: "bold green", WARN: "bold yellow", FAIL: "bold red"}
STATUS_WORD = {PASS: "pass", WARN: "warn", FAIL: "FAIL"}


def coverage_text(t: TensorResult) -> str:
    if t.checked == t.size or t.size == 0:
        text = f"{t.checked}"
    else:
        text = f"{t.checked}/{t.size}"
    if t.directions:
        text += f" +{t.directions}dir"
    return text


def factor_text(factor: float) -> str:
    """Enough digits to tell a factor from 1 (1.00002 must not print as 1)."""
    for digits in (3, 4, 5, 6, 8):
        text = f"{factor:.{digits}g}"
        if float(text) != 1.0 or factor == 1.0:
            return text
    return f"{factor:.10g}"


def pattern_text(t: TensorResult) -> str:
    if t.pattern == "scale" and t.factor is not None:
        return f"scale x{factor_text(t.factor)}"
    return t.pattern or ""


def table_rows(report: Report) -> list[list[str]]:
    """The tensor table as strings, header first; the kinks column only when a tensor had kinks."""
    any_kinks = any(t.kinks for t in report.tensors)
    header = ["tensor", "shape", "status", "rel. error", "max |a-n|", "checked"]
    rows = [[*header, *(["kinks"] if any_kinks else []), "pattern"]]
    for t in report.tensors:
        row = [
            t.name,
            shape_text(t.shape),
            STATUS_WORD[t.status],
            fmt(t.rel_error),
            fmt(t.max_abs_error),
            coverage_text(t),
        ]
        if any_kinks:
            row.append(str(t.kinks) if t.kinks else "")
        rows.append([*row, pattern_text(t)])
    return rows


#: What goes first when the terminal is narrow (higher: sooner); name, status, error and pattern stay.
_DROP = {"max |a-n|": 3, "shape": 2, "checked": 1, "kinks": 1}


def tensor_table(report: Report) -> FittedTable:
    rows = table_rows(report)
    columns = [
        FitColumn(
            title,
            justify="right" if title in ("rel. error", "max |a-n|", "checked", "kinks") else "left",
            drop=_DROP.get(title, 0),
            wrap=i == len(rows[0]) - 1,
        )
        for i, title in enumerate(rows[0])
    ]
    cells: list[list[str | Text]] = []
    for t, row in zip(report.tensors, rows[1:]):
        cells.append([*row[:2], Text(row[2], style=STATUS_STYLE[t.status]), *row[3:]])
    return FittedTable(columns, cells)
