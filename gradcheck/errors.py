"""The two exceptions gradcheck raises of its own."""

from __future__ import annotations

from typing import Any


class GradcheckError(Exception):
    """The model cannot be used as given.

    The message names the offending item (a parameter, a gradient key, a function argument, a file)
    in one sentence; the CLI prints it on stderr and exits with status 2.
    """


class NonFiniteError(FloatingPointError):
    """A NaN or Inf appeared while a watched function ran.

    ``step`` is the 1-based number of the watched call; ``filename``, ``line``, ``variable`` and ``kind``
    point at the first statement in user code that produced a non-finite value.
    """

    def __init__(
        self,
        message: str,
        *,
        step: int | None = None,
        filename: str | None = None,
        line: int | None = None,
        function: str | None = None,
        variable: str | None = None,
        kind: str | None = None,
        details: Any = None,
    ) -> None:
        super().__init__(message)
        self.step = step
        self.filename = filename
        self.line = line
        self.function = function
        self.variable = variable
        self.kind = kind
        self.details = details


class CheckInterrupted(KeyboardInterrupt):
    """Ctrl-C during a check. Parameters are already restored; ``report`` holds the tensors done so far."""

    def __init__(self, report: Any) -> None:
        super().__init__("check interrupted")
        self.report = report
