"""The ingest handler: one InputRecord -> [TweetIngested] | [] (a duplicate) | [DeadLetter].

A retweet is published as its original (see ``TweetIngested``): the original's id, author, text
and metrics, with ``via_retweet`` naming the retweet. When the source does not give the
original's id (CSV rows ``RT @gdb: text…``), the id is synthetic and stable:
``"rt-" + sha1(author.lower() + "\\n" + normalized text)[:16]``, so every retweet of one original
gets the same one. Duplicates are found by the record's own id (the retweet's, for a retweet).
A record's id is marked seen only after the broker acknowledged its tweet (``dedup.py``), so a
crash in between publishes it again rather than dropping it as a duplicate.

A value no parser expected (an overflow, a recursion limit) is that record's dead letter, never
the stream's end: ``_build`` is pure, so whatever it raises the record caused.

What a source leaves out is filled in rather than refused, and :func:`record_notes` says so for
the run summary: an author known only by ``author_id`` becomes ``id:<author_id>`` (no author at
all: ``id:unknown``; see ``shared.models.AUTHOR_ID_PREFIX``), linked as ``x.com/i/status/<id>``;
a missing date is read from the tweet id (ids encode their posting time); an id a spreadsheet
turned into ``1.00534E+18`` is replaced by the synthetic ``h-`` id a record without an id gets.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from pydantic import ValidationError

from services.ingest.convert import (
    guess_lang,
    lost_digits,
    normalize_for_id,
    parse_bool,
    parse_count,
    parse_datetime,
    parse_id,
    parse_str,
    parse_text,
    parse_username,
    snowflake_time,
    synthetic_id,
)
from services.ingest.dedup import DEFAULT_NAMESPACE, Dedup
from services.ingest.jsonstream import TOO_DEEP
from services.ingest.record import InputRecord
from shared.errors import InvalidMessage, PipelineError
from shared.models import (
    AUTHOR_ID_PREFIX,
    UNKNOWN_AUTHOR,
    Author,
    Contract,
    DeadLetter,
    Metrics,
    RetweetRef,
    TweetIngested,
    dead_letter,
)
from shared.settings import IngestSettings
from shared.store import StateStore

SEEN_NAMESPACE = DEFAULT_NAMESPACE
"""The StateStore set of record ids already published (and acknowledged by the broker)."""

log = logging.getLogger(__name__)

_RT = re.compile(r"RT @([A-Za-z0-9_]{1,50}):\s?")
# X's codes for "no language": undetermined, no linguistic content, media/hashtags/... only.
_NO_LANG = frozenset({"und", "zxx", "qme", "qht", "qam", "qct", "qst"})

T = TypeVar("T")


@dataclass(frozen=True)
class IngestDeps:
    """What the ingest handler needs: the dedup store and the ingest settings.

    ``dedup`` (built on ``store``) holds the ids of the tweets handed out but not yet marked
    seen: the runner calls ``dedup.commit()`` once the broker acknowledged them.
    """

    store: StateStore
    settings: IngestSettings
    dedup: Dedup = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "dedup", Dedup(self.store, SEEN_NAMESPACE))


def handle(record: InputRecord, *, deps: IngestDeps) -> list[Contract]:
    """Turn one record into a tweet, nothing (already seen), or a dead letter with the reason."""
    if record.error is not None:
        return [_dead(record, record.error)]
    try:
        tweet, record_id = _build(record, deps.settings)
    except InvalidMessage as exc:
        return [_dead(record, exc.reason)]
    except PipelineError:
        raise
    except Exception as exc:  # _build is pure: whatever it raises, the record caused
        log.warning(
            "%s line %s: unreadable value: %s: %s",
            record.source,
            record.line,
            type(exc).__name__,
            exc,
        )
        reason = (
            TOO_DEEP
            if isinstance(exc, RecursionError)
            else (f"unreadable value: {type(exc).__name__}: {str(exc)[:200]}")
        )
        return [_dead(record, reason)]
    if deps.dedup.seen(record_id):
        return []
    deps.dedup.publishing(record_id)
    return [tweet]


def _dead(record: InputRecord, reason: str) -> DeadLetter:
    key = record.fields.get("id")
    return dead_letter(
        source_topic=record.source,
        error=InvalidMessage(reason, line=record.line),
        payload=record.raw,
        key=str(key) if isinstance(key, str | int) and not isinstance(key, bool) else None,
        line=record.line,
    )


def _get(
    fields: Mapping[str, object], name: str, parse: Callable[[object, str], T], default: T
) -> T:
    value = fields.get(name)
    return default if value is None else parse(value, name)


def _lang(fields: Mapping[str, object]) -> str | None:
    lang = _get(fields, "lang", parse_str, "").strip()
    return None if lang.lower() in _NO_LANG or not lang else lang


def _metrics(fields: Mapping[str, object]) -> Metrics:
    views = fields.get("views")
    return Metrics(
        likes=_get(fields, "likes", parse_count, 0),
        retweets=_get(fields, "retweets", parse_count, 0),
        replies=_get(fields, "replies", parse_count, 0),
        quotes=_get(fields, "quotes", parse_count, 0),
        views=None if views is None else parse_count(views, "views"),
    )


def _author(fields: Mapping[str, object], username: str) -> Author:
    return Author(
        username=username,
        name=_get(fields, "name", parse_str, None),
        followers=_get(fields, "followers", parse_count, None),
        verified=_get(fields, "verified", parse_bool, None),
    )


def _status_url(username: str | None, tweet_id: str | None) -> str | None:
    if username is None or tweet_id is None or not tweet_id.isdigit():
        return None
    if username.startswith(AUTHOR_ID_PREFIX):
        return f"https://x.com/i/status/{tweet_id}"
    return f"https://x.com/{username}/status/{tweet_id}"


def _reply_to(fields: Mapping[str, object]) -> str | None:
    return _get(fields, "in_reply_to", parse_username, None)


def _username(fields: Mapping[str, object], field: str = "username") -> str:
    """The author's handle; ``id:<author_id>`` when only the id is known, else ``id:unknown``."""
    value = fields.get("username")
    if isinstance(value, str) and not value.strip():
        value = None
    if value is not None:
        return parse_username(value, field)
    author_id = fields.get("author_id")
    if author_id is not None and not lost_digits(author_id):
        return AUTHOR_ID_PREFIX + parse_id(author_id, "author_id")
    return UNKNOWN_AUTHOR


def _own_id(fields: Mapping[str, object]) -> str | None:
    """The record's id as given; None when there is none or it lost its digits."""
    value = fields.get("id")
    if value is None or lost_digits(value):
        return None
    return parse_id(value, "id")


def _created_at(fields: Mapping[str, object], date_format: str | None) -> datetime:
    value = fields.get("created_at")
    if value is not None:
        return parse_datetime(value, "created_at", date_format=date_format)
    given = fields.get("id")
    when = snowflake_time(given) if isinstance(given, str) else None
    if when is None:
        raise InvalidMessage("no date: the record has no created_at")
    return when


def _build(record: InputRecord, settings: IngestSettings) -> tuple[TweetIngested, str]:
    """The tweet a record stands for, and the record's own id (the dedup key)."""
    fields = record.fields
    text = parse_text(fields.get("text"), max_chars=settings.max_text_chars)
    username = _username(fields)
    when = _created_at(fields, record.date_format)
    record_id = _own_id(fields)
    if record_id is None:
        record_id = synthetic_id("h-", username.lower(), normalize_for_id(text), when.isoformat())
        own_url = None
    else:
        own_url = _status_url(username, record_id)
    flag = _get(fields, "is_retweet", parse_bool, None)
    prefix = _RT.match(text) if flag is not False else None
    try:
        if record.original is not None or prefix is not None:
            tweet = _retweet(record, text, prefix, username, when, record_id, own_url, settings)
        else:
            # A record flagged as a retweet whose text names no original is kept as written.
            tweet = TweetIngested(
                tweet_id=record_id,
                text=text,
                created_at=when,
                observed_at=when,
                author=_author(fields, username),
                lang=_lang(fields) or guess_lang(text),
                metrics=_metrics(fields),
                url=own_url,
                truncated=_get(fields, "truncated", parse_bool, False),
                in_reply_to=_reply_to(fields),
                source=record.source,
            )
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InvalidMessage(f"wrong type: {where}: {first['msg']}") from exc
    return tweet, record_id


def _retweet(
    record: InputRecord,
    text: str,
    prefix: re.Match[str] | None,
    username: str,
    when: datetime,
    record_id: str,
    own_url: str | None,
    settings: IngestSettings,
) -> TweetIngested:
    """The original a retweet stands for, from the source's copy of it or from the RT text."""
    fields = record.fields
    given = record.original
    known: Mapping[str, object] = given if given is not None else {}
    if given is not None:
        original_text = parse_text(
            given.get("text"), max_chars=settings.max_text_chars, field="retweeted text"
        )
    elif prefix is not None and text[prefix.end() :].strip():
        original_text = text[prefix.end() :]
    else:
        raise InvalidMessage("no text: the retweet quotes no text")
    if prefix is not None and "username" not in known:
        author_name = prefix[1]
    else:
        author_name = _username(known, "retweeted username")
    original_id = _own_id(known) or _retweet_of(fields)
    if original_id is None:
        original_id = synthetic_id("rt-", author_name.lower(), normalize_for_id(original_text))
        url = own_url  # the original cannot be linked, its retweet can
    else:
        url = _status_url(author_name, original_id)
    has_metrics = any(k in known for k in ("likes", "retweets", "replies", "quotes", "views"))
    truncated = _get(known or fields, "truncated", parse_bool, False)
    return TweetIngested(
        tweet_id=original_id,
        text=original_text,
        created_at=_original_time(known, record.date_format, original_id, when),
        observed_at=when,
        author=_author(known, author_name),
        lang=_lang(known) or _lang(fields) or guess_lang(original_text),
        metrics=_metrics(known if has_metrics else fields),
        url=url,
        # An RT text is cut at 140 characters with an ellipsis, whatever the flag says.
        truncated=truncated or (given is None and original_text.endswith("…")),
        in_reply_to=_reply_to(known),
        via_retweet=RetweetRef(retweet_id=record_id, retweeted_by=username, retweeted_at=when),
        source=record.source,
    )


def _retweet_of(fields: Mapping[str, object]) -> str | None:
    value = fields.get("retweet_of")
    return None if value is None or lost_digits(value) else parse_id(value, "retweet_of")


def _original_time(
    known: Mapping[str, object], date_format: str | None, original_id: str, seen: datetime
) -> datetime:
    """When the original was posted: its date, else its id's time, else the retweet's."""
    value = known.get("created_at")
    if value is not None:
        return parse_datetime(value, "created_at", date_format=date_format)
    return snowflake_time(original_id) or seen


def record_notes(record: InputRecord, outputs: Sequence[Contract]) -> list[str]:
    """What went in changed or guessed, for the run summary: the reader's notes and the
    handler's stand-ins (each starts with a short kind, like a rejection reason)."""
    tweets = [o for o in outputs if isinstance(o, TweetIngested)]
    if not tweets:
        return []
    notes = list(record.notes)
    tweet = tweets[0]
    posted_by = tweet.via_retweet.retweeted_by if tweet.via_retweet else tweet.author.username
    if posted_by.startswith(AUTHOR_ID_PREFIX):
        notes.append(
            "no username: author unknown"
            if posted_by == UNKNOWN_AUTHOR
            else "no username: author known by id only"
        )
    fields = record.fields
    if lost_digits(fields.get("id")):
        notes.append("id lost its digits: kept under a synthetic id")
    if fields.get("created_at") is None:
        notes.append("no date: posting time read from the tweet id")
    return notes
