"""What a plain summary is (issue 16): set, one or two sentences, at most ~300 characters, and free
of the check's terms of art; and the cause it names, in the learner's words."""

from __future__ import annotations

import re

#: Words a summary must not use: the evidence's vocabulary, shown only under --verbose.
BANNED = (
    "cosine",
    "noise",
    "taylor",
    "least-squares",
    "least squares",
    "direction",
    "+2dir",
    "clear of",
    "coordinate",
    "analytic",
    "numeric",
)
MAX_CHARS = 300
MAX_SENTENCES = 2

# A sentence ends at . ! or ? followed by a space and a capital (not inside "e.g. dW" or "np.sum").
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z'\"])")


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text.strip()) if s]


def problems(summary: str | None) -> list[str]:
    """Why ``summary`` is not a plain summary ([] when it is)."""
    if not summary:
        return ["no summary"]
    found = [f"uses {word!r}" for word in BANNED if word in summary.lower()]
    if len(summary) > MAX_CHARS:
        found.append(f"{len(summary)} characters")
    if len(sentences(summary)) > MAX_SENTENCES:
        found.append(f"{len(sentences(summary))} sentences")
    return found


def assert_plain(summary: str | None, *names: str) -> str:
    """``summary`` is plain and names each of ``names`` (the cause, the fix), case-insensitive."""
    assert not problems(summary), (problems(summary), summary)
    assert summary is not None
    for name in names:
        assert name.lower() in summary.lower(), (name, summary)
    return summary
