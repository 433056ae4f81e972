"""Layers written the way CS231n's layers.py is written: ``*_forward(...) -> (out, cache)`` and
``*_backward(dout, cache) -> gradients``, loops where the assignment uses loops, and for each layer
the planted bugs learners make (``BUGS``: layer -> {bug name: (buggy backward or forward, the
argument whose gradient it breaks)}).

Our own implementations, from the formulas; every function keeps its inputs' dtype, so the same code
runs the float32 versions.
"""

# Unpacked and unused names (x, w, b = cache) are left as learners write them.
# ruff: noqa: RUF059, F841

from __future__ import annotations

from typing import Any

import numpy as np

Cache = Any


# ---------------------------------------------------------------------------------------------
# affine
# ---------------------------------------------------------------------------------------------


def affine_forward(x, w, b):
    out = x.reshape(x.shape[0], -1) @ w + b
    cache = (x, w, b)
    return out, cache


def affine_backward(dout, cache):
    x, w, b = cache
    dx = (dout @ w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T @ dout
    db = np.sum(dout, axis=0)
    return dx, dw, db


def affine_backward_no_transpose(dout, cache):
    """dx = dout @ w: the .T is missing (w is square, so the shapes still fit)."""
    x, w, b = cache
    dx = (dout @ w).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T @ dout
    db = np.sum(dout, axis=0)
    return dx, dw, db


def affine_backward_db_mean(dout, cache):
    """db averaged over the batch where the affine layer sums."""
    x, w, b = cache
    dx = (dout @ w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T @ dout
    db = np.mean(dout, axis=0)
    return dx, dw, db


# ---------------------------------------------------------------------------------------------
# relu
# ---------------------------------------------------------------------------------------------


def relu_forward(x):
    out = np.maximum(0, x)
    cache = x
    return out, cache


def relu_backward(dout, cache):
    x = cache
    dx = dout.copy()
    dx[x <= 0] = 0
    return dx


def relu_backward_in_place(dout, cache):
    """The course's own habit: dx = dout, then mask dout in place (correct, and dout changes)."""
    x = cache
    dx = dout
    dx[x <= 0] = 0
    return dx


def relu_backward_wrong_mask(dout, cache):
    """The mask of the wrong array: dout's sign instead of x's."""
    x = cache
    dx = dout * (dout > 0)
    return dx


# ---------------------------------------------------------------------------------------------
# batch norm (training mode)
# ---------------------------------------------------------------------------------------------


def batchnorm_forward(x, gamma, beta, bn_param):
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    N, D = x.shape
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))
    mu = x.mean(axis=0)
    xc = x - mu
    var = (xc**2).mean(axis=0)
    std = np.sqrt(var + eps)
    xhat = xc / std
    out = gamma * xhat + beta
    # The running averages are written back into bn_param, as the assignment asks.
    bn_param["running_mean"] = momentum * running_mean + (1 - momentum) * mu
    bn_param["running_var"] = momentum * running_var + (1 - momentum) * var
    cache = (xhat, gamma, xc, std)
    return out, cache


def batchnorm_backward(dout, cache):
    xhat, gamma, xc, std = cache
    N = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * xhat).sum(axis=0)
    dxhat = dout * gamma
    dx = (N * dxhat - dxhat.sum(axis=0) - xhat * (dxhat * xhat).sum(axis=0)) / (N * std)
    return dx, dgamma, dbeta


def batchnorm_backward_no_mean_term(dout, cache):
    """dx forgets that the mean depends on x (the dxhat.sum term is missing)."""
    xhat, gamma, xc, std = cache
    N = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * xhat).sum(axis=0)
    dxhat = dout * gamma
    dx = (N * dxhat - xhat * (dxhat * xhat).sum(axis=0)) / (N * std)
    return dx, dgamma, dbeta


def batchnorm_forward_running_mean_in_place(x, gamma, beta, bn_param):
    """Updates the running mean array in place (``running_mean *= momentum``) instead of storing
    a new one: correct, but the caller's array would change."""
    out, cache = batchnorm_forward(x, gamma, beta, {"eps": bn_param.get("eps", 1e-5)})
    momentum = bn_param.get("momentum", 0.9)
    bn_param["running_mean"] *= momentum
    bn_param["running_mean"] += (1 - momentum) * x.mean(axis=0)
    return out, cache


# ---------------------------------------------------------------------------------------------
# dropout (inverted, the mask seeded from dropout_param)
# ---------------------------------------------------------------------------------------------


def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])
    mask = None
    if mode == "train":
        mask = (np.random.rand(*x.shape) < p) / p
        out = x * mask
    else:
        out = x
    cache = (dropout_param, mask)
    return out.astype(x.dtype, copy=False), cache


def dropout_backward(dout, cache):
    dropout_param, mask = cache
    if dropout_param["mode"] == "train":
        return dout * mask
    return dout


def dropout_backward_no_rescale(dout, cache):
    """The mask without its 1/p: dx is p times too small where units are kept."""
    dropout_param, mask = cache
    return dout * (mask > 0)


# ---------------------------------------------------------------------------------------------
# convolution (naive, stride and zero padding)
# ---------------------------------------------------------------------------------------------


def conv_forward_naive(x, w, b, conv_param):
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out = 1 + (H + 2 * pad - HH) // stride
    W_out = 1 + (W + 2 * pad - WW) // stride
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((N, F, H_out, W_out), dtype=x.dtype)
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = x_pad[n, :, i * stride : i * stride + HH, j * stride : j * stride + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    cache = (x, w, b, conv_param)
    return out, cache


def _conv_backward(dout, cache, accumulate_dx=True):
    x, w, b, conv_param = cache
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, F, H_out, W_out = dout.shape
    _, _, HH, WW = w.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dx_pad = np.zeros_like(x_pad)
    dw = np.zeros_like(w)
    db = dout.sum(axis=(0, 2, 3))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    rows = slice(i * stride, i * stride + HH)
                    cols = slice(j * stride, j * stride + WW)
                    dw[f] += x_pad[n, :, rows, cols] * dout[n, f, i, j]
                    if accumulate_dx:
                        dx_pad[n, :, rows, cols] += w[f] * dout[n, f, i, j]
                    else:
                        dx_pad[n, :, rows, cols] = w[f] * dout[n, f, i, j]
    dx = dx_pad[:, :, pad : pad + x.shape[2], pad : pad + x.shape[3]]
    return dx, dw, db


def conv_backward_naive(dout, cache):
    return _conv_backward(dout, cache)


def conv_backward_overwrites_dx(dout, cache):
    """dx_pad[window] = ... where += belongs: overlapping windows overwrite each other."""
    return _conv_backward(dout, cache, accumulate_dx=False)


# ---------------------------------------------------------------------------------------------
# max-pool (naive)
# ---------------------------------------------------------------------------------------------


def max_pool_forward_naive(x, pool_param):
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    N, C, H, W = x.shape
    H_out = 1 + (H - ph) // stride
    W_out = 1 + (W - pw) // stride
    out = np.zeros((N, C, H_out, W_out), dtype=x.dtype)
    for i in range(H_out):
        for j in range(W_out):
            window = x[:, :, i * stride : i * stride + ph, j * stride : j * stride + pw]
            out[:, :, i, j] = window.max(axis=(2, 3))
    cache = (x, pool_param)
    return out, cache


def _max_pool_backward(dout, cache, spread=False):
    x, pool_param = cache
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    N, C, H_out, W_out = dout.shape
    dx = np.zeros_like(x)
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    window = x[n, c, i * stride : i * stride + ph, j * stride : j * stride + pw]
                    if spread:
                        mask = np.ones_like(window)
                    else:
                        mask = window == window.max()
                    dx[n, c, i * stride : i * stride + ph, j * stride : j * stride + pw] += (
                        mask * dout[n, c, i, j]
                    )
    return dx


def max_pool_backward_naive(dout, cache):
    return _max_pool_backward(dout, cache)


def max_pool_backward_spread(dout, cache):
    """The upstream gradient given to every entry of the window, not only to its maximum."""
    return _max_pool_backward(dout, cache, spread=True)


# ---------------------------------------------------------------------------------------------
# rnn step
# ---------------------------------------------------------------------------------------------


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)
    cache = (x, prev_h, Wx, Wh, next_h)
    return next_h, cache


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1 - next_h**2)
    dx = da @ Wx.T
    dprev_h = da @ Wh.T
    dWx = x.T @ da
    dWh = prev_h.T @ da
    db = da.sum(axis=0)
    return dx, dprev_h, dWx, dWh, db


def rnn_step_backward_no_transpose(dnext_h, cache):
    """dprev_h = da @ Wh: the .T is missing (Wh is square)."""
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1 - next_h**2)
    dx = da @ Wx.T
    dprev_h = da @ Wh
    dWx = x.T @ da
    dWh = prev_h.T @ da
    db = da.sum(axis=0)
    return dx, dprev_h, dWx, dWh, db


# ---------------------------------------------------------------------------------------------
# lstm step (two outputs: next_h, next_c)
# ---------------------------------------------------------------------------------------------


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b
    i = _sigmoid(a[:, :H])
    f = _sigmoid(a[:, H : 2 * H])
    o = _sigmoid(a[:, 2 * H : 3 * H])
    g = np.tanh(a[:, 3 * H :])
    next_c = f * prev_c + i * g
    tanh_c = np.tanh(next_c)
    next_h = o * tanh_c
    cache = (x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c)
    return next_h, next_c, cache


def _lstm_backward(dnext_h, dnext_c, cache, through_h=True):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c = cache
    dc = dnext_c + dnext_h * o * (1 - tanh_c**2)
    dprev_c = (dc if through_h else dnext_c) * f
    di = dc * g
    df = dc * prev_c
    do = dnext_h * tanh_c
    dg = dc * i
    da = np.hstack([di * i * (1 - i), df * f * (1 - f), do * o * (1 - o), dg * (1 - g**2)])
    dx = da @ Wx.T
    dprev_h = da @ Wh.T
    dWx = x.T @ da
    dWh = prev_h.T @ da
    db = da.sum(axis=0)
    return dx, dprev_h, dprev_c, dWx, dWh, db


def lstm_step_backward(dnext_h, dnext_c, cache):
    return _lstm_backward(dnext_h, dnext_c, cache)


def lstm_step_backward_dprev_c_skips_h(dnext_h, dnext_c, cache):
    """dprev_c = dnext_c * f: forgets the path from next_c through next_h = o * tanh(next_c)."""
    return _lstm_backward(dnext_h, dnext_c, cache, through_h=False)


# ---------------------------------------------------------------------------------------------
# loss layers: (loss, dx)
# ---------------------------------------------------------------------------------------------


def softmax_loss(x, y):
    shifted = x - x.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    N = x.shape[0]
    loss = -log_probs[np.arange(N), y].mean()
    dx = np.exp(log_probs)
    dx[np.arange(N), y] -= 1
    dx /= N
    return loss, dx


def softmax_loss_no_mean(x, y):
    """dx without its 1/N (the loss is the mean)."""
    shifted = x - x.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    N = x.shape[0]
    loss = -log_probs[np.arange(N), y].mean()
    dx = np.exp(log_probs)
    dx[np.arange(N), y] -= 1
    return loss, dx


def svm_loss(x, y):
    N = x.shape[0]
    correct = x[np.arange(N), y][:, None]
    margins = np.maximum(0, x - correct + 1.0)
    margins[np.arange(N), y] = 0
    loss = margins.sum() / N
    positive = (margins > 0).astype(x.dtype)
    dx = positive.copy()
    dx[np.arange(N), y] -= positive.sum(axis=1)
    dx /= N
    return loss, dx


def svm_loss_forgets_correct_class(x, y):
    """dx for the correct class is never written (the -count term is missing)."""
    N = x.shape[0]
    correct = x[np.arange(N), y][:, None]
    margins = np.maximum(0, x - correct + 1.0)
    margins[np.arange(N), y] = 0
    loss = margins.sum() / N
    dx = (margins > 0).astype(x.dtype) / N
    return loss, dx
