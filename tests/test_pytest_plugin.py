"""The pytest plugin, tested the way pytest-randomly is: small test files run by ``pytester``.

The plugin is loaded through its ``pytest11`` entry point (the package is installed), exactly as a
user gets it: the generated test files have no conftest.py.
"""

from __future__ import annotations

import dataclasses
import importlib.util
from collections.abc import Callable
from pathlib import Path

import hypothesis  # noqa: F401  (see below)
import pytest

import gradcheck as gc
from gradcheck.pytest_plugin import failure_message
from tests.nets import make_mlp

pytest_plugins = ["pytester"]

# Why hypothesis is imported above: its pytest plugin imports it at the end of every in-process run,
# and pytester drops modules imported during a run, so each run would pay ~0.8 s to import it again.

MODELS_SOURCE = Path(__file__).with_name("nets.py").read_text()

ESC = "\x1b"

# A test that prints what its check actually did, so each setting is seen in its effect: the mode
# asked for, the seed used, how many of W1's 80 coordinates were compared, and strictness.
SETTINGS_PROBE = """
import pytest
from mlp import make_mlp

{marker}
def test_probe(gradcheck):
    params, loss, grads = make_mlp(sizes=(8, 10, 3))
    report = gradcheck(loss=loss, grads=grads, params=params{call})
    print("\\nPROBE mode={{}} seed={{}} W1={{}} strict={{}}".format(
        report.stats.requested_mode, report.stats.seed, report.tensor("W1").checked,
        gradcheck.settings.strict))
"""


@pytest.fixture
def probe(pytester: pytest.Pytester) -> Callable[..., str]:
    """Write the mlp models and a probe test; return a runner that gives the PROBE line."""
    pytester.makepyfile(mlp=MODELS_SOURCE)

    def run(*args: str, marker: str = "", call: str = "", ini: str = "") -> str:
        if ini:
            pytester.makeini("[pytest]\n" + ini)
        pytester.makepyfile(test_probe=SETTINGS_PROBE.format(marker=marker, call=call))
        result = pytester.runpytest("-s", *args)
        result.assert_outcomes(passed=1)
        (line,) = [line for line in result.outlines if line.startswith("PROBE")]
        return line

    return run


# --------------------------------------------------------------------------------------------
# Passing and failing
# --------------------------------------------------------------------------------------------


def test_a_correct_model_passes_and_the_fixture_returns_the_report(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(mlp=MODELS_SOURCE)
    pytester.makepyfile("""
        import gradcheck as gc
        from mlp import make_mlp

        def test_correct(gradcheck):
            params, loss, grads = make_mlp()
            report = gradcheck(loss=loss, grads=grads, params=params)
            assert isinstance(report, gc.Report) and report.ok
            assert [t.name for t in report.tensors] == ["W1", "b1", "W2", "b2"]
    """)
    pytester.runpytest().assert_outcomes(passed=1)


def test_a_flipped_sign_fails_naming_the_tensor_in_plain_text(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(mlp=MODELS_SOURCE)
    pytester.makepyfile("""
        from mlp import make_mlp

        def test_sign(gradcheck):
            params, loss, grads = make_mlp(bug="sign")
            gradcheck(loss=loss, grads=grads, params=params)
    """)
    # --color=yes: pytest colours its own lines; the report it prints must still be plain.
    result = pytester.runpytest("--color=yes", "-rf")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "gradcheck: 1 of 4 tensors FAIL: W2 (rel. error 1*",
            "NOT OK: The gradient of W2 is wrong; the other 3 agree*",
            "W2 FAIL  worst W2?*: analytic *, numeric *",
            "1 of 4 tensors FAIL: W2.*",
            "*FAILED*test_sign*gradcheck: 1 of 4 tensors FAIL: W2*",
        ]
    )
    start = result.outlines.index(
        next(l for l in result.outlines if l.startswith("gradcheck: 1 of"))
    )
    end = result.outlines.index(
        next(l for l in result.outlines if l.startswith("every coordinate checked"))
    )
    report_lines = result.outlines[start : end + 1]
    assert not [line for line in report_lines if ESC in line]
    assert "Traceback" not in result.stdout.str()  # pytrace=False: the report, not plugin frames

    # Whatever the diagnosis finds (pattern, suspect layer), the failure shows it.
    params, loss, grads = make_mlp(bug="sign")
    report = gc.check(loss=loss, grads=grads, params=params)
    if report.tensor("W2").pattern:
        assert report.tensor("W2").pattern in report_lines[0]
    if report.suspect_layer:
        assert f"suspect layer {report.suspect_layer}" in report_lines[0]


def test_a_missing_one_over_m_names_every_tensor(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(mlp=MODELS_SOURCE)
    pytester.makepyfile("""
        from mlp import make_mlp

        def test_scale(gradcheck):
            params, loss, grads = make_mlp(bug="missing_1/m")
            gradcheck(loss=loss, grads=grads, params=params)
    """)
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "gradcheck: 4 of 4 tensors FAIL: W1 (*scale), b1 (*scale), W2 (*scale), b2 (*scale); suspect layer 2"
        ]
    )


def test_the_headline_carries_the_pattern_and_the_suspect_layer() -> None:
    params, loss, grads = make_mlp(bug="sign")
    report = gc.check(loss=loss, grads=grads, params=params)
    diagnosed = dataclasses.replace(
        report,
        tensors=tuple(
            dataclasses.replace(t, pattern="sign") if t.name == "W2" else t for t in report.tensors
        ),
        suspect_layer="2",
    )
    message = failure_message(diagnosed, strict=False)
    assert message is not None
    assert (
        message.splitlines()[0]
        == "gradcheck: 1 of 4 tensors FAIL: W2 (rel. error 1, sign); suspect layer 2"
    )
    assert ESC not in message


def test_a_nan_loss_fails_and_says_so(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import numpy as np

        def test_nan(gradcheck):
            params = {"w": np.array([1.0, 2.0])}
            gradcheck(loss=lambda p: np.log(-p["w"].sum()), grads=lambda p: {"dw": p["w"]},
                      params=params)
    """)
    result = pytester.runpytest("-W", "ignore::RuntimeWarning")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["gradcheck: a non-finite value (NaN/Inf) during *"])


def test_an_unusable_model_is_an_error_that_names_what_is_missing(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile("""
        def test_no_model(gradcheck):
            gradcheck()
    """)
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*GradcheckError: no model given*"])


# --------------------------------------------------------------------------------------------
# Model forms
# --------------------------------------------------------------------------------------------

TRIO = """
import numpy as np

rng = np.random.default_rng(0)
X = rng.standard_normal((3, 5))
Y = rng.standard_normal((2, 5))

def make_params():
    return {"W": rng.standard_normal((2, 3)), "b": np.zeros((2, 1))}

def forward(params, X):
    return params["W"] @ X + params["b"]

def cost(AL, Y):
    return 0.5 * np.sum((AL - Y) ** 2) / Y.shape[1]

def backward(AL, Y, X):
    dZ = (AL - Y) / Y.shape[1]
    return {"dW": dZ @ X.T, "db": dZ.sum(axis=1, keepdims=True)}

def backward_transposed(AL, Y, X):
    grads = backward(AL, Y, X)
    return {"dW": X @ ((AL - Y) / Y.shape[1]).T, "db": grads["db"]}
"""


def test_the_trio_passes_and_a_wrong_backward_fails(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(trio=TRIO)
    pytester.makepyfile("""
        from trio import X, Y, backward, backward_transposed, cost, forward, make_params

        def test_right(gradcheck):
            report = gradcheck(forward=forward, cost=cost, backward=backward, params=make_params(),
                               X=X, Y=Y)
            assert [t.name for t in report.tensors] == ["W", "b"]

        def test_wrong(gradcheck):
            gradcheck(forward=forward, cost=cost, backward=backward_transposed,
                      params=make_params(), X=X, Y=Y)
    """)
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["gradcheck: 1 of 2 tensors FAIL: W (*"])


def test_a_model_as_the_first_argument(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(mlp=MODELS_SOURCE)
    pytester.makepyfile("""
        import gradcheck as gc
        from mlp import make_mlp

        def model(bug=None):
            params, loss, grads = make_mlp(bug=bug)
            return gc.Model(params=params, loss=lambda: loss(params), grads=lambda: grads(params))

        def test_right(gradcheck):
            assert gradcheck(model()).ok

        def test_wrong(gradcheck):
            gradcheck(model(bug="scale2"))
    """)
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["gradcheck: 1 of 4 tensors FAIL: W2 (*"])


def test_a_stateful_object(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(trio=TRIO)
    pytester.makepyfile("""
        import gradcheck as gc
        from trio import X, Y, backward, cost, forward, make_params

        class Net:
            def __init__(self):
                self.params = make_params()
            def forward(self):
                self.out = forward(self.params, X)
            def cost(self):
                return cost(self.out, Y)
            def backward(self):
                self.grads = backward(self.out, Y, X)

        def test_object(gradcheck):
            assert gradcheck(gc.from_object(Net())).ok
    """)
    pytester.runpytest().assert_outcomes(passed=1)


# --------------------------------------------------------------------------------------------
# Settings: options, ini, marker, call, and which wins
# --------------------------------------------------------------------------------------------


def test_the_built_in_defaults(probe: Callable[..., str]) -> None:
    assert probe() == "PROBE mode=auto seed=0 W1=80 strict=False"


def test_each_command_line_option(probe: Callable[..., str]) -> None:
    assert probe("--gradcheck-mode=sampled") == "PROBE mode=sampled seed=0 W1=20 strict=False"
    assert probe("--gradcheck-mode=sampled", "--gradcheck-sample=3") == (
        "PROBE mode=sampled seed=0 W1=3 strict=False"
    )
    assert probe("--gradcheck-seed=7") == "PROBE mode=auto seed=7 W1=80 strict=False"
    assert probe("--gradcheck-strict") == "PROBE mode=auto seed=0 W1=80 strict=True"


def test_ini_settings_are_project_defaults(probe: Callable[..., str]) -> None:
    ini = (
        "gradcheck_mode = sampled\ngradcheck_seed = 5\ngradcheck_sample = 4\ngradcheck_strict = 1\n"
    )
    assert probe(ini=ini) == "PROBE mode=sampled seed=5 W1=4 strict=True"


def test_an_ini_strict_is_turned_off_for_one_run_with_dash_o(probe: Callable[..., str]) -> None:
    # --gradcheck-strict can only switch strictness on; -o overrides the ini value itself.
    line = probe("-o", "gradcheck_strict=false", ini="gradcheck_strict = true\n")
    assert line == "PROBE mode=auto seed=0 W1=80 strict=False"


def test_the_marker_sets_defaults_for_one_test(probe: Callable[..., str]) -> None:
    marker = '@pytest.mark.gradcheck(mode="sampled", seed=9, sample=6, strict=True)'
    assert probe(marker=marker) == "PROBE mode=sampled seed=9 W1=6 strict=True"


def test_a_function_marker_beats_a_module_marker(probe: Callable[..., str]) -> None:
    marker = (
        'pytestmark = pytest.mark.gradcheck(mode="sampled", seed=1)\n@pytest.mark.gradcheck(seed=2)'
    )
    assert probe(marker=marker) == "PROBE mode=sampled seed=2 W1=20 strict=False"


@pytest.mark.parametrize(
    ("layers", "seed"),
    [
        ({"ini"}, 1),
        ({"ini", "cli"}, 2),
        ({"ini", "cli", "marker"}, 3),
        ({"ini", "cli", "marker", "call"}, 4),
        ({"cli", "call"}, 4),
        ({"ini", "marker"}, 3),
    ],
)
def test_precedence_is_call_then_marker_then_command_line_then_ini(
    probe: Callable[..., str], layers: set[str], seed: int
) -> None:
    line = probe(
        *(["--gradcheck-seed=2"] if "cli" in layers else []),
        ini="gradcheck_seed = 1\n" if "ini" in layers else "",
        marker="@pytest.mark.gradcheck(seed=3)" if "marker" in layers else "",
        call=", seed=4" if "call" in layers else "",
    )
    assert f" seed={seed} " in line


def test_the_marker_is_registered_for_strict_markers(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import pytest

        @pytest.mark.gradcheck(mode="full")
        def test_marked():
            pass
    """)
    pytester.runpytest("--strict-markers").assert_outcomes(passed=1)
    pytester.runpytest("--markers").stdout.fnmatch_lines(["@pytest.mark.gradcheck(mode=, seed=, *"])


@pytest.mark.parametrize(
    ("marker", "error"),
    [
        (
            'mode="exhaustive"',
            (
                "@pytest.mark.gradcheck: mode must be one of auto, full, sampled, "
                "directional; got 'exhaustive'"
            ),
        ),
        (
            "samples=3",
            "@pytest.mark.gradcheck: unknown setting(s) samples; known: mode, seed, sample, strict",
        ),
        (
            "sample=0",
            (
                "@pytest.mark.gradcheck: sample must be a positive number of coordinates per "
                "tensor; got 0"
            ),
        ),
        ('strict="yes"', "@pytest.mark.gradcheck: strict must be True or False; got 'yes'"),
        (
            '"full"',
            (
                "@pytest.mark.gradcheck takes keywords only (mode=, seed=, sample=, strict=); "
                "got ('full',)"
            ),
        ),
    ],
)
def test_a_bad_marker_is_a_setup_error_naming_the_setting(
    pytester: pytest.Pytester, marker: str, error: str
) -> None:
    pytester.makepyfile(f"""
        import pytest

        @pytest.mark.gradcheck({marker})
        def test_marked(gradcheck):
            pass
    """)
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    assert error in result.outlines


@pytest.mark.parametrize(
    ("args", "ini", "error"),
    [
        (["--gradcheck-sample=0"], "", "*--gradcheck-sample: must be a positive number*"),
        (["--gradcheck-mode=exhaustive"], "", "*--gradcheck-mode: invalid choice: 'exhaustive'*"),
        (["--gradcheck-seed=x"], "", "*--gradcheck-seed: not an integer: 'x'*"),
        ([], "gradcheck_seed = x", "*ini gradcheck_seed: not an integer: 'x'*"),
        ([], "gradcheck_mode = exhaustive", "*ini: mode must be one of auto, full, *"),
    ],
)
def test_a_bad_option_is_a_usage_error(
    pytester: pytest.Pytester, args: list[str], ini: str, error: str
) -> None:
    if ini:
        pytester.makeini("[pytest]\n" + ini)
    pytester.makepyfile("def test_nothing(): pass")
    result = pytester.runpytest(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([error])


# --------------------------------------------------------------------------------------------
# Strict: warnings fail
# --------------------------------------------------------------------------------------------

BORDERLINE = """
import numpy as np
import pytest

def borderline():
    # dw is off by 6 parts in a million: relative error 3e-6, between pass (1e-6) and fail (1e-5).
    params = {"w": np.array([1.0, -2.0, 0.5]), "v": np.array([0.3, 0.7])}
    loss = lambda p: 0.5 * np.sum(p["w"] ** 2) + 0.5 * np.sum(p["v"] ** 2)
    grads = lambda p: {"dw": p["w"] * (1 + 6e-6), "dv": p["v"].copy()}
    return dict(loss=loss, grads=grads, params=params)

def test_plain(gradcheck):
    assert gradcheck(**borderline()).tensor("w").status == "warn"

@pytest.mark.gradcheck(strict=True)
def test_marked_strict(gradcheck):
    gradcheck(**borderline())

def test_call_strict(gradcheck):
    gradcheck(**borderline(), strict=True)

def test_call_not_strict(gradcheck):
    gradcheck(**borderline(), strict=False)
"""


def test_strict_makes_a_borderline_tensor_fail(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(BORDERLINE)
    result = pytester.runpytest("-rf")
    result.assert_outcomes(passed=2, failed=2)
    result.stdout.fnmatch_lines(
        [
            "gradcheck (strict): warnings fail in strict mode: borderline w (rel. error 3.00e-06*)",
            "*FAILED*test_marked_strict*",
            "*FAILED*test_call_strict*",
        ]
    )


def test_strict_on_the_command_line_and_off_in_a_call(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(BORDERLINE)
    result = pytester.runpytest("--gradcheck-strict", "-rf")
    result.assert_outcomes(passed=1, failed=3)
    result.stdout.fnmatch_lines(["*FAILED*test_plain*"])
    assert "test_call_not_strict" not in result.stdout.str()


# --------------------------------------------------------------------------------------------
# Header, quietness, xdist
# --------------------------------------------------------------------------------------------


def test_the_header_states_the_settings(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_nothing(): pass")
    pytester.runpytest().stdout.fnmatch_lines(
        ["gradcheck: mode=auto, seed=0, sample=20, strict=False"]
    )
    pytester.makeini("[pytest]\ngradcheck_seed = 3\n")
    pytester.runpytest(
        "--gradcheck-mode=sampled", "--gradcheck-sample=7", "--gradcheck-strict"
    ).stdout.fnmatch_lines(["gradcheck: mode=sampled, seed=3, sample=7, strict=True"])


def test_a_suite_that_does_not_use_it_sees_only_the_header(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import sys

        def test_untouched():
            assert "rich" not in sys.modules  # rendering is imported only when a check fails
    """)
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=1)
    assert [
        line
        for line in result.outlines
        if "gradcheck" in line and not line.startswith(("plugins:", "rootdir:"))
    ] == ["gradcheck: mode=auto, seed=0, sample=20, strict=False"]
    assert result.errlines == []


def test_it_can_be_switched_off(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_nothing(): pass")
    result = pytester.runpytest("-p", "no:gradcheck")
    result.assert_outcomes(passed=1)
    assert "gradcheck: mode=" not in result.stdout.str()


@pytest.mark.skipif(importlib.util.find_spec("xdist") is None, reason="pytest-xdist not installed")
def test_it_works_under_xdist(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(mlp=MODELS_SOURCE)
    pytester.makepyfile("""
        import pytest
        from mlp import make_mlp

        @pytest.mark.parametrize("bug", [None, "sign", None, "missing_1/m"])
        def test_model(gradcheck, bug):
            params, loss, grads = make_mlp(bug=bug)
            report = gradcheck(loss=loss, grads=grads, params=params)
            assert report.stats.requested_mode == "sampled" and report.stats.seed == 4
    """)
    result = pytester.runpytest_subprocess(
        "-n", "2", "--gradcheck-mode=sampled", "--gradcheck-seed=4"
    )
    result.assert_outcomes(passed=2, failed=2)
    # Workers finish in any order: look for each failure on its own.
    result.stdout.fnmatch_lines(["gradcheck: 1 of 4 tensors FAIL: W2 (*"])
    result.stdout.fnmatch_lines(["gradcheck: 4 of 4 tensors FAIL: *"])
