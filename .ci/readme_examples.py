"""Regenerate the README's example outputs from the current code, at 80 columns.

    python .ci/readme_examples.py           # rewrite README.md's examples in place
    python .ci/readme_examples.py --check   # exit 1 when an example differs from what the code prints

An example is a fenced block whose lines starting with ``$ gradcheck `` are commands run from the
repository's root; the lines after each command, up to the next command or the end of the block, are
its output. Times ("in 0.02 s") are left out of the comparison: they are the one thing a rerun changes.
The line under the marker ``<!-- examples: NumPy X.Y -->`` records the NumPy the outputs came from
(the step a NaN appears at depends on NumPy's exp); tests/test_readme.py compares only under that NumPy.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
FENCE = re.compile(r"^```[a-z]*\n(.*?)^```\n", re.DOTALL | re.MULTILINE)
MARKER = re.compile(r"<!-- examples: NumPy [\d.]+ -->")
TIME = re.compile(r"in \d+\.\d+ s\b")


def run(command: str) -> str:
    """What ``command`` (``gradcheck ...``) prints on stdout at 80 columns, trailing spaces cut."""
    proc = subprocess.run(
        [sys.executable, "-m", *shlex.split(command)],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "80", "PYTHONPATH": str(ROOT), "NO_COLOR": "1"},
        cwd=ROOT,
        check=False,
    )
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{command}: exit {proc.returncode}\n{proc.stderr}")
    return "".join(line.rstrip() + "\n" for line in proc.stdout.splitlines())


def regenerate(block: str) -> str:
    """The block with each command's output replaced by what it prints now."""
    out: list[str] = []
    for line in block.splitlines(keepends=True):
        if line.startswith("$ gradcheck "):
            if out and not out[-1].startswith("$ "):
                out.append("\n")
            out.append(line)
            out.append(run(line[2:].strip()))
    return "".join(out).rstrip("\n") + "\n"


def examples(text: str) -> list[re.Match[str]]:
    return [m for m in FENCE.finditer(text) if m.group(1).startswith("$ gradcheck ")]


def numpy_version() -> str:
    import numpy as np

    return ".".join(np.__version__.split(".")[:2])


def rewritten(text: str) -> str:
    pieces: list[str] = []
    end = 0
    for m in examples(text):
        pieces += [text[end : m.start(1)], regenerate(m.group(1))]
        end = m.end(1)
    pieces.append(text[end:])
    return MARKER.sub(f"<!-- examples: NumPy {numpy_version()} -->", "".join(pieces))


def main() -> int:
    text = README.read_text()
    new = rewritten(text)
    if "--check" in sys.argv[1:]:
        stale = [
            m.group(1).splitlines()[0]
            for m, fresh in zip(examples(text), examples(new))
            if TIME.sub("in T s", m.group(1)) != TIME.sub("in T s", fresh.group(1))
        ]
        for command in stale:
            print(f"README.md: the output of `{command[2:]}` is not what the code prints now")
        return 1 if stale else 0
    README.write_text(new)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
