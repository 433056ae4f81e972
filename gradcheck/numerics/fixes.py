"""The fixes, worded once: what to do about each cause the catalogue knows (and about inputs)."""

from __future__ import annotations

# The stable fixes, worded once. Each names the cure, not a patch that hides the symptom.
FIX_SOFTMAX = (
    "Subtract the maximum before exponentiating: shifted = z - z.max(axis=..., keepdims=True) over the "
    "axis you sum over, then np.exp(shifted). Softmax is unchanged by the shift and the largest "
    "exponent becomes 0."
)
FIX_SIGMOID = (
    "Use a sigmoid that cannot overflow: np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z))) "
    "(or scipy.special.expit); and keep pre-activations small (scale the inputs, He/Xavier init)."
)
FIX_EXP = (
    "The argument of exp is far too large: scale the inputs (mean 0, std 1), initialise weights at "
    "He/Xavier scale, lower the learning rate; for a log-sum-exp subtract the maximum first "
    "(or use np.logaddexp)."
)
FIX_DZ = (
    "Do not divide by the sigmoid output: with cross-entropy on a sigmoid output layer the A(1 - A) of "
    "the sigmoid's derivative cancels, so compute dZ = A - Y directly (dA is never needed). An epsilon "
    "in the denominators only hides the saturation."
)
FIX_LOG_SIGMOID = (
    "Compute the cost from the pre-activation with a stable log-sigmoid: cost = np.mean(Y * "
    "np.logaddexp(0, -Z) + (1 - Y) * np.logaddexp(0, Z)); or clip before the log: "
    "A = np.clip(A, 1e-12, 1 - 1e-12)."
)
FIX_LOG = (
    "Clip before the log: np.log(np.clip(p, 1e-12, None)); for softmax cross-entropy use a log-softmax "
    "(z - z.max() - np.log(np.sum(np.exp(z - z.max())))) instead of np.log(probs)."
)
FIX_DIVIDE = (
    "Add a small eps to the denominator (x / (d + 1e-8)), or divide only where it is non-zero: "
    "np.divide(x, d, out=np.zeros_like(x), where=d != 0)."
)
FIX_ZERO_OVER_ZERO = (
    "Add eps to the denominator of the normalisation ((x - mu) / (std + 1e-8), x / (norm + 1e-8)); "
    "a constant feature or an all-zero row has nothing to normalise."
)
FIX_SQRT = (
    "Add eps inside the sqrt and clip at zero: np.sqrt(np.maximum(var, 0) + 1e-8); compute the variance "
    "as np.mean((x - mu) ** 2) (or np.var), which cannot cancel below zero like E[x^2] - E[x]^2."
)
FIX_DOMAIN = (
    "Clip the argument into the function's domain first (np.clip(x, -1, 1) for arcsin/arccos)."
)
FIX_LARGE = (
    "Values this large mean the weights or the inputs diverged: lower the learning rate, scale the "
    "inputs to mean 0 / std 1, and initialise with He/Xavier scale and zero mean."
)
FIX_INF_ARITHMETIC = (
    "An infinity met a zero or another infinity (inf - inf, 0 * inf); find where the infinity was made "
    "(an earlier statement, or the data) and fix it there."
)
FIX_INPUT = (
    "The value was non-finite before user code computed with it. For data: np.isnan(X).sum() right "
    "after loading, then drop or impute the missing values (keep = np.isfinite(X).all(axis=1); "
    "X, y = X[keep], y[keep], for examples in rows). For parameters: the previous update wrote "
    "it; watch the training (gradcheck watch) to find the step and the statement."
)
FIX_LOG_SOFTMAX = (
    "Compute the cost from the logits with a log-softmax, which never takes the log of a rounded 0: "
    "shifted = z - z.max(axis=1, keepdims=True); log_probs = shifted - np.log(np.exp(shifted)"
    ".sum(axis=1, keepdims=True)) (a logsumexp), then cost = -np.mean(log_probs[np.arange(m), y]). "
    "Clipping probs before the log only hides the underflow."
)
FIX_XLOGY = (
    "Take p * log(p) as 0 where p is 0, its limit: np.where(p > 0, p * np.log(np.where(p > 0, p, 1)), "
    "0.0), or scipy.special.xlogy(p, p); for a cross-entropy, compute it from the logits "
    "(log-softmax) instead."
)
FIX_MASKED_ROW = (
    "A row with every key masked has no softmax: mask with a large finite negative (np.where(mask, "
    "scores, -1e9)) instead of -inf, or skip such rows and give them zero weight after the softmax "
    "(weights = np.where(mask.any(axis=-1, keepdims=True), weights, 0.0))."
)
FIX_SOFTPLUS = (
    "Compute log(1 + exp(z)) as np.logaddexp(0, z), which never overflows (for a sigmoid "
    "cross-entropy: np.mean(np.logaddexp(0, z) - y * z)); in float32 exp overflows already above "
    "88.7, so keep the loss in float64 (z.astype(np.float64)) if the model must stay float32."
)
FIX_EXP_FLOAT32 = (
    "In float32 exp overflows above 88.7 (float64: 709.8): subtract the maximum before exponentiating "
    "(or use np.logaddexp for a log-sum-exp), or compute this step in float64 "
    "(z.astype(np.float64))."
)
FIX_ADAM = (
    "Average the squared gradient: v = beta2 * v + (1 - beta2) * g ** 2 (g * g, not g), then "
    "w -= lr * m_hat / (np.sqrt(v_hat) + eps) with eps outside the sqrt. Clipping v at 0 would only "
    "hide the bug."
)
FIX_COUNT = (
    "Divide only where the count is positive: np.divide(sums, counts, out=np.zeros_like(sums), "
    "where=counts > 0), or by np.maximum(counts, 1); and decide what an empty group means (skip "
    "it, or keep its previous value)."
)
