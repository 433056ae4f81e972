"""The health room: activation, initialisation, gradient-norm and input health of a network whose
numbers are finite but whose training will go badly (report warnings, never printed).
May import: numerics (the tracer) and report's records (gradcheck.result). Never rich or click.
"""

# Transitional re-exports for importers outside the room; the lead rewires them and trims this list.
from gradcheck.health.activations import activation_health, activation_warnings
from gradcheck.health.gradients import gradient_norm_health
from gradcheck.health.initialisation import parameter_health
from gradcheck.health.inputs import input_health
from gradcheck.health.kinds import RELU, SIGMOID, TANH
from gradcheck.health.layers import trace_activations
from gradcheck.health.stats import ActivationStats
from gradcheck.health.thresholds import DEAD_RELU_SHARE, LARGE_INIT_RATIO, SATURATION_SHARE

__all__ = [
    "DEAD_RELU_SHARE",
    "LARGE_INIT_RATIO",
    "RELU",
    "SATURATION_SHARE",
    "SIGMOID",
    "TANH",
    "ActivationStats",
    "activation_health",
    "activation_warnings",
    "gradient_norm_health",
    "input_health",
    "parameter_health",
    "trace_activations",
]
