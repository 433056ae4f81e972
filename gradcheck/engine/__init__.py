"""The engine room: steps and tolerances, the noise estimate, central differences and their
confirmation, directional probes, the per-tensor verdict, and `run_check` that orchestrates them.

May import: numpy, the standard library, errors, models, result records, diagnose, health; never
rich or click.
"""

# Transitional re-exports for importers outside the room; the lead rewires them and trims this list.
from gradcheck.engine.checker import run_check
from gradcheck.engine.gradients import match_gradient
from gradcheck.engine.options import DEFAULT_SAMPLE, MODES, Options
from gradcheck.models.integrity import Fingerprint

__all__ = ["DEFAULT_SAMPLE", "MODES", "Fingerprint", "Options", "match_gradient", "run_check"]
