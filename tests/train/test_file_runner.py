"""``gradcheck watch FILE``: the runner on the sample models and on small files (train.file_runner)."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

from click.testing import CliRunner

from gradcheck.cli import main
from tests.train.helpers import SAMPLES, source_line


def run_cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_cli_seed001_names_the_divide_the_step_the_saturated_sigmoid_and_the_fix() -> None:
    path = str(SAMPLES / "seed001_nan_after_training.py")
    code, out, _ = run_cli("watch", path, "--steps", "2000", "--lr", "1.2", "--json")
    assert code == 1
    doc = json.loads(out)
    assert doc["ok"] is False
    first = doc["first_nonfinite"]
    assert 1300 <= first["step"] <= 1900  # 1394 on NumPy 2.4, 1795 on 1.24
    assert first["kind"] == "divide"
    assert first["line"] == source_line(path, "self.dA[l] = -(np.divide")
    assert "np.divide(1-self.Y, 1-self.A[l])" in first["source_line"]
    assert "exactly 1.0, a saturated sigmoid output" in first["message"]
    assert "dZ = A - Y" in first["fix"]
    assert doc["steps"] == first["step"] and len(doc["costs"]) == doc["steps"]
    assert doc["costs"][-1] is None  # log(1 - A) of the A that rounded to 1.0
    saturation = next(w for w in doc["warnings"] if w["kind"] == "saturation_rising")
    assert saturation["where"] == "self.A[2]" and "exactly 0.0 or 1.0" in saturation["message"]
    assert doc["gradient_checks"][0] == {**doc["gradient_checks"][0], "step": 0, "ok": True}

    code, text, _ = run_cli("watch", path, "--steps", "2000", "--lr", "1.2")
    assert code == 1
    flat = " ".join(text.split())
    # NaN under NumPy 2.x; under 1.24 the same division first makes a lone +inf
    assert re.search(
        rf"NOT OK: (NaN|Inf) at step {first['step']} at seed001_nan_after_training.py", flat
    )
    assert (
        "Fix: Do not divide by the sigmoid output" in flat and "sigmoid outputs saturated" in flat
    )
    code, text, _ = run_cli("watch", path, "--steps", "2000", "--lr", "1.2", "-v")
    flat = " ".join(text.split())
    assert f"first non-finite value at step {first['step']}" in flat
    assert "saturated outputs went from" in flat
    assert "gradients before training: all 4 tensors agree" in flat


def test_cli_seed000_reports_correct_gradients_a_learning_rate_too_high_and_unscaled_inputs() -> (
    None
):
    path = str(SAMPLES / "seed000_cost_rises.py")
    code, out, _ = run_cli("watch", path, "--steps", "300", "--lr", "1.2", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["ok"] is True and doc["first_nonfinite"] is None and doc["steps"] == 300
    assert len(doc["costs"]) == 300 and all(isinstance(c, float) for c in doc["costs"])
    assert doc["gradient_checks"][0]["ok"] is True
    found = {w["kind"]: w for w in doc["warnings"]}
    # It fell to 0.6777 at step 188, then climbed back (peak 0.7114, above where it started): the
    # swings repeat no fixed alternation, so they are called a rise, not an oscillation.
    assert {"cost_rising", "update_ratio_high", "unscaled_inputs"} <= set(found)
    cost = found["cost_rising"]["message"]
    assert "learning rate probably too high (learning rate 1.2)" in cost
    assert "update/weight ratio" in cost and "params['W2'] by 38%" in cost
    assert "set clf.alpha = 1.2 (the file had 0.003)" in doc["notes"][0]
    assert found["unscaled_inputs"]["where"] == "clf.X"
    w1 = next(t for t in doc["tensors"] if t["name"] == "params['W1']")
    assert w1["grad_norm_last"] > 0 and w1["update_ratio"] > 0.1

    code, text, _ = run_cli("watch", path, "--steps", "300", "--lr", "1.2")
    assert code == 0
    assert "gradients before training: all 4 tensors agree" in " ".join(text.split())
    assert "OK:" in text


def test_cli_keep_going_trains_on_and_counts_every_nonfinite_step() -> None:
    path = str(SAMPLES / "seed001_nan_after_training.py")
    code, out, _ = run_cli(
        "watch", path, "--steps", "2000", "--lr", "1.2", "--keep-going", "--no-check", "--json"
    )
    doc = json.loads(out)
    first = doc["first_nonfinite"]["step"]
    assert code == 1 and doc["steps"] == 2000
    assert doc["nonfinite_steps"] == 2000 - first + 1
    assert doc["last_good_step"] == first - 1


def test_cli_seed001_fixed_trains_2000_steps_without_a_nan() -> None:
    path = str(SAMPLES / "seed001_nan_after_training_fixed.py")
    code, out, _ = run_cli("watch", path, "--steps", "2000", "--lr", "1.2", "--json")
    doc = json.loads(out)
    assert code == 0 and doc["first_nonfinite"] is None and doc["steps"] == 2000


LOOSE = """
import numpy as np
rng = np.random.default_rng(0)
X = rng.standard_normal((3, 32))
Y = rng.standard_normal((2, 32))
params = {"W1": rng.standard_normal((2, 3)) * 0.5, "b1": np.zeros((2, 1))}
print("the user's file prints while importing")

def loss(p):
    Z = p["W1"] @ X + p["b1"]
    return 0.5 * np.sum((Z - Y) ** 2) / X.shape[1]

def grads(p):
    Z = p["W1"] @ X + p["b1"]
    dZ = (Z - Y) / X.shape[1]
    return {"dW1": dZ @ X.T, "db1": dZ.sum(axis=1, keepdims=True)}
"""


def test_cli_plain_gradient_descent_on_a_loose_model(tmp_path: Path) -> None:
    path = tmp_path / "loose.py"
    path.write_text(LOOSE)
    code, out, err = run_cli("watch", str(path), "--steps", "50", "--lr", "0.1", "--json")
    assert code == 0
    doc = json.loads(out)  # the user's print went to stderr: stdout is one document
    assert "prints while importing" in err
    assert doc["mode"] == "gradient_descent" and doc["lr"] == 0.1
    costs = doc["costs"]
    assert len(costs) == 50 and all(b < a for a, b in itertools.pairwise(costs))
    w1 = next(t for t in doc["tensors"] if t["name"] == "W1")
    assert w1["update_ratio"] is not None and w1["grad_norm_last"] is not None


def test_cli_without_train_step_needs_lr_and_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "loose.py"
    path.write_text(LOOSE)
    code, out, err = run_cli("watch", str(path), "--steps", "5")
    assert code == 2 and out == ""
    assert "--lr is needed" in " ".join(err.split())


ASSERTING = """
import numpy as np

class Net:
    def __init__(self):
        self.w = np.array([[2.0]])
        self.dw = np.zeros((1, 1))
        self.learning_rate = 0.5

    def cost(self):
        return float(np.sum(self.w ** 2))

    def backward(self):
        # w: 2.0, 1.6, 1.28, 1.024 at steps 1-4 (lr 0.1): the scale drops to 0 at step 4
        scale = np.array([1.0]) if self.w[0, 0] > 1.1 else np.array([0.0])
        self.dw = 2 * self.w / scale
        assert np.isfinite(self.dw).all(), "gradient is not finite"

net = Net()
gradcheck_model = net

def train_step():
    net.backward()
    net.w -= net.learning_rate * net.dw
"""


def test_cli_a_step_that_raises_on_its_own_nan_reports_the_nan(tmp_path: Path) -> None:
    path = tmp_path / "asserting.py"
    path.write_text(ASSERTING)
    code, out, _ = run_cli(
        "watch", str(path), "--steps", "10", "--lr", "0.1", "--no-check", "--json"
    )
    assert code == 1
    doc = json.loads(out)
    first = doc["first_nonfinite"]
    assert first["step"] == 4 and first["kind"] == "divide"
    assert first["line"] == source_line(path, "self.dw = 2 * self.w / scale")
    assert any("raised AssertionError: gradient is not finite" in n for n in doc["notes"])
    assert "set net.learning_rate = 0.1 (the file had 0.5)" in doc["notes"][0]


def test_cli_a_plain_user_error_is_unusable_with_its_traceback(tmp_path: Path) -> None:
    path = tmp_path / "broken.py"
    path.write_text(LOOSE + "\ndef train_step():\n    raise KeyError('W9')\n")
    code, out, err = run_cli("watch", str(path), "--steps", "3", "--no-check")
    assert code == 2 and out == ""
    assert "KeyError: 'W9'" in err and "your code raised KeyError" in err


def test_cli_lr_with_a_train_step_that_has_no_learning_rate_attribute_says_so(
    tmp_path: Path,
) -> None:
    path = tmp_path / "own_step.py"
    path.write_text(
        LOOSE + "\ndef train_step():\n    for k, g in grads(params).items():\n"
        "        params[k[1:]] -= 0.1 * g\n"
    )
    code, out, _ = run_cli("watch", str(path), "--steps", "5", "--lr", "3", "--json")
    assert code == 0
    assert json.loads(out)["notes"][0].startswith("--lr 3 is not used")


def test_cli_a_missing_file_is_unusable() -> None:
    code, _, err = run_cli("watch", "no/such/file.py", "--steps", "5", "--lr", "1")
    assert code == 2 and "no such file" in err


def test_cli_gradient_descent_flag_ignores_train_step() -> None:
    path = str(SAMPLES / "seed000_cost_rises.py")
    code, out, _ = run_cli(
        "watch", path, "--steps", "20", "--lr", "0.5", "--gradient-descent", "--json"
    )
    assert code == 0
    doc = json.loads(out)
    assert doc["mode"] == "gradient_descent" and doc["notes"] == []
