"""The diagnose room: which layer is the suspect, what a disagreement looks like (one small function
per pattern, and the messages), and the error grid the heat map draws.

May import: numpy, the standard library, report's records and layer names. Never rich or click.
"""

# Transitional re-exports for importers outside the room; the lead rewires them and trims this list.
from gradcheck.diagnose.diagnosis import Diagnosis
from gradcheck.diagnose.grid import error_grid, grid_blocks
from gradcheck.diagnose.keys import borrowed, missing
from gradcheck.diagnose.patterns import classify
from gradcheck.diagnose.shape import shape_mismatch
from gradcheck.diagnose.suspect import suspect_layer
from gradcheck.report.layers import layer_of, order_tensors

__all__ = [
    "Diagnosis",
    "borrowed",
    "classify",
    "error_grid",
    "grid_blocks",
    "layer_of",
    "missing",
    "order_tensors",
    "shape_mismatch",
    "suspect_layer",
]
