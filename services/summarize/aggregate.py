"""Per-window aggregation: which window a tweet falls in, and what it adds to that window's state.

Every classified message becomes two idempotent store updates on the window's scope:

- ``event_id = identity`` carries the *counts* (totals, categories, sub-topics, sentiment, terms,
  entities, cluster sizes). Whichever message of a tweet arrives first applies it; nothing in it
  depends on the message's metrics, so the result does not depend on which copy came first.
  The identity is the author plus the near-duplicate key (a hash of the text's opening), not the
  tweet id: an export's retweet row does not carry its original's id, so ingest gives it a
  synthetic one, and only the content ties it to the original row (which may come later).
- ``event_id = "rt:<retweet_id>"`` (a retweet) or ``"tw:<identity>:<engagement>"`` (seen directly)
  carries the *offers*: the tweet's engagement as seen in that message, max-merged into the
  top-K rankings and the representative documents of clusters, tickers and coins. A retweet also
  adds one to the retweet counters. A direct sighting gets its own event too, so the highest
  engagement wins even when the original arrives after its retweets.

The story table (``stories``, see ``services.summarize.stories``) is one more tally: member = the
identity, 1 from the counts event plus 1 per retweet, and the document (what the fingerprint is made of)
offered by every sighting, highest engagement kept.

Only counters and tallies (added per event) and rankings (max-merged) are used, so the state is the
same whatever the delivery order and however often a message is redelivered (below the caps; once a
tally group is trimmed, its smallest members are approximate). Nothing keeps every tweet: rankings
hold ``top_k`` documents each, tallies are trimmed by the store to their caps.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from services.summarize.doc import encode_doc
from services.summarize.keys import scope_for
from services.summarize.stories import story_doc
from shared.errors import InvalidMessage
from shared.models import CATEGORIES, TweetClassified, Window
from shared.settings import ReportSettings
from shared.store import Delta, Ranked, Tally

# Multi-day windows are aligned on this Monday, so 7-day windows run Monday to Sunday.
_EPOCH = date(1970, 1, 5).toordinal()

DOC_TEXT_CHARS = 1_000
"""Longest tweet text kept in a stored document (tweets are short; long posts are cut)."""

SUBTOPIC_CAP = 1_000
ENTITY_CAP = 1_000
LANG_CAP = 200

# Store groups. Counters are exact; tallies are trimmed to their caps.
C_TOTALS = "totals"
C_CATEGORIES = "categories"
C_SENTIMENT = "sentiment"
C_SENTIMENT_BY_CATEGORY = "sentiment_by_category"
C_RETWEETS_BY_CATEGORY = "retweets_by_category"
T_SUBTOPICS = "subtopics"
T_SUBTOPIC_RETWEETS = "subtopic_retweets"
T_TERMS = "terms"
T_CLUSTERS = "clusters"
T_TICKERS = "tickers"
T_TICKER_SENTIMENT = "ticker_sentiment"
T_TICKER_NAMES = "ticker_names"
T_COINS = "coins"
T_COIN_SENTIMENT = "coin_sentiment"
T_MODELS = "models"
T_COMPANIES = "companies"
T_HASHTAGS = "hashtags"
T_LANGS = "langs"
T_STORIES = "stories"
"""The story table: member = tweet identity, amount = 1 + its retweets, doc = its story document."""
R_ALL = "top:all"
R_PREFIX = "top:"
R_SUB_PREFIX = "top:sub:"
_RESERVED = frozenset({"all", *CATEGORIES}) | {"sub"}


def ranking_of_category(category: str) -> str:
    """The ranking of a category's most engaging tweets: ``top:ai``."""
    return R_PREFIX + category


def ranking_of_subtopic(subtopic_id: str) -> str:
    """``top:<id>``, or ``top:sub:<id>`` for an id that would clash with ``all`` or a category."""
    reserved = subtopic_id in _RESERVED or subtopic_id.startswith("sub:")
    return (R_SUB_PREFIX if reserved else R_PREFIX) + subtopic_id


NO_CATEGORY = "none"

# Shared read-only counter fields (the store only reads a delta).
_ONE_TWEET = MappingProxyType({"tweets": 1.0})
_ONE_RETWEET = MappingProxyType({"retweets": 1.0})
_NO_CATEGORY = MappingProxyType({NO_CATEGORY: 1.0})


def window_for(ts: datetime, settings: ReportSettings) -> Window:
    """The report window ``ts`` falls in: calendar days in the report zone, ``window_days`` long."""
    local = ts.astimezone(settings.zone)
    return _window(
        _start_date(local.date(), settings.window_days), settings.timezone, settings.window_days
    )


def window_by_id(window_id: str, settings: ReportSettings) -> Window:
    """The window whose id (start date in the report zone) is ``window_id``."""
    return _window(date.fromisoformat(window_id), settings.timezone, settings.window_days)


def _start_date(day: date, window_days: int) -> date:
    if window_days == 1:
        return day
    return day - timedelta(days=(day.toordinal() - _EPOCH) % window_days)


@lru_cache(maxsize=256)
def _window(start: date, timezone: str, window_days: int) -> Window:
    zone = ZoneInfo(timezone)
    end = start + timedelta(days=window_days)
    return Window(
        id=start.isoformat(),
        # Local midnights: a day is 23 or 25 hours long across a DST change, as a reader expects.
        start=datetime(start.year, start.month, start.day, tzinfo=zone),
        end=datetime(end.year, end.month, end.day, tzinfo=zone),
        timezone=timezone,
    )


@lru_cache(maxsize=256)
def _check_window(window_id: str, settings: ReportSettings) -> None:
    """Raise when what the schedule and the writers compute for the window later cannot be
    held: its close (handler.closes_at) and its bounds in UTC. Cached: a day's tweets share
    a handful of windows (an error is not cached, so it is raised each time)."""
    window = window_by_id(window_id, settings)
    closes = window.end + timedelta(seconds=settings.close_grace_s)
    _ = window.start.astimezone(UTC), closes.astimezone(UTC)


@lru_cache(maxsize=16)
def _zone(timezone: str) -> ZoneInfo:
    return ZoneInfo(timezone)


@lru_cache(maxsize=64)
def _window_id(day: date, window_days: int) -> str:
    return _start_date(day, window_days).isoformat()


@lru_cache(maxsize=16)
def _tally_caps(settings: ReportSettings) -> dict[str, int]:
    return {
        T_SUBTOPICS: SUBTOPIC_CAP,
        T_SUBTOPIC_RETWEETS: SUBTOPIC_CAP,
        T_TERMS: settings.term_cap,
        T_CLUSTERS: settings.cluster_cap,
        T_TICKERS: ENTITY_CAP,
        T_TICKER_SENTIMENT: 3 * ENTITY_CAP,
        T_COINS: ENTITY_CAP,
        T_COIN_SENTIMENT: 3 * ENTITY_CAP,
        T_MODELS: ENTITY_CAP,
        T_COMPANIES: ENTITY_CAP,
        T_HASHTAGS: ENTITY_CAP,
        T_LANGS: LANG_CAP,
        T_STORIES: settings.story_cap,
    }


def _checked_window_id(ts: datetime, settings: ReportSettings) -> str:
    """The id of the window ``ts`` falls in; ``InvalidMessage`` if that window cannot exist.

    Issue 12: a schema-valid ``observed_at`` of 9999-12-31T23:59:59Z overflowed here on the way to
    the report zone, and crash-looped summarize; in UTC it would have passed and overflowed later,
    in the schedule (the window's end plus the close grace), on every tick. Python's dates end in
    year 9999 and start in year 1: an instant whose window, end and grace they cannot hold has no
    report, so it is the message's fault and becomes its dead letter with this reason.
    """
    try:
        day = ts.astimezone(_zone(settings.timezone)).date()
        window_id = _window_id(day, settings.window_days)
        _check_window(window_id, settings)
    except (OverflowError, ValueError) as exc:
        raise InvalidMessage(
            f"observed_at {ts.isoformat()} has no report window in {settings.timezone}: {exc}"
        ) from exc
    return window_id


def tweet_url(username: str, tweet_id: str) -> str | None:
    """The tweet's address on x.com, when its id is a status id."""
    return f"https://x.com/{username}/status/{tweet_id}" if tweet_id.isdigit() else None


def tweet_doc(msg: TweetClassified) -> str:
    """The compact JSON a ranking or tally keeps for a tweet: what the writers need, no more.

    Keys: i id, a author, t text, u url, c created_at, e engagement, l lang, g categories,
    s sub-topic ids, m sentiment, mo models, co companies, tk tickers, cn coins, p percentages,
    $ money, h hashtags, k near-dup key, x 1 when the text is cut (by its source, or here past
    ``DOC_TEXT_CHARS``). Empty lists and a false x are left out. Decoded by
    :func:`services.summarize.doc.decode_doc`.
    """
    return encode_doc(_doc_fields(msg))


def _doc_fields(msg: TweetClassified) -> dict[str, Any]:
    t = msg.tweet
    ent = msg.entities
    cut = len(t.text) > DOC_TEXT_CHARS
    text = t.text[: DOC_TEXT_CHARS - 1] + "…" if cut else t.text
    doc: dict[str, Any] = {
        "i": t.tweet_id,
        "a": t.author.username,
        "t": text,
        "u": t.url or tweet_url(t.author.username, t.tweet_id),
        "c": t.created_at.isoformat(),
        "e": t.metrics.engagement(),
        "l": t.lang,
        "g": list(msg.categories),
        "s": [s.id for s in msg.subtopics],
        "m": msg.sentiment,
        "k": msg.near_dup_key,
    }
    optional = {
        "mo": ent.models,
        "co": [c.name for c in ent.companies],
        "tk": _tickers(msg),
        "cn": ent.coins,
        "p": ent.percentages,
        "$": ent.money,
        "h": ent.hashtags,
    }
    doc.update((k, v) for k, v in optional.items() if v)
    if cut or t.truncated:
        doc["x"] = 1
    return doc


def _tickers(msg: TweetClassified) -> list[str]:
    ent = msg.entities
    seen = dict.fromkeys(ent.cashtags)
    for company in ent.companies:
        if company.ticker:
            seen.setdefault(company.ticker.upper().lstrip("$"))
    return list(seen)


def identity(msg: TweetClassified) -> str:
    """Who said what: equal for a tweet, its retweets and its truncated copies, in any order."""
    return f"{msg.tweet.author.username.lower()}:{msg.near_dup_key}"


def deltas_for(msg: TweetClassified, settings: ReportSettings) -> list[tuple[str, str, Delta]]:
    """The ``(scope, event_id, delta)`` updates one classified message makes (see module doc).

    Empty groups are left out, so the store does no work for what a tweet does not carry.
    """
    t = msg.tweet
    ent = msg.entities
    scope = scope_for(_checked_window_id(t.observed_at, settings))
    caps = _tally_caps(settings)
    cats: list[str] = list(dict.fromkeys(msg.categories))
    who = identity(msg)
    subs = list({s.id: s for s in msg.subtopics}.values())
    sentiment = msg.sentiment
    tickers = _tickers(msg)
    coins = list(dict.fromkeys(ent.coins))

    tallies: dict[str, list[Tally]] = {
        T_TERMS: [Tally(term) for term in msg.terms],
        T_CLUSTERS: [Tally(msg.near_dup_key)],
        T_LANGS: [Tally(t.lang or "und")],
        T_STORIES: [Tally(who)],
    }
    if subs:
        tallies[T_SUBTOPICS] = [Tally(s.id, 1.0, s.label) for s in subs]
    if tickers:
        tallies[T_TICKERS] = [Tally(s) for s in tickers]
        tallies[T_TICKER_SENTIMENT] = [Tally(f"{s}:{sentiment}") for s in tickers]
    if coins:
        tallies[T_COINS] = [Tally(c) for c in coins]
        tallies[T_COIN_SENTIMENT] = [Tally(f"{c}:{sentiment}") for c in coins]
    if ent.models:
        tallies[T_MODELS] = [Tally(m) for m in dict.fromkeys(ent.models)]
    if ent.companies:
        tallies[T_COMPANIES] = [Tally(c) for c in dict.fromkeys(c.name for c in ent.companies)]
        named = dict.fromkeys(f"{c.ticker}\t{c.name}" for c in ent.companies if c.ticker)
        if named:
            tallies[T_TICKER_NAMES] = [Tally(pair) for pair in named]
    if ent.hashtags:
        tallies[T_HASHTAGS] = [Tally(h) for h in dict.fromkeys(ent.hashtags)]
    counters: dict[str, Mapping[str, float]] = {
        C_TOTALS: _ONE_TWEET,
        C_SENTIMENT: {sentiment: 1.0},
    }
    if cats:
        counters[C_CATEGORIES] = dict.fromkeys(cats, 1.0)
        counters[C_SENTIMENT_BY_CATEGORY] = {f"{c}:{sentiment}": 1.0 for c in cats}
    else:
        counters[C_CATEGORIES] = _NO_CATEGORY
    counts = Delta(counters=counters, tallies=tallies, tally_caps=caps)

    fields = _doc_fields(msg)
    doc = encode_doc(fields)
    score = t.metrics.engagement()
    top_k = settings.top_k
    offer = [Ranked(who, score, doc)]
    rankings = {R_ALL: offer}
    ranking_caps = {R_ALL: 2 * top_k}
    for key in (*(R_PREFIX + c for c in cats), *(ranking_of_subtopic(s.id) for s in subs)):
        rankings[key] = offer
        ranking_caps[key] = top_k
    # Amount 0: these only offer the representative document; the counts came with the tweet id.
    offer_tallies = {T_CLUSTERS: [Tally(msg.near_dup_key, 0.0, doc, score)]}
    # The story table: the tweet's story document (what its fingerprint is made of); a retweet
    # adds one to its weight.
    story = story_doc(msg, fields, doc)
    offer_tallies[T_STORIES] = [Tally(who, 0.0 if t.via_retweet is None else 1.0, story, score)]
    if tickers:
        offer_tallies[T_TICKERS] = [Tally(s, 0.0, doc, score) for s in tickers]
    if coins:
        offer_tallies[T_COINS] = [Tally(c, 0.0, doc, score) for c in coins]
    rt = t.via_retweet
    if rt is None:
        offers = Delta(
            tallies=offer_tallies, tally_caps=caps, rankings=rankings, ranking_caps=ranking_caps
        )
        # The engagement is part of the id: a later sighting with new metrics is a new offer,
        # while a redelivery (same metrics) is not; offers are max-merged, so either is harmless.
        offer_id = f"tw:{who}:{score:.0f}"
    else:
        if subs:
            offer_tallies[T_SUBTOPIC_RETWEETS] = [Tally(s.id) for s in subs]
        offers = Delta(
            counters={
                C_TOTALS: _ONE_RETWEET,
                C_RETWEETS_BY_CATEGORY: dict.fromkeys(cats, 1.0) if cats else _NO_CATEGORY,
            },
            tallies=offer_tallies,
            tally_caps=caps,
            rankings=rankings,
            ranking_caps=ranking_caps,
        )
        offer_id = "rt:" + rt.retweet_id
    return [(scope, who, counts), (scope, offer_id, offers)]
