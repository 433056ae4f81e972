"""A file whose training is a module-level ``while True:`` loop (min-char-rnn as published) is
read with no glue: the loop runs once up to its first call of the file's own functions."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import gradcheck
from gradcheck.models.discovery import load_model
from gradcheck.models.endless import unroll_endless_loops
from tests.models.min_char_rnn_as_written import INPUT, TEXT


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the file opens input.txt from where it is run, as python would


def _write(tmp_path: Path, text: str = TEXT) -> Path:
    (tmp_path / "input.txt").write_text(INPUT)
    path = tmp_path / "min-char-rnn.py"
    path.write_text(text)
    return path


def test_min_char_rnn_as_written_is_checked_and_passes(tmp_path: Path) -> None:
    model = load_model(_write(tmp_path))
    assert sorted(model.params) == ["Whh", "Why", "Wxh", "bh", "by"]
    assert any(
        "`while True:` at line 85 was run once up to line 94, where it first calls" in n
        for n in model.extra["notes"]
    )
    report = gradcheck.check(model, mode="sampled", sample=40)
    assert report.ok, [(t.name, t.status, t.message) for t in report.tensors]


def test_a_planted_bug_in_min_char_rnn_as_written_fails(tmp_path: Path) -> None:
    text = TEXT.replace("dhraw = (1 - hs[t] * hs[t]) * dh", "dhraw = (1 - hs[t]) * dh")
    report = gradcheck.check(load_model(_write(tmp_path, text)), mode="sampled", sample=40)
    assert {t.name for t in report.failed} >= {"Wxh", "bh"}
    assert report.tensor("Why").ok and report.tensor("by").ok


def test_the_cli_does_not_hang_on_an_endless_training_loop(tmp_path: Path) -> None:
    """Imported as written, the file would train forever: the CLI answers within a minute."""
    path = _write(tmp_path)
    run = subprocess.run(
        [sys.executable, "-m", "gradcheck", "check", path.name, "--json", "--mode", "sampled"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    report = json.loads(run.stdout)
    assert run.returncode == 0, run.stderr
    assert report["ok"]
    assert any("endless loop" in n for n in report["notes"])


def _kept_lines(source: str) -> list[int]:
    unrolled = unroll_endless_loops(source, "f.py")
    assert unrolled is not None
    return [node.lineno for node in unrolled.tree.body]


def test_the_loop_stops_before_a_break_and_before_the_files_own_functions() -> None:
    source = (
        "def f(x):\n"  # 1
        "    return x\n"  # 2
        "while 1:\n"  # 3
        "    a = 1\n"  # 4
        "    if a > 0:\n"  # 5
        "        break\n"  # 6
        "    b = f(a)\n"  # 7
        "c = 2\n"  # 8
    )
    assert _kept_lines(source) == [1, 4, 8]
    compile(unroll_endless_loops(source, "f.py").tree, "f.py", "exec")  # type: ignore[union-attr]
    nested = "while True:\n    for i in range(3):\n        break\n    x = 1\n"
    assert _kept_lines(nested) == [2, 4]  # the inner loop's break is its own


def test_a_file_without_an_endless_loop_is_imported_as_it_is() -> None:
    assert (
        unroll_endless_loops("for i in range(3):\n    pass\nwhile x:\n    pass\n", "f.py") is None
    )
    assert unroll_endless_loops("while True:\n    pass\n    else_ = 1\n", "f.py") is not None
    assert unroll_endless_loops("def (:\n", "f.py") is None  # the import reports the syntax error


def test_the_module_level_values_made_before_the_loop_are_left_as_they_were(tmp_path: Path) -> None:
    path = _write(tmp_path)
    model = load_model(path)
    before = {k: np.array(v, copy=True) for k, v in model.params.items()}
    gradcheck.check(model, mode="sampled", sample=10)
    assert all(np.array_equal(before[k], v) for k, v in model.params.items())
