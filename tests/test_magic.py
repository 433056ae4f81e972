"""``%load_ext gradcheck`` and ``%gradcheck`` in IPython's own in-process shell: the check command over
the live notebook's namespace, returning a Report that displays itself."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

pytest.importorskip("IPython")

from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

from gradcheck import Report
from gradcheck.cli import check_command
from gradcheck.magic import _command
from tests.models.notebooks import (
    DATA,
    LOOSE_BUG,
    LOOSE_MODEL,
    NETWORK_BUG,
    NETWORK_CLASS,
    NETWORK_USE,
    TRIO_BUG,
    TRIO_FUNCTIONS,
    TRIO_PARAMS,
)


@pytest.fixture
def shell() -> Iterator[Any]:
    """IPython's test shell with gradcheck loaded and an empty namespace, as a fresh notebook."""
    ip = InteractiveShell.instance()
    ip.reset(new_session=False)
    ip.run_line_magic("load_ext", "gradcheck")
    yield ip
    ip.reset(new_session=False)


def run(shell: Any, *cells: str) -> None:
    """Run cells as a user would, failing the test if one raises."""
    for cell in cells:
        shell.run_cell(cell).raise_error()


def statuses(report: Report) -> dict[str, str]:
    return {t.name: t.status for t in report.tensors}


def test_the_magic_checks_loose_functions_defined_in_cells(shell: Any) -> None:
    run(shell, "import numpy as np", DATA, LOOSE_MODEL)
    report = shell.run_line_magic("gradcheck", "")
    assert isinstance(report, Report)
    assert report.ok and statuses(report) == {"W": "pass", "b": "pass"}


def test_the_magic_finds_a_planted_bug(shell: Any) -> None:
    run(shell, "import numpy as np", DATA, LOOSE_BUG)
    report = shell.run_line_magic("gradcheck", "")
    assert not report.ok
    assert statuses(report) == {"W": "fail", "b": "pass"}
    assert report.tensor("W").pattern == "scale"


def test_the_magic_checks_the_trio_and_names_a_flipped_sign(shell: Any) -> None:
    run(shell, "import numpy as np", DATA, TRIO_PARAMS, TRIO_FUNCTIONS)
    assert shell.run_line_magic("gradcheck", "").ok
    run(shell, TRIO_BUG)  # the learner edits the cell and runs it again
    report = shell.run_line_magic("gradcheck", "")
    assert statuses(report) == {"W1": "pass", "b1": "fail", "W2": "pass", "b2": "pass"}
    assert report.tensor("b1").pattern == "sign"


def test_the_magic_checks_a_network_object(shell: Any) -> None:
    run(shell, "import numpy as np", NETWORK_CLASS, DATA, NETWORK_USE)
    assert shell.run_line_magic("gradcheck", "").ok
    run(shell, NETWORK_BUG, NETWORK_USE)
    report = shell.run_line_magic("gradcheck", "")
    assert statuses(report) == {
        "params['W1']": "fail",
        "params['b1']": "pass",
        "params['W2']": "fail",
        "params['b2']": "pass",
    }


def test_object_names_the_instance_without_gradcheck_model(shell: Any) -> None:
    run(shell, "import numpy as np", NETWORK_CLASS, DATA, "net = NeuralNetwork(X, Y, [3, 2, 1])")
    run(shell, "net.initialize()")
    report = shell.run_line_magic("gradcheck", "--object net --mode full")
    assert report.ok and report.stats.mode == "full"
    assert len(report.tensors) == 4


def test_the_magic_line_in_a_cell_returns_the_report(shell: Any) -> None:
    run(shell, "import numpy as np", DATA, LOOSE_MODEL)
    result = shell.run_cell("%gradcheck --only W --seed 3")
    result.raise_error()
    assert isinstance(result.result, Report)
    assert [t.name for t in result.result.tensors] == ["W"]
    assert result.result.stats.seed == 3


def test_the_parameters_are_bit_for_bit_unchanged(shell: Any) -> None:
    run(
        shell,
        "import numpy as np",
        DATA,
        LOOSE_BUG,
        "before = {k: v.copy() for k, v in params.items()}",
    )
    shell.run_line_magic("gradcheck", "--mode full")
    ns = shell.user_ns
    for name, value in ns["before"].items():
        assert ns["params"][name].tobytes() == value.tobytes()
        assert ns["params"][name] is not value


def test_json_prints_one_document(shell: Any, capsys: pytest.CaptureFixture[str]) -> None:
    run(shell, "import numpy as np", DATA, LOOSE_BUG)
    assert shell.run_line_magic("gradcheck", "--json") is None
    document = json.loads(capsys.readouterr().out)
    assert document["ok"] is False
    assert [t["status"] for t in document["tensors"]] == ["fail", "pass"]


def test_the_flags_are_the_flags_of_check(shell: Any) -> None:
    check_flags = {p.name for p in check_command.params} - {"file"}
    assert {p.name for p in _command(shell).params} == check_flags


# ----------------------------------------------------------------------------------------------
# Errors: one line for what gradcheck cannot use, the user's own exceptions as they are
# ----------------------------------------------------------------------------------------------


def test_no_model_lists_the_notebook_names_not_ipythons(shell: Any) -> None:
    run(shell, "import numpy as np", DATA)
    with pytest.raises(UsageError) as err:
        shell.run_line_magic("gradcheck", "")
    message = str(err.value)
    assert message.startswith("gradcheck: found no model in this notebook.")
    assert "other names: rng, X, Y." in message
    assert "In," not in message and "Out" not in message


def test_a_bad_flag_is_a_usage_error(shell: Any) -> None:
    run(shell, "import numpy as np", DATA, LOOSE_MODEL)
    with pytest.raises(UsageError, match="Invalid value for '--mode': 'fast'"):
        shell.run_line_magic("gradcheck", "--mode fast")
    with pytest.raises(UsageError, match="No such option.*--nope"):
        shell.run_line_magic("gradcheck", "--nope")
    with pytest.raises(UsageError, match="No closing quotation"):
        shell.run_line_magic("gradcheck", "--only 'W")


def test_help_prints_the_flags(shell: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert shell.run_line_magic("gradcheck", "--help") is None
    out = capsys.readouterr().out
    assert out.startswith("Usage: %gradcheck [OPTIONS]")
    assert "--mode" in out and "--object NAME" in out


def test_an_exception_in_the_users_code_keeps_its_type(shell: Any) -> None:
    run(
        shell, "import numpy as np", DATA, LOOSE_MODEL.replace("return float(", "return float(Q + ")
    )
    with pytest.raises(NameError, match="'Q'"):
        shell.run_line_magic("gradcheck", "")


def test_a_model_the_harness_cannot_use_is_a_usage_error(shell: Any) -> None:
    run(shell, "import numpy as np", DATA, LOOSE_MODEL, "params['W'] = params['W'].astype(int)")
    with pytest.raises(UsageError, match="parameter 'W' has dtype int64"):
        shell.run_line_magic("gradcheck", "")


def test_ctrl_c_returns_the_tensors_finished_so_far(
    shell: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    run(
        shell,
        "import numpy as np",
        DATA,
        LOOSE_MODEL,
        "W0, b0 = params['W'].copy(), params['b'].copy()",
    )
    run(
        shell,
        """_loss = loss
def loss(p):
    if not np.array_equal(p["b"], b0):  # W is finished; b is being checked
        raise KeyboardInterrupt
    return _loss(p)""",
    )
    report = shell.run_line_magic("gradcheck", "")
    assert report.stats.interrupted and not report.ok
    assert statuses(report) == {"W": "pass"}
    assert "interrupted; the report covers the tensors finished so far" in capsys.readouterr().err
    ns = shell.user_ns
    assert ns["params"]["W"].tobytes() == ns["W0"].tobytes()
    assert ns["params"]["b"].tobytes() == ns["b0"].tobytes()


# ----------------------------------------------------------------------------------------------
# Display
# ----------------------------------------------------------------------------------------------


def test_the_report_displays_as_html_in_a_notebook(shell: Any) -> None:
    run(shell, "import numpy as np", DATA, LOOSE_BUG)
    report = shell.run_line_magic("gradcheck", "")
    shown, _ = shell.display_formatter.format(report)
    html = shown["text/html"]
    assert html.startswith("<pre") and html.rstrip().endswith("</pre>")
    assert "NOT OK: The gradient of W is wrong" in html
    assert "2 times the true one" in html


def test_a_terminal_ipython_shows_the_report_not_the_dataclass(shell: Any) -> None:
    run(shell, "import numpy as np", DATA, LOOSE_MODEL)
    report = shell.run_line_magic("gradcheck", "")
    shown, _ = shell.display_formatter.format(report)
    text = shown["text/plain"]
    assert "TensorResult(" not in text
    assert "OK: " in text and "tensor" in text


def test_import_gradcheck_loads_neither_ipython_nor_rich() -> None:
    code = (
        "import sys, gradcheck\n"
        "assert callable(gradcheck.load_ipython_extension)\n"
        "print(sorted(m for m in ('IPython', 'rich', 'click') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_loading_the_extension_twice_keeps_one_magic(shell: Any) -> None:
    shell.run_line_magic("load_ext", "gradcheck")
    shell.run_line_magic("reload_ext", "gradcheck")
    run(shell, "import numpy as np", DATA, LOOSE_MODEL)
    assert shell.run_line_magic("gradcheck", "").ok
    assert np.isfinite(shell.user_ns["params"]["W"]).all()


REGULARIZED = """
import numpy as np
rng = np.random.default_rng(0)
X = rng.standard_normal((3, 5))
Y = rng.standard_normal((1, 5))
parameters = {"W": rng.standard_normal((1, 3))}
def forward(X, parameters):
    return parameters["W"] @ X
def cost(out, Y, parameters, lambd):
    return float(0.5 * np.sum((out - Y) ** 2) + 0.5 * lambd * np.sum(parameters["W"] ** 2))
def backward(out, X, Y, parameters, lambd):
    return {"dW": (out - Y) @ X.T + SCALE * lambd * parameters["W"]}
"""


def test_set_binds_a_hyperparameter_in_the_magic_too(shell: Any) -> None:
    run(shell, "SCALE = 1\n" + REGULARIZED)
    assert statuses(shell.run_line_magic("gradcheck", "--set lambd=0.5")) == {"W": "pass"}
    run(shell, "SCALE = 2\n")
    assert statuses(shell.run_line_magic("gradcheck", "--set lambd=0.5")) == {"W": "fail"}
