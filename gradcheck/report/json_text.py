"""A record as JSON text: a check's :class:`Report` or a watch's summary, from its ``to_dict()``.

``gradcheck check --json`` and ``gradcheck watch --json`` print exactly this (INTERFACE.md §4).
"""

from __future__ import annotations

import json
from typing import Any, Protocol

__all__ = ["to_json"]


class HasToDict(Protocol):
    """A record of the report room: a check's Report, a watch's summary."""

    def to_dict(self) -> dict[str, Any]: ...


def to_json(record: HasToDict) -> str:
    return json.dumps(record.to_dict(), indent=2)
