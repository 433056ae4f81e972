"""A check's report in three layers, read as a learner reads it at 80 columns: the verdict and the
statement to look at first, the table, one paragraph per distinct finding; the evidence under -v.

The samples are run through the command line in a subprocess with COLUMNS=80, as a user runs them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

import gradcheck
from gradcheck.models.discovery import load_model
from gradcheck.render import to_text
from gradcheck.report.check_story import grouped_findings, shared_line
from tests.models.forms import BUGS, FORMS
from tests.report.test_fitted_table import SAMPLES, cli

SEED002 = str(SAMPLES / "seed002_tanh_backprop.py")
LOOSE = str(SAMPLES / "loose_mlp.py")

# A sentence ends at ". " before a capital letter or at the end of a line.
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def sentences(text: str) -> list[str]:
    flat = " ".join(text.split())
    return [s for s in _SENTENCE.split(flat) if len(s) > 30]


def assert_fits(text: str) -> None:
    lines = text.splitlines()
    assert all(len(line) <= 80 for line in lines), [line for line in lines if len(line) > 80]
    assert "…" not in text and "..." not in text


def test_seed002_fits_35_lines_and_leads_with_the_line_every_gradient_comes_from() -> None:
    text = cli("check", SEED002)
    lines = text.splitlines()
    assert len(lines) <= 35, len(lines)
    assert_fits(text)
    assert lines[1] == "NOT OK: All 4 gradients are wrong (w1, b1, w2, b2)."
    assert lines[2] == "All of them come from back_prop() in seed002_tanh_backprop.py:60:"
    assert lines[3].strip() == "60  dz2 = (a2 - one_hot_y) * tanh(z2)"
    # one paragraph for the one reading, naming the derivative that belongs there
    assert text.count("FAIL:") == 1 and "w2, b2, w1, b1 FAIL:" in text
    assert "1 - tanh(z)**2" in text
    # the terms of art stay under -v
    for term in ("cosine", "Taylor", "noise", "least-squares", "worst w2"):
        assert term not in text
    assert len(sentences(text)) == len(set(sentences(text)))


def test_seed002_warnings_are_one_line_each_and_their_fixes_said_once() -> None:
    text = cli("check", SEED002)
    warning_lines = [line for line in text.splitlines() if line.startswith("warning ")]
    kinds = {w["kind"] for w in json.loads(cli("check", SEED002, "--json"))["warnings"]}
    assert len(warning_lines) == len(kinds)
    flat = " ".join(text.split())
    assert flat.count("Initialise weights with zero mean") == 1
    assert flat.count("Scale the inputs to mean 0, std 1") == 1


def test_loose_mlp_fits_20_lines_with_the_statement_and_its_fix() -> None:
    text = cli("check", LOOSE)
    lines = text.splitlines()
    assert len(lines) <= 20, len(lines)
    assert_fits(text)
    assert lines[1].startswith("NOT OK: The gradient of W2 is wrong; the other 3 agree")
    assert lines[2] == "Look at grads() in loose_mlp.py:46:"
    assert lines[3].strip().startswith("46  dW2 = dZ2 @ A1.T")
    assert lines[4].strip() == "as it would be fixed:"
    assert lines[5].strip() == "46  dW2 = dZ2 @ A1.T / m"
    assert "batch size m = 24" in text
    assert len(sentences(text)) == len(set(sentences(text)))


def test_verbose_adds_the_evidence_and_every_traced_statement() -> None:
    short, full = cli("check", SEED002), cli("check", SEED002, "-v")
    assert len(full.splitlines()) > len(short.splitlines())
    assert_fits(full)
    for evidence in ("worst w2[0, 0]", "relative error 1 (pass <= 1e-06", "one_hot_y = one_hot(y)"):
        assert evidence not in short and evidence in " ".join(full.split())
    assert "every coordinate checked; 1," in full  # what the check cost


def test_a_passing_sample_is_short_and_says_ok_first() -> None:
    text = cli("check", str(SAMPLES / "loose_mlp_fixed.py"))
    lines = text.splitlines()
    assert lines[1] == "OK: All 4 gradients agree with finite differences."
    assert len(lines) <= 10 and "-v" not in text  # nothing behind -v worth pointing at


def test_wrapped_paragraphs_keep_their_indent_at_any_width() -> None:
    report = gradcheck.check(load_model(SEED002))
    for width in (40, 60, 80, 120):
        text = to_text(report, width=width)
        table = ("tensor ", "w1 ", "b1 ", "w2 ", "b2 ")  # the plain table is aligned, not wrapped
        prose = [line for line in text.splitlines() if not line.startswith(table)]
        assert all(len(line) <= width for line in prose)
        finding = text.split("FAIL:", 1)[1].split("\nwarning", 1)[0]
        continuation = finding.splitlines()[1:]
        assert continuation and all(line.startswith("  ") for line in continuation)


# -- findings: one per story; the shared line only when it cannot be a correct line -----------


def _two_layer(bug: str) -> gradcheck.Report:
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((4, 6)), rng.standard_normal((2, 6))
    p = {
        "W1": rng.standard_normal((5, 4)) * 0.5,
        "b1": np.zeros((5, 1)),
        "W2": rng.standard_normal((2, 5)) * 0.5,
        "b2": np.zeros((2, 1)),
    }

    def loss(p: dict[str, np.ndarray]) -> float:
        A1 = np.tanh(p["W1"] @ X + p["b1"])
        return float(0.5 * np.sum((p["W2"] @ A1 + p["b2"] - Y) ** 2) / 6)

    def grads(p: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        A1 = np.tanh(p["W1"] @ X + p["b1"])
        dZ2 = (p["W2"] @ A1 + p["b2"] - Y) / 6
        dW2 = dZ2 @ A1.T
        db2 = dZ2.sum(axis=1, keepdims=True)
        if bug == "both_layer2":
            dW2 = dW2 * 6
            db2 = db2 * 6
        dZ1 = (p["W2"].T @ dZ2) * (1 - A1**2)
        dW1 = dZ1 @ X.T
        if bug == "two_stories":
            dW2 = dW2 * 6
            dW1 = -dW1
        return {"W1": dW1, "b1": dZ1.sum(axis=1, keepdims=True), "W2": dW2, "b2": db2}

    return gradcheck.check(loss=loss, grads=grads, params=p)


def test_two_tensors_with_one_reading_show_their_own_lines_not_the_correct_line_they_share() -> (
    None
):
    report = _two_layer("both_layer2")
    (finding,) = grouped_findings(report)
    assert [t.name for t in finding.tensors] == ["W2", "b2"]
    assert finding.line is None  # dZ2 is shared, but W1 passes through it: it is right
    assert shared_line(finding.tensors) is not None and "dZ2" in shared_line(finding.tensors).text
    text = to_text(report)
    assert "dW2 = dW2 * 6" in text and "db2 = db2 * 6" in text
    assert "All of them come from" not in text


def test_two_separate_mistakes_are_two_findings_and_the_headline_says_so() -> None:
    report = _two_layer("two_stories")
    findings = grouped_findings(report)
    assert [f.names for f in findings] == ["W2", "W1"]
    text = to_text(report)
    assert "Look at" not in text  # several readings: no one line to start from
    assert text.index("W2 FAIL:") < text.index("W1 FAIL:")
    # each finding shows its own statement below
    assert "dW2 = dW2 * 6" in text and "dW1 = -dW1" in text


def planted_check(tmp_path: Path, form: str) -> str:
    """`gradcheck check` at 80 columns on a course form with its planted bug (tests.models.forms)."""
    old, new, _ = BUGS[form]
    path = tmp_path / f"{form}.py"
    path.write_text(FORMS[form].replace(old, new))
    text = cli("check", str(path))
    assert_fits(text)
    return text


def test_layers_of_a_loop_sharing_one_wrong_line_get_it_once_with_its_fix(tmp_path: Path) -> None:
    text = planted_check(tmp_path, "full_forward")
    assert BUGS["full_forward"][2] == {"b1", "b2"}
    flat = " ".join(text.split())
    assert "Both come from single_layer_backward_propagation() in full_forward.py:" in flat
    assert "db_curr = np.sum(dZ_curr, axis=1, keepdims=True) / m" in flat
    assert flat.count("db_curr = np.sum(dZ_curr, axis=1, keepdims=True)") == 2  # as is, fixed


def test_a_loop_of_layers_with_their_own_lines_lists_each_statement_once(tmp_path: Path) -> None:
    text = planted_check(tmp_path, "dropout")
    assert text.count("from backward_propagation_with_dropout() in dropout.py:") == 1
    assert text.count("1.0 / m * np.dot(dZ2, A1.T)") == 1


@pytest.mark.parametrize("verbose", [False, True])
def test_the_html_shows_the_same_layers(verbose: bool) -> None:
    report = gradcheck.check(load_model(LOOSE))
    markup = report._repr_html_()
    assert "NOT OK: The gradient of W2 is wrong" in markup
    assert "dW2 = dZ2 @ A1.T / m" in markup
    assert to_text(report, verbose=verbose)  # both layers render
