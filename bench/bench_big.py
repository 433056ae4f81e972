"""A big model side by side: gradcheck's auto mode against the bare loss loop and, when installed,
torch.autograd.gradcheck in fast mode and jax's check_grads, all on the same NumPy model.

The model: a 784-256-128-10 ReLU MLP (235,146 parameters), batch 64, float64, softmax cross-entropy,
columns = examples, hand-written backprop. Two versions: correct, and one row of dW1 never written
(dW1[ROW] = 0, the bug torch's fast mode misses). For each checker: the loss evaluations it made, its
seconds (median of the repeats, interleaved), its verdict, and for gradcheck the row it named.

torch and jax see the NumPy model through a thin wrapper (a torch.autograd.Function, a jax
custom_vjp over pure_callback) whose backward returns the hand-written gradients: the same
comparison each tool makes of its own autograd. They are skipped when not installed.

    python bench/bench_big.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import gradcheck

SIZES = (784, 256, 128, 10)
BATCH = 64
ROW = 17  # the row of dW1 the buggy backward never writes

Params = dict[str, np.ndarray]


class Counted:
    """The model's loss and gradients, counting calls."""

    def __init__(self, bug: bool, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.params: Params = {}
        for l in range(1, len(SIZES)):
            fan_in = SIZES[l - 1]
            self.params[f"W{l}"] = rng.standard_normal((SIZES[l], fan_in)) * np.sqrt(2 / fan_in)
            self.params[f"b{l}"] = 0.01 * rng.standard_normal((SIZES[l], 1))
        self.X = rng.standard_normal((SIZES[0], BATCH))
        self.Y = np.eye(SIZES[-1])[:, rng.integers(0, SIZES[-1], BATCH)]
        self.bug = bug
        self.losses = 0

    def forward(self, p: Params) -> tuple[list[np.ndarray], np.ndarray]:
        A, acts = self.X, [self.X]
        L = len(SIZES) - 1
        for l in range(1, L):
            A = np.maximum(0, p[f"W{l}"] @ A + p[f"b{l}"])
            acts.append(A)
        Z = p[f"W{L}"] @ A + p[f"b{L}"]
        E = np.exp(Z - Z.max(axis=0, keepdims=True))
        return acts, E / E.sum(axis=0, keepdims=True)

    def loss(self, p: Params) -> float:
        self.losses += 1
        _, probs = self.forward(p)
        return float(-np.sum(self.Y * np.log(probs)) / BATCH)

    def grads(self, p: Params) -> Params:
        acts, probs = self.forward(p)
        L = len(SIZES) - 1
        dZ = (probs - self.Y) / BATCH
        g: Params = {}
        for l in range(L, 0, -1):
            g[f"dW{l}"] = dZ @ acts[l - 1].T
            g[f"db{l}"] = dZ.sum(axis=1, keepdims=True)
            if l > 1:
                dZ = (p[f"W{l}"].T @ dZ) * (acts[l - 1] > 0)
        if self.bug:
            g["dW1"][ROW] = 0.0
        return g


def bare_loop_seconds(model: Counted, evaluations: int) -> float:
    """What ``evaluations`` loss calls cost, at the measured time of one."""
    start = time.perf_counter()
    for _ in range(10):
        model.loss(model.params)
    return (time.perf_counter() - start) / 10 * evaluations


def run_gradcheck(model: Counted) -> dict[str, Any]:
    model.losses = 0
    start = time.perf_counter()
    report = gradcheck.check(loss=model.loss, grads=model.grads, params=model.params)
    seconds = time.perf_counter() - start
    w1 = report.tensor("W1") if hasattr(report, "tensor") else None
    rows = ((w1.details.get("diagnosis") or {}).get("indices") if w1 is not None else None) or []
    return {
        "evaluations": model.losses,
        "seconds": seconds,
        "verdict": "ok"
        if report.ok
        else "FAIL " + ",".join(t.name for t in report.tensors if t.status == "fail"),
        "named": f"pattern {w1.pattern} rows {rows}"
        if w1 is not None and w1.status == "fail"
        else "",
    }


def run_torch(model: Counted) -> dict[str, Any] | None:
    try:
        import torch
    except ImportError:
        return None
    names = list(model.params)

    class Loss(torch.autograd.Function):
        @staticmethod
        def forward(ctx: Any, *tensors: Any) -> Any:
            p = {n: t.detach().numpy() for n, t in zip(names, tensors)}
            ctx.p = p
            return torch.tensor(model.loss(p), dtype=torch.float64)

        @staticmethod
        def backward(ctx: Any, grad_output: Any) -> Any:
            g = model.grads(ctx.p)
            return tuple(grad_output * torch.from_numpy(g["d" + n]) for n in names)

    inputs = tuple(torch.from_numpy(model.params[n].copy()).requires_grad_() for n in names)
    model.losses = 0
    start = time.perf_counter()
    ok = torch.autograd.gradcheck(Loss.apply, inputs, fast_mode=True, raise_exception=False)
    return {
        "evaluations": model.losses,
        "seconds": time.perf_counter() - start,
        "verdict": "ok" if ok else "FAIL",
        "named": "",
    }


def run_jax(model: Counted) -> dict[str, Any] | None:
    try:
        import jax
        import jax.numpy as jnp
        from jax.test_util import check_grads
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    names = list(model.params)
    shape = jax.ShapeDtypeStruct((), jnp.float64)

    def numpy_loss(*arrays: Any) -> Any:
        return np.float64(model.loss({n: np.asarray(a) for n, a in zip(names, arrays)}))

    def numpy_grads(*arrays: Any) -> Any:
        g = model.grads({n: np.asarray(a) for n, a in zip(names, arrays)})
        return tuple(g["d" + n] for n in names)

    @jax.custom_vjp
    def f(*arrays: Any) -> Any:
        return jax.pure_callback(numpy_loss, shape, *arrays)

    def f_fwd(*arrays: Any) -> Any:
        return f(*arrays), arrays

    def f_bwd(arrays: Any, ct: Any) -> Any:
        shapes = tuple(jax.ShapeDtypeStruct(a.shape, jnp.float64) for a in arrays)
        grads = jax.pure_callback(numpy_grads, shapes, *arrays)
        return tuple(ct * g for g in grads)

    f.defvjp(f_fwd, f_bwd)
    args = tuple(jnp.asarray(model.params[n]) for n in names)
    model.losses = 0
    start = time.perf_counter()
    try:
        check_grads(f, args, order=1, modes=["rev"])
        verdict = "ok"
    except AssertionError:
        verdict = "FAIL"
    return {
        "evaluations": model.losses,
        "seconds": time.perf_counter() - start,
        "verdict": verdict,
        "named": "",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    checkers: dict[str, Callable[[Counted], dict[str, Any] | None]] = {
        "gradcheck auto": run_gradcheck,
        "torch fast mode": run_torch,
        "jax check_grads": run_jax,
    }
    n = sum(int(np.prod(a.shape)) for a in Counted(False).params.values())
    print(f"model: ReLU MLP {'-'.join(map(str, SIZES))}, batch {BATCH}, {n:,} parameters (float64)")
    print(f"{'checker':<16} {'model':<8} {'loss evals':>10} {'seconds':>8}  verdict")
    for bug in (False, True):
        for name, run in checkers.items():
            runs = [run(Counted(bug)) for _ in range(args.repeats)]
            if runs[0] is None:
                print(f"{name:<16} {'':<8} {'':>10} {'':>8}  (not installed: skipped)")
                continue
            last = runs[-1]
            assert last is not None
            seconds = statistics.median(r["seconds"] for r in runs if r is not None)
            label = "row bug" if bug else "correct"
            print(
                f"{name:<16} {label:<8} {last['evaluations']:>10} {seconds:>8.3f}  "
                f"{last['verdict']} {last['named']}"
            )
        model = Counted(bug)
        bare = bare_loop_seconds(model, 2 * n + 1)
        print(
            f"{'bare 2n+1 loop':<16} {'':<8} {2 * n + 1:>10} {bare:>8.1f}  (a full check, estimated)"
        )


if __name__ == "__main__":
    main()
