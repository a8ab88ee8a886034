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

**Long posts.** A post over 280 characters is in ``tweets.js`` cut short; its whole text is in
``note-tweet.js`` beside it: ``window.YTD.note_tweet.part0 = [{"noteTweet": {"noteTweetId",
"createdAt", "updatedAt", "core": {"text", "urls", "mentions", …}}}]``. The archive does not
link the two: ``noteTweetId`` is the note's own id, not the post's. They are joined as archive
tools join them: same posting second (``createdAt`` against ``created_at``, one second either
way) and the cut text is the start of the note's text (compared without links, entities
decoded, whitespace collapsed, the trailing ``…`` dropped). A joined post goes in whole and
untruncated, noted in the run summary; a post that still ends in ``…`` with no note to join is
marked truncated. The notes are held in memory (one per long post).
"""

from __future__ import annotations

import html
import json
import logging
import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from services.ingest.convert import parse_datetime
from services.ingest.json_readers import JsonLinesReader
from services.ingest.jsonstream import TOO_DEEP, BrokenDocument, JsonStream, array_items
from services.ingest.lines import BOM
from services.ingest.objects import Fields, object_fields
from services.ingest.record import InputRecord, source_of
from shared.errors import InputError, InvalidMessage
from shared.settings import IngestSettings

log = logging.getLogger(__name__)

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
                try:
                    obj = json.loads(record.raw)
                    if is_twscrape(obj):
                        fields, original = twscrape_fields(obj, mapping=mapping)
                        record = replace(record, fields=fields, original=original)
                except (ValueError, RecursionError, TypeError, LookupError) as exc:
                    # It decoded once already; what fails now is the record's, not the file's.
                    reason = (
                        TOO_DEEP
                        if isinstance(exc, RecursionError)
                        else (f"unreadable value: {type(exc).__name__}: {str(exc)[:200]}")
                    )
                    record = replace(record, raw=record.raw[:1024], error=reason, fields={})
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
    except (ValueError, LookupError, TypeError, RecursionError) as exc:
        raise InputError(f"{account}: no account username in it ({exc})") from exc
    if not isinstance(username, str) or not username:
        raise InputError(f"{account}: no account username in it")
    name = info.get("accountDisplayName")
    return username, name if isinstance(name, str) else None


_LINK = re.compile(r"https?://\S+")
_PROBE_CHARS = 40  # enough of a text's start to tell two long posts of one second apart
NOTE_JOINED = "long post joined: whole text from note-tweet.js"
NOTE_MISSING = "long post cut: no note-tweet.js text matched it (marked truncated)"


def _comparable(text: str) -> str:
    """A text as the join compares it: links out, entities decoded, whitespace collapsed."""
    plain = " ".join(_LINK.sub(" ", html.unescape(text)).split())
    return plain.removesuffix("…").removesuffix("...").rstrip()


def _second(value: object) -> int | None:
    try:
        return int(parse_datetime(value).timestamp())
    except InvalidMessage:
        return None


@dataclass
class LongPosts:
    """The texts of ``note-tweet.js`` by posting second, each joined to at most one post."""

    by_second: dict[int, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    found: bool = False

    @classmethod
    def beside(cls, path: Path) -> LongPosts:
        """The notes of the ``note-tweet.js`` beside an archive's tweets file (none if absent)."""
        notes = cls()
        source = path.parent / "note-tweet.js"
        if not source.is_file():
            return notes
        notes.found = True
        try:
            _, offset, _ = _archive_prefix(source)
            text = source.read_bytes()[offset:].decode("utf-8").rstrip().rstrip(";")
            entries = json.loads(text)
        except (InputError, ValueError, RecursionError) as exc:
            log.warning("%s: not read, long posts stay cut short (%s)", source, exc)
            return notes
        for entry in entries if isinstance(entries, list) else []:
            note = entry.get("noteTweet") if isinstance(entry, dict) else None
            core = note.get("core") if isinstance(note, dict) else None
            body = core.get("text") if isinstance(core, dict) else None
            second = _second(note.get("createdAt")) if isinstance(note, dict) else None
            if isinstance(body, str) and body.strip() and second is not None:
                notes.by_second[second].append((_comparable(body), body))
        return notes

    def take(self, text: object, created_at: object) -> str | None:
        """The whole text of the long post cut to ``text`` at ``created_at``, used up; or None."""
        second = _second(created_at)
        if not isinstance(text, str) or second is None or not self.by_second:
            return None
        probe = _comparable(text)[:_PROBE_CHARS]
        for at in (second, second - 1, second + 1):
            candidates = self.by_second.get(at)
            if not candidates:
                continue
            for i, (comparable, body) in enumerate(candidates):
                if comparable.startswith(probe) and (probe or len(candidates) == 1):
                    del candidates[i]
                    return body
        return None


def looks_cut(text: object) -> bool:
    """Whether an archive text ends the way X cuts a long post: ``…`` after 200 characters."""
    if not isinstance(text, str):
        return False
    plain = " ".join(_LINK.sub(" ", text).split())
    return plain.endswith("…") and len(plain) >= 200


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
        notes = LongPosts.beside(path)
        return self._records(path, offset, newlines, author, mapping, settings, notes)

    @staticmethod
    def _records(
        path: Path,
        offset: int,
        newlines: int,
        author: Fields,
        mapping: Mapping[str, str] | None,
        settings: IngestSettings,
        notes: LongPosts,
    ) -> Iterator[InputRecord]:
        source = source_of(path)
        join = "text" not in (mapping or {})
        with path.open("rb") as f:
            f.seek(offset)
            # The assignment's own lines come before the JSON.
            stream = JsonStream(f, settings.max_line_bytes, first_line=1 + newlines)
            try:
                for line, obj, raw, error in array_items(stream):
                    if error is not None:
                        yield InputRecord(source, line, raw, error=error, offset=f.tell())
                        continue
                    tweet = obj.get("tweet") if isinstance(obj, dict) else None
                    if not isinstance(tweet, dict):
                        reason = "not a tweet: an archive entry with no tweet"
                        yield InputRecord(source, line, raw, error=reason, offset=f.tell())
                        continue
                    fields, original = object_fields(tweet, mapping=mapping)
                    for name, value in author.items():
                        if name not in (mapping or {}):
                            fields.setdefault(name, value)
                    said: tuple[str, ...] = ()
                    whole = notes.take(fields.get("text"), fields.get("created_at"))
                    if join and whole is not None:
                        fields["text"], fields["truncated"] = whole, False
                        said = (NOTE_JOINED,)
                    elif join and looks_cut(fields.get("text")):
                        fields["truncated"] = True
                        said = (NOTE_MISSING,)
                    yield InputRecord(
                        source,
                        line,
                        raw,
                        fields,
                        original,
                        date_format=settings.date_format,
                        notes=said,
                        offset=f.tell(),
                    )
            except BrokenDocument as exc:
                yield stream.broken_record(source, exc)
