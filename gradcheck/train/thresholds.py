"""What training health calls unhealthy: the thresholds the findings read, and the phrases they share.

The healthy update/weight ratio itself, :data:`~gradcheck.report.training.UPDATE_RATIO_HEALTHY`, lives
with the records: the renderer shows every ratio against it.
"""

from __future__ import annotations

__all__ = [
    "CHANCE_TOLERANCE",
    "COST_ALTERNATION",
    "COST_FLAT",
    "COST_OSCILLATING_SHARE",
    "COST_RISE_SHARE",
    "FIX_ADD_L2",
    "FIX_BACKPROP_FIRST",
    "FIX_LOWER_LR",
    "GRADIENT_GROWTH",
    "INPUT_SCALE_MAX",
    "NARROW_HIDDEN",
    "NOT_LEARNING_CHANCE",
    "NOT_LEARNING_DROP",
    "NOT_LEARNING_PROGRESS",
    "TREND_POINTS",
    "UPDATE_RATIO_HIGH",
    "UPDATE_RATIO_LOW",
    "WEIGHT_GROWTH",
    "lr_text",
    "step_share",
]

#: Ten times the healthy ratio: every step moves the weights by 1% or more, and gradient descent
#: overshoots the valley it is in (the cost oscillates, then rises).
UPDATE_RATIO_HIGH = 1e-2

#: A hundred times below the healthy ratio: the weights barely move. Only reported together with a cost
#: that did not fall (a run near convergence has small updates for a good reason).
UPDATE_RATIO_LOW = 1e-5

#: A cost "rises" when the end of the run sits above its minimum by this share of what had been gained
#: from the start to that minimum (smoothed, so one noisy step does not count).
COST_RISE_SHARE = 0.10

#: A cost "oscillates" when it goes up on at least this share of the steps in the second half of the
#: run while that half makes no net progress. Full-batch gradient descent at a sane learning rate goes
#: up on no step at all; mini-batch noise on a run that still learns shows net progress.
COST_OSCILLATING_SHARE = 0.30

#: An oscillation alternates: the lag-1 autocorrelation of the second half around its moving average
#: is at most this (-1 for a period-two swing; minibatch noise, uncorrelated from batch to batch, sits
#: near 0 however large it is).
COST_ALTERNATION = -0.3

#: A cost is flat when the second half of the run changes it by less than this, relative.
COST_FLAT = 1e-4

#: "Not learning": a run that started and ended within this relative distance of log(k) (chance for
#: k classes), or one whose second half gained less than NOT_LEARNING_PROGRESS while the whole run got
#: less than NOT_LEARNING_DROP below where it started (a converged run got far below its start).
NOT_LEARNING_CHANCE = 0.03
NOT_LEARNING_PROGRESS = 0.01
NOT_LEARNING_DROP = 0.10

#: A hidden layer of at most this many units is named as a capacity problem when a run does not learn.
NARROW_HIDDEN = 2

#: A cost within this relative distance of log(k) for a small number of classes k is "chance level".
CHANCE_TOLERANCE = 0.005

#: Weights whose norm grew by this factor over the run are "growing" (the logits of a separable
#: problem grow without bound under cross-entropy, and a sigmoid output then rounds to exactly 0 or 1).
WEIGHT_GROWTH = 5.0

#: A weight gradient whose norm grew by this factor over the run is exploding.
GRADIENT_GROWTH = 1e3

#: Inputs whose root-mean-square (per feature, or overall) exceeds this are "unscaled": with He/Xavier
#: initialisation the first layer expects inputs of mean 0 and standard deviation 1.
INPUT_SCALE_MAX = 3.0

#: A share (saturated outputs, dead units) "trends up" when it grew by at least this many points.
TREND_POINTS = 0.10


def lr_text(lr: float | None) -> str:
    """The learning rate as a finding quotes it after its verdict, or nothing when it is unknown."""
    return f" (learning rate {lr:g})" if lr is not None else ""


# The fixes, in sentences every watch warning that gives the same advice shares word for word, so
# that a report says each once (report.warning_groups leaves off a sentence already said).
FIX_LOWER_LR = (
    "Lower the learning rate (try a tenth of it) until each step changes a weight by about 0.1% "
    "of its size."
)
FIX_ADD_L2 = "Add L2 regularisation (lambda / m * W in dW) to keep the weights small."
FIX_BACKPROP_FIRST = (
    "Fix the backprop first (gradcheck check shows which gradient is wrong); the learning "
    "rate can only be judged once the gradients agree."
)


def step_share(ratio: float) -> str:
    """An update/weight ratio as the share of its size a weight changes by per step: '5.7%'."""
    return f"{100 * ratio:.2g}%"
