"""A course-style model: forward / cost / backward with caches, exactly as the course writes them.

``forward(X, parameters) -> (AL, caches)``, ``cost(AL, Y)``, ``backward(AL, Y, caches)`` returning
``{"dA0": ..., "dW1": ..., "db1": ...}``: an L-layer network, ReLU hidden layers and a sigmoid
output, examples in columns. gradcheck binds the arguments by their names (``parameters``, ``X``,
``Y``, ``AL``, ``caches``); no glue code is needed. ``dA0`` and the other extra keys are ignored.

What ``gradcheck check sample_models/course_trio.py`` should say: every gradient passes (exit 0).
"""

import numpy as np

LAYER_DIMS = [5, 6, 4, 1]


def initialize_parameters_deep(layer_dims, seed=1):
    rng = np.random.default_rng(seed)
    parameters = {}
    for l in range(1, len(layer_dims)):
        parameters["W" + str(l)] = rng.standard_normal(
            (layer_dims[l], layer_dims[l - 1])
        ) * np.sqrt(2 / layer_dims[l - 1])
        parameters["b" + str(l)] = np.full((layer_dims[l], 1), 0.01)
    return parameters


def sigmoid(Z):
    return 1 / (1 + np.exp(-Z)), Z


def relu(Z):
    return np.maximum(0, Z), Z


def linear_activation_forward(A_prev, W, b, activation):
    Z = W @ A_prev + b
    linear_cache = (A_prev, W, b)
    A, activation_cache = sigmoid(Z) if activation == "sigmoid" else relu(Z)
    return A, (linear_cache, activation_cache)


def forward(X, parameters):
    caches = []
    A = X
    L = len(parameters) // 2
    for l in range(1, L):
        A, cache = linear_activation_forward(
            A, parameters["W" + str(l)], parameters["b" + str(l)], "relu"
        )
        caches.append(cache)
    AL, cache = linear_activation_forward(
        A, parameters["W" + str(L)], parameters["b" + str(L)], "sigmoid"
    )
    caches.append(cache)
    return AL, caches


def cost(AL, Y):
    m = Y.shape[1]
    return float(np.squeeze(-np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / m))


def linear_backward(dZ, linear_cache):
    A_prev, W, _b = linear_cache
    m = A_prev.shape[1]
    dW = dZ @ A_prev.T / m
    db = np.sum(dZ, axis=1, keepdims=True) / m
    dA_prev = W.T @ dZ
    return dA_prev, dW, db


def backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    linear_cache, Z = caches[L - 1]
    dZ = AL - Y  # sigmoid output with cross-entropy
    grads["dA" + str(L - 1)], grads["dW" + str(L)], grads["db" + str(L)] = linear_backward(
        dZ, linear_cache
    )
    for l in reversed(range(L - 1)):
        linear_cache, Z = caches[l]
        dZ = grads["dA" + str(l + 1)] * (Z > 0)
        grads["dA" + str(l)], grads["dW" + str(l + 1)], grads["db" + str(l + 1)] = linear_backward(
            dZ, linear_cache
        )
    return grads


rng = np.random.default_rng(0)
X = rng.standard_normal((LAYER_DIMS[0], 32))
Y = (X[0:1] + 0.5 * X[1:2] ** 2 > 0.5).astype(float)
parameters = initialize_parameters_deep(LAYER_DIMS)
