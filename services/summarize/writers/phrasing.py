"""How the report's Chinese text is written, for every writer: the labels, figures, quotes and
attributions, and the spacing pass that finishes a sentence.

A writer composes a sentence from these pieces, then :func:`finish` spaces Latin words and
figures off the Chinese text and marks the quotes “”. A quote is marked while the sentence is
composed, so the spacing pass leaves the tweet as written. Text is plain: render adds the markup.

A tweet's text is quoted as ingest decoded it (once, from the source's HTML entities): a literal
``&lt;`` a tweet wrote stays ``&lt;``. :func:`quotable_text` only takes out what a quote must not
carry (links, which go in the citations, the retweet prefix, line breaks, control characters).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from services.summarize.doc import TweetDoc
from shared import sentences
from shared.models import Block
from shared.sentences import excerpt, uncut

NO_DATA = "本时段未见相关推文。"
"""What a section without data says instead of being padded."""

CATEGORY_LABELS = {"ai": "人工智能", "finance": "金融市场", "crypto": "数字货币", "none": "其他"}
"""The Chinese name of each classify category."""

SENTIMENT_LABELS = {"bullish": "看涨", "bearish": "看跌", "neutral": "中性"}
"""The Chinese name of each sentiment, in the order the text lists them."""

LANG_LABELS = {
    "en": "英语",
    "zh": "中文",
    "ja": "日语",
    "ko": "韩语",
    "es": "西班牙语",
    "fr": "法语",
    "de": "德语",
    "pt": "葡萄牙语",
    "it": "意大利语",
    "ru": "俄语",
    "ar": "阿拉伯语",
    "hi": "印地语",
    "tr": "土耳其语",
    "id": "印尼语",
    "nl": "荷兰语",
    "th": "泰语",
    "vi": "越南语",
    "pl": "波兰语",
}
"""The Chinese name of a tweet language code (others are written as the code)."""

CJK = r"[\u3400-\u4dbf\u4e00-\u9fff]"
"""A Chinese character, as a regular expression."""

_Q_OPEN, _Q_CLOSE = "\x02", "\x03"
_QUOTED = re.compile(f"({_Q_OPEN}.*?{_Q_CLOSE})", re.S)
_CJK_LATIN = re.compile(f"({CJK})([A-Za-z0-9@$#+])")
_LATIN_CJK = re.compile(f"([A-Za-z0-9%_])({CJK})")
_URL = re.compile(r"https?:\S*")  # also a link the source cut short ("https:…")
_RT = re.compile(r"^RT @\w+:\s*")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SENTENCE_ENDS = ("。", "！", "？", ".", "!", "?", "…")
"""What ends a quoted sentence, so that the text around it adds no second full stop."""


# ---------------------------------------------------------------------------- finishing


def finish(text: str) -> str:
    """Space Latin words and figures off Chinese text (not inside quotes); mark the quotes “”."""
    parts = []
    ended = False  # the quote just closed ends with its own full stop, "!" or "?"
    for part in _QUOTED.split(text):
        if part.startswith(_Q_OPEN):
            inner = part[1:-1]
            parts.append("“" + inner + "”")
            ended = inner.rstrip().endswith(_SENTENCE_ENDS)
        else:
            if ended and part.startswith("。"):
                part = part[1:]  # “…主角。”。 reads twice stopped: the quote's own stop ends it
            parts.append(_LATIN_CJK.sub(r"\1 \2", _CJK_LATIN.sub(r"\1 \2", part)))
            ended = False
    return "".join(parts)


def finish_block(block: Block) -> Block:
    """The block with :func:`finish` applied to its title, paragraphs and bullets."""
    return Block(
        title=finish(block.title),
        paragraphs=[finish(p) for p in block.paragraphs],
        bullets=[finish(b) for b in block.bullets],
        citations=block.citations,
    )


def finish_blocks(blocks: Iterable[Block]) -> list[Block]:
    """:func:`finish_block` of each block."""
    return [finish_block(b) for b in blocks]


# ---------------------------------------------------------------------------- figures


def num(value: float) -> str:
    """A count or engagement score as written in the text, grouped by thousands as the post's
    header writes its counts ("1,675 条")."""
    return f"{round(value):,}"


def share(part: int, whole: int) -> str:
    """``part`` as a percentage of ``whole``, one decimal."""
    return f"{100 * part / whole:.1f}%" if whole else "0.0%"


def join(items: Sequence[str]) -> str:
    """Chinese enumeration: A、B和C."""
    if len(items) <= 1:
        return "".join(items)
    return "、".join(items[:-1]) + "和" + items[-1]


# ---------------------------------------------------------------------------- tweets


def quotable_text(text: str, *, lines: bool = False) -> str:
    """A tweet's text as a quote may carry it: no links, no retweet prefix, one line (or, with
    ``lines``, its non-empty lines, for a cut to end at one), no control characters; entities are
    left as ingest decoded them."""
    text = _URL.sub(" ", _RT.sub("", _CONTROL.sub("", text)))
    return sentences.lines(text) if lines else sentences.flat(text)


_QUOTE_PAIRS = {'"': '"', "“": "”", "「": "」", "『": "』"}


def unwrapped(text: str) -> str:
    """A tweet that is one quoted passage ("很高興地宣布：…") without the marks around it: it is
    quoted or titled in marks of our own."""
    close = _QUOTE_PAIRS.get(text[:1])
    if close and text.endswith(close) and len(text) > 2 and close not in text[1:-1]:
        return text[1:-1].strip()
    return text


QUOTE_CHARS = 200
"""A quote longer than this is cut at a sentence's end (or, failing one, between words)."""


def quote(doc: TweetDoc, limit: int = QUOTE_CHARS) -> str:
    """The tweet quoted in its own language: whole, or cut by :func:`excerpt`; a text its source
    cut short is quoted by :func:`uncut`."""
    text = unwrapped(quotable_text(doc.ref.text, lines=True))
    if doc.truncated and text:
        text = uncut(text)
    if not text:
        return "（该推文仅含链接）"
    return f"{_Q_OPEN}{sentences.flat(excerpt(text, limit))}{_Q_CLOSE}"


def handle(doc: TweetDoc) -> str:
    """The author as ``@name``."""
    return "@" + doc.ref.author


def attrib(doc: TweetDoc) -> str:
    """``@a（互动量 E）``, the score left out when it is zero."""
    score = f"（互动量 {num(doc.engagement)}）" if doc.engagement > 0 else ""
    return f"{handle(doc)}{score}"


def said(doc: TweetDoc, verb: str = "写道") -> str:
    """``@a写道：“…”``."""
    return f"{handle(doc)}{verb}：{quote(doc)}"


def tail(doc: TweetDoc) -> str:
    """``（@a）`` after a quote."""
    return f"（{handle(doc)}）"


def from_(doc: TweetDoc) -> str:
    """``来自 @a：“…”``."""
    return f"来自 {handle(doc)}：{quote(doc)}"


__all__ = [
    "CATEGORY_LABELS",
    "CJK",
    "LANG_LABELS",
    "NO_DATA",
    "QUOTE_CHARS",
    "SENTIMENT_LABELS",
    "attrib",
    "excerpt",
    "finish",
    "finish_block",
    "finish_blocks",
    "from_",
    "handle",
    "join",
    "num",
    "quotable_text",
    "quote",
    "said",
    "share",
    "tail",
    "uncut",
    "unwrapped",
]
