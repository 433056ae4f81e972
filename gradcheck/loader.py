"""Transitional: re-exports for modules not yet rewired to gradcheck.models. The lead removes this."""

from gradcheck.models.discovery import load_model
from gradcheck.models.importer import import_file
from gradcheck.models.tracebacks import user_traceback

__all__ = ["import_file", "load_model", "user_traceback"]
