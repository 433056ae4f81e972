"""gradcheck: find the wrong derivative in hand-written NumPy backprop."""

from typing import Any

from gradcheck.api import check, check_layer
from gradcheck.engine.options import Options
from gradcheck.errors import CheckInterrupted, GradcheckError, NonFiniteError
from gradcheck.models.make import from_object, make_model
from gradcheck.models.model import Model
from gradcheck.report.records import NonFinite, ReportWarning
from gradcheck.report.result import Element, Report, Stats, TensorResult
from gradcheck.train.decorator import watch
from gradcheck.train.options import NonFiniteWarning, WatchWarning
from gradcheck.version import __version__

__all__ = [
    "CheckInterrupted",
    "Element",
    "GradcheckError",
    "Model",
    "NonFinite",
    "NonFiniteError",
    "NonFiniteWarning",
    "Options",
    "Report",
    "ReportWarning",
    "Stats",
    "TensorResult",
    "WatchWarning",
    "__version__",
    "check",
    "check_layer",
    "from_object",
    "make_model",
    "watch",
]


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext gradcheck``: register the ``%gradcheck`` magic (:mod:`gradcheck.magic`). IPython
    and rich are imported here, inside IPython, never by ``import gradcheck``."""
    from gradcheck.magic import load_ipython_extension as register

    register(ipython)
