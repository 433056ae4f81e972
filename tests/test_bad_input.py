"""Bad input and faults: every case ends in one sentence that names the culprit, never in a harness
traceback, and never with the user's parameters changed.

Each case goes through the Python API and, where a file can carry it, the command line: exit 2 and
exactly one line on stderr for a model gradcheck cannot use; the user's own frames (and only those)
above that line when the user's code raised; exit 1 for a model that can be checked but is wrong
(NaN included); 130 for Ctrl-C, after the results finished so far.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

import gradcheck
from gradcheck import GradcheckError
from gradcheck.cli import main
from gradcheck.errors import CheckInterrupted
from gradcheck.models.discovery import load_model

PACKAGE_DIR = str(Path(gradcheck.__file__).resolve().parent)

# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------

# A correct two-tensor model in the loose form; the CLI cases edit this source.
LOOSE = """
import numpy as np
rng = np.random.default_rng(0)
X = rng.standard_normal((3, 5))
Y = rng.standard_normal((2, 5))
params = {"W": rng.standard_normal((2, 3)), "b": 0.1 * rng.standard_normal((2, 1))}

def loss(p):
    Z = p["W"] @ X + p["b"]
    return 0.5 * np.sum((Z - Y) ** 2) / 5

def grads(p):
    dZ = (p["W"] @ X + p["b"] - Y) / 5
    return {"dW": dZ @ X.T, "db": dZ.sum(axis=1, keepdims=True)}
"""


def write(tmp_path: Path, source: str, name: str = "model.py") -> str:
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return str(path)


def cli(*args: str) -> tuple[int, str, str]:
    # catch_exceptions=False: a harness traceback would fail the test right here.
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def one_line(err: str, *needles: str) -> str:
    """stderr is exactly one line, gradcheck's, holding every needle."""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("gradcheck: "), err
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def user_frames_only(err: str, user_file: str, exc_type: str) -> None:
    """A traceback of the user's frames only, then one line of gradcheck's."""
    lines = err.strip().splitlines()
    assert lines[0] == "Traceback (most recent call last):", err
    frames = [line for line in lines if line.lstrip().startswith('File "')]
    assert frames and all(user_file in frame for frame in frames), err
    assert PACKAGE_DIR not in err
    assert lines[-1].startswith(f"gradcheck: your code raised {exc_type} while "), err
    assert lines[-1].endswith("(traceback above)"), err


def bits(arrays: dict[str, np.ndarray]) -> dict[str, tuple[bytes, bytes]]:
    """Every bit of every array: values in order, and raw bytes (NaN payloads, -0.0)."""
    return {
        k: (a.tobytes(), np.ascontiguousarray(a).reshape(-1).view(np.uint8).tobytes())
        for k, a in arrays.items()
    }


def tiny(
    seed: int = 0, dtype: Any = np.float64
) -> tuple[
    dict[str, np.ndarray],
    Callable[[Any], float],
    Callable[[Any], dict[str, np.ndarray]],
    np.ndarray,
    np.ndarray,
]:
    """A correct linear model with squared loss: params, loss, grads, X, Y."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((3, 5)).astype(dtype)
    Y = rng.standard_normal((2, 5)).astype(dtype)
    params = {
        "W": rng.standard_normal((2, 3)).astype(dtype),
        "b": (0.1 * rng.standard_normal((2, 1))).astype(dtype),
    }

    def loss(p: Any) -> float:
        Z = p["W"] @ X + p["b"]
        return 0.5 * float(np.sum((Z - Y) ** 2)) / 5

    def grads(p: Any) -> dict[str, np.ndarray]:
        dZ = (p["W"] @ X + p["b"] - Y) / 5
        return {"dW": dZ @ X.T, "db": dZ.sum(axis=1, keepdims=True)}

    return params, loss, grads, X, Y


class Net:
    """The stateful course style: parameters, data, caches and gradients on self."""

    def __init__(self, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.X = rng.standard_normal((3, 5))
        self.Y = rng.standard_normal((2, 5))
        self.W = rng.standard_normal((2, 3))
        self.b = 0.1 * rng.standard_normal((2, 1))

    def forward(self) -> np.ndarray:
        self.Z = self.W @ self.X + self.b
        return self.Z

    def cost(self) -> float:
        return 0.5 * float(np.sum((self.Z - self.Y) ** 2)) / 5

    def backward(self) -> None:
        dZ = (self.Z - self.Y) / 5
        self.dW = dZ @ self.X.T
        self.db = dZ.sum(axis=1, keepdims=True)


def state_of(net: Net) -> dict[str, np.ndarray]:
    return {"W": net.W, "b": net.b, "X": net.X, "Y": net.Y}


# --------------------------------------------------------------------------------------------
# The file
# --------------------------------------------------------------------------------------------


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    missing = str(tmp_path / "nowhere.py")
    with pytest.raises(GradcheckError, match="nowhere.py: no such file"):
        load_model(missing)
    code, out, err = cli("check", missing)
    assert (code, out) == (2, "")
    one_line(err, "nowhere.py: no such file")


def test_a_file_that_is_not_python_is_named(tmp_path: Path) -> None:
    text = write(tmp_path, "x = 1\n", "model.txt")
    with pytest.raises(GradcheckError, match=r"model.txt is not a Python file \(.py\)"):
        load_model(text)
    code, _, err = cli("check", text)
    assert code == 2
    one_line(err, "model.txt is not a Python file (.py)")


def test_a_notebook_without_code_cells_says_there_is_no_model(tmp_path: Path) -> None:
    # Notebooks are read since issue 14 (they were refused with the nbconvert command before).
    notebook = write(tmp_path, '{"cells": []}', "model.ipynb")
    code, _, err = cli("check", notebook)
    assert code == 2
    one_line(err, "model.ipynb has no code cells (0 cells in all): there is no model to check")


def test_a_binary_file_with_a_py_name_is_not_python_source(tmp_path: Path) -> None:
    path = tmp_path / "model.py"
    path.write_bytes(b"x = 1\x00\x01\x02\n")
    code, _, err = cli("check", str(path))
    assert code == 2
    one_line(err, "holds binary data (NUL bytes), not Python source")


def test_a_syntax_error_names_the_file_and_line(tmp_path: Path) -> None:
    broken = write(tmp_path, "import numpy as np\n\ndef loss(p:\n    return 1\n")
    with pytest.raises(GradcheckError, match=r"model.py:3: syntax error"):
        load_model(broken)
    code, _, err = cli("check", broken)
    assert code == 2
    one_line(err, "model.py:3: syntax error")


def test_an_import_error_inside_the_file_keeps_its_type_and_shows_only_the_users_frames(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, "import numpy as np\nimport not_a_real_module_xyz\n")
    with pytest.raises(ModuleNotFoundError, match="not_a_real_module_xyz"):
        load_model(path)
    code, out, err = cli("check", path)
    assert (code, out) == (2, "")
    user_frames_only(err, path, "ModuleNotFoundError")
    assert "while importing" in err
    assert "import not_a_real_module_xyz" in err  # the line, as the user wrote it


def test_a_file_with_no_model_lists_what_it_defines_and_what_was_looked_for(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, "import numpy as np\nA = np.ones(3)\ndef helper():\n    pass\n")
    with pytest.raises(GradcheckError, match="found no model"):
        load_model(path)
    code, _, err = cli("check", path)
    assert code == 2
    one_line(err, "found no model in", "functions: helper", "other names: A", "gradcheck_model")


def test_an_ambiguous_object_lists_the_candidates(tmp_path: Path) -> None:
    class TwoForwards(Net):
        def feedforward(self) -> np.ndarray:
            return self.forward()

    with pytest.raises(GradcheckError, match="several methods that look like its forward"):
        gradcheck.check(TwoForwards())
    path = write(
        tmp_path,
        """
        import numpy as np
        class Net:
            def __init__(self):
                self.W = np.ones((2, 2)); self.X = np.ones((2, 3))
            def forward(self):
                self.Z = self.W @ self.X
                return self.Z
            def feedforward(self):
                return self.forward()
            def cost(self):
                return float(np.sum(self.Z))
            def backward(self):
                self.dW = np.ones((2, 1)) @ self.X.sum(axis=1, keepdims=True).T
        net = Net()
        """,
    )
    code, _, err = cli("check", path, "--object", "net")
    assert code == 2
    one_line(err, "several methods that look like its forward: feedforward, forward", "--forward")


# --------------------------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------------------------


def test_integer_parameters_are_refused_by_name(tmp_path: Path) -> None:
    params, loss, grads, _, _ = tiny()
    params["W"] = np.ones((2, 3), dtype=np.int64)
    with pytest.raises(GradcheckError, match="parameter 'W' has dtype int64.*astype"):
        gradcheck.check(loss=loss, grads=grads, params=params)
    path = write(tmp_path, LOOSE + "params['W'] = params['W'].astype(int)\n")
    code, _, err = cli("check", path)
    assert code == 2
    one_line(err, "parameter 'W' has dtype int64")


def test_read_only_parameters_are_refused_by_name(tmp_path: Path) -> None:
    params, loss, grads, _, _ = tiny()
    params["b"] = np.broadcast_to(np.zeros(1), (2, 1))
    with pytest.raises(GradcheckError, match="parameter 'b' is read-only"):
        gradcheck.check(loss=loss, grads=grads, params=params)
    path = write(tmp_path, LOOSE + "params['b'] = np.broadcast_to(np.zeros(1), (2, 1))\n")
    code, _, err = cli("check", path)
    assert code == 2
    one_line(err, "parameter 'b' is read-only", "writeable")


def test_a_parameter_name_that_looks_like_markup_is_printed_as_it_is(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        import numpy as np
        params = {"W[b]": np.ones((2, 2), dtype=int)}
        def loss(p): return 1.0
        def grads(p): return {}
        """,
    )
    code, _, err = cli("check", path)
    assert code == 2
    one_line(err, "parameter 'W[b]' has dtype int64")


def test_zero_dimensional_and_empty_parameters_are_checked(tmp_path: Path) -> None:
    source = """
    import numpy as np
    params = {"a": np.array(1.5), "e": np.zeros((0, 3))}
    def loss(p): return float(p["a"] ** 3 + np.sum(p["e"] ** 2))
    def grads(p): return {"da": 3 * p["a"] ** 2, "de": 2 * p["e"]}
    """
    path = write(tmp_path, source)
    report = gradcheck.check(load_model(path))
    assert report.ok
    assert [(t.name, t.shape, t.checked) for t in report.tensors] == [
        ("a", (), 1),
        ("e", (0, 3), 0),
    ]
    code, out, _ = cli("check", path)
    assert code == 0 and "OK" in out


def test_an_empty_parameter_mapping_is_refused() -> None:
    _, loss, grads, _, _ = tiny()
    with pytest.raises(GradcheckError, match="params is empty"):
        gradcheck.check(loss=loss, grads=grads, params={})


def test_non_contiguous_views_are_checked_and_restored_bit_for_bit() -> None:
    rng = np.random.default_rng(3)
    base_w = rng.standard_normal((4, 6))
    base_w[0, 0] = -0.0  # the sign of a zero is a bit too
    base_b = rng.standard_normal((4, 2))
    params = {"W": base_w[::2, ::2].T, "b": base_b[::2, 1:]}  # strided, transposed, offset
    assert not params["W"].flags.c_contiguous and not params["b"].flags.c_contiguous
    X = rng.standard_normal((2, 5))
    Y = rng.standard_normal((3, 5))
    s, t = rng.standard_normal((2, 1)), rng.standard_normal((2, 1))

    def loss(p: Any) -> float:
        return 0.5 * float(np.sum((p["W"] @ X - Y) ** 2) + np.sum((p["b"] * s - t) ** 2))

    def grads(p: Any) -> dict[str, np.ndarray]:
        return {"dW": (p["W"] @ X - Y) @ X.T, "db": (p["b"] * s - t) * s}

    before = bits({"W": base_w, "b": base_b})
    report = gradcheck.check(loss=loss, grads=grads, params=params, mode="full")
    assert report.ok, [t.message for t in report.tensors]
    assert report.tensor("W").checked == 6 and report.tensor("b").checked == 2
    assert bits({"W": base_w, "b": base_b}) == before
    assert np.signbit(base_w[0, 0])
    assert params["W"].base is not None  # still the user's views, never copies


def test_parameters_that_share_memory_are_named(tmp_path: Path) -> None:
    _, loss, grads, _, _ = tiny()
    W = np.ones((2, 3))
    with pytest.raises(GradcheckError, match="'W' and 'b' are the same array"):
        gradcheck.check(loss=loss, grads=grads, params={"W": W, "b": W})
    with pytest.raises(GradcheckError, match="'W' and 'b' share memory.*view"):
        gradcheck.check(loss=loss, grads=grads, params={"W": W, "b": W[:, :1]})
    path = write(tmp_path, LOOSE + "params['b'] = params['W'][:, :1]\n")
    code, _, err = cli("check", path)
    assert code == 2
    one_line(err, "parameters 'W' and 'b' share memory", "tied weights")


def test_a_parameter_holding_nan_is_reported_as_input_and_left_as_it_was(tmp_path: Path) -> None:
    params, loss, grads, _, _ = tiny()
    payload = np.array([0x7FF8_0000_DEAD_BEEF], dtype=np.uint64).view(np.float64)[0]
    params["W"][1, 2] = payload  # a NaN with a payload: it must survive bit for bit
    before = bits(params)
    report = gradcheck.check(loss=loss, grads=grads, params=params)
    assert not report.ok
    assert report.nonfinite is not None
    assert (report.nonfinite.kind, report.nonfinite.variable) == ("input", "W")
    assert bits(params) == before
    code, out, _ = cli("check", write(tmp_path, LOOSE + "params['W'][0, 0] = np.nan\n"))
    assert code == 1 and "NOT OK" in out


# --------------------------------------------------------------------------------------------
# The loss
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("returned", "expected"),
    [
        ("p['W'] @ X", r"the loss returned an array of shape \(2, 5\); it must return one number"),
        ("None", "the loss returned None.*missing `return`"),
        ("'0.5'", r"the loss returned a string \('0.5'\); it must return one number"),
    ],
    ids=["array", "None", "string"],
)
def test_a_loss_that_does_not_return_one_number_is_refused(
    tmp_path: Path, returned: str, expected: str
) -> None:
    params, _, grads, X, _ = tiny()
    loss = eval(f"lambda p: {returned}", {"X": X})
    with pytest.raises(GradcheckError, match=expected):
        gradcheck.check(loss=loss, grads=grads, params=params)
    path = write(tmp_path, LOOSE + f"\ndef loss(p):\n    return {returned}\n")
    code, _, err = cli("check", path)
    assert code == 2
    one_line(err, "the loss returned")


def test_a_loss_of_nan_is_reported_not_raised(tmp_path: Path) -> None:
    params, _, grads, _, _ = tiny()
    report = gradcheck.check(loss=lambda p: float("nan"), grads=grads, params=params)
    assert not report.ok and report.nonfinite is not None
    assert report.nonfinite.phase == "loss"
    assert [t.name for t in report.tensors] == []  # nothing compared against a NaN
    path = write(tmp_path, LOOSE + "\ndef loss(p):\n    return float('nan')\n")
    code, out, _ = cli("check", path, "--json")
    assert code == 1
    assert json.loads(out)["nonfinite"]["phase"] == "loss"


# --------------------------------------------------------------------------------------------
# The gradients
# --------------------------------------------------------------------------------------------


def test_gradients_as_a_list_are_refused(tmp_path: Path) -> None:
    params, loss, grads, _, _ = tiny()
    with pytest.raises(GradcheckError, match="returned a list, not a mapping of name"):
        gradcheck.check(loss=loss, grads=lambda p: list(grads(p).values()), params=params)
    path = write(tmp_path, LOOSE + "\n_g = grads\ndef grads(p):\n    return list(_g(p).values())\n")
    code, _, err = cli("check", path)
    assert code == 2
    one_line(err, "grads(params) returned a list")


def test_extra_gradient_keys_are_ignored() -> None:
    params, loss, grads, _, _ = tiny()
    report = gradcheck.check(
        loss=loss, grads=lambda p: {**grads(p), "dZ2": np.ones(7), "note": "hi"}, params=params
    )
    assert report.ok


def test_a_missing_gradient_key_is_a_failing_row_naming_the_keys_on_offer(tmp_path: Path) -> None:
    params, loss, grads, _, _ = tiny()
    report = gradcheck.check(loss=loss, grads=lambda p: {"dW": grads(p)["dW"]}, params=params)
    b = report.tensor("b")
    assert (b.status, b.pattern) == ("fail", "missing")
    assert "looked for 'b' and 'db'" in (b.message or "") and "'dW'" in (b.message or "")
    path = write(tmp_path, LOOSE + "\n_g = grads\ndef grads(p):\n    return {'dW': _g(p)['dW']}\n")
    code, out, _ = cli("check", path)
    assert code == 1 and "b FAIL" in out


def test_float32_gradients_of_float64_parameters_are_checked_with_a_warning() -> None:
    params, loss, grads, _, _ = tiny()
    report = gradcheck.check(
        loss=loss,
        grads=lambda p: {k: v.astype(np.float32) for k, v in grads(p).items()},
        params=params,
    )
    assert report.ok
    kinds = {(w.kind, w.where) for w in report.warnings}
    assert kinds >= {("gradient_dtype", "W"), ("gradient_dtype", "b")}
    message = next(w.message for w in report.warnings if w.where == "W")
    assert message.startswith("dW is float32 while W is float64: the check runs at float32")
    summary = next(w.summary for w in report.warnings if w.where == "W")
    assert summary == "dW is float32, so small mistakes go unseen: return float64 gradients"


def test_integer_gradients_fail_and_say_fractions_were_cut_off() -> None:
    params, loss, grads, _, _ = tiny()
    report = gradcheck.check(
        loss=loss,
        grads=lambda p: {k: v.astype(np.int64) for k, v in grads(p).items()},
        params=params,
    )
    assert not report.ok
    message = next(w.message for w in report.warnings if w.where == "W")
    assert message.startswith("dW holds int64 values") and "cut off" in message


def test_object_array_gradients_are_read_as_numbers_or_refused_by_dtype() -> None:
    params, loss, grads, _, _ = tiny()
    numeric = gradcheck.check(
        loss=loss, grads=lambda p: {k: v.astype(object) for k, v in grads(p).items()}, params=params
    )
    assert numeric.ok
    words = gradcheck.check(
        loss=loss,
        grads=lambda p: {"dW": np.full((2, 3), "x", dtype=object), "db": grads(p)["db"]},
        params=params,
    )
    W = words.tensor("W")
    assert (W.status, W.pattern) == ("fail", "type")
    assert W.message == "the gradient 'dW' is a ndarray of dtype object that is not a numeric array"


# --------------------------------------------------------------------------------------------
# User code that changes what it should only read
# --------------------------------------------------------------------------------------------


def test_a_loss_that_writes_into_a_parameter_is_named(tmp_path: Path) -> None:
    params, loss, grads, _, _ = tiny()

    def decaying(p: Any) -> float:
        p["W"] *= 0.999
        return loss(p)

    with pytest.raises(GradcheckError, match="the loss changed parameter 'W' in place"):
        gradcheck.check(loss=decaying, grads=grads, params=params)
    path = write(
        tmp_path, LOOSE + "\n_l = loss\ndef loss(p):\n    p['b'] += 1e-3\n    return _l(p)\n"
    )
    code, _, err = cli("check", path)
    assert code == 2
    one_line(err, "the loss changed parameter 'b' in place", "update step")


def test_a_loss_that_writes_into_its_inputs_is_named_not_called_random(tmp_path: Path) -> None:
    params, loss, grads, X, Y = tiny()

    def normalising(p: Any) -> float:
        X[...] = X / 1.01
        return loss(p)

    with pytest.raises(GradcheckError, match="the loss changed the input 'X' in place"):
        gradcheck.check(loss=normalising, grads=grads, params=params, X=X, Y=Y)
    path = write(tmp_path, LOOSE + "\n_l = loss\ndef loss(p):\n    Y[...] *= 2\n    return _l(p)\n")
    code, _, err = cli("check", path)
    assert code == 2
    one_line(err, "the loss changed the input 'Y' in place", "not Y /= s")


def trio(mutate: str | None = None) -> dict[str, Any]:
    """The trio form of `tiny`; ``mutate`` names what forward writes into on every call."""
    params, _, _, X, Y = tiny()

    def forward(params: Any, X: Any) -> tuple[np.ndarray, tuple[np.ndarray]]:
        if mutate == "W":
            params["W"] *= 0.999
        if mutate == "X":
            X -= X.mean()
        return params["W"] @ X + params["b"], (X,)

    def cost(AL: np.ndarray, Y: Any) -> float:
        return 0.5 * float(np.sum((AL - Y) ** 2)) / 5

    def backward(AL: np.ndarray, Y: Any, cache: Any) -> dict[str, np.ndarray]:
        dZ = (AL - Y) / 5
        return {"dW": dZ @ cache[0].T, "db": dZ.sum(axis=1, keepdims=True)}

    return {
        "forward": forward,
        "cost": cost,
        "backward": backward,
        "params": params,
        "X": X,
        "Y": Y,
    }


@pytest.mark.parametrize(
    ("what", "expected"),
    [
        ("W", r"^forward\(\) changed parameter 'W' in place"),
        ("X", r"^forward\(\) changed the input 'X' in place"),
    ],
)
def test_a_forward_that_writes_into_parameters_or_inputs_is_named(what: str, expected: str) -> None:
    assert gradcheck.check(**trio()).ok
    with pytest.raises(GradcheckError, match=expected):
        gradcheck.check(**trio(mutate=what))


def test_an_object_whose_forward_writes_into_its_inputs_is_named_and_put_back() -> None:
    class Normalising(Net):
        def forward(self) -> np.ndarray:
            self.X /= 1.5
            return super().forward()

    net = Normalising()
    before = bits(state_of(net))
    with pytest.raises(
        GradcheckError, match=r"Normalising.forward\(\).* changed the input self.X in place"
    ):
        gradcheck.check(net)
    assert bits(state_of(net)) == before


def test_an_object_whose_backward_applies_the_update_is_named_and_put_back() -> None:
    class Updating(Net):
        def backward(self) -> None:
            super().backward()
            self.W -= 0.1 * self.dW
            self.b -= 0.1 * self.db

    net = Updating()
    before = bits(state_of(net))
    with pytest.raises(
        GradcheckError,
        match=r"Updating.backward\(\) changed the parameter self.W in place \(an update step",
    ):
        gradcheck.check(net)
    assert bits(state_of(net)) == before


def test_an_object_whose_forward_replaces_a_parameter_is_named_and_put_back() -> None:
    class Replacing(Net):
        def forward(self) -> np.ndarray:
            self.W = np.array(self.W, dtype=np.float64)  # a new array on every call
            return super().forward()

    net = Replacing()
    W = net.W
    before = bits(state_of(net))
    with pytest.raises(
        GradcheckError, match=r"Replacing.forward\(\).* replaces self.W with a new array"
    ):
        gradcheck.check(net)
    assert net.W is W and bits(state_of(net)) == before


def test_an_object_that_replaces_a_parameter_only_later_is_named_by_the_engine() -> None:
    class LateReplacing(Net):
        calls = 0

        def forward(self) -> np.ndarray:
            self.calls += 1
            if self.calls > 1:  # the dry run sees nothing; the engine's first call does
                self.W = self.W.copy()
            return super().forward()

    with pytest.raises(
        GradcheckError, match=r"LateReplacing.forward\(\) or LateReplacing.cost\(\) replaced"
    ):
        gradcheck.check(LateReplacing())


def test_optimizer_state_keyed_by_parameter_name_is_not_taken_for_parameters() -> None:
    class Adam(Net):
        def __init__(self) -> None:
            super().__init__()
            self.m = {"W": np.zeros_like(self.W), "b": np.zeros_like(self.b)}
            self.v = {"W": np.zeros_like(self.W), "b": np.zeros_like(self.b)}

    report = gradcheck.check(Adam())
    assert report.ok
    assert [t.name for t in report.tensors] == ["W", "b"]


def test_an_object_with_a_0d_parameter_and_a_scalar_gradient_is_checked() -> None:
    class ScalarBias(Net):
        def __init__(self) -> None:
            super().__init__()
            self.b = np.array(0.3)

        def backward(self) -> None:
            super().backward()
            self.db = np.sum((self.Z - self.Y) / 5)  # a NumPy scalar, as np.sum gives

    report = gradcheck.check(ScalarBias())
    assert report.ok
    assert [(t.name, t.shape) for t in report.tensors] == [("W", (2, 3)), ("b", ())]


def test_an_object_bias_held_as_a_python_float_is_named_not_skipped() -> None:
    class FloatBias(Net):
        def __init__(self) -> None:
            super().__init__()
            self.b = 0.0  # type: ignore[assignment]

        def backward(self) -> None:
            super().backward()
            self.db = float(np.sum((self.Z - self.Y) / 5))  # type: ignore[assignment]

    with pytest.raises(
        GradcheckError, match=r"self.b is a float \(0.0\).*self.b = np.array\(0.0\)"
    ):
        gradcheck.check(FloatBias())


def test_a_nondeterministic_loss_is_named_with_its_two_values(tmp_path: Path) -> None:
    params, loss, grads, _, _ = tiny()
    rng = np.random.default_rng()
    with pytest.raises(GradcheckError, match="not deterministic: two evaluations.*gave"):
        gradcheck.check(
            loss=lambda p: loss(p) * (1 + 1e-3 * rng.random()), grads=grads, params=params
        )
    path = write(
        tmp_path,
        LOOSE + "\n_l = loss\ndef loss(p):\n    return _l(p) * (1 + 1e-3 * np.random.rand())\n",
    )
    code, _, err = cli("check", path)
    assert code == 2
    one_line(err, "the loss is not deterministic", "fix the random seed")


# --------------------------------------------------------------------------------------------
# Faults: exceptions and Ctrl-C
# --------------------------------------------------------------------------------------------


class Boom(Exception):
    """An exception type of the user's own."""


@pytest.mark.parametrize("where", ["loss", "grads"])
@pytest.mark.parametrize("k", [1, 2, 3, 20, 41])
def test_a_user_function_that_raises_on_call_k_keeps_its_exception_and_the_parameters(
    where: str, k: int
) -> None:
    params, loss, grads, _, _ = tiny()
    before = bits(params)
    calls = {"loss": 0, "grads": 0}
    raised = Boom(f"call {k}")

    def counted(fn: Callable[[Any], Any], name: str) -> Callable[[Any], Any]:
        def wrapper(p: Any) -> Any:
            calls[name] += 1
            if name == where and calls[name] == k:
                raise raised
            return fn(p)

        return wrapper

    try:
        gradcheck.check(loss=counted(loss, "loss"), grads=counted(grads, "grads"), params=params)
    except Boom as exc:
        assert exc is raised  # the very exception, not a wrapper
    else:
        assert calls[where] < k  # the check finished before call k
    assert bits(params) == before


def test_the_cli_shows_only_the_users_frames_when_the_users_code_raises(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        LOOSE
        + """
_l, calls = loss, [0]
def loss(p):
    calls[0] += 1
    if calls[0] == 7:
        raise ArithmeticError("boom on call 7")
    return _l(p)
""",
    )
    code, out, err = cli("check", path)
    assert (code, out) == (2, "")
    user_frames_only(err, path, "ArithmeticError")
    assert "boom on call 7" in err


def test_ctrl_c_mid_check_gives_the_partial_report_and_restores_the_parameters() -> None:
    params, loss, grads, _, _ = tiny()
    before = bits(params)
    W0 = params["W"].copy()

    def interrupted(p: Any) -> float:
        if not np.array_equal(p["b"], params_b0):  # b is perturbed: W is finished
            raise KeyboardInterrupt
        return loss(p)

    params_b0 = params["b"].copy()
    with pytest.raises(CheckInterrupted) as info:
        gradcheck.check(loss=interrupted, grads=grads, params=params)
    assert bits(params) == before and np.array_equal(params["W"], W0)
    partial = info.value.report
    assert partial.stats.interrupted
    assert [(t.name, t.status) for t in partial.tensors] == [("W", "pass")]


def test_ctrl_c_raised_inside_the_loss_exits_130_after_the_partial_results(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        LOOSE
        + """
_l, b0 = loss, params["b"].copy()
def loss(p):
    if not np.array_equal(p["b"], b0):
        raise KeyboardInterrupt
    return _l(p)
""",
    )
    code, out, err = cli("check", path, "--json")
    assert code == 130
    doc = json.loads(out)
    assert [t["name"] for t in doc["tensors"]] == ["W"] and doc["stats"]["interrupted"] is True
    one_line(err, "interrupted; the results above cover the tensors finished so far")


def test_ctrl_c_before_any_tensor_with_json_still_prints_one_json_document(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        LOOSE
        + """
def loss(p):
    raise KeyboardInterrupt
""",
    )
    code, out, err = cli("check", path, "--json")
    assert code == 130
    assert json.loads(out) == {
        "ok": False,
        "error": {
            "message": "interrupted before any tensor was checked. Your parameters are unchanged.",
            "type": "KeyboardInterrupt",
        },
    }
    one_line(err, "interrupted before any tensor was checked")


def test_sigint_mid_check_exits_130_after_the_partial_results(tmp_path: Path) -> None:
    """A real Ctrl-C: SIGINT to a running `gradcheck check` while it checks the second tensor."""
    marker = tmp_path / "second-tensor-started"
    path = write(
        tmp_path,
        LOOSE
        + f"""
import time
_l, b0 = loss, params["b"].copy()
def loss(p):
    if not np.array_equal(p["b"], b0):  # W is finished; b is being checked
        open({str(marker)!r}, "w").close()
        while True:  # block until the SIGINT arrives: no clock here to race against a loaded machine
            time.sleep(0.05)
    return _l(p)
""",
    )
    for args, parse in ((["check", path], False), (["check", path, "--json"], True)):
        marker.unlink(missing_ok=True)
        proc = subprocess.Popen(
            [sys.executable, "-c", "from gradcheck.cli import main; main()", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "COLUMNS": "200"},
        )
        # Generous deadlines, and only as a guard against a hang: the child blocks until the signal.
        deadline = time.monotonic() + 300
        while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        if not marker.exists():
            proc.kill()
            raise AssertionError(proc.communicate())
        proc.send_signal(signal.SIGINT)
        try:
            out, err = proc.communicate(timeout=300)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise AssertionError(proc.communicate()) from None
        assert proc.returncode == 130, err
        assert "Traceback" not in err
        one_line(err, "interrupted", "Your parameters are unchanged")
        if parse:
            doc = json.loads(out)
            assert [t["name"] for t in doc["tensors"]] == ["W"]
            assert doc["stats"]["interrupted"] is True
        else:
            rows = [line.split()[0] for line in out.splitlines() if "│" in line]
            assert rows == ["W"]  # the table holds the finished tensor only


# --------------------------------------------------------------------------------------------
# The watch command (same model loading, same exit codes)
# --------------------------------------------------------------------------------------------


def test_watch_on_a_file_without_a_model_is_exit_2_with_one_line(tmp_path: Path) -> None:
    code, _, err = cli("watch", str(tmp_path / "nowhere.py"), "--steps", "3", "--lr", "0.1")
    assert code == 2
    one_line(err, "no such file")
    path = write(tmp_path, "A = 1\n")
    code, _, err = cli("watch", path, "--steps", "3", "--lr", "0.1")
    assert code == 2
    one_line(err, "found no model in")


def test_watch_shows_only_the_users_frames_when_training_raises(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        LOOSE
        + """
_g, calls = grads, [0]
def grads(p):
    calls[0] += 1
    if calls[0] == 5:
        raise LookupError("boom in step 5")
    return _g(p)
""",
    )
    code, _, err = cli("watch", path, "--steps", "20", "--lr", "0.1", "--no-check")
    assert code == 2
    user_frames_only(err, path, "LookupError")
