"""Behaviour snapshot: the JSON of `check --json` and `watch --json` on every sample model, and the
report of every test model in tests/nets.py, timings removed.

A refactor must not change it:
    python .ci/snapshot.py > before.json   # on the old code
    python .ci/snapshot.py > after.json    # on the new code
    diff before.json after.json
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TIMING_KEYS = {"seconds", "elapsed", "step_seconds", "overhead"}


def scrub(value: Any) -> Any:
    """Drop timing keys, which differ between runs."""
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items() if k not in TIMING_KEYS}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    if isinstance(value, str):
        return value.replace(str(ROOT), "<root>")
    return value


def cli(*args: str) -> dict[str, Any]:
    run = subprocess.run(
        [sys.executable, "-c", "from gradcheck.cli import main; main()", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "COLUMNS": "80", "PYTHONHASHSEED": "0"},
    )
    out: dict[str, Any] = {"exit": run.returncode}
    try:
        out["json"] = scrub(json.loads(run.stdout)) if run.stdout.strip() else None
    except json.JSONDecodeError:
        out["stdout"] = scrub(re.sub(r"\b\d+(\.\d+)? (s|ms)\b", "T s", run.stdout))
    return out


def samples() -> dict[str, Any]:
    found: dict[str, Any] = {}
    for path in sorted((ROOT / "sample_models").glob("*.py")):
        rel = str(path.relative_to(ROOT))
        found[f"check {rel}"] = cli("check", rel, "--json")
        found[f"check text {rel}"] = cli("check", rel)
        steps = "2000" if "seed001" in rel else "300"
        found[f"watch {rel}"] = cli("watch", rel, "--steps", steps, "--lr", "0.5", "--json")
    return found


def test_models() -> dict[str, Any]:
    import numpy as np

    import gradcheck
    from tests import nets as models

    cases: list[tuple[str, Any]] = []
    for bug in (None, "missing_1/m", "sign", "derivative", "bias_axis", "missing_key",
                "regulariser", "row", "scale2", "percent"):
        cases.append((f"mlp {bug}", lambda bug=bug: models.make_mlp(bug=bug)))
    cases.append(("mlp transpose", lambda: models.make_mlp((4, 5, 5, 3), bug="transpose")))
    cases.append(("mlp relu", lambda: models.make_mlp(activation="relu")))
    cases.append(("mlp l2", lambda: models.make_mlp(l2=0.1)))
    cases.append(("mlp l2 regulariser", lambda: models.make_mlp(l2=0.1, bug="regulariser")))
    cases.append(("mlp f32", lambda: models.make_mlp(dtype=np.float32)))
    cases.append(("mlp f32 percent", lambda: models.make_mlp(dtype=np.float32, bug="percent")))
    for bug in (None, "bn_mean"):
        cases.append((f"batchnorm {bug}", lambda bug=bug: models.make_batchnorm(bug=bug)))
    for bug in (None, "relu_sign"):
        cases.append((f"relu_kinks {bug}", lambda bug=bug: models.make_relu_kinks(bug=bug)))
    found: dict[str, Any] = {}
    for name, make in cases:
        params, loss, grads = make()
        for mode in ("auto", "full", "sampled", "directional"):
            report = gradcheck.check(loss=loss, grads=grads, params=params, mode=mode, seed=0)
            found[f"{name} {mode}"] = scrub(report.to_dict())
    return found


if __name__ == "__main__":
    snapshot = {"samples": samples(), "test_models": test_models()}
    json.dump(snapshot, sys.stdout, indent=1, sort_keys=True, default=str)
    sys.stdout.write("\n")
