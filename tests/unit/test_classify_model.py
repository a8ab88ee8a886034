"""The shipped model: it loads safely, agrees with the reference featurizer, and scores as noted."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from services.classify import features, labelled
from services.classify.bootstrap import build_classifier, bundled_model
from services.classify.classifier import Classifier
from services.classify.model import (
    BUNDLED_MODEL,
    SENTIMENTS,
    Model,
    Thresholds,
    load_model,
    side_of,
    write_model,
)
from services.classify.taxonomy import load_taxonomy
from shared.errors import ConfigError

# The held-back figures services/classify/MODEL.md reports for the shipped weights; the test
# allows a small margin below them (a retrain on the same data gives the same file exactly).
NOTED = {
    "valid_finance_recall": 0.862,
    "valid_sentiment_accuracy": 0.776,
    "valid_sentiment_macro_f1": 0.734,
    "valid_side_accuracy": 0.786,
    "held_news_finance_recall": 0.852,
    "held_news_side_accuracy": 0.753,
    "topics_finance_recall": 0.908,
    "news_finance_precision": 0.995,
    "retail_finance_recall": 0.980,
    "retail_side_accuracy": 0.798,
}
NOTED_MAX = {"negatives_finance_rate": 0.033}
MARGIN = 0.01

TEXTS = [
    "A price cap on Russian oil is set to take effect",
    "$TSLA 🚀🚀 buying more calls, up +12% premarket",
    "Home sales fell sharply in May",
    "x",
    "Fed officials see two rate cuts in 2026 as inflation cools -0.3%",
]


@pytest.fixture(scope="module")
def model() -> Model:
    return bundled_model()


@pytest.fixture(scope="module")
def rules() -> Classifier:
    return build_classifier(load_taxonomy(), model=None)


def test_shipped_weights_load_without_pickle(model: Model) -> None:
    assert BUNDLED_MODEL.is_file()
    with np.load(BUNDLED_MODEL, allow_pickle=False) as data:
        assert set(data.files) == {"finance", "finance_bias", "sentiment", "sentiment_bias", "meta"}
        assert all(data[k].dtype != object for k in data.files)
    assert model.meta["feature_version"] == features.VERSION
    assert 0.5 <= model.thresholds.finance < 1
    assert 0 < model.thresholds.side < 1


def test_runtime_scores_equal_the_reference_featurizer(model: Model, rules: Classifier) -> None:
    with np.load(BUNDLED_MODEL, allow_pickle=False) as data:
        fin, fin_b = data["finance"].astype(np.float64), float(data["finance_bias"][0])
        sent, sent_b = data["sentiment"].astype(np.float64), data["sentiment_bias"]
    for text in TEXTS:
        mi = rules.model_input(text)
        assert mi is not None
        ids = features.feature_ids(mi.words, mi.marks)
        x = np.zeros(features.DIM)
        np.add.at(x, ids, 1 / math.sqrt(len(ids)))
        expected_fin = 1 / (1 + math.exp(-(fin_b + x @ fin)))
        z = sent_b + sent @ x
        expected_sent = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
        # twice: the second call is served from the per-word cache
        for _ in range(2):
            assert model.finance(mi.words, mi.marks) == pytest.approx(expected_fin, abs=1e-5)
            assert model.sentiment(mi.words, mi.marks) == pytest.approx(
                tuple(expected_sent), abs=1e-5
            )


def test_chinese_text_is_left_to_the_rules(rules: Classifier) -> None:
    assert rules.model_input("雷军增持小米260万股") is None


def _arrays(scale: float) -> dict[str, np.ndarray]:
    return {
        "finance": np.full(features.DIM, scale, dtype=np.float32),
        "finance_bias": np.array([0.5], dtype=np.float32),
        "sentiment": np.zeros((len(SENTIMENTS), features.DIM), dtype=np.float32),
        "sentiment_bias": np.zeros(3, dtype=np.float32),
    }


def _meta(version: int = features.VERSION) -> dict[str, object]:
    return {
        "feature_version": version,
        "bits": features.BITS,
        "thresholds": {"finance": 0.9, "side": 0.4},
    }


def test_a_weights_file_is_the_same_bytes_for_the_same_weights(tmp_path: Path) -> None:
    write_model(tmp_path / "a.npz", _arrays(0.25), _meta())
    write_model(tmp_path / "b.npz", _arrays(0.25), _meta())
    write_model(tmp_path / "c.npz", _arrays(0.5), _meta())
    a, b, c = ((tmp_path / n).read_bytes() for n in ("a.npz", "b.npz", "c.npz"))
    assert a == b != c
    loaded = load_model(tmp_path / "a.npz")
    n = len(features.word_ids("oil"))  # its unigram and character n-grams, each weighing 0.25
    assert loaded.finance(["oil"], []) == pytest.approx(
        1 / (1 + math.exp(-(0.5 + 0.25 * n / math.sqrt(n)))), abs=1e-6
    )


def test_weights_for_other_features_or_with_objects_are_refused(tmp_path: Path) -> None:
    write_model(tmp_path / "old.npz", _arrays(0.1), _meta(version=features.VERSION + 1))
    with pytest.raises(ConfigError, match="retrain"):
        load_model(tmp_path / "old.npz")
    pickled = tmp_path / "pickled.npz"
    meta = np.array(json.dumps(_meta()))
    np.savez(pickled, finance=np.array([{"x": 1}], dtype=object), meta=meta)
    with pytest.raises(ConfigError, match="cannot load"):
        load_model(pickled)
    with pytest.raises(ConfigError, match="cannot load"):
        load_model(tmp_path / "missing.npz")


@pytest.mark.skipif(not labelled.LABELLED.is_dir(), reason=f"{labelled.LABELLED} is absent")
def test_held_back_figures_are_at_least_the_noted_ones(model: Model) -> None:
    from services.classify.train import held_back_figures

    figures = held_back_figures(build_classifier(load_taxonomy(), model=model))
    low = {k: round(v, 3) for k, v in figures.items() if k in NOTED and v < NOTED[k] - MARGIN}
    high = {
        k: round(v, 3) for k, v in figures.items() if k in NOTED_MAX and v > NOTED_MAX[k] + MARGIN
    }
    assert not low and not high, (low, high)
    # and the weights file carries the same figures (it was written by the same training)
    assert model.meta["figures"]["valid_finance_recall"] == pytest.approx(
        figures["valid_finance_recall"], abs=1e-3
    )


def test_the_rules_side_leans_the_models_by_the_trained_amount() -> None:
    th = Thresholds(finance=0.9, side=0.34, lean=0.5)
    # the model alone: a side only at the threshold, and only over the other side
    assert side_of(0.30, 0.10, 0, th, rules_decide=False) == "neutral"
    assert side_of(0.40, 0.10, 0, th, rules_decide=False) == "bullish"
    # the rules' side adds the lean: it can lift a side over the threshold or over the other
    assert side_of(0.30, 0.10, 1, th, rules_decide=False) == "bullish"
    assert side_of(0.40, 0.60, 1, th, rules_decide=False) == "bullish"
    assert side_of(0.20, 0.75, 1, th, rules_decide=False) == "bearish"  # a sure model wins
    assert side_of(0.10, 0.20, -1, th, rules_decide=False) == "bearish"
    # where the rules decide alone, their count is the answer, whatever the model says
    assert side_of(0.05, 0.90, 2, th, rules_decide=True) == "bullish"
    assert side_of(0.90, 0.05, 0, th, rules_decide=True) == "neutral"
    # a file written before the lean existed lets the rules decide wherever they speak
    old = Thresholds(finance=0.9, side=0.42)
    assert side_of(0.05, 0.90, 1, old, rules_decide=False) == "bullish"


def test_a_negated_lexicon_hit_is_the_rules_to_decide(model: Model) -> None:
    classifier = build_classifier(load_taxonomy(), model=model)
    # the bag of words reads "falling" as bearish; the rules read the negation
    text = "$TSLA is not falling anymore"
    mi = classifier.model_input(text)
    assert mi is not None
    bull, bear, _ = model.sentiment(mi.words, mi.marks)
    assert bear > bull + model.thresholds.lean  # the model alone would say bearish
    assert classifier.classify(text).sentiment == "bullish"
    assert classifier.rule_side(text) == (1, True)


def test_company_news_opens_a_text_to_the_model(rules: Classifier) -> None:
    # "names ... directors" is company news: the model decides it
    assert rules.model_decides_finance("First Reserve names two new managing directors")
    # chatter with no cue is not the model's to decide: it would read as a headline
    assert not rules.model_decides_finance("Made dumplings from scratch for the first time")


def test_an_emphatic_never_flips_nothing(rules: Classifier) -> None:
    # "never been this bullish" is emphasis; "never bullish" and "not bullish" are negations
    assert rules.rule_side("Hedge Funds Have Never Been This Bullish On Fastly, Inc. (FSLY)") == (
        1,
        False,
    )
    assert rules.rule_side("$TSLA I have never been more bearish") == (-1, False)
    assert rules.rule_side("$TSLA never bullish on this one") == (-1, True)
    assert rules.rule_side("$TSLA is not bullish") == (-1, True)


def test_a_negator_negates_the_first_sentiment_word_after_it(rules: Classifier) -> None:
    # "won't" negates "hinder"; "growth" after it is growth (the labelled file says bullish)
    assert rules.rule_side("$PYPL - Coronavirus Won't Hinder PayPal's Growth.") == (2, True)
    assert rules.classify("$PYPL - Coronavirus Won't Hinder PayPal's Growth.").sentiment == (
        "bullish"
    )
    # with no sentiment word between them, the negator still reaches its word
    assert rules.rule_side("$TSLA did not surge today") == (-1, True)
    # a second negator negates the word after it
    assert rules.rule_side("$TSLA did not fall and did not rise") == (0, True)


def test_headline_wording_takes_a_side(rules: Classifier) -> None:
    assert rules.rule_side("Mesa Air price target raised to $30 at Cowen")[0] > 0
    assert rules.rule_side("Ford downgraded to underweight at Morgan Stanley")[0] < 0
    assert rules.rule_side("Retail sales rise in November, below forecast")[0] == 0  # rise, below


def test_a_sentiment_word_opens_a_text_to_the_model(rules: Classifier) -> None:
    # no market or news cue, but "outperform" is market talk: the model decides it
    assert rules.model_decides_finance("Mesa Air reiterated as outperform at Cowen")
    assert not rules.model_decides_finance("Made dumplings from scratch for the whole family")
