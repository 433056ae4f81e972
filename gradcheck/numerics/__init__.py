"""Numerics: the line tracer, the NaN/Inf origin finder, the causes -> fixes catalogue (as data)
and the error watch. May import numpy, gradcheck.errors and the report room's records (result);
never rich or click.
"""

# Transitional re-exports for importers outside the room; the lead rewires them and trims this list.
from gradcheck.numerics.errorwatch import ErrorWatch, FPEvent
from gradcheck.numerics.files import is_user_file, user_code_for
from gradcheck.numerics.inputs import scan_inputs
from gradcheck.numerics.origin import locate_nonfinite
from gradcheck.numerics.reader import _compile as _compile
from gradcheck.numerics.reader import _Getter as _Getter
from gradcheck.numerics.record import nonfinite_error
from gradcheck.numerics.source import _Stmt as _Stmt
from gradcheck.numerics.summary import summarize
from gradcheck.numerics.tracer import _MISSING as _MISSING
from gradcheck.numerics.tracer import _FrameState as _FrameState
from gradcheck.numerics.tracer import _statement_values as _statement_values
from gradcheck.numerics.tracer import _TracedPass as _TracedPass

__all__ = [
    "ErrorWatch",
    "FPEvent",
    "is_user_file",
    "locate_nonfinite",
    "nonfinite_error",
    "scan_inputs",
    "summarize",
    "user_code_for",
]
