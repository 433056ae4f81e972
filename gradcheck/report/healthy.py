"""The healthy update/weight ratio, which the watch's records, findings and table all read."""

from __future__ import annotations

__all__ = ["UPDATE_RATIO_HEALTHY"]

#: ||lr * dW|| / ||W|| per step. About 1e-3 is healthy (CS231n, "Babysitting the learning process").
UPDATE_RATIO_HEALTHY = 1e-3
