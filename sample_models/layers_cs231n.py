"""A layers.py file in CS231n style, checked layer by layer, with one planted bug.

Each layer is a pair ``*_forward(...) -> (out, cache)`` / ``*_backward(dout, cache) -> gradients``
(the losses return ``(loss, dx)``), and ``gradcheck_layers`` lists them with test inputs. The bug:
``affine_backward`` computes ``dx = dout @ w`` where ``dout @ w.T`` belongs (``w`` is square, so
the shapes still fit and nothing crashes).

What ``gradcheck check sample_models/layers_cs231n.py`` should say: fail (exit 1) in layer affine,
argument x only (dw and db pass: the gradient flows back to the input wrongly); relu, batchnorm,
dropout, conv, max_pool, rnn_step and the two losses pass.
"""

import numpy as np


def affine_forward(x, w, b):
    out = x.reshape(x.shape[0], -1) @ w + b
    return out, (x, w, b)


def affine_backward(dout, cache):
    x, w, b = cache
    dx = (dout @ w).reshape(x.shape)  # BUG: dout @ w.T
    dw = x.reshape(x.shape[0], -1).T @ dout
    db = dout.sum(axis=0)
    return dx, dw, db


def relu_forward(x):
    return np.maximum(0, x), x


def relu_backward(dout, cache):
    x = cache
    dx = dout.copy()
    dx[x <= 0] = 0
    return dx


def batchnorm_forward(x, gamma, beta, bn_param):
    eps, momentum = bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.9)
    mu, var = x.mean(axis=0), x.var(axis=0)
    std = np.sqrt(var + eps)
    xhat = (x - mu) / std
    bn_param["running_mean"] = momentum * bn_param.get("running_mean", 0) + (1 - momentum) * mu
    bn_param["running_var"] = momentum * bn_param.get("running_var", 0) + (1 - momentum) * var
    return gamma * xhat + beta, (xhat, gamma, std)


def batchnorm_backward(dout, cache):
    xhat, gamma, std = cache
    N = dout.shape[0]
    dxhat = dout * gamma
    dx = (N * dxhat - dxhat.sum(axis=0) - xhat * (dxhat * xhat).sum(axis=0)) / (N * std)
    return dx, (dout * xhat).sum(axis=0), dout.sum(axis=0)


def dropout_forward(x, dropout_param):
    p = dropout_param["p"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])
    mask = (np.random.rand(*x.shape) < p) / p
    return x * mask, mask


def dropout_backward(dout, cache):
    mask = cache
    return dout * mask


def conv_forward_naive(x, w, b, conv_param):
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out, W_out = 1 + (H + 2 * pad - HH) // stride, 1 + (W + 2 * pad - WW) // stride
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((N, F, H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            window = xp[:, :, i * stride : i * stride + HH, j * stride : j * stride + WW]
            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3])) + b
    return out, (x, w, conv_param)


def conv_backward_naive(dout, cache):
    x, w, conv_param = cache
    stride, pad = conv_param["stride"], conv_param["pad"]
    _, _, HH, WW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            rows, cols = slice(i * stride, i * stride + HH), slice(j * stride, j * stride + WW)
            dw += np.tensordot(dout[:, :, i, j], xp[:, :, rows, cols], axes=([0], [0]))
            dxp[:, :, rows, cols] += np.tensordot(dout[:, :, i, j], w, axes=([1], [0]))
    dx = dxp[:, :, pad : pad + x.shape[2], pad : pad + x.shape[3]]
    return dx, dw, dout.sum(axis=(0, 2, 3))


def max_pool_forward_naive(x, pool_param):
    size, stride = pool_param["pool_height"], pool_param["stride"]
    N, C, H, W = x.shape
    H_out, W_out = 1 + (H - size) // stride, 1 + (W - size) // stride
    out = np.zeros((N, C, H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            window = x[:, :, i * stride : i * stride + size, j * stride : j * stride + size]
            out[:, :, i, j] = window.max(axis=(2, 3))
    return out, (x, pool_param)


def max_pool_backward_naive(dout, cache):
    x, pool_param = cache
    size, stride = pool_param["pool_height"], pool_param["stride"]
    dx = np.zeros_like(x)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            rows, cols = slice(i * stride, i * stride + size), slice(j * stride, j * stride + size)
            window = x[:, :, rows, cols]
            mask = window == window.max(axis=(2, 3), keepdims=True)
            dx[:, :, rows, cols] += mask * dout[:, :, i, j][:, :, None, None]
    return dx


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1 - next_h**2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.sum(axis=0)


def softmax_loss(x, y):
    shifted = x - x.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    N = x.shape[0]
    dx = np.exp(log_probs)
    dx[np.arange(N), y] -= 1
    return -log_probs[np.arange(N), y].mean(), dx / N


def svm_loss(x, y):
    N = x.shape[0]
    margins = np.maximum(0, x - x[np.arange(N), y][:, None] + 1.0)
    margins[np.arange(N), y] = 0
    dx = (margins > 0).astype(float)
    dx[np.arange(N), y] -= dx.sum(axis=1)
    return margins.sum() / N, dx / N


rng = np.random.default_rng(0)
x, w, b = rng.standard_normal((4, 2, 3)), rng.standard_normal((6, 6)), rng.standard_normal(6)
xr, xd = rng.standard_normal((4, 6)), rng.standard_normal((4, 6))
xb, gamma, beta = rng.standard_normal((8, 5)), rng.standard_normal(5), rng.standard_normal(5)
images = rng.standard_normal((2, 3, 5, 5))
kernels, kernel_bias = rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)
steps, h = rng.standard_normal((3, 6)), rng.standard_normal((3, 5))
Wx, Wh = rng.standard_normal((6, 5)) / 2, rng.standard_normal((5, 5)) / 2
bh = rng.standard_normal(5)
scores, labels = rng.standard_normal((5, 4)), rng.integers(0, 4, 5)
conv_param, pool_param = {"stride": 2, "pad": 1}, {"pool_height": 2, "pool_width": 2, "stride": 2}

gradcheck_layers = {
    "affine": (affine_forward, affine_backward, (x, w, b)),
    "relu": (relu_forward, relu_backward, (xr,)),
    "batchnorm": (batchnorm_forward, batchnorm_backward, (xb, gamma, beta), {"bn_param": {}}),
    "dropout": (dropout_forward, dropout_backward, (xd, {"p": 0.5, "mode": "train", "seed": 1})),
    "conv": (conv_forward_naive, conv_backward_naive, (images, kernels, kernel_bias, conv_param)),
    "max_pool": (max_pool_forward_naive, max_pool_backward_naive, (images, pool_param)),
    "rnn_step": (rnn_step_forward, rnn_step_backward, (steps, h, Wx, Wh, bh)),
    "softmax_loss": (softmax_loss, None, (scores, labels)),
    "svm_loss": (svm_loss, None, (scores, labels)),
}
