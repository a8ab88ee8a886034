"""The bounded memo the handlers keep of a text's answers, and the classifier's use of it."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from services.classify.bootstrap import build_classifier, bundled_model
from services.classify.taxonomy import load_taxonomy
from shared.memo import RecentMemo

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "tweets-2026-01-02.csv"


def test_a_memo_computes_a_held_key_once_and_lets_the_oldest_go() -> None:
    calls: list[str] = []
    memo: RecentMemo[str, str] = RecentMemo(2)

    def upper(key: str) -> str:
        calls.append(key)
        return key.upper()

    assert memo("a", lambda: upper("a")) == "A"
    assert memo("a", lambda: upper("a")) == "A"
    assert memo("b", lambda: upper("b")) == "B"
    assert calls == ["a", "b"]
    memo("c", lambda: upper("c"))  # "a" is the oldest: it goes
    assert len(memo) == 2
    memo("b", lambda: upper("b"))
    memo("a", lambda: upper("a"))
    assert calls == ["a", "b", "c", "a"]


def test_a_memo_of_no_room_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one"):
        RecentMemo(0)


def test_the_classifier_s_memo_gives_what_classifying_anew_gives() -> None:
    classifier = build_classifier(load_taxonomy(), model=bundled_model())
    with SAMPLE.open(encoding="utf-8", newline="") as f:
        texts = [row["text"] for row in csv.DictReader(f)]
    assert len(texts) > 400
    first = [classifier.classify(t) for t in texts]
    again = [classifier.classify(t) for t in texts]
    assert all(a is b for a, b in zip(first, again, strict=True))  # held, not worked out again
    assert first == [classifier._classify(t) for t in texts]
