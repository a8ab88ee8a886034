"""Slack incoming webhook: a Block Kit message, with a plain ``text`` fallback.

Documented at https://api.slack.com/messaging/webhooks (the payload and its answers), the blocks
at https://api.slack.com/reference/block-kit/blocks, the escaping at
https://api.slack.com/reference/surfaces/formatting#escaping and the limit at
https://api.slack.com/apis/rate-limits (incoming webhooks: one message a second, short bursts):

- ``POST`` JSON ``{"text", "blocks"}`` to ``https://hooks.slack.com/services/…``; ``text`` is what
  notifications show;
- a ``header`` block's ``plain_text`` is at most 150 characters, a ``section``'s text 3000, an
  ``image`` block needs ``image_url`` and ``alt_text``;
- ``&``, ``<`` and ``>`` are control characters in every text object and must be sent as
  ``&amp;``, ``&lt;`` and ``&gt;`` unless they mean markup; links are ``<url|label>`` in ``mrkdwn``;
- the answer is ``200 ok``, or an error (``invalid_payload``, ``no_service``, …), and 429 with
  ``Retry-After`` when rate-limited.

Tweet text goes only into ``plain_text`` objects (with ``emoji`` off), so no ``*``, ``_`` or ``~``
in a title can format it, and is escaped besides; the one ``mrkdwn`` object holds our link alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ..digest import Digest
from ..text import cut
from .base import (
    CLOUD_ALT,
    JSON,
    POST_LINK,
    SENT,
    HttpRequest,
    Target,
    Verdict,
    dumps,
    http_verdict,
)

HEADER_CHARS = 150
SECTION_CHARS = 3000


def escape(value: str) -> str:
    """Slack's three control characters as entities."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _plain(value: str, limit: int) -> dict[str, Any]:
    # cut before escaping, so an entity is never split; escaping may lengthen a cut text, so the
    # cut leaves room for it
    text = cut(value, limit)
    while len(escape(text)) > limit:
        text = cut(text, len(text) - (len(escape(text)) - limit))
    return {"type": "plain_text", "text": escape(text), "emoji": False}


class Slack:
    """A Slack incoming webhook."""

    name: str = "slack"
    rate_limits: tuple[tuple[int, float], ...] = ((1, 1.0),)

    def payload(self, digest: Digest, target: Target) -> dict[str, Any]:
        """Header, points, cloud and link blocks, and the fallback text."""
        lines = [digest.summary, *(f"{n}. {t}" for n, t in enumerate(digest.points, 1))]
        blocks: list[dict[str, Any]] = [
            {"type": "header", "text": _plain(digest.headline, HEADER_CHARS)},
            {"type": "section", "text": _plain("\n".join(lines), SECTION_CHARS)},
        ]
        if target.images and digest.image_url:
            blocks.append({"type": "image", "image_url": digest.image_url, "alt_text": CLOUD_ALT})
        if digest.url:
            link = f"<{escape(digest.url).replace('|', '%7C')}|{POST_LINK}>"
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": link}})
        fallback = escape(cut(f"{digest.headline}: " + "；".join(digest.points), SECTION_CHARS))
        return {"text": fallback, "blocks": blocks}

    def request(self, target: Target, payload: dict[str, Any], now: datetime) -> HttpRequest:
        """The POST to the webhook URL."""
        return HttpRequest(url=target.url, body=dumps(payload), headers=JSON)

    def verdict(self, status: int, headers: Mapping[str, str], body: bytes) -> Verdict:
        """``200 ok`` is sent."""
        found = http_verdict(status, headers, body)
        if found is not None:
            return found
        text = body[:200].decode("utf-8", "replace").strip()
        return SENT if text == "ok" else Verdict(ok=False, reason=f"answer {text!r}")
