"""Real models, written the way the courses write them, for the suspect-layer tests.

Each ``make_*`` returns ``(params, loss, grads)`` in the loose form (``loss(params) -> float``,
``grads(params) -> {"dW1": ...}``); ``bugs`` names the mistakes planted in the backward, and an
empty ``bugs`` is the correct model. Examples are columns (the deep-learning course's layout).

- :func:`make_gradient_checking_assignment`: the three-layer ReLU net of the course's gradient
  checking assignment, whose ``backward_propagation_n`` plants ``dW2`` doubled and ``db1``
  quadrupled: two independent mistakes.
- :func:`make_min_char_rnn`: Karpathy's min-char-rnn (``Wxh``, ``Whh``, ``Why``, ``bh``, ``by``,
  backprop through time), whose truncated BPTT is the classic mistake.
- :func:`make_bn_net`: affine -> batch norm -> ReLU layers and a softmax, with the bias in front of
  batch norm that learners keep (its true gradient is exactly 0).
- :func:`make_deep_mlp`: the course's L-layer model (ReLU hidden layers, sigmoid output) with one
  mistake in one layer.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

import numpy as np

Params = dict[str, np.ndarray]
LooseModel = tuple[Params, Callable[[Params], float], Callable[[Params], dict[str, np.ndarray]]]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def _relu(z: np.ndarray) -> np.ndarray:
    return np.maximum(0, z)


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


# --------------------------------------------------------------------------------------------------
# The gradient checking assignment: LINEAR -> RELU -> LINEAR -> RELU -> LINEAR -> SIGMOID.


def make_gradient_checking_assignment(
    bugs: Collection[str] = ("dW2", "db1"), seed: int = 1
) -> LooseModel:
    """bugs: "dW2" (``dW2 = 1./m * np.dot(dZ2, A1.T) * 2``), "db1" (``db1 = 4./m * ...``)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((4, 3))
    Y = np.array([[1, 1, 0]])
    params: Params = {
        "W1": rng.standard_normal((5, 4)),
        "b1": rng.standard_normal((5, 1)),
        "W2": rng.standard_normal((3, 5)),
        "b2": rng.standard_normal((3, 1)),
        "W3": rng.standard_normal((1, 3)),
        "b3": rng.standard_normal((1, 1)),
    }

    def forward_propagation(p: Params) -> tuple[float, tuple[np.ndarray, ...]]:
        m = X.shape[1]
        Z1 = np.dot(p["W1"], X) + p["b1"]
        A1 = _relu(Z1)
        Z2 = np.dot(p["W2"], A1) + p["b2"]
        A2 = _relu(Z2)
        Z3 = np.dot(p["W3"], A2) + p["b3"]
        A3 = _sigmoid(Z3)
        logprobs = np.multiply(-np.log(A3), Y) + np.multiply(-np.log(1 - A3), 1 - Y)
        cost = 1.0 / m * np.sum(logprobs)
        return float(cost), (A1, A2, A3)

    def loss(p: Params) -> float:
        return forward_propagation(p)[0]

    def backward_propagation(p: Params) -> dict[str, np.ndarray]:
        m = X.shape[1]
        _, (A1, A2, A3) = forward_propagation(p)
        dZ3 = A3 - Y
        dW3 = 1.0 / m * np.dot(dZ3, A2.T)
        db3 = 1.0 / m * np.sum(dZ3, axis=1, keepdims=True)
        dA2 = np.dot(p["W3"].T, dZ3)
        dZ2 = np.multiply(dA2, np.int64(A2 > 0))
        dW2 = 1.0 / m * np.dot(dZ2, A1.T) * (2 if "dW2" in bugs else 1)
        db2 = 1.0 / m * np.sum(dZ2, axis=1, keepdims=True)
        dA1 = np.dot(p["W2"].T, dZ2)
        dZ1 = np.multiply(dA1, np.int64(A1 > 0))
        dW1 = 1.0 / m * np.dot(dZ1, X.T)
        db1 = (4.0 if "db1" in bugs else 1.0) / m * np.sum(dZ1, axis=1, keepdims=True)
        return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2, "dW3": dW3, "db3": db3}

    return params, loss, backward_propagation


# --------------------------------------------------------------------------------------------------
# min-char-rnn: a vanilla RNN over a short character sequence, one-hot inputs as columns.


def make_min_char_rnn(
    bugs: Collection[str] = (),
    vocab_size: int = 5,
    hidden_size: int = 6,
    seq_length: int = 7,
    seed: int = 0,
) -> LooseModel:
    """bugs: "truncated" (BPTT cut every 2 steps: ``dhnext`` reset), "no_dhnext" (``dh`` forgets
    ``dhnext``), "Whh_operand" (``dWhh`` uses ``hs[t]`` for ``hs[t-1]``), "Why_operand" (``dWhy``
    uses ``hs[t-1]``), "tanh" (``dhraw`` uses ``1 - hs[t]``)."""
    rng = np.random.default_rng(seed)
    params: Params = {
        "Wxh": rng.standard_normal((hidden_size, vocab_size)) * 0.1,
        "Whh": rng.standard_normal((hidden_size, hidden_size)) * 0.1,
        "Why": rng.standard_normal((vocab_size, hidden_size)) * 0.1,
        "bh": np.zeros((hidden_size, 1)),
        "by": np.zeros((vocab_size, 1)),
    }
    inputs = [int(i) for i in rng.integers(0, vocab_size, seq_length)]
    targets = inputs[1:] + [int(rng.integers(0, vocab_size))]
    hprev = np.zeros((hidden_size, 1))

    def forward(p: Params) -> tuple[float, dict[int, np.ndarray], dict[int, np.ndarray], dict]:
        xs, hs, ps = {}, {}, {}
        hs[-1] = np.copy(hprev)
        loss = 0.0
        for t in range(len(inputs)):
            xs[t] = np.zeros((vocab_size, 1))
            xs[t][inputs[t]] = 1
            hs[t] = np.tanh(np.dot(p["Wxh"], xs[t]) + np.dot(p["Whh"], hs[t - 1]) + p["bh"])
            ys = np.dot(p["Why"], hs[t]) + p["by"]
            ps[t] = np.exp(ys) / np.sum(np.exp(ys))
            loss += -np.log(ps[t][targets[t], 0])
        return float(loss), xs, hs, ps

    def loss(p: Params) -> float:
        return forward(p)[0]

    def grads(p: Params) -> dict[str, np.ndarray]:
        _, xs, hs, ps = forward(p)
        dWxh, dWhh, dWhy = np.zeros_like(p["Wxh"]), np.zeros_like(p["Whh"]), np.zeros_like(p["Why"])
        dbh, dby = np.zeros_like(p["bh"]), np.zeros_like(p["by"])
        dhnext = np.zeros_like(hs[0])
        for t in reversed(range(len(inputs))):
            dy = np.copy(ps[t])
            dy[targets[t]] -= 1
            dWhy += np.dot(dy, (hs[t - 1] if "Why_operand" in bugs else hs[t]).T)
            dby += dy
            if "truncated" in bugs and (len(inputs) - 1 - t) % 2 == 0:
                dhnext = np.zeros_like(dhnext)
            dh = np.dot(p["Why"].T, dy) + (0 if "no_dhnext" in bugs else dhnext)
            dhraw = ((1 - hs[t]) if "tanh" in bugs else (1 - hs[t] * hs[t])) * dh
            dbh += dhraw
            dWxh += np.dot(dhraw, xs[t].T)
            dWhh += np.dot(dhraw, (hs[t] if "Whh_operand" in bugs else hs[t - 1]).T)
            dhnext = np.dot(p["Whh"].T, dhraw)
        return {"dWxh": dWxh, "dWhh": dWhh, "dWhy": dWhy, "dbh": dbh, "dby": dby}

    return params, loss, grads


# --------------------------------------------------------------------------------------------------
# Batch norm: (affine -> batch norm -> ReLU) x (L - 1) -> affine -> softmax, CS231n's layer order.


def make_bn_net(
    sizes: tuple[int, ...] = (4, 6, 5, 3),
    bugs: Collection[str] = (),
    bug_layer: int = 1,
    m: int = 8,
    seed: int = 0,
    numbered_bn: bool = True,
) -> LooseModel:
    """bugs (in batch norm ``bug_layer``'s backward): "bn_gamma" (``dxhat = dout``, gamma left
    out), "bn_mean" (the mean term of dxhat left out); "dW_scale" (``dW`` of ``bug_layer`` doubled).
    ``numbered_bn=False`` names a single batch norm's parameters plain ``gamma``/``beta``."""
    rng = np.random.default_rng(seed)
    L = len(sizes) - 1
    params: Params = {}
    for l in range(1, L + 1):
        params[f"W{l}"] = rng.standard_normal((sizes[l], sizes[l - 1])) / np.sqrt(sizes[l - 1])
        params[f"b{l}"] = 0.1 * rng.standard_normal((sizes[l], 1))
        if l < L:
            suffix = str(l) if numbered_bn else ""
            params[f"gamma{suffix}"] = 1 + 0.1 * rng.standard_normal((sizes[l], 1))
            params[f"beta{suffix}"] = 0.1 * rng.standard_normal((sizes[l], 1))
    if not numbered_bn and L != 2:
        raise ValueError("plain gamma/beta name one batch norm: use two layers")
    X = rng.standard_normal((sizes[0], m))
    labels = rng.integers(0, sizes[-1], m)
    Y = np.zeros((sizes[-1], m))
    Y[labels, np.arange(m)] = 1
    eps = 1e-5

    def bn_names(l: int) -> tuple[str, str]:
        suffix = str(l) if numbered_bn else ""
        return f"gamma{suffix}", f"beta{suffix}"

    def forward(p: Params) -> tuple[np.ndarray, list[tuple[np.ndarray, ...]]]:
        A, caches = X, []
        for l in range(1, L + 1):
            Z = p[f"W{l}"] @ A + p[f"b{l}"]
            if l == L:
                caches.append((A,))
                return _softmax(Z), caches
            g, b = bn_names(l)
            mu, var = Z.mean(axis=1, keepdims=True), Z.var(axis=1, keepdims=True)
            Zh = (Z - mu) / np.sqrt(var + eps)
            out = p[g] * Zh + p[b]
            caches.append((A, Zh, var, out))
            A = _relu(out)
        raise AssertionError("unreachable")

    def loss(p: Params) -> float:
        AL, _ = forward(p)
        return float(-np.sum(Y * np.log(AL)) / m)

    def grads(p: Params) -> dict[str, np.ndarray]:
        AL, caches = forward(p)
        g: dict[str, np.ndarray] = {}
        dZ = (AL - Y) / m
        for l in range(L, 0, -1):
            A_prev = caches[l - 1][0]
            g[f"dW{l}"] = dZ @ A_prev.T * (2 if "dW_scale" in bugs and l == bug_layer else 1)
            g[f"db{l}"] = np.sum(dZ, axis=1, keepdims=True)
            if l == 1:
                break
            _, Zh, var, out = caches[l - 2]
            dout = (p[f"W{l}"].T @ dZ) * (out > 0)
            gname, bname = bn_names(l - 1)
            g["d" + gname] = np.sum(dout * Zh, axis=1, keepdims=True)
            g["d" + bname] = np.sum(dout, axis=1, keepdims=True)
            wrong = l - 1 == bug_layer
            dZh = dout if "bn_gamma" in bugs and wrong else dout * p[gname]
            mean_term = 0 if "bn_mean" in bugs and wrong else dZh.mean(axis=1, keepdims=True)
            dZ = (dZh - mean_term - Zh * (dZh * Zh).mean(axis=1, keepdims=True)) / np.sqrt(
                var + eps
            )
        return g

    return params, loss, grads


# --------------------------------------------------------------------------------------------------
# The course's L-layer model: [LINEAR -> RELU] x (L - 1) -> LINEAR -> SIGMOID, cross-entropy.


def make_deep_mlp(
    layers_dims: tuple[int, ...] = (5, 4, 4, 3, 1),
    bug: str | None = None,
    bug_layer: int = 2,
    m: int = 6,
    seed: int = 3,
) -> LooseModel:
    """bug (in layer ``bug_layer``): "dW_scale" (``dW`` doubled), "db_scale" (``db`` without 1/m),
    "derivative" (``relu_backward`` passes ``dA`` through unmasked), "dA_prev" (``dA_prev`` doubled
    on its way down), "sign" (``dW`` uses ``-A_prev``)."""
    rng = np.random.default_rng(seed)
    L = len(layers_dims) - 1
    params: Params = {}
    for l in range(1, L + 1):
        params[f"W{l}"] = rng.standard_normal((layers_dims[l], layers_dims[l - 1])) * np.sqrt(
            2 / layers_dims[l - 1]
        )
        params[f"b{l}"] = 0.1 * rng.standard_normal((layers_dims[l], 1))
    X = rng.standard_normal((layers_dims[0], m))
    Y = rng.integers(0, 2, (1, m)).astype(float)

    def forward(p: Params) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
        A, caches = X, []
        for l in range(1, L + 1):
            Z = np.dot(p[f"W{l}"], A) + p[f"b{l}"]
            caches.append((A, Z))
            A = _sigmoid(Z) if l == L else _relu(Z)
        return A, caches

    def loss(p: Params) -> float:
        AL, _ = forward(p)
        return float(-np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / m)

    def grads(p: Params) -> dict[str, np.ndarray]:
        AL, caches = forward(p)
        g: dict[str, np.ndarray] = {}
        dA = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
        for l in range(L, 0, -1):
            A_prev, Z = caches[l - 1]
            here = l == bug_layer
            if l == L:
                dZ = dA * AL * (1 - AL)
            else:
                dZ = np.array(dA, copy=True)
                if not (bug == "derivative" and here):
                    dZ[Z <= 0] = 0
            dW = 1.0 / m * np.dot(dZ, (-A_prev if bug == "sign" and here else A_prev).T)
            db = (1.0 if bug == "db_scale" and here else 1.0 / m) * np.sum(
                dZ, axis=1, keepdims=True
            )
            g[f"dW{l}"] = dW * (2 if bug == "dW_scale" and here else 1)
            g[f"db{l}"] = db
            dA = np.dot(p[f"W{l}"].T, dZ) * (2 if bug == "dA_prev" and here else 1)
        return g

    return params, loss, grads
