"""Reading tweet files: format detection and one streaming reader per format.

A reader turns a file into :class:`RawRecord` s: the canonical fields as found (see
``fields.py``), or an ``error`` for a record it cannot even parse (an oversized line, invalid
UTF-8, a NUL byte, malformed CSV or JSON). It never judges values: the handler does. Whole-file
problems (missing, a directory, empty, unknown format, no text column) raise InputError before
the first record, from :func:`iter_records` itself.

Files are streamed: memory is bounded by ``max_line_bytes`` (plus, for a JSON document, its
``includes``) whatever the file size. To add a format (twscrape JSONL, an X archive's
``tweets.js``), write a :class:`Reader` and :func:`register` it.
"""

from __future__ import annotations

import codecs
import csv
import json
import logging
import re
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from services.ingest.fields import MISSING, REQUIRED_COLUMNS, detect_columns
from services.ingest.objects import Includes, object_fields
from shared.errors import InputError
from shared.settings import IngestSettings

log = logging.getLogger(__name__)

_BOM = b"\xef\xbb\xbf"
_HEAD_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One record as read: where it starts, its original text, and its fields or why it failed.

    ``fields`` maps canonical names (``fields.FIELDS``) to values as found (CSV: ``str``; JSON:
    any JSON value; missing cells are absent). ``original`` holds the retweeted tweet's fields
    when the source carries them (X API ``includes.tweets``, v1.1 ``retweeted_status``).
    """

    source: str
    line: int
    raw: str
    fields: Mapping[str, object] = field(default_factory=dict)
    original: Mapping[str, object] | None = None
    error: str | None = None


class Reader(Protocol):
    """One input format."""

    name: str
    extensions: tuple[str, ...]

    def sniff(self, head: bytes) -> bool:
        """Whether content of unknown extension looks like this format."""

    def open(
        self, path: Path, *, mapping: Mapping[str, str] | None, settings: IngestSettings
    ) -> Iterator[RawRecord]:
        """Check the file (raise InputError now) and return the iterator of its records."""


READERS: dict[str, Reader] = {}
"""Registered readers by format name, in detection order."""


def register(reader: Reader) -> Reader:
    """Add a reader; a later format with the same name replaces the earlier one."""
    READERS[reader.name] = reader
    return reader


def source_of(path: Path) -> str:
    """The ``source`` of records read from ``path``."""
    return f"file:{path.name}"


# ---------------------------------------------------------------------------- lines


@dataclass(frozen=True, slots=True)
class _Line:
    no: int
    data: bytes  # without its line terminator; only a prefix when oversized
    oversized: bool = False


def _physical_lines(f: BinaryIO, limit: int) -> Iterator[_Line]:
    """Lines of ``f`` by number; a line over ``limit`` bytes is skipped, never held whole."""
    no = 0
    readline = f.readline
    while True:
        chunk = readline(limit + 2)  # room for "\r\n" after a line of exactly `limit` bytes
        if not chunk:
            return
        no += 1
        if chunk.endswith(b"\n") or len(chunk) < limit + 2:
            data = chunk.rstrip(b"\r\n")
            if no == 1 and data.startswith(_BOM):
                data = data[3:]
            if len(data) > limit:
                yield _Line(no, data[:1024], True)
            else:
                yield _Line(no, data)
            continue
        while True:  # skip the rest of the oversized line in bounded reads
            more = readline(1 << 16)
            if not more or more.endswith(b"\n"):
                break
        yield _Line(no, chunk[:1024], True)


def _oversized(line: _Line, limit: int) -> str:
    return f"oversized line: line {line.no} is longer than {limit} bytes"


def _decode(data: bytes) -> tuple[str, str | None]:
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


# ---------------------------------------------------------------------------- CSV


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


class _Pushback:
    """An iterator of lines that takes lines back, to re-read them after a runaway quote."""

    def __init__(self, lines: Iterator[_Line]) -> None:
        self._lines = lines
        self._back: deque[_Line] = deque()

    def __iter__(self) -> Iterator[_Line]:
        return self

    def __next__(self) -> _Line:
        return self._back.popleft() if self._back else next(self._lines)

    def push(self, lines: Iterable[_Line]) -> None:
        self._back.extendleft(reversed(list(lines)))


def _csv_chunks(lines: Iterator[_Line], limit: int) -> Iterator[_CsvChunk]:
    """Group physical lines into CSV records (a quoted field may span lines).

    A record whose quote never closes (at the end of the file, or before it grows past
    ``limit``) is rejected at its first line, and the lines after that one are read again,
    so one stray quote costs one record, not the rest of the file.
    """
    source = _Pushback(lines)
    pending: list[_Line] = []
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
                    f"longer than {limit} bytes",
                )
                pending, texts, size, junk, in_quotes = [], [], 0, None, False
            else:
                yield _CsvChunk(
                    line.no, line.data.decode("utf-8", "replace"), _oversized(line, limit)
                )
            continue
        if not pending and not line.data.strip():
            continue
        text, bad = _decode(line.data)
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
            )
            source.push(pending[1:])
        else:
            yield _CsvChunk(pending[0].no, texts[0] if len(texts) == 1 else "\n".join(texts), junk)
        pending, texts, size, junk, in_quotes = [], [], 0, None, False
    if pending:
        yield _CsvChunk(
            pending[0].no,
            texts[0],
            f"malformed CSV: the quoted field opened at line {pending[0].no} never closes",
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
    ) -> Iterator[RawRecord]:
        """Read and check the header now; stream the rows later."""
        limit = settings.max_line_bytes
        with path.open("rb") as f:
            first = next(_csv_chunks(_physical_lines(f, limit), limit), None)
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
        return self._rows(path, first.line, len(header), plan, limit)

    @staticmethod
    def _rows(
        path: Path, header_line: int, width: int, plan: list[tuple[str, int]], limit: int
    ) -> Iterator[RawRecord]:
        source = source_of(path)
        with path.open("rb") as f:
            for chunk in _csv_chunks(_physical_lines(f, limit), limit):
                if chunk.line <= header_line:
                    continue
                if chunk.error:
                    yield RawRecord(source, chunk.line, chunk.text, error=chunk.error)
                    continue
                try:
                    row = _parse_csv(chunk.text)
                except csv.Error as exc:
                    yield RawRecord(source, chunk.line, chunk.text, error=f"malformed CSV: {exc}")
                    continue
                if len(row) != width and not (len(row) > width and not any(row[width:])):
                    yield RawRecord(
                        source,
                        chunk.line,
                        chunk.text,
                        error=f"malformed CSV: {len(row)} fields where the header has {width}",
                    )
                    continue
                fields = {c: row[i] for c, i in plan if row[i] not in MISSING}
                yield RawRecord(source, chunk.line, chunk.text, fields)


# ---------------------------------------------------------------------------- JSON objects


def _object_records(
    obj: object,
    *,
    source: str,
    line: int,
    raw: str,
    includes: Includes | None,
    mapping: Mapping[str, str] | None,
) -> Iterator[RawRecord]:
    """Records from one JSON value: an X API response (``data`` + ``includes``) or a tweet."""
    data = obj.get("data") if isinstance(obj, dict) else None
    if isinstance(obj, dict) and isinstance(data, dict | list):
        found = Includes.parse(obj.get("includes"))
        merged = found.merged(includes) if found is not None else includes
        tweets = data if isinstance(data, list) else [data]
        for tweet in tweets:
            own = raw if len(tweets) == 1 else json.dumps(tweet, ensure_ascii=False)
            yield from _tweet_record(tweet, source, line, own, merged, mapping)
        return
    yield from _tweet_record(obj, source, line, raw, includes, mapping)


def _tweet_record(
    tweet: object,
    source: str,
    line: int,
    raw: str,
    includes: Includes | None,
    mapping: Mapping[str, str] | None,
) -> Iterator[RawRecord]:
    if not isinstance(tweet, dict):
        kind = type(tweet).__name__ if tweet is not None else "null"
        yield RawRecord(source, line, raw, error=f"not a tweet: a JSON {kind}, not an object")
        return
    fields, original = object_fields(tweet, includes=includes, mapping=mapping)
    yield RawRecord(source, line, raw, fields, original)


def _json_error(exc: json.JSONDecodeError) -> str:
    return f"malformed JSON: {exc.msg} at column {exc.colno}"


class JsonLinesReader:
    """One JSON value per line: tweet objects, or X API responses (as streamed or paged)."""

    name = "jsonl"
    extensions: tuple[str, ...] = (".jsonl", ".ndjson")

    def sniff(self, head: bytes) -> bool:
        """Two or more lines, the first a whole JSON object."""
        first, _, rest = head.partition(b"\n")
        return bool(rest.strip()) and _first_line_is_object(first)

    def open(
        self, path: Path, *, mapping: Mapping[str, str] | None, settings: IngestSettings
    ) -> Iterator[RawRecord]:
        """Nothing to check beyond the file itself."""
        return self._records(path, mapping, settings.max_line_bytes)

    @staticmethod
    def _records(path: Path, mapping: Mapping[str, str] | None, limit: int) -> Iterator[RawRecord]:
        source = source_of(path)
        with path.open("rb") as f:
            for line in _physical_lines(f, limit):
                if line.oversized:
                    raw = line.data.decode("utf-8", "replace")
                    yield RawRecord(source, line.no, raw, error=_oversized(line, limit))
                    continue
                if not line.data.strip():
                    continue
                text, junk = _decode(line.data)
                if junk:
                    yield RawRecord(source, line.no, text, error=junk)
                    continue
                try:
                    obj = json.loads(text)
                except json.JSONDecodeError as exc:
                    yield RawRecord(source, line.no, text, error=_json_error(exc))
                    continue
                yield from _object_records(
                    obj, source=source, line=line.no, raw=text, includes=None, mapping=mapping
                )


def _first_line_is_object(line: bytes) -> bool:
    first = line.removeprefix(_BOM).strip()
    if not first.startswith(b"{"):
        return False
    try:
        return isinstance(json.loads(first), dict)
    except ValueError:
        return False


# ---------------------------------------------------------------------------- JSON documents


class _Fatal(Exception):
    """The document is broken here: nothing after this point can be located."""

    def __init__(self, reason: str, line: int) -> None:
        super().__init__(reason)
        self.reason, self.line = reason, line


class _BadElement(Exception):
    def __init__(self, reason: str, raw: str) -> None:
        super().__init__(reason)
        self.reason, self.raw = reason, raw


_WS = re.compile(r"[ \t\r\n]*")
_IN_STRING = re.compile(r'"|\\.', re.S)
_OUT_STRING = re.compile(r'["{}\[\]]')
_DECODER = json.JSONDecoder()
_CHUNK = 1 << 20


class _JsonStream:
    """A JSON document read in chunks, decoded one element at a time, with line numbers.

    Elements are decoded by the C decoder straight from the buffer. Only an element cut by a
    chunk boundary, malformed, or over the size limit goes through the slower bracket scanner,
    which finds where it ends: a bad element is skipped and the next one is still read.
    """

    def __init__(self, f: BinaryIO, limit: int) -> None:
        self._f = f
        self._decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
        self._limit = limit
        self.buf = ""
        self.pos = 0
        self.eof = False
        self._mark, self._mark_line = 0, 1
        self._fill()
        if self.buf.startswith("\ufeff"):
            self.pos = self._mark = 1

    def _fill(self) -> bool:
        """Read another chunk (dropping what is behind ``pos``); False at the end of file."""
        if self.eof:
            return False
        keep = min(self.pos, self._mark)
        if keep > _CHUNK:
            self.buf, self.pos, self._mark = self.buf[keep:], self.pos - keep, self._mark - keep
        data = self._f.read(_CHUNK)
        self.eof = not data
        self.buf += self._decoder.decode(data, final=self.eof)
        return not self.eof

    def line_at(self, pos: int) -> int:
        """Line number of ``pos``; asked for in increasing order only."""
        self._mark_line += self.buf.count("\n", self._mark, pos)
        self._mark = pos
        return self._mark_line

    def peek(self) -> str:
        """The next non-blank character ("" at the end of file), with ``pos`` on it."""
        while True:
            self.pos = _WS.match(self.buf, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._fill() and self.pos >= len(self.buf):
                return ""

    def broken_record(self, source: str, exc: _Fatal) -> RawRecord:
        """The record that reports ``exc``: where the document broke, and that the rest of the
        file was not read."""
        return RawRecord(
            source,
            exc.line,
            self.buf[self.pos : self.pos + 1024],
            error=f"{exc.reason} at line {exc.line}; the rest of the file was not read",
        )

    def fatal(self, reason: str) -> _Fatal:
        """The error for a broken document at ``pos``."""
        return _Fatal(f"malformed JSON: {reason}", self.line_at(max(self.pos, self._mark)))

    def expect(self, char: str) -> None:
        """Step over ``char``, or fail the document."""
        found = self.peek()
        if found != char:
            raise self.fatal(f"expected {char!r}, found {found or 'the end of the file'!r}")
        self.pos += 1

    def _incomplete(self, exc: json.JSONDecodeError) -> bool:
        """Whether the decoder failed only because the buffer stops early (more can be read)."""
        return not self.eof and exc.pos >= len(self.buf) - self._limit

    def value(self) -> Any:
        """Decode the value at ``pos`` whole, however large (keys, ``includes``)."""
        self.peek()
        while True:
            try:
                obj, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                if self._incomplete(exc) and self._fill():
                    continue
                self.pos = max(exc.pos, self.pos)
                raise self.fatal(exc.msg) from exc
            if end == len(self.buf) and self._fill():
                continue  # a number may go on in the next chunk
            self.pos = end
            return obj

    def element(self) -> tuple[Any, str]:
        """Decode the element at ``pos`` (at most ``limit`` bytes); return it and its text.

        Raises _BadElement, with ``pos`` after the element, when it is malformed or too long.
        """
        start = self.pos
        try:
            obj, end = _DECODER.raw_decode(self.buf, start)
            if (end < len(self.buf) or self.eof) and not self._too_long(start, end):
                self.pos = end
                return obj, self.buf[start:end]
        except json.JSONDecodeError:
            pass
        end, prefix = self._scan_end()
        if prefix is not None:
            self.pos = end
            raise _BadElement(f"oversized line: element longer than {self._limit} bytes", prefix)
        text = self.buf[self.pos : end]
        self.pos = end
        try:
            return json.loads(text), text
        except json.JSONDecodeError as exc:
            raise _BadElement(_json_error(exc), text) from exc

    def _too_long(self, start: int, end: int) -> bool:
        """Whether ``buf[start:end]`` is over the limit in UTF-8 bytes (encoded only if it may be)."""
        if (end - start) * 4 <= self._limit:
            return False
        size = len(self.buf[start:end].encode("utf-8", "surrogateescape"))
        return size > self._limit

    def _scan_end(self) -> tuple[int, str | None]:
        """Where the element at ``pos`` ends, found by brackets and strings.

        Returns (end, None), or (end, its first 1 KiB) when it is over the limit: such an
        element is skipped chunk by chunk and never held whole.
        """
        if self.buf[self.pos] not in "{[":
            raise self.fatal("expected an object or an array")
        depth, in_string, offset = 0, False, 0
        prefix: str | None = None
        while True:
            buf, base = self.buf, self.pos
            i = base + offset
            while True:
                m = (_IN_STRING if in_string else _OUT_STRING).search(buf, i)
                if m is None:
                    # An unscanned backslash at the end escapes a character still to be read.
                    unpaired = in_string and i < len(buf) and buf.endswith("\\")
                    i = len(buf) - 1 if unpaired else len(buf)
                    break
                i, hit = m.end(), m.group()
                if hit == '"':
                    in_string = not in_string
                elif in_string:
                    continue
                elif hit in "{[":
                    depth += 1
                else:
                    depth -= 1
                    if depth == 0:
                        if prefix is None and self._too_long(base, i):
                            prefix = buf[base : base + 1024]
                        return i, prefix
            offset = i - base
            if prefix is None and offset > self._limit:  # characters: a lower bound on bytes
                prefix = buf[base : base + 1024]
            if prefix is not None:
                # Too long to keep: only the scan position still matters.
                self.line_at(i)
                self.buf, self.pos, self._mark, offset = buf[i:], 0, 0, 0
            if not self._fill():
                raise self.fatal("the file ends inside an element")


def _item(stream: _JsonStream) -> tuple[int, Any, str, str | None]:
    """(line, value, text, error) of the next element."""
    stream.peek()
    line = stream.line_at(stream.pos)
    try:
        obj, raw = stream.element()
    except _BadElement as exc:
        return line, None, exc.raw, exc.reason
    return line, obj, raw, None


def _array_items(stream: _JsonStream) -> Iterator[tuple[int, Any, str, str | None]]:
    stream.expect("[")
    if stream.peek() == "]":
        stream.pos += 1
        return
    while True:
        yield _item(stream)
        if stream.peek() == ",":
            stream.pos += 1
            continue
        stream.expect("]")
        return


def _object_keys(stream: _JsonStream) -> Iterator[str]:
    """Step through an object's keys, leaving ``pos`` on each value; the caller consumes it."""
    stream.expect("{")
    while stream.peek() != "}":
        key = stream.value()
        if not isinstance(key, str):
            raise stream.fatal("expected a key")
        stream.expect(":")
        yield key
        if stream.peek() == ",":
            stream.pos += 1
        elif stream.peek() != "}":
            stream.expect("}")
    stream.pos += 1


@dataclass
class _DocInfo:
    includes: Includes | None = None
    has_data: bool = False


class JsonDocumentReader:
    """A JSON document: an X API v2 response (``data`` + ``includes``) or an array of tweets.

    Several documents may follow each other (pages saved one after another). ``data`` arrays
    are streamed element by element; a first pass collects ``includes``, which the API writes
    after ``data``. A document broken beyond repair yields one error record and reading stops.
    """

    name = "json"
    extensions: tuple[str, ...] = (".json",)

    def sniff(self, head: bytes) -> bool:
        """Starts with ``{`` or ``[``."""
        return head.removeprefix(_BOM).lstrip()[:1] in (b"{", b"[")

    def open(
        self, path: Path, *, mapping: Mapping[str, str] | None, settings: IngestSettings
    ) -> Iterator[RawRecord]:
        """Check that it is JSON; one object per line goes to the JSON Lines reader."""
        with path.open("rb") as f:
            head = f.read(_HEAD_BYTES)
        if not self.sniff(head):
            raise InputError(
                f"{path}: not JSON (expected an X API v2 response, an array of tweet objects, "
                "or one tweet object per line)"
            )
        lines = JsonLinesReader()
        if lines.sniff(head):
            return lines.open(path, mapping=mapping, settings=settings)
        return self._records(path, mapping, settings.max_line_bytes)

    def _records(
        self, path: Path, mapping: Mapping[str, str] | None, limit: int
    ) -> Iterator[RawRecord]:
        source = source_of(path)
        infos = self._survey(path, limit)
        with path.open("rb") as f:
            stream = _JsonStream(f, limit)
            try:
                n = 0
                while stream.peek():
                    info = infos[n] if n < len(infos) else _DocInfo()
                    n += 1
                    for line, obj, raw, error in self._document(stream, info):
                        if error is not None:
                            yield RawRecord(source, line, raw, error=error)
                        else:
                            yield from _object_records(
                                obj,
                                source=source,
                                line=line,
                                raw=raw,
                                includes=info.includes,
                                mapping=mapping,
                            )
            except _Fatal as exc:
                yield stream.broken_record(source, exc)

    @staticmethod
    def _survey(path: Path, limit: int) -> list[_DocInfo]:
        """First pass: each document's ``includes``, and whether it has ``data``."""
        infos: list[_DocInfo] = []
        with path.open("rb") as f:
            stream = _JsonStream(f, limit)
            try:
                while stream.peek():
                    info = _DocInfo()
                    infos.append(info)
                    if stream.peek() == "[":
                        for _ in _array_items(stream):
                            pass
                        continue
                    if stream.peek() != "{":
                        stream.value()
                        continue
                    for key in _object_keys(stream):
                        if key == "data" and stream.peek() == "[":
                            info.has_data = True
                            for _ in _array_items(stream):
                                pass
                        elif key == "includes":
                            info.includes = Includes.parse(stream.value())
                        else:
                            info.has_data = info.has_data or key == "data"
                            stream.value()
            except _Fatal:
                pass  # the second pass reports it where it happens
        return infos

    @staticmethod
    def _document(
        stream: _JsonStream, info: _DocInfo
    ) -> Iterator[tuple[int, Any, str, str | None]]:
        first = stream.peek()
        if first == "[":
            yield from _array_items(stream)
        elif first != "{" or not info.has_data:
            yield _item(stream)
        else:
            for key in _object_keys(stream):
                if key == "data" and stream.peek() == "[":
                    yield from _array_items(stream)
                elif key == "data":
                    yield _item(stream)
                else:
                    stream.value()


# ---------------------------------------------------------------------------- entry point

for _reader in (CsvReader(), JsonLinesReader(), JsonDocumentReader()):
    register(_reader)

# twscrape JSON Lines and X archives (tweets.js) register themselves from their own module.
import services.ingest.exports  # noqa: E402, F401

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
) -> Iterator[RawRecord]:
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
            head = f.read(_HEAD_BYTES)
            whole = len(head) < _HEAD_BYTES
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    if not head.removeprefix(_BOM).strip() and whole:
        raise InputError(f"{path}: the file is empty")
    for magic, what in _MAGIC.items():
        if head.startswith(magic):
            raise InputError(f"{path}: the file is {what}")
    if fmt is not None and fmt not in READERS:
        raise InputError(f"unknown format {fmt!r}; known formats: {', '.join(READERS)}")
    reader = READERS[fmt or detect_format(path, head)]
    return reader.open(path, mapping=mapping, settings=settings)
