"""Test inputs for the CS231n-style layers in :mod:`tests.layers.cs231n`: each layer's correct pair,
its planted bugs with the argument each one breaks, and arrays of either dtype.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from tests.layers import cs231n as L


@dataclass(frozen=True)
class Case:
    """A layer with arguments: forward, backward (None for a loss), args, and the bugs."""

    name: str
    forward: Callable[..., Any]
    backward: Callable[..., Any] | None
    make_args: Callable[[np.random.Generator, Any], tuple[Any, ...]]
    # bug name -> (buggy backward, or buggy forward for a loss layer; the argument it breaks)
    bugs: dict[str, tuple[Callable[..., Any], str]]
    kwargs: dict[str, Any] | None = None

    def args(self, dtype: Any = np.float64, seed: int = 0) -> tuple[Any, ...]:
        return self.make_args(np.random.default_rng(seed), dtype)


def _f(rng: np.random.Generator, dtype: Any, *shape: int, scale: float = 1.0) -> np.ndarray:
    return (rng.standard_normal(shape) * scale).astype(dtype)


def _relu_args(rng: np.random.Generator, dtype: Any) -> tuple[Any, ...]:
    x = _f(rng, dtype, 5, 6)
    x[0, :3] = 0  # exact zeros: ReLU's kink, checked off the corner
    return (x,)


CASES = [
    Case(
        "affine",
        L.affine_forward,
        L.affine_backward,
        lambda r, t: (_f(r, t, 4, 2, 3), _f(r, t, 6, 6), _f(r, t, 6)),
        {
            "dx = dout @ w": (L.affine_backward_no_transpose, "x"),
            "db = mean": (L.affine_backward_db_mean, "b"),
        },
    ),
    Case(
        "relu",
        L.relu_forward,
        L.relu_backward,
        _relu_args,
        {"mask of dout": (L.relu_backward_wrong_mask, "x")},
    ),
    Case(
        "batchnorm",
        L.batchnorm_forward,
        L.batchnorm_backward,
        lambda r, t: (
            _f(r, t, 8, 5, scale=2.0) + 1,
            _f(r, t, 5),
            _f(r, t, 5),
            {"mode": "train"},
        ),
        {"no mean term": (L.batchnorm_backward_no_mean_term, "x")},
    ),
    Case(
        "dropout",
        L.dropout_forward,
        L.dropout_backward,
        lambda r, t: (_f(r, t, 6, 7), {"p": 0.6, "mode": "train", "seed": 3}),
        {"no 1/p": (L.dropout_backward_no_rescale, "x")},
    ),
    Case(
        "conv",
        L.conv_forward_naive,
        L.conv_backward_naive,
        lambda r, t: (
            _f(r, t, 2, 3, 5, 5),
            _f(r, t, 3, 3, 3, 3),
            _f(r, t, 3),
            {"stride": 2, "pad": 1},
        ),
        {},
    ),
    Case(
        "conv stride 1",
        L.conv_forward_naive,
        L.conv_backward_naive,
        lambda r, t: (
            _f(r, t, 2, 2, 4, 4),
            _f(r, t, 3, 2, 3, 3),
            _f(r, t, 3),
            {"stride": 1, "pad": 1},
        ),
        {"dx overwritten": (L.conv_backward_overwrites_dx, "x")},
    ),
    Case(
        "max_pool",
        L.max_pool_forward_naive,
        L.max_pool_backward_naive,
        lambda r, t: (_f(r, t, 2, 2, 4, 4), {"pool_height": 2, "pool_width": 2, "stride": 2}),
        {"spread over the window": (L.max_pool_backward_spread, "x")},
    ),
    Case(
        "rnn_step",
        L.rnn_step_forward,
        L.rnn_step_backward,
        lambda r, t: (
            _f(r, t, 3, 4),
            _f(r, t, 3, 5),
            _f(r, t, 4, 5, scale=0.4),
            _f(r, t, 5, 5, scale=0.4),
            _f(r, t, 5),
        ),
        {"dprev_h = da @ Wh": (L.rnn_step_backward_no_transpose, "prev_h")},
    ),
    Case(
        "lstm_step",
        L.lstm_step_forward,
        L.lstm_step_backward,
        lambda r, t: (
            _f(r, t, 3, 4),
            _f(r, t, 3, 5),
            _f(r, t, 3, 5),
            _f(r, t, 4, 20, scale=0.4),
            _f(r, t, 5, 20, scale=0.4),
            _f(r, t, 20),
        ),
        {"dprev_c skips next_h": (L.lstm_step_backward_dprev_c_skips_h, "prev_c")},
    ),
    Case(
        "softmax_loss",
        L.softmax_loss,
        None,
        lambda r, t: (_f(r, t, 6, 5), r.integers(0, 5, 6)),
        {"no 1/N": (L.softmax_loss_no_mean, "x")},
    ),
    Case(
        "svm_loss",
        L.svm_loss,
        None,
        lambda r, t: (_f(r, t, 6, 5), r.integers(0, 5, 6)),
        {"correct class forgotten": (L.svm_loss_forgets_correct_class, "x")},
    ),
]

BY_NAME = {case.name: case for case in CASES}

BUGS = [(case.name, bug, fn, broken) for case in CASES for bug, (fn, broken) in case.bugs.items()]
