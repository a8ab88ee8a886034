"""An author known only by id is named without a bogus @, in the contract's helper and in posts."""

from __future__ import annotations

from datetime import UTC, datetime

from services.render.post import _quote, _sources
from shared.models import AUTHOR_ID_PREFIX, UNKNOWN_AUTHOR, TweetRef, author_label


def _ref(author: str, url: str | None, engagement: float = 3.0) -> TweetRef:
    return TweetRef(
        tweet_id="2006893200798646272", author=author, text="Open weights are out.",
        url=url, engagement=engagement, created_at=datetime(2026, 1, 2, tzinfo=UTC),
    )  # fmt: skip


def test_author_labels() -> None:
    assert author_label("lab_notes") == "@lab_notes"
    assert author_label(AUTHOR_ID_PREFIX + "3001") == "用户 3001"
    assert author_label(UNKNOWN_AUTHOR) == "未署名用户"


def test_a_post_links_an_author_known_by_id_without_an_at_sign() -> None:
    url = "https://x.com/i/status/2006893200798646272"
    line = _sources([_ref("id:3001", url), _ref("lab_notes", "https://x.com/lab_notes/status/1")])
    assert "[用户 3001](https://x.com/i/status/2006893200798646272)" in line
    assert "[@lab&#95;notes]" in line  # markdown-escaped
    assert "经 @i" not in line, "x.com/i/status is not a retweet by @i"
    assert "（用户 3001，互动 3）" in _quote([_ref("id:3001", url)], body="")
