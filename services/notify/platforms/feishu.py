"""Feishu (and Lark) custom bot: a ``post`` (rich text) message, signed when a secret is set.

Documented at https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot (Lark:
https://open.larksuite.com/document/client-docs/bot-v3/add-custom-bot, the same API on another
host):

- ``POST`` JSON to the webhook URL ``…/open-apis/bot/v2/hook/<token>``; a ``post`` message is
  ``{"msg_type": "post", "content": {"post": {"zh_cn": {"title", "content": [[element, …], …]}}}}``
  where each inner list is a line of ``text`` / ``a`` elements;
- signature check ("签名校验"): the body also carries ``timestamp`` (seconds, as a string, within an
  hour of Feishu's clock) and ``sign`` = base64(HMAC-SHA256 with key ``timestamp + "\\n" + secret``
  over an empty message);
- the request body may not exceed 20 KB; a custom bot may send 100 messages a minute and 5 a
  second;
- the answer is ``{"code": 0, "msg": "success", …}`` (older deployments: ``StatusCode``); 19021
  is a bad signature or timestamp, 11232 the frequency limit (retried).

A ``text`` element shows its text literally (markup is only what ``tag`` says), so a tweet's
characters need no escaping here. A custom bot can show only images uploaded through the app API
(``image_key``), not a URL, so the cloud is left out.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ..digest import Digest
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

MAX_BODY = 20 * 1024
RATE_LIMITED = 11232


def sign(secret: str, timestamp: int) -> str:
    """The ``sign`` field for ``timestamp`` (seconds), as Feishu documents it."""
    key = f"{timestamp}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode("ascii")


class Feishu:
    """The Feishu/Lark custom bot."""

    name: str = "feishu"
    rate_limits: tuple[tuple[int, float], ...] = ((5, 1.0), (100, 60.0))

    def payload(self, digest: Digest, target: Target) -> dict[str, Any]:
        """A ``post`` message: the title line, the window, the points, the link."""
        points = list(digest.points)
        while True:
            lines: list[list[dict[str, Any]]] = [[{"tag": "text", "text": digest.summary}]]
            lines += [[{"tag": "text", "text": f"{n}. {t}"}] for n, t in enumerate(points, 1)]
            if digest.url:
                lines.append([{"tag": "a", "text": POST_LINK, "href": digest.url}])
            post = {"zh_cn": {"title": digest.headline, "content": lines}}
            payload: dict[str, Any] = {"msg_type": "post", "content": {"post": post}}
            # room for the signature fields the request adds
            if len(dumps(payload)) + 120 <= MAX_BODY or not points:
                return payload
            points.pop()

    def request(self, target: Target, payload: dict[str, Any], now: datetime) -> HttpRequest:
        """The POST, with ``timestamp`` and ``sign`` in the body when the bot has a secret."""
        body = dict(payload)
        if target.secret:
            stamp = int(now.timestamp())
            body.update(timestamp=str(stamp), sign=sign(target.secret, stamp))
        return HttpRequest(url=target.url, body=dumps(body), headers=JSON)

    def verdict(self, status: int, headers: Mapping[str, str], body: bytes) -> Verdict:
        """``code`` 0 is sent; the frequency limit is retried; anything else fails."""
        found = http_verdict(status, headers, body)
        if found is not None:
            return found
        answer = json_body(body) or {}
        code = answer.get("code", answer.get("StatusCode"))
        if code == 0:
            return SENT
        reason = f"code {code}: {answer.get('msg', answer.get('StatusMessage', ''))}"
        return Verdict(ok=False, retry=code == RATE_LIMITED, reason=reason)
