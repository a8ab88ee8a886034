"""A story's title in Chinese: who did what, with its figure, taken from the story's own tweets.

In order of preference:

1. the opening clause of its best Chinese tweet (``Google Research 推出 Learn Your Way``), the
   whole opening sentence when that is two short clauses (``封闭系统早期获胜，开放系统最终获胜``),
   with the clause that carries the story's lead figure added when the opening has none;
2. an English tweet's ``<subject> <verb> <object>`` opening (``IQuest Labs releases a 40B code
   LLM``) told with a Chinese verb and the subject's Chinese name (``IQuest Labs 发布 40B code
   LLM``);
3. the Chinese names of the lead entities its lead tweet names (``Story.entity_labels``), what
   kind of story it is, and its lead figure (``三星、SK海力士股价异动：+280%``);
4. what kind of story it is and an English tweet's opening clause, as written (``新研究：small
   human hints help frontier models solve IMO-level problems``); never a clause in another
   script (Cyrillic, Thai, kana…), which a Chinese reader cannot read as a title;
5. whose post it is and on what (``@tessa_ships 谈智能代理``).

Nothing is translated beyond the verb and the names the story layer knows: a title only says
what a tweet of the story says.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from services.summarize.doc import TweetDoc
from services.summarize.story import MARKET_KINDS, Story
from services.summarize.writers.phrasing import CJK, quotable_text, unwrapped
from services.summarize.writers.telling import disputed, first_post, is_reply

TITLE_CHARS = 44
"""A title longer than this is shortened (at a clause), or built from the entities instead."""
_MIN_CHARS = 6
SENTENCE_CHARS = 30
"""An opening sentence of two comma-joined clauses this short is the title whole: its second
clause is often its point (「封闭系统早期获胜，开放系统最终获胜」)."""

_HASHTAG = re.compile(r"[#＃]\S+")
_MENTION = re.compile(r"@\w+")
_BRACKETED = re.compile(r"^\s*(?:【[^】]{0,12}】|\[[^\]]{0,12}\])\s*")
_LABEL = re.compile(
    r"^\s*(?:突发|重磅|快讯|刚刚|消息|最新|breaking|update|news|just in)\s*[:：!！]\s*", re.I
)
# "很高興地宣布：…", "Thrilled to announce: …": a lead-in that names no one; the title is what
# follows it.
_ANNOUNCING = re.compile(
    r"^(?:(?:我们|我們)?(?:很|非常|十分)?(?:高兴|高興|开心|開心|激动|激動|兴奋|興奮|荣幸|榮幸)地?"
    r"(?:向大家)?(?:宣布|宣佈|分享)|(?:正式|隆重|重磅)(?:宣布|宣佈|官宣)|"
    r"(?:(?:we|i)(?:'re|'m| are| am)\s+)?(?:so\s+|very\s+)?(?:excited|thrilled|happy|proud)"
    r"\s+to\s+(?:announce|share))\s*[:：!！]\s*",
    re.I,
)
_ANNOUNCES = re.compile(r"\b(?:announc|launch|releas|introduc|unveil)", re.I)
_THREAD = re.compile(r"^\(?\d{1,2}\s*/\s*\d{0,2}\)?\s+")  # "1/", "(1/2)": a thread's count
_ADDRESSING = re.compile(r"^(?:\s*@\w+)+|(?:\s*@\w+)+[\s.!?。！？]*$")
_SYMBOLS = re.compile(r"[\U0001F000-\U0001FFFF\u2600-\u27bf\ufe0f\u200d]+")
_SENTENCE_END = re.compile(r"[。！？!?；;\n]")
_CLAUSES = re.compile(rf"{_SENTENCE_END.pattern}|[，,：:]|——|\s[-–—]\s")
_CJK_CHAR = re.compile(CJK)
_REPORTING = re.compile(r"推出|发布|宣布|上线|开源|提出|发现|计划|订购|投资|融资|收购|支持|涨|跌")

_VERBS = (
    (
        r"releases?|released|launch(?:es)?|launched|unveils?|unveiled|introduces?|introduced|"
        r"announces?|announced|ships?|shipped|drops?|dropped|debuts?|debuted|rolls? out|"
        r"rolled out|publishes|published|open[- ]sources?|open[- ]sourced",
        "发布",
    ),
    (r"plans? to (?:spend|invest)|will (?:spend|invest)|budgets?|budgeted", "计划投入"),
    (r"orders?|ordered|placed orders? for|bought|buys", "订购"),
    (r"raises?|raised", "融资"),
    (r"acquires?|acquired|buys out", "收购"),
    (r"describes?|described|proposes?|proposed|presents?|presented", "提出"),
    (r"shows?|showed|finds?|found|reports?|reported", "发现"),
    (r"backs?|backed|supports?|supported|funds?|funded", "支持"),
)
_SVO = re.compile(
    r"^(?P<subject>(?:[A-Z0-9][\w.&'’+-]*\s?){1,5}?)\s*(?P<verb>"
    + "|".join(f"(?:{v})" for v, _ in _VERBS)
    + r")\b\s+(?P<object>[^.,;:!?()—]{3,60})",
)
_WHEN = re.compile(r"\s+(?:in|by|for|this|next|from)\s+(?:20\d\d|year|week|month|today)\b.*$", re.I)
_ARTICLE = re.compile(r"^(?:a|an|the|its|their|new)\s+", re.I)

_KIND_WORDS = {
    "release": "发布新品",
    "research": "的新研究",
    "tool": "推出新工具",
    "market": "股价异动",
    "funding": "的投资动向",
    "policy": "的政策动向",
    "incident": "相关事件",
    "opinion": "引发的讨论",
    "debate": "引发争论",
    "other": "相关讨论",
}


def clean(text: str) -> str:
    """A tweet's text as a title may use: no links, hashtags, emoji, news labels, thread counts
    or lead-ins ("很高興地宣布："), no mentions that address the tweet, a mention inside a
    sentence as the bare name."""
    text = _SYMBOLS.sub("", _HASHTAG.sub("", quotable_text(text)))
    # Mentions that open or close a tweet address it; one inside a sentence names who took
    # part ("我們與 @OpenAI 一起創建的新課程"), and is kept as the name.
    text = _MENTION.sub(lambda m: m.group()[1:], _ADDRESSING.sub("", text))
    text = _THREAD.sub("", _LABEL.sub("", _BRACKETED.sub("", text)))
    text = unwrapped(" ".join(text.split()).strip(" ，,：:-–—"))
    return _ANNOUNCING.sub("", text).strip(" ，,：:-–—")


def _chinese(text: str) -> bool:
    letters = [c for c in text if not c.isspace()]
    cjk = len(_CJK_CHAR.findall(text))
    return cjk >= 4 and cjk * 4 >= len(letters)


def _clauses(text: str) -> list[str]:
    return [c.strip() for c in _CLAUSES.split(text) if c and c.strip()]


def chinese_opening(doc: TweetDoc, figures: tuple[str, ...] = ()) -> str | None:
    """The opening clause of a Chinese tweet (clauses joined until it says something), with the
    clause holding the first of ``figures`` added when the opening holds none; None when the
    tweet is not Chinese or opens with nothing a title can use."""
    text = clean(doc.ref.text)
    if not _chinese(text):
        return None
    clauses = _clauses(text)
    if not clauses:
        return None
    title = clauses[0]
    rest = clauses[1:]
    # "DeepSeek 新年第一篇论文：改进Transformer残差连接": a short opening and what follows its colon.
    colon = re.match(r"\s*[：:]", text[len(title) + text.find(title) :])
    while rest and (
        len(title) < _MIN_CHARS
        or (
            colon
            and not _REPORTING.search(title)
            and len(title) <= 20
            and len(title) + len(rest[0]) <= 34
        )
    ):
        title = f"{title}：{rest.pop(0)}"
        colon = None
    title, rest = _whole_sentence(text, title, rest)
    if len(title) > TITLE_CHARS or len(title) < _MIN_CHARS or len(_CJK_CHAR.findall(title)) < 2:
        return None
    if figures and not any(f in title for f in figures):
        with_figure = next((c for c in rest if any(f in c for f in figures[:2])), None)
        if with_figure and len(title) + len(with_figure) < TITLE_CHARS:
            title = f"{title}：{with_figure}"
    return title


def _whole_sentence(text: str, title: str, rest: list[str]) -> tuple[str, list[str]]:
    """The opening sentence whole, when it is the title and one more clause joined by a comma
    and is at most ``SENTENCE_CHARS`` long; else the title and the rest as they were.

    The title may already hold a colon's two parts: 「氛围编程最大的坑：写得很快」 stops at the
    easy half of 「…，出了bug完全不知道从哪查」, which is the point."""
    if not rest:
        return title, rest
    sentence = _SENTENCE_END.split(text, maxsplit=1)[0]
    whole = f"{title}，{rest[0]}"
    if len(whole) > SENTENCE_CHARS or _bare(sentence) != _bare(whole):
        return title, rest
    return whole, rest[1:]


def _bare(text: str) -> str:
    """A clause's text without spaces, its commas and colons in one width, for comparing."""
    return "".join(text.split()).replace(",", "，").replace(":", "：")


def _chinese_name(name: str, labels: dict[str, str]) -> str:
    for key, label in labels.items():
        if key.casefold() == name.strip().casefold():
            return label
    return name.strip()


def english_opening(doc: TweetDoc, labels: dict[str, str]) -> str | None:
    """``<subject> <verb> <object>`` from an English tweet's opening, the verb in Chinese and the
    subject by its Chinese name where known; None when the tweet does not open that way."""
    text = clean(doc.ref.text)
    found = _SVO.match(text)
    if found is None:
        return None
    verb = found.group("verb").lower()
    zh = next(z for v, z in _VERBS if re.fullmatch(v, verb, re.I))
    subject = _chinese_name(found.group("subject"), labels)
    obj = _ARTICLE.sub("", _ARTICLE.sub("", found.group("object").strip()))
    obj = _WHEN.sub("", obj).strip()
    words = obj.split()
    if len(words) > 8:
        obj = " ".join(words[:8])
    if not obj or len(subject) + len(obj) > TITLE_CHARS:
        return None
    return f"{subject}{zh}{obj}"


def entity_title(story: Story, subtopic_labels: Mapping[str, str] | None = None) -> str:
    """The story's lead entities by their Chinese names, its kind and its lead figure; for an
    opinion, or without an entity, whose view it is and on what (its sub-topic's label)."""
    labels = dict(story.entity_labels)
    sub = story.subtopics[0] if story.subtopics else ""
    label = (subtopic_labels or {}).get(sub, sub)
    lead = first_post(story)
    text = lead.ref.text.casefold() if lead else ""
    given = [e for e in story.entities[:3] if e.casefold() in text]
    if story.kind in MARKET_KINDS and lead is not None:
        # A market move is a company's or a ticker's, never a model's ("Gemini 股价异动" for a
        # tweet on $GOOGL): models are left out, and the lead's tickers stand in for
        # the models it named.
        models = {m.casefold() for d in story.members for m in d.models}
        companies = [e for e in given if e.casefold() not in models]
        given = companies or (list(lead.tickers[:2]) if given else [])
    names = [_chinese_name(e, labels) for e in given][:2]
    if names and story.kind not in {"opinion", "debate"}:
        title = "、".join(names) + _KIND_WORDS.get(story.kind, "相关讨论")
        if story.figures and story.figures[0].casefold() in text:
            title += f"：{story.figures[0]}"
        return title
    topic = label or ("、".join(names) if names else "")
    if lead is None:
        return f"{topic}相关讨论" if topic else "热议话题"
    return f"@{lead.ref.author} 谈{topic}" if topic else f"@{lead.ref.author} 的帖子"


_HEDGED = re.compile(r"如果|假如|要是|吗|？|\?|难道")


def _chinese_docs(story: Story) -> list[TweetDoc]:
    """The story's Chinese tweets, representatives first, each once."""
    seen: set[str] = set()
    out: list[TweetDoc] = []
    for doc in (*story.representatives.get("zh", ()), *story.members):
        if doc.id not in seen and (doc.ref.lang or "zh") == "zh":
            seen.add(doc.id)
            out.append(doc)
    return out


def _title_score(title: str, story: Story) -> int:
    """How well a clause names the story: its names, its figures, a reporting verb; a question
    or a condition is not a title."""
    names = [*story.entities, *story.entity_labels.values()]
    score = 2 * sum(1 for n in names if n and n.casefold() in title.casefold())
    score += sum(1 for f in story.figures if f in title)
    score += 2 if _REPORTING.search(title) else 0
    return score - (5 if _HEDGED.search(title) else 0)


@dataclass(frozen=True)
class Titled:
    """A story's title and the tweet it was taken from (None for one built from names)."""

    title: str
    source: TweetDoc | None


def titled(story: Story, subtopic_labels: Mapping[str, str] | None = None) -> Titled:
    """The story's title and its source tweet (see the module docstring for the order tried)."""
    found = [
        (t, i, doc)
        for i, doc in enumerate(_chinese_docs(story)[:6])
        if not is_reply(doc) and (t := chinese_opening(doc, story.figures))
    ]
    # Best named first; of two as good, the shorter, then the better tweet.
    best = max(
        found,
        key=lambda f: (_title_score(f[0], story), -len(f[0]) // 8, -f[1]),
        default=None,
    )
    if best is not None and _title_score(best[0], story) >= 0:
        return Titled(best[0], best[2])
    labels = dict(story.entity_labels)
    originals = [d for d in story.members[:6] if not is_reply(d)]
    for doc in originals:
        title = english_opening(doc, labels)
        if title:
            return Titled(title, doc)
    # A hedged Chinese opening (a question, a condition) still beats a title without a verb.
    if best is not None:
        return Titled(best[0], best[2])
    lead = originals[0] if originals else None
    if story.kind in ("release", "tool") and lead and _ANNOUNCES.search(lead.ref.text):
        # What was released, in the announcing tweet's words, says more than the names that
        # took part ("新发布：Our new course ChatGPT Prompt Engineering for Developers", not
        # "ChatGPT、OpenAI 发布新品"), when those words name one of them.
        clause = english_clause(lead)
        names = [n.casefold() for n in story.entities[:3]]
        if clause and any(n in clause.casefold() for n in names):
            return Titled(f"{_kind_label(story, subtopic_labels)}：{clause}", lead)
    named = entity_title(story, subtopic_labels)
    if not named.startswith("@"):
        return Titled(named, None)
    for doc in originals:
        if _other_language(doc):
            break  # the story is told in a language we cannot title from: whose post it is
        clause = english_clause(doc)
        if clause:
            return Titled(f"{_kind_label(story, subtopic_labels)}：{clause}", doc)
    # "@a 谈…" names a post: the body leads with that post.
    return Titled(named, first_post(story))


def story_title(story: Story, subtopic_labels: Mapping[str, str] | None = None) -> str:
    """The story's title (see the module docstring for the order tried)."""
    return titled(story, subtopic_labels).title


_LEAD_IN = re.compile(
    r"^(?:new paper|paper|hot take|thread|pso|reminder|fun fact|psa|unpopular opinion|"
    r"prediction|counterpoint[^:]*|year in review)\s*[:：]\s*",
    re.I,
)
_CLAUSE_END = re.compile(r"[.!?;:,。！？；：，—(]|\s[-–]\s")
_KIND_LABELS = {
    "release": "新发布",
    "research": "新研究",
    "tool": "新工具",
    "market": "市场",
    "funding": "投资",
    "policy": "政策",
    "incident": "事件",
    "opinion": "观点",
    "debate": "争论",
}


_DANGLING = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "with",
        "and",
        "or",
        "but",
        "by",
        "from",
        "as",
        "is",
        "are",
        "was",
        "that",
        "this",
        "than",
        "its",
        "their",
        "your",
        "our",
        "my",
    ]
)


def _kind_label(story: Story, subtopic_labels: Mapping[str, str] | None) -> str:
    if story.kind == "debate" and not disputed(story):
        return _KIND_LABELS["opinion"]  # a story of replies that all agree is no 争论
    if story.kind in _KIND_LABELS:
        return _KIND_LABELS[story.kind]
    sub = story.subtopics[0] if story.subtopics else ""
    return (subtopic_labels or {}).get(sub, sub) or "热议"


def _other_language(doc: TweetDoc) -> bool:
    """Whether a tweet is neither English nor Chinese: tagged so, or written in letters of
    another script (Cyrillic, Thai, Arabic, kana…), which a Chinese reader cannot read as a
    title."""
    if doc.ref.lang not in (None, "en", "zh", "und"):
        return True
    return any(
        c.isalpha()
        and not c.isascii()
        and not _CJK_CHAR.match(c)
        and not unicodedata.name(c, "").startswith("LATIN")
        for c in clean(doc.ref.text)
    )


def english_clause(doc: TweetDoc, limit: int = 60) -> str | None:
    """An English tweet's opening clause (after a lead-in such as "New paper:"), its words up to
    ``limit`` characters; None when it is too short to name anything."""
    if _other_language(doc):
        return None
    text = _LEAD_IN.sub("", clean(doc.ref.text))
    if _CJK_CHAR.search(text):
        return None
    clause = _CLAUSE_END.split(text, maxsplit=1)[0].strip()
    words = clause.split()
    out: list[str] = []
    for word in words:
        if len(" ".join([*out, word])) > limit:
            break
        out.append(word)
    cut = len(out) < len(words)
    # A clause cut short must not end on a word that leads into what was cut.
    while out and out[-1].casefold().strip(",") in _DANGLING:
        out.pop()
    if len(out) < 3:
        return None
    return " ".join(out) + ("…" if cut else "")  # a cut clause says so


__all__ = [
    "SENTENCE_CHARS",
    "TITLE_CHARS",
    "Titled",
    "chinese_opening",
    "clean",
    "english_clause",
    "english_opening",
    "entity_title",
    "story_title",
    "titled",
]
