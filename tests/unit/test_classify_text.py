"""Patterns of ``services/classify/text.py`` that have a fast path: it must find what the full
pattern finds."""

from __future__ import annotations

import hashlib
import re

import pytest

from services.classify.text import MONEY, NOISE, find_money, near_dup_key, strip_noise

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


def _key_by_pattern(lower: str, *, has_han: bool, raw: str) -> str:
    letters = re.sub(r"[\W\d_]+", "", lower)[: 32 if has_han else 64]
    basis = letters or "\x00" + " ".join(raw.split())
    return hashlib.blake2b(basis.encode("utf-8"), digest_size=8).hexdigest()


@pytest.mark.parametrize(
    "text",
    [
        "nvidia h200 shipments to china approved, 25% cut - a long tweet " * 3,
        "gpt-5 is out!!! 100% real_deal",
        "12345 678 !!!",
        "英伟达h200获批，字节跳动计划投入140亿美元",
        "café déjà vu, naïve résumé",
    ],
)
def test_near_dup_key_keeps_the_pattern_s_letters(text: str) -> None:
    has_han = bool(re.search("[\u4e00-\u9fff]", text))
    assert near_dup_key(text, has_han=has_han, raw=text) == _key_by_pattern(
        text, has_han=has_han, raw=text
    )
