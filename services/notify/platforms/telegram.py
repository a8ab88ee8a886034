"""Telegram Bot API ``sendMessage``, in ``parse_mode`` HTML; the cloud as the link preview.

Documented at https://core.telegram.org/bots/api#sendmessage, the formatting at
https://core.telegram.org/bots/api#formatting-options and the limits at
https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this:

- ``POST https://api.telegram.org/bot<token>/sendMessage`` with JSON ``chat_id``, ``text``,
  ``parse_mode`` and ``link_preview_options`` (``url``, ``prefer_large_media``, ``is_disabled``);
- ``text`` is 1-4096 characters after entities parsing;
- HTML style: only the documented tags; every ``<``, ``>`` and ``&`` that is not part of a tag or
  an entity must be ``&lt;``, ``&gt;``, ``&amp;`` (and ``&quot;`` inside an attribute). HTML needs
  three escapes where MarkdownV2 needs eighteen, which is why it is the dialect used here;
- no more than about one message a second to a chat and 20 a minute to a group;
- the answer is ``{"ok": true, "result": …}`` or ``{"ok": false, "error_code", "description",
  "parameters": {"retry_after": s}}``; a 429 carries ``parameters.retry_after``.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ..digest import Digest
from ..text import utf16_len
from .base import (
    JSON,
    POST_LINK,
    SENT,
    HttpRequest,
    Target,
    Verdict,
    dumps,
    http_verdict,
    json_body,
)

MAX_TEXT = 4096


def _text(digest: Digest, points: list[str]) -> tuple[str, int]:
    """The HTML text and its length once parsed (what Telegram counts)."""
    lines = [
        f"<b>{html.escape(digest.headline, quote=False)}</b>",
        html.escape(digest.summary, quote=False),
        "",
    ]
    shown = [digest.headline, digest.summary, ""]
    for n, title in enumerate(points, 1):
        lines.append(f"{n}. {html.escape(title, quote=False)}")
        shown.append(f"{n}. {title}")
    if digest.url:
        lines += ["", f'<a href="{html.escape(digest.url, quote=True)}">{POST_LINK}</a>']
        shown += ["", POST_LINK]
    return "\n".join(lines), utf16_len("\n".join(shown))


class Telegram:
    """A Telegram bot posting to one chat."""

    name: str = "telegram"
    rate_limits: tuple[tuple[int, float], ...] = ((1, 1.0), (20, 60.0))

    def payload(self, digest: Digest, target: Target) -> dict[str, Any]:
        """``sendMessage`` parameters: the HTML text, and the cloud as a large link preview."""
        points = list(digest.points)
        text, length = _text(digest, points)
        while length > MAX_TEXT and points:
            points.pop()
            text, length = _text(digest, points)
        preview: dict[str, Any]
        if target.images and (digest.image_url or digest.url):
            preview = {"url": digest.image_url or digest.url, "prefer_large_media": True}
        else:
            preview = {"is_disabled": True}
        return {
            "chat_id": target.chat_id,
            "text": text,
            "parse_mode": "HTML",
            "link_preview_options": preview,
        }

    def request(self, target: Target, payload: dict[str, Any], now: datetime) -> HttpRequest:
        """The POST to ``…/bot<token>/sendMessage`` (the target's URL)."""
        return HttpRequest(url=target.url, body=dumps(payload), headers=JSON)

    def verdict(self, status: int, headers: Mapping[str, str], body: bytes) -> Verdict:
        """``ok`` is sent; a 429's ``retry_after`` (body, else header) is honoured."""
        answer = json_body(body) or {}
        if 200 <= status < 300 and answer.get("ok") is True:
            return SENT
        found = http_verdict(status, headers, body)
        described = f"{answer.get('error_code', status)}: {answer.get('description', '')}"
        if found is None:
            return Verdict(ok=False, reason=f"not ok: {described}")
        parameters = answer.get("parameters")
        after = parameters.get("retry_after") if isinstance(parameters, dict) else None
        if isinstance(after, int | float):
            found = Verdict(ok=False, retry=True, retry_after_s=float(after), reason=described)
        elif answer:
            found = Verdict(
                ok=False, retry=found.retry, retry_after_s=found.retry_after_s, reason=described
            )
        return found
