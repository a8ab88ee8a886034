"""How the extractive writer tells one story in Chinese: what happened, how widely, how received.

A story is told in two or three sentences: its lead tweet quoted (what happened), how far it
was carried (tweets, authors, languages, retweets), and how people reacted (a member that
disagrees or agrees, quoted, or else the story's sentiment). Each sentence has several phrasings
and a :class:`Rotor` hands them out in turn, so that ten stories told in a row use no phrasing
more than three times. Every figure is one of the story's counts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from services.summarize.doc import TweetDoc
from services.summarize.story import MARKET_KINDS, Story
from services.summarize.writers.phrasing import (
    CJK,
    LANG_LABELS,
    handle,
    join,
    num,
    quotable_text,
    quote,
)

REACTION_CHARS = 140
"""A reaction is quoted only if it is this short (whole, or its first sentences)."""

_MENTION = re.compile(r"@\w+")
DISSENT = re.compile(
    r"\b(but|however|not sure|disagree|overhyped|hype|bubble|skeptic\w*|doubt\w*|wrong|"
    r"misleading|cope|nope|unclear|caveat|risk\w*|downside|pitfall|the catch|great until)\b|"
    r"但是|不过|然而|质疑|泡沫|炒作|未必|不一定|怀疑|夸大|担心|风险|谨慎|坑|缺点|弊端",
    re.IGNORECASE,
)
"""Words of a tweet that takes issue with what its story reports."""
REBUT = re.compile(
    r"\b(disagree\w*|wrong|misleading|nope|counterpoint|not really)\b|不同意|未必|不一定|质疑|反驳",
    re.IGNORECASE,
)
"""Words that take issue with a claim which is itself a doubt ("some of this is a bubble"): a
skeptical story's members say "bubble" and "risk" in agreement, so only these dissent from it."""
AGREE = re.compile(
    r"\b(agree\w*|exactly|so true|huge|impressive|amazing|incredible|wow|game[- ]?changer|"
    r"congrats|love (?:this|it)|big deal|wild)\b|同意|确实|没错|厉害|太强|震撼|牛|赞|真的变了",
    re.IGNORECASE,
)
"""Words of a tweet that welcomes or echoes what its story reports."""
OPINION = re.compile(
    r"\b(i think|i believe|imo|imho|in my (?:view|opinion)|should|must|will|won't|predict\w*|"
    r"bet|future|matters?|wrong|right|never|always|why|truth|lesson)\b|(?<!\?)\?(?!\?)|？|认为|"
    r"觉得|观点|应该|未来|预测|其实|必须|将会",
    re.IGNORECASE,
)
"""Words of an opinion rather than a report."""


@dataclass
class Rotor:
    """Hands out the phrasings of each kind of sentence in turn (deterministic)."""

    used: dict[str, int] = field(default_factory=dict)

    def pick(self, key: str, variants: Sequence[str]) -> str:
        """The next phrasing of ``key``."""
        n = self.used.get(key, 0)
        self.used[key] = n + 1
        return variants[n % len(variants)]


def substantial(doc: TweetDoc) -> bool:
    """Enough text to stand for a story (not a bare link, mention or emoji row)."""
    text = _MENTION.sub("", quotable_text(doc.ref.text)).strip()
    return len(text) >= 12 or (len(text) >= 4 and bool(re.search(CJK, text)))


def centrality(story: Story, doc: TweetDoc) -> int:
    """How many of the story's lead names and figures a tweet carries: the tweets that say what
    the story is about, rather than a reply or an aside that joined it."""
    text = doc.ref.text.casefold()
    names = sum(1 for e in story.entities[:3] if e.casefold() in text)
    figures = sum(1 for f in story.figures[:3] if f.casefold() in text)
    return names + figures


_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9+-]{2,}|\d+(?:\.\d+)?%?")


def overlap(title: str, doc: TweetDoc) -> int:
    """Latin words and figures of ``title`` that ``doc`` also carries."""
    text = doc.ref.text.casefold()
    return sum(1 for t in set(_TOKEN.findall(title.casefold())) if t in text)


def lead_of(
    story: Story,
    avoid: set[str] | None = None,
    *,
    title: str = "",
    prefer: TweetDoc | None = None,
) -> TweetDoc | None:
    """The member that tells the story best, not one of ``avoid``: ``prefer`` (the tweet its
    title was taken from) if it may, else one substantial, not a reply, saying what its
    ``title`` says and carrying most of the story's names and figures; members come best first,
    which breaks ties."""
    if prefer is not None and (not avoid or prefer.id not in avoid) and substantial(prefer):
        return prefer
    docs = [d for d in story.members if substantial(d)] or list(story.members)
    pool = [d for d in docs if not avoid or d.id not in avoid] or docs
    if not pool:
        return None
    order = {d.id: i for i, d in enumerate(pool)}
    return min(
        pool,
        key=lambda d: (
            is_reply(d),
            -2 * overlap(title, d) - centrality(story, d),
            order[d.id],
        ),
    )


def languages(story: Story) -> str:
    """``英语和中文``: the story's languages by their Chinese names, most tweets first."""
    return join([LANG_LABELS.get(lang, lang) for lang, _ in story.languages if lang != "und"])


def _spoken(story: Story) -> int:
    return sum(1 for lang, _ in story.languages if lang != "und")


def reaction_of(story: Story, lead: TweetDoc, avoid: set[str]) -> tuple[str, TweetDoc] | None:
    """A member by another author that disagrees (``dissent``) or agrees (``echo``) with the
    story, short enough to quote; dissent first."""
    others = [
        d
        for d in story.members
        if d.id != lead.id
        and d.id not in avoid
        and d.ref.author.casefold() != lead.ref.author.casefold()
        and substantial(d)
        and len(quotable_text(d.ref.text)) <= REACTION_CHARS
    ]
    dissent = REBUT if DISSENT.search(quotable_text(lead.ref.text)) else DISSENT
    for label, pattern in (("dissent", dissent), ("echo", AGREE)):
        for doc in others:
            text = quotable_text(doc.ref.text)
            if pattern.search(text) and not (label == "echo" and dissent.search(text)):
                return label, doc
    return None


def is_reply(doc: TweetDoc) -> bool:
    """Whether a tweet answers another (its text opens with ``@handle``)."""
    return doc.ref.text.lstrip().startswith("@")


def first_post(story: Story) -> TweetDoc | None:
    """The story's best member that is not a reply (else its best member)."""
    return next((d for d in story.members if not is_reply(d)), None) or (
        story.members[0] if story.members else None
    )


def disputed(story: Story) -> bool:
    """Whether the story has two sides: a member that disagrees with its lead, or tweets on both
    sides of the market. Replies alone are not a dispute ("@x thanks, saved this")."""
    if story.sentiment.get("bullish", 0) and story.sentiment.get("bearish", 0):
        return True
    lead = first_post(story)
    if lead is None:
        return False
    reaction = reaction_of(story, lead, set())
    return reaction is not None and reaction[0] == "dissent"


def other_language_member(story: Story, lead: TweetDoc, avoid: set[str]) -> TweetDoc | None:
    """A member by another author in the other of Chinese and English than the lead: the
    Chinese retelling of an English report, or the English report a Chinese lead retells."""
    want = "en" if lead.ref.lang == "zh" else "zh"
    docs = [
        d
        for d in (*story.representatives.get(want, ()), *story.members)
        if d.ref.lang == want
        and d.id not in avoid
        and d.ref.author.casefold() != lead.ref.author.casefold()
        and substantial(d)
    ]
    if not docs:
        return None
    order = {d.id: i for i, d in reversed(list(enumerate(docs)))}
    return min(
        docs,
        key=lambda d: (is_reply(d), -centrality(story, d), order[d.id]),
    )


_WHAT = (
    "{h}写道：{q}。",
    "{h}发文说：{q}。",
    "据 {h}：{q}。",
    "{h}的原话是：{q}。",
    "{h}在推文中说：{q}。",
)
_WHAT_OPINION = (
    "{h}认为：{q}。",
    "{h}的看法是：{q}。",
    "{h}直言：{q}。",
    "在 {h}看来，{q}。",
)
_ONE = (
    "目前只有这一条推文提及此事。",
    "本时段仅此一条推文谈到这件事。",
    "此事只见于这一条推文。",
    "没有其他推文转述此事。",
)
_ONE_AUTHOR = (
    "{h}就此发了 {t} 条推文{rt}。",
    "这 {t} 条推文都出自 {h}{rt}。",
    "{h}围绕此事连发 {t} 条{rt}。",
    "相关的 {t} 条推文均来自 {h}{rt}。",
)
_MANY_LANGS = (
    "{a} 位作者用{langs}发了 {t} 条推文谈论此事{rt}。",
    "此事在{langs}推文中都有出现，共 {t} 条，出自 {a} 位作者{rt}。",
    "{langs}账号都在传这条消息：{t} 条推文，{a} 位作者{rt}。",
    "相关推文 {t} 条，作者 {a} 位，语言涵盖{langs}{rt}。",
)
_ONE_LANG = (
    "共有 {t} 条推文、{a} 位作者提到此事{rt}。",
    "{a} 位作者先后发了 {t} 条相关推文{rt}。",
    "这件事被 {t} 条推文转述，出自 {a} 位作者{rt}。",
    "{t} 条推文跟进，作者 {a} 位{rt}。",
)
_DISSENT = (
    "也有保留意见，{h}写道：{q}。",
    "不同的声音来自 {h}：{q}。",
    "{h}持不同看法：{q}。",
    "但 {h}提醒：{q}。",
)
_ECHO = (
    "{h}附和道：{q}。",
    "{h}也表示认同：{q}。",
    "响应者如 {h}写道：{q}。",
    "{h}跟进评论：{q}。",
)
_CHINESE = (
    "中文推文中，{h}写道：{q}。",
    "{h}的中文转述是：{q}。",
    "中文圈也在讨论，{h}写道：{q}。",
    "{h}用中文写道：{q}。",
)
_ENGLISH = (
    "英文推文中，{h}写道：{q}。",
    "英语圈的讨论里，{h}写道：{q}。",
    "{h}用英文写道：{q}。",
    "英语推文里，{h}的说法是：{q}。",
)
_MARKET_UP = (
    "市场情绪偏多，{b} 条推文看涨。",
    "{b} 条推文给出了看涨判断，未见看跌声音。",
    "看涨者居多（{b} 条），无人看跌。",
    "情绪一边倒：看涨 {b} 条，看跌为零。",
)
_MARKET_DOWN = (
    "情绪偏空，{s} 条推文看跌。",
    "{s} 条推文给出了看跌判断，未见看涨声音。",
    "看跌者居多（{s} 条），无人看涨。",
    "情绪一边倒：看跌 {s} 条，看涨为零。",
)
_MIXED = (
    "看法分歧：看涨 {b} 条，看跌 {s} 条。",
    "多空并存，看涨 {b} 条、看跌 {s} 条。",
    "{b} 条推文看涨，另有 {s} 条看跌。",
    "多空两派都有：{b} 条看涨对 {s} 条看跌。",
)
_UPBEAT = (
    "{b} 条推文态度积极，未见唱衰的声音。",
    "反应偏正面，{b} 条推文表示看好。",
    "看好者有 {b} 条推文，无人看淡。",
    "整体反应积极（{b} 条看好）。",
)
_DOWNBEAT = (
    "{s} 条推文态度消极，未见看好的声音。",
    "反应偏负面，{s} 条推文表示看淡。",
    "看淡者有 {s} 条推文，无人看好。",
    "整体反应消极（{s} 条看淡）。",
)
_SPLIT = (
    "看法不一：{b} 条看好，{s} 条看淡。",
    "褒贬都有，{b} 条看好、{s} 条看淡。",
    "{b} 条推文看好，另有 {s} 条看淡。",
    "正反两方都有：{b} 条看好对 {s} 条看淡。",
)
_NEUTRAL = (
    "推文多为转述，语气中性。",
    "讨论以陈述事实为主，未见明显的情绪倾向。",
    "各条推文态度中性，未见明显分歧。",
    "推文语气平实，情绪中性。",
)
# A side half or fewer of the story's tweets take is not "the mood": say how few.
_FEW_UP = (
    "{b} 条推文看涨，其余 {r} 条未表明方向。",
    "只有 {b} 条推文给出看涨判断，其余推文只是转述。",
)
_FEW_DOWN = (
    "{s} 条推文看跌，其余 {r} 条未表明方向。",
    "只有 {s} 条推文给出看跌判断，其余推文只是转述。",
)
_FEW_UPBEAT = (
    "{b} 条推文表示看好，其余 {r} 条未表态。",
    "表示看好的只有 {b} 条，其余推文只是转述。",
)
_FEW_DOWNBEAT = (
    "{s} 条推文表示看淡，其余 {r} 条未表态。",
    "表示看淡的只有 {s} 条，其余推文只是转述。",
)


@dataclass(frozen=True)
class Told:
    """A story told: its sentences and the tweets quoted in them, lead first."""

    text: str
    cited: tuple[TweetDoc, ...]


def what(rotor: Rotor, story: Story, lead: TweetDoc) -> str:
    """What happened: the lead tweet, quoted."""
    # The lead's own words decide: a debate is often opened by a plain report.
    opinion = bool(OPINION.search(quotable_text(lead.ref.text)))
    key, variants = ("what-opinion", _WHAT_OPINION) if opinion else ("what", _WHAT)
    return rotor.pick(key, variants).format(h=handle(lead), q=quote(lead))


def breadth(rotor: Rotor, story: Story, lead: TweetDoc) -> str:
    """How widely it was carried: tweets, authors, languages, retweets."""
    rt = f"，另有 {num(story.retweets)} 次转发" if story.retweets else ""
    values = {
        "t": num(story.tweets),
        "a": num(story.authors),
        "langs": languages(story),
        "rt": rt,
        "h": handle(lead),
    }
    if story.tweets <= 1:
        return rotor.pick("one", _ONE)
    if story.authors <= 1:
        return rotor.pick("one-author", _ONE_AUTHOR).format(**values)
    if _spoken(story) >= 2:
        return rotor.pick("many-langs", _MANY_LANGS).format(**values)
    return rotor.pick("one-lang", _ONE_LANG).format(**values)


def mood(rotor: Rotor, story: Story) -> str:
    """How it was received, by its tweets' sentiment."""
    b, s = story.sentiment.get("bullish", 0), story.sentiment.get("bearish", 0)
    market = story.kind in MARKET_KINDS
    few = 2 * max(b, s) <= story.tweets  # half or fewer: not the story's mood
    key: str
    variants: Sequence[str]
    if b and s:
        key, variants = ("mixed", _MIXED) if market else ("split", _SPLIT)
    elif b and few:
        key, variants = ("few-up", _FEW_UP) if market else ("few-upbeat", _FEW_UPBEAT)
    elif b:
        key, variants = ("up", _MARKET_UP) if market else ("upbeat", _UPBEAT)
    elif s and few:
        key, variants = ("few-down", _FEW_DOWN) if market else ("few-downbeat", _FEW_DOWNBEAT)
    elif s:
        key, variants = ("down", _MARKET_DOWN) if market else ("downbeat", _DOWNBEAT)
    else:
        key, variants = "neutral", _NEUTRAL
    return rotor.pick(key, variants).format(b=num(b), s=num(s), r=num(max(story.tweets - b - s, 0)))


def tell(
    rotor: Rotor,
    story: Story,
    *,
    avoid: set[str] | None = None,
    title: str = "",
    prefer: TweetDoc | None = None,
) -> Told | None:
    """The story in two or three sentences, and the tweets they quote (lead first: ``prefer``
    where it may, else the one that says what ``title`` says)."""
    avoid = avoid or set()
    lead = lead_of(story, avoid, title=title, prefer=prefer)
    if lead is None:
        return None
    parts = [what(rotor, story, lead), breadth(rotor, story, lead)]
    cited = [lead]
    reaction = reaction_of(story, lead, avoid)
    moved = story.sentiment.get("bullish", 0) or story.sentiment.get("bearish", 0)
    if story.kind in MARKET_KINDS and moved and (reaction is None or reaction[0] == "echo"):
        # How a market took the news says more than one more voice agreeing or retelling it.
        parts.append(mood(rotor, story))
        return Told(text="".join(parts), cited=tuple(cited))
    other = other_language_member(story, lead, avoid)
    if reaction is not None and reaction[0] == "echo" and other is not None:
        # A retelling in the other language shows the story's reach; "agreeing" is a weaker read.
        reaction = None
    if reaction is not None:
        label, doc = reaction
        variants = _DISSENT if label == "dissent" else _ECHO
        parts.append(rotor.pick(label, variants).format(h=handle(doc), q=quote(doc)))
        cited.append(doc)
    else:
        if other is not None:
            key, variants = (
                ("english", _ENGLISH) if other.ref.lang == "en" else ("chinese", _CHINESE)
            )
            parts.append(rotor.pick(key, variants).format(h=handle(other), q=quote(other)))
            cited.append(other)
        else:
            parts.append(mood(rotor, story))
    return Told(text="".join(parts), cited=tuple(cited))


__all__ = [
    "AGREE",
    "DISSENT",
    "OPINION",
    "Rotor",
    "Told",
    "breadth",
    "centrality",
    "languages",
    "lead_of",
    "mood",
    "other_language_member",
    "overlap",
    "reaction_of",
    "substantial",
    "tell",
    "what",
]
