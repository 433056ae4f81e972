"""The thresholds health judges by, each with the reason for its value; the fixes warnings share.

Every threshold is a module constant here. A healthy network (He init on a ReLU MLP, Xavier on tanh,
a softmax classifier, a small conv net, batch norm) gets no warning; the tests hold that.
"""

from __future__ import annotations

__all__ = [
    "DEAD_MIN_BATCH",
    "DEAD_RELU_SHARE",
    "EXPLODING_ABS",
    "EXPLODING_SHARE",
    "GRAD_NORM_SPREAD",
    "INPUT_RMS_MAX",
    "LARGE_INIT_RATIO",
    "POSITIVE_INIT_MIN_SIZE",
    "SATURATION_SHARE",
    "SIGMOID_SATURATED",
    "TANH_SATURATED",
]

#: A pre-activation is "exploding" at |z| >= 100: tanh and sigmoid are flat beyond |z| ~ 5, exp
#: overflows float64 at 709 (float32 at 88), and He/Xavier-initialised layers on standardised
#: inputs keep |z| within a few units.
EXPLODING_ABS = 100.0

#: Warn when at least 1% of a pre-activation's entries are exploding (one stray outlier is not a
#: pattern; 1% of a layer is).
EXPLODING_SHARE = 0.01

#: A tanh unit is saturated when |a| > 0.97 (Karpathy, makemore part 3): its derivative 1 - a^2 is
#: below 0.06 there, so it passes almost no gradient.
TANH_SATURATED = 0.97

#: A sigmoid output is saturated within 1e-3 of 0 or 1 (|z| > 6.9; derivative below 1e-3).
SIGMOID_SATURATED = 1e-3

#: Warn when at least a quarter of a tanh/sigmoid layer's outputs are saturated. A Xavier-initialised
#: tanh layer on standardised inputs has a few percent there. Any output that rounded to exactly
#: +-1.0 (tanh) or 0.0/1.0 (sigmoid) is warned about as well: its gradient is exactly zero, and a
#: sigmoid output of exactly 1.0 makes log(1 - A) = -inf.
SATURATION_SHARE = 0.25

#: Warn when at least 10% of a ReLU layer's units never fire over the batch (keras-contrib's
#: DeadReluDetector; CS231n: "as much as 40% of your network can be dead" with a high learning rate).
DEAD_RELU_SHARE = 0.10

#: A unit is only called dead over a batch of at least 8 examples: on one example, half the units of
#: a healthy layer are off.
DEAD_MIN_BATCH = 8

#: Weights are "all positive" only in tensors of at least 16 entries (a 1x4 output layer can be
#: all positive by chance: 1 in 16).
POSITIVE_INIT_MIN_SIZE = 16

#: Initial weight scale as RMS(W) * sqrt(fan_in): LeCun = 1, He = sqrt(2) ~ 1.41; Xavier-uniform is
#: at most that. Warn at 3 (twice He), where each layer multiplies the signal's size by ~3.
LARGE_INIT_RATIO = 3.0

#: Warn when weight-gradient norms across layers span three orders of magnitude (1e3). Healthy
#: networks, including the classic 0.01-scaled output layer, stay within about two.
GRAD_NORM_SPREAD = 1e3

#: Inputs are "unscaled" when their root-mean-square exceeds 5: standardised data has RMS 1 and
#: pixels in [0, 1] about 0.5, while raw pixels (0..255), counts like 1..10 (seed 000) or digit
#: intensities 0..16 (seed 002) are far above it.
INPUT_RMS_MAX = 5.0

# The fixes, in sentences every warning that gives the same advice shares word for word, so that
# a report can say each once (report.warning_groups drops a sentence already said).
SCALE_INPUTS = (
    "Scale the inputs to mean 0, std 1 (X = (X - mean) / std over the training examples, or "
    "divide pixels by 255)."
)
ZERO_MEAN_INIT = (
    "Initialise weights with zero mean: np.random.randn(n_out, n_in) * np.sqrt(2 / n_in) for "
    "ReLU (He), np.sqrt(1 / n_in) for tanh (Xavier)."
)
LOWER_LR = "If it persists, lower the learning rate."
_FIX_SCALE = f"{SCALE_INPUTS} {ZERO_MEAN_INIT}"
_FIX_SATURATION = f"{SCALE_INPUTS} {ZERO_MEAN_INIT} {LOWER_LR}"
_FIX_DEAD = (
    "Use He initialisation with zero biases, lower the learning rate, or try a leaky ReLU "
    "(np.where(z > 0, z, 0.01 * z))."
)
