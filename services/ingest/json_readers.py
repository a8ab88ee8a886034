"""JSON tweet files: one value per line (JSON Lines), or whole documents (X API v2 responses).

A value is a tweet object, or an X API response whose ``data`` holds the tweets and whose
``includes`` holds their authors and retweeted originals (see ``objects.py``).

twarc2 (``twarc2 search``, ``twarc2 stream``) writes one whole response page per line, 100
tweets or more with their ``includes`` and twarc's ``__twarc`` metadata: a line is several
hundred KB. So a JSON Lines line may be as long as ``max_page_bytes`` when it is such a page,
while each tweet in it, like any other line, is held to ``max_line_bytes``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from services.ingest.jsonstream import (
    TOO_DEEP,
    BrokenDocument,
    Element,
    JsonStream,
    Undecodable,
    array_items,
    loads,
    object_keys,
    read_element,
)
from services.ingest.lines import (
    BOM,
    HEAD_BYTES,
    LINE_SETTING,
    PAGE_SETTING,
    decode_utf8,
    oversized_reason,
    physical_lines,
)
from services.ingest.objects import Includes, response_tweets, tweet_record
from services.ingest.record import InputRecord, source_of
from shared.errors import InputError
from shared.settings import IngestSettings

log = logging.getLogger(__name__)


def _value_records(
    obj: object,
    *,
    source: str,
    line: int,
    raw: str,
    includes: Includes | None,
    mapping: Mapping[str, str] | None,
    date_format: str | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> Iterator[InputRecord]:
    """Records from one JSON value: an X API response (``data`` + ``includes``) or a tweet.

    With ``limit``, each tweet of a response is held to that many bytes (a page line may be
    longer than one tweet may be).
    """
    if not is_page(obj):
        yield tweet_record(
            obj,
            source=source,
            line=line,
            raw=raw,
            includes=includes,
            mapping=mapping,
            date_format=date_format,
            offset=offset,
        )
        return
    assert isinstance(obj, dict)  # noqa: S101 - is_page says so
    tweets, found = response_tweets(obj)
    merged = found.merged(includes) if found is not None else includes
    whole = len(tweets) == 1 and (limit is None or len(raw) <= limit)
    for n, tweet in enumerate(tweets, start=1):
        own = raw if whole else json.dumps(tweet, ensure_ascii=False)
        if limit is not None and len(own) > limit and len(own.encode("utf-8")) > limit:
            reason = (
                f"oversized line: tweet {n} of the page on line {line} is longer than "
                f"{limit:,} bytes ({LINE_SETTING} raises it)"
            )
            yield InputRecord(source, line, own[:1024], error=reason, offset=offset)
            continue
        yield tweet_record(
            tweet,
            source=source,
            line=line,
            raw=own,
            includes=merged,
            mapping=mapping,
            date_format=date_format,
            offset=offset,
        )


def guarded_records(
    records: Iterator[InputRecord], *, source: str, line: int, raw: str, offset: int
) -> list[InputRecord]:
    """The records one decoded value gives, or one error record if making them failed.

    A value that decoded can still break the code that reads it (nesting just under the
    decoder's limit, a number no conversion takes): that is the record's fault, so it becomes
    the record's rejection, and the file goes on. A value's records are few (a page: its tweets).
    """
    try:
        return list(records)
    except (ValueError, RecursionError, OverflowError, TypeError, LookupError) as exc:
        log.warning("%s line %s: unreadable value: %s: %s", source, line, type(exc).__name__, exc)
        reason = (
            TOO_DEEP
            if isinstance(exc, RecursionError)
            else (f"unreadable value: {type(exc).__name__}: {str(exc)[:200]}")
        )
        return [InputRecord(source, line, raw, error=reason, offset=offset)]


def is_page(obj: object) -> bool:
    """Whether a JSON value is an X API response (a page), whose ``data`` holds the tweets."""
    return isinstance(obj, dict) and isinstance(obj.get("data"), dict | list)


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
    ) -> Iterator[InputRecord]:
        """Nothing to check beyond the file itself."""
        return self._records(path, mapping, settings)

    @staticmethod
    def _records(
        path: Path, mapping: Mapping[str, str] | None, settings: IngestSettings
    ) -> Iterator[InputRecord]:
        source = source_of(path)
        limit = settings.max_line_bytes
        page_limit = max(limit, settings.max_page_bytes)
        date_format = settings.date_format
        with path.open("rb") as f:
            for line in physical_lines(f, page_limit):
                if line.oversized:
                    raw = line.data.decode("utf-8", "replace")
                    reason = oversized_reason(line, page_limit, PAGE_SETTING)
                    yield InputRecord(source, line.no, raw, error=reason, offset=line.end)
                    continue
                if not line.data.strip():
                    continue
                long = len(line.data) > limit
                if long and not line.data.lstrip().startswith(b"{"):
                    raw = line.data[:1024].decode("utf-8", "replace")
                    reason = oversized_reason(line, limit)
                    yield InputRecord(source, line.no, raw, error=reason, offset=line.end)
                    continue
                text, junk = decode_utf8(line.data)
                shown = text[:1024] if long else text  # a dead letter never holds a whole page
                if junk:
                    yield InputRecord(source, line.no, shown, error=junk, offset=line.end)
                    continue
                try:
                    obj = loads(text)
                except Undecodable as exc:
                    yield InputRecord(source, line.no, shown, error=exc.reason, offset=line.end)
                    continue
                if long and not is_page(obj):
                    # Only a page of tweets may be longer than one record may be.
                    reason = oversized_reason(line, limit)
                    yield InputRecord(source, line.no, shown, error=reason, offset=line.end)
                    continue
                yield from guarded_records(
                    _value_records(
                        obj,
                        source=source,
                        line=line.no,
                        raw=text,
                        includes=None,
                        mapping=mapping,
                        date_format=date_format,
                        offset=line.end,
                        limit=limit,
                    ),
                    source=source,
                    line=line.no,
                    raw=shown,
                    offset=line.end,
                )


def _first_line_is_object(line: bytes) -> bool:
    first = line.removeprefix(BOM).strip()
    if not first.startswith(b"{"):
        return False
    try:
        return isinstance(json.loads(first), dict)
    except (ValueError, RecursionError):
        return False


# ---------------------------------------------------------------------------- JSON documents


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
        return head.removeprefix(BOM).lstrip()[:1] in (b"{", b"[")

    def open(
        self, path: Path, *, mapping: Mapping[str, str] | None, settings: IngestSettings
    ) -> Iterator[InputRecord]:
        """Check that it is JSON; one object per line goes to the JSON Lines reader."""
        with path.open("rb") as f:
            head = f.read(HEAD_BYTES)
        if not self.sniff(head):
            raise InputError(
                f"{path}: not JSON (expected an X API v2 response, an array of tweet objects, "
                "or one tweet object per line)"
            )
        lines = JsonLinesReader()
        if lines.sniff(head):
            return lines.open(path, mapping=mapping, settings=settings)
        return self._records(path, mapping, settings)

    def _records(
        self, path: Path, mapping: Mapping[str, str] | None, settings: IngestSettings
    ) -> Iterator[InputRecord]:
        source = source_of(path)
        limit = settings.max_line_bytes
        infos = self._survey(path, limit)
        with path.open("rb") as f:
            stream = JsonStream(f, limit)
            try:
                n = 0
                while stream.peek():
                    info = infos[n] if n < len(infos) else _DocInfo()
                    n += 1
                    for line, obj, raw, error in self._document(stream, info):
                        offset = f.tell()
                        if error is not None:
                            yield InputRecord(source, line, raw, error=error, offset=offset)
                        else:
                            yield from guarded_records(
                                _value_records(
                                    obj,
                                    source=source,
                                    line=line,
                                    raw=raw,
                                    includes=info.includes,
                                    mapping=mapping,
                                    date_format=settings.date_format,
                                    offset=offset,
                                ),
                                source=source,
                                line=line,
                                raw=raw[:1024],
                                offset=offset,
                            )
            except BrokenDocument as exc:
                yield stream.broken_record(source, exc)

    @staticmethod
    def _survey(path: Path, limit: int) -> list[_DocInfo]:
        """First pass: each document's ``includes``, and whether it has ``data``."""
        infos: list[_DocInfo] = []
        with path.open("rb") as f:
            stream = JsonStream(f, limit)
            try:
                while stream.peek():
                    info = _DocInfo()
                    infos.append(info)
                    if stream.peek() == "[":
                        for _ in array_items(stream):
                            pass
                        continue
                    if stream.peek() != "{":
                        stream.value()
                        continue
                    for key in object_keys(stream):
                        if key == "data" and stream.peek() == "[":
                            info.has_data = True
                            for _ in array_items(stream):
                                pass
                        elif key == "includes":
                            info.includes = Includes.parse(stream.value())
                        else:
                            info.has_data = info.has_data or key == "data"
                            stream.value()
            except BrokenDocument:
                pass  # the second pass reports it where it happens
        return infos

    @staticmethod
    def _document(stream: JsonStream, info: _DocInfo) -> Iterator[Element]:
        first = stream.peek()
        if first == "[":
            yield from array_items(stream)
        elif first != "{" or not info.has_data:
            yield read_element(stream)
        else:
            for key in object_keys(stream):
                if key == "data" and stream.peek() == "[":
                    yield from array_items(stream)
                elif key == "data":
                    yield read_element(stream)
                else:
                    stream.value()
