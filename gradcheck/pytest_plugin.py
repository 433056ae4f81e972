"""The pytest plugin: gradient checks as ordinary tests, registered by the ``pytest11`` entry point.

A test asks for the ``gradcheck`` fixture and calls it like :func:`gradcheck.check`::

    def test_backprop(gradcheck):
        gradcheck(loss=loss, grads=grads, params=params)

It returns the :class:`~gradcheck.Report` when every tensor passes and fails the test with the
report as plain text when one does not (``strict``: warnings fail too). ``gradcheck.layer(forward,
backward, *args, ...)`` does the same for one layer, with :func:`gradcheck.check_layer`'s arguments.

Settings (``mode``, ``seed``, ``sample``, ``strict``) come from five places; the first that gives a
value wins:

1. the arguments of the call itself (``gradcheck(..., mode="full", strict=True)``);
2. the ``@pytest.mark.gradcheck(...)`` marker (function over class over module);
3. the command line (``--gradcheck-mode``, ``--gradcheck-seed``, ``--gradcheck-sample``,
   ``--gradcheck-strict``);
4. the ini file (``gradcheck_mode``, ``gradcheck_seed``, ``gradcheck_sample``,
   ``gradcheck_strict``);
5. the built-in defaults of :func:`gradcheck.check` (mode auto, seed 0, the engine's sample size,
   not strict).

Why this order: the nearer a setting is written to the check, the more it knows about that check. A
project sets its habits in the ini file, a CI job overrides them for a run, a test that needs more
(a model with kinks that must be checked in full) says so in its marker, and a call says exactly
what it wants. The header line shows the session's settings; markers and calls may differ per test.

The plugin costs nothing to suites that do not use it: importing it imports ``gradcheck`` (NumPy),
and rendering (rich) is imported only when a check fails.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

import pytest

from gradcheck.api import check
from gradcheck.engine.options import DEFAULT_SAMPLE, MODES, Options
from gradcheck.layer_run import layer_spec, run_layer
from gradcheck.report.result import FAIL, WARN, Report

__all__ = ["GradcheckFixture", "Settings"]


class SettingError(ValueError):
    """A setting with a value the plugin cannot use; the message names the setting and the value."""


@dataclass(frozen=True)
class Settings:
    """The defaults a ``gradcheck`` fixture call starts from (``sample=None``: the engine's)."""

    mode: str = "auto"
    seed: int = 0
    sample: int | None = None
    strict: bool = False

    def header(self) -> str:
        """The report-header line, stating what a run checks with (as pytest-randomly does)."""
        sample = DEFAULT_SAMPLE if self.sample is None else self.sample
        return (
            f"gradcheck: mode={self.mode}, seed={self.seed}, sample={sample}, strict={self.strict}"
        )

    def updated(self, values: Mapping[str, Any], where: str) -> Settings:
        """These settings with ``values`` on top, validated; an error names ``where`` it was set."""
        unknown = sorted(set(values) - set(SETTING_NAMES))
        if unknown:
            raise SettingError(
                f"{where}: unknown setting(s) {', '.join(unknown)}; "
                f"known: {', '.join(SETTING_NAMES)}"
            )
        return replace(self, **{name: _VALIDATE[name](values[name], where) for name in values})


SETTING_NAMES = tuple(f.name for f in fields(Settings))


def _mode(value: Any, where: str) -> str:
    if value not in MODES:
        raise SettingError(f"{where}: mode must be one of {', '.join(MODES)}; got {value!r}")
    return str(value)


def _seed(value: Any, where: str) -> int:
    # bool is an int subclass; seed=True is a slip, not a seed.
    if isinstance(value, bool) or not isinstance(value, int):
        raise SettingError(f"{where}: seed must be an integer; got {value!r}")
    return value


def _sample(value: Any, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SettingError(
            f"{where}: sample must be a positive number of coordinates per tensor; got {value!r}"
        )
    return value


def _strict(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise SettingError(f"{where}: strict must be True or False; got {value!r}")
    return value


_VALIDATE: dict[str, Callable[[Any, str], Any]] = {
    "mode": _mode,
    "seed": _seed,
    "sample": _sample,
    "strict": _strict,
}


# --------------------------------------------------------------------------------------------
# Options, ini settings, marker, header
# --------------------------------------------------------------------------------------------


def _int_option(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None


def _positive_int_option(text: str) -> int:
    number = _int_option(text)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be a positive number of coordinates: {text!r}")
    return number


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("gradcheck", "gradient checks (the gradcheck fixture)")
    # Defaults are None so that "not given" falls through to the ini file.
    group.addoption(
        "--gradcheck-mode",
        choices=MODES,
        default=None,
        help="how to compare gradients: auto (default), full, sampled, directional",
    )
    group.addoption(
        "--gradcheck-seed",
        type=_int_option,
        default=None,
        metavar="SEED",
        help="seed for sampled coordinates and random directions (default 0)",
    )
    group.addoption(
        "--gradcheck-sample",
        type=_positive_int_option,
        default=None,
        metavar="K",
        help=f"coordinates checked per tensor when sampling (default {DEFAULT_SAMPLE})",
    )
    group.addoption(
        "--gradcheck-strict",
        action="store_true",
        default=None,
        help="warnings fail the test too (turn an ini 'true' off with -o gradcheck_strict=false)",
    )
    parser.addini(
        "gradcheck_mode", "gradcheck fixture default: auto, full, sampled, directional", default=""
    )
    parser.addini("gradcheck_seed", "gradcheck fixture default seed", default="")
    parser.addini(
        "gradcheck_sample", "gradcheck fixture default coordinates per tensor", default=""
    )
    parser.addini(
        "gradcheck_strict", "gradcheck fixture: warnings fail the test", type="bool", default=False
    )


def session_settings(config: pytest.Config) -> Settings:
    """Built-in defaults, then the ini file, then the command line."""
    ini: dict[str, Any] = {}
    if mode := str(config.getini("gradcheck_mode")).strip():
        ini["mode"] = mode
    for name in ("seed", "sample"):
        text = str(config.getini(f"gradcheck_{name}")).strip()
        if text:
            try:
                ini[name] = int(text)
            except ValueError:
                raise SettingError(f"ini gradcheck_{name}: not an integer: {text!r}") from None
    ini["strict"] = bool(config.getini("gradcheck_strict"))
    settings = Settings().updated(ini, "ini")
    given = {name: config.getoption(f"gradcheck_{name}") for name in SETTING_NAMES}
    return settings.updated({k: v for k, v in given.items() if v is not None}, "command line")


_SETTINGS = pytest.StashKey[Settings]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "gradcheck(mode=, seed=, sample=, strict=): defaults for the gradcheck fixture in this "
        "test (over the command line and ini; a call's own arguments still win)",
    )
    try:
        config.stash[_SETTINGS] = session_settings(config)
    except SettingError as error:
        raise pytest.UsageError(str(error)) from None


def pytest_report_header(config: pytest.Config) -> str:
    return config.stash[_SETTINGS].header()


def marker_settings(node: pytest.Item, base: Settings) -> Settings:
    """``base`` with the item's ``gradcheck`` markers on top: module, then class, then function."""
    settings = base
    for mark in reversed(list(node.iter_markers("gradcheck"))):
        if mark.args:
            raise SettingError(
                "@pytest.mark.gradcheck takes keywords only "
                f"({', '.join(f'{n}=' for n in SETTING_NAMES)}); got {mark.args!r}"
            )
        settings = settings.updated(mark.kwargs, "@pytest.mark.gradcheck")
    return settings


# --------------------------------------------------------------------------------------------
# The fixture
# --------------------------------------------------------------------------------------------


class GradcheckFixture:
    """What the ``gradcheck`` fixture gives: :func:`gradcheck.check` with this test's defaults.

    ``settings`` holds the defaults after ini, command line and marker; a call's own ``mode``,
    ``seed``, ``sample`` and ``strict`` arguments override them for that call.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def __call__(
        self, model: Any = None, /, *, strict: bool | None = None, **kwargs: Any
    ) -> Report:
        """Check, return the report when it passes, fail the test with it as plain text when not."""
        __tracebackhide__ = True
        for name in ("mode", "seed", "sample"):
            kwargs.setdefault(name, getattr(self.settings, name))
        if strict is None:
            strict = self.settings.strict
        report = check(model, **kwargs)
        message = failure_message(report, strict=_strict(strict, "gradcheck(strict=)"))
        if message is not None:
            pytest.fail(message, pytrace=False)
        return report

    def layer(
        self,
        forward: Callable[..., Any],
        backward: Callable[..., Any] | None,
        *args: Any,
        dout: Any = None,
        seed: int | None = None,
        wrt: Any = None,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Report:
        """``gradcheck.check_layer`` with this test's defaults (mode, sample, seed); fails the test
        with the rendered report when a gradient fails."""
        __tracebackhide__ = True
        seed = self.settings.seed if seed is None else seed
        spec = layer_spec(forward, backward, args, kwargs, dout=dout, seed=seed, wrt=wrt)
        options = Options(mode=self.settings.mode, sample=self.settings.sample, seed=seed)
        report = run_layer(spec, options)
        strict = self.settings.strict if strict is None else strict
        message = failure_message(report, strict=_strict(strict, "gradcheck.layer(strict=)"))
        if message is not None:
            pytest.fail(message, pytrace=False)
        return report


@pytest.fixture
def gradcheck(request: pytest.FixtureRequest) -> GradcheckFixture:
    """Call like ``gradcheck.check``; a wrong gradient fails the test with the rendered report.

    Defaults come from the ``@pytest.mark.gradcheck`` marker, ``--gradcheck-*`` options and
    ``gradcheck_*`` ini settings, in that order of precedence; a call's own arguments beat them all.
    """
    base = request.config.stash[_SETTINGS]
    try:
        return GradcheckFixture(marker_settings(request.node, base))
    except SettingError as error:
        problem = str(error)
    # Failed outside the except block, so the report shows no "during handling" chain.
    pytest.fail(problem, pytrace=False)


# --------------------------------------------------------------------------------------------
# The failure message
# --------------------------------------------------------------------------------------------


def failure_message(report: Report, *, strict: bool) -> str | None:
    """The plain-text failure for ``report``, or None when the test should pass.

    The first line is a one-line verdict because pytest's short summary (``FAILED test_x.py::test -
    ...``) shows only the first line; the full report follows, with its evidence (the verbose
    report: a failing test is where one reads it).
    """
    if not report.ok:
        headline = "gradcheck: " + failure_headline(report)
    elif strict and (report.warnings or any(t.status == WARN for t in report.tensors)):
        headline = "gradcheck (strict): " + warning_headline(report)
    else:
        return None
    from gradcheck.report.check_plain import to_text

    return headline + "\n\n" + to_text(report, verbose=True)


def failure_headline(report: Report) -> str:
    parts: list[str] = []
    if report.nonfinite is not None:
        parts.append(f"a non-finite value (NaN/Inf) during {report.nonfinite.phase}")
    failed = [t for t in report.tensors if t.status == FAIL]
    if failed:
        parts.append(
            f"{len(failed)} of {len(report.tensors)} tensors FAIL: "
            + ", ".join(_tensor_words(t.name, t.rel_error, t.pattern) for t in failed)
        )
    if report.suspect_layer is not None:
        parts.append(f"suspect layer {report.suspect_layer}")
    return "; ".join(parts)


def warning_headline(report: Report) -> str:
    warned = [
        _tensor_words(t.name, t.rel_error, t.pattern) for t in report.tensors if t.status == WARN
    ]
    items = [f"borderline {w}" for w in warned]
    items += [f"[{w.kind}] {w.where}" for w in report.warnings]
    return "warnings fail in strict mode: " + ", ".join(items)


def _tensor_words(name: str, rel_error: float | None, pattern: str | None) -> str:
    from gradcheck.report.formatting import fmt

    words = [f"rel. error {fmt(rel_error)}"] + ([pattern] if pattern else [])
    return f"{name} ({', '.join(words)})"
