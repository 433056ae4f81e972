"""Which statement is an activation: what a statement of the user's forward computes, by syntax.

``W @ X + b`` is a pre-activation, ``np.maximum(0, Z)`` a ReLU, ``np.tanh(Z)`` a tanh,
``1 / (1 + np.exp(-Z))`` a sigmoid (also through the user's own ``relu()``/``sigmoid()`` helpers);
``(z - mu) / np.sqrt(var + eps)`` normalises ``z``; a conditional expression is what its branches
share (``sigmoid(Z) if l == L else np.maximum(0, Z)`` reads as a ReLU: see :func:`_conditional_kind`);
a name like ``Z1`` is a last resort.
"""

from __future__ import annotations

import ast
import re

from gradcheck.numerics.reader import Getter, compile_getter
from gradcheck.numerics.source import Stmt

__all__ = ["PRE", "RELU", "SIGMOID", "TANH"]

PRE, RELU, TANH, SIGMOID = "pre-activation", "relu", "tanh", "sigmoid"

_NOT_FORWARD = ("grad", "deriv", "backward", "backprop", "prime", "leaky", "inverse")


def _named_like(name: str, word: str) -> bool:
    """``relu``, ``ReLU``, ``relu_forward``, ``self.relu_function`` -- but not ``dReLU`` or ``relu_grad``."""
    low = name.lower()
    if word not in low or any(n in low for n in _NOT_FORWARD):
        return False
    return not re.match(rf"^d_?{word}", low)


def _callee(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _is_zero(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Constant)
        and node.value in (0, 0.0)
        and not isinstance(node.value, bool)
    )


def _is_matmul(node: ast.expr) -> bool:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
        return True
    if isinstance(node, ast.Call):
        name = _callee(node.func) or ""
        return name in ("dot", "matmul", "einsum", "tensordot", "inner")
    return False


def _call_kind(node: ast.Call) -> str | None:
    """What a call computes: ``np.maximum(0, z)``, ``np.tanh(z)``, ``expit(z)``, ``relu(z)``, ..."""
    name = _callee(node.func) or ""
    args = node.args
    if name in ("maximum", "fmax") and len(args) == 2 and (_is_zero(args[0]) or _is_zero(args[1])):
        return RELU
    if name == "clip" and len(args) >= 2 and _is_zero(args[1]):
        return RELU
    if (
        name == "where"
        and len(args) == 3
        and _is_zero(args[2])
        and isinstance(args[0], ast.Compare)
    ):
        return RELU
    if name == "tanh" or _named_like(name, "tanh"):
        return TANH
    if name in ("expit",) or _named_like(name, "sigmoid") or _named_like(name, "logistic"):
        return SIGMOID
    if _named_like(name, "relu"):
        return RELU
    if any(_named_like(name, w) for w in ("conv", "affine", "linear", "dense")):
        return PRE
    return None


def _is_sigmoid_formula(node: ast.expr) -> bool:
    """``1 / (1 + np.exp(-z))``."""
    return (
        isinstance(node, ast.BinOp)
        and isinstance(node.op, ast.Div)
        and isinstance(node.left, ast.Constant)
        and node.left.value == 1
        and isinstance(node.right, ast.BinOp)
        and isinstance(node.right.op, ast.Add)
        and any(
            isinstance(s, ast.Call) and _callee(s.func) == "exp"
            for s in (node.right.left, node.right.right)
        )
    )


def _is_relu_product(node: ast.expr) -> bool:
    """``z * (z > 0)``, either way round."""
    if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult)):
        return False
    for a, b in ((node.left, node.right), (node.right, node.left)):
        if (
            (isinstance(b, ast.Compare) and len(b.comparators) == 1 and _is_zero(b.comparators[0]))
            and isinstance(b.ops[0], (ast.Gt, ast.GtE))
            and ast.dump(b.left) == ast.dump(a)
        ):
            return True
    return False


def _conditional_kind(node: ast.IfExp, function: str) -> str | None:
    """``sigmoid(Z) if l == L else np.maximum(0, Z)``: the kind both branches share.

    Which branch ran is known only at run time, so the branches must agree, with one exception: a
    ReLU against a sigmoid is read as a ReLU. Its dead-unit count is right for the ReLU layers and
    harmless for the sigmoid layer (a sigmoid output is never <= 0, so no sigmoid unit is "dead"),
    while reading it as a sigmoid would call ReLU outputs above 1 saturated.
    """
    kinds = {_classify(node.body, function), _classify(node.orelse, function)}
    if len(kinds) == 1:
        return kinds.pop()
    return RELU if kinds == {RELU, SIGMOID} else None


def _classify(node: ast.expr | None, function: str = "") -> str | None:
    """What an expression computes, from its shape alone (None when it is none of the four)."""
    if node is None:
        return None
    if isinstance(node, ast.IfExp):
        return _conditional_kind(node, function)
    if _is_matmul(node):
        return PRE
    if (
        isinstance(node, ast.BinOp)
        and isinstance(node.op, (ast.Add, ast.Sub))
        and (_is_matmul(node.left) or _is_matmul(node.right))
    ):
        return PRE
    if isinstance(node, ast.Call):
        return _call_kind(node)  # none of the forms below is a call
    if _is_sigmoid_formula(node):
        return SIGMOID
    if _is_relu_product(node):
        return RELU
    return None


def _is_inplace_relu(target: ast.expr, value: ast.expr) -> bool:
    """In-place ReLU: ``Z[Z < 0] = 0``."""
    if not (
        isinstance(target, ast.Subscript)
        and _is_zero(value)
        and isinstance(target.slice, ast.Compare)
    ):
        return False
    cmp = target.slice
    return (
        len(cmp.ops) == 1
        and isinstance(cmp.ops[0], (ast.Lt, ast.LtE))
        and _is_zero(cmp.comparators[0])
        and ast.dump(cmp.left) == ast.dump(target.value)
    )


def _statement_kinds(stmt: Stmt, function: str) -> list[str | None]:
    """The kind of each of the statement's readable targets (or of the returned value)."""
    node = stmt.node
    n = max(1, len(stmt.targets))
    if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
        value = node.value
        if isinstance(value, ast.Tuple) and len(value.elts) == len(stmt.targets):
            return [_classify(e, function) for e in value.elts]
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and _is_inplace_relu(node.targets[0], value)
        ):
            return [RELU] * n
        return [_classify(value, function)] * n
    if isinstance(node, ast.Return) and node.value is not None:
        kind = _classify(node.value, function)
        if kind is None and any(
            _named_like(function, w) for w in ("conv", "affine", "linear", "dense")
        ):
            kind = PRE  # what conv_forward / affine_forward return is a pre-activation
        return [kind]
    return [None] * n


def _normalised_operand(node: ast.stmt | None) -> Getter | None:
    """For ``x_hat = (z - mu) / np.sqrt(var + eps)`` (batch/layer norm): how to read ``z``."""
    value = getattr(node, "value", None)
    if not (isinstance(value, ast.BinOp) and isinstance(value.op, ast.Div)):
        return None
    num, den = value.left, value.right
    if not (isinstance(num, ast.BinOp) and isinstance(num.op, ast.Sub)):
        return None
    den_text = ast.unparse(den).lower()
    if not any(w in den_text for w in ("sqrt", "std", "sigma")):
        return None
    return compile_getter(num.left)


_Z_NAME = re.compile(r"^(z|Z|pre|preact|logits|scores|h_pre)(\d+|_\w+)?$")


def _name_kind(name: str) -> str | None:
    """A last resort for arrays no statement classified: ``Z1``, ``self.Z[2]``, ``cache['Z1']``."""
    base = re.findall(r"[A-Za-z_][A-Za-z0-9_]*", name)
    token = base[-1] if base else ""
    if name.endswith("]") and "[" in name:
        inner = name[name.rfind("[") + 1 : -1].strip("'\"")
        if re.match(r"^[A-Za-z_]\w*$", inner):
            token = inner
        elif len(base) >= 1:
            token = base[-1]
    return PRE if _Z_NAME.match(token) else None
