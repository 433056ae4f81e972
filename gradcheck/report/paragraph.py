"""Text that fits the terminal without a cut: paragraphs wrapped at spaces with their indent kept.

A :class:`Para` is one paragraph of a report: its text, its style, the indent of its first line and
of the lines it wraps onto. The rich renderers draw it with :class:`Paragraphs` (the width is the
console's, known at render time); the plain renderers with :func:`wrap_para`. A word wider than the
line (a long path, a long statement without spaces) is folded onto the next line, never cut and
never replaced by an ellipsis.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text

__all__ = ["Para", "Paragraphs", "wrap_para"]


@dataclass(frozen=True)
class Para:
    """A paragraph: ``head`` (styled apart, e.g. ``"W2 FAIL: "``) then ``text``.

    ``indent`` is the first line's indent and ``hang`` the indent of the lines it wraps onto
    (``None``: the same as ``indent``). A newline in ``text`` starts a new line at the hanging
    indent (a source line quoted under a sentence).
    """

    text: str
    style: str = ""
    indent: int = 0
    hang: int | None = None
    head: str = ""
    head_style: str = ""

    @property
    def hanging(self) -> int:
        return self.indent if self.hang is None else self.hang


def wrap_para(p: Para, width: int | None) -> list[str]:
    """The paragraph as plain lines no wider than ``width`` (``None``: one line per paragraph
    line, unwrapped), each embedded newline starting a new line at the hanging indent."""
    lines: list[str] = []
    for i, piece in enumerate((p.head + p.text).split("\n")):
        first = " " * (p.indent if i == 0 else p.hanging)
        rest = " " * p.hanging
        if width is None:
            lines.append(first + piece)
            continue
        wrapped = textwrap.wrap(
            piece,
            width=max(width, len(rest) + 8),
            initial_indent=first,
            subsequent_indent=rest,
            break_long_words=True,
            break_on_hyphens=False,
            drop_whitespace=True,
        )
        lines.extend(wrapped or [first.rstrip()])
    return lines


class Paragraphs:
    """Paragraphs as a rich renderable, wrapped at the console's width with their indents kept."""

    def __init__(self, paras: Iterable[Para]) -> None:
        self.paras: Sequence[Para] = list(paras)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        for p in self.paras:
            yield from _styled_lines(p, width)


def _styled_lines(p: Para, width: int) -> list[Text]:
    """The plain wrapping, with the head's and the body's styles laid back on the wrapped text."""
    out: list[Text] = []
    head_left = len(p.head)
    for line in wrap_para(p, width):
        text = Text(no_wrap=True, overflow="ignore")
        body = line.lstrip(" ")
        text.append(line[: len(line) - len(body)])
        if head_left and body:
            take = min(head_left, len(body))
            text.append(body[:take], style=p.head_style)
            body = body[take:]
            head_left -= take
            # the wrap dropped the space between head and text at a line break: count it once
            if head_left == 1 and p.head.endswith(" "):
                head_left = 0
        text.append(body, style=p.style)
        out.append(text)
    return out
