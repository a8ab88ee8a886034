"""A JSON document streamed in chunks and decoded one element at a time, with line numbers.

The JSON document reader and the X archive reader walk their arrays with these pieces, so a large
file is never held whole and a broken element costs only itself: :class:`JsonStream` reads and
locates, :func:`array_items` and :func:`object_keys` step through a document's structure, and
:class:`BrokenDocument` says where a document broke beyond repair.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from typing import Any, BinaryIO

from services.ingest.lines import LINE_SETTING
from services.ingest.record import InputRecord

CHUNK = 1 << 20
"""Characters read at a time; tests make it small to cut elements at chunk boundaries."""


class BrokenDocument(Exception):
    """The document is broken here: nothing after this point can be located."""

    def __init__(self, reason: str, line: int) -> None:
        super().__init__(reason)
        self.reason, self.line = reason, line


class BadElement(Exception):
    """One element is malformed or too long; ``raw`` is its text (or its first 1 KiB)."""

    def __init__(self, reason: str, raw: str) -> None:
        super().__init__(reason)
        self.reason, self.raw = reason, raw


_WS = re.compile(r"[ \t\r\n]*")
_IN_STRING = re.compile(r'"|\\.', re.S)
_OUT_STRING = re.compile(r'["{}\[\]]')
_DECODER = json.JSONDecoder()

Element = tuple[int, Any, str, str | None]
"""An array element as read: (line, value, text, error); ``value`` is None when ``error`` says
why it could not be decoded."""


def json_error(exc: json.JSONDecodeError) -> str:
    """The rejection reason for a JSON value that does not decode."""
    return f"malformed JSON: {exc.msg} at column {exc.colno}"


TOO_DEEP = "too deeply nested: JSON nested deeper than the decoder's limit (about 1,000 levels)"
"""The rejection reason for a value nested so deep that decoding it would overflow the stack."""


def decode_error(exc: ValueError | RecursionError) -> str:
    """The rejection reason for a JSON text the decoder refused.

    Besides malformed JSON (``JSONDecodeError``), a well-formed text is refused when an integer in
    it has more digits than Python converts (4,300: ``ValueError``) or when it nests deeper than
    the stack allows (``RecursionError``); either is that record's fault, never the stream's.
    """
    if isinstance(exc, json.JSONDecodeError):
        return json_error(exc)
    if isinstance(exc, RecursionError):
        return TOO_DEEP
    return f"number too large: {str(exc).split(';')[0]}"


class Undecodable(ValueError):
    """A JSON text that does not decode; ``reason`` is the record's rejection reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def loads(text: str | bytes) -> Any:
    """``json.loads``, raising :class:`Undecodable` with a reason for anything it refuses."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError
        raise Undecodable(decode_error(exc)) from exc


class JsonStream:
    """A JSON document read in chunks, decoded one element at a time, with line numbers.

    Elements are decoded by the C decoder straight from the buffer. Only an element cut by a
    chunk boundary, malformed, or over the size limit goes through the slower bracket scanner,
    which finds where it ends: a bad element is skipped and the next one is still read.
    ``first_line`` is the file's line the stream starts on (after an archive's assignment).
    """

    def __init__(self, f: BinaryIO, limit: int, *, first_line: int = 1) -> None:
        self._f = f
        self._decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
        self._limit = limit
        self.buf = ""
        self.pos = 0
        self.eof = False
        self._mark, self._mark_line = 0, first_line
        self._fill()
        if self.buf.startswith("\ufeff"):
            self.pos = self._mark = 1

    def _fill(self) -> bool:
        """Read another chunk (dropping what is behind ``pos``); False at the end of file."""
        if self.eof:
            return False
        keep = min(self.pos, self._mark)
        if keep > CHUNK:
            self.buf, self.pos, self._mark = self.buf[keep:], self.pos - keep, self._mark - keep
        data = self._f.read(CHUNK)
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

    def broken_record(self, source: str, exc: BrokenDocument) -> InputRecord:
        """The record that reports ``exc``: where the document broke, and that the rest of the
        file was not read."""
        return InputRecord(
            source,
            exc.line,
            self.buf[self.pos : self.pos + 1024],
            error=f"{exc.reason} at line {exc.line}; the rest of the file was not read",
        )

    def fatal(self, reason: str) -> BrokenDocument:
        """The error for a broken document at ``pos``."""
        return BrokenDocument(f"malformed JSON: {reason}", self.line_at(max(self.pos, self._mark)))

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
            except (ValueError, RecursionError) as exc:
                # Whole but refused (a 4,300-digit number, nesting past the stack): where it
                # ends cannot be told from here, so the document cannot be read further.
                raise self.fatal(decode_error(exc)) from exc
            if end == len(self.buf) and self._fill():
                continue  # a number may go on in the next chunk
            self.pos = end
            return obj

    def element(self) -> tuple[Any, str]:
        """Decode the element at ``pos`` (at most ``limit`` bytes); return it and its text.

        Raises BadElement, with ``pos`` after the element, when it is malformed or too long.
        """
        start = self.pos
        try:
            obj, end = _DECODER.raw_decode(self.buf, start)
            if (end < len(self.buf) or self.eof) and not self._too_long(start, end):
                self.pos = end
                return obj, self.buf[start:end]
        except (
            ValueError,
            RecursionError,
        ):  # malformed, cut, or refused: the scanner finds the end
            pass
        end, prefix = self._scan_end()
        if prefix is not None:
            self.pos = end
            raise BadElement(
                f"oversized line: element longer than {self._limit:,} bytes "
                f"({LINE_SETTING} raises it)",
                prefix,
            )
        text = self.buf[self.pos : end]
        self.pos = end
        try:
            return loads(text), text
        except Undecodable as exc:
            raise BadElement(exc.reason, text) from exc

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


def read_element(stream: JsonStream) -> Element:
    """The next element; a bad one is reported in its ``error`` and stepped over."""
    stream.peek()
    line = stream.line_at(stream.pos)
    try:
        obj, raw = stream.element()
    except BadElement as exc:
        return line, None, exc.raw, exc.reason
    return line, obj, raw, None


def array_items(stream: JsonStream) -> Iterator[Element]:
    """The elements of the array at ``pos``, one at a time; raises BrokenDocument when the
    array itself is broken."""
    stream.expect("[")
    if stream.peek() == "]":
        stream.pos += 1
        return
    while True:
        yield read_element(stream)
        if stream.peek() == ",":
            stream.pos += 1
            continue
        stream.expect("]")
        return


def object_keys(stream: JsonStream) -> Iterator[str]:
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
