"""``%gradcheck``: the check command as an IPython line magic, over the live notebook's namespace.

``%load_ext gradcheck`` calls :func:`gradcheck.load_ipython_extension`, which imports this module
(only then: ``import gradcheck`` never loads IPython or rich) and registers the magic. ``%gradcheck``
takes the flags of ``gradcheck check`` without FILE (they are read from the command itself, so the
two never drift apart), finds the model among the notebook's variables as ``check`` finds it in a
file, and returns the :class:`~gradcheck.report.result.Report`, which Jupyter shows as HTML and a
terminal IPython as the terminal report (after Ctrl-C, the report of the tensors finished so far). A
flag or a model gradcheck cannot use is an IPython ``UsageError`` (one line, no traceback); an
exception raised in the user's code keeps its type.
"""

from __future__ import annotations

import io
import shlex
import sys
import warnings
from typing import Any

import click
from rich.console import Console

from gradcheck.cli import check_command
from gradcheck.engine.explain import check_model
from gradcheck.engine.options import Options
from gradcheck.errors import CheckInterrupted, GradcheckError
from gradcheck.models.discovery import find_model_in
from gradcheck.report.check_rich import print_report
from gradcheck.report.json_text import to_json
from gradcheck.report.result import Report

__all__ = ["gradcheck_magic", "load_ipython_extension", "notebook_namespace"]

SHOWN = "this notebook"
INTERRUPTED = (
    "gradcheck: interrupted; the report covers the tensors finished so far. "
    "Your parameters are unchanged."
)


def notebook_namespace(shell: Any) -> dict[str, Any]:
    """The user's variables: IPython's own (``In``, ``Out``, ``exit``...) left out unless the user
    has rebound them."""
    hidden = shell.user_ns_hidden
    return {
        name: value
        for name, value in shell.user_ns.items()
        if not (name in hidden and hidden[name] is value)
    }


def _run(
    shell: Any,
    *,
    as_json: bool,
    verbose: bool,
    mode: str,
    sample: int | None,
    seed: int,
    eps: float | None,
    only: tuple[str, ...],
    directions: int | None,
    **selection: Any,
) -> Report | None:
    options = Options(
        mode=mode, sample=sample, seed=seed, eps=eps, only=only, directions=directions
    )
    model = find_model_in(notebook_namespace(shell), SHOWN, **selection)
    with warnings.catch_warnings():
        # The report names the statement that made a NaN/Inf; NumPy's warning would say less.
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            report = check_model(model, options)
        except CheckInterrupted as exc:
            print(INTERRUPTED, file=sys.stderr)
            report = exc.report
    if as_json:
        print(to_json(report))
        return None
    return report


def _command(shell: Any) -> click.Command:
    """``gradcheck check`` without FILE, running :func:`_run` over ``shell``'s namespace."""
    params = [p for p in check_command.params if p.name != "file"]
    return click.Command(
        "%gradcheck",
        params=params,
        callback=lambda **kwargs: _run(shell, **kwargs),
        help="Check the gradients of the model defined in this notebook (flags as gradcheck check).",
        context_settings={"help_option_names": ["-h", "--help"]},
    )


def gradcheck_magic(shell: Any, line: str) -> Report | None:
    """``%gradcheck [--mode M] [--only NAME]... [--object NAME] ...``: the Report of the model the
    notebook defines (``--json``: print the JSON document instead)."""
    from IPython.core.error import UsageError

    try:
        args = shlex.split(line)
    except ValueError as exc:  # an unclosed quote
        raise UsageError(f"gradcheck: {exc}: {line}") from None
    try:
        result = _command(shell).main(args, prog_name="%gradcheck", standalone_mode=False)
    except GradcheckError as exc:
        raise UsageError(f"gradcheck: {exc}") from None
    except click.exceptions.Exit:
        return None  # --help was printed
    except click.ClickException as exc:
        raise UsageError(f"gradcheck: {exc.format_message()}") from None
    return result if isinstance(result, Report) else None


def _plain_text(report: Report, printer: Any, cycle: bool) -> None:
    """A Report in a terminal IPython: the terminal report, not the dataclass's repr."""
    text = io.StringIO()
    print_report(report, Console(file=text, force_terminal=True, width=printer.max_width or 100))
    printer.text(text.getvalue().rstrip("\n"))


def load_ipython_extension(shell: Any) -> None:
    """Register ``%gradcheck`` in ``shell`` (``%load_ext gradcheck``)."""

    def magic(line: str) -> Report | None:
        return gradcheck_magic(shell, line)

    magic.__doc__ = gradcheck_magic.__doc__
    shell.register_magic_function(magic, magic_kind="line", magic_name="gradcheck")
    shell.display_formatter.formatters["text/plain"].for_type(Report, _plain_text)
