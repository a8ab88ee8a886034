"""Train the classify model and write it into the package: ``python -m services.classify.train``.

Reads the labelled sets (``labelled.py``; never their held-back part), builds the feature matrix
with the classifier's own ``model_input`` and ``features.feature_ids`` (what the service scores),
fits two logistic regressions with scikit-learn (installed by the ``train`` extra; the service
itself never imports it), chooses the thresholds on a dev fold of the training part (fitted
without it), then scores the held-back data with the whole classifier, rules and model together,
prints those figures and writes them with the weights into ``model.npz``.

Deterministic: the same data gives the same weights and the same file, byte for byte (folds
come from a hash of the text, the solver is deterministic, the file has no timestamps).

What it learns from:
- finance relevance: finance news (topic file and sentiment train file), retail stock tweets
  and the sample's market texts are finance; the real ChatGPT tweets and the sample's AI and
  off-topic texts are not. The two sides are weighted to count equally. Crypto comments are
  left out: crypto market talk is the ``crypto`` category's, neither clearly finance nor not.
- sentiment: finance news labelled bullish / bearish / neutral, retail stock tweets and crypto
  comments labelled bullish / bearish (weighted up, as retail talk is scarce).
"""

from __future__ import annotations

import argparse
import hashlib
import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from services.classify import features, labelled
from services.classify.bootstrap import build_classifier
from services.classify.classifier import Classification, Classifier
from services.classify.labelled import Item
from services.classify.model import (
    BUNDLED_MODEL,
    SENTIMENTS,
    Model,
    Thresholds,
    side_of,
    write_model,
)
from services.classify.taxonomy import load_taxonomy

FOLDS = 5
DEV_FOLD = 0
C_FINANCE = 8.0
C_SENTIMENT = 8.0
RETAIL_WEIGHT = 3.0
# The finance threshold: the highest that still finds this share of the finance texts the
# model decides (on the dev fold); above 0.5 every step trades recall for precision.
FINANCE_RECALL_FLOOR = 0.97
SIDE_GRID = tuple(round(0.30 + 0.02 * i, 2) for i in range(26))
# How far the rules' own side leans the model's (``Thresholds.lean``): none to deciding.
LEAN_GRID = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 1.0)


@dataclass(frozen=True)
class Row:
    """One training text as the model sees it, with its label and weight."""

    item: Item
    ids: list[int]
    label: int
    weight: float


def fold_of(text: str) -> int:
    """The cross-validation fold of a text (another hash than the held-back split's)."""
    digest = hashlib.blake2b(labelled.norm(text).encode("utf-8"), digest_size=8, person=b"fold")
    return int.from_bytes(digest.digest(), "big") % FOLDS


def matrix(rows: Sequence[Row]) -> Any:
    """The scaled count matrix of the rows (the scaling ``model.py`` applies)."""
    from scipy.sparse import csr_matrix  # type: ignore[import-untyped,import-not-found,unused-ignore]

    indptr = [0]
    indices: list[int] = []
    data: list[float] = []
    for row in rows:
        n = len(row.ids)
        indices.extend(row.ids)
        data.extend([1 / math.sqrt(n)] * n)
        indptr.append(len(indices))
    m = csr_matrix(
        (np.array(data, dtype=np.float64), np.array(indices), np.array(indptr)),
        shape=(len(rows), features.DIM),
    )
    m.sum_duplicates()
    return m


def fit(rows: Sequence[Row], c: float, *, balanced: bool = False) -> Any:
    """A logistic regression fitted on the rows (binary or multinomial by their labels)."""
    from sklearn.linear_model import (  # type: ignore[import-untyped,import-not-found,unused-ignore]
        LogisticRegression,
    )

    model = LogisticRegression(C=c, max_iter=1000, class_weight="balanced" if balanced else None)
    model.fit(
        matrix(rows), np.array([r.label for r in rows]), sample_weight=[r.weight for r in rows]
    )
    return model


def dev_predictions(
    rows: Sequence[Row], c: float, *, balanced: bool = False
) -> tuple[list[Row], np.ndarray[Any, Any]]:
    """The dev fold's rows and their probabilities from a model fitted on the other folds.

    Thresholds are chosen on these, so they are chosen on texts the model did not fit.
    """
    dev = [r for r in rows if fold_of(r.item.text) == DEV_FOLD]
    rest = [r for r in rows if fold_of(r.item.text) != DEV_FOLD]
    return dev, fit(rest, c, balanced=balanced).predict_proba(matrix(dev))


def to_rows(
    classifier: Classifier, items: Sequence[Item], label: Callable[[Item], int], weight: float
) -> list[Row]:
    """The items the model scores, as rows (a text the model never sees is skipped)."""
    rows = []
    for item in items:
        mi = classifier.model_input(item.text)
        if mi is None:
            continue
        ids = features.feature_ids(mi.words, mi.marks)
        if ids:
            rows.append(Row(item, ids, label(item), weight))
    return rows


def finance_rows(classifier: Classifier, exclude: Sequence[str]) -> list[Row]:
    """Finance relevance rows (1 finance, 0 not), deduplicated, the two sides weighted equally."""
    pos = labelled.split(labelled.news_topics(), exclude=exclude)[0]
    pos += labelled.split(labelled.news_sentiment("train"), exclude=exclude)[0]
    pos += labelled.split(labelled.stock_tweets())[0]
    sample = labelled.sample_texts()
    pos += labelled.split(sample.market)[0]
    neg = labelled.split(labelled.ai_tweets())[0]
    neg += labelled.split(sample.ai + sample.off_topic)[0]
    pos, neg = labelled.unique(pos), labelled.unique(neg)
    pos_rows = to_rows(classifier, pos, lambda _: 1, 1.0)
    neg_rows = to_rows(classifier, neg, lambda _: 0, 1.0)
    ratio = len(pos_rows) / len(neg_rows)
    return pos_rows + [Row(r.item, r.ids, 0, ratio) for r in neg_rows]


def sentiment_rows(classifier: Classifier, exclude: Sequence[str]) -> list[Row]:
    """Sentiment rows: label is the index in ``SENTIMENTS``."""
    index = {s: i for i, s in enumerate(SENTIMENTS)}
    news = labelled.unique(labelled.split(labelled.news_sentiment("train"), exclude=exclude)[0])
    retail = (
        labelled.split(labelled.stock_tweets())[0] + labelled.split(labelled.crypto_comments())[0]
    )
    rows = to_rows(classifier, news, lambda i: index[i.sentiment or "neutral"], 1.0)
    rows += to_rows(
        classifier,
        labelled.unique(retail),
        lambda i: index[i.sentiment or "neutral"],
        RETAIL_WEIGHT,
    )
    return rows


def choose_finance_threshold(
    rows: Sequence[Row], probs: np.ndarray[Any, Any], rules: Classifier, *, verbose: bool
) -> float:
    """The highest threshold that still finds ``FINANCE_RECALL_FLOOR`` of the dev fold's
    finance texts that the model decides (those the rules leave open and that have a cue)."""
    p = probs[:, 1]
    open_ = [i for i, r in enumerate(rows) if rules.model_decides_finance(r.item.text)]
    neg_open = [i for i in open_ if rows[i].label == 0]
    pos_open = [i for i in open_ if rows[i].label == 1]
    n_neg = sum(1 for r in rows if r.label == 0)
    chosen = 0.5
    for t in [round(0.05 * i, 2) for i in range(10, 20)] + [0.96, 0.97, 0.98, 0.99]:
        fp = sum(p[i] >= t for i in neg_open) / n_neg
        found = sum(p[i] >= t for i in pos_open) / max(1, len(pos_open))
        if verbose:
            print(f"    t={t:.2f}  false positives {fp:.4f}  finds {found:.3f} of the open ones")
        if found >= FINANCE_RECALL_FLOOR:
            chosen = t
    return chosen


def choose_side_threshold(
    rows: Sequence[Row], oof: np.ndarray[Any, Any], rules: Classifier, *, verbose: bool
) -> tuple[float, float]:
    """The (side, lean) pair with the best dev-fold score: the mean of news balanced accuracy
    (the mean of each label's recall, so that a side missed counts as much as a neutral one)
    and retail side accuracy, with the rules' own side leaning the model's as the service does.
    """
    leans = [rules.rule_side(r.item.text) for r in rows]
    best, best_score = (SIDE_GRID[0], LEAN_GRID[0]), -1.0
    for lean in LEAN_GRID:
        for t in SIDE_GRID:
            th = Thresholds(finance=1.0, side=t, lean=lean)
            preds = [
                SENTIMENTS.index(side_of(float(o[0]), float(o[1]), score, th, rules_decide=alone))
                for o, (score, alone) in zip(oof, leans, strict=True)
            ]
            news = [(r.label, p) for r, p in zip(rows, preds, strict=True) if r.weight == 1.0]
            retail = [(r.label, p) for r, p in zip(rows, preds, strict=True) if r.weight != 1.0]
            score = (balanced_accuracy(news) + side_accuracy(retail)) / 2
            if verbose:
                print(
                    f"    lean={lean:.2f} side={t:.2f}  news acc {accuracy(news):.3f}"
                    f" macro-F1 {macro_f1(news):.3f} balanced {balanced_accuracy(news):.3f}"
                    f" side acc {side_accuracy(news):.3f}  retail side acc"
                    f" {side_accuracy(retail):.3f}"
                )
            if score > best_score:
                best, best_score = (t, lean), score
    return best


def accuracy(pairs: Sequence[tuple[int, int]]) -> float:
    """Share of (truth, prediction) pairs that agree."""
    return sum(a == b for a, b in pairs) / len(pairs) if pairs else float("nan")


def balanced_accuracy(pairs: Sequence[tuple[int, int]]) -> float:
    """The mean over the labels that occur of the share of that label's rows found."""
    recalls = []
    for label in range(3):
        rows = [b for a, b in pairs if a == label]
        if rows:
            recalls.append(sum(b == label for b in rows) / len(rows))
    return sum(recalls) / len(recalls) if recalls else float("nan")


def side_accuracy(pairs: Sequence[tuple[int, int]]) -> float:
    """Accuracy on the rows labelled bullish or bearish."""
    return accuracy([(a, b) for a, b in pairs if a != 2])


def macro_f1(pairs: Sequence[tuple[int, int]]) -> float:
    """Macro-F1 over the labels that occur."""
    f1s = []
    for label in range(3):
        tp = sum(a == label and b == label for a, b in pairs)
        fp = sum(a != label and b == label for a, b in pairs)
        fn = sum(a == label and b != label for a, b in pairs)
        if tp + fp + fn:
            f1s.append(2 * tp / (2 * tp + fp + fn))
    return sum(f1s) / len(f1s) if f1s else float("nan")


def held_back_figures(classifier: Classifier) -> dict[str, float]:
    """The whole classifier's figures on data training never saw."""
    index = {s: i for i, s in enumerate(SENTIMENTS)}

    def run(items: Sequence[Item]) -> list[tuple[Item, Classification]]:
        return [(i, classifier.classify(i.text)) for i in items]

    def fin(rows: Sequence[tuple[Item, Classification]]) -> float:
        return sum("finance" in c.categories for _, c in rows) / len(rows)

    def pairs(rows: Sequence[tuple[Item, Classification]]) -> list[tuple[int, int]]:
        return [(index[i.sentiment], index[c.sentiment]) for i, c in rows if i.sentiment]

    valid = run(labelled.news_sentiment("valid"))
    exclude = [i.text for i, _ in valid]
    topics = run(labelled.split(labelled.news_topics(), exclude=exclude)[1])
    held = run(labelled.split(labelled.news_sentiment("train"), exclude=exclude)[1])
    stock = run(labelled.split(labelled.stock_tweets())[1])
    ai = run(labelled.split(labelled.ai_tweets())[1])
    sample = labelled.sample_texts()
    s_neg = run(labelled.split(sample.ai + sample.off_topic)[1])
    negatives = ai + s_neg
    fp = sum("finance" in c.categories for _, c in negatives)
    tp = sum("finance" in c.categories for _, c in valid + topics)
    return {
        "valid_finance_recall": fin(valid),
        "valid_sentiment_accuracy": accuracy(pairs(valid)),
        "valid_sentiment_macro_f1": macro_f1(pairs(valid)),
        "valid_side_accuracy": side_accuracy(pairs(valid)),
        "held_news_finance_recall": fin(held),
        "held_news_side_accuracy": side_accuracy(pairs(held)),
        "topics_finance_recall": fin(topics),
        "news_finance_precision": tp / max(1, tp + fp),
        "negatives_finance_rate": fp / len(negatives),
        "retail_finance_recall": fin(stock),
        "retail_side_accuracy": side_accuracy(pairs(stock)),
        "retail_sentiment_macro_f1": macro_f1(pairs(stock)),
    }


def weights(model: Any, *, binary: bool) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """(coefficients, intercepts) as float32, rounded so the file is stable across BLAS builds."""
    coef = np.round(np.asarray(model.coef_, dtype=np.float64), 6).astype(np.float32)
    bias = np.round(np.asarray(model.intercept_, dtype=np.float64), 6).astype(np.float32)
    return (coef[0], bias) if binary else (coef, bias)


def main(argv: Sequence[str] | None = None) -> int:
    """Train, print the validation figures, write the weights file."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=BUNDLED_MODEL, help="weights file to write")
    parser.add_argument("--verbose", action="store_true", help="print the threshold curves")
    args = parser.parse_args(argv)
    if not labelled.LABELLED.is_dir():
        print(f"labelled data absent: {labelled.LABELLED}", file=sys.stderr)
        return 1
    start = time.perf_counter()
    taxonomy = load_taxonomy()
    rules = build_classifier(taxonomy, model=None)
    exclude = [i.text for i in labelled.news_sentiment("valid")]
    fin_rows = finance_rows(rules, exclude)
    sent_rows = sentiment_rows(rules, exclude)
    print(
        f"finance rows: {sum(r.label for r in fin_rows)} finance, "
        f"{sum(1 - r.label for r in fin_rows)} not; sentiment rows: {len(sent_rows)}"
    )

    fin_dev, fin_p = dev_predictions(fin_rows, C_FINANCE)
    print("  finance threshold (dev fold):")
    t_fin = choose_finance_threshold(fin_dev, fin_p, rules, verbose=args.verbose)
    sent_dev, sent_p = dev_predictions(sent_rows, C_SENTIMENT, balanced=True)
    print("  side threshold (dev fold):")
    t_side, lean = choose_side_threshold(sent_dev, sent_p, rules, verbose=args.verbose)
    thresholds = Thresholds(finance=t_fin, side=t_side, lean=lean)
    print(f"  thresholds: finance {t_fin:.2f}, side {t_side:.2f}, lean {lean:.2f}")

    fin_w, fin_b = weights(fit(fin_rows, C_FINANCE), binary=True)
    sent_w, sent_b = weights(fit(sent_rows, C_SENTIMENT, balanced=True), binary=False)
    model = Model(fin_w, float(fin_b[0]), sent_w, [float(b) for b in sent_b], thresholds)
    figures = held_back_figures(build_classifier(taxonomy, model=model))
    elapsed = time.perf_counter() - start
    print(f"held-back figures (rules and model together), trained in {elapsed:.0f} s:")
    for name, value in figures.items():
        print(f"  {name:<28} {value:.3f}")
    meta = {
        "feature_version": features.VERSION,
        "bits": features.BITS,
        "thresholds": {"finance": t_fin, "side": t_side, "lean": lean},
        "figures": {k: round(v, 4) for k, v in figures.items()},
        "rows": {"finance": len(fin_rows), "sentiment": len(sent_rows)},
    }
    write_model(
        args.out,
        {
            "finance": fin_w,
            "finance_bias": fin_b,
            "sentiment": sent_w,
            "sentiment_bias": sent_b,
        },
        meta,
    )
    print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
