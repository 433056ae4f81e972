"""A rich table that fits the terminal without cutting a name or a number.

Rich shrinks a table wider than the terminal by cutting cells with an ellipsis ("params['W1…",
"(1, …"). Here the width is known at render time: the columns a reader can do without are left
out, least needed first, until the rest fits, and a dim line says which. Only a column marked
``wrap`` (prose, like a pattern) may wrap at its spaces; a cell still wider than the whole
terminal is folded onto the next line, never cut.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table
from rich.text import Text

__all__ = ["FitColumn", "FittedTable"]

#: What a column costs beyond its cells: the " │ " between two columns (no outer edge or padding).
_SEPARATOR = 3


@dataclass(frozen=True)
class FitColumn:
    """A column: its header, alignment, and ``drop`` (0: always shown; higher: left out sooner)."""

    header: str
    justify: str = "left"
    drop: int = 0
    wrap: bool = False


def _plain(cell: str | Text) -> str:
    return cell.plain if isinstance(cell, Text) else cell


def _need(column: FitColumn, cells: Sequence[str | Text]) -> int:
    """The narrowest width that shows every cell whole (a wrapping column: its longest word)."""
    texts = [column.header, *(_plain(c) for c in cells)]
    if column.wrap:
        return max((cell_len(word) for t in texts for word in t.split()), default=0)
    return max(cell_len(t) for t in texts)


class FittedTable:
    """``rows`` of cells (plain strings or styled Text), one per column of ``columns``."""

    def __init__(self, columns: Sequence[FitColumn], rows: Sequence[Sequence[str | Text]]) -> None:
        self.columns = list(columns)
        self.rows = [list(r) for r in rows]

    def kept(self, width: int) -> list[int]:
        """The indices of the columns shown at ``width``: the least needed go first."""
        needs = [_need(c, [r[i] for r in self.rows]) for i, c in enumerate(self.columns)]
        keep = list(range(len(self.columns)))
        order = sorted(
            (i for i, c in enumerate(self.columns) if c.drop > 0),
            key=lambda i: (-self.columns[i].drop, -i),
        )
        for i in order:
            if sum(needs[k] for k in keep) + _SEPARATOR * (len(keep) - 1) <= width:
                break
            keep.remove(i)
        return keep

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        keep = self.kept(options.max_width)
        table = Table(show_edge=False, header_style="bold", pad_edge=False, expand=False)
        for i in keep:
            c = self.columns[i]
            header = Text(c.header)
            table.add_column(header, justify=c.justify, overflow="fold")  # type: ignore[arg-type]
        for row in self.rows:
            # a string is shown as written: "cache[b]" is a name, not rich markup
            table.add_row(*(Text(c) if isinstance(c, str) else c for c in (row[i] for i in keep)))
        yield table
        left_out = [self.columns[i].header for i in range(len(self.columns)) if i not in keep]
        yield from _left_out_line(left_out, options.max_width)


def _left_out_line(headers: list[str], width: int) -> Iterator[Text]:
    if headers:
        names = ", ".join(h for h in headers if h) or "a column"
        yield Text(
            f"({names} left out to fit {width} columns; the JSON has every value)", style="dim"
        )
