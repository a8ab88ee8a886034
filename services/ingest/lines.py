"""A file read as numbered byte lines, each held only up to a size limit, and their decoding.

The CSV and JSON Lines readers both start here, so both count lines, drop a BOM, skip an
oversized line and word their reasons the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

BOM = b"\xef\xbb\xbf"
"""The UTF-8 byte order mark some editors and spreadsheets put at a file's start."""

HEAD_BYTES = 64 * 1024
"""How much of a file's start format detection reads."""


@dataclass(frozen=True, slots=True)
class Line:
    """One physical line: its number, its bytes without the terminator (a prefix if
    ``oversized``), and ``end``, the bytes of the file read through it."""

    no: int
    data: bytes
    oversized: bool = False
    end: int = 0


def physical_lines(f: BinaryIO, limit: int) -> Iterator[Line]:
    """Lines of ``f`` by number; a line over ``limit`` bytes is skipped, never held whole."""
    no = 0
    end = 0
    readline = f.readline
    while True:
        chunk = readline(limit + 2)  # room for "\r\n" after a line of exactly `limit` bytes
        if not chunk:
            return
        no += 1
        end += len(chunk)
        if chunk.endswith(b"\n") or len(chunk) < limit + 2:
            data = chunk.rstrip(b"\r\n")
            if no == 1 and data.startswith(BOM):
                data = data[3:]
            if len(data) > limit:
                yield Line(no, data[:1024], True, end)
            else:
                yield Line(no, data, False, end)
            continue
        while True:  # skip the rest of the oversized line in bounded reads
            more = readline(1 << 16)
            end += len(more)
            if not more or more.endswith(b"\n"):
                break
        yield Line(no, chunk[:1024], True, end)


LINE_SETTING = "TWEETPULSE_INGEST__MAX_LINE_BYTES"
PAGE_SETTING = "TWEETPULSE_INGEST__MAX_PAGE_BYTES"


def oversized_reason(line: Line, limit: int, setting: str = LINE_SETTING) -> str:
    """The rejection reason for an oversized line, naming the setting that raises the limit."""
    return f"oversized line: line {line.no} is longer than {limit:,} bytes ({setting} raises it)"


def decode_utf8(data: bytes) -> tuple[str, str | None]:
    """Text of a record's bytes, and why it is junk (NUL bytes, invalid UTF-8), if it is."""
    if b"\x00" in data:
        return data.decode("utf-8", "replace"), f"binary junk: NUL byte at byte {data.index(0)}"
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        return (
            data.decode("utf-8", "replace"),
            f"binary junk: invalid UTF-8 at byte {exc.start}",
        )
