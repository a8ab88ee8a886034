"""The labelled texts classify is trained and measured on, and the one split they share.

The sets live outside the repository, in ``../shared/data`` (see ``labelled/SOURCE.md`` there):
finance news topics, finance news sentiment (train and valid), retail stock tweets, crypto
comments, and 3,000 real tweets about ChatGPT. ``python -m services.classify.train`` trains on
them and ``bench/bench_classify_quality.py`` measures on them; both read them here so that both
see the same rows and the same split.

The split is by a hash of the text's normalized form, so it is deterministic, needs no stored
list, and puts a text and its copies (retweets, the same headline with another link) on the same
side: about one row in five of every file is held back and never trained on. The valid file is
held back whole, and a training row whose text is also in it is dropped.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data"
SAMPLE_SCRIPT = ROOT / "samples" / "make_sample.py"
MARKET_THEMES = frozenset({"chips", "investment"})
"""The sample's themes about markets (its other themes are about AI itself)."""
LABELLED = DATA / "labelled"
AI_TWEETS = DATA / "chatgpt-tweets-2023-04-27.csv"
CRYPTO_AUDIT = ROOT / "tests" / "fixtures" / "chatgpt_crypto_audit.csv"
"""Every ChatGPT tweet classify tags crypto, read by hand: whether it is about crypto, and why."""
HELD_BACK_PERCENT = 20
_NORM_DROP = re.compile(r"https?://\S+|^rt @\w+:\s*|@\w+|[^\w$%]+")


@dataclass(frozen=True, slots=True)
class Item:
    """One labelled text: where it comes from, its sentiment (if labelled) and its topic."""

    text: str
    source: str
    sentiment: str | None = None
    topic: str | None = None
    id: str | None = None
    """The row's tweet id, where the file has one (the ChatGPT tweets)."""


def norm(text: str) -> str:
    """The form two copies of one text share: lower case, no links, handles or punctuation."""
    return " ".join(_NORM_DROP.sub(" ", text.lower()).split())


def is_held_back(text: str) -> bool:
    """Whether a text is in the held-back part (about 20 %), by a stable hash of its norm."""
    digest = hashlib.blake2b(norm(text).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % 100 < HELD_BACK_PERCENT


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [row for row in csv.DictReader(fh) if (row.get("text") or "").strip()]


def news_topics(root: Path = LABELLED) -> list[Item]:
    """Finance news tweets with one of 20 topics (Macro, Fed, Earnings, ...): all finance."""
    return [
        Item(r["text"], "news_topics", topic=r["topic"])
        for r in _rows(root / "finance_news_topics.csv")
    ]


def news_sentiment(split: str, root: Path = LABELLED) -> list[Item]:
    """Finance news tweets labelled bullish, bearish or neutral; ``split`` is train or valid."""
    return [
        Item(r["text"], f"news_sentiment_{split}", sentiment=r["sentiment"])
        for r in _rows(root / f"finance_news_sentiment_{split}.csv")
    ]


def stock_tweets(root: Path = LABELLED) -> list[Item]:
    """Retail investors' stock tweets, bullish or bearish: all finance."""
    return [
        Item(r["text"], "stock_tweets", sentiment=r["sentiment"])
        for r in _rows(root / "stock_tweets_sentiment.csv")
    ]


def crypto_comments(root: Path = LABELLED) -> list[Item]:
    """Reddit comments about crypto, bullish or bearish: all crypto."""
    return [
        Item(r["text"], "crypto_comments", sentiment=r["sentiment"])
        for r in _rows(root / "crypto_comments_sentiment.csv")
    ]


def ai_tweets(path: Path = AI_TWEETS) -> list[Item]:
    """The 3,000 real tweets about ChatGPT, every row (retweets included)."""
    return [Item(r["text"], "ai_tweets", id=r["id"]) for r in _rows(path)]


def crypto_audit(path: Path = CRYPTO_AUDIT) -> dict[str, bool]:
    """The hand audit of the ChatGPT tweets tagged crypto: tweet id -> whether it is about crypto.

    The file has no labels of its own, and many of its tweets are about crypto as much as about
    ChatGPT (Solana's ChatGPT plugin, "ChatGPT, write a poem about bitcoin"): tagging those crypto
    is right. A tweet tagged crypto is a false positive unless the audit says it is about crypto,
    so a tag the audit never saw counts against the classifier.
    """
    with path.open(encoding="utf-8", newline="") as fh:
        return {r["id"]: r["about_crypto"] == "yes" for r in csv.DictReader(fh)}


def crypto_false_positive(item: Item, tagged: bool, audit: dict[str, bool]) -> bool:
    """Whether tagging ``item`` crypto was wrong, by :func:`crypto_audit`."""
    return tagged and not audit.get(item.id or "", False)


def split(items: Iterable[Item], *, exclude: Iterable[str] = ()) -> tuple[list[Item], list[Item]]:
    """(training part, held-back part); a text whose norm is in ``exclude`` is in neither."""
    excluded = {norm(t) for t in exclude}
    train: list[Item] = []
    held: list[Item] = []
    for item in items:
        if excluded and norm(item.text) in excluded:
            continue
        (held if is_held_back(item.text) else train).append(item)
    return train, held


def unique(items: Iterable[Item]) -> list[Item]:
    """The items with their copies (same norm) dropped, first one kept."""
    seen: set[str] = set()
    out = []
    for item in items:
        key = norm(item.text)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def _make_sample() -> ModuleType:
    # samples/ is not a package: the script is loaded by path.
    spec = importlib.util.spec_from_file_location("make_sample", SAMPLE_SCRIPT)
    if spec is None or spec.loader is None:
        raise FileNotFoundError(SAMPLE_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True, slots=True)
class SampleTexts:
    """The bundled sample's hand-written texts by kind (``samples/make_sample.py`` writes them)."""

    ai: list[Item]
    market: list[Item]
    off_topic: list[Item]


def sample_texts() -> SampleTexts:
    """The sample's texts about AI, about markets, and off-topic or spam."""
    ms = _make_sample()
    ai: list[Item] = []
    market: list[Item] = []
    for themes in (ms.EN, ms.ZH):
        for theme, texts in themes.items():
            for text in texts:
                (market if theme in MARKET_THEMES else ai).append(Item(text, f"sample:{theme}"))
    # (the viral originals are left out: their themes, market or not, live in the recall test)
    ai += [Item(text, "sample:hostile") for _, text in ms.HOSTILE]
    off = [Item(t, "sample:off") for t in (*ms.OFF_TOPIC_EN, *ms.OFF_TOPIC_ZH, *ms.UNDETERMINED)]
    off += [Item(text, "sample:spam") for _, _, _, text in ms.SPAM]
    return SampleTexts(ai, market, off)
