"""The ``overwrite`` reading: a gradient assigned with ``=`` where ``+=`` belongs.

An RNN's ``dWhh = np.dot(dhraw, hs[t-1].T)`` inside ``for t in reversed(range(T))`` keeps only the
last step's contribution. The traced run (:mod:`gradcheck.numerics.provenance`) finds the statement
that replaced the same name run after run and sums its runs as ``+=`` would; this reading is given
only when that sum matches the numeric gradient where the check found the analytic one wrong.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

import numpy as np

from gradcheck.diagnose.diagnosis import Diagnosis

__all__ = ["accumulated_line", "overwrite", "sum_matches"]

#: How close the summed runs must come to the numeric gradient (relative).
SUM_RTOL = 1e-4


def sum_matches(summed: np.ndarray, at: Sequence[tuple[tuple[int, ...], float, float]]) -> bool:
    """Whether the runs' sum is the numeric gradient at the given (index, analytic, numeric)
    coordinates, where the analytic one is not."""
    if not at:
        return False
    total = np.asarray(summed, dtype=np.float64)
    for index, analytic, numeric in at:
        try:
            s = float(total[index])
        except (IndexError, TypeError, ValueError):
            return False
        scale = max(abs(s), abs(numeric), abs(analytic))
        if abs(s - numeric) > SUM_RTOL * scale + 1e-300:
            return False
    return True


def accumulated_line(text: str, name: str) -> str | None:
    """``name = expr`` as ``name += expr``, when the statement is exactly that."""
    try:
        node = ast.parse(text.strip()).body[0]
    except (SyntaxError, IndexError):
        return None
    if not isinstance(node, ast.Assign) or len(node.targets) != 1:
        return None
    target = node.targets[0]
    rhs = ast.get_source_segment(text.strip(), node.value)
    if not isinstance(target, ast.Name) or target.id != name or rhs is None:
        return None
    return f"{name} += {rhs}"


def overwrite(name: str, runs: int, line: int) -> Diagnosis:
    """The reading, in plain words and with its evidence."""
    summary = (
        f"Only the last step's contribution to {name} is kept: {name} = ... on line {line} runs "
        f"{runs} times and each run replaces the one before. Use {name} += ... to add them up."
    )
    message = (
        f"{name} is assigned with = on line {line}, {runs} times in a loop, after it was set "
        f"before the loop: each run overwrites the last, so only the last step's contribution is "
        f"kept. Summing the {runs} runs, as += would, gives the numeric gradient at the "
        f"coordinates where the analytic one is wrong."
    )
    return Diagnosis("overwrite", None, message, {"runs": runs, "name": name}, summary=summary)
