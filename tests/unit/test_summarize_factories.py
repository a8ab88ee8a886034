"""Factories for summarize's tests: classified tweets built by hand, and a rich synthetic window.

Imported by the other ``test_summarize_*`` modules; the tests here check the factories themselves.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

from shared.models import (
    Author,
    Company,
    Entities,
    Metrics,
    RetweetRef,
    SubtopicTag,
    TweetClassified,
    TweetIngested,
)
from shared.settings import ReportSettings
from shared.store import MemoryStore

T0 = datetime(2026, 1, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, inside window 2026-01-02
WINDOW = "2026-01-02"

_WORD = re.compile(r"[A-Za-z][A-Za-z-]+")


def classified(
    tweet_id: str = "1001",
    text: str = "Agents are the future of software",
    *,
    author: str = "alice",
    at: datetime = T0,
    likes: int = 0,
    retweets: int = 0,
    replies: int = 0,
    quotes: int = 0,
    lang: str | None = "en",
    via: str | None = None,
    via_at: datetime | None = None,
    categories: Sequence[str] = ("ai",),
    subtopics: Sequence[tuple[str, str]] = (("agents", "智能代理"),),
    models: Sequence[str] = (),
    companies: Sequence[tuple[str, str | None]] = (),
    cashtags: Sequence[str] = (),
    coins: Sequence[str] = (),
    percentages: Sequence[str] = (),
    money: Sequence[str] = (),
    hashtags: Sequence[str] = (),
    sentiment: str = "neutral",
    terms: Sequence[str] | None = None,
    near_dup_key: str | None = None,
) -> TweetClassified:
    """One classified tweet; ``via`` makes it arrive through retweet ``via`` at ``via_at``."""
    observed = via_at or at
    tweet = TweetIngested(
        tweet_id=tweet_id,
        text=text,
        created_at=at,
        observed_at=observed,
        author=Author(username=author),
        lang=lang,
        metrics=Metrics(likes=likes, retweets=retweets, replies=replies, quotes=quotes),
        via_retweet=None
        if via is None
        else RetweetRef(retweet_id=via, retweeted_by="rt_" + via, retweeted_at=observed),
        source="file:test",
    )
    return TweetClassified(
        tweet=tweet,
        categories=list(categories),
        subtopics=[SubtopicTag(id=i, label=label) for i, label in subtopics],
        entities=Entities(
            cashtags=list(cashtags),
            coins=list(coins),
            companies=[Company(name=n, ticker=t) for n, t in companies],
            models=list(models),
            percentages=list(percentages),
            money=list(money),
            hashtags=list(hashtags),
        ),
        sentiment=sentiment,
        terms=list(terms) if terms is not None else [w.lower() for w in _WORD.findall(text)],
        near_dup_key=near_dup_key or "k" + tweet_id,
    )


SUBTOPICS: list[tuple[str, str, str]] = [
    # id, label, category
    ("agents", "智能代理", "ai"),
    ("llm_release", "模型发布", "ai"),
    ("coding_tools", "代码生成与开发工具", "ai"),
    ("research", "学术研究", "ai"),
    ("open_source", "开源生态", "ai"),
    ("education", "教育应用", "ai"),
    ("ethics", "伦理与治理", "ai"),
    ("chips", "芯片与算力", "ai"),
    ("multimodal", "多模态交互", "ai"),
    ("stocks", "股票市场", "finance"),
    ("funding", "投资与融资", "finance"),
    ("robotics", "机器人与具身智能", "ai"),
]

_ENTITIES: dict[str, tuple[list[str], list[tuple[str, str | None]]]] = {
    "agents": (["Claude Skills"], [("Anthropic", None)]),
    "llm_release": (["GPT-5"], [("OpenAI", None)]),
    "coding_tools": (["Gemini"], [("Google", "GOOGL")]),
    "research": ([], [("MIT", None)]),
    "open_source": (["Llama 4"], [("Meta", "META")]),
    "education": (["Gemini"], [("Google", "GOOGL")]),
    "ethics": ([], []),
    "chips": (["H200"], [("NVIDIA", "NVDA")]),
    "multimodal": (["Gemini"], [("Google", "GOOGL")]),
    "stocks": ([], [("Samsung", None), ("SK Hynix", None)]),
    "funding": ([], [("ByteDance", None)]),
    "robotics": ([], [("Tesla", "TSLA")]),
}

_TEXTS = {
    "agents": "Agents will run most enterprise workflows by next year, I think {n} teams already do",
    "llm_release": "OpenAI releases GPT-5 with {n} new benchmark records",
    "coding_tools": "Google launches a new coding tool, {n} repos documented already",
    "research": "New research paper from MIT: recursive language models beat baselines by {n}%",
    "open_source": "Meta open-sources Llama 4, closed wins early but open wins eventually #{n}",
    "education": "Students using Learn Your Way scored {n}% vs 67% in the control group",
    "ethics": "Should we worry about semantic collapse in RAG systems? {n} citations say yes",
    "chips": "ByteDance plans to buy {n} thousand H200 chips from NVIDIA for $14B",
    "multimodal": "Gemini makes every image interactive, tap any region: demo {n}",
    "stocks": "Samsung +124% and SK Hynix +280% this year, Kospi up 76%, lot {n}",
    "funding": "ByteDance raises investment in AI infrastructure, series B round {n}",
    "robotics": "Humanoid robots ship to factories in {n} countries, Tesla leads",
}


def rich_window(per_topic_base: int = 3) -> list[TweetClassified]:
    """A window with twelve sub-topics of different sizes, a repeated text, retweets, tickers."""
    out: list[TweetClassified] = []
    n = 0
    for rank, (sub, label, cat) in enumerate(SUBTOPICS):
        models, companies = _ENTITIES[sub]
        size = per_topic_base + len(SUBTOPICS) - rank
        for i in range(size):
            n += 1
            cashtags = [t for _, t in companies if t]
            out.append(
                classified(
                    str(100_000 + n),
                    _TEXTS[sub].format(n=n),
                    author=f"user{n}",
                    at=T0 + timedelta(minutes=n),
                    likes=(size - i) * 7 + rank,
                    retweets=size - i,
                    categories=[cat, "ai"] if cat == "finance" else [cat],
                    subtopics=[(sub, label)],
                    models=models,
                    companies=companies,
                    cashtags=cashtags,
                    percentages=re.findall(r"[+-]?\d+%", _TEXTS[sub].format(n=n)),
                    money=["$14B"] if "$14B" in _TEXTS[sub] else [],
                    sentiment="bullish" if sub in {"stocks", "chips"} and i % 3 else "neutral",
                )
            )
    # The same sentence posted by six accounts: one near-duplicate cluster.
    for i in range(6):
        n += 1
        out.append(
            classified(
                str(100_000 + n),
                "AI in one year equals ten years of normal time, keep up or fall behind",
                author=f"copy{i}",
                at=T0 + timedelta(minutes=n),
                likes=3 + i,
                subtopics=[("ethics", "伦理与治理")],
                near_dup_key="same-sentence",
            )
        )
    # Retweets of the first tweet, seen later with more engagement.
    first = out[0]
    for i in range(3):
        out.append(
            classified(
                first.tweet.tweet_id,
                first.tweet.text,
                author=first.tweet.author.username,
                likes=500 + i,
                retweets=50,
                via=f"9{i}",
                via_at=T0 + timedelta(hours=3, minutes=i),
                subtopics=[("agents", "智能代理")],
                models=["Claude Skills"],
                companies=[("Anthropic", None)],
            )
        )
    # Off-topic tweets count too.
    for i in range(3):
        n += 1
        out.append(
            classified(
                str(100_000 + n),
                f"Lunch was great today number {i}",
                categories=[],
                subtopics=[],
                author=f"other{i}",
            )
        )
    return out


def load(
    messages: Iterable[TweetClassified], settings: ReportSettings | None = None
) -> MemoryStore:
    """A store holding ``messages`` applied through the handler's deltas."""
    from services.summarize.aggregate import deltas_for

    settings = settings or ReportSettings()
    store = MemoryStore()
    for msg in messages:
        for scope, event_id, delta in deltas_for(msg, settings):
            store.apply(scope, event_id, delta)
    return store


def test_classified_defaults_make_a_valid_ai_tweet() -> None:
    msg = classified()
    assert msg.categories == ["ai"]
    assert msg.terms[:2] == ["agents", "are"]
    assert msg.tweet.via_retweet is None


def test_rich_window_has_twelve_subtopics_and_retweets() -> None:
    msgs = rich_window()
    assert len({s.id for m in msgs for s in m.subtopics}) == 12
    assert sum(1 for m in msgs if m.tweet.via_retweet) == 3
    assert all(m.tweet.observed_at.date().isoformat() == WINDOW for m in msgs)
