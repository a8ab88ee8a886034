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

    ``date_format`` says how to read an ambiguous ``created_at`` (``day-first``, ``month-first``
    or a strptime pattern; see ``convert.parse_datetime``): ``--date-format``, or what the
    file's own values decided. ``notes`` are what the reader did to the record on the way in
    (a long post joined, a date order assumed), counted in the run summary; they start with a
    short kind before a colon, as rejection reasons do. ``offset`` is how many bytes of the
    file had been read when the record was (progress by bytes).
    """

    source: str
    line: int
    raw: str
    fields: Mapping[str, object] = field(default_factory=dict)
    original: Mapping[str, object] | None = None
    error: str | None = None
    date_format: str | None = None
    notes: tuple[str, ...] = ()
    offset: int = field(default=0, compare=False)


def source_of(path: Path) -> str:
    """The ``source`` of records read from ``path``."""
    return f"file:{path.name}"
