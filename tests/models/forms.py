"""Model files written the way the most-copied course and tutorial code is written, each by its
public signature: a correct version, and a planted bug (``BUGS[name] = (old, new, tensors)``: the
replacement that plants it and the tensors whose gradients it makes wrong).
"""

from __future__ import annotations

COURSE_2LAYER = """
import numpy as np

np.random.seed(2)
X = np.random.randn(2, 5)
Y = (np.random.rand(1, 5) > 0.5).astype(float)
parameters = {
    "W1": np.random.randn(4, 2) * 0.5, "b1": np.random.randn(4, 1) * 0.1,
    "W2": np.random.randn(1, 4) * 0.5, "b2": np.random.randn(1, 1) * 0.1,
}


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def forward_propagation(X, parameters):
    W1, b1, W2, b2 = parameters["W1"], parameters["b1"], parameters["W2"], parameters["b2"]
    Z1 = np.dot(W1, X) + b1
    A1 = np.tanh(Z1)
    Z2 = np.dot(W2, A1) + b2
    A2 = sigmoid(Z2)
    cache = {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}
    return A2, cache


def compute_cost(A2, Y):
    m = Y.shape[1]
    logprobs = np.multiply(np.log(A2), Y) + np.multiply(np.log(1 - A2), 1 - Y)
    return float(-np.sum(logprobs) / m)


def backward_propagation(parameters, cache, X, Y):
    m = X.shape[1]
    W2 = parameters["W2"]
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dW2 = np.dot(dZ2, A1.T) / m
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m
    dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))
    dW1 = np.dot(dZ1, X.T) / m
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
"""

# The cost written in lower case (the issue's ``compute_cost(a3, Y)``): bound to forward's A2.
COURSE_2LAYER_LOWER = COURSE_2LAYER.replace(
    "def compute_cost(A2, Y):", "def compute_cost(a2, Y):\n    A2 = a2"
)

L_MODEL = """
import numpy as np

np.random.seed(1)
train_x = np.random.randn(3, 6)
train_y = (np.random.rand(1, 6) > 0.5).astype(float)
layers_dims = [3, 4, 3, 1]


def initialize_parameters_deep(layer_dims):
    parameters = {}
    for l in range(1, len(layer_dims)):
        parameters["W" + str(l)] = np.random.randn(layer_dims[l], layer_dims[l - 1]) * 0.5
        parameters["b" + str(l)] = np.random.randn(layer_dims[l], 1) * 0.1
    return parameters


parameters = initialize_parameters_deep(layers_dims)


def linear_activation_forward(A_prev, W, b, activation):
    Z = W.dot(A_prev) + b
    if activation == "sigmoid":
        A = 1 / (1 + np.exp(-Z))
    else:
        A = np.maximum(0, Z)
    return A, ((A_prev, W, b), Z)


def L_model_forward(X, parameters):
    caches = []
    A = X
    L = len(parameters) // 2
    for l in range(1, L):
        A, cache = linear_activation_forward(A, parameters["W" + str(l)], parameters["b" + str(l)], "relu")
        caches.append(cache)
    AL, cache = linear_activation_forward(A, parameters["W" + str(L)], parameters["b" + str(L)], "sigmoid")
    caches.append(cache)
    return AL, caches


def compute_cost(AL, Y):
    m = Y.shape[1]
    cost = -np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / m
    return np.squeeze(cost)


def linear_activation_backward(dA, cache, activation):
    (A_prev, W, b), Z = cache
    if activation == "sigmoid":
        s = 1 / (1 + np.exp(-Z))
        dZ = dA * s * (1 - s)
    else:
        dZ = np.array(dA, copy=True)
        dZ[Z <= 0] = 0
    m = A_prev.shape[1]
    dW = dZ.dot(A_prev.T) / m
    db = np.sum(dZ, axis=1, keepdims=True) / m
    dA_prev = W.T.dot(dZ)
    return dA_prev, dW, db


def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    Y = Y.reshape(AL.shape)
    dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    current_cache = caches[L - 1]
    grads["dA" + str(L - 1)], grads["dW" + str(L)], grads["db" + str(L)] = linear_activation_backward(dAL, current_cache, "sigmoid")
    for l in reversed(range(L - 1)):
        current_cache = caches[l]
        dA_prev_temp, dW_temp, db_temp = linear_activation_backward(grads["dA" + str(l + 1)], current_cache, "relu")
        grads["dA" + str(l)] = dA_prev_temp
        grads["dW" + str(l + 1)] = dW_temp
        grads["db" + str(l + 1)] = db_temp
    return grads
"""

GRADCHECK_N = """
import numpy as np

np.random.seed(1)
X = np.random.randn(4, 3)
Y = np.array([[1.0, 1.0, 0.0]])
parameters = {
    "W1": np.random.randn(5, 4), "b1": np.random.randn(5, 1),
    "W2": np.random.randn(3, 5), "b2": np.random.randn(3, 1),
    "W3": np.random.randn(1, 3), "b3": np.random.randn(1, 1),
}


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def relu(x):
    return np.maximum(0, x)


def forward_propagation_n(X, Y, parameters):
    m = X.shape[1]
    W1, b1 = parameters["W1"], parameters["b1"]
    W2, b2 = parameters["W2"], parameters["b2"]
    W3, b3 = parameters["W3"], parameters["b3"]
    Z1 = np.dot(W1, X) + b1
    A1 = relu(Z1)
    Z2 = np.dot(W2, A1) + b2
    A2 = relu(Z2)
    Z3 = np.dot(W3, A2) + b3
    A3 = sigmoid(Z3)
    logprobs = np.multiply(-np.log(A3), Y) + np.multiply(-np.log(1 - A3), 1 - Y)
    cost = 1.0 / m * np.sum(logprobs)
    cache = (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3)
    return cost, cache


def backward_propagation_n(X, Y, cache):
    m = X.shape[1]
    (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3) = cache
    dZ3 = A3 - Y
    dW3 = 1.0 / m * np.dot(dZ3, A2.T)
    db3 = 1.0 / m * np.sum(dZ3, axis=1, keepdims=True)
    dA2 = np.dot(W3.T, dZ3)
    dZ2 = np.multiply(dA2, np.int64(A2 > 0))
    dW2 = 1.0 / m * np.dot(dZ2, A1.T)
    db2 = 1.0 / m * np.sum(dZ2, axis=1, keepdims=True)
    dA1 = np.dot(W2.T, dZ2)
    dZ1 = np.multiply(dA1, np.int64(A1 > 0))
    dW1 = 1.0 / m * np.dot(dZ1, X.T)
    db1 = 1.0 / m * np.sum(dZ1, axis=1, keepdims=True)
    gradients = {"dZ3": dZ3, "dW3": dW3, "db3": db3, "dA2": dA2, "dZ2": dZ2, "dW2": dW2,
                 "db2": db2, "dA1": dA1, "dZ1": dZ1, "dW1": dW1, "db1": db1}
    return gradients
"""

_THREE_LAYER = """
import numpy as np

np.random.seed(7)
train_X = np.random.randn(2, 8)
train_Y = (np.random.rand(1, 8) > 0.5).astype(float)
parameters = {
    "W1": np.random.randn(5, 2) * 0.7, "b1": np.random.randn(5, 1) * 0.1,
    "W2": np.random.randn(3, 5) * 0.7, "b2": np.random.randn(3, 1) * 0.1,
    "W3": np.random.randn(1, 3) * 0.7, "b3": np.random.randn(1, 1) * 0.1,
}


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def relu(x):
    return np.maximum(0, x)


def compute_cost(a3, Y):
    m = Y.shape[1]
    logprobs = np.multiply(-np.log(a3), Y) + np.multiply(-np.log(1 - a3), 1 - Y)
    return 1.0 / m * np.sum(logprobs)
"""

REGULARIZATION = (
    _THREE_LAYER
    + """
lambd = 0.7


def forward_propagation(X, parameters):
    W1, b1 = parameters["W1"], parameters["b1"]
    W2, b2 = parameters["W2"], parameters["b2"]
    W3, b3 = parameters["W3"], parameters["b3"]
    Z1 = np.dot(W1, X) + b1
    A1 = relu(Z1)
    Z2 = np.dot(W2, A1) + b2
    A2 = relu(Z2)
    Z3 = np.dot(W3, A2) + b3
    A3 = sigmoid(Z3)
    cache = (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3)
    return A3, cache


def compute_cost_with_regularization(A3, Y, parameters, lambd):
    m = Y.shape[1]
    W1, W2, W3 = parameters["W1"], parameters["W2"], parameters["W3"]
    cross_entropy_cost = compute_cost(A3, Y)
    L2 = lambd / (2 * m) * (np.sum(np.square(W1)) + np.sum(np.square(W2)) + np.sum(np.square(W3)))
    return cross_entropy_cost + L2


def backward_propagation_with_regularization(X, Y, cache, lambd):
    m = X.shape[1]
    (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3) = cache
    dZ3 = A3 - Y
    dW3 = 1.0 / m * np.dot(dZ3, A2.T) + lambd / m * W3
    db3 = 1.0 / m * np.sum(dZ3, axis=1, keepdims=True)
    dA2 = np.dot(W3.T, dZ3)
    dZ2 = np.multiply(dA2, np.int64(A2 > 0))
    dW2 = 1.0 / m * np.dot(dZ2, A1.T) + lambd / m * W2
    db2 = 1.0 / m * np.sum(dZ2, axis=1, keepdims=True)
    dA1 = np.dot(W2.T, dZ2)
    dZ1 = np.multiply(dA1, np.int64(A1 > 0))
    dW1 = 1.0 / m * np.dot(dZ1, X.T) + lambd / m * W1
    db1 = 1.0 / m * np.sum(dZ1, axis=1, keepdims=True)
    return {"dZ3": dZ3, "dW3": dW3, "db3": db3, "dA2": dA2, "dZ2": dZ2, "dW2": dW2,
            "db2": db2, "dA1": dA1, "dZ1": dZ1, "dW1": dW1, "db1": db1}
"""
)

DROPOUT = (
    _THREE_LAYER
    + """

def forward_propagation_with_dropout(X, parameters, keep_prob=0.5):
    np.random.seed(1)
    W1, b1 = parameters["W1"], parameters["b1"]
    W2, b2 = parameters["W2"], parameters["b2"]
    W3, b3 = parameters["W3"], parameters["b3"]
    Z1 = np.dot(W1, X) + b1
    A1 = relu(Z1)
    D1 = (np.random.rand(A1.shape[0], A1.shape[1]) < keep_prob).astype(int)
    A1 = A1 * D1 / keep_prob
    Z2 = np.dot(W2, A1) + b2
    A2 = relu(Z2)
    D2 = (np.random.rand(A2.shape[0], A2.shape[1]) < keep_prob).astype(int)
    A2 = A2 * D2 / keep_prob
    Z3 = np.dot(W3, A2) + b3
    A3 = sigmoid(Z3)
    cache = (Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3, W3, b3)
    return A3, cache


def backward_propagation_with_dropout(X, Y, cache, keep_prob):
    m = X.shape[1]
    (Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3, W3, b3) = cache
    dZ3 = A3 - Y
    dW3 = 1.0 / m * np.dot(dZ3, A2.T)
    db3 = 1.0 / m * np.sum(dZ3, axis=1, keepdims=True)
    dA2 = np.dot(W3.T, dZ3)
    dA2 = dA2 * D2 / keep_prob
    dZ2 = np.multiply(dA2, np.int64(A2 > 0))
    dW2 = 1.0 / m * np.dot(dZ2, A1.T)
    db2 = 1.0 / m * np.sum(dZ2, axis=1, keepdims=True)
    dA1 = np.dot(W2.T, dZ2)
    dA1 = dA1 * D1 / keep_prob
    dZ1 = np.multiply(dA1, np.int64(A1 > 0))
    dW1 = 1.0 / m * np.dot(dZ1, X.T)
    db1 = 1.0 / m * np.sum(dZ1, axis=1, keepdims=True)
    return {"dZ3": dZ3, "dW3": dW3, "db3": db3, "dA2": dA2, "dZ2": dZ2, "dW2": dW2,
            "db2": db2, "dA1": dA1, "dZ1": dZ1, "dW1": dW1, "db1": db1}
"""
)

FULL_FORWARD = """
import numpy as np

nn_architecture = [
    {"input_dim": 2, "output_dim": 4, "activation": "relu"},
    {"input_dim": 4, "output_dim": 1, "activation": "sigmoid"},
]


def init_layers(nn_architecture, seed=99):
    np.random.seed(seed)
    params_values = {}
    for idx, layer in enumerate(nn_architecture):
        i = idx + 1
        params_values["W" + str(i)] = np.random.randn(layer["output_dim"], layer["input_dim"]) * 0.5
        params_values["b" + str(i)] = np.random.randn(layer["output_dim"], 1) * 0.1
    return params_values


params_values = init_layers(nn_architecture)
X = np.random.randn(2, 6)
Y = (np.random.rand(1, 6) > 0.5).astype(float)


def sigmoid(Z):
    return 1 / (1 + np.exp(-Z))


def relu(Z):
    return np.maximum(0, Z)


def sigmoid_backward(dA, Z):
    sig = sigmoid(Z)
    return dA * sig * (1 - sig)


def relu_backward(dA, Z):
    dZ = np.array(dA, copy=True)
    dZ[Z <= 0] = 0
    return dZ


def single_layer_forward_propagation(A_prev, W_curr, b_curr, activation="relu"):
    Z_curr = np.dot(W_curr, A_prev) + b_curr
    activation_func = relu if activation == "relu" else sigmoid
    return activation_func(Z_curr), Z_curr


def full_forward_propagation(X, params_values, nn_architecture):
    memory = {}
    A_curr = X
    for idx, layer in enumerate(nn_architecture):
        layer_idx = idx + 1
        A_prev = A_curr
        A_curr, Z_curr = single_layer_forward_propagation(
            A_prev, params_values["W" + str(layer_idx)], params_values["b" + str(layer_idx)],
            layer["activation"])
        memory["A" + str(idx)] = A_prev
        memory["Z" + str(layer_idx)] = Z_curr
    return A_curr, memory


def get_cost_value(Y_hat, Y):
    m = Y_hat.shape[1]
    cost = -1 / m * (np.dot(Y, np.log(Y_hat).T) + np.dot(1 - Y, np.log(1 - Y_hat).T))
    return np.squeeze(cost)


def single_layer_backward_propagation(dA_curr, W_curr, b_curr, Z_curr, A_prev, activation="relu"):
    m = A_prev.shape[1]
    backward_activation_func = relu_backward if activation == "relu" else sigmoid_backward
    dZ_curr = backward_activation_func(dA_curr, Z_curr)
    dW_curr = np.dot(dZ_curr, A_prev.T) / m
    db_curr = np.sum(dZ_curr, axis=1, keepdims=True) / m
    dA_prev = np.dot(W_curr.T, dZ_curr)
    return dA_prev, dW_curr, db_curr


def full_backward_propagation(Y_hat, Y, memory, params_values, nn_architecture):
    grads_values = {}
    Y = Y.reshape(Y_hat.shape)
    dA_prev = -(np.divide(Y, Y_hat) - np.divide(1 - Y, 1 - Y_hat))
    for layer_idx_prev, layer in reversed(list(enumerate(nn_architecture))):
        layer_idx_curr = layer_idx_prev + 1
        dA_curr = dA_prev
        A_prev = memory["A" + str(layer_idx_prev)]
        Z_curr = memory["Z" + str(layer_idx_curr)]
        W_curr = params_values["W" + str(layer_idx_curr)]
        b_curr = params_values["b" + str(layer_idx_curr)]
        dA_prev, dW_curr, db_curr = single_layer_backward_propagation(
            dA_curr, W_curr, b_curr, Z_curr, A_prev, layer["activation"])
        grads_values["dW" + str(layer_idx_curr)] = dW_curr
        grads_values["db" + str(layer_idx_curr)] = db_curr
    return grads_values
"""

TWO_LAYER_NET = """
import numpy as np


class TwoLayerNet(object):
    def __init__(self, input_size, hidden_size, output_size, std=1e-1):
        self.params = {}
        self.params["W1"] = std * np.random.randn(input_size, hidden_size)
        self.params["b1"] = np.zeros(hidden_size)
        self.params["W2"] = std * np.random.randn(hidden_size, output_size)
        self.params["b2"] = np.zeros(output_size)

    def loss(self, X, y=None, reg=0.0):
        W1, b1 = self.params["W1"], self.params["b1"]
        W2, b2 = self.params["W2"], self.params["b2"]
        N, D = X.shape
        h = np.maximum(0, X.dot(W1) + b1)
        scores = h.dot(W2) + b2
        if y is None:
            return scores
        shifted = scores - np.max(scores, axis=1, keepdims=True)
        probs = np.exp(shifted) / np.sum(np.exp(shifted), axis=1, keepdims=True)
        loss = -np.sum(np.log(probs[np.arange(N), y])) / N
        loss += reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
        grads = {}
        dscores = probs.copy()
        dscores[np.arange(N), y] -= 1
        dscores /= N
        grads["W2"] = h.T.dot(dscores) + 2 * reg * W2
        grads["b2"] = np.sum(dscores, axis=0)
        dh = dscores.dot(W2.T)
        dh[h <= 0] = 0
        grads["W1"] = X.T.dot(dh) + 2 * reg * W1
        grads["b1"] = np.sum(dh, axis=0)
        return loss, grads


np.random.seed(0)
net = TwoLayerNet(4, 10, 3, std=1e-1)
X = np.random.randn(5, 4)
y = np.array([0, 1, 2, 2, 1])
reg = 0.05
"""

SOFTMAX = """
import numpy as np

np.random.seed(0)
X_dev = np.random.randn(8, 5)
y_dev = np.random.randint(3, size=8)
W = np.random.randn(5, 3) * 0.01
reg = 0.1


def softmax_loss_vectorized(W, X, y, reg):
    num_train = X.shape[0]
    scores = X.dot(W)
    scores -= np.max(scores, axis=1, keepdims=True)
    probs = np.exp(scores) / np.sum(np.exp(scores), axis=1, keepdims=True)
    loss = -np.sum(np.log(probs[np.arange(num_train), y])) / num_train
    loss += reg * np.sum(W * W)
    dscores = probs
    dscores[np.arange(num_train), y] -= 1
    dW = X.T.dot(dscores) / num_train
    dW += 2 * reg * W
    return loss, dW
"""

SVM = """
import numpy as np

np.random.seed(0)
X_dev = np.random.randn(8, 5)
y_dev = np.random.randint(3, size=8)
W = np.random.randn(5, 3) * 0.01
reg = 0.1


def svm_loss_vectorized(W, X, y, reg):
    num_train = X.shape[0]
    scores = X.dot(W)
    correct = scores[np.arange(num_train), y][:, None]
    margins = np.maximum(0, scores - correct + 1)
    margins[np.arange(num_train), y] = 0
    loss = np.sum(margins) / num_train + reg * np.sum(W * W)
    binary = (margins > 0).astype(float)
    binary[np.arange(num_train), y] = -np.sum(binary, axis=1)
    dW = X.T.dot(binary) / num_train + 2 * reg * W
    return loss, dW
"""

MIN_CHAR_RNN = """
import numpy as np

data = "hello world, hello gradients"
chars = sorted(set(data))
vocab_size = len(chars)
char_to_ix = {ch: i for i, ch in enumerate(chars)}
hidden_size = 6
seq_length = 5
np.random.seed(0)
Wxh = np.random.randn(hidden_size, vocab_size) * 0.1
Whh = np.random.randn(hidden_size, hidden_size) * 0.1
Why = np.random.randn(vocab_size, hidden_size) * 0.1
bh = np.random.randn(hidden_size, 1) * 0.1
by = np.random.randn(vocab_size, 1) * 0.1
inputs = [char_to_ix[ch] for ch in data[:seq_length]]
targets = [char_to_ix[ch] for ch in data[1:seq_length + 1]]
hprev = np.random.randn(hidden_size, 1) * 0.1


def lossFun(inputs, targets, hprev):
    xs, hs, ys, ps = {}, {}, {}, {}
    hs[-1] = np.copy(hprev)
    loss = 0
    for t in range(len(inputs)):
        xs[t] = np.zeros((vocab_size, 1))
        xs[t][inputs[t]] = 1
        hs[t] = np.tanh(np.dot(Wxh, xs[t]) + np.dot(Whh, hs[t - 1]) + bh)
        ys[t] = np.dot(Why, hs[t]) + by
        ps[t] = np.exp(ys[t]) / np.sum(np.exp(ys[t]))
        loss += -np.log(ps[t][targets[t], 0])
    dWxh, dWhh, dWhy = np.zeros_like(Wxh), np.zeros_like(Whh), np.zeros_like(Why)
    dbh, dby = np.zeros_like(bh), np.zeros_like(by)
    dhnext = np.zeros_like(hs[0])
    for t in reversed(range(len(inputs))):
        dy = np.copy(ps[t])
        dy[targets[t]] -= 1
        dWhy += np.dot(dy, hs[t].T)
        dby += dy
        dh = np.dot(Why.T, dy) + dhnext
        dhraw = (1 - hs[t] * hs[t]) * dh
        dbh += dhraw
        dWxh += np.dot(dhraw, xs[t].T)
        dWhh += np.dot(dhraw, hs[t - 1].T)
        dhnext = np.dot(Whh.T, dhraw)
    return loss, dWxh, dWhh, dWhy, dbh, dby, hs[len(inputs) - 1]
"""

LAYER_NET = """
import numpy as np


class Dense:
    def __init__(self, n_in, n_out):
        self.W = np.random.randn(n_in, n_out) * 0.5
        self.b = np.zeros((1, n_out))

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, grad):
        self.dW = self.x.T @ grad
        self.db = grad.sum(axis=0, keepdims=True)
        return grad @ self.W.T


class Tanh:
    def forward(self, x):
        self.out = np.tanh(x)
        return self.out

    def backward(self, grad):
        return grad * (1 - self.out ** 2)


class Net:
    def __init__(self):
        self.layers = [Dense(3, 5), Tanh(), Dense(5, 2)]

    def forward(self, X):
        for layer in self.layers:
            X = layer.forward(X)
        return X

    def loss(self, out, y):
        return 0.5 * np.sum((out - y) ** 2) / y.shape[0]

    def backward(self, out, y):
        grad = (out - y) / y.shape[0]
        for layer in reversed(self.layers):
            grad = layer.backward(grad)


np.random.seed(0)
net = Net()
X = np.random.randn(4, 3)
y = np.random.randn(4, 2)
"""

NIELSEN = """
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_prime(z):
    return sigmoid(z) * (1 - sigmoid(z))


class Network(object):
    def __init__(self, sizes):
        self.num_layers = len(sizes)
        self.sizes = sizes
        self.biases = [np.random.randn(y, 1) for y in sizes[1:]]
        self.weights = [np.random.randn(y, x) for x, y in zip(sizes[:-1], sizes[1:])]

    def feedforward(self, a):
        for b, w in zip(self.biases, self.weights):
            a = sigmoid(np.dot(w, a) + b)
        return a

    def backprop(self, x, y):
        nabla_b = [np.zeros(b.shape) for b in self.biases]
        nabla_w = [np.zeros(w.shape) for w in self.weights]
        activation = x
        activations = [x]
        zs = []
        for b, w in zip(self.biases, self.weights):
            z = np.dot(w, activation) + b
            zs.append(z)
            activation = sigmoid(z)
            activations.append(activation)
        delta = self.cost_derivative(activations[-1], y) * sigmoid_prime(zs[-1])
        nabla_b[-1] = delta
        nabla_w[-1] = np.dot(delta, activations[-2].transpose())
        for l in range(2, self.num_layers):
            z = zs[-l]
            sp = sigmoid_prime(z)
            delta = np.dot(self.weights[-l + 1].transpose(), delta) * sp
            nabla_b[-l] = delta
            nabla_w[-l] = np.dot(delta, activations[-l - 1].transpose())
        return (nabla_b, nabla_w)

    def cost_derivative(self, output_activations, y):
        return output_activations - y


np.random.seed(0)
net = Network([3, 4, 2])
x = np.random.randn(3, 1)
y = np.random.rand(2, 1)
"""

# Nielsen's network after the three lines the error asks for.
NIELSEN_WITH_COST = NIELSEN.replace(
    "    def cost_derivative(self",
    """    def cost(self, x, y):
        a = self.feedforward(x)
        return 0.5 * np.sum((a - y) ** 2)

    def cost_derivative(self""",
)

FORMS = {
    "course_2layer": COURSE_2LAYER,
    "course_2layer_lower": COURSE_2LAYER_LOWER,
    "l_model": L_MODEL,
    "gradcheck_n": GRADCHECK_N,
    "regularization": REGULARIZATION,
    "dropout": DROPOUT,
    "full_forward": FULL_FORWARD,
    "two_layer_net": TWO_LAYER_NET,
    "softmax": SOFTMAX,
    "svm": SVM,
    "min_char_rnn": MIN_CHAR_RNN,
    "layer_net": LAYER_NET,
    "nielsen_with_cost": NIELSEN_WITH_COST,
}

# name -> (text replaced, replacement, tensors the bug makes wrong)
BUGS = {
    "course_2layer": ("dW2 = np.dot(dZ2, A1.T) / m", "dW2 = np.dot(dZ2, A1.T)", {"W2"}),
    "course_2layer_lower": (
        "db1 = np.sum(dZ1, axis=1, keepdims=True) / m",
        "db1 = np.sum(dZ1, axis=1, keepdims=True) / m * 2",
        {"b1"},
    ),
    "l_model": ("dZ = dA * s * (1 - s)", "dZ = dA * s", {"W3", "b3", "W2", "b2", "W1", "b1"}),
    "gradcheck_n": (
        "dW2 = 1.0 / m * np.dot(dZ2, A1.T)",
        "dW2 = 1.0 / m * np.dot(dZ2, A1.T) * 2",
        {"W2"},
    ),
    "regularization": (
        "dW3 = 1.0 / m * np.dot(dZ3, A2.T) + lambd / m * W3",
        "dW3 = 1.0 / m * np.dot(dZ3, A2.T)",
        {"W3"},
    ),
    "dropout": (
        "    dA2 = dA2 * D2 / keep_prob\n",
        "    dA2 = dA2 * D2\n",
        {"W2", "b2", "W1", "b1"},
    ),
    "full_forward": (
        "db_curr = np.sum(dZ_curr, axis=1, keepdims=True) / m",
        "db_curr = np.sum(dZ_curr, axis=1, keepdims=True)",
        {"b1", "b2"},
    ),
    "two_layer_net": (
        'grads["W2"] = h.T.dot(dscores) + 2 * reg * W2',
        'grads["W2"] = h.T.dot(dscores) + reg * W2',
        {"W2"},
    ),
    "softmax": ("dW += 2 * reg * W", "dW += reg * W", {"W"}),
    "svm": (
        "dW = X.T.dot(binary) / num_train + 2 * reg * W",
        "dW = X.T.dot(binary) + 2 * reg * W",
        {"W"},
    ),
    "min_char_rnn": ("dbh += dhraw", "dbh += dh", {"bh"}),
    "layer_net": (
        "return grad * (1 - self.out ** 2)",
        "return grad * (1 - self.out)",
        {"W1", "b1"},
    ),
}
BUGS["layer_net"] = (
    "return grad * (1 - self.out ** 2)",
    "return grad * (1 - self.out)",
    {"net.layers[0].W", "net.layers[0].b"},
)
BUGS["nielsen_with_cost"] = ("nabla_b[-l] = delta", "nabla_b[-l] = delta * 2", {"net.biases[0]"})

FC_NET = """
import numpy as np


def affine_relu_forward(x, w, b):
    a = x.dot(w) + b
    out = np.maximum(0, a)
    return out, (x, w, a)


def affine_relu_backward(dout, cache):
    x, w, a = cache
    da = dout * (a > 0)
    return da.dot(w.T), x.T.dot(da), da.sum(axis=0)


class FullyConnectedNet(object):
    def __init__(self, hidden_dims, input_dim=5, num_classes=3, reg=0.0, weight_scale=1e-1):
        self.reg = reg
        self.num_layers = 1 + len(hidden_dims)
        self.params = {}
        dims = [input_dim] + hidden_dims + [num_classes]
        for i in range(self.num_layers):
            self.params["W%d" % (i + 1)] = weight_scale * np.random.randn(dims[i], dims[i + 1])
            self.params["b%d" % (i + 1)] = np.zeros(dims[i + 1])

    def loss(self, X, y=None):
        caches = []
        out = X
        for i in range(1, self.num_layers):
            out, cache = affine_relu_forward(out, self.params["W%d" % i], self.params["b%d" % i])
            caches.append(cache)
        WL, bL = self.params["W%d" % self.num_layers], self.params["b%d" % self.num_layers]
        scores = out.dot(WL) + bL
        if y is None:
            return scores
        N = X.shape[0]
        shifted = scores - scores.max(axis=1, keepdims=True)
        probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
        loss = -np.log(probs[np.arange(N), y]).sum() / N
        grads = {}
        dscores = probs.copy()
        dscores[np.arange(N), y] -= 1
        dscores /= N
        grads["W%d" % self.num_layers] = out.T.dot(dscores)
        grads["b%d" % self.num_layers] = dscores.sum(axis=0)
        dout = dscores.dot(WL.T)
        for i in reversed(range(1, self.num_layers)):
            dout, dw, db = affine_relu_backward(dout, caches[i - 1])
            grads["W%d" % i], grads["b%d" % i] = dw, db
        for i in range(1, self.num_layers + 1):
            W = self.params["W%d" % i]
            loss += 0.5 * self.reg * np.sum(W * W)
            grads["W%d" % i] += self.reg * W
        return loss, grads


np.random.seed(231)
N, D, C = 6, 5, 3
X = np.random.randn(N, D)
y = np.random.randint(C, size=(N,))
model = FullyConnectedNet([6, 4], input_dim=D, num_classes=C, reg=0.7)
"""
FORMS["fc_net"] = FC_NET
BUGS["fc_net"] = ("da = dout * (a > 0)", "da = dout", {"W1", "b1", "W2", "b2"})

# compute_cost taking the parameters too (the course's cost with an L2 term, written as one).
COURSE_2LAYER_L2 = (
    COURSE_2LAYER.replace(
        "def compute_cost(A2, Y):\n    m = Y.shape[1]",
        "def compute_cost(A2, Y, parameters):\n    m = Y.shape[1]",
    )
    .replace(
        "    return float(-np.sum(logprobs) / m)",
        '    return float(-np.sum(logprobs) / m + 0.05 * np.sum(parameters["W1"] ** 2))',
    )
    .replace("dW1 = np.dot(dZ1, X.T) / m", 'dW1 = np.dot(dZ1, X.T) / m + 0.1 * parameters["W1"]')
)
FORMS["course_2layer_l2"] = COURSE_2LAYER_L2
BUGS["course_2layer_l2"] = ('+ 0.1 * parameters["W1"]', '+ 0.05 * parameters["W1"]', {"W1"})

# A class-per-layer net with the loss outside the class, handing its gradient to backward.
LAYER_NET_LOSS_FN = LAYER_NET.replace(
    """    def loss(self, out, y):
        return 0.5 * np.sum((out - y) ** 2) / y.shape[0]

    def backward(self, out, y):
        grad = (out - y) / y.shape[0]
        for layer in reversed(self.layers):""",
    """    def backward(self, dout):
        grad = dout
        for layer in reversed(self.layers):""",
).replace(
    "class Net:",
    """def mse_loss(x, y):
    loss = 0.5 * np.sum((x - y) ** 2) / y.shape[0]
    dx = (x - y) / y.shape[0]
    return loss, dx


class Net:""",
)
FORMS["layer_net_loss_fn"] = LAYER_NET_LOSS_FN
BUGS["layer_net_loss_fn"] = (
    "self.db = grad.sum(axis=0, keepdims=True)",
    "self.db = grad.sum()",
    {"net.layers[0].b", "net.layers[2].b"},
)
