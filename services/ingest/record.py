"""What readers and sources hand the ingest handler: one :class:`InputRecord` per record read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, slots=True)
class InputRecord:
    """One record as read: where it starts, its original text, and its fields or why it failed.

    ``fields`` maps canonical names (``fields.FIELDS``) to values as found (CSV: ``str``; JSON:
    any JSON value; missing cells are absent). ``original`` holds the retweeted tweet's fields
    when the source carries them (X API ``includes.tweets``, v1.1 ``retweeted_status``). A
    record that cannot even be parsed (an oversized line, invalid UTF-8, malformed CSV or
    JSON) has an ``error`` instead; the handler dead-letters it.
    """

    source: str
    line: int
    raw: str
    fields: Mapping[str, object] = field(default_factory=dict)
    original: Mapping[str, object] | None = None
    error: str | None = None


def source_of(path: Path) -> str:
    """The ``source`` of records read from ``path``."""
    return f"file:{path.name}"
