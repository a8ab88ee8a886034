"""The offline, extractive report writer: Chinese template sentences filled from the aggregates.

Nothing is invented. Every figure in the text is a count from the window's statistics, a share
computed from two of them, an engagement score of a cited tweet, or a figure quoted from a cited
tweet; tweets are quoted in their own language, and every quote is in the section's citations.
A section without data says so instead of being padded. Text is plain: render adds the markup.

This module owns what the extractive report says and which tweets it cites (themes, selection,
the event rules, the section layouts); how a sentence is phrased (labels, figures, quotes,
attributions, spacing) is ``phrasing``'s, which the model writers share. Its public section
methods are the :class:`~services.summarize.writers.SectionWriter` a model writer falls back to.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from services.summarize.doc import TweetDoc
from services.summarize.view import WindowView, entity_key
from services.summarize.writers import CORE_POINTS, EVENT_TITLES, Written
from services.summarize.writers.phrasing import (
    CATEGORY_LABELS,
    CJK,
    LANG_LABELS,
    NO_DATA,
    SENTIMENT_LABELS,
    finish,
    finish_blocks,
    from_,
    handle,
    join,
    num,
    quotable_text,
    quote,
    said,
    share,
    tail,
)
from shared.models import Block, CorePoint, CountStat, Report, SymbolStat, TweetRef

INSIGHT_BLOCKS = 4
EVENT_BULLETS = 5
AI_BLOCKS = 6
FINANCE_BLOCKS = 4
NO_CRYPTO_TITLE = "未涉及数字货币"
NO_CRYPTO_TEXT = "本时段推文未涉及数字货币或加密货币相关内容。"

_MENTION = re.compile(r"@\w+")
_OPINION = re.compile(
    r"\b(i think|i believe|imo|imho|in my (?:view|opinion)|should|must|will|won't|predict\w*|"
    r"bet|future|matters?|wrong|right|never|always|why|truth|lesson)\b|(?<!\?)\?(?!\?)|？|认为|"
    r"觉得|观点|"
    r"应该|未来|预测|其实|必须|将会",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class _EventRule:
    """Which sub-topics (by words in their id or label) and which tweets feed an event block."""

    title: str
    subtopic_words: tuple[str, ...]
    text: re.Pattern[str]
    about_models: bool | None = None
    """For a sub-topic shared with another block: True takes its tweets that name a model,
    False those that do not, None all of them."""


_RELEASE = (
    r"\b(launch\w*|releas\w*|introduc\w*|announc\w*|unveil\w*|open[- ]?sourc\w*|now available|"
    r"ship(?:s|ped)?|rolls? out)\b|发布|推出|上线|开源"
)
_LAUNCHES, _TOOLS, _DEALS, _RESEARCH = EVENT_TITLES
_EVENT_RULES = (
    _EventRule(
        _LAUNCHES,
        (
            "model",
            "llm",
            "release",
            "launch",
            "breakthrough",
            "multimodal",
            "reasoning",
            "performance",
            "architecture",
            "efficiency",
            "opensource",
            "open_source",
            "模型",
            "突破",
            "多模态",
            "推理",
            "架构",
            "性能",
            "开源",
            "发布",
        ),
        re.compile(_RELEASE + r"|\b(benchmark|state[- ]of[- ]the[- ]art|sota)\b|突破", re.I),
        about_models=True,
    ),
    _EventRule(
        _TOOLS,
        (
            "tool",
            "app",
            "product",
            "launch",
            "coding",
            "codegen",
            "developer",
            "agent",
            "enterprise",
            "工具",
            "应用",
            "产品",
            "编程",
            "代码",
            "代理",
            "智能体",
            "开发",
            "发布",
        ),
        re.compile(
            r"(?=.*(" + _RELEASE + r"))(?=.*(\b(app|tool|plugin|extension|api|sdk|feature|agent|"
            r"assistant)s?\b|工具|应用|插件|功能|助手|智能体))",
            re.I | re.S,
        ),
        about_models=False,
    ),
    _EventRule(
        _DEALS,
        (
            "invest",
            "funding",
            "venture",
            "deal",
            "partner",
            "acqui",
            "industry",
            "投资",
            "融资",
            "合作",
            "并购",
            "收购",
            "产业",
        ),
        re.compile(
            r"\b(invest\w*|funding|raise[sd]?|raising|valuation|acqui\w*|partner\w*|ipo|"
            r"series [a-e])\b|融资|投资|合作|收购|并购|估值",
            re.I,
        ),
    ),
    _EventRule(
        _RESEARCH,
        ("research", "paper", "academ", "science", "study", "研究", "论文", "学术", "科研"),
        re.compile(r"\b(paper|arxiv|research\w*|study|studies|preprint)\b|论文|研究|学术", re.I),
    ),
)


# ---------------------------------------------------------------------------- selection


def _unique(docs: Iterable[TweetDoc]) -> list[TweetDoc]:
    """Distinct tweets, most engaging first (ties: tweet id)."""
    seen: dict[str, TweetDoc] = {}
    for doc in docs:
        held = seen.get(doc.id)
        if held is None or doc.engagement > held.engagement:
            seen[doc.id] = doc
    return sorted(seen.values(), key=lambda d: (-d.engagement, d.id))


def _distinct(
    docs: Iterable[TweetDoc], limit: int, avoid: set[str] | None = None
) -> list[TweetDoc]:
    """Up to ``limit`` docs, skipping ``avoid`` ids and repeats of one near-duplicate text."""
    out: list[TweetDoc] = []
    keys: set[str] = set()
    for doc in docs:
        if (avoid and doc.id in avoid) or (doc.near_dup_key and doc.near_dup_key in keys):
            continue
        out.append(doc)
        keys.add(doc.near_dup_key)
        if len(out) == limit:
            break
    return out


def _refs(docs: Iterable[TweetDoc]) -> list[TweetRef]:
    return [d.ref for d in docs]


def _all_docs(view: WindowView) -> list[TweetDoc]:
    docs = list(view.top_all)
    for group in (*view.top_by_category.values(), *view.top_by_subtopic.values()):
        docs.extend(group)
    return _unique(docs)


def _ubiquitous(view: WindowView) -> set[str]:
    """Names in more than half of all tweets: true everywhere, so they tell no theme apart."""
    return {c.key for c in (*view.models, *view.companies) if 2 * c.count > view.stats.tweets}


def _leading_entities(
    docs: Sequence[TweetDoc], skip: set[str] | None = None, *, min_share: float = 0.0
) -> list[str]:
    """Models and companies named in ``docs``, most often first (ties: first seen).

    Spellings of one name count together (see ``entity_key``); ``skip`` holds keys to leave out;
    a name must appear in at least ``min_share`` of ``docs``.
    """
    counts: Counter[str] = Counter()
    spelling: dict[str, str] = {}
    for doc in docs:
        keys = {entity_key(n): n for n in (*doc.models, *doc.companies)}
        for key, name in keys.items():
            spelling.setdefault(key, name)
        counts.update(dict.fromkeys(keys, 1))
    least = min_share * len(docs)
    return [
        spelling[k] for k, n in counts.most_common() if n >= least and (not skip or k not in skip)
    ]


def _substantial(doc: TweetDoc) -> bool:
    """Enough text to stand for a theme (not a bare link, mention or emoji row)."""
    text = _MENTION.sub("", quotable_text(doc.ref.text)).strip()
    return len(text) >= 12 or (len(text) >= 4 and bool(re.search(CJK, text)))


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


def _no_data(title: str, text: str = NO_DATA) -> Block:
    return Block(title=title, paragraphs=[text])


# ---------------------------------------------------------------------------- the writer


@dataclass
class _Theme:
    weight: int
    order: int
    key: str
    label: str
    docs: list[TweetDoc]
    cluster_size: int = 0


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
        leads = {p.citations[0].tweet_id for p in points}
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
        """主要话题与行业趋势概述: what was discussed (counts, shares), then what drew engagement."""
        st = view.stats
        if st.tweets == 0:
            return [finish(f"{_period(view)}未收录到推文，以下各部分均无数据。")], []
        first = [
            _volume_sentence(view),
            _category_sentence(view),
            _subtopic_sentence(view),
            _sentiment_sentence(view),
            _entity_sentence(view),
            _lang_sentence(view),
        ]
        top = _distinct(view.top_all, 3)
        paragraphs = ["".join(first), _engagement_paragraph(view, top)]
        return [finish(p) for p in paragraphs if p], _refs(top)

    def core_points(self, view: WindowView) -> list[CorePoint]:
        """核心信息: up to ten points, one per distinct theme (sub-topic or near-duplicate cluster).

        Themes are taken largest first; no two points lead with the same tweet or the same
        near-duplicate text. Fewer themes give fewer points (the footer says so), never padding.
        """
        if view.stats.tweets == 0:
            return []
        points: list[CorePoint] = []
        used_ids: set[str] = set()
        used_keys: set[str] = set()
        used_titles: set[str] = set()
        used_entities = _ubiquitous(view)
        for theme in _themes(view):
            if theme.cluster_size and theme.key in used_keys:
                continue
            leads = [
                d for d in theme.docs if d.id not in used_ids and d.near_dup_key not in used_keys
            ]
            if not leads:
                continue
            lead = leads[0]
            cited = _distinct([lead, *(d for d in theme.docs if d.id not in used_ids)], 3)
            title = _point_title(theme, cited, used_entities, used_titles)
            body = _point_body(view, theme, cited)
            points.append(CorePoint(title=finish(title), body=finish(body), citations=_refs(cited)))
            used_ids.add(lead.id)
            used_keys.add(lead.near_dup_key)
            used_titles.add(title)
            if len(points) == CORE_POINTS:
                break
        return points

    def insights(self, view: WindowView, *, avoid: set[str] | None = None) -> list[Block]:
        """重要观点与见解: the most engaging opinion-like tweets, then the most repeated content."""
        docs = _all_docs(view)
        fresh = [d for d in docs if not avoid or d.id not in avoid] or docs
        opinions = [d for d in fresh if _OPINION.search(quotable_text(d.ref.text))]
        ordered = opinions + [d for d in fresh if d not in opinions]
        groups: dict[str, list[TweetDoc]] = {}
        keys: set[str] = set()
        for doc in ordered:
            if doc.near_dup_key in keys:
                continue
            title = _doc_theme(view, doc)
            if title not in groups and len(groups) == INSIGHT_BLOCKS:
                continue
            group = groups.setdefault(title, [])
            if len(group) < 2:
                group.append(doc)
                keys.add(doc.near_dup_key)
        blocks = [_insight_block(view, title, group) for title, group in groups.items()]
        repeated = _repeated_block(view, keys)
        if repeated is not None:
            blocks.append(repeated)
        if not blocks:
            blocks = [_no_data("未见观点类推文", "本时段未收录到可归纳观点的推文。")]
        return finish_blocks(blocks)

    def events(self, view: WindowView) -> list[Block]:
        """关键事件与发展: the four fixed sub-sections, each a lead sentence and cited bullets."""
        matched: dict[str, list[str]] = {rule.title: [] for rule in _EVENT_RULES}
        shared: set[str] = set()
        for stat in view.stats.subtopics:
            rules = _rules_for(f"{stat.key} {stat.label}".lower())
            for rule in rules:
                matched[rule.title].append(stat.key)
            if len(rules) > 1:
                shared.add(stat.key)
        pool = _unique(
            [
                *view.top_all,
                *view.top_by_category.get("ai", []),
                *view.top_by_category.get("finance", []),
            ]
        )
        taken: set[str] = set()
        blocks = []
        for rule in _EVENT_RULES:
            subs = matched[rule.title]
            tops = {
                s: [
                    d for d in view.top_by_subtopic.get(s, []) if s not in shared or _takes(rule, d)
                ]
                for s in subs
            }
            # A few from each matched sub-topic first, so one busy sub-topic does not fill the block.
            firsts = [d for s in subs for d in _distinct(tops[s], 2)]
            rest = [d for s in subs for d in tops[s]]
            texts = [d for d in pool if _text_matches(rule, d)]
            candidates = [*_unique(firsts), *_unique(rest), *texts]
            picked = _distinct(candidates, EVENT_BULLETS, avoid=taken)
            taken.update(d.id for d in picked)
            picked.sort(key=lambda d: (-d.engagement, d.id))
            blocks.append(_event_block(view, rule.title, subs, picked))
        return finish_blocks(blocks)

    def markets(self, view: WindowView) -> list[Block]:
        """个股与数字货币: a stocks block, then a crypto block (or the statement that none was seen)."""
        return finish_blocks([_stocks_block(view), _crypto_block(view)])

    def ai_analysis(self, view: WindowView) -> list[Block]:
        """专项分析 / 人工智能相关内容: a block per leading AI sub-topic."""
        if view.stats.categories.get("ai", 0) == 0:
            return [_no_data("人工智能", "本时段未见人工智能相关推文。")]
        subs = [s for s in view.stats.subtopics if _subtopic_area(view, s.key) == "ai"]
        if not subs:
            return finish_blocks([_category_block(view, "ai", "人工智能讨论")])
        used: set[str] = set()
        return finish_blocks([_subtopic_block(view, s, used) for s in subs[:AI_BLOCKS]])

    def finance_analysis(self, view: WindowView) -> list[Block]:
        """专项分析 / 金融市场相关内容: market and investment sub-topics, or that there were none."""
        cats = view.stats.categories
        if cats.get("finance", 0) == 0 and cats.get("crypto", 0) == 0:
            return [_no_data("金融市场", "本时段未见金融市场相关推文。")]
        subs = [s for s in view.stats.subtopics if _subtopic_area(view, s.key) == "finance"]
        if not subs:
            cat = "finance" if cats.get("finance", 0) else "crypto"
            return finish_blocks([_category_block(view, cat, "金融市场讨论")])
        used: set[str] = set()
        return finish_blocks([_subtopic_block(view, s, used) for s in subs[:FINANCE_BLOCKS]])

    def footer_notes(self, view: WindowView, *, core_points: int | None = None) -> list[str]:
        """How the report was made: sources, window, build time, and any section left short."""
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
                "互动量按点赞与回复各计一次、转发与引用各计两次累加；转发不单独计为推文，"
                "而计入原推文。"
            )
        points = len(self.core_points(view)) if core_points is None else core_points
        if view.stats.tweets and points < CORE_POINTS:
            notes.append(
                f"本时段数据只能区分出 {num(points)} 个互不重复的话题，核心信息据实列出，未作填充。"
            )
        return [finish(n) for n in notes]


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
        f"{CATEGORY_LABELS[c]}相关 {num(n)} 条（{share(n, st.tweets)}）"
        for c in ("ai", "finance", "crypto")
        if (n := st.categories.get(c, 0))
    ]
    other = st.categories.get("none", 0)
    if other:
        parts.append(f"未归入上述类别 {num(other)} 条")
    if not parts:
        return ""
    return "按类别统计（一条推文可属多个类别），" + "，".join(parts) + "。"


def _subtopic_sentence(view: WindowView) -> str:
    subs = view.stats.subtopics[:4]
    if not subs:
        return "本时段推文未归入任何子话题。"
    items = [
        f"「{s.label}」（{num(s.count)} 条，{share(s.count, view.stats.tweets)}）" for s in subs
    ]
    return f"讨论最集中的子话题依次为{join(items)}。"


def _sentiment_sentence(view: WindowView) -> str:
    sent = view.stats.sentiment
    parts = [f"{SENTIMENT_LABELS[k]} {num(sent.get(k, 0))} 条" for k in SENTIMENT_LABELS]
    return "情绪标注为" + "、".join(parts) + "。"


def _counted(stats: Sequence[CountStat], limit: int = 3) -> str:
    return join([f"{s.label}（{num(s.count)} 次）" for s in stats[:limit]])


def _entity_sentence(view: WindowView) -> str:
    parts = []
    if view.models:
        parts.append(f"被提及最多的模型为{_counted(view.models)}")
    if view.companies:
        parts.append(f"公司为{_counted(view.companies)}")
    return "，".join(parts) + "。" if parts else ""


def _lang_sentence(view: WindowView) -> str:
    if not view.langs or view.langs[0].key == "und":
        return ""
    top = view.langs[0]
    lang = LANG_LABELS.get(top.key, top.key)
    return f"推文语言以{lang}为主（{num(top.count)} 条，{share(top.count, view.stats.tweets)}）。"


def _engagement_paragraph(view: WindowView, top: Sequence[TweetDoc]) -> str:
    parts = []
    if top and top[0].engagement > 0:
        lead = top[0]
        parts.append(f"互动量最高的推文{from_(lead)}。")
        rest = [f"{handle(d)}（{num(d.engagement)}）" for d in top[1:] if d.engagement > 0]
        if rest:
            parts.append(f"其后依次为{join(rest)}。")
    retweeted = sorted(view.subtopic_retweets.items(), key=lambda kv: (-kv[1], kv[0]))
    if retweeted:
        sub, count = retweeted[0]
        parts.append(f"被转发最多的子话题是「{view.label(sub)}」（{num(count)} 次转发）。")
    repeated = [c for c in view.clusters if c.size >= 2]
    if repeated:
        parts.append(
            f"另有 {num(len(repeated))} 组内容高度相近的推文反复出现，"
            f"最大一组 {num(repeated[0].size)} 条。"
        )
    return "".join(parts)


# ---------------------------------------------------------------------------- core points


def _themes(view: WindowView) -> list[_Theme]:
    themes = [
        _Theme(
            weight=s.count,
            order=0,
            key=s.key,
            label=s.label,
            docs=_unique(view.top_by_subtopic.get(s.key, [])),
        )
        for s in view.stats.subtopics
    ]
    known = _all_docs(view)
    for c in view.clusters:
        if c.size < 2 or c.representative is None or not _substantial(c.representative):
            continue
        rep = c.representative
        same = [d for d in known if d.near_dup_key == c.key and d.id != rep.id]
        themes.append(
            _Theme(
                weight=c.size,
                order=1,
                key=c.key,
                label=_doc_theme(view, rep, fallback="热传内容"),
                docs=[rep, *same],
                cluster_size=c.size,
            )
        )
    themes.sort(key=lambda t: (-t.weight, t.order, t.key))
    return themes


def _doc_theme(view: WindowView, doc: TweetDoc, fallback: str = "") -> str:
    for sub in doc.subtopics:
        if sub in view.subtopic_labels:
            return view.subtopic_labels[sub]
    for cat in doc.categories:
        return CATEGORY_LABELS.get(cat, cat) + "讨论"
    return fallback or "其他讨论"


def _point_title(
    theme: _Theme, cited: Sequence[TweetDoc], used_entities: set[str], used_titles: set[str]
) -> str:
    # A title names an entity only if a third of the theme's top tweets name it.
    entities = _leading_entities(theme.docs or cited, skip=used_entities, min_share=1 / 3)
    title = f"{theme.label}：{entities[0]}" if entities else theme.label
    if entities:
        used_entities.add(entity_key(entities[0]))
    if title in used_titles:
        title = f"{title}（{handle(cited[0])}）"
    return title


def _point_body(view: WindowView, theme: _Theme, cited: Sequence[TweetDoc]) -> str:
    total = view.stats.tweets
    lead = cited[0]
    if theme.cluster_size:
        first = (
            f"共有 {num(theme.cluster_size)} 条不同推文内容高度相近，"
            f"占全部推文的 {share(theme.cluster_size, total)}。"
        )
        second = f"代表推文{from_(lead)}。"
    else:
        first = f"本时段「{theme.label}」相关推文 {num(theme.weight)} 条，占全部推文的 {share(theme.weight, total)}"
        retweets = view.subtopic_retweets.get(theme.key, 0)
        first += f"，相关转发 {num(retweets)} 次。" if retweets else "。"
        verb = "互动量最高的一条" if lead.engagement > 0 else "代表推文"
        second = f"{verb}{from_(lead)}。"
    third = f"另见{join([handle(d) for d in cited[1:]])}的相关推文。" if len(cited) > 1 else ""
    return first + second + third


# ---------------------------------------------------------------------------- insights


def _insight_block(view: WindowView, title: str, docs: Sequence[TweetDoc]) -> Block:
    lead = docs[0]
    verb = "认为" if _OPINION.search(quotable_text(lead.ref.text)) else "写道"
    paragraphs = [said(lead, verb) + "。"]
    sub = next((s for s in lead.subtopics if s in view.subtopic_labels), None)
    if sub is not None:
        paragraphs.append(
            f"该推文属于「{view.label(sub)}」子话题，本时段该子话题共 "
            f"{num(view.subtopic_count(sub))} 条推文。"
        )
    bullets = [said(d) for d in docs[1:]]
    return Block(title=title, paragraphs=paragraphs, bullets=bullets, citations=_refs(docs))


def _repeated_block(view: WindowView, used_keys: set[str]) -> Block | None:
    clusters = [
        c
        for c in view.clusters
        if c.size >= 2
        and c.representative is not None
        and c.key not in used_keys
        and _substantial(c.representative)
    ][:3]
    if not clusters:
        return None
    bullets = []
    reps = []
    for c in clusters:
        rep = c.representative
        assert rep is not None  # noqa: S101 - filtered above; narrows the type for mypy
        bullets.append(f"{quote(rep)}——共 {num(c.size)} 条相近推文，代表账号 {handle(rep)}")
        reps.append(rep)
    return Block(
        title="广泛转述的内容",
        paragraphs=["以下内容被多条推文以相同或相近的文字发布："],
        bullets=bullets,
        citations=_refs(reps),
    )


# ---------------------------------------------------------------------------- events


def _rules_for(text: str) -> list[_EventRule]:
    return [r for r in _EVENT_RULES if any(word in text for word in r.subtopic_words)]


def _takes(rule: _EventRule, doc: TweetDoc) -> bool:
    return rule.about_models is None or rule.about_models == bool(doc.models)


def _text_matches(rule: _EventRule, doc: TweetDoc) -> bool:
    if rule.about_models and not doc.models:
        return False
    return bool(rule.text.search(quotable_text(doc.ref.text)))


def _event_block(
    view: WindowView, title: str, subs: Sequence[str], docs: Sequence[TweetDoc]
) -> Block:
    if not docs:
        return _no_data(title)
    counted = [(s, view.subtopic_count(s)) for s in subs]
    counted = [(s, n) for s, n in counted if n]
    if counted:
        items = [f"「{view.label(s)}」（{num(n)} 条）" for s, n in counted[:4]]
        lead = f"本时段相关子话题为{join(items)}，以下为其中互动量较高的推文。"
    else:
        lead = "以下推文提及相关进展（按互动量排序）。"
    bullets = []
    for doc in docs:
        names = list(dict.fromkeys((*doc.models, *doc.companies)))[:3]
        prefix = "、".join(names) + "：" if names else ""
        bullets.append(f"{prefix}{quote(doc)}{tail(doc)}")
    return Block(title=title, paragraphs=[lead], bullets=bullets, citations=_refs(docs))


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


# ---------------------------------------------------------------------------- analysis


def _subtopic_block(view: WindowView, stat: CountStat, used: set[str]) -> Block:
    """One sub-topic's figures and representative tweets (none already cited in ``used``)."""
    top = _unique(view.top_by_subtopic.get(stat.key, []))
    docs = _distinct(top, 3, avoid=used) or _distinct(top, 3)
    used.update(d.id for d in docs)
    first = f"「{stat.label}」共 {num(stat.count)} 条推文，占全部推文的 {share(stat.count, view.stats.tweets)}"
    retweets = view.subtopic_retweets.get(stat.key, 0)
    first += f"，相关转发 {num(retweets)} 次。" if retweets else "。"
    names = _leading_entities(top, skip=_ubiquitous(view))[:4]
    if names:
        first += f"讨论中出现较多的有{join(names)}。"
    paragraphs = [first]
    if docs:
        paragraphs.append(f"代表性推文{from_(docs[0])}。")
    bullets = [said(d) for d in docs[1:]]
    return Block(title=stat.label, paragraphs=paragraphs, bullets=bullets, citations=_refs(docs))


def _category_block(view: WindowView, cat: str, title: str) -> Block:
    docs = _distinct(_unique(view.top_by_category.get(cat, [])), 3)
    paragraphs = [
        _category_intro(view, cat) + "本时段没有以此为主的子话题，以下为互动量最高的相关推文。"
    ]
    return Block(
        title=title, paragraphs=paragraphs, bullets=[said(d) for d in docs], citations=_refs(docs)
    )
