"""What the numerics diagnostics cost, side by side on one small MLP (not a timed test).

Run:  python bench/bench_tracer.py [--repeat N]

Rows:
  plain loss call          the user's loss, nothing armed
  under ErrorWatch (armed)   the same call while NumPy's error callback is armed (what a watched step pays)
  ErrorWatch arm+call+disarm  arming and restoring the program's settings around every call
  locate_nonfinite         one traced diagnostic pass (line tracer on user frames + the callback)
  trace_activations        one traced pass collecting intermediates for activation health

The traced passes run once per check (after a NaN was seen, or once at initialisation), never per
coordinate or per step; their ratio to the plain call is what a user pays once.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from gradcheck.health.layers import trace_activations
from gradcheck.numerics.errorwatch import ErrorWatch
from gradcheck.numerics.origin import locate_nonfinite


def make_mlp(
    n_in: int = 32, hidden: int = 64, n_out: int = 10, m: int = 64, seed: int = 0
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    params = {
        "W1": rng.standard_normal((hidden, n_in)) * np.sqrt(2 / n_in),
        "b1": np.zeros((hidden, 1)),
        "W2": rng.standard_normal((hidden, hidden)) * np.sqrt(2 / hidden),
        "b2": np.zeros((hidden, 1)),
        "W3": rng.standard_normal((n_out, hidden)) * np.sqrt(2 / hidden),
        "b3": np.zeros((n_out, 1)),
    }
    X = rng.standard_normal((n_in, m))
    Y = np.eye(n_out)[:, rng.integers(0, n_out, m)]
    return params, X, Y


def relu(z: np.ndarray) -> np.ndarray:
    return np.maximum(0, z)


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def forward(
    params: dict[str, np.ndarray], X: np.ndarray
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    cache = {"A0": X}
    A = X
    for l in (1, 2):
        Z = params[f"W{l}"] @ A + params[f"b{l}"]
        A = relu(Z)
        cache[f"Z{l}"], cache[f"A{l}"] = Z, A
    Z3 = params["W3"] @ A + params["b3"]
    probs = softmax(Z3)
    cache["Z3"] = Z3
    return probs, cache


def loss(params: dict[str, np.ndarray], X: np.ndarray, Y: np.ndarray) -> float:
    probs, _ = forward(params, X)
    m = X.shape[1]
    return float(-np.sum(Y * np.log(probs + 1e-12)) / m)


def measure(
    variants: list[tuple[str, Callable[[], Any], Callable[[], Any]]], repeat: int
) -> dict[str, float]:
    """Median seconds per call of each variant, interleaved round by round so drift hits all alike.

    A variant is (name, fn, context factory): the context is entered around each timed batch (an
    ErrorWatch for the armed row, nothing for the others).
    """
    inner: dict[str, int] = {}
    for name, fn, ctx in variants:
        with ctx():
            fn()
            t0 = time.perf_counter()
            fn()
            one = time.perf_counter() - t0
        inner[name] = max(1, int(0.02 / max(one, 1e-7)))
    samples: dict[str, list[float]] = {name: [] for name, _, _ in variants}
    for _ in range(repeat):
        for name, fn, ctx in variants:
            n = inner[name]
            with ctx():
                t0 = time.perf_counter()
                for _ in range(n):
                    fn()
                samples[name].append((time.perf_counter() - t0) / n)
    return {name: statistics.median(v) for name, v in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()

    params, X, Y = make_mlp()
    n_params = sum(p.size for p in params.values())

    def plain() -> float:
        return loss(params, X, Y)

    watch = ErrorWatch()

    def arm_call_disarm() -> float:
        with watch:
            return loss(params, X, Y)

    def located() -> Any:
        return locate_nonfinite(plain, phase="loss")

    def traced() -> Any:
        return trace_activations(plain)

    assert located() is None  # a healthy model: the pass finds nothing
    variants: list[tuple[str, Callable[[], Any], Callable[[], Any]]] = [
        ("plain loss call", plain, contextlib.nullcontext),
        # armed once around the batch, as the watch decorator keeps it over a training run
        ("under ErrorWatch (armed)", plain, ErrorWatch),
        ("ErrorWatch arm+call+disarm", arm_call_disarm, contextlib.nullcontext),
        ("locate_nonfinite (1 pass)", located, contextlib.nullcontext),
        ("trace_activations (1 pass)", traced, contextlib.nullcontext),
    ]
    times = measure(variants, args.repeat)
    rows = list(times.items())
    base = rows[0][1]
    print(f"small MLP: 32-64-64-10, batch 64, {n_params} parameters, NumPy {np.__version__}")
    print(f"{'':30s} {'per call':>12s} {'vs plain':>9s}")
    for name, t in rows:
        print(f"{name:30s} {t * 1e6:9.1f} us {t / base:8.2f}x")
    full_check = (2 * n_params + 1) * base
    print(
        f"for scale: a full check of this model makes {2 * n_params + 1} loss calls (~{full_check:.2f} s); "
        f"one traced pass is {100 * times['locate_nonfinite (1 pass)'] / full_check:.2f}% of that, "
        f"and a check that sees no NaN/Inf runs none."
    )


if __name__ == "__main__":
    main()
