"""Several layers' checks as one table (a line per layer and argument), the findings of the failing
layers, and a verdict that names them; as rich text for a terminal and as plain text.

Nothing here computes a verdict; everything shown is read from the :class:`LayerSuite`.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from gradcheck.report.check_findings import finding_head, findings, heatmap_args
from gradcheck.report.check_story import grouped_findings
from gradcheck.report.check_table import STATUS_STYLE, STATUS_WORD, coverage_text, pattern_text
from gradcheck.report.formatting import aligned_lines, fmt, shape_text, warning_text
from gradcheck.report.heatmap import heatmap_plain, heatmap_renderable
from gradcheck.report.layer_suite import LayerCheck, LayerSuite
from gradcheck.report.paragraph import Para, Paragraphs, wrap_para
from gradcheck.report.result import FAIL, PASS

__all__ = ["layer_suite_text", "print_layer_suite", "rich_layer_suite", "suite_rows"]

_NUMERIC = ("rel. error", "checked", "kinks")


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def mode_line(suite: LayerSuite) -> str:
    stats = [layer.report.stats for layer in suite.layers]
    tensors = sum(len(layer.report.tensors) for layer in suite.layers)
    sampled = sum(s.mode not in ("full", "none") for s in stats)
    what = f"{_count(sampled, 'layer')} sampled" if sampled else "every coordinate checked"
    return (
        f"{_count(len(suite.layers), 'layer')}, {_count(tensors, 'gradient')}, {what}; "
        f"{sum(s.loss_evaluations for s in stats):,} loss and "
        f"{sum(s.grad_evaluations for s in stats):,} gradient evaluations in "
        f"{sum(s.seconds for s in stats):.2f} s"
    )


def suite_rows(suite: LayerSuite) -> list[tuple[str | None, list[str]]]:
    """The table as (status, strings), header first (no status): a line per layer and argument;
    a layer stopped before any comparison (a NaN/Inf at the start) gets one line of its own."""
    any_kinks = any(t.kinks for layer in suite.layers for t in layer.report.tensors)
    # Eight columns fit 80 characters: shapes without spaces, and no max |a-n| (it is in JSON).
    header = ["layer", "argument", "shape", "status", "rel. error", "checked"]
    header += ["kinks"] if any_kinks else []
    rows: list[tuple[str | None, list[str]]] = [(None, [*header, "pattern"])]
    for layer in suite.layers:
        if not layer.report.tensors:
            status = PASS if layer.ok else FAIL
            what = "non-finite" if layer.report.nonfinite is not None else ""
            cells = [layer.name, "-", "", STATUS_WORD[status], "-", "0"]
            rows.append((status, [*cells, *([""] if any_kinks else []), what]))
        for i, t in enumerate(layer.report.tensors):
            row = [
                layer.name if i == 0 else "",
                t.name,
                shape_text(t.shape).replace(" ", "") + (" f32" if t.dtype == "float32" else ""),
                STATUS_WORD[t.status],
                fmt(t.rel_error),
                coverage_text(t),
            ]
            if any_kinks:
                row.append(str(t.kinks) if t.kinks else "")
            rows.append((t.status, [*row, pattern_text(t)]))
    return rows


def verdict(suite: LayerSuite) -> str:
    """The last line: which layers fail and in which gradients, or that all agree."""
    layers = suite.layers
    parts: list[str] = []
    if suite.interrupted:
        parts.append(f"INTERRUPTED after {len(layers)} layer(s); the rest were not checked.")
    if suite.failed:
        named = [
            f"{layer.name} ("
            + (", ".join("d" + t.name for t in layer.report.failed) or "non-finite value")
            + ")"
            for layer in suite.failed
        ]
        parts.append(
            f"{len(suite.failed)} of {_count(len(layers), 'layer')} FAIL: {', '.join(named)}."
        )
    elif len(layers) == 1:
        parts.append(f"Layer {layers[0].name} agrees with finite differences.")
    elif layers:
        parts.append(f"All {len(layers)} layers agree with finite differences.")
    kinks = sum(t.kinks for layer in layers for t in layer.report.tensors)
    if kinks:
        parts.append(
            f"{kinks} coordinate(s) sat on a kink (ReLU at 0, a max tie) and were checked off "
            "the corner instead."
        )
    return ("OK: " if suite.ok else "NOT OK: ") + " ".join(parts)


def _layer_findings(layer: LayerCheck, verbose: bool) -> list[Para | dict[str, Any]]:
    """Paragraphs (and heat maps) for one layer that does not pass: by default each reading once
    with the layer's sentence; ``verbose``: each argument's whole message with its worst entry."""
    out: list[Para | dict[str, Any]] = []
    report = layer.report
    if verbose:
        for t, message in findings(report):
            if t.status == PASS:
                continue
            out.append(Para(f"{layer.name}: {finding_head(t)}", STATUS_STYLE[t.status], 0, 2))
            if message:
                out.append(Para(message, "", 2, 2))
            heat = heatmap_args(t)
            if heat is not None:
                out.append(heat)
    else:
        for g in grouped_findings(report):
            head = f"{layer.name}: {g.names} {STATUS_WORD[g.status]}: "
            out.append(Para(g.text, "", 0, 2, head, STATUS_STYLE[g.status]))
    sentence = report.suspect_message
    if not verbose:
        sentence = report.suspect_summary or sentence
    if sentence:
        out.append(Para(sentence, "bold", 2, 2))
    if report.nonfinite is not None:
        nf = report.nonfinite
        text = f"non-finite value ({nf.kind}): {nf.message}"
        out.append(Para(text, "", 0, 2, f"{layer.name}: ", STATUS_STYLE[FAIL]))
        if nf.fix:
            out.append(Para(f"fix: {nf.fix}", "", 2, 2))
    for w in report.warnings:
        text = "".join(warning_text(w)) if verbose else f"{w.where}: {w.summary or w.message}"
        out.append(Para(text, "yellow", 0, 2, f"{layer.name}: warning ", "bold yellow"))
    return out


def _blocks(
    suite: LayerSuite, title: str | None, verbose: bool, sep: str = " · "
) -> list[Para | dict[str, Any] | None]:
    """Title, verdict, the table (``None``), the failing layers' findings, what the check did."""
    head = "gradcheck" + (f"{sep}{title or suite.source}" if title or suite.source else "")
    style = "bold green" if suite.ok else "bold red"
    blocks: list[Para | dict[str, Any] | None] = [
        Para(head, "bold"),
        Para(verdict(suite), style, 0, 2),
        None,
    ]
    for layer in suite.layers:
        blocks += _layer_findings(layer, verbose)
    blocks.append(Para(mode_line(suite) + ".", "dim", 0, 2))
    return blocks


def rich_layer_suite(
    suite: LayerSuite, *, title: str | None = None, verbose: bool = False
) -> RenderableType:
    parts: list[RenderableType] = []
    for block in _blocks(suite, title, verbose):
        if isinstance(block, Para):
            parts.append(Paragraphs([block]))
        elif block is None:
            parts.append(_table(suite))
        else:
            parts.append(heatmap_renderable(**block))
    return Group(*parts)


def _table(suite: LayerSuite) -> Table:
    rows = suite_rows(suite)
    table = Table(show_edge=False, header_style="bold", pad_edge=False, expand=False)
    for i, name in enumerate(rows[0][1]):
        table.add_column(
            name,
            justify="right" if name in _NUMERIC else "left",
            no_wrap=i < len(rows[0][1]) - 1,
        )
    for status, cells in rows[1:]:
        styled: list[RenderableType] = list(cells)
        if status is not None:
            styled[3] = Text(cells[3], style=STATUS_STYLE[status])
        table.add_row(*styled)
    return table


def print_layer_suite(
    suite: LayerSuite, console: Console, *, title: str | None = None, verbose: bool = False
) -> None:
    console.print(rich_layer_suite(suite, title=title, verbose=verbose))


def layer_suite_text(
    suite: LayerSuite, *, title: str | None = None, verbose: bool = False, width: int | None = None
) -> str:
    lines: list[str] = []
    for block in _blocks(suite, title, verbose, sep=" - "):
        if isinstance(block, Para):
            lines += wrap_para(block, width)
        elif block is None:
            lines += aligned_lines([cells for _, cells in suite_rows(suite)])
        else:
            lines.append(heatmap_plain(**block))
    return "\n".join(lines)
