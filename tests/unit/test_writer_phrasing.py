"""Quotes are whole or cut at a sentence's end, never inside a word (issue 9)."""

from __future__ import annotations

import re

import pytest

from services.summarize.writers.phrasing import _Q_CLOSE, _Q_OPEN, excerpt, finish

_LATIN_END = re.compile(r"[A-Za-z0-9]…$")


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("Short tweet.", 200, "Short tweet."),
        ("One sentence here. Another one is long enough to be cut off.", 30, "One sentence here."),
        (
            "斯坦福研究提出语义崩溃。知识库规模超过临界点后检索失效。",
            20,
            "斯坦福研究提出语义崩溃。",
        ),
        ("Wild stat that keeps on going without any end at all", 20, "Wild stat that…"),
        ("Supercalifragilisticexpialidocious is long", 10, "Supercalifragilisticexpialidocious…"),
        ("Version 3.5 beats 3.4 by a lot and then some more", 14, "Version 3.5…"),
    ],
)
def test_excerpt_cuts_at_a_sentence_or_between_words(text: str, limit: int, expected: str) -> None:
    assert excerpt(text, limit) == expected


def test_a_cut_never_splits_a_latin_word() -> None:
    text = "The 4 best performing S&P 500 stocks of 2025 were all memory/storage makers " * 4
    for limit in range(10, len(text), 7):
        cut = excerpt(text, limit)
        if cut.endswith("…"):
            head = cut[:-1]
            assert text.startswith(head)
            following = text[len(head)]
            assert not (head[-1].isalnum() and following.isalnum()), cut


@pytest.mark.parametrize(
    ("quoted", "expected"),
    [
        ("存储才是主角。", "@a 写道：“存储才是主角。”此事有 3 条推文。"),
        ("That's a big gap.", "@a 写道：“That's a big gap.”此事有 3 条推文。"),
        ("真的吗？", "@a 写道：“真的吗？”此事有 3 条推文。"),
        ("Bookmark this 🔖", "@a 写道：“Bookmark this 🔖”。此事有 3 条推文。"),
        ("没有句号", "@a 写道：“没有句号”。此事有 3 条推文。"),
    ],
)
def test_a_quote_that_ends_its_sentence_gets_no_second_full_stop(
    quoted: str, expected: str
) -> None:
    assert finish(f"@a写道：{_Q_OPEN}{quoted}{_Q_CLOSE}。此事有 3 条推文。") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # X cut the post inside a word: the quote ends at the last whole sentence.
        (
            "ChatGPT-4 is insanely powerful. But most people don't know how to use it. Insid…",
            "ChatGPT-4 is insanely powerful. But most people don't know how to use it.",
        ),
        # No sentence to end at: whole words, and the mark says it is cut.
        (
            "Чтобы соответствовать ChatGPT, Google продолжает совершенствовать Bard полон решимо…",
            "Чтобы соответствовать ChatGPT, Google продолжает совершенствовать Bard полон…",
        ),
        ("发布会上宣布的新模型在多个基准上超过了…", "发布会上宣布的新模型在多个基准上超过了…"),
        ("今天发布了新模型。细节还要等官方博客…", "今天发布了新模型。"),
        # Cut at a sentence's end: nothing to drop.
        ("The model is out. The weights are too.…", "The model is out. The weights are too."),
    ],
)
def test_a_text_its_source_cut_is_quoted_to_its_last_whole_sentence_or_word(
    text: str, expected: str
) -> None:
    from services.summarize.writers.phrasing import uncut

    assert uncut(text) == expected


def test_only_a_document_marked_truncated_is_uncut() -> None:
    from datetime import UTC, datetime

    from services.summarize.doc import TweetDoc, decode_doc
    from services.summarize.writers.phrasing import quote
    from shared.models import TweetRef

    text = "A long thread on evals. The first point is that nobody reads the fine print of benc…"
    ref = TweetRef(tweet_id="1", author="a", text=text, created_at=datetime(2026, 1, 2, tzinfo=UTC))
    assert quote(TweetDoc(ref=ref, truncated=True)) == f"{_Q_OPEN}A long thread on evals.{_Q_CLOSE}"
    # An untruncated tweet that ends in an ellipsis is the author's own: quoted as written.
    assert quote(TweetDoc(ref=ref)) == f"{_Q_OPEN}{text}{_Q_CLOSE}"
    raw = '{"i":"1","a":"a","t":"x","c":"2026-01-02T00:00:00+00:00","x":1}'
    assert decode_doc(raw).truncated and not decode_doc(raw.replace(',"x":1', "")).truncated


def test_a_tweet_that_is_one_quoted_passage_is_quoted_without_its_own_marks() -> None:
    from services.summarize.writers.phrasing import unwrapped

    assert unwrapped('"很高興地宣布：新課程現已免費提供！"') == "很高興地宣布：新課程現已免費提供！"
    assert unwrapped("“语义崩溃”这个词起得很准") == "“语义崩溃”这个词起得很准"
    assert unwrapped('"a" and "b"') == '"a" and "b"'
