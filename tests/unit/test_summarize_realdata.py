"""The writer on real tweets (../shared/data): messy text, many languages, mostly retweets.

Classification here is a crude keyword stand-in so that this test depends on summarize alone;
what it checks is that the report stays complete, cited and traceable on real text.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.summarize import handler
from services.summarize.aggregate import identity
from services.summarize.handler import SummarizeDeps
from services.summarize.view import load_view
from services.summarize.writers import CORE_POINTS, EVENT_TITLES
from services.summarize.writers.extractive import ExtractiveWriter
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
from tests.unit.test_summarize_writer import BUILT, assert_traceable

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
CSV = DATA / "chatgpt-tweets-2023-04-27.csv"

pytestmark = pytest.mark.skipif(
    not CSV.exists(), reason=f"real tweets not found at {CSV} (../shared/data is absent)"
)

_RULES = [
    ("education", "教育应用", r"student|school|exam|teacher|homework|universit|class"),
    ("coding", "代码生成与开发工具", r"\bcode|coding|python|developer|programm|github"),
    ("business", "商业与营销", r"business|marketing|money|earn|sales|startup"),
    ("jobs", "就业与职场", r"\bjobs?\b|career|hire|employ"),
    ("policy", "监管与政策", r"congress|\bban\b|regulat|\blaw\b|privacy|government"),
    ("research", "学术研究", r"paper|study|research|scien"),
    ("models", "模型发布", r"gpt-?4|gpt-?3|\bmodel|release"),
    ("writing", "写作与内容创作", r"\bwrit|essay|content|blog|article"),
    ("tools", "新工具与插件", r"plugin|\bapp\b|\btool|extension|chrome"),
    ("prompts", "提示词技巧", r"prompt"),
    ("risks", "伦理与风险", r"ethic|danger|risk|fake|misinfo|bias"),
    ("search", "搜索与信息获取", r"google|search|bing"),
]
_RULES_RE = [(i, label, re.compile(p, re.I)) for i, label, p in _RULES]
_MODELS = re.compile(r"\b(ChatGPT|GPT-?4|GPT-?3\.5|Bard|Bing Chat)\b", re.I)
_COMPANIES = {
    "openai": ("OpenAI", None),
    "microsoft": ("Microsoft", "MSFT"),
    "google": ("Google", "GOOGL"),
    "nvidia": ("NVIDIA", "NVDA"),
}
_PCT = re.compile(r"[+-]?\d+(?:\.\d+)?%")
_MONEY = re.compile(r"\$\d[\d,.]*[kKmMbB]?")
_CASH = re.compile(r"\$([A-Z]{2,5})\b")
_WORDS = re.compile(r"[a-z][a-z'-]{2,}|[\u4e00-\u9fff]{2,4}")
_STOP = {"the", "and", "for", "you", "that", "this", "with", "are", "was", "but", "not", "have"}


def _when(text: str) -> datetime:
    return datetime.strptime(text, "%m/%d/%Y %H:%M:%S").replace(tzinfo=UTC)


def messages() -> Iterator[TweetClassified]:
    with CSV.open(encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            text, at = row["text"], _when(row["created"])
            rt = re.match(r"RT @(\w+): (.*)", text, re.S)
            author, body = (rt.group(1), rt.group(2)) if rt else (row["screenName"], text)
            if not body.strip():
                continue
            tweet_id = (
                "rt" + hashlib.blake2b(f"{author}|{body[:60]}".encode(), digest_size=6).hexdigest()
                if rt
                else row["id"]
            )
            low = body.lower()
            coins = ["BTC"] if re.search(r"bitcoin|\bbtc\b", low) else []
            cashtags = _CASH.findall(body)
            money = _MONEY.findall(body)
            cats = ["ai"]
            if cashtags or money or re.search(r"stock|invest|market", low):
                cats.append("finance")
            if coins or "crypto" in low:
                cats.append("crypto")
            yield TweetClassified(
                tweet=TweetIngested(
                    tweet_id=tweet_id,
                    text=body,
                    created_at=at,
                    observed_at=at,
                    author=Author(username=author),
                    metrics=Metrics(
                        likes=int(row["favoriteCount"]), retweets=int(row["retweetCount"])
                    ),
                    truncated=row["truncated"] == "TRUE",
                    via_retweet=RetweetRef(
                        retweet_id=row["id"], retweeted_by=row["screenName"], retweeted_at=at
                    )
                    if rt
                    else None,
                    source="file:chatgpt-tweets-2023-04-27.csv",
                ),
                categories=cats,
                subtopics=[
                    SubtopicTag(id=i, label=label) for i, label, p in _RULES_RE if p.search(body)
                ],
                entities=Entities(
                    models=sorted({m.group(1) for m in _MODELS.finditer(body)}),
                    companies=[
                        Company(name=n, ticker=t) for k, (n, t) in _COMPANIES.items() if k in low
                    ],
                    cashtags=cashtags,
                    coins=coins,
                    percentages=_PCT.findall(body),
                    money=money,
                ),
                sentiment="bullish" if re.search(r"bullish|to the moon", low) else "neutral",
                terms=[w for w in _WORDS.findall(low) if w not in _STOP],
                near_dup_key=hashlib.blake2b(
                    re.sub(r"https?://\S+|\W+", "", low)[:80].encode(), digest_size=8
                ).hexdigest(),
            )


def test_real_tweets_give_a_complete_cited_traceable_report() -> None:
    settings = ReportSettings()
    store = MemoryStore()
    deps = SummarizeDeps(
        store=store, settings=settings, writer=ExtractiveWriter(), clock=lambda: BUILT
    )
    msgs = list(messages())
    for msg in msgs:
        handler.handle(msg, deps=deps)
    # 16:56-17:35 UTC on 27 April is just after midnight on the 28th in Shanghai.
    assert handler.dirty_windows(store) == ["2023-04-28"]
    ready = handler.build_report("2023-04-28", deps=deps)
    report = ready.report
    # A retweet row and its original row are one tweet, whatever ids ingest could give them.
    distinct = {identity(m) for m in msgs}
    assert ready.stats.tweets == len(distinct)
    assert ready.stats.retweets == sum(1 for m in msgs if m.tweet.via_retweet)
    assert len(report.core_points) == CORE_POINTS
    assert all(p.body and p.citations for p in report.core_points)
    assert len({p.citations[0].tweet_id for p in report.core_points}) == CORE_POINTS
    assert [b.title for b in report.events] == list(EVENT_TITLES)
    # The crypto part of the market section opens with its share, or says there was none.
    crypto = [b for b in report.markets if b.paragraphs[0].startswith("本时段数字货币相关推文")]
    assert crypto or report.markets[-1].title == "未涉及数字货币"
    view = load_view(store, "2023-04-28", settings, built_at=BUILT)
    assert_traceable(view, report)
