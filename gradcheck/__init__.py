"""gradcheck: find the wrong derivative in hand-written NumPy backprop."""

from gradcheck.adapters import from_object, make_model
from gradcheck.api import check
from gradcheck.engine import Options
from gradcheck.errors import CheckInterrupted, GradcheckError, NonFiniteError
from gradcheck.model import Model
from gradcheck.result import Element, NonFinite, Report, ReportWarning, Stats, TensorResult

# The module gradcheck.watch and the decorator share a name: this binding makes ``gradcheck.watch``
# the decorator (the module stays importable as ``from gradcheck.watch import ...``).
from gradcheck.watch import watch

__version__ = "0.1.0"

__all__ = [
    "CheckInterrupted",
    "Element",
    "GradcheckError",
    "Model",
    "NonFinite",
    "NonFiniteError",
    "Options",
    "Report",
    "ReportWarning",
    "Stats",
    "TensorResult",
    "__version__",
    "check",
    "from_object",
    "make_model",
    "watch",
]
