"""Warnings at a glance: one entry per kind listing where, each fix sentence once, nothing cut; the
JSON keeps one entry per warning with its whole message."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

import gradcheck
from gradcheck.models.discovery import load_model
from gradcheck.report.check_plain import to_text
from gradcheck.report.check_rich import rich_report
from gradcheck.report.records import ReportWarning
from gradcheck.report.warning_groups import _sentences, warning_groups

SAMPLES = Path(__file__).resolve().parents[2] / "sample_models"


def rich_text(report: gradcheck.Report, width: int = 80, verbose: bool = False) -> str:
    console = Console(file=io.StringIO(), width=width, record=True)
    console.print(rich_report(report, verbose=verbose))
    return console.export_text()


def flat(text: str) -> str:
    """The rendered text as one line: wrapping at 80 columns cuts sentences across lines."""
    return " ".join(text.split())


def seed002() -> gradcheck.Report:
    return gradcheck.check(load_model(SAMPLES / "seed002_tanh_backprop.py"))


def test_seed002s_shared_fix_is_given_once_and_its_warnings_merge_by_kind() -> None:
    report = seed002()
    kinds = [w.kind for w in report.warnings]
    assert kinds.count("exploding_activations") == 2 and kinds.count("all_positive_init") == 2
    scale_fixes = {
        w.fix for w in report.warnings if w.kind in ("large_init", "exploding_activations")
    }
    assert len(scale_fixes) == 1 and None not in scale_fixes
    (fix,) = scale_fixes
    for text in (flat(rich_text(report)), flat(to_text(report))):
        for sentence in _sentences(fix):  # each sentence of the shared fix said once
            assert text.count(" ".join(sentence.split())) == 1
        # by default one line per kind: where, then the plain reading
        assert text.count("warning z1, z2: the values going into the activation explode") == 1
        assert text.count("warning w1, w2: all weights are >= 0") == 1
        assert text.count("Initialise weights with zero mean: np.random.randn") == 1
    verbose = (flat(rich_text(report, verbose=True)), flat(to_text(report, verbose=True)))
    for text in verbose:
        for sentence in _sentences(fix):
            assert text.count(" ".join(sentence.split())) == 1
        assert "[exploding_activations] z1, z2:" in text
        assert "[all_positive_init] w1, w2:" in text
        assert text.count("warning [exploding_activations]") == 1
        assert text.count("Initialise weights with zero mean: np.random.randn") == 1
        assert text.count("values this large saturate tanh/sigmoid and overflow exp") == 1
        # each member's own reading stays: its numbers are not merged away
        assert "max |z| 244.2" in text and "max |z| 1443" in text
        assert "all 640 weights" in text and "all 100 weights" in text


def test_the_json_keeps_one_warning_per_reading_with_its_whole_message() -> None:
    report = seed002()
    entries = report.to_dict()["warnings"]
    assert len(entries) == len(report.warnings) == 7
    for entry, w in zip(entries, report.warnings):
        assert entry["message"] == w.message
        if w.fix is not None:
            assert entry["fix"] == w.fix and w.message.endswith(w.fix)
        else:
            assert "fix" not in entry


def _rand_init_net(seed: int) -> tuple[dict[str, np.ndarray], object, object]:
    """A learner's three-layer ReLU net on raw pixels with np.random.rand weights (a correct
    backward): the health readings warn, several of one kind."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, size=(12, 6)).astype(float)
    y = rng.integers(0, 3, size=6)
    params = {
        "W1": np.random.default_rng(seed + 1).random((8, 12)),
        "W2": np.random.default_rng(seed + 2).random((8, 8)),
        "W3": np.random.default_rng(seed + 3).random((3, 8)) * 0.01,
    }

    def forward(p: dict[str, np.ndarray]) -> tuple[np.ndarray, ...]:
        z1 = p["W1"] @ x
        a1 = np.maximum(z1, 0)
        z2 = p["W2"] @ a1
        a2 = np.maximum(z2, 0)
        z3 = p["W3"] @ a2
        e = np.exp(z3 - z3.max(axis=0))
        return z1, a1, z2, a2, e / e.sum(axis=0)

    def loss(p: dict[str, np.ndarray]) -> float:
        probs = forward(p)[-1]
        return float(-np.mean(np.log(probs[y, np.arange(6)])))

    def grads(p: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        z1, a1, z2, a2, probs = forward(p)
        dz3 = probs.copy()
        dz3[y, np.arange(6)] -= 1
        dz3 /= 6
        dz2 = (p["W3"].T @ dz3) * (z2 > 0)
        dz1 = (p["W2"].T @ dz2) * (z1 > 0)
        return {"W1": dz1 @ x.T, "W2": dz2 @ a1.T, "W3": dz3 @ a2.T}

    return params, loss, grads


def test_a_correct_net_with_rand_weights_passes_and_names_every_layer_in_one_line() -> None:
    params, loss, grads = _rand_init_net(0)
    report = gradcheck.check(loss=loss, grads=grads, params=params)
    assert report.ok
    positive = [w.where for w in report.warnings if w.kind == "all_positive_init"]
    assert positive == ["W1", "W2", "W3"]  # rand * 0.01 is still >= 0
    lines = to_text(report).splitlines()
    (line,) = [line for line in lines if "all weights are >= 0" in line]  # one line for the kind
    assert line.startswith("warning W1, W2") and "W3" in line
    text = flat(to_text(report))
    assert text.count("Initialise weights with zero mean: np.random.randn") == 1
    text = flat(to_text(report, verbose=True))
    assert text.count("[all_positive_init] W1, W2, W3:") == 1
    assert text.count("Initialise weights with zero mean: np.random.randn") == 1
    assert "…" not in rich_text(report)


_WHERES = st.sampled_from(["w1", "w2", "z1", "z2", "a2", "params['W1']"])
_FIXES = st.sampled_from([None, "Scale the inputs.", "Lower the learning rate (e.g. 10x)."])


@st.composite
def _warning(draw: st.DrawFn) -> ReportWarning:
    where = draw(_WHERES)
    fix = draw(_FIXES)
    reading = draw(st.sampled_from(["all weights are >= 0", "100% saturated; they pass nothing"]))
    number = draw(st.integers(0, 999))
    message = f"{where}: {reading} ({number})." + (f" {fix}" if fix else "")
    return ReportWarning(
        kind=draw(st.sampled_from(["a", "b", "c"])), where=where, message=message, fix=fix
    )


@given(st.lists(_warning(), max_size=8))
def test_groups_name_every_where_say_each_fix_once_and_keep_every_number(
    warnings: list[ReportWarning],
) -> None:
    groups = warning_groups(warnings)
    assert [g.kind for g in groups] == list(dict.fromkeys(w.kind for w in warnings))
    text = " ".join(g.lead + g.text for g in groups)
    for g in groups:
        assert set(g.wheres) == {w.where for w in warnings if w.kind == g.kind}
    for fix in {w.fix for w in warnings if w.fix}:
        assert text.count(fix) == 1
    for w in warnings:
        assert f"({w.message.split('(')[1].split(')')[0]})" in text


def test_seed001s_watch_gives_the_update_ratio_advice_once_for_both_weights() -> None:
    from tests.report.test_fitted_table import cli

    path = str(SAMPLES / "seed001_nan_after_training.py")
    summary = json.loads(cli("watch", path, "--json"))
    high = [w["where"] for w in summary["warnings"] if w["kind"] == "update_ratio_high"]
    assert high == ["W[1]", "W[2]"]  # the JSON keeps one entry each
    text = flat(cli("watch", path))
    assert text.count("warning [update_ratio_high] W[1], W[2]:") == 1
    assert text.count("Lower the learning rate (try a tenth of it)") == 1
    # Each weight keeps its own figure (the step of the NaN, and so the ratios, differ with NumPy's
    # exp rounding: 1394 on NumPy 2, 1795 on 1.24).
    ratios = [
        w["details"]["update_ratio"]
        for w in summary["warnings"]
        if w["kind"] == "update_ratio_high"
    ]
    for ratio in ratios:
        assert f"{100 * ratio:.2g}%" in text
