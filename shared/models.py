"""The topic contract: one frozen pydantic model per Kafka topic.

Other teams consume these topics, so every change here is a public change: add optional fields
freely, but bump ``schema_version`` for anything that removes, renames or retypes a field, and
regenerate the JSON Schemas (``python -m shared.schema_export``). ``tests/unit/test_schemas.py`` fails
when the committed schemas drift from these models.

=====================  ====================  ==============================
topic                  model                 key
=====================  ====================  ==============================
``tweets.raw``         :class:`TweetIngested`   author username, lower-cased
``tweets.classified``  :class:`TweetClassified` author username, lower-cased
``reports.ready``      :class:`ReportReady`     window id
``posts.rendered``     :class:`PostRendered`    window id
``<topic>.dlq``        :class:`DeadLetter`      the original key, if any
=====================  ====================  ==============================
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

Category = Literal["ai", "finance", "crypto"]
"""The three report categories; a tweet may carry several or none."""

Sentiment = Literal["bullish", "bearish", "neutral"]
"""Market sentiment of one tweet, for the stocks-and-coins section."""

CATEGORIES: tuple[Category, ...] = ("ai", "finance", "crypto")


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class Contract(BaseModel):
    """Base of every message model: immutable, strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


# ---------------------------------------------------------------------------- tweets.raw


# ``Author.username`` is the @handle without its "@". A source that names an author only by id
# (an X API response saved without expansions=author_id) gives ``id:<author_id>``, and one that
# names no author at all ``id:unknown``: real handles are [A-Za-z0-9_]{1,15}, so neither can
# be somebody's handle. Such a tweet's url is https://x.com/i/status/<id>.
AUTHOR_ID_PREFIX = "id:"
"""The start of a username that is an author's id, not a handle."""

UNKNOWN_AUTHOR = "id:unknown"
"""The username of a tweet whose source names no author."""


def author_label(username: str) -> str:
    """How a post names an author: ``@handle``, ``用户 <id>`` for one known only by id, or
    ``未署名用户`` when the source named none."""
    if not username.startswith(AUTHOR_ID_PREFIX):
        return "@" + username
    if username == UNKNOWN_AUTHOR:
        return "未署名用户"
    return "用户 " + username.removeprefix(AUTHOR_ID_PREFIX)


class Author(Contract):
    """Who wrote a tweet."""

    username: str = Field(min_length=1, max_length=64)
    name: str | None = None
    followers: int | None = Field(default=None, ge=0)
    verified: bool | None = None


class Metrics(Contract):
    """Public engagement counts as last seen; a retweet's row carries its original's counts."""

    likes: int = Field(default=0, ge=0)
    retweets: int = Field(default=0, ge=0)
    replies: int = Field(default=0, ge=0)
    quotes: int = Field(default=0, ge=0)
    views: int | None = Field(default=None, ge=0)

    def engagement(self) -> float:
        """One engagement score: likes + replies + 2 x (retweets + quotes)."""
        return float(self.likes + self.replies + 2 * (self.retweets + self.quotes))


class RetweetRef(Contract):
    """The retweet through which an original tweet reached us."""

    retweet_id: str
    retweeted_by: str
    retweeted_at: AwareDatetime


class TweetIngested(Contract):
    """A tweet read from a source and published on ``tweets.raw``.

    A retweet is not a second tweet: it is published as its original (``tweet_id`` is the
    original's id) with ``via_retweet`` set and the original's metrics, so it adds to the
    original's engagement. ``observed_at`` (the retweet's time, or ``created_at``) places the
    tweet in a report window.
    """

    TOPIC: ClassVar[str] = "tweets.raw"

    schema_version: Literal[1] = 1
    tweet_id: str = Field(min_length=1, max_length=64, description="The original tweet's id.")
    text: str = Field(min_length=1, max_length=25_000)
    created_at: AwareDatetime
    observed_at: AwareDatetime
    author: Author
    lang: str | None = None
    metrics: Metrics = Metrics()
    url: str | None = Field(default=None, description="Link to the tweet on x.com, if known.")
    truncated: bool = False
    in_reply_to: str | None = Field(default=None, description="Username replied to, if a reply.")
    via_retweet: RetweetRef | None = None
    source: str = Field(description="Where it was read: 'file:<name>', 'x-api:recent', …")

    def key(self) -> str:
        """Partitioning key: the author's username, lower-cased.

        Every copy of a tweet (the original row, its retweets, a truncated copy with a synthetic
        id) has the same author, so all of them stay in order on one partition and reach
        summarize in the order they were read, in any mode and with any number of workers.
        """
        return self.author.username.lower()


# ---------------------------------------------------------------------------- tweets.classified


class SubtopicTag(Contract):
    """A sub-topic from the taxonomy: a stable id and its Chinese label."""

    id: str
    label: str


class Company(Contract):
    """A company mentioned in a tweet, with its ticker where it has one."""

    name: str = Field(description="Canonical name, the same in every language: 'SK Hynix'.")
    ticker: str | None = None
    label: str | None = Field(
        default=None, description="Its name as a Chinese reader knows it: 'SK海力士', '字节跳动'."
    )


class Entities(Contract):
    """What a tweet names: tickers, coins, companies, models, figures."""

    cashtags: list[str] = Field(default_factory=list, description="Upper-case, no '$'.")
    coins: list[str] = Field(default_factory=list, description="Coin symbols, e.g. BTC.")
    companies: list[Company] = Field(default_factory=list)
    models: list[str] = Field(default_factory=list, description="AI model names.")
    percentages: list[str] = Field(default_factory=list, description="As written: '+124%'.")
    money: list[str] = Field(default_factory=list, description="As written: '$14B', '140亿美元'.")
    hashtags: list[str] = Field(default_factory=list)


class TweetClassified(Contract):
    """A tweet with its categories, sub-topics, entities and sentiment, on ``tweets.classified``."""

    TOPIC: ClassVar[str] = "tweets.classified"

    schema_version: Literal[1] = 1
    tweet: TweetIngested
    categories: list[Category] = Field(description="Multi-label; empty for off-topic tweets.")
    subtopics: list[SubtopicTag] = Field(default_factory=list)
    entities: Entities = Entities()
    sentiment: Sentiment = "neutral"
    terms: list[str] = Field(
        default_factory=list,
        description="Segmented content terms for the word cloud (no stopwords, numbers, URLs).",
    )
    near_dup_key: str = Field(description="Equal for near-duplicate texts; clusters them.")

    def key(self) -> str:
        """Partitioning key: the author's username, lower-cased (as on ``tweets.raw``)."""
        return self.tweet.key()


# ---------------------------------------------------------------------------- reports.ready


class TweetRef(Contract):
    """A tweet a report cites, quoted in its own language."""

    tweet_id: str
    author: str
    text: str
    url: str | None = None
    created_at: AwareDatetime
    engagement: float = 0.0
    lang: str | None = None


class CorePoint(Contract):
    """One of the ten core points: a title, a body, and the tweets it rests on."""

    title: str = Field(min_length=1)
    body: str = Field(min_length=1)
    citations: list[TweetRef] = Field(min_length=1)
    story_id: str | None = Field(
        default=None, description="The story it tells (``ReportReady.stories``), if any."
    )


class Block(Contract):
    """A titled block of plain-text paragraphs and bullets, with the tweets it cites."""

    title: str
    paragraphs: list[str] = Field(default_factory=list)
    bullets: list[str] = Field(default_factory=list)
    citations: list[TweetRef] = Field(default_factory=list)


class Report(Contract):
    """The report's sections in the seed's order. All text is plain: render adds the markup."""

    overview: list[str] = Field(description="主要话题与行业趋势概述 paragraphs.")
    overview_citations: list[TweetRef] = Field(default_factory=list)
    core_points: list[CorePoint] = Field(
        max_length=10, description="核心信息, ten when the data allows."
    )
    insights: list[Block] = Field(description="重要观点与见解.")
    events: list[Block] = Field(description="关键事件与发展: the four fixed sub-sections.")
    markets: list[Block] = Field(description="个股与数字货币分析与市场反应: stocks, then crypto.")
    ai_analysis: list[Block] = Field(description="专项分析 / 人工智能相关内容.")
    finance_analysis: list[Block] = Field(description="专项分析 / 金融市场相关内容.")
    footer_notes: list[str] = Field(default_factory=list)


class Window(Contract):
    """A report window: ``id`` is its start date in the report time zone."""

    id: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    start: AwareDatetime
    end: AwareDatetime
    timezone: str


class CountStat(Contract):
    """A named count, e.g. tweets in one sub-topic."""

    key: str
    label: str
    count: int = Field(ge=0)


class SymbolStat(Contract):
    """A ticker or coin: how often it was mentioned and with which sentiment."""

    symbol: str
    name: str | None = None
    mentions: int = Field(ge=0)
    bullish: int = Field(default=0, ge=0)
    bearish: int = Field(default=0, ge=0)
    neutral: int = Field(default=0, ge=0)


class TermWeight(Contract):
    """A word-cloud term and its weight."""

    term: str
    weight: float = Field(gt=0)


class WindowStats(Contract):
    """Exact counts for a window, from the aggregates."""

    tweets: int = Field(ge=0, description="Distinct tweets (retweets fold into their original).")
    retweets: int = Field(ge=0, description="Retweets seen, counted toward their originals.")
    categories: dict[str, int] = Field(description="Tweets per category, plus 'none'.")
    subtopics: list[CountStat] = Field(default_factory=list)
    tickers: list[SymbolStat] = Field(default_factory=list)
    coins: list[SymbolStat] = Field(default_factory=list)
    sentiment: dict[str, int] = Field(default_factory=dict)


StoryKind = Literal[
    "release",
    "research",
    "tool",
    "market",
    "funding",
    "policy",
    "incident",
    "opinion",
    "debate",
    "other",
]
"""What a story is about: a release, research, a tool, a market move, funding or a deal, policy,
an incident, an opinion, a debate (opinions on both sides), or something else."""

SetAside = Literal["spam", "chatter"]
"""Why a story is not reported: promotional repeats (spam), or no ai/finance/crypto tweet."""


class StorySummary(Contract):
    """One story of a window: the tweets that report one event, claim or debate, in any wording
    or language. ``id`` stays the same across rebuilds of the window, so a story can be followed."""

    id: str = Field(min_length=1)
    kind: StoryKind
    tweets: int = Field(ge=1, description="Distinct tweets (a retweet or copy counts once).")
    retweets: int = Field(default=0, ge=0)
    authors: int = Field(ge=1, description="Distinct authors.")
    languages: dict[str, int] = Field(default_factory=dict, description="Tweets per language.")
    engagement: float = Field(default=0.0, ge=0)
    first_seen: AwareDatetime
    last_seen: AwareDatetime
    entities: list[str] = Field(default_factory=list, description="Lead names, most named first.")
    figures: list[str] = Field(default_factory=list, description="Lead figures, as written.")
    subtopics: list[str] = Field(default_factory=list)
    categories: list[Category] = Field(default_factory=list)
    set_aside: SetAside | None = Field(default=None, description="Set when not reported.")
    score: float = Field(default=0.0, ge=0, description="Strength; core points are the highest.")
    representatives: list[TweetRef] = Field(
        default_factory=list, description="The best tweet per language, best first."
    )


class ModelUsage(Contract):
    """How a model writer wrote a report: what it cost and what the verifier rejected."""

    model: str
    mode: Literal["model", "cache", "not_due", "fallback"] = Field(
        description="model: a fresh answer; cache: an earlier answer to the same input; "
        "not_due / fallback: the extractive writer wrote it (interval not passed / model failed)."
    )
    requests: int = Field(default=0, ge=0)
    retries: int = Field(default=0, ge=0)
    input_tokens: int = Field(default=0, ge=0)
    output_tokens: int = Field(default=0, ge=0)
    cost_usd: float | None = Field(default=None, ge=0, description="None when unpriced.")
    rejected_claims: int = Field(default=0, ge=0, description="Claims the citation check removed.")
    fallback_sections: list[str] = Field(
        default_factory=list, description="Report fields the extractive writer wrote instead."
    )


class ReportReady(Contract):
    """A built report for one window, on ``reports.ready``; render turns it into a post."""

    TOPIC: ClassVar[str] = "reports.ready"

    schema_version: Literal[1] = 1
    window: Window
    built_at: AwareDatetime
    final: bool = Field(description="True once the window has closed and its grace has passed.")
    writer: str = Field(description="Which writer produced the text, e.g. 'extractive'.")
    stats: WindowStats
    report: Report
    terms: list[TermWeight] = Field(default_factory=list, description="Word-cloud weights.")
    stories: list[StorySummary] = Field(
        default_factory=list,
        description="The window's strongest stories, strongest first, then those set aside.",
    )
    model_usage: ModelUsage | None = Field(
        default=None, description="Set when a model writer was asked; None for the extractive one."
    )

    def key(self) -> str:
        """Partitioning key: the window id."""
        return self.window.id


# ---------------------------------------------------------------------------- posts.rendered


class PostRendered(Contract):
    """A Jekyll post and its word cloud written to the site, on ``posts.rendered``."""

    TOPIC: ClassVar[str] = "posts.rendered"

    schema_version: Literal[1] = 1
    window_id: str
    title: str = Field(description="twitter_ai_YYYYMMDD_YYYYMMDD")
    post_path: str = Field(description="Relative to the site root.")
    image_path: str | None = Field(description="Relative to the site root; None without terms.")
    rendered_at: AwareDatetime
    report_built_at: AwareDatetime
    tweets: int = Field(ge=0)
    sha256: str = Field(description="Of the post file's bytes.")
    headline: str | None = Field(
        default=None,
        description="The post's title line, e.g. 'Twitter Ai 报告 (2026-01-02 至 2026-01-02)'.",
    )
    description: str | None = Field(
        default=None,
        description="The overview's first sentence (plain text), as in the front matter.",
    )
    core_points: list[str] = Field(
        default_factory=list, description="The core points' titles in the post's order (plain)."
    )
    digest_hash: str | None = Field(
        default=None,
        description="SHA-256 of the core points (titles and bodies, in order): changes exactly "
        "when they do.",
    )
    url: str | None = Field(
        default=None, description="The post on the public site; None unless a site URL is set."
    )
    image_url: str | None = Field(
        default=None,
        description="The word cloud on the public site; None without a site URL or an image.",
    )

    def key(self) -> str:
        """Partitioning key: the window id."""
        return self.window_id


# ---------------------------------------------------------------------------- <topic>.dlq


class DeadLetter(Contract):
    """A message or input record that will never process, on ``<source_topic>.dlq``."""

    schema_version: Literal[1] = 1
    source_topic: str = Field(description="The topic (or 'file:<name>' input) it came from.")
    partition: int | None = None
    offset: int | None = None
    line: int | None = Field(default=None, description="Line number, for file inputs.")
    key: str | None = None
    error_class: str
    reason: str
    payload: str = Field(description="The original bytes as text, cut to 64 KiB.")
    payload_size: int = Field(ge=0, description="Size in bytes before cutting.")
    failed_at: AwareDatetime

    @property
    def topic(self) -> str:
        """The dead-letter topic this record goes to."""
        base = self.source_topic if not self.source_topic.startswith("file:") else "tweets.raw"
        return f"{base}.dlq"


DLQ_PAYLOAD_LIMIT = 64 * 1024

Event = TweetIngested | TweetClassified | ReportReady | PostRendered | DeadLetter
"""Any message a handler may return."""

TOPIC_MODELS: dict[str, type[Contract]] = {
    TweetIngested.TOPIC: TweetIngested,
    TweetClassified.TOPIC: TweetClassified,
    ReportReady.TOPIC: ReportReady,
    PostRendered.TOPIC: PostRendered,
}
"""Every main topic and its model; each also has a ``<topic>.dlq`` carrying DeadLetter."""


def topic_of(event: Contract) -> str:
    """The topic an event is published on."""
    if isinstance(event, DeadLetter):
        return event.topic
    topic = getattr(type(event), "TOPIC", None)
    if not isinstance(topic, str):
        raise TypeError(f"{type(event).__name__} is not a topic model")
    return topic


def key_of(event: Contract) -> str | None:
    """The partitioning key of an event."""
    if isinstance(event, DeadLetter):
        return event.key
    key = getattr(event, "key", None)
    return key() if callable(key) else None


def dead_letter(
    *,
    source_topic: str,
    error: BaseException,
    payload: bytes | str,
    key: str | None = None,
    partition: int | None = None,
    offset: int | None = None,
    line: int | None = None,
) -> DeadLetter:
    """Build the dead letter for a message that failed for good."""
    raw = payload.encode("utf-8", "replace") if isinstance(payload, str) else payload
    text = raw[:DLQ_PAYLOAD_LIMIT].decode("utf-8", "replace")
    reason = getattr(error, "reason", None) or str(error) or type(error).__name__
    return DeadLetter(
        source_topic=source_topic,
        partition=partition,
        offset=offset,
        line=line,
        key=key,
        error_class=type(error).__name__,
        reason=str(reason)[:2000],
        payload=text,
        payload_size=len(raw),
        failed_at=utcnow(),
    )
