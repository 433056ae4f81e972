"""Transitional: re-exports for modules not yet rewired to gradcheck.models. The lead removes this."""

from gradcheck.models.data import infer_batch_size
from gradcheck.models.make import from_object, make_model
from gradcheck.models.model import validate_array, validate_params
from gradcheck.models.source import returned_names

__all__ = [
    "from_object",
    "infer_batch_size",
    "make_model",
    "returned_names",
    "validate_array",
    "validate_params",
]
