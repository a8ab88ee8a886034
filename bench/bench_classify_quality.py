"""Benchmark: how well classify tags real labelled texts (finance, sentiment, crypto, AI).

Reads the labelled sets in ``../shared/data`` through ``services.classify.labelled`` (the split
training uses, so the held-back part here was never trained on) and the bundled sample, runs the
classifier the service builds (``build_deps``) on each text, and prints:

- finance recall, and sentiment accuracy, macro-F1 over bullish/bearish/neutral, side accuracy
  (bullish/bearish rows given their side) and how many of those came out neutral, for news
  headlines (the valid split, the held-back part of the topic file) and for retail tweets
  (held-back stock tweets);
- finance precision: news positives (valid split + held-back topics) against negatives that are
  not finance news: the held-back AI tweets and the sample's AI and off-topic texts (crypto
  comments are shown apart: crypto market talk is not clearly "not finance");
- crypto recall on the held-back crypto comments;
- AI recall and the finance / crypto false-positive rates on the real ChatGPT tweets (every row,
  and its held-back part) and on the sample; for crypto, the share tagged and the share tagged
  but not about crypto by the hand audit in ``tests/fixtures/chatgpt_crypto_audit.csv`` (many of
  the file's tweets are about crypto too: Solana's ChatGPT plugin, bitcoin poems);
- the hand-made Chinese set in ``tests/fixtures/zh_finance.csv``: finance, sentiment, chips, ai.

    python -m bench.bench_classify_quality [--all]     # --all: also whole files, per-topic recall
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from services.classify import labelled
from services.classify.bootstrap import build_deps
from services.classify.classifier import Classification, Classifier
from services.classify.labelled import Item
from shared.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
ZH_SET = ROOT / "tests" / "fixtures" / "zh_finance.csv"
SIDES = ("bullish", "bearish", "neutral")
# Topics of the finance news feed that are news, not markets ("Boris Johnson resigns").
NOT_MARKET_TOPICS = frozenset({"Politics", "General News | Opinion"})


@dataclass(frozen=True)
class Scored:
    """One labelled text and what the classifier said."""

    item: Item
    found: Classification


def sentiment_figures(rows: Sequence[Scored]) -> str:
    """Accuracy, macro-F1 over the three labels, side accuracy and the neutral share of sides."""
    labelled_rows = [r for r in rows if r.item.sentiment]
    if not labelled_rows:
        return ""
    pairs = [(r.item.sentiment, r.found.sentiment) for r in labelled_rows]
    acc = sum(t == p for t, p in pairs) / len(pairs)
    f1s = []
    for label in SIDES:
        tp = sum(t == label and p == label for t, p in pairs)
        fp = sum(t != label and p == label for t, p in pairs)
        fn = sum(t == label and p != label for t, p in pairs)
        if tp + fp + fn:
            f1s.append(2 * tp / (2 * tp + fp + fn))
    sided = [(t, p) for t, p in pairs if t != "neutral"]
    side_acc = sum(t == p for t, p in sided) / len(sided) if sided else float("nan")
    neutral = sum(p == "neutral" for _, p in sided)
    picked = [(t, p) for t, p in sided if p != "neutral"]
    right = sum(t == p for t, p in picked) / len(picked) if picked else float("nan")
    macro = sum(f1s) / len(f1s)
    return (
        f"sentiment acc {acc:.3f}  macro-F1 {macro:.3f}  side acc {side_acc:.3f} "
        f"({neutral}/{len(sided)} sided rows neutral; right when it picks {right:.3f})"
    )


def rate(rows: Sequence[Scored], test: Callable[[Classification], bool]) -> float:
    """The share of rows whose classification passes ``test``."""
    return sum(test(r.found) for r in rows) / len(rows) if rows else float("nan")


def is_fin(c: Classification) -> bool:
    return "finance" in c.categories


def is_crypto(c: Classification) -> bool:
    return "crypto" in c.categories


def is_ai(c: Classification) -> bool:
    return "ai" in c.categories


def zh_items() -> list[tuple[Item, dict[str, str]]]:
    """The hand-made Chinese set, if present: each text with its expected labels."""
    if not ZH_SET.is_file():
        return []
    with ZH_SET.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if not r["text"].startswith("#")]
    return [(Item(r["text"], "zh", sentiment=r["sentiment"] or None), r) for r in rows]


def main(argv: Sequence[str] | None = None) -> int:
    """Print every figure; exit 1 when the labelled data is absent."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--all", action="store_true", help="whole files and per-topic recall too")
    args = parser.parse_args(argv)
    if not labelled.LABELLED.is_dir():
        print(f"labelled data absent: {labelled.LABELLED}")
        return 1
    t0 = time.perf_counter()
    classifier: Classifier = build_deps(Settings()).classifier
    print(f"build_deps: {time.perf_counter() - t0:.2f} s")

    def score(items: Sequence[Item]) -> list[Scored]:
        return [Scored(i, classifier.classify(i.text)) for i in items]

    valid = score(labelled.news_sentiment("valid"))
    exclude = [s.item.text for s in valid]
    _, topics_held = labelled.split(labelled.news_topics(), exclude=exclude)
    _, sent_held = labelled.split(labelled.news_sentiment("train"), exclude=exclude)
    _, stock_held = labelled.split(labelled.stock_tweets())
    _, crypto_held = labelled.split(labelled.crypto_comments())
    ai_all = labelled.ai_tweets()
    _, ai_held = labelled.split(ai_all)
    topics = score(topics_held)
    sent = score(sent_held)
    stock = score(stock_held)
    crypto = score(crypto_held)
    ai_rows = score(ai_all)
    ai_held_rows = score(ai_held)
    sample = labelled.sample_texts()
    s_ai, s_market, s_off = score(sample.ai), score(sample.market), score(sample.off_topic)

    print("\nnews headlines")
    print(f"  valid split ({len(valid)})        finance recall {rate(valid, is_fin):.3f}")
    print(f"      {sentiment_figures(valid)}")
    print(f"  held-back sentiment train ({len(sent)})  finance recall {rate(sent, is_fin):.3f}")
    print(f"      {sentiment_figures(sent)}")
    print(f"  held-back topics ({len(topics)})  finance recall {rate(topics, is_fin):.3f}")
    market_topics = [r for r in topics if r.item.topic not in NOT_MARKET_TOPICS]
    print(
        f"    without {' and '.join(sorted(NOT_MARKET_TOPICS))} ({len(market_topics)})  "
        f"finance recall {rate(market_topics, is_fin):.3f}"
    )
    by_topic: dict[str, list[Scored]] = {}
    for r in topics:
        by_topic.setdefault(r.item.topic or "", []).append(r)
    worst = sorted(by_topic.items(), key=lambda kv: rate(kv[1], is_fin))[:6]
    print("    lowest: " + ", ".join(f"{t} {rate(rows, is_fin):.2f}" for t, rows in worst))
    print("\nretail tweets")
    print(f"  held-back stock tweets ({len(stock)})  finance recall {rate(stock, is_fin):.3f}")
    print(f"      {sentiment_figures(stock)}")
    print("\ncrypto comments")
    print(
        f"  held-back ({len(crypto)})  crypto recall {rate(crypto, is_crypto):.3f}  "
        f"finance {rate(crypto, is_fin):.3f}"
    )
    print(f"      {sentiment_figures(crypto)}")

    negatives = ai_held_rows + s_ai + s_off
    news_pos = valid + topics
    tp = sum(is_fin(r.found) for r in news_pos)
    fp = sum(is_fin(r.found) for r in negatives)
    retail_tp = sum(is_fin(r.found) for r in stock)
    print("\nfinance precision (negatives: held-back AI tweets + sample AI and off-topic texts)")
    print(
        f"  news: {tp}/{tp + fp} = {tp / max(1, tp + fp):.3f}  "
        f"(recall {tp / len(news_pos):.3f} of {len(news_pos)}; "
        f"{fp} of {len(negatives)} negatives tagged, {fp / len(negatives):.3f})"
    )
    print(
        f"  retail: {retail_tp}/{retail_tp + fp} = {retail_tp / max(1, retail_tp + fp):.3f}"
        f"  (recall {retail_tp / len(stock):.3f} of {len(stock)})"
    )

    print("\nAI tweets (real ChatGPT CSV)")
    audit = labelled.crypto_audit()
    for name, rows in (
        (f"every row ({len(ai_rows)})", ai_rows),
        (f"held-back ({len(ai_held_rows)})", ai_held_rows),
    ):
        wrong = sum(labelled.crypto_false_positive(r.item, is_crypto(r.found), audit) for r in rows)
        print(
            f"  {name:<18} ai recall {rate(rows, is_ai):.3f}  finance {rate(rows, is_fin):.3f}"
            f"  crypto {rate(rows, is_crypto):.4f}, of which not about crypto by the hand audit"
            f" {wrong} = {wrong / max(1, len(rows)):.4f}"
        )
    print("sample")
    print(
        f"  AI texts ({len(s_ai)})  ai recall {rate(s_ai, is_ai):.3f}  finance "
        f"{rate(s_ai, is_fin):.3f}  crypto {rate(s_ai, is_crypto):.3f}"
    )
    print(f"  market texts ({len(s_market)})  finance recall {rate(s_market, is_fin):.3f}")
    print(
        f"  off-topic/spam ({len(s_off)})  any category "
        f"{rate(s_off, lambda c: bool(c.categories)):.3f}"
    )

    zh = zh_items()
    if zh:
        zrows = [(Scored(i, classifier.classify(i.text)), r) for i, r in zh]
        fin_exp = [s for s, r in zrows if r["finance"] == "1"]
        not_fin = [s for s, r in zrows if r["finance"] == "0"]
        chips_bad = [
            s
            for s, r in zrows
            if r["chips"] == "0" and any(t.id == "chips" for t in s.found.subtopics)
        ]
        print(f"\nChinese hand-made set ({len(zrows)})")
        print(
            f"  finance recall {rate(fin_exp, is_fin):.3f} of {len(fin_exp)}, false positives "
            f"{rate(not_fin, is_fin):.3f} of {len(not_fin)}; chips where it should not {len(chips_bad)}"
        )
        print(f"  {sentiment_figures([s for s, _ in zrows])}")
        ai_exp = [s for s, r in zrows if r["ai"] == "1"]
        print(f"  ai recall {rate(ai_exp, is_ai):.3f} of {len(ai_exp)}")

    if args.all:
        print("\nwhole files")
        whole = score(labelled.news_topics())
        print(f"  news topics ({len(whole)})  finance recall {rate(whole, is_fin):.3f}")
        whole_by_topic: dict[str, list[Scored]] = {}
        for r in whole:
            whole_by_topic.setdefault(r.item.topic or "", []).append(r)
        for topic, rows in sorted(whole_by_topic.items(), key=lambda kv: rate(kv[1], is_fin)):
            print(f"    {topic:<32} {rate(rows, is_fin):.3f} of {len(rows)}")
        for name, items in (
            ("news sentiment train", labelled.news_sentiment("train")),
            ("stock tweets", labelled.stock_tweets()),
            ("crypto comments", labelled.crypto_comments()),
        ):
            rows = score(items)
            counts = Counter(r.found.sentiment for r in rows)
            print(
                f"  {name} ({len(rows)})  finance {rate(rows, is_fin):.3f}  crypto "
                f"{rate(rows, is_crypto):.3f}  predicted {dict(counts)}"
            )
            print(f"      {sentiment_figures(rows)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
