"""80 columns without cuts: a table leaves out its least needed columns (and says so) rather than
cut a name or a number with an ellipsis; the watch and check tables of real samples, at 80."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from gradcheck.report.fitted_table import FitColumn, FittedTable
from gradcheck.report.formatting import fmt

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_models"


def cli(*args: str, columns: int = 80) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", "from gradcheck.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": str(columns), "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode in (0, 1), proc.stderr
    return proc.stdout


def test_the_watch_table_of_seed000_at_80_columns_cuts_no_name_and_no_number() -> None:
    path = str(SAMPLES / "seed000_cost_rises.py")
    text = cli("watch", path)
    summary = json.loads(cli("watch", path, "--json"))
    assert "…" not in text
    for t in summary["tensors"]:
        row = next(line for line in text.splitlines() if line.startswith(t["name"] + " "))
        assert fmt(t["grad_norm_last"], 3) in row
        assert f"{fmt(t['norm_first'], 3)} -> {fmt(t['norm_last'], 3)}" in row
    assert "(shape left out to fit 80 columns; the JSON has every value)" in text
    assert all(len(line) <= 80 for line in text.splitlines())


def test_a_table_that_fits_loses_nothing() -> None:
    text = cli("watch", str(SAMPLES / "seed001_nan_after_training.py"))
    assert "…" not in text and "left out" not in text
    assert "shape" in next(line for line in text.splitlines() if line.startswith("tensor"))


def test_the_check_table_with_long_names_drops_the_absolute_error_first_when_narrow() -> None:
    path = str(SAMPLES / "seed000_cost_rises.py")
    wide = cli("check", path, columns=80)
    assert "…" not in wide and "left out" not in wide
    assert "params['W1'] │" in wide
    narrow = cli("check", path, columns=60)
    assert "…" not in narrow
    assert "(shape, max |a-n| left out to fit 60 columns; the JSON has every value)" in " ".join(
        narrow.split()
    )
    assert narrow.count("params['b2'] │ pass") == 1


def render(table: FittedTable, width: int) -> str:
    console = Console(file=io.StringIO(), width=width, record=True)
    console.print(table)
    return console.export_text()


_CELL = st.text(alphabet="abcdefW[]'()0123456789.,-+e", min_size=1, max_size=14)


@given(
    rows=st.lists(st.lists(_CELL, min_size=4, max_size=4), min_size=1, max_size=5),
    width=st.integers(40, 120),
)
def test_every_kept_cell_is_shown_whole_and_nothing_is_cut(
    rows: list[list[str]], width: int
) -> None:
    columns = [
        FitColumn("name"),
        FitColumn("a", drop=1),
        FitColumn("bb", justify="right", drop=2),
        FitColumn("ccc", drop=3),
    ]
    table = FittedTable(columns, rows)
    kept = table.kept(width)
    assert 0 in kept  # a name column is never left out
    text = render(table, width)
    assert "…" not in text
    lines = text.splitlines()
    for row in rows:
        for i in kept:
            assert any(row[i] in line for line in lines)
    left_out = [columns[i].header for i in range(4) if i not in kept]
    assert ("left out" in text) == bool(left_out)
    # the least needed go first: a column is left out only if every column dropped sooner is too
    for i in range(1, 4):
        if i not in kept:
            assert all(j not in kept for j in range(i + 1, 4))
