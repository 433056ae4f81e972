"""Peak memory of a check on a ~1M-parameter model, against the sizes that bound it.

A check perturbs the user's arrays in place and keeps at most a few tensor-sized work arrays for
the tensor it is on (its saved values, its steps, one random direction), so the extra memory it
needs should stay a small multiple of the largest tensor: never a copy of every parameter per
coordinate, never a Jacobian. This measures it with tracemalloc (NumPy reports its buffers to it):

* the user's own cost: the peak of one loss call and one gradient call (the gradients the user
  returns are as large as all the parameters; any check needs them);
* the check: the peak of ``gradcheck.check`` in auto mode (sampled coordinates + random
  directions), for the loose form and for a stateful object (whose adaptation watches every array
  the object holds for one dry run, to tell parameters from caches and gradients);

and prints them in bytes and in units of the largest tensor. No assertions: figures to read.

    python bench/bench_memory.py [--batch 32]
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import gradcheck
from tests.nets import make_mlp

SIZES = (784, 1024, 256, 10)  # 1,068,810 parameters; W1 alone is 802,816


def peak_of(run: Callable[[], Any]) -> tuple[int, Any]:
    """Bytes allocated at the peak of ``run()`` above what was allocated when it started."""
    gc.collect()
    tracemalloc.start()
    try:
        start, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        result = run()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - start, result


class Net:
    """The same MLP as a stateful object: params, cache and grads dicts on self."""

    def __init__(self, params: dict[str, np.ndarray], X: np.ndarray, Y: np.ndarray) -> None:
        self.params, self.X, self.Y = params, X, Y
        self.L = len(params) // 2

    def forward(self) -> np.ndarray:
        A = self.X
        self.cache: dict[str, np.ndarray] = {"A0": A}
        for l in range(1, self.L + 1):
            Z = self.params[f"W{l}"] @ A + self.params[f"b{l}"]
            if l < self.L:
                A = np.tanh(Z)
            else:
                e = np.exp(Z - Z.max(axis=0, keepdims=True))
                A = e / e.sum(axis=0, keepdims=True)
            self.cache[f"A{l}"] = A
        return A

    def cost(self) -> float:
        m = self.X.shape[1]
        return float(-np.sum(self.Y * np.log(self.cache[f"A{self.L}"])) / m)

    def backward(self) -> None:
        m = self.X.shape[1]
        self.grads: dict[str, np.ndarray] = {}
        dZ = (self.cache[f"A{self.L}"] - self.Y) / m
        for l in range(self.L, 0, -1):
            A_prev = self.cache[f"A{l - 1}"]
            self.grads[f"dW{l}"] = dZ @ A_prev.T
            self.grads[f"db{l}"] = dZ.sum(axis=1, keepdims=True)
            if l > 1:
                dZ = (self.params[f"W{l}"].T @ dZ) * (1 - A_prev**2)


def mb(n: float) -> str:
    return f"{n / 2**20:7.1f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--batch", type=int, default=32)
    args = parser.parse_args()

    params, loss, grads = make_mlp(SIZES, m=args.batch)
    largest = max(a.nbytes for a in params.values())
    total = sum(a.nbytes for a in params.values())
    count = sum(a.size for a in params.values())
    print(f"model {'-'.join(map(str, SIZES))}, batch {args.batch}: {count:,} parameters (float64)")
    print(f"largest tensor {mb(largest)}   all parameters {mb(total)}")
    print()

    def user_calls() -> None:
        loss(params)
        grads(params)

    user, _ = peak_of(user_calls)
    rows = [("one loss + one gradient call (the user's own)", user, None)]

    t = time.perf_counter()
    loose, report = peak_of(lambda: gradcheck.check(loss=loss, grads=grads, params=params))
    rows.append(("check, loose form, auto mode", loose, (report, time.perf_counter() - t)))

    rng = np.random.default_rng(1)
    X = rng.standard_normal((SIZES[0], args.batch))
    Y = np.eye(SIZES[-1])[:, rng.integers(0, SIZES[-1], args.batch)]
    object_params = {k: v.copy() for k, v in params.items()}
    net = Net(object_params, X, Y)
    adapt, model = peak_of(lambda: gradcheck.from_object(net))
    rows.append(("from_object (one watched dry run)", adapt, None))
    t = time.perf_counter()
    obj, report = peak_of(lambda: gradcheck.check(model))
    rows.append(("check, object form, auto mode", obj, (report, time.perf_counter() - t)))

    width = max(len(r[0]) for r in rows)
    print(f"{'peak extra memory of':<{width}}   {'bytes':>10}   x largest   x all params")
    for label, peak, done in rows:
        print(f"{label:<{width}}   {mb(peak)}   {peak / largest:9.2f}   {peak / total:12.2f}")
        if done is not None:
            r, seconds = done
            s = r.stats
            print(
                f"{'':<{width}}   {s.mode}: {s.coordinates_checked:,} coordinates and "
                f"{s.directions} directions, {s.loss_evaluations} loss and {s.grad_evaluations} "
                f"gradient evaluations, {seconds:.1f} s under tracemalloc; ok={r.ok}"
            )
    print()
    print(
        f"beyond the user's own calls, the loose check needed {mb(loose - user).strip()} = "
        f"{(loose - user) / largest:.2f} x the largest tensor; a Jacobian would be "
        f"{mb(count * 8.0).strip()} per output, one parameter copy per coordinate "
        f"{count * total / 2**40:.1f} TB."
    )


if __name__ == "__main__":
    main()
