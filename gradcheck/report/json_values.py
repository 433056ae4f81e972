"""How a record's values are spelt in JSON: NaN/Inf as null, NumPy scalars and arrays as plain values.

Every ``to_dict()`` of the report room goes through these two functions, so a check and a watch
write the same JSON for the same value.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["json_number", "jsonable"]


def json_number(x: float | None) -> float | None:
    """A float for JSON: NaN/Inf become None (JSON has no spelling for them)."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def jsonable(value: Any) -> Any:
    """Convert NumPy scalars/arrays and tuples inside ``details`` into plain JSON values."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, float):
        return json_number(value)
    if hasattr(value, "tolist"):
        return jsonable(value.tolist())
    if isinstance(value, (str, int, bool)) or value is None:
        return value
    return str(value)
