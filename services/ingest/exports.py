"""Readers for two more exports: twscrape's JSON Lines and an X account archive's ``tweets.js``.

**twscrape** (and snscrape, whose shape it copies) writes one ``Tweet`` per line: ``rawContent``,
``date``, ``likeCount``…, the author as a ``user`` object with ``displayname`` and
``followersCount``, a retweet's original in full as ``retweetedTweet``. Such files are ``.jsonl``
like any other, so :class:`TwscrapeReader` takes the JSON Lines reader's place in the registry
(same name, same extensions, same detection order) and reads every other line exactly as that
reader does; only lines that are twscrape tweets get twscrape's field names.

**An X archive** (Settings > Your account > Download an archive) holds ``data/tweets.js``: the
JavaScript assignment ``window.YTD.tweets.part0 = [ {"tweet": {...}}, ... ]`` of v1.1-style
tweets (``full_text``, ``favorite_count`` as text, ``created_at`` like
``Wed Jan 01 10:00:00 +0000 2026``). The tweets do not name their author: the account's
``username`` comes from ``account.js`` beside the file, which must be there. The array is
streamed element by element by ``jsonstream.py``, as JSON documents are, so a large archive
is never held whole and a broken element costs only itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from services.ingest.json_readers import JsonLinesReader
from services.ingest.jsonstream import BrokenDocument, JsonStream, array_items
from services.ingest.lines import BOM
from services.ingest.objects import Fields, object_fields
from services.ingest.record import InputRecord, source_of
from shared.errors import InputError
from shared.settings import IngestSettings

# ---------------------------------------------------------------------------- twscrape

_TWSCRAPE_TYPE = "snscrape.modules.twitter.Tweet"


def is_twscrape(obj: object) -> bool:
    """Whether a JSON object is a twscrape/snscrape ``Tweet``."""
    if not isinstance(obj, dict):
        return False
    return obj.get("_type") == _TWSCRAPE_TYPE or (
        "rawContent" in obj and isinstance(obj.get("user"), dict)
    )


def twscrape_fields(
    obj: Mapping[str, Any], *, mapping: Mapping[str, str] | None = None
) -> tuple[Fields, Fields | None]:
    """The canonical fields of a twscrape ``Tweet``, and its retweeted original's.

    The generic object reading finds the text, id, date, counts and handle; what twscrape
    names its own way is added here, unless ``--map`` names that field.
    """
    fields, _ = object_fields(obj, mapping=mapping)
    mapped = mapping or {}
    extra: Fields = {}
    user = obj.get("user")
    if isinstance(user, dict):
        if user.get("displayname") is not None:
            extra["name"] = user["displayname"]
        if user.get("followersCount") is not None:
            extra["followers"] = user["followersCount"]
        # X shows one check mark whether it is legacy verification or a subscription ("blue").
        flags = [user.get(k) for k in ("verified", "blue") if isinstance(user.get(k), bool)]
        if flags:
            extra["verified"] = any(flags)
    reply_to = obj.get("inReplyToUser")
    if isinstance(reply_to, dict) and reply_to.get("username"):
        extra.setdefault("in_reply_to", reply_to["username"])
    original: Fields | None = None
    retweeted = obj.get("retweetedTweet")
    if isinstance(retweeted, dict):
        original = twscrape_fields(retweeted)[0]
        extra["is_retweet"] = True
        if "id" in original:
            extra["retweet_of"] = original["id"]
    for name, value in extra.items():
        if name not in mapped:
            fields[name] = value
    return fields, original


class TwscrapeReader(JsonLinesReader):
    """JSON Lines, twscrape's included: registered as ``jsonl`` in place of the plain reader."""

    name = "jsonl"

    def open(
        self, path: Path, *, mapping: Mapping[str, str] | None, settings: IngestSettings
    ) -> Iterator[InputRecord]:
        """The JSON Lines records, twscrape's read with twscrape's names."""
        return self._remap(super().open(path, mapping=mapping, settings=settings), mapping)

    @staticmethod
    def _remap(
        records: Iterator[InputRecord], mapping: Mapping[str, str] | None
    ) -> Iterator[InputRecord]:
        for record in records:
            # A cheap test first: only twscrape lines are decoded a second time.
            if record.error is None and '"rawContent"' in record.raw:
                obj = json.loads(record.raw)
                if is_twscrape(obj):
                    fields, original = twscrape_fields(obj, mapping=mapping)
                    record = replace(record, fields=fields, original=original)
            yield record


# ---------------------------------------------------------------------------- X archive

_PREFIX = re.compile(rb"\s*window\.YTD\.([A-Za-z0-9_]+)\.part(\d+)\s*=\s*")
_TWEET_DATA = frozenset({"tweets", "tweet", "deleted_tweets"})
_HEAD = 4096


def _archive_prefix(path: Path) -> tuple[str, int, int]:
    """(data name, byte offset of the JSON, newlines skipped) of an archive file's assignment."""
    with path.open("rb") as f:
        head = f.read(_HEAD)
    start = len(BOM) if head.startswith(BOM) else 0
    m = _PREFIX.match(head, start)
    if m is None:
        raise InputError(
            f"{path}: not an X archive data file (expected it to start with "
            "'window.YTD.tweets.part0 = [')"
        )
    return m[1].decode("ascii"), m.end(), head.count(b"\n", 0, m.end())


def archive_account(path: Path) -> tuple[str, str | None]:
    """(username, display name) from the ``account.js`` beside an archive's tweets file."""
    account = path.parent / "account.js"
    if not account.is_file():
        raise InputError(
            f"{path}: an X archive's tweets do not name their author; keep account.js beside "
            f"it (the archive's data/ folder), it was not found at {account}"
        )
    _, offset, _ = _archive_prefix(account)
    try:
        entries = json.loads(account.read_bytes()[offset:].decode("utf-8").rstrip().rstrip(";"))
        info = entries[0]["account"]
        username = info["username"]
    except (ValueError, LookupError, TypeError) as exc:
        raise InputError(f"{account}: no account username in it ({exc})") from exc
    if not isinstance(username, str) or not username:
        raise InputError(f"{account}: no account username in it")
    name = info.get("accountDisplayName")
    return username, name if isinstance(name, str) else None


class XArchiveReader:
    """An X account archive's ``tweets.js``: ``window.YTD.tweets.part0 = [{"tweet": {...}}]``."""

    name = "x-archive"
    extensions: tuple[str, ...] = (".js",)

    def sniff(self, head: bytes) -> bool:
        """Starts with ``window.YTD.``."""
        return _PREFIX.match(head.removeprefix(BOM)) is not None

    def open(
        self, path: Path, *, mapping: Mapping[str, str] | None, settings: IngestSettings
    ) -> Iterator[InputRecord]:
        """Check that it is an archive's tweets and find the author now; stream the tweets."""
        data, offset, newlines = _archive_prefix(path)
        if data not in _TWEET_DATA:
            raise InputError(
                f"{path}: this is the archive's {data!r} data, not its tweets; "
                "name data/tweets.js (or tweets-part1.js, …)"
            )
        username, display = archive_account(path)
        author: Fields = {"username": username}
        if display is not None:
            author["name"] = display
        return self._records(path, offset, newlines, author, mapping, settings.max_line_bytes)

    @staticmethod
    def _records(
        path: Path,
        offset: int,
        newlines: int,
        author: Fields,
        mapping: Mapping[str, str] | None,
        limit: int,
    ) -> Iterator[InputRecord]:
        source = source_of(path)
        with path.open("rb") as f:
            f.seek(offset)
            # The assignment's own lines come before the JSON.
            stream = JsonStream(f, limit, first_line=1 + newlines)
            try:
                for line, obj, raw, error in array_items(stream):
                    if error is not None:
                        yield InputRecord(source, line, raw, error=error)
                        continue
                    tweet = obj.get("tweet") if isinstance(obj, dict) else None
                    if not isinstance(tweet, dict):
                        yield InputRecord(
                            source, line, raw, error="not a tweet: an archive entry with no tweet"
                        )
                        continue
                    fields, original = object_fields(tweet, mapping=mapping)
                    for name, value in author.items():
                        if name not in (mapping or {}):
                            fields.setdefault(name, value)
                    yield InputRecord(source, line, raw, fields, original)
            except BrokenDocument as exc:
                yield stream.broken_record(source, exc)
