"""What watching a training run costs, side by side on one small MLP (not a timed test).

Run:  python bench/bench_watch.py [--repeat N] [--steps S]

Two sizes: "tiny" is bench_tracer.py's MLP (32-64-64-10, batch 64: ~100 us a step, where the
watch's fixed cost per call weighs most), "small" an MNIST-sized course MLP (784-128-64-10, batch
128). The same training (forward, backward, ``param -= lr * grad``) runs unwatched and with
``@gradcheck.watch`` on its backward, interleaved round by round so that drift hits every variant
alike; each figure is the median over the rounds of the time per step. Two shapes of user code:

  function   ``grads = backward(params, cache, X, Y)`` returns a dict of gradients
  method     ``net.backward()`` returns None and stores ``net.grads`` (course style)

Rows marked "every=1" take the health readings (norms, update/weight ratios) on every step instead of
every 10th, to show what they cost. Before timing, each watched run is checked to compute bit for
bit the same parameters and costs as the unwatched one.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import gradcheck

Params = dict[str, np.ndarray]


SIZES = {
    "tiny": (32, 64, 64, 10, 64),  # n_in, hidden 1, hidden 2, n_out, batch
    "small": (784, 128, 64, 10, 128),
}
SIZE = "tiny"


def make_mlp(seed: int = 0) -> tuple[Params, np.ndarray, np.ndarray]:
    """A 3-layer ReLU MLP with a softmax output, examples in columns (course layout)."""
    n_in, h1, h2, n_out, m = SIZES[SIZE]
    rng = np.random.default_rng(seed)
    params = {
        "W1": rng.standard_normal((h1, n_in)) * np.sqrt(2 / n_in),
        "b1": np.zeros((h1, 1)),
        "W2": rng.standard_normal((h2, h1)) * np.sqrt(2 / h1),
        "b2": np.zeros((h2, 1)),
        "W3": rng.standard_normal((n_out, h2)) * np.sqrt(2 / h2),
        "b3": np.zeros((n_out, 1)),
    }
    X = rng.standard_normal((n_in, m))
    Y = np.eye(n_out)[:, rng.integers(0, n_out, m)]
    return params, X, Y


def forward(params: Params, X: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    cache = {"A0": X}
    A = X
    for l in (1, 2):
        Z = params[f"W{l}"] @ A + params[f"b{l}"]
        A = np.maximum(0, Z)
        cache[f"Z{l}"], cache[f"A{l}"] = Z, A
    Z3 = params["W3"] @ A + params["b3"]
    e = np.exp(Z3 - Z3.max(axis=0, keepdims=True))
    probs = e / e.sum(axis=0, keepdims=True)
    cache["probs"] = probs
    return probs, cache


def cost(probs: np.ndarray, Y: np.ndarray) -> float:
    return float(-np.sum(Y * np.log(probs + 1e-12)) / Y.shape[1])


def backward(params: Params, cache: dict[str, np.ndarray], X: np.ndarray, Y: np.ndarray) -> Params:
    m = X.shape[1]
    dZ = (cache["probs"] - Y) / m
    grads: Params = {}
    for l in (3, 2, 1):
        A_prev = cache[f"A{l - 1}"]
        grads[f"dW{l}"] = dZ @ A_prev.T
        grads[f"db{l}"] = dZ.sum(axis=1, keepdims=True)
        if l > 1:
            dZ = (params[f"W{l}"].T @ dZ) * (cache[f"Z{l - 1}"] > 0)
    return grads


class Net:
    """The same network, course style: everything on self, backward returns None."""

    def __init__(self, params: Params, X: np.ndarray, Y: np.ndarray) -> None:
        self.params = params
        self.X, self.Y = X, Y
        self.cache: dict[str, np.ndarray] = {}
        self.grads: Params = {}

    def forward(self) -> np.ndarray:
        probs, self.cache = forward(self.params, self.X)
        return probs

    def backward(self) -> None:
        self.grads = backward(self.params, self.cache, self.X, self.Y)


def train_function(steps: int, watch: dict[str, Any] | None) -> tuple[Params, list[float]]:
    params, X, Y = make_mlp()
    back = backward if watch is None else gradcheck.watch(**watch)(backward)
    costs = []
    for _ in range(steps):
        probs, cache = forward(params, X)
        costs.append(cost(probs, Y))
        grads = back(params, cache, X, Y)
        for k, p in params.items():
            p -= 0.1 * grads["d" + k]
    if watch is not None:
        back.watch.stop()  # type: ignore[attr-defined]
    return params, costs


def train_method(steps: int, watch: dict[str, Any] | None) -> tuple[Params, list[float]]:
    params, X, Y = make_mlp()
    cls: type[Net] = Net
    if watch is not None:
        cls = type("WatchedNet", (Net,), {"backward": gradcheck.watch(**watch)(Net.backward)})
    net = cls(params, X, Y)
    costs = []
    for _ in range(steps):
        costs.append(cost(net.forward(), Y))
        net.backward()
        for k, p in net.params.items():
            p -= 0.1 * net.grads["d" + k]
    if watch is not None:
        cls.backward.watch.stop()  # type: ignore[attr-defined]
    return net.params, costs


def same_numbers(a: tuple[Params, list[float]], b: tuple[Params, list[float]]) -> bool:
    return a[1] == b[1] and all(a[0][k].tobytes() == b[0][k].tobytes() for k in a[0])


def measure(
    variants: list[tuple[str, Callable[[], Any]]], repeat: int, steps: int
) -> dict[str, float]:
    """Median seconds per step of each variant, interleaved round by round."""
    samples: dict[str, list[float]] = {name: [] for name, _ in variants}
    for _ in range(repeat):
        for name, fn in variants:
            t0 = time.perf_counter()
            fn()
            samples[name].append((time.perf_counter() - t0) / steps)
    return {name: statistics.median(v) for name, v in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--size", choices=[*SIZES, "both"], default="both")
    args = parser.parse_args()
    for size in SIZES if args.size == "both" else [args.size]:
        run(size, args.steps, args.repeat)


def run(size: str, steps: int, repeat: int) -> None:
    global SIZE
    SIZE = size

    for train in (train_function, train_method):
        reference = train(steps, None)
        for options in ({}, {"every": 1}):
            assert same_numbers(reference, train(steps, options)), (train.__name__, options)

    variants: list[tuple[str, Callable[[], Any]]] = [
        ("function, unwatched", lambda: train_function(steps, None)),
        ("function, watched", lambda: train_function(steps, {})),
        ("function, watched every=1", lambda: train_function(steps, {"every": 1})),
        ("method, unwatched", lambda: train_method(steps, None)),
        ("method, watched", lambda: train_method(steps, {})),
        ("method, watched every=1", lambda: train_method(steps, {"every": 1})),
    ]
    for _, fn in variants:  # warm up
        fn()
    times = measure(variants, repeat, steps)
    params, _, _ = make_mlp()
    n_params = sum(p.size for p in params.values())
    n_in, h1, h2, n_out, m = SIZES[size]
    print(
        f"{size} MLP: {n_in}-{h1}-{h2}-{n_out}, batch {m}, {n_params} parameters, {steps} steps per "
        f"run, median of {repeat} interleaved runs, NumPy {np.__version__}"
    )
    print("watched runs compute bit-for-bit the same parameters and costs as unwatched ones")
    print(f"{'':28s} {'per step':>11s} {'overhead':>9s}")
    for name, t in times.items():
        base = times[name.split(",")[0] + ", unwatched"]
        extra = "" if name.endswith("unwatched") else f"{100 * (t / base - 1):+8.1f}%"
        print(f"{name:28s} {t * 1e6:8.1f} us {extra:>9s}")
    print()


if __name__ == "__main__":
    main()
