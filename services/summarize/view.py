"""The typed reading of one window's aggregates: what every report writer works from.

:func:`load_view` decodes a store :class:`~shared.store.Snapshot` into a :class:`WindowView`: the
exact :class:`~shared.models.WindowStats`, the top tweets per sub-topic and category, the
near-duplicate clusters with their sizes and representatives, the word-cloud terms, tickers and
coins with sentiment, and the leading entities. Writers never touch the store.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from services.summarize.aggregate import (
    C_CATEGORIES,
    C_RETWEETS_BY_CATEGORY,
    C_SENTIMENT,
    C_SENTIMENT_BY_CATEGORY,
    C_TOTALS,
    NO_CATEGORY,
    R_ALL,
    R_PREFIX,
    R_SUB_PREFIX,
    T_CLUSTERS,
    T_COIN_SENTIMENT,
    T_COINS,
    T_COMPANIES,
    T_HASHTAGS,
    T_LANGS,
    T_MODELS,
    T_STORIES,
    T_SUBTOPIC_RETWEETS,
    T_SUBTOPICS,
    T_TERMS,
    T_TICKER_NAMES,
    T_TICKER_SENTIMENT,
    T_TICKERS,
    ranking_of_category,
    window_by_id,
)
from services.summarize.doc import TweetDoc, decode_doc
from services.summarize.keys import scope_for
from services.summarize.stories import build_stories, split
from services.summarize.story import SetAsideCounts, Story
from shared.models import (
    CATEGORIES,
    CountStat,
    SymbolStat,
    TermWeight,
    Window,
    WindowStats,
    utcnow,
)
from shared.settings import ReportSettings
from shared.store import Snapshot, StateStore

SENTIMENTS = ("bullish", "bearish", "neutral")
STAT_SYMBOLS = 50
"""Tickers and coins listed in :class:`WindowStats` (the most mentioned)."""


@dataclass(frozen=True)
class Cluster:
    """Near-duplicate tweets: how many distinct tweets share the key, and the most engaging one."""

    key: str
    size: int
    representative: TweetDoc | None


@dataclass(frozen=True)
class WindowView:
    """Everything known about one window, decoded; built by :func:`load_view`."""

    window: Window
    built_at: datetime
    stats: WindowStats
    top_all: list[TweetDoc] = field(default_factory=list)
    """The most engaging tweets of the window, highest first."""
    top_by_category: dict[str, list[TweetDoc]] = field(default_factory=dict)
    top_by_subtopic: dict[str, list[TweetDoc]] = field(default_factory=dict)
    subtopic_labels: dict[str, str] = field(default_factory=dict)
    subtopic_retweets: dict[str, int] = field(default_factory=dict)
    retweets_by_category: dict[str, int] = field(default_factory=dict)
    sentiment_by_category: dict[str, dict[str, int]] = field(default_factory=dict)
    clusters: list[Cluster] = field(default_factory=list)
    """Largest first; singletons included (a size of 1 is a tweet nobody repeated)."""
    terms: list[TermWeight] = field(default_factory=list)
    ticker_docs: dict[str, TweetDoc] = field(default_factory=dict)
    """The most engaging tweet that mentions each ticker."""
    coin_docs: dict[str, TweetDoc] = field(default_factory=dict)
    models: list[CountStat] = field(default_factory=list)
    companies: list[CountStat] = field(default_factory=list)
    hashtags: list[CountStat] = field(default_factory=list)
    langs: list[CountStat] = field(default_factory=list)
    stories: list[Story] = field(default_factory=list)
    """Reported stories, strongest first (``Story.score``); none is spam or chatter."""
    set_aside: SetAsideCounts = field(default_factory=SetAsideCounts)
    """Stories and tweets not reported (spam, chatter), for the footer."""
    set_aside_stories: list[Story] = field(default_factory=list)
    """The stories set aside themselves, largest first (for ``ReportReady.stories``)."""

    def label(self, subtopic_id: str) -> str:
        """A sub-topic's Chinese label (its id if unknown)."""
        return self.subtopic_labels.get(subtopic_id, subtopic_id)

    def subtopic_count(self, subtopic_id: str) -> int:
        """Tweets in a sub-topic."""
        for s in self.stats.subtopics:
            if s.key == subtopic_id:
                return s.count
        return 0


def _int(value: float) -> int:
    return round(value)


def _counts(snap: Snapshot, group: str) -> list[tuple[str, int, str | None]]:
    return [(m, _int(v), doc) for m, v, doc in snap.tallies.get(group, []) if _int(v) > 0]


_NOT_KEY = re.compile(r"[\W_]+")


def entity_key(name: str) -> str:
    """Spellings of one name compare equal: ``GPT-4``, ``gpt4`` and ``GPT 4`` are one model."""
    return _NOT_KEY.sub("", name.casefold()) or name


def _count_stats(snap: Snapshot, group: str, limit: int, *, merge: bool = True) -> list[CountStat]:
    """Counts per name; with ``merge``, spellings of one name add up under the commonest one."""
    merged: dict[str, tuple[str, int]] = {}
    for member, n, _ in _counts(snap, group):
        key = entity_key(member) if merge else member
        held = merged.get(key)
        # Members come most frequent first, so the first spelling seen is the commonest.
        merged[key] = (held[0], held[1] + n) if held else (member, n)
    stats = [CountStat(key=k, label=label, count=n) for k, (label, n) in merged.items()]
    stats.sort(key=lambda c: (-c.count, c.key))
    return stats[:limit]


def _symbols(
    snap: Snapshot, group: str, sentiment_group: str, names: Mapping[str, str]
) -> list[SymbolStat]:
    sentiment: dict[str, dict[str, int]] = {}
    for member, n, _ in _counts(snap, sentiment_group):
        symbol, _, label = member.rpartition(":")
        sentiment.setdefault(symbol, {})[label] = n
    out = []
    for symbol, n, _ in _counts(snap, group)[:STAT_SYMBOLS]:
        s = sentiment.get(symbol, {})
        out.append(
            SymbolStat(
                symbol=symbol,
                name=names.get(symbol),
                mentions=n,
                bullish=s.get("bullish", 0),
                bearish=s.get("bearish", 0),
                neutral=s.get("neutral", 0),
            )
        )
    return out


def _symbol_docs(snap: Snapshot, group: str) -> dict[str, TweetDoc]:
    return {m: decode_doc(doc) for m, _, doc in _counts(snap, group)[:STAT_SYMBOLS] if doc}


def _ticker_names(snap: Snapshot) -> dict[str, str]:
    """A ticker's company name: the one classify paired with it most often."""
    names: dict[str, str] = {}
    for member, _, _ in _counts(snap, T_TICKER_NAMES):
        ticker, _, name = member.partition("\t")
        names.setdefault(ticker, name)
    return names


SET_ASIDE_LISTED = 20
"""Set-aside stories carried in a report (the largest); the counts cover them all."""


def view_from_snapshot(
    snap: Snapshot,
    window: Window,
    *,
    built_at: datetime,
    cloud_terms: int,
    report_stories: int = 50,
) -> WindowView:
    """Decode a window scope's snapshot."""
    totals = snap.counters.get(C_TOTALS, {})
    cats = snap.counters.get(C_CATEGORIES, {})
    sents = snap.counters.get(C_SENTIMENT, {})
    subtopics = _counts(snap, T_SUBTOPICS)
    labels = {m: doc or m for m, _, doc in subtopics}
    ticker_docs = _symbol_docs(snap, T_TICKERS)
    coin_docs = _symbol_docs(snap, T_COINS)
    stats = WindowStats(
        tweets=_int(totals.get("tweets", 0.0)),
        retweets=_int(totals.get("retweets", 0.0)),
        categories={c: _int(cats.get(c, 0.0)) for c in (*CATEGORIES, NO_CATEGORY)},
        subtopics=[CountStat(key=m, label=labels[m], count=n) for m, n, _ in subtopics],
        tickers=_symbols(snap, T_TICKERS, T_TICKER_SENTIMENT, _ticker_names(snap)),
        coins=_symbols(snap, T_COINS, T_COIN_SENTIMENT, {}),
        sentiment={s: _int(sents.get(s, 0.0)) for s in SENTIMENTS},
    )
    by_cat: dict[str, dict[str, int]] = {}
    for member, v in snap.counters.get(C_SENTIMENT_BY_CATEGORY, {}).items():
        cat, _, sentiment = member.partition(":")
        by_cat.setdefault(cat, {s: 0 for s in SENTIMENTS})[sentiment] = _int(v)

    top_all: list[TweetDoc] = []
    top_by_category: dict[str, list[TweetDoc]] = {}
    top: dict[str, list[TweetDoc]] = {}
    categories = {ranking_of_category(c): c for c in CATEGORIES}
    for group, entries in snap.rankings.items():
        docs = [decode_doc(r.doc) for r in entries if r.doc]
        if group == R_ALL:
            top_all = docs
        elif group in categories:
            top_by_category[categories[group]] = docs
        elif group.startswith(R_SUB_PREFIX):
            top[group[len(R_SUB_PREFIX) :]] = docs
        elif group.startswith(R_PREFIX):
            top[group[len(R_PREFIX) :]] = docs

    clusters = [
        Cluster(key=m, size=n, representative=decode_doc(doc) if doc else None)
        for m, n, doc in _counts(snap, T_CLUSTERS)
    ]
    terms = [TermWeight(term=m, weight=v) for m, v, _ in snap.tallies.get(T_TERMS, []) if v > 0][
        :cloud_terms
    ]
    all_stories = build_stories(snap.tallies.get(T_STORIES, []), window.end)
    stories, set_aside = split(all_stories, report_stories)
    aside = sorted(
        (s for s in all_stories if not s.reported), key=lambda s: (-s.tweets, -s.score, s.id)
    )[:SET_ASIDE_LISTED]
    return WindowView(
        window=window,
        built_at=built_at,
        stats=stats,
        top_all=top_all,
        top_by_category=top_by_category,
        top_by_subtopic=top,
        subtopic_labels=labels,
        subtopic_retweets={m: n for m, n, _ in _counts(snap, T_SUBTOPIC_RETWEETS)},
        retweets_by_category={
            c: _int(v) for c, v in snap.counters.get(C_RETWEETS_BY_CATEGORY, {}).items()
        },
        sentiment_by_category=by_cat,
        clusters=clusters,
        terms=terms,
        ticker_docs=ticker_docs,
        coin_docs=coin_docs,
        models=_count_stats(snap, T_MODELS, 50),
        companies=_count_stats(snap, T_COMPANIES, 50),
        hashtags=_count_stats(snap, T_HASHTAGS, 50),
        langs=_count_stats(snap, T_LANGS, 50, merge=False),
        stories=stories,
        set_aside=set_aside,
        set_aside_stories=aside,
    )


def load_view(
    store: StateStore,
    window_id: str,
    settings: ReportSettings,
    *,
    built_at: datetime | None = None,
) -> WindowView:
    """Read one window's aggregates from the store and decode them."""
    return view_from_snapshot(
        store.snapshot(scope_for(window_id)),
        window_by_id(window_id, settings),
        built_at=built_at or utcnow(),
        cloud_terms=settings.cloud_terms,
        report_stories=settings.report_stories,
    )
