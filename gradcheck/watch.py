"""Transitional: re-exports for modules not yet rewired to gradcheck.train. The lead removes this."""

from __future__ import annotations

from gradcheck.report.training import (
    UPDATE_RATIO_HEALTHY,
    CostTrend,
    GradientCheck,
    TensorHealth,
    WatchSummary,
)
from gradcheck.train.activation_trends import activation_trends
from gradcheck.train.core import Watch
from gradcheck.train.cost_trend import cost_trend
from gradcheck.train.decorator import watch
from gradcheck.train.file_runner import LEARNING_RATE_NAMES, set_learning_rate, watch_file
from gradcheck.train.finite import FULL_SCAN_EVERY, SENTINELS
from gradcheck.train.input_health import input_health
from gradcheck.train.names import is_weight_name, pair_gradients
from gradcheck.train.options import NonFiniteWarning, WatchOptions, WatchWarning
from gradcheck.train.runner import gradient_descent, train
from gradcheck.train.thresholds import (
    COST_OSCILLATING_SHARE,
    COST_RISE_SHARE,
    INPUT_SCALE_MAX,
    UPDATE_RATIO_HIGH,
    UPDATE_RATIO_LOW,
)
from gradcheck.train.training_health import training_health

__all__ = [
    "COST_OSCILLATING_SHARE",
    "COST_RISE_SHARE",
    "FULL_SCAN_EVERY",
    "INPUT_SCALE_MAX",
    "LEARNING_RATE_NAMES",
    "SENTINELS",
    "UPDATE_RATIO_HEALTHY",
    "UPDATE_RATIO_HIGH",
    "UPDATE_RATIO_LOW",
    "CostTrend",
    "GradientCheck",
    "NonFiniteWarning",
    "TensorHealth",
    "Watch",
    "WatchOptions",
    "WatchSummary",
    "WatchWarning",
    "activation_trends",
    "cost_trend",
    "gradient_descent",
    "input_health",
    "is_weight_name",
    "pair_gradients",
    "set_learning_rate",
    "train",
    "training_health",
    "watch",
    "watch_file",
]
