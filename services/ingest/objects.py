"""One JSON tweet object -> canonical fields (and a record): X API v2, v1.1 statuses, flat exports.

Structure the X API spreads over a response is gathered here: the author from
``includes.users`` (by ``author_id``), a retweet's original from ``includes.tweets`` (by the
``referenced_tweets`` entry of type ``retweeted``), the long text from ``note_tweet``. Values are
passed on as found; the handler checks them.

``twarc2 flatten`` writes the same objects with the expansions put inline: ``author`` and
``in_reply_to_user`` beside their ids, and each ``referenced_tweets`` entry merged with the
whole referenced tweet (its text, metrics, ``created_at`` and its own ``author``). An entry that
carries a text is read as the original itself; one with only ``type`` and ``id`` (a deleted or
protected original) is looked up in ``includes`` as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from services.ingest.fields import match_aliases
from services.ingest.record import InputRecord

Fields = dict[str, object]

_PUBLIC_METRICS = {
    "like_count": "likes",
    "retweet_count": "retweets",
    "reply_count": "replies",
    "quote_count": "quotes",
    "impression_count": "views",
}


def _index(items: object) -> dict[str, Mapping[str, Any]]:
    if not isinstance(items, list):
        return {}
    return {str(i["id"]): i for i in items if isinstance(i, dict) and "id" in i}


@dataclass(frozen=True)
class Includes:
    """The expansions of an X API v2 response: users and referenced tweets by id."""

    users: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    tweets: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @classmethod
    def parse(cls, raw: object) -> Includes | None:
        """From a response's ``includes`` value; None when there is nothing usable."""
        if not isinstance(raw, dict):
            return None
        users, tweets = _index(raw.get("users")), _index(raw.get("tweets"))
        return cls(users, tweets) if users or tweets else None

    def merged(self, other: Includes | None) -> Includes:
        """Both sets of expansions; this one wins on a clash."""
        if other is None:
            return self
        return Includes({**other.users, **self.users}, {**other.tweets, **self.tweets})


_plans: dict[tuple[str, ...], tuple[tuple[str, str], ...]] = {}
_PLAN_CACHE_SIZE = 1024


def _plan(keys: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """(canonical, key) pairs for an object's keys; objects of one source share a few key sets."""
    plan = _plans.get(keys)
    if plan is None:
        plan = tuple(match_aliases(keys).items())
        if len(_plans) >= _PLAN_CACHE_SIZE:
            _plans.clear()
        _plans[keys] = plan
    return plan


def _lookup(obj: Mapping[str, Any], path: str) -> object:
    if path in obj:
        return obj[path]
    value: object = obj
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def _user_fields(user: Mapping[str, Any], fields: Fields) -> None:
    username = user.get("username", user.get("screen_name"))
    if username is not None:
        fields["username"] = username
    for key, canonical in (("name", "name"), ("verified", "verified")):
        if user.get(key) is not None:
            fields[canonical] = user[key]
    followers = user.get("followers_count")
    metrics = user.get("public_metrics")
    if followers is None and isinstance(metrics, dict):
        followers = metrics.get("followers_count")
    if followers is not None:
        fields["followers"] = followers


def _is_missing(value: object) -> bool:
    return value is None or value == "" or isinstance(value, dict | list)


def _structure(obj: Mapping[str, Any], fields: Fields, includes: Includes | None) -> None:
    """Fields held in nested objects: the user, public_metrics, long text, includes.users."""
    for key in ("user", "author"):
        user = obj.get(key)
        if isinstance(user, dict):
            _user_fields(user, fields)
            break
    metrics = obj.get("public_metrics")
    if isinstance(metrics, dict):
        for key, canonical in _PUBLIC_METRICS.items():
            if metrics.get(key) is not None:
                fields[canonical] = metrics[key]
    for key, inner in (("note_tweet", "text"), ("extended_tweet", "full_text")):
        long = obj.get(key)
        if isinstance(long, dict) and isinstance(long.get(inner), str):
            fields["text"] = long[inner]
            fields["truncated"] = False
    replied_inline = obj.get("in_reply_to_user")  # twarc2 flatten
    if isinstance(replied_inline, dict) and replied_inline.get("username"):
        fields.setdefault("in_reply_to", replied_inline["username"])
    if includes is not None:
        author = includes.users.get(str(obj.get("author_id")))
        if author is not None and "username" not in fields:
            _user_fields(author, fields)
        replied = includes.users.get(str(obj.get("in_reply_to_user_id")))
        if replied is not None and "in_reply_to" not in fields:
            fields["in_reply_to"] = replied.get("username")


def _retweeted(obj: Mapping[str, Any], fields: Fields, includes: Includes | None) -> Fields | None:
    """Mark a retweet in ``fields``; return its original's fields when the source holds them."""
    original: Fields | None = None
    refs = obj.get("referenced_tweets")
    if isinstance(refs, list):
        for ref in refs:
            if isinstance(ref, dict) and ref.get("type") == "retweeted" and "id" in ref:
                fields["retweet_of"] = ref["id"]
                fields["is_retweet"] = True
                held = includes.tweets.get(str(ref["id"])) if includes is not None else None
                if held is None and isinstance(ref.get("text"), str):
                    held = ref  # twarc2 flatten: the original is merged into the entry
                if held is not None:
                    original = object_fields(held, includes=includes)[0]
                break
    status = obj.get("retweeted_status")
    if isinstance(status, dict):
        original = object_fields(status, includes=includes)[0]
        fields["is_retweet"] = True
        if "id" in original:
            fields["retweet_of"] = original["id"]
    return original


def object_fields(
    obj: Mapping[str, Any],
    *,
    includes: Includes | None = None,
    mapping: Mapping[str, str] | None = None,
) -> tuple[Fields, Fields | None]:
    """The canonical fields of one tweet object, and its retweeted original's when it carries one."""
    fields: Fields = {}
    for canonical, key in _plan(tuple(obj)):
        value = obj[key]
        # Objects and lists under a scalar name ("user", "data") are structure, read below.
        if not _is_missing(value):
            fields[canonical] = value
    _structure(obj, fields, includes)
    original = _retweeted(obj, fields, includes)
    for canonical, path in (mapping or {}).items():
        value = _lookup(obj, path)
        if _is_missing(value):
            fields.pop(canonical, None)
        else:
            fields[canonical] = value
    return fields, original


def response_tweets(response: Mapping[str, Any]) -> tuple[list[object], Includes | None]:
    """The tweets of an X API v2 response (its ``data``: one object or a list) and its
    ``includes``."""
    data = response.get("data")
    tweets: list[object] = [] if data is None else data if isinstance(data, list) else [data]
    return tweets, Includes.parse(response.get("includes"))


def tweet_record(
    tweet: object,
    *,
    source: str,
    line: int,
    raw: str,
    includes: Includes | None = None,
    mapping: Mapping[str, str] | None = None,
    date_format: str | None = None,
    offset: int = 0,
) -> InputRecord:
    """The record of one JSON value that should be a tweet object; an error record if it is not."""
    if not isinstance(tweet, dict):
        kind = type(tweet).__name__ if tweet is not None else "null"
        return InputRecord(
            source,
            line,
            raw,
            error=f"not a tweet: a JSON {kind}, not an object",
            offset=offset,
        )
    fields, original = object_fields(tweet, includes=includes, mapping=mapping)
    return InputRecord(source, line, raw, fields, original, date_format=date_format, offset=offset)
