"""The package's layout holds the architecture's targets (measured by .ci/layout.py).

No module over 500 lines, no function over 60 (three at most up to 100, each saying why), no import
cycle (deferred imports included), the core rooms free of rich and click, report free of the engine.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

LAYOUT = Path(__file__).resolve().parents[1] / ".ci" / "layout.py"


@pytest.fixture(scope="module")
def layout() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gradcheck_layout", LAYOUT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def test_the_package_meets_every_layout_target(layout: ModuleType) -> None:
    _, missed = layout.problems()
    assert missed == []


def test_the_measure_finds_a_cycle_through_a_deferred_import(layout: ModuleType) -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert layout.cycles(graph) == [["a", "b", "c"]]


def test_the_measure_counts_an_import_inside_a_function(layout: ModuleType, tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text(
        "from gradcheck.x import y\n"
        "def f():\n"
        "    from gradcheck.z import w\n"
        "    import gradcheck.q\n"
        "if TYPE_CHECKING:\n"
        "    from gradcheck.t import u\n"
    )
    known = {"gradcheck.x", "gradcheck.z", "gradcheck.q", "gradcheck.t", "gradcheck.x.y"}
    assert layout.imports("gradcheck.m", path, known) == {
        "gradcheck.x.y",
        "gradcheck.z",
        "gradcheck.q",
    }
