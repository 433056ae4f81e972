"""Transitional: re-exports for modules not yet rewired to gradcheck.models. The lead removes this."""

from gradcheck.models.data import DATA_NAMES, INPUT_NAMES, LABEL_NAMES, data_arrays
from gradcheck.models.model import (
    GradsFn,
    LossFn,
    Model,
    gradient_key_candidates,
    type_name,
    validate_array,
    validate_params,
)

__all__ = [
    "DATA_NAMES",
    "INPUT_NAMES",
    "LABEL_NAMES",
    "GradsFn",
    "LossFn",
    "Model",
    "data_arrays",
    "gradient_key_candidates",
    "type_name",
    "validate_array",
    "validate_params",
]
