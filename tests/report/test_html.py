"""A Report in a notebook: ``_repr_html_`` is rich's HTML export of the renderable the terminal
prints, so the notebook shows the same content as the terminal."""

from __future__ import annotations

import html
import io
import re

from rich.console import Console

import gradcheck
from gradcheck.report.check_rich import rich_report
from gradcheck.report.html import WIDTH
from tests.nets import make_mlp


def terminal_text(report: gradcheck.Report) -> str:
    console = Console(file=io.StringIO(), width=WIDTH, record=True)
    console.print(rich_report(report))
    return console.export_text()


def html_text(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def test_the_html_holds_the_terminal_report_line_for_line() -> None:
    params, loss, grads = make_mlp((4, 5, 3), bug="sign")
    report = gradcheck.check(loss=loss, grads=grads, params=params)
    assert not report.ok
    markup = report._repr_html_()
    assert markup.startswith("<pre ") and markup.endswith("</pre>")
    assert html_text(markup).strip("\n") == terminal_text(report).strip("\n")
    assert "NOT OK" in markup and "color" in markup  # the verdict, in colour (inline styles)


def test_a_passing_report_reads_ok_in_green() -> None:
    params, loss, grads = make_mlp((3, 4, 2))
    report = gradcheck.check(loss=loss, grads=grads, params=params)
    markup = report._repr_html_()
    assert report.ok
    (verdict,) = [line for line in html_text(markup).splitlines() if line.startswith("OK: ")]
    assert verdict in terminal_text(report)
    assert re.search(r'<span style="color: #008000;[^"]*font-weight: bold">OK: ', markup)
