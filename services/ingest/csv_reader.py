"""CSV exports with a header row: records that may span lines, and one stray quote costs one row.

Columns are recognised by name (``fields.ALIASES``) or ``--map``; the header is checked when the
file is opened, the rows are streamed after.

**Date order.** Exports (Kaggle's among them) write dates as ``09-06-2018 06:32`` as often as
``6/9/2018 6:32``, and only the values tell which field is the day. When the file is opened,
its dates are read until one decides the order (a first field over 12 is a day: day-first; a
second field over 12: month-first). A file where none decides (every day so far 12 or less) is
read month-first, as X's own and US exports are, and every record of it carries a note saying
so; ``--date-format`` (``TWEETPULSE_INGEST__DATE_FORMAT``) forces an order or a pattern.
"""

from __future__ import annotations

import csv
import logging
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from services.ingest.convert import MONTH_FIRST, date_order_evidence, is_numeric_date
from services.ingest.fields import MISSING, REQUIRED_COLUMNS, detect_columns
from services.ingest.lines import (
    LINE_SETTING,
    Line,
    decode_utf8,
    oversized_reason,
    physical_lines,
)
from services.ingest.record import InputRecord, source_of
from shared.errors import InputError
from shared.settings import IngestSettings

log = logging.getLogger(__name__)


def _quote_state(text: str, in_quotes: bool) -> bool:
    """Whether a CSV record is still inside a quoted field after ``text`` (csv module rules).

    A quote opens a field only at the field's start; inside, ``""`` is an escaped quote and a
    lone ``"`` closes it. Only quotes are visited (``str.find``), so this costs next to nothing.
    """
    i, n = 0, len(text)
    while True:
        j = text.find('"', i)
        if j < 0:
            return in_quotes
        if in_quotes:
            if j + 1 < n and text[j + 1] == '"':
                i = j + 2
                continue
            in_quotes = False
        elif j == 0 or text[j - 1] == ",":
            in_quotes = True
        i = j + 1


@dataclass(frozen=True, slots=True)
class _CsvChunk:
    line: int
    text: str
    error: str | None = None
    end: int = 0


class _Pushback:
    """An iterator of lines that takes lines back, to re-read them after a runaway quote."""

    def __init__(self, lines: Iterator[Line]) -> None:
        self._lines = lines
        self._back: deque[Line] = deque()

    def __iter__(self) -> Iterator[Line]:
        return self

    def __next__(self) -> Line:
        return self._back.popleft() if self._back else next(self._lines)

    def push(self, lines: Iterable[Line]) -> None:
        self._back.extendleft(reversed(list(lines)))


def _csv_chunks(lines: Iterator[Line], limit: int) -> Iterator[_CsvChunk]:
    """Group physical lines into CSV records (a quoted field may span lines).

    A record whose quote never closes (at the end of the file, or before it grows past
    ``limit``) is rejected at its first line, and the lines after that one are read again,
    so one stray quote costs one record, not the rest of the file.
    """
    source = _Pushback(lines)
    pending: list[Line] = []
    texts: list[str] = []
    size = 0
    junk: str | None = None
    in_quotes = False
    for line in source:
        if line.oversized:
            if pending:
                yield _CsvChunk(
                    pending[0].no,
                    "\n".join(texts),
                    f"oversized line: record at line {pending[0].no} runs into line {line.no}, "
                    f"longer than {limit:,} bytes ({LINE_SETTING} raises it)",
                    line.end,
                )
                pending, texts, size, junk, in_quotes = [], [], 0, None, False
            else:
                yield _CsvChunk(
                    line.no,
                    line.data.decode("utf-8", "replace"),
                    oversized_reason(line, limit),
                    line.end,
                )
            continue
        if not pending and not line.data.strip():
            continue
        text, bad = decode_utf8(line.data)
        junk = junk or bad
        pending.append(line)
        texts.append(text)
        size += len(line.data) + 1
        in_quotes = _quote_state(text, in_quotes)
        if in_quotes and size <= limit:
            continue
        if in_quotes:
            yield _CsvChunk(
                pending[0].no,
                texts[0],
                f"malformed CSV: the quoted field opened at line {pending[0].no} does not close "
                f"within {limit} bytes",
                pending[0].end,
            )
            source.push(pending[1:])
        else:
            joined = texts[0] if len(texts) == 1 else "\n".join(texts)
            yield _CsvChunk(pending[0].no, joined, junk, pending[-1].end)
        pending, texts, size, junk, in_quotes = [], [], 0, None, False
    if pending:
        yield _CsvChunk(
            pending[0].no,
            texts[0],
            f"malformed CSV: the quoted field opened at line {pending[0].no} never closes",
            pending[0].end,
        )
        rest = pending[1:]
        if rest:
            yield from _csv_chunks(iter(rest), limit)


def _parse_csv(text: str) -> list[str]:
    return next(csv.reader((text,)))


class CsvReader:
    """CSV exports with a header row; columns recognised by name (``fields.ALIASES``) or --map."""

    name = "csv"
    extensions: tuple[str, ...] = (".csv",)

    def sniff(self, head: bytes) -> bool:
        """A first line with commas that is not JSON."""
        first = head.split(b"\n", 1)[0]
        return b"," in first and not first.lstrip().startswith((b"{", b"["))

    def open(
        self, path: Path, *, mapping: Mapping[str, str] | None, settings: IngestSettings
    ) -> Iterator[InputRecord]:
        """Read and check the header now; stream the rows later."""
        limit = settings.max_line_bytes
        with path.open("rb") as f:
            first = next(_csv_chunks(physical_lines(f, limit), limit), None)
        if first is None:
            raise InputError(f"{path}: the file is empty")
        if first.error:
            raise InputError(
                f"{path}: cannot read the CSV header (line {first.line}): {first.error}"
            )
        try:
            header = [h.strip() for h in _parse_csv(first.text)]
        except csv.Error as exc:
            raise InputError(f"{path}: cannot read the CSV header: {exc}") from exc
        columns = detect_columns(header, mapping)
        missing = [f for f in REQUIRED_COLUMNS if f not in columns]
        if missing:
            hints = " ".join(f"--map {f}=COLUMN" for f in missing)
            raise InputError(
                f"{path}: no column recognised as {', '.join(missing)}; columns found: "
                f"{', '.join(header)}. Name the columns with {hints}"
            )
        log.debug("%s: columns %s", path, columns)
        plan = [(canonical, header.index(column)) for canonical, column in columns.items()]
        rows = _Rows(path, first.line, len(header), plan, limit)
        date_format: str | None = settings.date_format
        notes: tuple[str, ...] = ()
        if date_format is None:
            date_format, notes = _date_order(path, rows, header.index(columns["created_at"]))
        return rows.records(date_format, notes)


@dataclass(frozen=True)
class _Rows:
    """The data rows of a CSV file whose header has been read: what both passes share."""

    path: Path
    header_line: int
    width: int
    plan: list[tuple[str, int]]
    limit: int

    def cells(self) -> Iterator[tuple[_CsvChunk, list[str] | None, str | None]]:
        """(chunk, its cells, why it is not a row) for every record after the header."""
        with self.path.open("rb") as f:
            for chunk in _csv_chunks(physical_lines(f, self.limit), self.limit):
                if chunk.line <= self.header_line:
                    continue
                if chunk.error:
                    yield chunk, None, chunk.error
                    continue
                try:
                    row = _parse_csv(chunk.text)
                except csv.Error as exc:
                    yield chunk, None, f"malformed CSV: {exc}"
                    continue
                width = self.width
                if len(row) != width and not (len(row) > width and not any(row[width:])):
                    yield (
                        chunk,
                        None,
                        f"malformed CSV: {len(row)} fields where the header has {width}",
                    )
                    continue
                yield chunk, row, None

    def records(self, date_format: str | None, notes: tuple[str, ...]) -> Iterator[InputRecord]:
        """The rows as records, their dates to be read in ``date_format``."""
        source = source_of(self.path)
        plan = self.plan
        for chunk, row, error in self.cells():
            if row is None:
                yield InputRecord(source, chunk.line, chunk.text, error=error, offset=chunk.end)
                continue
            fields = {c: row[i] for c, i in plan if row[i] not in MISSING}
            yield InputRecord(
                source,
                chunk.line,
                chunk.text,
                fields,
                date_format=date_format,
                notes=notes,
                offset=chunk.end,
            )


_NON_NUMERIC_PROBE = 200  # dates read before a file without numeric ones is left alone


def _date_order(path: Path, rows: _Rows, column: int) -> tuple[str | None, tuple[str, ...]]:
    """How to read the file's numeric dates, from the first value that decides it (module doc)."""
    numeric = False
    seen = 0
    for chunk, row, _ in rows.cells():
        if row is None or column >= len(row) or row[column] in MISSING:
            continue
        value = row[column]
        seen += 1
        if not numeric and seen > _NON_NUMERIC_PROBE:
            return None, ()  # ISO, v1.1 or epoch dates: no order to decide, no second pass
        order = date_order_evidence(value)
        if order == MONTH_FIRST:
            return order, ()  # as X's own exports write dates: nothing to say
        if order is not None:
            note = (
                f"date order: {path.name} read {order} "
                f"({value.strip()!r} on line {chunk.line} decides it)"
            )
            log.info("%s", note)
            return order, (note,)
        numeric = numeric or is_numeric_date(value)
    if not numeric:
        return None, ()
    note = (
        f"date order: {path.name} read {MONTH_FIRST}, as no date in it decides the order "
        "(--date-format day-first if that is wrong)"
    )
    log.info("%s", note)
    return MONTH_FIRST, (note,)
