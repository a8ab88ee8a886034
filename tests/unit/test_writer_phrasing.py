"""Quotes are whole or cut at a sentence's end, never inside a word (issue 9)."""

from __future__ import annotations

import pytest

from services.summarize.writers.phrasing import _Q_CLOSE, _Q_OPEN, finish


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
