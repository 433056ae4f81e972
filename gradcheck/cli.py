"""The ``gradcheck`` command. Thin: parse, call one function, render, choose the exit code.

Exit codes: 0 every tensor passes (warnings allowed); 1 a gradient fails or a non-finite value was
found; 2 the command or the model file is unusable; 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import sys
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout
from typing import Any, NoReturn

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from gradcheck.engine.explain import check_model
from gradcheck.engine.options import MODES, Options
from gradcheck.errors import CheckInterrupted, GradcheckError
from gradcheck.layer_run import check_layers
from gradcheck.models.layer_spec import LayerSpec
from gradcheck.models.layers_file import load_checkable
from gradcheck.models.model import Model
from gradcheck.models.notebook import raising_cell
from gradcheck.models.tracebacks import user_traceback
from gradcheck.report.check_rich import print_report
from gradcheck.report.json_text import error_json, to_json
from gradcheck.report.layer_suite import LayerSuite
from gradcheck.report.layer_suite_render import print_layer_suite
from gradcheck.report.progress import training_progress
from gradcheck.report.result import Report
from gradcheck.report.watch_rich import print_summary
from gradcheck.train.file_runner import watch_file
from gradcheck.train.options import WatchOptions
from gradcheck.version import __version__

EXIT_OK, EXIT_FAIL, EXIT_UNUSABLE, EXIT_INTERRUPTED = 0, 1, 2, 130

# The one place that owns the consoles: results on stdout, everything else on stderr.
stdout = Console(highlight=False)
stderr = Console(stderr=True, highlight=False)


def fail_unusable(message: str, error_type: str = "GradcheckError") -> NoReturn:
    """Exit 2 with one line on stderr; with --json, also exactly one JSON document on stdout."""
    # Escaped: names like W[b] or params[i] in a message are the user's, not rich markup.
    stderr.print(f"[bold red]gradcheck:[/] {escape(message)}", soft_wrap=True)
    context = click.get_current_context(silent=True)
    if context is not None and context.params.get("as_json"):
        click.echo(error_json(message, error_type))
    sys.exit(EXIT_UNUSABLE)


def stop_interrupted(message: str, as_json: bool) -> NoReturn:
    """Exit 130 after Ctrl-C came before any result; with --json, the JSON document says so."""
    stderr.print(f"[bold red]gradcheck:[/] {message}", soft_wrap=True)
    if as_json:
        click.echo(error_json(message, "KeyboardInterrupt"))
    sys.exit(EXIT_INTERRUPTED)


class Commands(click.Group):
    """The command group; with --json, a usage error (a bad flag or value) is a JSON document too."""

    def main(self, args: Any = None, *pos: Any, **kwargs: Any) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        if "--json" not in argv or not kwargs.get("standalone_mode", True):
            return super().main(argv, *pos, **kwargs)
        try:
            return super().main(argv, *pos, **{**kwargs, "standalone_mode": False})
        except click.exceptions.Exit as done:  # --help, --version
            sys.exit(done.exit_code)
        except click.ClickException as error:
            error.show()
            kind = "UsageError" if isinstance(error, click.UsageError) else type(error).__name__
            click.echo(error_json(error.format_message(), kind))
            sys.exit(error.exit_code)
        except click.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(1)


@contextmanager
def progress_bar(enabled: bool) -> Iterator[Callable[[int, int], None]]:
    """A progress callback that shows a bar on stderr once a check has run for more than a moment."""
    started = time.perf_counter()
    state: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        if not enabled:
            return
        if "bar" not in state:
            if time.perf_counter() - started < 0.5:
                return
            bar = Progress(
                TextColumn("checking"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("loss pairs"),
                TimeRemainingColumn(),
                console=stderr,
                transient=True,
            )
            bar.start()
            state["bar"], state["task"] = bar, bar.add_task("check", total=total)
        state["bar"].update(state["task"], completed=done, total=max(total, done))

    try:
        yield update
    finally:
        if "bar" in state:
            state["bar"].stop()


def model_selection(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The model-selection flags shared by `check` and `watch`."""
    for option in reversed(
        [
            click.option(
                "--object",
                "object_name",
                metavar="NAME",
                help="Check the module-level instance NAME (as gradcheck.from_object does).",
            ),
            click.option(
                "--forward", metavar="NAME", help="Name of the forward function (trio form)."
            ),
            click.option("--cost", metavar="NAME", help="Name of the cost function (trio form)."),
            click.option(
                "--backward", metavar="NAME", help="Name of the backward function (trio form)."
            ),
            click.option(
                "--set",
                "settings",
                multiple=True,
                metavar="NAME=VALUE",
                help="Bind argument NAME of your functions to VALUE: a Python literal (0.7, "
                "'relu', [5, 4, 1]) or a module-level name of FILE (X=train_x). Repeatable.",
            ),
        ]
    ):
        fn = option(fn)
    return fn


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gradcheck")
def main() -> None:
    """Find the wrong derivative in hand-written NumPy backprop."""


@main.command("check")
@click.argument("file", type=click.Path(dir_okay=False, path_type=str))
@click.option("--json", "as_json", is_flag=True, help="Print exactly one JSON document on stdout.")
@click.option(
    "-v",
    "--verbose",
    is_flag=True,
    help="Show the evidence behind each reading (noise, steps, directions); always in --json.",
)
@click.option(
    "--mode",
    type=click.Choice(MODES),
    default="auto",
    show_default=True,
    help="full: every coordinate; sampled: some per tensor; directional: random directions; "
    "auto: full when cheap, else sampled + directional.",
)
@click.option(
    "--sample",
    type=click.IntRange(min=1),
    default=None,
    metavar="K",
    help="Coordinates per tensor in sampled/auto mode [default: 20].",
)
@click.option(
    "--seed", type=int, default=0, show_default=True, help="Seed of the sampling and directions."
)
@click.option(
    "--eps",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="A fixed step instead of the automatic per-coordinate step.",
)
@click.option("--only", multiple=True, metavar="NAME", help="Check only this tensor (repeatable).")
@click.option(
    "--directions",
    type=click.IntRange(min=0),
    default=None,
    metavar="D",
    help="Random directions per tensor [default: 2 in auto, 4 in directional mode].",
)
@model_selection
def check_command(
    file: str,
    as_json: bool,
    verbose: bool,
    mode: str,
    sample: int | None,
    seed: int,
    eps: float | None,
    only: tuple[str, ...],
    directions: int | None,
    object_name: str | None,
    forward: str | None,
    cost: str | None,
    backward: str | None,
    settings: tuple[str, ...],
) -> None:
    """Check the analytic gradients of the model in FILE against finite differences."""
    stage = "reading the options"
    try:
        options = Options(
            mode=mode, sample=sample, seed=seed, eps=eps, only=only, directions=directions
        )
        stage = f"importing {file}"
        model = load_checkable(
            file,
            object_name=object_name,
            forward=forward,
            cost=cost,
            backward=backward,
            settings=settings,
        )
        stage = "the check ran it"
        report = check_target(model, options, file)
    except GradcheckError as exc:
        fail_unusable(str(exc))
    except CheckInterrupted as exc:
        show(exc.report, as_json=as_json, title=file, verbose=verbose)
        stderr.print(
            "[bold red]gradcheck:[/] interrupted; the results above cover the tensors finished so far. "
            "Your parameters are unchanged.",
            soft_wrap=True,
        )
        sys.exit(EXIT_INTERRUPTED)
    except KeyboardInterrupt:
        stop_interrupted(
            "interrupted before any tensor was checked. Your parameters are unchanged.", as_json
        )
    except Exception as exc:  # noqa: BLE001 - an exception raised inside the user's code
        stderr.print(user_traceback(exc), markup=False, highlight=False, soft_wrap=True)
        fail_unusable(
            f"your code raised {raised(exc)} while {stage} (traceback above)", type(exc).__name__
        )
    show(report, as_json=as_json, title=file, verbose=verbose)
    sys.exit(EXIT_OK if report.ok else EXIT_FAIL)


def raised(exc: BaseException) -> str:
    """``ZeroDivisionError``, with the notebook cell it came from (``in model.ipynb, cell 4, line 2``)."""
    cell = raising_cell(exc)
    return f"{type(exc).__name__} in {cell}" if cell else type(exc).__name__


def check_target(
    model: Model | dict[str, LayerSpec], options: Options, file: str
) -> Report | LayerSuite:
    """The model's report; for a file with ``gradcheck_layers``, every layer's (one table).

    Whatever the user's code prints while it runs goes to stderr: stdout carries the report alone
    (with --json, exactly one JSON document). NumPy's RuntimeWarnings from the user's code are
    silenced: the report names the statement that made a NaN/Inf, with its operands, which says
    more than the warning.
    """
    with (
        progress_bar(enabled=stderr.is_terminal) as update,
        redirect_stdout(sys.stderr),
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore", RuntimeWarning)
        if isinstance(model, Model):
            return check_model(model, options, progress=update)
        return check_layers(model, options, source=file)


def show(report: Any, *, as_json: bool, title: str, verbose: bool = False) -> None:
    if as_json:
        click.echo(to_json(report))
    elif isinstance(report, LayerSuite):
        print_layer_suite(report, stdout, title=title, verbose=verbose)
    else:
        print_report(report, stdout, title=title, verbose=verbose)


@main.command("watch")
@click.argument("file", type=click.Path(dir_okay=False, path_type=str))
@click.option(
    "--steps",
    type=click.IntRange(min=1),
    default=2000,
    show_default=True,
    metavar="N",
    help="Training steps to run.",
)
@click.option(
    "--lr",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    metavar="LR",
    help="Learning rate of plain gradient descent; with the file's train_step(), it is set on the "
    "learning-rate attribute train_step reads (learning_rate, lr, alpha, eta, ...).",
)
@click.option("--json", "as_json", is_flag=True, help="Print exactly one JSON document on stdout.")
@click.option(
    "-v",
    "--verbose",
    is_flag=True,
    help="Show the evidence behind each reading (noise, steps, directions); always in --json.",
)
@click.option(
    "--every",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    metavar="K",
    help="Health readings (norms, update/weight ratios) every K steps.",
)
@click.option(
    "--check-every",
    type=click.IntRange(min=1),
    default=None,
    metavar="K",
    help="Also check the gradients every K steps (one check before training is made unless --no-check).",
)
@click.option(
    "--trace-every",
    type=click.IntRange(min=1),
    default=None,
    metavar="K",
    help="Trace the forward pass every K steps (saturation, dead units); default: first and last.",
)
@click.option("--no-check", is_flag=True, help="Skip the gradient check before training.")
@click.option(
    "--keep-going", is_flag=True, help="Go on after the first NaN/Inf and report later origins too."
)
@click.option(
    "--gradient-descent",
    "plain",
    is_flag=True,
    help="Ignore the file's train_step() and run plain gradient descent at --lr.",
)
@model_selection
def watch_command(
    file: str,
    steps: int,
    lr: float | None,
    as_json: bool,
    verbose: bool,
    every: int,
    check_every: int | None,
    trace_every: int | None,
    no_check: bool,
    keep_going: bool,
    plain: bool,
    object_name: str | None,
    forward: str | None,
    cost: str | None,
    backward: str | None,
    settings: tuple[str, ...],
) -> None:
    """Train the model in FILE for N steps, watching every step for NaN/Inf and for bad health."""

    try:
        options = WatchOptions(
            keep_going=keep_going, every=every, check_every=check_every, trace_every=trace_every
        )
        with (
            training_progress(stderr, enabled=stderr.is_terminal) as update,
            redirect_stdout(sys.stderr),
        ):
            summary = watch_file(
                file,
                steps=steps,
                lr=lr,
                object_name=object_name,
                forward=forward,
                cost=cost,
                backward=backward,
                settings=settings,
                use_train_step=not plain,
                options=options,
                check=not no_check,
                progress=update,
            )
    except GradcheckError as exc:
        fail_unusable(str(exc))
    except KeyboardInterrupt:
        stop_interrupted("interrupted before training started.", as_json)
    except Exception as exc:  # noqa: BLE001 - an exception raised inside the user's code
        stderr.print(user_traceback(exc), markup=False, highlight=False, soft_wrap=True)
        fail_unusable(
            f"your code raised {raised(exc)} while gradcheck ran it (traceback above)",
            type(exc).__name__,
        )
    if as_json:
        click.echo(to_json(summary))
    else:
        print_summary(summary, stdout, title=file, verbose=verbose)
    if summary.interrupted:
        sys.exit(EXIT_INTERRUPTED)
    sys.exit(EXIT_OK if summary.ok else EXIT_FAIL)
