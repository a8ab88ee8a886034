"""The story layer: which of a window's tweets tell the same story, built from bounded state.

**At aggregate time** (:func:`story_doc`, called by ``aggregate.deltas_for``) every tweet's
document goes into the window's ``stories`` tally with what its fingerprint is made of (classify's
terms and cashtags beside the text and entities the document already holds). The tally's member
is the tweet's identity (author + near-duplicate key, so a retweet row or a copy with another link
is the same member), amount 1 for the tweet plus 1 per retweet. The tally is capped by
``REPORT__STORY_CAP`` like every other tally: past twice the cap the store keeps the ``cap`` most
carried tweets (smallest evicted). Nothing depends on what arrived before.

**At build time** (:func:`build_stories`) the table is read from a snapshot, so the input is a
set, not a sequence. Each tweet's deterministic fingerprint is worked out from its document alone
(once per document the capped table holds, remembered across rebuilds; the stream's other tweets
never pay for it): its *features* (content terms, canonical entities ``e:samsung``, figures
normalised by value so ``$14B`` and ``140亿美元`` are both ``f:$1.4e+10`` and ``+280%`` / ``280%``
both ``f:280%``) and the MinHash LSH *band keys* of that feature set (datasketch's ``MinHash``
rows, 32 permutations in 16 bands of 2 rows, fixed seed), the whole table's in one numpy pass.
Feature weights are IDF over the table's distinct texts against a fixed base
(a flood of copies is one text; a new tweet reweighs only its own features). Candidate pairs are
tweets sharing a band key or a feature rare in the table (big buckets propose a star around their
most carried tweet and a path, so the work stays linear). A pair joins when its weighted feature overlap passes
:data:`JOIN_THRESHOLD` (across languages, the overlap of what both can share: names, figures,
Latin words), or it shares a lead entity and a figure, two figures, or four rare features one of
which is a name or figure: that is how an English and a Chinese tweet on one event meet. A reply
joins the story of the author it answers. Pairs merge by union-find in a fixed order (strongest
first, then by position in the sorted table), then a second pass lets a fragment of one or two
tweets join the first-pass story whose common features it shares, or the story that *owns* every
name, figure and coined term it gives (holds at least half of the table's texts naming them, more
than any other story; a country is no one's; in a Chinese tweet an owned Latin word such as "RLM"
is a name too; a subject in fewer than :data:`OWNED_DF` texts is no one's and says nothing),
never another fragment. A name alone must come with one of the story's common words (DeepSeek may
have two stories); a figure or a coined term the story owns ("40B", "vibe coding") needs none. A
fragment also joins a story when it shares :data:`ATTACH_CONCEPTS` concepts with one of its
tweets: a story of replies has a thin profile, but a take making its claim says its words. A
two-word name is one feature however it is written ("Code Wiki", #CodeWiki); a Chinese compound
the segmenter keeps whole gives the concepts inside it (交互式图片: interactive, image).

Guards keep templated text from chaining into a giant story: two tweets naming different
entities do not join on wording alone, a tweet listing :data:`HUB_NAMES` or more names (a roundup)
joins only by close wording, two stories of two or more tweets merge only when their common
features overlap (:data:`COHERENCE`), and a story past :data:`CHAIN_GUARD` tweets (or a hundredth of the
table's texts) only grows by near-copies (overlap :data:`COPY_THRESHOLD`), which is how a spam
flood still becomes one story. The result is a function of the table's contents, so it is the
same in any arrival order, under redelivery, and in embedded and distributed mode (the store
primitives are the same). A story's id is its earliest tweet's (``s-<tweet id>``), so rebuilding
the window gives the same ids.

Spam (promotional bait repeated by accounts) and chatter (no ai/finance/crypto tweet) are built
like any story and then set aside; :func:`story_score` documents the strength order.
"""

from __future__ import annotations

import math
import re
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

import numpy as np

from services.summarize.doc import TweetDoc, doc_of, encode_doc, load_doc
from services.summarize.story import SetAsideCounts, Story
from shared.memo import RecentMemo
from shared.models import (
    CATEGORIES,
    SetAside,
    StoryKind,
    StorySummary,
    TweetClassified,
    TweetRef,
)

NUM_PERM = 32
BAND_ROWS = 2
BANDS = NUM_PERM // BAND_ROWS
MAX_FEATURES = 40
JOIN_THRESHOLD = 0.3
"""IDF-weighted Jaccard of two tweets' features at or above which they tell one story."""
COPY_THRESHOLD = 0.75
"""Overlap of near-copies: the only joins a story past the chain guard still accepts."""
CHAIN_GUARD = 30
COHERENT_MIN = 2
COHERENCE = 0.5
"""Share of the smaller story's common-feature weight the other must hold for two stories of
:data:`COHERENT_MIN` tweets or more to merge."""
HUB_NAMES = 3
"""A tweet naming this many entities (a roundup) joins a story only by close wording."""
HUB_THRESHOLD = 0.6
CROSS_SPAN = 0.2
"""Across languages, the share of the longer tweet's shareable weight the two must share."""
IDF_BASE = 1_000.0
RARE_DF = 25
"""A feature in at most this many of the table's texts (or a hundredth of them) is rare: it
proposes candidate pairs."""
UNIQUE_DF = 3
"""A feature in at most this many texts names a tweet's own subject (a coined or rare name)."""
MIN_FEATURES = 2
"""A tweet with fewer features joins only its own copies (same near-duplicate key)."""
BACKGROUND_SHARE = 0.1
"""A feature in more than this share of the table's texts is background: two tweets sharing
only such features (a day of ChatGPT tweets in twenty languages) do not join."""
SMALL_BUCKET = 12
"""Buckets up to this size propose every pair; larger ones a star around their most carried
tweet and a path (linear)."""
RARE_SHARED = 4
"""Rare features two tweets must share (one a name or figure) to join whatever their wording."""
ATTACH_MIN = 3
"""Second pass: stories of fewer tweets are fragments that may join a larger one."""
ATTACH_COMMON = 3
"""Rare features a fragment shares with at least half a story's tweets, for it to join; or:"""
ATTACH_THRESHOLD = 0.2
"""Share of a small fragment's feature weight a story's profile must cover for it to join; or:"""
ATTACH_CONCEPTS = 3
"""Claim words (concepts) a fragment shares with one of a story's tweets, for it to join."""
OWNED_DF = 3
"""Texts a name or figure must be in for one story to own it (see ``_owners``)."""
MEMBERS_KEPT = 30
REPRESENTATIVES = 3

# ---------------------------------------------------------------------------- features

_URL = re.compile(r"https?://\S+")
_RT = re.compile(r"^RT @\w+:\s*")
_MENTION = re.compile(r"@\w+")
_REPLY = re.compile(r"^@(\w{1,15})\b")
_WORD = re.compile(r"[a-z][a-z0-9+'\-]*[a-z0-9+]|[a-z]")
_SCALE = {
    "k": 1e3,
    "thousand": 1e3,
    "m": 1e6,
    "mn": 1e6,
    "million": 1e6,
    "b": 1e9,
    "bn": 1e9,
    "billion": 1e9,
    "t": 1e12,
    "trillion": 1e12,
    "万": 1e4,
    "百万": 1e6,
    "千万": 1e7,
    "亿": 1e8,
    "十亿": 1e9,
    "百亿": 1e10,
    "千亿": 1e11,
    "万亿": 1e12,
}
_DIGIT = re.compile(r"\d")
_PCT = re.compile(r"(\d+(?:\.\d+)?)\s*%")
_USD = re.compile(
    r"\$\s?(\d+(?:\.\d+)?)\s*(thousand|million|billion|trillion|bn|mn|[kmbt])?(?![a-z])", re.I
)
_ZH_MONEY = re.compile(r"(\d+(?:\.\d+)?)?\s*(万亿|千亿|百亿|十亿|亿|千万|百万|万)?\s*美元")
_COUNT = re.compile(
    r"(?<![A-Za-z0-9$.])(\d+(?:\.\d+)?)\s*(thousand|million|billion|trillion|[mbk](?=\+|\b|-|参数))",
    re.I,
)
_ZH_COUNT = re.compile(r"(\d+(?:\.\d+)?)?\s*(万亿|千亿|百亿|十亿|亿|千万|百万|万)(?!美元)")
_STOP = frozenset(
    [
        "the",
        "and",
        "for",
        "with",
        "that",
        "this",
        "from",
        "are",
        "was",
        "were",
        "has",
        "have",
        "had",
        "not",
        "but",
        "you",
        "your",
        "our",
        "their",
        "its",
        "just",
        "about",
        "into",
        "than",
        "then",
        "them",
        "they",
        "will",
        "would",
        "can",
        "could",
        "what",
        "when",
        "who",
        "how",
        "all",
        "any",
        "per",
        "via",
        "more",
        "most",
        "very",
        "also",
        "over",
        "out",
        "now",
        "new",
        "one",
        "two",
        "get",
        "got",
        "it's",
        "i'm",
        "don't",
    ]
)


def _value(num: str | None, unit: str | None) -> float | None:
    scale = _SCALE.get((unit or "").lower(), 1.0)
    if num is None:
        return scale if unit else None
    try:
        return float(num) * scale
    except ValueError:
        return None


def figures_of(text: str) -> list[str]:
    """Figures in ``text`` normalised by value: ``+124%`` → ``124%``, ``$14B`` and ``140亿美元``
    → ``$1.4e+10``, ``2 million`` and ``200万`` → ``2e+06``."""
    out: dict[str, None] = {}
    if not _DIGIT.search(text):
        return []
    for m in _PCT.finditer(text):
        out[f"{float(m.group(1)):g}%"] = None
    for m in _USD.finditer(text):
        v = _value(m.group(1), m.group(2))
        if v:
            out[f"${v:.3g}"] = None
    # The Chinese patterns open with optional groups, so they are tried at every position: only
    # on a text with their words.
    zh_money = "美元" in text
    if zh_money:
        for m in _ZH_MONEY.finditer(text):
            v = _value(m.group(1), m.group(2))
            if v and m.group(1):
                out[f"${v:.3g}"] = None
    stripped = _USD.sub(" ", text)
    if zh_money:
        stripped = _ZH_MONEY.sub(" ", stripped)
    for m in _COUNT.finditer(stripped):
        v = _value(m.group(1), m.group(2))
        if v:
            out[f"{v:.3g}"] = None
    for m in _ZH_COUNT.finditer(stripped) if "万" in stripped or "亿" in stripped else ():
        v = _value(m.group(1), m.group(2))
        if v and v >= 1e4:
            out[f"{v:.3g}"] = None
    return list(out)


def clean_text(text: str) -> str:
    """The words of a tweet: no retweet prefix, links or mentions."""
    return _MENTION.sub(" ", _URL.sub(" ", _RT.sub("", text)))


def reply_to(text: str) -> str | None:
    """The handle a reply answers (a text that opens with ``@handle``), lower-cased."""
    m = _REPLY.match(_RT.sub("", text))
    return m.group(1).lower() if m else None


def _key(name: str) -> str:
    return re.sub(r"[\W_]+", "", name.casefold()) or name


# Places and institutions classify does not name, in both languages: a Chinese and an English
# tweet about one country's or lab's news meet on these as on a company. Each key has the literal
# words that any of its matches contains (lower case): a key's pattern runs only on a text that
# holds one of them, since one case-insensitive alternation over every key, tried at each position
# of every tweet, was a fifth of the story layer's time.
_ALIAS_FORMS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("korea", r"\bkorea|韩国|南韩|韓國", ("korea", "韩国", "南韩", "韓國")),
    ("china", r"\bchin(?:a|ese)\b|中国|国内|國內", ("chin", "中国", "国内", "國內")),
    ("eu", r"\beu\b|\beurope|欧盟|欧洲", ("eu", "欧盟", "欧洲")),
    ("us", r"\bus\b|\bu\.s\.|\bamerica|美国", ("us", "u.s.", "america", "美国")),
    ("japan", r"\bjapan|日本", ("japan", "日本")),
    ("stanford", r"stanford|斯坦福", ("stanford", "斯坦福")),
    ("mit", r"\bmit\b|麻省理工", ("mit", "麻省理工")),
    ("imo", r"\bimo\b|奥数|国际数学奥林匹克", ("imo", "奥数", "国际数学奥林匹克")),
)
_ALIASES = tuple(
    (key, re.compile(pattern, re.I), needles) for key, pattern, needles in _ALIAS_FORMS
)


def aliases_of(text: str, lowered: str) -> list[str]:
    """The alias keys ``text`` names (``lowered`` is its lower case), in order of first mention."""
    found: list[tuple[int, str]] = []
    for key, pattern, needles in _ALIASES:
        if any(n in lowered for n in needles):
            m = pattern.search(text)
            if m:
                found.append((m.start(), key))
    return [key for _, key in sorted(found)]


_WORD_KEY = str.maketrans("", "", "-'+")
_PLACES = frozenset(("e:korea", "e:china", "e:eu", "e:us", "e:japan"))
"""Countries and regions: named by many stories of a day, so no one story owns them."""


# Words that say one thing in both languages, each written as a concept ``c:<key>`` in place of
# the word, so an English and a Chinese tweet telling one claim share features beyond names and
# figures ("Closed wins early. Open wins eventually." / "封闭系统早期获胜，开放系统最终获胜").
# English forms as :func:`features` reads them (lower case, a plural's "s" dropped past four
# letters); Chinese forms as classify's segmentation gives them. Only words specific enough to
# tell a claim apart: "model" and 模型 stay words of their own language.
_CONCEPT_FORMS: dict[str, tuple[str, ...]] = {
    "bubble": ("bubble", "泡沫"),
    "valuation": ("valuation", "估值"),
    "railroad": ("railroad", "railway", "铁路"),
    "internet": ("internet", "互联网"),
    "seed-round": ("seed round", "种子轮"),
    "closed": ("closed", "封闭", "闭源"),
    "open": ("open", "开放", "开源"),
    "win": ("win", "wins", "won", "winning", "获胜", "胜出", "赢"),
    "early": ("early", "早期"),
    "eventually": ("eventually", "最终"),
    "database": ("database", "数据库"),
    "browser": ("browser", "浏览器"),
    "operating-system": ("operating", "操作系统"),
    "technical": ("technical", "non-technical", "technology", "technologie", "技术", "非技术"),
    "divide": ("divide", "划分", "鸿沟"),
    "commodity": ("commodities", "commoditie", "commodity", "商品化"),
    "engineer": ("engineer", "工程师"),
    "teacher": ("teacher", "老师", "教师"),
    "hint": ("hint", "提示"),
    "frontier": ("frontier", "前沿"),
    "paper": ("paper", "论文"),
    "prediction": ("prediction", "predictions", "预测"),
    "enterprise": ("enterprise", "企业级"),
    "robotic": ("robotic", "robotics", "robot", "机器人"),
    "interactive": ("interactive", "交互式", "可交互", "交互"),
    "image": ("image", "图片", "图像"),
    "diagram": ("diagram", "示意图"),
    "textbook": ("textbook", "教材", "课本"),
    "semantic-collapse": ("semantic collapse", "语义崩溃"),
    "retrieval": ("retrieval", "检索"),
    "knowledge-base": ("knowledge base", "知识库"),
    "embedding": ("embedding", "向量"),
    "vibe-coding": ("vibe coding", "vibecoding", "氛围编程"),
    "debug": ("debug", "调试"),
    "context": ("context", "上下文"),
    "recursive": ("recursive", "递归"),
    "residual": ("residual", "残差"),
    "architecture": ("architecture", "架构"),
    "benchmark": ("benchmark", "基准"),
    "memory": ("memory", "存储", "内存", "記憶體"),
    "regulation": ("regulation", "监管"),
    "policy": ("policy", "政策"),
    "export-rule": ("export rule", "export rules", "出口管制"),
    "order": ("order", "orders", "ordered", "订单", "订购"),
    "human": ("human", "人类"),
    "problem": ("problem", "难题"),
    "collaboration": ("collaboration", "协作"),
}
_CONCEPTS = {form: "c:" + key for key, forms in _CONCEPT_FORMS.items() for form in forms}
_COINED = frozenset("c:" + key for key in _CONCEPT_FORMS if "-" in key)
"""Concepts of more than one word ("semantic collapse", "vibe coding", 语义崩溃): a coined
term is a story's subject as much as a name is (see ``_owners``)."""


def _subject(feature: str) -> bool:
    """Whether a feature names what a tweet is about: an entity, a figure or a coined term."""
    return feature[:2] in ("e:", "f:") or feature in _COINED


def features(msg: TweetClassified) -> list[str]:
    """A tweet's features: entities, figures, then content words and terms (bounded)."""
    ent = msg.entities
    names = (*(c.name for c in ent.companies), *ent.models, *ent.cashtags, *ent.coins)
    return features_of(msg.tweet.text, msg.terms, names)


def features_of(raw_text: str, terms: Sequence[str], names: Iterable[str]) -> list[str]:
    """The features of a text with classify's ``terms`` and entity ``names`` (companies,
    models, cashtags, coins, in that order): what :func:`features` gives for a tweet."""
    text = clean_text(raw_text)
    feats: dict[str, None] = {}
    for name in names:
        feats["e:" + _key(name)] = None
    for fig in figures_of(text):
        feats["f:" + fig] = None
    lowered = text.lower()
    for key in aliases_of(text, lowered):
        feats["e:" + key] = None
    words = [w for w in _WORD.findall(lowered) if len(w) > 2 and w not in _STOP]
    # Only the terms the text itself writes: classify gives a term its word-cloud form, which may
    # be another language's word (chips -> 芯片); such a form would make every English and
    # Chinese tweet on one topic look alike (the names that cross languages are entities above).
    words += [
        t
        for t in (term.lower() for term in terms)
        if len(t) > 1 and t not in _STOP and t in lowered
    ]
    for word in words:
        if len(feats) >= MAX_FEATURES:
            break
        name, forms = _word_form(word)
        if name not in feats:  # a name counts once, as the entity
            for form in forms:
                feats.setdefault(form)
    return list(feats)[:MAX_FEATURES]


_HAN_CONCEPT = re.compile(
    "|".join(
        sorted((f for f in _CONCEPTS if not f.isascii() and len(f) > 1), key=lambda f: -len(f))
    )
)
"""The Chinese concept forms, longest first: found inside a compound the segmenter keeps whole
(交互式图片 is 交互式 and 图片, 开放系统 is 开放, 新架构 is 架构)."""


@lru_cache(maxsize=1 << 17)
def _word_form(word: str) -> tuple[str, tuple[str, ...]]:
    """A word's entity key (as a name it would be) and its features; remembered, as a day's
    tweets share most of their words. A Chinese compound also gives the concepts inside it."""
    form = word[:-1] if word.endswith("s") and len(word) > 4 else word
    # A name of two words is one feature however it is written: "Code Wiki" and #CodeWiki.
    name = "e:" + word.translate(_WORD_KEY)
    concept = _CONCEPTS.get(form)
    if concept is not None:
        return name, (concept,)
    if not word.isascii():
        inner = [_CONCEPTS[m] for m in _HAN_CONCEPT.findall(word)]
        return name, tuple(dict.fromkeys([word, *inner]))
    return name, (form.replace(" ", ""),)


# ---------------------------------------------------------------------------- band keys

_ROWS_CAP = 1 << 16
_SALTS = np.array([(i * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF for i in range(BANDS)], np.uint64)


class _Hasher:
    """Per-feature MinHash rows, cached: a tweet's signature is their element-wise minimum.

    The rows are datasketch's ``MinHash(num_perm=32, seed=1, hashfunc=crc32)`` of each feature
    (its default ``affine32`` scheme: the MurmurHash3 finalizer, then ``a * h + b mod 2**32``
    with datasketch's seeded permutations), computed here with the same numpy arithmetic because
    importing ``datasketch`` loads its LSH classes and with them scipy (about 60 MB and a second
    per process) for three lines of hashing. ``tests/unit/test_stories.py`` checks the rows
    against datasketch itself. MinHash of a set is the minimum of its members' MinHashes
    (datasketch's ``merge``), so a feature is hashed once and reused.
    """

    def __init__(self) -> None:
        self._rows: dict[str, int] = {}
        self._matrix = np.zeros((_ROWS_CAP, NUM_PERM), dtype=np.uint32)
        gen = np.random.RandomState(1)  # datasketch's _init_permutations, scheme affine32
        self._a = gen.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
        self._b = gen.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)

    def row(self, feature: str) -> np.ndarray:
        """One feature's MinHash values (as datasketch computes them)."""
        out: np.ndarray = self._hash([feature])[0]
        return out

    def _hash(self, features: Sequence[str]) -> np.ndarray:
        """The MinHash rows of ``features``, one per feature, in one numpy pass."""
        h = np.array([zlib.crc32(f.encode("utf-8")) for f in features], dtype=np.uint32)[:, None]
        h ^= h >> np.uint32(16)  # MurmurHash3's fmix32, datasketch's pre-mix
        h *= np.uint32(0x85EBCA6B)
        h ^= h >> np.uint32(13)
        h *= np.uint32(0xC2B2AE35)
        h ^= h >> np.uint32(16)
        out: np.ndarray = self._a * h + self._b  # wraps mod 2**32, as intended
        return out

    def _rows_of(self, feats: Sequence[str]) -> list[int]:
        """The matrix rows of ``feats``, hashing those not held yet together."""
        rows = self._rows
        new = [f for f in dict.fromkeys(feats) if f not in rows]
        if new:
            if len(rows) + len(new) > _ROWS_CAP:
                rows.clear()
                new = list(dict.fromkeys(feats))
            start = len(rows)
            self._matrix[start : start + len(new)] = self._hash(new)
            rows.update(zip(new, range(start, start + len(new)), strict=True))
        return [rows[f] for f in feats]

    def bands(self, feats: Sequence[str]) -> list[int]:
        """The LSH band keys of a feature set: one 64-bit value per band, salted by band."""
        return list(self.bands_many([feats])[0])

    def bands_many(self, sets: Sequence[Sequence[str]]) -> list[tuple[int, ...]]:
        """The band keys of many feature sets, in numpy passes of as many sets as the row
        cache holds the features of (a build's whole table is one or two)."""
        out: list[tuple[int, ...]] = [() for _ in sets]
        chunk: list[int] = []
        distinct: set[str] = set()
        for n, feats in enumerate(sets):
            if not feats:
                continue
            new = [f for f in feats if f not in distinct]
            if chunk and len(distinct) + len(new) > _ROWS_CAP:
                self._fill(sets, chunk, out)
                chunk, distinct, new = [], set(), list(feats)
            chunk.append(n)
            distinct.update(new)
        if chunk:
            self._fill(sets, chunk, out)
        return out

    def _fill(
        self, sets: Sequence[Sequence[str]], chunk: list[int], out: list[tuple[int, ...]]
    ) -> None:
        rows = self._rows_of([f for n in chunk for f in sets[n]])
        starts = np.cumsum([0] + [len(sets[n]) for n in chunk[:-1]])
        signatures = np.minimum.reduceat(self._matrix[rows], starts, axis=0)
        # Salted by the band's index, so equal rows in different bands are different keys; cut
        # to 52 bits so a key survives JSON in any reader.
        keys = (signatures.view(np.uint64) ^ _SALTS) & np.uint64(0xFFFFFFFFFFFFF)
        for n, row in zip(chunk, keys.tolist(), strict=True):
            out[n] = tuple(row)


@lru_cache(maxsize=1)
def _hasher() -> _Hasher:
    return _Hasher()


def story_doc(msg: TweetClassified, fields: dict[str, Any], encoded: str | None = None) -> str:
    """The story table's document for a tweet: its ``tweet_doc`` fields plus what its
    fingerprint is made from.

    Extra keys: tm classify's terms, ct cashtags, cl Chinese labels of its companies, r the handle
    it replies to. ``encoded`` is ``fields`` already as JSON (the caller has it): the extra keys
    are appended to it, which gives the same text as encoding the whole. The features and band
    keys are worked out when the table is built (:func:`cluster`), once per tweet the capped table
    holds, not for every tweet of the stream.
    """
    ent = msg.entities
    extra: dict[str, Any] = {}
    if msg.terms:
        extra["tm"] = msg.terms
    if ent.cashtags:
        extra["ct"] = ent.cashtags
    labels = {c.name: c.label for c in ent.companies if c.label}
    if labels:
        extra["cl"] = labels
    to = reply_to(msg.tweet.text) or (msg.tweet.in_reply_to or "").lower() or None
    if to:
        extra["r"] = to
    head = encoded if encoded is not None else encode_doc(fields)
    if not extra:
        return head
    return head[:-1] + "," + encode_doc(extra)[1:]


def forget() -> None:
    """Drop the build's memo of features: the next build works every tweet out anew."""
    _FEATURES.clear()


# ---------------------------------------------------------------------------- build


@dataclass
class _Item:
    member: str
    weight: int
    doc: TweetDoc
    feats: frozenset[str]
    bands: tuple[int, ...]
    labels: dict[str, str]
    reply: str | None
    author: str
    entities: frozenset[str]


_FEATURES: RecentMemo[str, list[str]] = RecentMemo(16_384)
"""The features of the story documents built last (a rebuild of the window reads them again)."""


def _doc_features(raw: str, d: dict[str, Any]) -> list[str]:
    if "w" in d:  # a document written before features moved to the build
        return [str(f) for f in d["w"]]

    def names() -> list[str]:
        return [str(n) for key in ("co", "mo", "ct", "cn") for n in d.get(key) or ()]

    return _FEATURES(
        raw, lambda: features_of(str(d["t"]), [str(t) for t in d.get("tm") or ()], names())
    )


def _items(entries: Iterable[tuple[str, float, str | None]]) -> list[_Item]:
    """The table's entries as items, with their features and band keys."""
    parsed = [(m, v, raw, load_doc(raw)) for m, v, raw in entries if raw and round(v) > 0]
    feats = [_doc_features(raw, d) for _, _, raw, d in parsed]
    bands = _hasher().bands_many(feats)
    items = []
    for (member, weight, _, d), fs, bs in zip(parsed, feats, bands, strict=True):
        doc = doc_of(d)
        fset = frozenset(fs)
        items.append(
            _Item(
                member=member,
                weight=max(1, round(weight)),
                doc=doc,
                feats=fset,
                bands=bs,
                labels={str(k): str(v) for k, v in (d.get("cl") or {}).items()},
                reply=d.get("r"),
                author=doc.ref.author.lower(),
                entities=frozenset(f for f in fset if f.startswith("e:")),
            )
        )
    return items


class _Union:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.size = [1] * n

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int, *, limit: int | None) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb or (limit is not None and self.size[ra] + self.size[rb] > limit):
            return False
        if (self.size[ra], -ra) < (self.size[rb], -rb):
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]
        return True


class _Graph:
    """The table's tweets with their document frequencies: similarity and candidate pairs."""

    def __init__(self, items: list[_Item]) -> None:
        self.items = items
        # Frequencies count distinct feature sets, not tweets: a thousand copies of one promo are
        # one text, so a flood changes neither the weights nor the guard of the other stories.
        texts = {it.feats for it in items}
        self.texts = len(texts)
        # Rare is relative to the table: a big day's table holds more tweets per story.
        self.rare_df = max(RARE_DF, self.texts // 100)
        # What a large share of the day's texts say is its background, not any one story.
        self.background_df = max(self.rare_df, int(BACKGROUND_SHARE * self.texts))
        self.df: Counter[str] = Counter()
        for feats in texts:
            self.df.update(feats)
        self.idf = {
            # Against a fixed corpus size rather than the table's: a new tweet changes the weight
            # of its own features only, so unrelated stories keep their shape as the day goes on.
            f: math.log(1.0 + IDF_BASE / c) * (1.5 if f[:2] in ("e:", "f:") else 1.0)
            for f, c in self.df.items()
        }
        self.weight = {id(it): sum(self.idf[f] for f in it.feats) for it in items}

    def sim(self, a: _Item, b: _Item) -> float:
        """IDF-weighted Jaccard; across languages, the overlap of what both can share."""
        inter = a.feats & b.feats
        if not inter:
            return 0.0
        idf = self.idf
        shared = sum(idf[f] for f in inter)
        jaccard = shared / ((self.weight[id(a)] + self.weight[id(b)] - shared) or 1.0)
        if a.doc.ref.lang == b.doc.ref.lang:
            return jaccard
        # An English and a Chinese tweet share only names, figures, concepts and Latin words:
        # compare on those, and only when at least two rare ones besides names meet.
        rare = [f for f in inter if self.df[f] <= self.rare_df and not f.startswith("e:")]
        if len(rare) < 2:
            return jaccard  # names and one more word in common (lists of models) is not one story
        na = sum(idf[f] for f in a.feats if _neutral(f))
        nb = sum(idf[f] for f in b.feats if _neutral(f))
        shared_neutral = sum(idf[f] for f in inter if _neutral(f))
        if shared_neutral < CROSS_SPAN * max(na, nb):
            return jaccard  # a short tweet's few words found in a long roundup: not one story
        overlap = shared_neutral / (min(na, nb) or 1.0)
        return max(jaccard, 0.6 * overlap)

    def candidates(self) -> set[tuple[int, int]]:
        """Pairs sharing an LSH band key or a feature rare in the table."""
        buckets: dict[object, list[int]] = {}
        for i, it in enumerate(self.items):
            for b in it.bands:
                buckets.setdefault(b, []).append(i)
            for f in it.feats:
                if 1 < self.df[f] <= self.rare_df:
                    buckets.setdefault(f, []).append(i)
        out: set[tuple[int, int]] = set()
        for group in buckets.values():
            if len(group) <= SMALL_BUCKET:
                out.update(
                    (group[x], group[y])
                    for x in range(len(group))
                    for y in range(x + 1, len(group))
                )
            else:
                # A crowd of look-alikes: each meets its neighbour and the one most carried, the
                # tweet the others most likely repeat (an announcement and its many retellings).
                hub = max(group, key=lambda i: (self.items[i].weight, -i))
                for x in range(1, len(group)):
                    out.add((group[x - 1], group[x]))
                for i in group:
                    if i != hub:
                        out.add((min(i, hub), max(i, hub)))
        return out

    def edges(self) -> list[tuple[float, int, int]]:
        """Joined pairs with their strength, strongest first (ties: by position)."""
        items = self.items
        edges: list[tuple[float, int, int]] = []
        for a, b in self.candidates():
            x, y = items[a], items[b]
            s = self.sim(x, y)
            figs = [f for f in x.feats & y.feats if f.startswith("f:")]
            ents = x.entities & y.entities
            if x.entities and y.entities and not ents and s < COPY_THRESHOLD:
                continue  # different names, alike only in wording (a template)
            shared = x.feats & y.feats
            if x.doc.near_dup_key != y.doc.near_dup_key and (
                min(len(x.feats), len(y.feats)) < MIN_FEATURES
                or all(self.df[f] > self.background_df for f in shared)
            ):
                # A tweet that says nothing but a name ("ChatGPT" and words of a script we do
                # not read), or two alike only in what a tenth of the day says: no story.
                continue
            rare = [f for f in shared if self.df[f] <= self.rare_df]
            if rare and all(f.startswith("e:") for f in rare) and s < COPY_THRESHOLD:
                continue  # alike only in the names they list (roundups, model lists)
            if not rare and s < COPY_THRESHOLD and self._own_subjects(x, y):
                continue  # a template filled with other names: alike in wording, not in subject
            hub = len(x.entities) >= HUB_NAMES or len(y.entities) >= HUB_NAMES
            if hub and s < HUB_THRESHOLD and len(figs) < 2:
                continue  # a list of names bridges stories; it joins only what it nearly repeats
            named = any(f[:2] in ("e:", "f:") for f in rare)
            anchored = (figs and ents) or len(figs) >= 2 or (named and len(rare) >= RARE_SHARED)
            if s >= JOIN_THRESHOLD or anchored:
                edges.append((max(s, JOIN_THRESHOLD), a, b))
        edges += self._reply_edges()
        edges.sort(key=lambda e: (-e[0], e[1], e[2]))
        return edges

    def coherent(self, a: Counter[str], na: int, b: Counter[str], nb: int) -> bool:
        """Whether two stories of :data:`COHERENT_MIN` tweets or more share enough of their
        common features (those of at least half their tweets) to be one: what stops one link
        from chaining two unrelated stories together."""
        if na < COHERENT_MIN or nb < COHERENT_MIN:
            return True
        core_a = {f for f, c in a.items() if 2 * c >= na}
        core_b = {f for f, c in b.items() if 2 * c >= nb}
        idf = self.idf
        shared = sum(idf[f] for f in core_a & core_b)
        smaller = min(sum(idf[f] for f in core_a), sum(idf[f] for f in core_b))
        return shared >= COHERENCE * (smaller or 1.0)

    def _own_subjects(self, a: _Item, b: _Item) -> bool:
        """Whether each tweet names something (a feature nearly unique in the table) that the
        other does not."""
        df = self.df
        return any(df[f] <= UNIQUE_DF for f in a.feats - b.feats) and any(
            df[f] <= UNIQUE_DF for f in b.feats - a.feats
        )

    def _reply_edges(self) -> list[tuple[float, int, int]]:
        """A reply joins the story of the author it answers (that author's best-matching tweet)."""
        items = self.items
        by_author: dict[str, list[int]] = {}
        for i, it in enumerate(items):
            by_author.setdefault(it.author, []).append(i)
        out = []
        for i, it in enumerate(items):
            targets = by_author.get(it.reply or "")
            if targets and it.reply != it.author:
                best = max(
                    targets, key=lambda j: (self.sim(it, items[j]), items[j].doc.engagement, -j)
                )
                out.append((JOIN_THRESHOLD, min(i, best), max(i, best)))
        return out


def _latin(feature: str) -> bool:
    """Whether a feature is a Latin word (not a name, figure or concept)."""
    return feature.isascii() and feature[:2] not in ("e:", "f:", "c:")


def _neutral(feature: str) -> bool:
    """Whether a feature can appear in a tweet of any language (a name, a figure, Latin)."""
    return feature[:2] in ("e:", "f:") or feature.isascii()


def cluster(entries: Iterable[tuple[str, float, str | None]]) -> list[list[_Item]]:
    """Group the story table's ``(member, amount, doc)`` entries; each group is one story."""
    items = _items(entries)
    items.sort(key=lambda it: it.member)
    n = len(items)
    if n == 0:
        return []
    uf = _Union(n)
    graph = _Graph(items)
    guard = max(CHAIN_GUARD, graph.texts // 100)
    members: dict[int, Counter[str]] = {}
    for s, a, b in graph.edges():
        ra, rb = uf.find(a), uf.find(b)
        if ra == rb:
            continue
        pa = members.get(ra) or Counter(items[ra].feats)
        pb = members.get(rb) or Counter(items[rb].feats)
        if s < COPY_THRESHOLD and not graph.coherent(pa, uf.size[ra], pb, uf.size[rb]):
            continue  # a chain: one link, but the two stories are about different things
        if uf.union(a, b, limit=None if s >= COPY_THRESHOLD else guard):
            members.pop(ra, None)
            members.pop(rb, None)
            members[uf.find(a)] = pa + pb
    groups: dict[int, list[_Item]] = {}
    for i, it in enumerate(items):
        groups.setdefault(uf.find(i), []).append(it)
    return _attach(list(groups.values()), graph, guard)


def _attach(groups: list[list[_Item]], graph: _Graph, guard: int) -> list[list[_Item]]:
    """Second pass: a tweet or pair left alone joins the story whose common features it shares.

    A story's profile is the share of its tweets holding each feature; a small fragment joins the
    story (of at least :data:`ATTACH_MIN` tweets, as the first pass left them) whose profile
    covers enough of its features' weight. Fragments only join first-pass stories, never each
    other, so no chain can form here (and the chain guard holds); a fragment naming other
    entities than a story's stays apart, and so does one that shares nothing but names with it.
    """
    idf = graph.idf
    big = [g for g in groups if len(g) >= ATTACH_MIN]
    profiles: list[dict[str, float]] = []
    index: dict[str, list[int]] = {}
    for n, g in enumerate(big):
        counts: Counter[str] = Counter()
        for it in g:
            counts.update(it.feats)
        profile = {f: c / len(g) for f, c in counts.items() if 3 * c >= len(g)}
        profiles.append(profile)
        for f in profile:
            index.setdefault(f, []).append(n)
    out = [list(g) for g in big]
    owners = _owners(big, graph)
    for g in groups:
        if len(g) >= ATTACH_MIN:
            continue
        feats = frozenset().union(*(it.feats for it in g))
        if len(feats) < MIN_FEATURES:
            out.append(list(g))  # a bare name tells no story to join
            continue
        names = {f for f in feats if f.startswith("e:")}
        concepts = {f for f in feats if f.startswith("c:")}
        total = sum(idf[f] for f in feats) or 1.0
        best: tuple[float, int] | None = None
        owner = _owner_of(feats, names, owners, profiles, index, graph)
        if owner is not None:
            best = (1.0, owner)
        for n in sorted(
            {n for f in feats if graph.df[f] <= graph.rare_df for n in index.get(f, ())}
        ):
            profile = profiles[n]
            lead = {f for f, share in profile.items() if f.startswith("e:") and share >= 0.5}
            if names and lead and not names & lead:
                continue
            if all(f.startswith("e:") for f in feats if f in profile):
                continue  # the same names and nothing else ("Google", "ChatGPT"): not its story
            score = sum(idf[f] * profile[f] for f in feats if f in profile) / total
            common = sum(
                1 for f in feats if profile.get(f, 0.0) >= 0.5 and graph.df[f] <= graph.rare_df
            )
            if common >= ATTACH_COMMON or _says_the_same(concepts, big[n]):
                score = max(score, ATTACH_THRESHOLD)
            if score >= ATTACH_THRESHOLD and (best is None or score > best[0]):
                best = (score, n)
        if best is None or len(out[best[1]]) + len(g) > guard:
            out.append(list(g))
        else:
            out[best[1]].extend(g)
    return out


def _says_the_same(concepts: set[str], story: list[_Item]) -> bool:
    """Whether a fragment makes one of the story's tweets' claims: it shares
    :data:`ATTACH_CONCEPTS` claim words with it, in either language ("Most technology starts
    closed and ends up open" and 封闭系统早期获胜，开放系统最终获胜)."""
    return len(concepts) >= ATTACH_CONCEPTS and any(
        len(concepts & it.feats) >= ATTACH_CONCEPTS for it in story
    )


def _owners(big: list[list[_Item]], graph: _Graph) -> dict[str, int]:
    """The subjects (names, figures, coined terms) that one first-pass story owns: it holds at
    least half of the table's texts carrying the subject and more than any other story does
    (the rest are fragments still to place), and the subject is in at least :data:`OWNED_DF`
    texts (so ownership is not a coincidence of two tweets)."""
    held: dict[str, Counter[int]] = {}
    for n, g in enumerate(big):
        for feats in {it.feats for it in g}:
            for f in feats:
                if (_subject(f) or _latin(f)) and f not in _PLACES:
                    held.setdefault(f, Counter())[n] += 1
    owners: dict[str, int] = {}
    for f, by_story in held.items():
        df = graph.df[f]
        if df < OWNED_DF:
            continue
        n, count = min(by_story.items(), key=lambda kv: (-kv[1], kv[0]))
        runner_up = max((c for m, c in by_story.items() if m != n), default=0)
        if 2 * count >= df and count > runner_up:
            owners[f] = n
    return owners


def _owner_of(
    feats: frozenset[str],
    names: set[str],
    owners: dict[str, int],
    profiles: list[dict[str, float]],
    index: dict[str, list[int]],
    graph: _Graph,
) -> int | None:
    """The story a fragment belongs to because every name and figure it gives is owned by that
    story, and it writes one of the story's common words and not the rare words of two other stories: a reaction such as "DeepSeek keeps
    publishing architecture papers" to the day's one DeepSeek paper story. A roundup (names of
    :data:`HUB_NAMES` or more) and a fragment with no name, figure or coined term never join
    this way."""
    subjects = {f for f in feats if _subject(f)}
    if not all(f.isascii() for f in feats):
        # In a Chinese tweet a Latin word one story owns is a name as much as a known entity
        # is ("RLM思路很妙" on the day's one RLM paper story).
        subjects |= {f for f in feats if _latin(f) and f in owners}
    if not subjects - _PLACES or len(names) >= HUB_NAMES:
        return None
    # A subject too rare for any story to own (a figure only this tweet gives) says nothing.
    stories = {owners.get(f, -1) for f in subjects - _PLACES if graph.df[f] >= OWNED_DF}
    if len(stories) != 1 or -1 in stories:
        return None
    (n,) = stories
    words = feats - subjects
    # A figure or a coined term the story owns is this story; a name alone may be another
    figure = any(f.startswith("f:") or f in _COINED for f in subjects)
    if not figure and not any(f in profiles[n] for f in words):
        return None  # a name alone may be another of its stories; a figure owned is this one
    # A roundup also writes the own words of two or more other stories ("reading list: recursive
    # language models, semantic collapse, DeepSeek's residual work"): it stays apart.
    others = {m for f in words if graph.df[f] <= UNIQUE_DF * 2 for m in index.get(f, ()) if m != n}
    return None if len(others) >= 2 else n


# ---------------------------------------------------------------------------- what a story is

_PROMO = re.compile(
    r"giveaway|follow\s*(?:back|\+|&|and rt)|followback|\bf4f\b|tag \d+ friends|\bdm me\b|"
    r"real followers|free .{0,30}accounts?|earn \$\d+|winner picked|limited spots|"
    r"私信我|加v|加微|日赚|副业|免费领|限时免费|名额有限|关注.{0,4}转发|转发.{0,4}抽奖",
    re.I,
)
_KINDS: tuple[tuple[StoryKind, re.Pattern[str]], ...] = (
    # A view says so in its words, whatever it is about: a prediction or a bubble call is not
    # a funding or market event for naming valuations or stocks.
    (
        "opinion",
        re.compile(
            r"\bpredictions?\b|\bi predict|\bbubbles?\b|hot take|unpopular opinion|\bi think\b|"
            r"预测|泡沫|我觉得|我认为",
            re.I,
        ),
    ),
    (
        "incident",
        re.compile(r"outage|breach|leak|hack|vulnerab|exploit|attack|故障|漏洞|泄露|宕机", re.I),
    ),
    (
        "policy",
        re.compile(
            r"export rule|regulat|ministry|government|sanction|policy|监管|政策|政府|科技部|法规",
            re.I,
        ),
    ),
    (
        "funding",
        re.compile(
            r"raise[sd]?\b|funding|valuation|series [a-e]|budget|spend|\borders?\b|ordered|purchas|acqui|融资|估值|投入|采购|订购|收购",
            re.I,
        ),
    ),
    (
        "market",
        re.compile(r"kospi|s&p|nasdaq|index|stock|shares|\$[A-Z]{2,5}\b|涨|跌|股|指数", re.I),
    ),
    ("research", re.compile(r"paper|study|researchers?|research|arxiv|论文|研究", re.I)),
    (
        "release",
        re.compile(
            r"launch|releas|unveil|introduc|dropped|announc|\bships?\b|is out|available now|"
            r"now available|发布|推出|上线|开源了|宣布|宣佈|现已|現已",
            re.I,
        ),
    ),
    (
        "tool",
        re.compile(
            r"\btool|library|guide|docs|documentation|plugin|extension|\bapps?\b|工具|指南|资源库|文档",
            re.I,
        ),
    ),
)


def _kind(items: Sequence[_Item]) -> StoryKind:
    votes: Counter[StoryKind] = Counter()
    for it in items:
        text = clean_text(it.doc.ref.text)  # a handle (@tessa_ships) says nothing of the kind
        for kind, pattern in _KINDS:
            if pattern.search(text):
                votes[kind] += 1
                break
    if votes:
        kind, n = min(votes.items(), key=lambda kv: (-kv[1], [k for k, _ in _KINDS].index(kv[0])))
        if n * 3 >= len(items) and kind != "opinion":
            return kind
    sentiments = {it.doc.sentiment for it in items}
    replies = sum(1 for it in items if it.reply)
    if {"bullish", "bearish"} <= sentiments or (replies and len(items) > 2):
        return "debate"
    return "opinion"


def _set_aside(items: Sequence[_Item]) -> SetAside | None:
    promo = sum(1 for it in items if _PROMO.search(it.doc.ref.text))
    if promo * 2 >= len(items):
        return "spam"
    if not any(it.doc.categories for it in items):
        return "chatter"
    return None


def story_score(
    engagement: float, authors: int, languages: int, last_seen: datetime, window_end: datetime
) -> float:
    """A story's strength: ``(1 + ln(1 + engagement)) × (1 + ln authors) × (1 + 0.3 × (languages
    − 1)) × recency``, recency falling from 1 (at the window's end) to 0.8 a day earlier."""
    hours = max(0.0, (window_end - last_seen).total_seconds() / 3600)
    recency = max(0.8, 1.0 - 0.2 * min(hours, 24.0) / 24.0)
    return (
        (1.0 + math.log1p(max(engagement, 0.0)))
        * (1.0 + math.log(max(authors, 1)))
        * (1.0 + 0.3 * max(languages - 1, 0))
        * recency
    )


def _best_key(it: _Item) -> tuple[bool, float, str]:
    text = it.doc.ref.text
    substantial = len(text) >= 40 and it.reply is None and not text.startswith("RT @")
    return (not substantial, -it.doc.engagement, it.doc.id)


def _ranked(counter: Counter[str]) -> tuple[str, ...]:
    return tuple(k for k, _ in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))


def _story(items: list[_Item], window_end: datetime) -> Story:
    items.sort(key=_best_key)
    docs = [it.doc for it in items]
    earliest = min(docs, key=lambda d: (d.ref.created_at, d.id))
    langs: Counter[str] = Counter(d.ref.lang or "und" for d in docs)
    entities: Counter[str] = Counter()
    figures: Counter[str] = Counter()
    subtopics: Counter[str] = Counter()
    categories: Counter[str] = Counter()
    sentiment: Counter[str] = Counter()
    labels: dict[str, str] = {}
    for it in items:
        d = it.doc
        entities.update(list(dict.fromkeys((*d.companies, *d.models))))
        figures.update(list(dict.fromkeys((*d.percentages, *d.money))))
        subtopics.update(list(dict.fromkeys(d.subtopics)))
        categories.update(list(dict.fromkeys(d.categories)))
        sentiment[d.sentiment] += 1
        for name, label in sorted(it.labels.items()):
            labels.setdefault(name, label)
    reps: dict[str, tuple[TweetDoc, ...]] = {}
    for lang in langs:
        reps[lang] = tuple(d for d in docs if (d.ref.lang or "und") == lang)[:REPRESENTATIVES]
    authors = len({it.author for it in items})
    engagement = sum(d.engagement for d in docs)
    last = max(d.ref.created_at for d in docs)
    lead_entities = _ranked(entities)[:8]
    return Story(
        id="s-" + earliest.id,
        kind=_kind(items),
        tweets=len(items),
        retweets=sum(it.weight - 1 for it in items),
        authors=authors,
        languages=tuple(sorted(langs.items(), key=lambda kv: (-kv[1], kv[0]))),
        engagement=engagement,
        first_seen=earliest.ref.created_at,
        last_seen=last,
        entities=lead_entities,
        figures=_ranked(figures)[:8],
        subtopics=_ranked(subtopics),
        categories=_ranked(categories),
        sentiment=dict(sentiment),
        representatives=reps,
        members=tuple(docs[:MEMBERS_KEPT]),
        score=story_score(engagement, authors, len(langs), last, window_end),
        set_aside=_set_aside(items),
        entity_labels={k: v for k, v in labels.items() if k in lead_entities},
    )


def build_stories(
    entries: Iterable[tuple[str, float, str | None]], window_end: datetime
) -> list[Story]:
    """Every story of the story table, strongest first (ties: id)."""
    stories = [_story(group, window_end) for group in cluster(entries)]
    stories.sort(key=lambda s: (-s.score, s.id))
    return stories


def split(stories: Sequence[Story], limit: int) -> tuple[list[Story], SetAsideCounts]:
    """The reported stories (at most ``limit``, strongest first) and what was set aside."""
    reported = [s for s in stories if s.reported][:limit]
    spam = [s for s in stories if s.set_aside == "spam"]
    chatter = [s for s in stories if s.set_aside == "chatter"]
    counts = SetAsideCounts(
        spam_stories=len(spam),
        spam_tweets=sum(s.tweets for s in spam),
        chatter_stories=len(chatter),
        chatter_tweets=sum(s.tweets for s in chatter),
    )
    return reported, counts


def _ref(doc: TweetDoc) -> TweetRef:
    return doc.ref


def summaries(reported: Sequence[Story], set_aside: Sequence[Story]) -> list[StorySummary]:
    """The stories as ``ReportReady`` carries them: reported first, then those set aside."""
    out = []
    for s in (*reported, *set_aside):
        reps = sorted(
            (docs[0] for docs in s.representatives.values() if docs), key=lambda d: _best_doc(d)
        )
        out.append(
            StorySummary(
                id=s.id,
                kind=s.kind,
                tweets=s.tweets,
                retweets=s.retweets,
                authors=s.authors,
                languages=dict(s.languages),
                engagement=s.engagement,
                first_seen=s.first_seen,
                last_seen=s.last_seen,
                entities=list(s.entities),
                figures=list(s.figures),
                subtopics=list(s.subtopics),
                categories=[c for c in CATEGORIES if c in s.categories],
                set_aside=s.set_aside,
                score=s.score,
                representatives=[_ref(d) for d in reps],
            )
        )
    return out


def _best_doc(d: TweetDoc) -> tuple[float, str]:
    return (-d.engagement, d.id)
