"""The README's example outputs are what the code prints now (at 80 columns; times aside).

Compared only under the NumPy the examples were made with (the marker in README.md): the step at
which seed001's NaN appears moves with NumPy's exp rounding.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "readme_examples", ROOT / ".ci/readme_examples.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_example_command_is_run_and_its_output_matches() -> None:
    text = (ROOT / "README.md").read_text()
    found = re.search(r"<!-- examples: NumPy ([\d.]+) -->", text)
    assert found, "README.md has no examples marker"
    if ".".join(np.__version__.split(".")[:2]) != found.group(1):
        pytest.skip(f"README examples were made with NumPy {found.group(1)}")
    script = _script()
    blocks = script.examples(text)
    assert len(blocks) >= 5  # check, layers, notebook, overflow, watch
    fresh = script.rewritten(text)
    for old, new in zip(blocks, script.examples(fresh)):
        assert script.TIME.sub("in T s", old.group(1)) == script.TIME.sub("in T s", new.group(1))
