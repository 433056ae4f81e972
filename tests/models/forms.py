"""Model files written the way the most-copied course and tutorial code is written, each by its
public signature (:mod:`tests.models.forms_course`, :mod:`tests.models.forms_tutorial`): a correct
version, and a planted bug (``BUGS[name] = (old, new, tensors)``: the replacement that plants it and
the tensors whose gradients it makes wrong).
"""

from __future__ import annotations

from tests.models.forms_course import (
    COURSE_2LAYER,
    COURSE_2LAYER_L2,
    COURSE_2LAYER_LOWER,
    DROPOUT,
    FULL_FORWARD,
    GRADCHECK_N,
    L_MODEL,
    LOGISTIC,
    REGULARIZATION,
)
from tests.models.forms_tutorial import (
    FC_NET,
    LAYER_NET,
    LAYER_NET_LOSS_FN,
    MIN_CHAR_RNN,
    NIELSEN,
    NIELSEN_WITH_COST,
    SOFTMAX,
    SVM,
    TWO_LAYER_NET,
)

__all__ = [
    "BUGS",
    "COURSE_2LAYER",
    "COURSE_2LAYER_L2",
    "COURSE_2LAYER_LOWER",
    "DROPOUT",
    "FC_NET",
    "FORMS",
    "FULL_FORWARD",
    "GRADCHECK_N",
    "LAYER_NET",
    "LAYER_NET_LOSS_FN",
    "LOGISTIC",
    "L_MODEL",
    "MIN_CHAR_RNN",
    "NIELSEN",
    "NIELSEN_WITH_COST",
    "REGULARIZATION",
    "SOFTMAX",
    "SVM",
    "TWO_LAYER_NET",
]

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

FORMS["fc_net"] = FC_NET
BUGS["fc_net"] = ("da = dout * (a > 0)", "da = dout", {"W1", "b1", "W2", "b2"})

# compute_cost taking the parameters too (the course's cost with an L2 term, written as one).
FORMS["course_2layer_l2"] = COURSE_2LAYER_L2
BUGS["course_2layer_l2"] = ('+ 0.1 * parameters["W1"]', '+ 0.05 * parameters["W1"]', {"W1"})

# A class-per-layer net with the loss outside the class, handing its gradient to backward.
FORMS["layer_net_loss_fn"] = LAYER_NET_LOSS_FN
BUGS["layer_net_loss_fn"] = (
    "self.db = grad.sum(axis=0, keepdims=True)",
    "self.db = grad.sum()",
    {"net.layers[0].b", "net.layers[2].b"},
)

# Course 1 week 2: propagate(w, b, X, Y) -> (grads, cost), b a Python float.
FORMS["logistic"] = LOGISTIC
BUGS["logistic"] = ("db = 1 / m * np.sum(A - Y)", "db = np.sum(A - Y)", {"b"})
