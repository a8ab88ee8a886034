"""The offline, extractive report writer: the window's stories, told in Chinese from their tweets.

Nothing is invented. Every figure in the text is a count from the window's statistics or
stories, a share computed from two of them, or a figure quoted from a cited tweet; tweets are
quoted in their own language, whole or cut at a sentence's end (never inside a word), and every
quote is in the section's citations. A section without data says so instead of being padded.
Text is plain: render adds the markup.

The report is built from ``WindowView.stories`` (reported stories, strongest first; spam and
chatter already set aside): the ten strongest are the core points, one story each; the event
stories fill 关键事件与发展 by kind; opinion and debate stories, with the other side where a
member takes it, fill 重要观点与见解; the overview names the leading stories. A view without
stories (a store written before the story layer) gets rough ones from ``fallback``.

This module owns what the report says and which tweets it cites; ``titles`` names a story,
``telling`` tells one in sentences, ``phrasing`` (shared with the model writers) holds labels,
figures, quotes and spacing. Its public section methods are the
:class:`~services.summarize.writers.SectionWriter` a model writer falls back to.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from services.summarize.doc import TweetDoc
from services.summarize.story import MARKET_KINDS, Story
from services.summarize.view import WindowView
from services.summarize.writers import CORE_POINTS, EVENT_TITLES, Written
from services.summarize.writers.fallback import stories_of
from services.summarize.writers.phrasing import (
    CATEGORY_LABELS,
    LANG_LABELS,
    NO_DATA,
    SENTIMENT_LABELS,
    finish,
    finish_blocks,
    handle,
    join,
    num,
    quotable_text,
    quote,
    said,
    share,
)
from services.summarize.writers.telling import (
    DISSENT,
    OPINION,
    Rotor,
    lead_of,
    mood,
    reaction_of,
    substantial,
    tell,
)
from services.summarize.writers.titles import titled
from shared.models import Block, CorePoint, Report, SymbolStat, TweetRef

INSIGHT_BLOCKS = 4
EVENT_BULLETS = 6
EVENT_SINGLES = 3
"""A heading lists a story only one tweet told while it has fewer lines than this."""
AI_BLOCKS = 5
FINANCE_BLOCKS = 3
MARKET_BLOCKS = 3
"""个股与数字货币: sector blocks per market."""
MARKET_STORIES = 3
"""Stories told in a sector block; the rest are named in one sentence."""
MARKET_SYMBOLS = 4
ANALYSIS_STORIES = 4
NO_CRYPTO_TITLE = "未涉及数字货币"
NO_CRYPTO_TEXT = "本时段推文未涉及数字货币或加密货币相关内容。"

_LAUNCHES, _TOOLS, _DEALS, _RESEARCH = EVENT_TITLES
_EVENT_HEADING = {
    "release": _LAUNCHES,
    "tool": _TOOLS,
    "funding": _DEALS,
    "policy": _DEALS,
    "market": _DEALS,
    "incident": _DEALS,
    "research": _RESEARCH,
}
"""Which 关键事件与发展 heading an event story goes under, by its kind."""
_OPINION_KINDS = {"opinion", "debate"}
_EVENT_LEADS = {
    _LAUNCHES: "本时段的模型与技术发布：",
    _TOOLS: "新上线或受到关注的应用与工具：",
    _DEALS: "产业、投资与政策方面的动态：",
    _RESEARCH: "获得讨论的研究成果：",
}


# ---------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class _Plan:
    """The window's stories, their titles, and which ten are the core points."""

    stories: list[Story]
    titles: dict[str, str]
    sources: dict[str, TweetDoc | None]
    """The tweet each story's title was taken from."""
    core: list[Story]

    def title(self, story: Story) -> str:
        return self.titles[story.id]

    def prefer(self, story: Story) -> TweetDoc | None:
        """The title's source, to lead the story's telling (see :func:`_prefer`)."""
        return _prefer(self.titles[story.id], self.sources.get(story.id))

    def lead(self, story: Story, avoid: set[str] | None = None) -> TweetDoc | None:
        """The tweet that leads the telling of ``story``: its title's source where it may."""
        return lead_of(story, avoid, title=self.titles[story.id], prefer=self.prefer(story))


def _prefer(title: str, source: TweetDoc | None) -> TweetDoc | None:
    """``source`` to lead a story titled from it, unless the title already says all it says
    (the body would only repeat the title)."""
    if source is None or len(quotable_text(source.ref.text)) < len(title) + 12:
        return None
    return source


def _plan(view: WindowView) -> _Plan:
    stories: list[Story] = []
    seen: set[str] = set()
    for story in stories_of(view):
        if story.id in seen or not story.reported or not story.members:
            continue
        seen.add(story.id)
        stories.append(story)
    stories.sort(key=lambda s: (-s.score, s.id))
    titles: dict[str, str] = {}
    sources: dict[str, TweetDoc | None] = {}
    used: dict[str, int] = {}
    for story in stories:
        named = titled(story, view.subtopic_labels)
        title, sources[story.id] = named.title, named.source
        n = used.get(title, 0)
        used[title] = n + 1
        if n:
            # Two stories whose tweets open alike: the second is told apart by its lead author.
            lead = lead_of(story)
            title = f"{title}（{handle(lead)}）" if lead else f"{title}（{n + 1}）"
        titles[story.id] = title
    core: list[Story] = []
    leads: set[str] = set()
    for story in stories:
        lead = lead_of(
            story,
            leads,
            title=titles[story.id],
            prefer=_prefer(titles[story.id], sources[story.id]),
        )
        if lead is None or lead.id in leads:
            continue
        core.append(story)
        leads.add(lead.id)
        if len(core) == CORE_POINTS:
            break
    return _Plan(stories=stories, titles=titles, sources=sources, core=core)


def _refs(docs: Iterable[TweetDoc]) -> list[TweetRef]:
    return [d.ref for d in docs]


def _unique(docs: Iterable[TweetDoc]) -> list[TweetDoc]:
    """Distinct tweets, most engaging first (ties: tweet id)."""
    seen: dict[str, TweetDoc] = {}
    for doc in docs:
        held = seen.get(doc.id)
        if held is None or doc.engagement > held.engagement:
            seen[doc.id] = doc
    return sorted(seen.values(), key=lambda d: (-d.engagement, d.id))


def _distinct(docs: Iterable[TweetDoc], limit: int) -> list[TweetDoc]:
    """Up to ``limit`` docs, skipping repeats of one near-duplicate text."""
    out: list[TweetDoc] = []
    keys: set[str] = set()
    for doc in docs:
        if doc.near_dup_key and doc.near_dup_key in keys:
            continue
        out.append(doc)
        keys.add(doc.near_dup_key)
        if len(out) == limit:
            break
    return out


def _no_data(title: str, text: str = NO_DATA) -> Block:
    return Block(title=title, paragraphs=[text])


def _carried(story: Story) -> str:
    """``12 条推文、9 位作者``."""
    if story.authors > 1:
        return f"{num(story.tweets)} 条推文、{num(story.authors)} 位作者"
    return f"{num(story.tweets)} 条推文"


# ---------------------------------------------------------------------------- the writer


class ExtractiveWriter:
    """The default writer: offline, deterministic, every sentence built from the view.

    Each public method writes one :class:`~shared.models.Report` section and may be called on its
    own (a :class:`~services.summarize.writers.SectionWriter`: a model-written writer falls back to
    them section by section).
    """

    name = "extractive"

    def write(self, view: WindowView) -> Written:
        """The whole report, sections in the seed's order; no model is involved."""
        overview, overview_citations = self.overview(view)
        points = self.core_points(view)
        leads = {c.tweet_id for p in points for c in p.citations}
        report = Report(
            overview=overview,
            overview_citations=overview_citations,
            core_points=points,
            insights=self.insights(view, avoid=leads),
            events=self.events(view),
            markets=self.markets(view),
            ai_analysis=self.ai_analysis(view),
            finance_analysis=self.finance_analysis(view),
            footer_notes=self.footer_notes(view, core_points=len(points)),
        )
        return Written(report=report, usage=None)

    def overview(self, view: WindowView) -> tuple[list[str], list[TweetRef]]:
        """主要话题与行业趋势概述: the day's volume in a sentence, then its main stories in prose."""
        st = view.stats
        if st.tweets == 0:
            return [finish(f"{_period(view)}未收录到推文，以下各部分均无数据。")], []
        plan = _plan(view)
        first = (
            _volume_sentence(view)
            + _category_sentence(view)
            + _lang_sentence(view)
            + _mood_sentence(view)
        )
        paragraphs = [first, _stories_paragraph(view, plan)]
        leads = [d for s in plan.core[:3] if (d := plan.lead(s)) is not None]
        return [finish(p) for p in paragraphs if p], _refs(leads)

    def core_points(self, view: WindowView) -> list[CorePoint]:
        """核心信息: the ten strongest reported stories, one point each, titled and told.

        Fewer stories give fewer points (the footer says so), never padding.
        """
        if view.stats.tweets == 0:
            return []
        plan = _plan(view)
        rotor = Rotor()
        points: list[CorePoint] = []
        cited: set[str] = set()
        for story in plan.core:
            told = tell(
                rotor,
                story,
                avoid=cited,
                title=plan.title(story),
                prefer=plan.prefer(story),
            )
            if told is None:
                continue
            cited.update(d.id for d in told.cited)
            extra = _another_language(story, told.cited)
            docs = [*told.cited, *extra][:3]
            points.append(
                CorePoint(
                    title=finish(plan.title(story)),
                    body=finish(told.text),
                    citations=_refs(docs),
                    story_id=story.id,
                )
            )
        return points

    def insights(self, view: WindowView, *, avoid: set[str] | None = None) -> list[Block]:
        """重要观点与见解: opinion and debate stories, each with the other side where one is heard."""
        plan = _plan(view)
        avoid = set(avoid or ())
        core = {s.id for s in plan.core}

        def voiced(s: Story) -> bool:
            lead = plan.lead(s, avoid)
            return lead is not None and bool(OPINION.search(lead.ref.text))

        # Opinion and debate stories first, then stories whose lead voices a view; a story
        # already told as a core point only when there are not enough others.
        ranked = [
            *(s for s in plan.stories if s.kind in _OPINION_KINDS and s.id not in core),
            *(
                s
                for s in plan.stories
                if s.kind not in _OPINION_KINDS and s.id not in core and voiced(s)
            ),
            *(s for s in plan.stories if s.kind in _OPINION_KINDS and s.id in core),
        ]
        chosen = list({s.id: s for s in reversed(ranked)}.values())[::-1][:INSIGHT_BLOCKS]
        chosen.sort(key=lambda s: (-s.score, s.id))
        blocks: list[Block] = []
        for story in chosen[:INSIGHT_BLOCKS]:
            block = _insight_block(plan, story, avoid)
            if block is not None:
                avoid.update(c.tweet_id for c in block.citations)
                blocks.append(block)
        if not blocks:
            blocks = [_no_data("未见观点类推文", "本时段未收录到可归纳观点的推文。")]
        return finish_blocks(blocks)

    def events(self, view: WindowView) -> list[Block]:
        """关键事件与发展: the four fixed headings, each event story one line, strongest first."""
        plan = _plan(view)
        by_heading: dict[str, list[Story]] = {t: [] for t in EVENT_TITLES}
        # An event more than one tweet reported comes before one a single tweet did; a single
        # tweet is listed only under a heading that has few events.
        ordered = sorted(plan.stories, key=lambda s: s.tweets < 2)
        for story in ordered:
            heading = _EVENT_HEADING.get(story.kind)
            if heading is None:
                continue
            listed = by_heading[heading]
            if len(listed) < (EVENT_BULLETS if story.tweets > 1 else EVENT_SINGLES):
                listed.append(story)
        for listed in by_heading.values():
            listed.sort(key=lambda s: (-s.score, s.id))
        # A story told as a core point is cited here by another of its tweets where it has one.
        told = {c.tweet_id for p in self.core_points(view) for c in p.citations}
        return finish_blocks(_event_block(plan, t, by_heading[t], told) for t in EVENT_TITLES)

    def markets(self, view: WindowView) -> list[Block]:
        """个股与数字货币: the day's market stories by sector, told, with the tickers they move;
        then crypto the same way (or the statement that none was seen). A market without a
        reported story falls back to its share, mood and most mentioned symbols."""
        plan = _plan(view)
        told = {c.tweet_id for p in self.core_points(view) for c in p.citations}
        stocks = _market_blocks(view, plan, "finance", told) or [_stocks_block(view)]
        told.update(c.tweet_id for b in stocks for c in b.citations)
        crypto = _market_blocks(view, plan, "crypto", told) or [_crypto_block(view)]
        return finish_blocks([*stocks, *crypto])

    def ai_analysis(self, view: WindowView) -> list[Block]:
        """专项分析 / 人工智能相关内容: the leading AI sub-topics and the stories told in them."""
        if view.stats.categories.get("ai", 0) == 0:
            return [_no_data("人工智能", "本时段未见人工智能相关推文。")]
        return finish_blocks(_analysis(view, "ai", AI_BLOCKS) or [_no_data("人工智能讨论")])

    def finance_analysis(self, view: WindowView) -> list[Block]:
        """专项分析 / 金融市场相关内容: market and investment sub-topics and their stories."""
        cats = view.stats.categories
        if cats.get("finance", 0) == 0 and cats.get("crypto", 0) == 0:
            return [_no_data("金融市场", "本时段未见金融市场相关推文。")]
        return finish_blocks(
            _analysis(view, "finance", FINANCE_BLOCKS) or [_no_data("金融市场讨论")]
        )

    def footer_notes(self, view: WindowView, *, core_points: int | None = None) -> list[str]:
        """How the report was made: sources, window, build time, what was set aside, and any
        section left short."""
        w = view.window
        built = view.built_at.astimezone(w.start.tzinfo)
        notes = [
            f"本报告基于 {num(view.stats.tweets)} 条 Twitter 公开推文自动生成（抽取式：文中数字"
            "均来自推文统计或所引推文，引文保留原文语言），统计时段为 "
            f"{w.start:%Y-%m-%d %H:%M} 至 {w.end:%Y-%m-%d %H:%M}（{w.timezone}），"
            f"生成于 {built:%Y-%m-%d %H:%M}。"
        ]
        if view.stats.tweets:
            notes.append(
                "核心信息按事件的传播强度排序（互动、作者数、语言数与时效）；转发不单独计为推文，"
                "而计入原推文，互动按点赞与回复各计一次、转发与引用各计两次累加。"
            )
        aside = _set_aside_note(view)
        if aside:
            notes.append(aside)
        points = len(self.core_points(view)) if core_points is None else core_points
        if view.stats.tweets and points < CORE_POINTS:
            notes.append(
                f"本时段数据只能区分出 {num(points)} 个互不重复的事件，核心信息据实列出，未作填充。"
            )
        return [finish(n) for n in notes]


def _another_language(story: Story, cited: Sequence[TweetDoc]) -> list[TweetDoc]:
    """A representative in a language the cited tweets are not in, to show the story's reach;
    none more engaging than the tweets quoted (render would quote it again under the point)."""
    have = {d.ref.lang for d in cited}
    ids = {d.id for d in cited}
    most = max((d.engagement for d in cited), default=0.0)
    for lang, _ in story.languages:
        if lang in have:
            continue
        for doc in story.representatives.get(lang, ()):
            if doc.id not in ids and doc.engagement <= most:
                return [doc]
    return []


def _set_aside_note(view: WindowView) -> str:
    a = view.set_aside
    parts = []
    if a.spam_stories:
        parts.append(f"{num(a.spam_stories)} 组推广类重复内容（{num(a.spam_tweets)} 条推文）")
    if a.chatter_stories:
        parts.append(
            f"{num(a.chatter_stories)} 组与人工智能、金融和数字货币无关的闲聊"
            f"（{num(a.chatter_tweets)} 条推文）"
        )
    if not parts:
        return ""
    return f"另有{join(parts)}未作为新闻报道。"


# ---------------------------------------------------------------------------- overview parts


def _period(view: WindowView) -> str:
    w = view.window
    first, last = w.start.date(), w.end.date() - timedelta(days=1)
    if last <= first:
        return f"本时段（{w.id}，{w.timezone} 时间）"
    return f"本时段（{w.id} 至 {last.isoformat()}，{w.timezone} 时间）"


def _volume_sentence(view: WindowView) -> str:
    st = view.stats
    text = f"{_period(view)}共收录 {num(st.tweets)} 条推文"
    if st.retweets:
        text += f"（另有 {num(st.retweets)} 次转发计入其原推文）"
    return text + "。"


def _category_sentence(view: WindowView) -> str:
    st = view.stats
    parts = [
        f"{CATEGORY_LABELS[c]} {num(n)} 条"
        for c in ("ai", "finance", "crypto")
        if (n := st.categories.get(c, 0))
    ]
    if not parts:
        return ""
    lead = max(("ai", "finance", "crypto"), key=lambda c: st.categories.get(c, 0))
    n = st.categories.get(lead, 0)
    return (
        f"讨论以{CATEGORY_LABELS[lead]}为主（{share(n, st.tweets)}），按类别计{join(parts)}"
        "（一条推文可属多个类别）。"
    )


def _lang_sentence(view: WindowView) -> str:
    if not view.langs or view.langs[0].key == "und":
        return ""
    top = view.langs[0]
    lang = LANG_LABELS.get(top.key, top.key)
    return f"推文语言以{lang}为主（{num(top.count)} 条，{share(top.count, view.stats.tweets)}）。"


def _mood_sentence(view: WindowView) -> str:
    sent = view.stats.sentiment
    b, s, n = (sent.get(k, 0) for k in ("bullish", "bearish", "neutral"))
    if not (b or s):
        return "推文情绪以中性为主。"
    tone = "偏多" if b > s else "偏空" if s > b else "多空相当"
    return f"情绪整体{tone}：看涨 {num(b)} 条，看跌 {num(s)} 条，其余 {num(n)} 条中性。"


def _named(plan: _Plan, stories: Sequence[Story]) -> list[str]:
    return [f"「{plan.title(s)}」" for s in stories]


def _stories_paragraph(view: WindowView, plan: _Plan) -> str:
    """The day's main stories named in prose: the strongest, then the rest of the core points,
    then the debates."""
    core = plan.core
    if not core:
        return ""
    top = core[0]
    parts = [f"当天最受关注的是{_named(plan, [top])[0]}，{_carried(top)}"]
    if _spoken_languages(top) >= 2:
        parts[0] += f"，横跨{_langs(top)}"
    parts[0] += "。"
    if len(core) > 1:
        parts.append(f"紧随其后的是{join(_named(plan, core[1:3]))}。")
    events = [s for s in core[3:] if s.kind not in _OPINION_KINDS][:4]
    if events:
        parts.append(f"此外，{join(_named(plan, events))}也有不少讨论。")
    debates = [s for s in plan.stories if s.kind in _OPINION_KINDS][:2]
    if debates:
        parts.append(f"观点层面，{join(_named(plan, debates))}引发了较多讨论。")
    return "".join(parts)


def _spoken_languages(story: Story) -> int:
    return sum(1 for lang, _ in story.languages if lang != "und")


def _langs(story: Story) -> str:
    return join([LANG_LABELS.get(lang, lang) for lang, _ in story.languages if lang != "und"])


# ---------------------------------------------------------------------------- insights


def _insight_block(plan: _Plan, story: Story, avoid: set[str]) -> Block | None:
    lead = plan.lead(story, avoid)
    if lead is None:
        return None
    paragraphs = [f"{said(lead, '认为')}。"]
    cited = [lead]
    reaction = reaction_of(story, lead, avoid)
    b, s = story.sentiment.get("bullish", 0), story.sentiment.get("bearish", 0)
    if story.tweets > 1:
        # a story with two sides is not all of one view: its tweets are on the claim, not "like" it
        two_sides = (reaction is not None and reaction[0] == "dissent") or (b and s)
        paragraphs[0] += (
            f"{'围绕这一说法共有' if two_sides else '持类似说法的共有'} {_carried(story)}。"
        )
    if reaction is not None and reaction[0] == "dissent":
        other = reaction[1]
        paragraphs.append(f"另一方的看法来自 {handle(other)}：{quote(other)}。")
        cited.append(other)
    elif b and s:
        paragraphs.append(f"支持与反对两方都有：看涨 {num(b)} 条，看跌 {num(s)} 条。")
    elif reaction is not None:
        other = reaction[1]
        paragraphs.append(f"附和者如 {handle(other)}：{quote(other)}。")
        cited.append(other)
    else:
        paragraphs.append("本时段未见不同意见。")
    # Up to two more voices by other authors, those taking issue first.
    authors = {d.ref.author.casefold() for d in cited}
    others = [
        d
        for d in story.members
        if d.id not in avoid and d.ref.author.casefold() not in authors and substantial(d)
    ]
    others.sort(key=lambda d: not DISSENT.search(d.ref.text))
    bullets: list[str] = []
    for doc in others:
        if len(bullets) == 2:
            break
        if doc.ref.author.casefold() in authors:
            continue
        bullets.append(said(doc))
        cited.append(doc)
        authors.add(doc.ref.author.casefold())
    return Block(
        title=plan.title(story), paragraphs=paragraphs, bullets=bullets, citations=_refs(cited)
    )


# ---------------------------------------------------------------------------- events


def _event_block(plan: _Plan, title: str, stories: Sequence[Story], told: set[str]) -> Block:
    if not stories:
        return _no_data(title)
    bullets, cited = [], []
    for story in stories:
        lead = plan.lead(story, told)
        if lead is None:
            continue
        carried = _carried(story) if story.tweets > 1 else handle(lead)
        bullets.append(f"{plan.title(story)}（{carried}）")
        cited.append(lead)
    return Block(
        title=title, paragraphs=[_EVENT_LEADS[title]], bullets=bullets, citations=_refs(cited)
    )


# ---------------------------------------------------------------------------- analysis


def _subtopic_area(view: WindowView, subtopic_id: str) -> str:
    """'finance' if half its top tweets are about markets, 'ai' if half are about AI, else ''."""
    docs = view.top_by_subtopic.get(subtopic_id, [])
    if not docs:
        return ""
    money = sum(1 for d in docs if "finance" in d.categories or "crypto" in d.categories)
    ai = sum(1 for d in docs if "ai" in d.categories)
    if money and 2 * money >= len(docs):
        return "finance"
    if ai and 2 * ai >= len(docs):
        return "ai"
    return ""


def _analysis(view: WindowView, area: str, limit: int) -> list[Block]:
    """A block per leading sub-topic of ``area``: its size, the stories told in it, and the
    strongest one's lead tweet."""
    plan = _plan(view)
    core = {s.id for s in plan.core}
    shown: set[str] = set()
    blocks: list[Block] = []
    for stat in view.stats.subtopics:
        if len(blocks) == limit:
            break
        if _subtopic_area(view, stat.key) != area:
            continue
        # A story belongs to its two leading sub-topics; it is told under the first block shown.
        # Stories several tweets carried come first; one tweet's only when the block has no other.
        candidates = [s for s in plan.stories if stat.key in s.subtopics[:2] and s.id not in shown]
        stories = [s for s in candidates if s.tweets > 1][:ANALYSIS_STORIES] or candidates[:2]
        if not stories:
            continue
        shown.update(s.id for s in stories)
        stories.sort(key=lambda s: (-s.tweets, -s.score, s.id))
        text = (
            f"{stat.label}方面共有 {num(stat.count)} 条推文（占全部推文的 "
            f"{share(stat.count, view.stats.tweets)}），"
        )
        items = [f"{_named(plan, [s])[0]}（{num(s.tweets)} 条）" for s in stories]
        if stories[0].tweets > 1:
            text += f"讨论集中在{join(items)}。"
        else:
            text += f"代表性的话题是{join(items)}。"
        fresh = [s for s in stories if s.id not in core][:2]
        bullets, cited = [], []
        for story in fresh:
            lead = plan.lead(story)
            if lead is not None:
                bullets.append(said(lead))
                cited.append(lead)
        blocks.append(
            Block(title=stat.label, paragraphs=[text], bullets=bullets, citations=_refs(cited))
        )
    return blocks


# ---------------------------------------------------------------------------- markets


def _mood(counts: dict[str, int]) -> str:
    return "、".join(
        f"{SENTIMENT_LABELS[k]} {num(counts.get(k, 0))} 条"
        for k in ("bullish", "bearish", "neutral")
    )


def _symbol_item(s: SymbolStat) -> str:
    name = f"{s.name}，" if s.name and s.name != s.symbol else ""
    moods = [
        f"{SENTIMENT_LABELS[k]} {num(v)}"
        for k, v in (("bullish", s.bullish), ("bearish", s.bearish))
        if v
    ]
    extra = "，" + "、".join(moods) if moods else ""
    return f"{s.symbol}（{name}{num(s.mentions)} 次{extra}）"


def _symbol_bullet(symbol: str, doc: TweetDoc) -> str:
    return f"{symbol}：{_figures_bullet(doc)}"


def _figures_bullet(doc: TweetDoc) -> str:
    text = said(doc)
    figures = list(dict.fromkeys((*doc.percentages, *doc.money)))
    if figures:
        text += f"；推文中的数字：{'、'.join(figures)}"
    return text


def _category_intro(view: WindowView, cat: str) -> str:
    n = view.stats.categories.get(cat, 0)
    text = f"本时段{CATEGORY_LABELS[cat]}相关推文 {num(n)} 条，占全部推文的 {share(n, view.stats.tweets)}"
    mood = view.sentiment_by_category.get(cat)
    return text + (f"，其中{_mood(mood)}。" if mood else "。")


def _markets_block(
    view: WindowView,
    title: str,
    cat: str,
    kind: str,
    symbols: Sequence[SymbolStat],
    docs: dict[str, TweetDoc],
) -> Block:
    """A market section: the category's share and mood, the ``kind`` most mentioned, and the
    tweets behind them (the figures they quote)."""
    paragraphs = []
    if view.stats.categories.get(cat, 0):
        paragraphs.append(_category_intro(view, cat))
    if symbols:
        paragraphs.append(f"被提及最多的{kind}为{join([_symbol_item(s) for s in symbols])}。")
    cited: list[TweetDoc] = []
    bullets = []
    for s in symbols:
        doc = docs.get(s.symbol)
        if doc is not None and doc.id not in {d.id for d in cited}:
            bullets.append(_symbol_bullet(s.symbol, doc))
            cited.append(doc)
    # Market figures (percentages, amounts) are quoted as written, from the tweets that carry them.
    seen = {d.id for d in cited}
    top = [d for d in _unique(view.top_by_category.get(cat, [])) if d.id not in seen]
    figured = [d for d in top if d.percentages or d.money]
    extra = _distinct(figured or ([] if cited else top), 2 if figured else 3)
    for doc in extra:
        bullets.append(_figures_bullet(doc))
        cited.append(doc)
    return Block(title=title, paragraphs=paragraphs, bullets=bullets, citations=_refs(cited))


_SECTOR_LEADS = (
    "「{t}」是{sector}方面讨论最多的消息（{c}）。",
    "「{t}」同样受到关注（{c}）。",
    "另一条消息是「{t}」（{c}）。",
)


def _market_stories(plan: _Plan, cat: str) -> list[Story]:
    """Reported stories about ``cat`` (finance or crypto), strongest first: those it leads, and
    market and funding stories most of whose tweets carry it (unless the other market leads)."""
    other = "crypto" if cat == "finance" else "finance"

    def about(s: Story) -> bool:
        if not s.categories or s.categories[0] == other or cat not in s.categories:
            return False
        if s.categories[0] == cat:
            return True
        # A market or funding story led by AI: when most of its tweets are market tweets.
        held = sum(1 for d in s.members if cat in d.categories)
        return s.kind in MARKET_KINDS and 2 * held > len(s.members)

    return [s for s in plan.stories if about(s)]


def _sector(view: WindowView, story: Story, cat: str) -> str:
    """The story's sector: its leading sub-topic's label, else the market's own name."""
    for sub in story.subtopics:
        label = view.subtopic_labels.get(sub)
        if label:
            return label
    return CATEGORY_LABELS[cat]


def _market_blocks(view: WindowView, plan: _Plan, cat: str, told: set[str]) -> list[Block]:
    """A block per sector (its leading sub-topic), strongest sector first: its stories told in a
    sentence and a quote each (another tweet than the core point quoted where there is one), how
    the market took them, and the symbols its tweets name; the category's size and mood open the
    first block, and the most mentioned symbols no story named close the last. A sector whose
    stories are all single tweets has no block."""
    stories = _market_stories(plan, cat)
    if not stories:
        return []
    by_sector: dict[str, list[Story]] = {}
    for story in stories:
        by_sector.setdefault(_sector(view, story, cat), []).append(story)
    sectors = list(by_sector.items())
    symbols = view.stats.tickers if cat == "finance" else view.stats.coins
    kind = "股票代码" if cat == "finance" else "币种"
    rotor = Rotor()
    named: set[str] = set()
    blocks: list[Block] = []
    for sector, members in sectors:
        if len(blocks) == MARKET_BLOCKS:
            break
        paragraphs = [] if blocks else [_category_intro(view, cat)]
        cited: list[TweetDoc] = []
        # A story of several tweets is told; one tweet's is only named (below), and a sector of
        # single tweets has no block of its own.
        carried_by_many = [s for s in members if s.tweets > 1]
        for i, story in enumerate(carried_by_many[:MARKET_STORIES]):
            lead = plan.lead(story, told | {d.id for d in cited}) or plan.lead(story)
            if lead is None:
                continue
            text = _SECTOR_LEADS[i].format(t=plan.title(story), sector=sector, c=_carried(story))
            text += f"{said(lead)}。"
            if story.sentiment.get("bullish", 0) or story.sentiment.get("bearish", 0):
                text += mood(rotor, story)
            paragraphs.append(text)
            cited.append(lead)
        if not cited:
            continue
        rest = [s for s in members if s not in carried_by_many[:MARKET_STORIES]]
        if rest:
            more = [f"「{plan.title(s)}」（{_carried(s)}）" for s in rest[:3]]
            paragraphs.append(f"此外，{join(more)}也有讨论。")
        carried = {sym for s in members for d in s.members for sym in (*d.tickers, *d.coins)}
        moved = [s for s in symbols if s.symbol in carried and s.symbol not in named][
            :MARKET_SYMBOLS
        ]
        if moved:
            named.update(s.symbol for s in moved)
            paragraphs.append(f"相关{kind}：{join([_symbol_item(s) for s in moved])}。")
        blocks.append(Block(title=sector, paragraphs=paragraphs, citations=_refs(cited)))
    left = [s for s in symbols[:5] if s.symbol not in named]
    if blocks and left:
        last = blocks[-1]
        line = f"被提及较多的{kind}还有{join([_symbol_item(s) for s in left])}。"
        blocks[-1] = last.model_copy(update={"paragraphs": [*last.paragraphs, line]})
    return blocks


def _stocks_block(view: WindowView) -> Block:
    tickers = view.stats.tickers[:5]
    if not tickers and view.stats.categories.get("finance", 0) == 0:
        return _no_data("个股与市场情绪", "本时段推文未涉及个股或股票市场。")
    block = _markets_block(view, "个股与市场情绪", "finance", "股票代码", tickers, view.ticker_docs)
    if not tickers:
        block = block.model_copy(
            update={"paragraphs": [*block.paragraphs, "推文未提及具体股票代码。"]}
        )
    return block


def _crypto_block(view: WindowView) -> Block:
    coins = view.stats.coins[:5]
    if not coins and view.stats.categories.get("crypto", 0) == 0:
        return _no_data(NO_CRYPTO_TITLE, NO_CRYPTO_TEXT)
    return _markets_block(view, "数字货币", "crypto", "币种", coins, view.coin_docs)
