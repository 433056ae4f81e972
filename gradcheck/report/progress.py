"""The progress bar a watched training run draws on stderr.

A ``progress(step, steps)`` callback, so the run itself never touches the terminal.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

__all__ = ["training_progress"]


@contextmanager
def training_progress(console: Console, enabled: bool) -> Iterator[Callable[[int, int], None]]:
    """A ``progress(step, steps)`` callback drawing a bar on ``console`` (stderr) while training.

    The bar is redrawn at most 20 times a second, so a fast step does not pay for the drawing.
    """
    state: dict[str, Any] = {"last": 0.0}

    def update(done: int, total: int) -> None:
        if not enabled:
            return
        now = time.perf_counter()
        if "bar" not in state:
            bar = Progress(
                TextColumn("watching"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("steps"),
                TimeRemainingColumn(),
                console=console,
                transient=True,
            )
            bar.start()
            state["bar"], state["task"] = bar, bar.add_task("watch", total=total)
        if now - state["last"] >= 0.05 or done == total:
            state["last"] = now
            state["bar"].update(state["task"], completed=done, total=total)

    try:
        yield update
    finally:
        if "bar" in state:
            state["bar"].stop()
