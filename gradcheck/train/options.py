"""How to watch: the :class:`WatchOptions` of a watch, and the warnings a watch issues."""

from __future__ import annotations

from dataclasses import dataclass

from gradcheck.errors import GradcheckError, NonFiniteError

__all__ = ["NonFiniteWarning", "WatchOptions", "WatchWarning"]


class NonFiniteWarning(UserWarning):
    """A NaN/Inf was found by a watch with ``warn=True``: same message as :class:`NonFiniteError`.

    A UserWarning, not a RuntimeWarning: programs that silence NumPy's RuntimeWarnings must still
    see this one.
    """

    def __init__(self, message: str, error: NonFiniteError) -> None:
        super().__init__(message)
        self.error = error


class WatchWarning(UserWarning):
    """A periodic gradient check failed during a watch (the summary holds the report)."""


@dataclass(frozen=True)
class WatchOptions:
    """How to watch. Every field is documented in the README and has a CLI flag where it makes sense.

    warn
        issue a :class:`NonFiniteWarning` at the first NaN/Inf instead of raising
        :class:`NonFiniteError` (the training goes on).
    keep_going
        keep watching after the first NaN/Inf: count the calls that produce non-finite values and
        report every further statement that makes one. Without it, the watch ends at the first one
        (NumPy's settings are restored and later calls run unwatched, at no cost).
    every
        health readings (norms, gradient norms, update/weight ratios) every this many calls. A
        reading costs about as much as half a small MLP's step, twice (a few vector norms and a copy
        of the weights per tensor; the ratio needs the weights one step later), so 100 keeps it
        near 1% of the run; the ratio and the norms drift slowly enough for that.
    check_every
        run a gradient check every this many calls (needs a model: ``model=``, or the object of a
        decorated method as :func:`gradcheck.from_object` finds it).
    trace_every
        trace the forward pass every this many calls for saturation and dead units (needs a model).
    summary
        at interpreter exit, print the summary on stderr (via :mod:`gradcheck.report.watch_rich`).
    """

    warn: bool = False
    keep_going: bool = False
    every: int = 100
    check_every: int | None = None
    trace_every: int | None = None
    summary: bool = False

    def __post_init__(self) -> None:
        for name in ("every", "check_every", "trace_every"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < 1):
                raise GradcheckError(f"{name} must be a positive number of calls; got {value!r}")
