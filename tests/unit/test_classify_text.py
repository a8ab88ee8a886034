"""Patterns of ``services/classify/text.py`` that have a fast path: it must find what the full
pattern finds."""

from __future__ import annotations

import pytest

from services.classify.text import MONEY, NOISE, find_money, strip_noise

TEXTS = [
    "US$5 and HK$ 3bn, usd 4m, $14B, A$2, S$9, cny 5 and NT$10,000",
    "raised $14B for H200s, then $2 billion more",
    "C$ 5 k and RMB 30 million",
    "USD 12.5bn deal; EUR 3m fine",
    "投入$5亿，另有2000亿元和三千亿美元",
    "x$5 is no amount, nor is $NVDA",
    "€5M, ¥300, £12 and ₩1,000,000",
    "uſ$5 (a long s folds to s)",
    "\u212a$5 (the Kelvin sign folds to k)",
    "no money here at all",
    "5 dollars, 3 euros and 7 yen",
]


@pytest.mark.parametrize("text", TEXTS)
def test_find_money_finds_what_the_full_pattern_finds(text: str) -> None:
    full = list(dict.fromkeys(m.strip() for m in MONEY.findall(text)))
    assert find_money(text, text.lower()) == full


def test_find_money_reads_prefixed_amounts() -> None:
    text = "US$5 and HK$ 3bn, usd 4m, $14B"
    assert find_money(text, text.lower()) == ["US$5", "HK$ 3bn", "usd 4m", "$14B"]


NOISY = [
    "RT @user: look at https://t.co/abc and www.example.com",
    "  RT: @a_b https://x.com/y the point",
    "RTX 5090 is out, see http://x.co/1 via @someone",
    "Read more https:/… and t.co/xyz",
    "@一个好友 说 https://t.co/q 很好 @en_handle",
    "no links or handles here at all",
    "the word art, tRT, what's at t.co/ here",
]


@pytest.mark.parametrize("text", NOISY)
def test_strip_noise_removes_what_the_full_pattern_removes(text: str) -> None:
    assert strip_noise(text)[0] == NOISE.sub(" ", text.replace("’", "'"))
