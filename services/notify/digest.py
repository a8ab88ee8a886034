"""A digest: what one notification says, from a PostRendered, before any platform's markup.

The window (its title line and tweet count), the top core points' titles, the post's link and the
cloud. Its :attr:`Digest.content_hash` is what the ledger keys a push by: it covers what the
digest shows that can change between two renders of a window (the title line and the points'
titles, in order), so a refresh that only moved figures inside the points' bodies, or a
redelivery, is recognised as the same notification and never pushed again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from shared.models import PostRendered

from .text import cut, plain

POINT_CHARS = 60
"""A core point's title in a digest is cut to this."""
DESCRIPTION_CHARS = 200


@dataclass(frozen=True)
class Digest:
    """What a notification says, as plain text (each platform escapes it)."""

    window_id: str
    title: str
    """The post's title, ``twitter_ai_YYYYMMDD_YYYYMMDD``."""
    headline: str
    """The post's title line."""
    description: str
    points: tuple[str, ...]
    url: str | None
    image_url: str | None
    tweets: int
    rendered_at: datetime
    content_hash: str

    @property
    def summary(self) -> str:
        """The window and its tweet count, one line."""
        return f"窗口 {self.window_id} · 推文 {self.tweets:,} 条"


def digest_of(msg: PostRendered, *, top: int) -> Digest:
    """The digest of ``msg`` with its first ``top`` core points."""
    headline = plain(msg.headline) or f"Twitter Ai 报告 ({msg.window_id})"
    points = tuple(cut(t, POINT_CHARS) for t in map(plain, msg.core_points[:top]) if t)
    shown = json.dumps([msg.window_id, headline, points], ensure_ascii=False)
    return Digest(
        window_id=msg.window_id,
        title=msg.title,
        headline=headline,
        description=cut(plain(msg.description), DESCRIPTION_CHARS),
        points=points,
        url=_http(msg.url),
        image_url=_http(msg.image_url),
        tweets=msg.tweets,
        rendered_at=msg.rendered_at,
        content_hash=hashlib.sha256(shown.encode("utf-8")).hexdigest()[:32],
    )


def _http(url: str | None) -> str | None:
    """Only absolute http(s) links reach a reader (render builds them from its settings)."""
    url = plain(url)
    return url if url.lower().startswith(("https://", "http://")) and " " not in url else None
