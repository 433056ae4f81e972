"""The watch report as a learner reads it at 80 columns (issue 16): a headline first (what went
wrong, the step, file:line and the fix), the plot and the table, then one short paragraph per
finding; no line cut, no sentence twice; the evidence under -v; the same in a notebook."""

from __future__ import annotations

import io
import json
import re
from collections import Counter
from functools import cache

import numpy as np
import pytest
from rich.console import Console

from gradcheck.report.nonfinite import nonfinite_panel
from gradcheck.report.records import NonFinite, ReportWarning
from gradcheck.report.training import WatchSummary
from gradcheck.report.watch_findings import findings
from gradcheck.report.watch_plain import to_text
from tests.report.test_fitted_table import SAMPLES, cli

SEED001 = str(SAMPLES / "seed001_nan_after_training.py")
SEED000 = str(SAMPLES / "seed000_cost_rises.py")
SEED002 = str(SAMPLES / "seed002_tanh_backprop.py")


@cache
def watch(path: str, *flags: str) -> str:
    return cli("watch", path, *flags)


def prose(text: str) -> str:
    """The report's words on one line: the plot, the table and the panel's frame left out."""
    kept = []
    for line in text.splitlines():
        if line.startswith("│"):  # inside the panel
            kept.append(line.strip("│ "))
        elif not re.search(r"[│┤└━┃╭╰]", line):
            kept.append(line)
    return " ".join(" ".join(kept).split())


def sentences(text: str) -> list[str]:
    pieces = re.split(r"(?<=[.!?])\s+(?=[A-Z])|\s+(?=warning \[)", prose(text))
    return [s for s in pieces if len(s) > 25]


@pytest.mark.parametrize(("path", "most"), [(SEED001, 42), (SEED000, 34)])
def test_the_report_fits_80_columns_in_few_lines_without_a_cut(path: str, most: int) -> None:
    text = watch(path)
    lines = text.rstrip("\n").splitlines()
    assert len(lines) <= most  # 67 and 47 lines before issue 16
    assert all(len(line) <= 80 for line in lines)
    assert "…" not in text and "..." not in text


@pytest.mark.parametrize("path", [SEED001, SEED000, SEED002])
def test_no_sentence_is_said_twice(path: str) -> None:
    flags = ("--lr", "0.1") if path == SEED002 else ()
    said = Counter(sentences(watch(path, *flags)))
    assert [s for s, n in said.items() if n > 1] == []


def test_seed001s_headline_names_the_step_the_line_and_the_fix() -> None:
    doc = json.loads(watch(SEED001, "--json"))
    first = doc["first_nonfinite"]
    lines = watch(SEED001).splitlines()
    head = prose(watch(SEED001)).split("seed001_nan_after_training.py ", 1)[1]
    # NaN under NumPy 2.x; under 1.24 the same division first makes a lone +inf
    assert re.match(rf"NOT OK: (NaN|Inf) at step {first['step']} at ", head)
    assert f"seed001_nan_after_training.py:{first['line']}." in head
    assert "saturated sigmoid output" in head
    assert "Fix: Do not divide by the sigmoid output" in head and "dZ = A - Y directly." in head
    # the statement, wrapped under its line number rather than cut
    panel = [line for line in lines if line.startswith("│")]
    assert panel[0].startswith(f"│   {first['line']} self.dA[l] = ")
    assert panel[1].startswith("│       1-self.A[l]))")


def test_seed001s_findings_are_short_and_give_each_fix_once() -> None:
    text = prose(watch(SEED001))
    assert text.count("Lower the learning rate") == 1
    assert "[update_ratio_high] W[1], W[2]: each step changes the weights far more" in text
    assert "Fix: as for cost_rising above." in text
    # the reasoning and the numbers behind it are for -v
    for evidence in ("||", "median", "measured steps", "max rel. error", "(denominator)"):
        assert evidence not in text


def test_verbose_shows_the_evidence() -> None:
    doc = json.loads(watch(SEED001, "--json"))
    text = prose(watch(SEED001, "-v"))
    for w in doc["warnings"]:
        if w["kind"] == "update_ratio_high":
            ratio = w["details"]["update_ratio"]
            assert f"{w['where']}: each step changes the weights by {100 * ratio:.2g}%" in text
            assert f"over {w['details']['steps']} measured steps" in text
    assert "median update/weight ratio ||lr * dW|| / ||W||" in text
    assert "max rel. error" in text and "1 - self.A[l] (denominator)" in text
    assert f"first non-finite value at step {doc['first_nonfinite']['step']}" in text


def test_seed000_reads_not_learning_first_and_its_fixes_once() -> None:
    text = prose(watch(SEED000))
    assert "seed000_cost_rises.py OK: 2000 steps without NaN/Inf, gradients agree, but the" in text
    assert "[not_learning] the model is not learning: the cost stays at chance level" in text
    assert "Standardise: clf.X = " in text


def test_seed002s_rising_cost_blames_the_wrong_gradients_not_the_learning_rate() -> None:
    doc = json.loads(watch(SEED002, "--lr", "0.1", "--json"))
    rising = next(w for w in doc["warnings"] if w["kind"] == "cost_rising")
    assert "fell from 180 to 180" not in rising["message"]
    assert (
        "never fell" in rising["message"]
        and "gradients before training are wrong" in rising["message"]
    )
    assert "learning rate probably too high" not in rising["message"]
    assert "w1 0" not in rising["message"]
    text = prose(watch(SEED002, "--lr", "0.1"))
    assert text.startswith("gradcheck watch")
    assert "NOT OK: the gradients are wrong before training (w1, b1, w2, b2)" in text
    # the four tensors share one reading: said once, for all of them
    assert text.count("The loss does not change when these parameters move") == 1


@pytest.mark.skipif(
    int(np.__version__.split(".")[0]) < 2,
    reason="under NumPy 1.24's rounding the fixed seed001 at lr 1.2 spikes to 1.51 near the end "
    "(a true cost_rising reading of a rate that is too high)",
)
def test_quiet_runs_stay_quiet() -> None:
    text = watch(str(SAMPLES / "seed001_nan_after_training_fixed.py"))
    assert "warning" not in text
    assert "OK: 2000 steps without NaN/Inf, gradients agree." in text.splitlines()


def test_the_json_keeps_its_keys() -> None:
    doc = json.loads(watch(SEED001, "--json"))
    assert set(doc) == {
        "ok", "steps", "costs", "first_nonfinite", "warnings", "nonfinite_steps",
        "last_good_step", "tensors", "gradient_checks", "activations", "cost_trend",
        "numpy_events", "seconds", "lr", "mode", "requested_steps", "interrupted", "notes",
    }  # fmt: skip
    assert set(doc["first_nonfinite"]) >= {
        "step", "phase", "file", "line", "function", "variable", "kind", "message",
        "source_line", "operands", "cause", "fix", "detected_step",
    }  # fmt: skip
    for w in doc["warnings"]:  # every watch warning has its plain summary and its fix
        assert {"kind", "where", "message", "details", "summary", "fix"} <= set(w)
        assert w["message"].endswith(w["fix"])
    assert set(doc["tensors"][0]) == {
        "name", "shape", "is_weight", "norm_first", "norm_last", "grad_norm_first",
        "grad_norm_last", "update_ratio", "update_ratio_last", "readings",
    }  # fmt: skip


def summary_with_a_nan() -> WatchSummary:
    nf = NonFinite(
        phase="watch",
        file="/home/learner/model.py",
        line=12,
        function="backward",
        variable="dA",
        kind="divide",
        message="division by zero at model.py:12 in backward(): `dA` became 3 NaN of 8. The "
        "denominator 1 - A is 0 in 3 of 8 entries.",
        source_line="dA = -(np.divide(Y, A) - np.divide(1 - Y, 1 - A))",
        cause="the denominator 1 - A is 0 in 3 of 8 entries.",
        fix="Compute dZ = A - Y directly (dA is never needed). An epsilon only hides it.",
        details={"nonfinite": {"nan": 3, "posinf": 0, "neginf": 0, "size": 8}},
    )
    return WatchSummary(
        steps=5, costs=(0.7, 0.6, 0.5, 0.4, None), first_nonfinite=nf, first_nonfinite_step=5
    )


def test_the_notebook_shows_the_headline() -> None:
    markup = summary_with_a_nan()._repr_html_()
    assert markup.startswith("<pre ") and markup.endswith("</pre>")
    assert "NOT OK: NaN at step 5 at model.py:12." in markup
    assert "Compute dZ = A - Y directly." in markup


def test_the_plain_text_gives_the_rest_of_the_fix_under_verbose_only() -> None:
    s = summary_with_a_nan()
    short, long = to_text(s), to_text(s, verbose=True)
    assert short.splitlines()[1] == (
        "NOT OK: NaN at step 5 at model.py:12. The denominator 1 - A is 0 in 3 of 8 entries."
    )
    assert short.splitlines()[2] == "Fix: Compute dZ = A - Y directly."
    assert "An epsilon only hides it." not in short and "An epsilon only hides it." in long


def test_findings_say_a_shared_reading_once_and_each_fix_sentence_once() -> None:
    fix = "Lower the learning rate (try a tenth of it). Add L2 regularisation."
    ws = [
        ReportWarning("cost_rising", "cost", "the cost rose. Lower it.", summary="the cost rose"),
        ReportWarning("weights_growing", "W1", f"W1: grew 5x. {fix}", fix=fix, summary="grew 5x"),
        ReportWarning("weights_growing", "W2", f"W2: grew 9x. {fix}", fix=fix, summary="grew 9x"),
        ReportWarning("update_ratio_high", "W1", "W1: big", fix=fix, summary="steps too big"),
        ReportWarning("update_ratio_high", "W2", "W2: big", fix=fix, summary="steps too big"),
        ReportWarning("dead", "a1", "a1: dead. A leaky ReLU helps.", fix="Lower the learning "
                      "rate (try a tenth of it). A leaky ReLU helps.", summary="units died"),
    ]  # fmt: skip
    found = findings(ws, said=["Add L2 regularisation."])
    text = [f.lead + f.text for f in found]
    assert text == [
        "[cost_rising] the cost rose.",  # 'cost' is in the reading: the lead need not name it
        (
            "[weights_growing] W1, W2: W1: grew 5x; W2: grew 9x. Lower the learning rate (try a "
            "tenth of it)."
        ),
        "[update_ratio_high] W1, W2: steps too big. Fix: as for weights_growing above.",
        "[dead] a1: units died. A leaky ReLU helps.",
    ]


def test_the_statement_panel_wraps_a_long_line_under_its_number_at_80_columns() -> None:
    nf = summary_with_a_nan().first_nonfinite
    assert nf is not None
    long = NonFinite(
        **{**nf.__dict__, "source_line": "dA = " + " + ".join(["np.divide(Y, A)"] * 8)}
    )
    for panel in (nonfinite_panel(long), nonfinite_panel(long, verbose=False, headline=True)):
        console = Console(file=io.StringIO(), width=80, record=True)
        console.print(panel)
        text = console.export_text()
        assert all(len(line) <= 80 for line in text.splitlines())
        assert "…" not in text and "..." not in text
        body = [line.strip("│ ") for line in text.splitlines() if line.startswith("│")]
        code = [line for line in body if "np.divide" in line]
        assert code[0].startswith("12 dA = ") and len(code) >= 2
        assert "".join(body).replace(" ", "").count("np.divide(Y,A)") == 8  # nothing cut
