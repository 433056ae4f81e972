"""A watched run's summary as the renderer shows it: the cost plot and the plain text."""

from __future__ import annotations

import json
import math
import warnings

from gradcheck.report.cost_plot import cost_plot
from gradcheck.report.watch_plain import to_text
from tests.train.helpers import run_training, watched


def test_the_cost_plot_spans_the_curve_and_marks_nonfinite_steps() -> None:
    costs: list[float | None] = [1.0 - i / 100 for i in range(99)] + [math.inf]
    lines = cost_plot(costs, width=20, height=5, ascii_only=True)
    assert len(lines) == 7
    assert lines[0].startswith("   1 |") and lines[0].rstrip().endswith("x")
    assert lines[4].startswith("0.02 |")
    assert lines[-1].split() == ["1", "100"]
    assert cost_plot([1.0]) == []


def test_plain_text_summary_reads_top_to_bottom() -> None:
    net = watched(every=1)(seed=0)
    run_training(net, 40, lr=0.5)
    summary = net.backward.watch.summary()  # type: ignore[attr-defined]
    net.backward.watch.stop()  # type: ignore[attr-defined]
    text = to_text(summary, title="net")
    assert text.splitlines()[0] == "gradcheck watch - net"
    assert "cost over 40 steps" in text and "params['W1']" in text
    assert text.splitlines()[1].startswith("OK: 40 steps without NaN/Inf")
    assert all(line == line.rstrip() for line in text.splitlines())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        json.dumps(summary.to_dict())
