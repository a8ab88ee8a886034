"""Reading tweet files: the :class:`Reader` protocol, the registered formats, and detection.

A reader turns a file into :class:`~services.ingest.record.InputRecord` s: the canonical fields
as found (see ``fields.py``), or an ``error`` for a record it cannot even parse (an oversized
line, invalid UTF-8, a NUL byte, malformed CSV or JSON). It never judges values: the handler
does. Whole-file problems (missing, a directory, empty, unknown format, no text column) raise
InputError before the first record, from :func:`iter_records` itself.

Files are streamed: memory is bounded by ``max_line_bytes`` (plus, for a JSON document, its
``includes``) whatever the file size. The formats live in their own modules (``csv_reader.py``,
``json_readers.py``, ``exports.py``); this one only knows them by name. To add a format, write
a :class:`Reader` and :func:`register` it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Protocol

from services.ingest.csv_reader import CsvReader
from services.ingest.exports import TwscrapeReader, XArchiveReader
from services.ingest.json_readers import JsonDocumentReader
from services.ingest.lines import BOM, HEAD_BYTES
from services.ingest.record import InputRecord
from shared.errors import InputError
from shared.settings import IngestSettings


class Reader(Protocol):
    """One input format."""

    name: str
    extensions: tuple[str, ...]

    def sniff(self, head: bytes) -> bool:
        """Whether content of unknown extension looks like this format."""

    def open(
        self, path: Path, *, mapping: Mapping[str, str] | None, settings: IngestSettings
    ) -> Iterator[InputRecord]:
        """Check the file (raise InputError now) and return the iterator of its records."""


READERS: dict[str, Reader] = {}
"""Registered readers by format name, in detection order."""


def register(reader: Reader) -> Reader:
    """Add a reader; a later format with the same name replaces the earlier one."""
    READERS[reader.name] = reader
    return reader


# JSON Lines are read by the twscrape reader, which reads any other line as plain JSON Lines.
for _reader in (CsvReader(), TwscrapeReader(), JsonDocumentReader(), XArchiveReader()):
    register(_reader)

_MAGIC = {
    b"\x1f\x8b": "gzip-compressed: gunzip it first",
    b"PK\x03\x04": "a zip archive: unzip it first",
    b"\xff\xfe": "UTF-16: save it as UTF-8",
    b"\xfe\xff": "UTF-16: save it as UTF-8",
}


def detect_format(path: Path, head: bytes) -> str:
    """The format name for ``path``: by extension, else by content; InputError if unknown."""
    suffix = path.suffix.lower()
    for reader in READERS.values():
        if suffix in reader.extensions:
            return reader.name
    for reader in reversed(READERS.values()):  # JSON before CSV: a JSON line may hold commas
        if reader.sniff(head):
            return reader.name
    raise InputError(
        f"{path}: unknown format (extension {suffix or 'none'!r}, content neither CSV nor JSON); "
        f"supported: {', '.join(sorted({e for r in READERS.values() for e in r.extensions}))}"
    )


def iter_records(
    path: Path,
    *,
    mapping: Mapping[str, str] | None = None,
    settings: IngestSettings,
    fmt: str | None = None,
) -> Iterator[InputRecord]:
    """Stream the records of a tweets file; raises InputError now if it cannot be read at all.

    ``fmt`` forces a format name from :data:`READERS`; by default it comes from the extension,
    then the content.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path} is a directory; name a tweets file (CSV, JSON Lines or JSON)")
    try:
        with path.open("rb") as f:
            head = f.read(HEAD_BYTES)
            whole = len(head) < HEAD_BYTES
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    if not head.removeprefix(BOM).strip() and whole:
        raise InputError(f"{path}: the file is empty")
    for magic, what in _MAGIC.items():
        if head.startswith(magic):
            raise InputError(f"{path}: the file is {what}")
    if fmt is not None and fmt not in READERS:
        raise InputError(f"unknown format {fmt!r}; known formats: {', '.join(READERS)}")
    reader = READERS[fmt or detect_format(path, head)]
    return reader.open(path, mapping=mapping, settings=settings)
