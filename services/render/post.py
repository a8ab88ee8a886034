"""The post's names, dates and text: a ReportReady in, the markdown of one Jekyll post out.

The template only lays the post out; every piece of text it prints is built here through
:mod:`services.render.markdown`, so nothing from a tweet reaches the page unescaped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import Template

from shared import sentences
from shared.errors import InvalidMessage
from shared.models import Block, ReportReady, TweetRef, author_label

from . import frontmatter
from . import markdown as md
from .markdown import Md

TITLE_PREFIX = "twitter_ai"
POSTS_DIR = "_posts"
"""The site folder Jekyll reads posts from."""

FOOTER = "本报告基于Twitter平台公开推文内容生成，力求客观反映人工智能领域的最新动态和发展趋势。"
NO_CONTENT = "本期推文未涉及相关内容。"
NO_CLOUD = "本期没有可绘制词云的词语，未生成词云图。"
QUOTE_CHARS = 160
"""A quoted tweet is cut to this many characters."""

QUOTE_PROBE_CHARS = 30
"""A body holding this much of a tweet's opening already quotes it: no second quote."""
_QUOTE_MARKS = '"“”「」『』 '
"""Marks around a tweet that is one quoted passage; its quote in the body leaves them out."""
MAX_SOURCES = 5
"""Source links shown under one point or block."""

_MARKER = re.compile(
    r"<!-- tweetpulse:render window=(?P<window>\d{4}-\d{2}-\d{2}) built_at=(?P<built_at>\S+) -->"
)


@dataclass(frozen=True)
class PostNames:
    """Where a window's post and image live and what the post is called."""

    window_id: str
    title: str
    post_path: str
    image_name: str
    image_path: str | None

    @property
    def image_url(self) -> str:
        """The image's site-absolute path, for Jekyll's relative_url filter."""
        return f"/{self.image_path}" if self.image_path else ""


@dataclass(frozen=True)
class WindowDates:
    """A window's dates in its own time zone."""

    zone: ZoneInfo
    start: datetime
    end: datetime
    first_day: str
    last_day: str


def window_dates(msg: ReportReady) -> WindowDates:
    """The window's first and last day in its zone; a window that is not one is invalid."""
    window = msg.window
    try:
        zone = ZoneInfo(window.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidMessage(f"window {window.id}: unknown time zone {window.timezone!r}") from exc
    if window.end <= window.start:
        raise InvalidMessage(f"window {window.id}: end {window.end} is not after its start")
    start = window.start.astimezone(zone)
    end = window.end.astimezone(zone)
    first_day = start.date().isoformat()
    if first_day != window.id:
        raise InvalidMessage(f"window {window.id}: starts on {first_day} in {window.timezone}")
    last_day = (end - timedelta(microseconds=1)).date().isoformat()
    return WindowDates(zone, start, end, first_day, last_day)


def post_names(dates: WindowDates, image_dir: str, *, with_image: bool) -> PostNames:
    """The post's title and file paths for a window (paths relative to the site root)."""
    title = f"{TITLE_PREFIX}_{dates.first_day.replace('-', '')}_{dates.last_day.replace('-', '')}"
    image_name = f"wordcloud_{title}.jpg"
    return PostNames(
        window_id=dates.first_day,
        title=title,
        post_path=f"{POSTS_DIR}/{dates.first_day}-{title}.md",
        image_name=image_name,
        image_path=f"{image_dir}/{image_name}" if with_image else None,
    )


def post_time(msg: ReportReady, dates: WindowDates, post_hour: time) -> datetime:
    """The post's date: when the report was built if inside the window, else its last day."""
    built = msg.built_at.astimezone(dates.zone)
    if dates.start <= built < dates.end:
        return built.replace(microsecond=0)
    day = datetime.fromisoformat(dates.last_day).date()
    return datetime.combine(day, post_hour, tzinfo=dates.zone)


def stamp(moment: datetime) -> str:
    """A front-matter date: ``2026-01-02 10:05:34 +0800``."""
    return moment.strftime("%Y-%m-%d %H:%M:%S %z")


def marker(window_id: str, built_at: datetime) -> str:
    """The comment that ends every post and records which report it was built from."""
    return f"<!-- tweetpulse:render window={window_id} built_at={built_at.isoformat()} -->"


def read_marker(post_text: str) -> datetime | None:
    """The built_at recorded in a post we wrote, or None for a post without one."""
    found = list(_MARKER.finditer(post_text))
    if not found:
        return None
    try:
        return datetime.fromisoformat(found[-1].group("built_at"))
    except ValueError:
        return None


# ---------------------------------------------------------------------------- the view


@dataclass(frozen=True)
class BlockView:
    """A titled block, escaped: bold title, paragraphs, bullets, sources line."""

    title: Md
    paragraphs: list[Md]
    bullets: list[Md]
    sources: Md


@dataclass(frozen=True)
class PointView:
    """One numbered core point, escaped, with the indent its list item needs."""

    number: int
    indent: Md
    title: Md
    body: Md
    quote: Md
    sources: Md


@dataclass(frozen=True)
class PostView:
    """Everything the template prints, already safe markdown."""

    layout: Md
    title: Md
    date: Md
    title_line: Md
    data_line: Md
    overview: list[Md]
    overview_sources: Md
    points: list[PointView]
    insights: list[BlockView]
    events: list[BlockView]
    markets: list[BlockView]
    ai_analysis: list[BlockView]
    finance_analysis: list[BlockView]
    footer: list[Md]
    image: Md
    marker: Md
    description: Md
    """Front matter: the overview's first sentence, escaped and YAML-quoted."""
    excerpt: Md
    """Front matter: the same sentence, so Jekyll does not take the title line as the excerpt."""
    image_path: Md
    """Front matter: the cloud's site-absolute path, YAML-quoted; empty without a cloud."""
    tags: Md
    """Front matter: a YAML list of the categories the window has tweets in."""


def _paragraphs(items: list[str]) -> list[Md]:
    return [escaped for escaped in (md.text(item) for item in items) if escaped]


def _sources(refs: list[TweetRef]) -> Md:
    links: list[Md] = []
    seen: set[str] = set()
    for ref in sorted(refs, key=lambda r: -r.engagement):
        key = ref.url or f"{ref.author}/{ref.tweet_id}"
        if key in seen:
            continue
        seen.add(key)
        author = ref.author.strip().lstrip("@")
        label = author_label(author) if author else "推文"
        poster = _status_user(ref.url)
        if author and poster and poster.casefold() != author.casefold():
            # A retweet whose original the source did not give: the link is the retweet's.
            label = f"{label}（经 @{poster} 转推）"
        links.append(md.link(label, ref.url))
        if len(links) >= MAX_SOURCES:
            break
    if not links:
        return Md("")
    return Md(f"来源：{md.join(links, ' · ')}")


_STATUS_URL = re.compile(r"^https?://(?:www\.)?(?:x|twitter)\.com/([A-Za-z0-9_]{1,15})/status/\d+")


def _status_user(url: str | None) -> str | None:
    """The account in a status link (``x.com/<user>/status/<id>``), if the link is one."""
    found = _STATUS_URL.match(url or "")
    # x.com/i/status/<id> is X's link for a tweet whose author is known only by id.
    return found.group(1) if found and found.group(1) != "i" else None


def _quote(refs: list[TweetRef], body: str) -> Md:
    """The most engaging cited tweet, quoted and attributed, unless the body already quotes it."""
    if not refs:
        return Md("")
    top = max(refs, key=lambda r: r.engagement)
    # A writer quotes a tweet that is one quoted passage without its own marks.
    opening = " ".join(top.text.split()).strip(_QUOTE_MARKS)[:QUOTE_PROBE_CHARS]
    if opening and opening in " ".join(body.split()):
        return Md("")
    excerpt = md.text(sentences.flat(sentences.excerpt(sentences.lines(top.text), QUOTE_CHARS)))
    if not excerpt:
        return Md("")
    author = top.author.strip().lstrip("@")
    attribution = author_label(author) if author else "推文"
    if top.engagement >= 1:
        attribution += f"，互动 {round(top.engagement):,}"
    return Md(f"> {excerpt}（{md.text(attribution)}）")


def _block(block: Block) -> BlockView:
    return BlockView(
        title=md.bold(block.title),
        paragraphs=_paragraphs(block.paragraphs),
        bullets=_paragraphs(block.bullets),
        sources=_sources(block.citations),
    )


def title_line(dates: WindowDates) -> str:
    """The post's title line, as plain text: ``Twitter Ai 报告 (2026-01-02 至 2026-01-02)``."""
    return f"Twitter Ai 报告 ({dates.first_day} 至 {dates.last_day})"


def description(msg: ReportReady, dates: WindowDates) -> str:
    """What the post is about in one sentence, as plain text: the overview's first sentence, or
    the data line when the overview is empty."""
    return frontmatter.first_sentence(msg.report.overview) or _data_text(
        msg, msg.built_at.astimezone(dates.zone)
    )


def _data_line(msg: ReportReady, built: datetime) -> Md:
    return md.text(_data_text(msg, built))


def _data_text(msg: ReportReady, built: datetime) -> str:
    stats = msg.stats
    line = f"本期统计推文 {stats.tweets:,} 条"
    if stats.retweets:
        line += f"（另有转推 {stats.retweets:,} 次）"
    line += f"，报告生成于 {built.strftime('%Y-%m-%d %H:%M')}（UTC{built.strftime('%z')}）。"
    if not msg.final:
        line += "窗口尚未结束，本文将随新推文更新。"
    return line


def build_view(
    msg: ReportReady,
    *,
    dates: WindowDates,
    names: PostNames,
    layout: str,
    post_hour: time,
) -> PostView:
    """The escaped view of a report, ready for the post template."""
    report = msg.report
    when = stamp(post_time(msg, dates, post_hour))
    points = [
        PointView(
            number=n,
            indent=Md(" " * len(f"{n}. ")),
            title=md.bold(point.title),
            body=md.text(point.body),
            quote=_quote(point.citations, point.body),
            sources=_sources(point.citations),
        )
        for n, point in enumerate(report.core_points, start=1)
    ]
    if names.image_path:
        # our own Liquid, so the link resolves under any baseurl; the path has no user text
        image = Md(f'![词云图]({{{{ "{names.image_url}" | relative_url }}}})')
    else:
        image = md.text(NO_CLOUD)
    summary = frontmatter.escaped(description(msg, dates))
    return PostView(
        layout=Md(layout),
        title=Md(names.title),
        date=Md(when),
        title_line=md.text(title_line(dates)),
        data_line=_data_line(msg, msg.built_at.astimezone(dates.zone)),
        overview=_paragraphs(report.overview),
        overview_sources=_sources(report.overview_citations),
        points=points,
        insights=[_block(b) for b in report.insights],
        events=[_block(b) for b in report.events],
        markets=[_block(b) for b in report.markets],
        ai_analysis=[_block(b) for b in report.ai_analysis],
        finance_analysis=[_block(b) for b in report.finance_analysis],
        footer=[md.italic(FOOTER), *(i for i in map(md.italic, report.footer_notes) if i)],
        image=image,
        marker=Md(marker(dates.first_day, msg.built_at)),
        description=Md(summary),
        excerpt=Md(summary),
        image_path=Md(frontmatter.yaml_str(names.image_url) if names.image_path else ""),
        tags=Md(frontmatter.yaml_list(frontmatter.post_tags(msg.stats.categories))),
    )


def render_markdown(template: Template, view: PostView) -> str:
    """The post's markdown, ending with exactly one newline."""
    body = template.render(v=view, no_content=Md(md.text(NO_CONTENT)))
    return re.sub(r"\n{3,}", "\n\n", body).strip("\n") + "\n"
