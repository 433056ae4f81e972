"""Overhead of a full gradcheck over the bare finite-difference loop, side by side in one run.

The baseline is the least any full centered-difference check can do: 2n + 1 loss calls and one
gradient call, with the perturbation written inline. gradcheck does the same calls plus its noise
estimate, confirmations and bookkeeping; the target is a ratio of at most 1.15.

    python bench/bench_engine.py [--repeats 5] [--batch 64]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import gradcheck
from tests.nets import make_mlp


def bare_loop(params: dict[str, np.ndarray], loss, grads) -> int:  # type: ignore[no-untyped-def]
    """The baseline: one gradient call and 2n + 1 loss calls, nothing else."""
    grads(params)
    loss(params)
    calls = 1
    h = 1e-5
    for arr in params.values():
        flat = arr.reshape(-1)
        for i in range(flat.size):
            x0 = flat[i]
            flat[i] = x0 + h
            loss(params)
            flat[i] = x0 - h
            loss(params)
            flat[i] = x0
            calls += 2
    return calls


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batch", type=int, default=64)
    args = parser.parse_args()

    params, loss, grads = make_mlp((64, 64, 10), m=args.batch, activation="relu")
    n = sum(p.size for p in params.values())
    bare_times, check_times = [], []
    report = None
    for _ in range(args.repeats):  # interleaved, so drift affects both alike
        t = time.perf_counter()
        bare_calls = bare_loop(params, loss, grads)
        bare_times.append(time.perf_counter() - t)
        t = time.perf_counter()
        report = gradcheck.check(loss=loss, grads=grads, params=params, mode="full")
        check_times.append(time.perf_counter() - t)
    assert report is not None and report.ok
    bare, full = statistics.median(bare_times), statistics.median(check_times)
    print(f"model: MLP 64-64-10, batch {args.batch}, {n:,} parameters (float64)")
    print(f"bare loop     : {bare_calls:,} loss calls + 1 gradient call   median {bare:.3f} s")
    print(
        f"gradcheck full: {report.stats.loss_evaluations:,} loss calls + {report.stats.grad_evaluations} "
        f"gradient call(s)  median {full:.3f} s"
    )
    print(
        f"ratio gradcheck / bare: {full / bare:.3f}  (target <= 1.15; {args.repeats} repeats, interleaved)"
    )


if __name__ == "__main__":
    main()
