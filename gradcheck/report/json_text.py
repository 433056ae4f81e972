"""A record as JSON text: a check's :class:`Report` or a watch's summary, from its ``to_dict()``.

``gradcheck check --json`` and ``gradcheck watch --json`` print exactly this (INTERFACE.md §4), or, when
the command or the model file is unusable (exit 2), the document of :func:`error_json` (§5).
"""

from __future__ import annotations

import json
from typing import Any, Protocol

__all__ = ["error_json", "to_json"]


class HasToDict(Protocol):
    """A record of the report room: a check's Report, a watch's summary."""

    def to_dict(self) -> dict[str, Any]: ...


def to_json(record: HasToDict) -> str:
    return json.dumps(record.to_dict(), indent=2)


def error_json(message: str, error_type: str) -> str:
    """The one JSON document of an exit-2 run: ``{"ok": false, "error": {"message", "type"}}``."""
    return json.dumps({"ok": False, "error": {"message": message, "type": error_type}}, indent=2)
