"""A stored tweet as summarize decodes it: its citation and what the classifier found in it.

:func:`services.summarize.aggregate.tweet_doc` writes the document beside each ranked or tallied
tweet; :func:`decode_doc` reads it back. Its own module so that the view and the story layer both
read it without importing each other.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from shared.models import TweetRef

_encode_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def encode_doc(doc: Mapping[str, Any]) -> str:
    """A stored document's JSON: compact, UTF-8 as written.

    orjson writes exactly what the json module does with these options (a test compares them on
    the sample's documents), eight times faster; a text it refuses (a lone surrogate, which is
    not UTF-8) is written by the json module instead.
    """
    try:
        return orjson.dumps(doc).decode()
    except (TypeError, orjson.JSONEncodeError):
        return _encode_json(doc)


def load_doc(raw: str) -> dict[str, Any]:
    """A stored document's fields (its JSON parsed)."""
    try:
        out: dict[str, Any] = orjson.loads(raw)
    except orjson.JSONDecodeError:
        out = json.loads(raw)  # what the json module wrote for a lone surrogate
    return out


@dataclass(frozen=True)
class TweetDoc:
    """A stored tweet: its citation and what the classifier found in it."""

    ref: TweetRef
    categories: tuple[str, ...] = ()
    subtopics: tuple[str, ...] = ()
    sentiment: str = "neutral"
    models: tuple[str, ...] = ()
    companies: tuple[str, ...] = ()
    tickers: tuple[str, ...] = ()
    coins: tuple[str, ...] = ()
    percentages: tuple[str, ...] = ()
    money: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()
    near_dup_key: str = ""
    truncated: bool = False
    """Whether the text is cut short (by its source, as X cuts a long post, or by the stored
    document's length): its last word may be a fragment."""

    @property
    def id(self) -> str:
        """The tweet id."""
        return self.ref.tweet_id

    @property
    def engagement(self) -> float:
        """The highest engagement seen for this tweet."""
        return self.ref.engagement


def decode_doc(raw: str) -> TweetDoc:
    """A document written by :func:`services.summarize.aggregate.tweet_doc`."""
    return doc_of(load_doc(raw))


def doc_of(d: Mapping[str, Any]) -> TweetDoc:
    """A document's fields (:func:`load_doc`) as a :class:`TweetDoc`."""

    def tup(key: str) -> tuple[str, ...]:
        return tuple(str(v) for v in d.get(key) or ())

    ref = TweetRef(
        tweet_id=d["i"],
        author=d["a"],
        text=d["t"],
        url=d.get("u"),
        created_at=datetime.fromisoformat(d["c"]),
        engagement=float(d.get("e") or 0.0),
        lang=d.get("l"),
    )
    return TweetDoc(
        ref=ref,
        categories=tup("g"),
        subtopics=tup("s"),
        sentiment=str(d.get("m") or "neutral"),
        models=tup("mo"),
        companies=tup("co"),
        tickers=tup("tk"),
        coins=tup("cn"),
        percentages=tup("p"),
        money=tup("$"),
        hashtags=tup("h"),
        near_dup_key=str(d.get("k") or ""),
        truncated=bool(d.get("x")),
    )
