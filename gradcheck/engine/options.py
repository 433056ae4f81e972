"""How to check: the options record (every field is also a CLI option) and its defaults."""

from __future__ import annotations

import math
from dataclasses import dataclass

from gradcheck.errors import GradcheckError

MODES = ("auto", "full", "sampled", "directional")

DEFAULT_SAMPLE = 20  # coordinates per tensor in sampled / auto mode
DEFAULT_DIRECTIONS = 2  # random directions per tensor in auto mode (4 in directional mode)


@dataclass(frozen=True)
class Options:
    """How to check. One record instead of many flags; every field is also a CLI option."""

    mode: str = "auto"
    sample: int | None = None
    seed: int = 0
    eps: float | None = None
    only: tuple[str, ...] = ()
    directions: int | None = None

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise GradcheckError(f"mode must be one of {', '.join(MODES)}; got {self.mode!r}")
        if self.sample is not None and self.sample < 1:
            raise GradcheckError(
                f"sample must be a positive number of coordinates; got {self.sample}"
            )
        if self.eps is not None and not (self.eps > 0 and math.isfinite(self.eps)):
            raise GradcheckError(f"eps must be a positive finite step; got {self.eps}")
        if self.directions is not None and self.directions < 0:
            raise GradcheckError(f"directions must be >= 0; got {self.directions}")
