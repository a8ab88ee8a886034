"""WeCom (企业微信) group robot: a ``markdown`` message.

Documented at https://developer.work.weixin.qq.com/document/path/91770:

- ``POST`` JSON to ``https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…``;
  ``{"msgtype": "markdown", "markdown": {"content": …}}``, ``content`` at most 4096 bytes of UTF-8;
- a robot may send 20 messages a minute;
- the answer is ``{"errcode": 0, "errmsg": "ok"}``; 45009 is the frequency limit (retried).

Its markdown subset (headings, bold, links, quotes, inline code, coloured text) has no images and
no documented escape: the cloud is left out and tweet text made full-width, as for DingTalk.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ..digest import Digest
from .base import JSON, SENT, HttpRequest, Target, Verdict, dumps, http_verdict, json_body
from .dingtalk import markdown

MAX_CONTENT_BYTES = 4096
RATE_LIMITED = 45009


class WeCom:
    """The WeCom group robot."""

    name: str = "wecom"
    rate_limits: tuple[tuple[int, float], ...] = ((20, 60.0),)

    def payload(self, digest: Digest, target: Target) -> dict[str, Any]:
        """A ``markdown`` message within 4096 bytes."""
        content = markdown(digest, images=False, limit=MAX_CONTENT_BYTES)
        return {"msgtype": "markdown", "markdown": {"content": content}}

    def request(self, target: Target, payload: dict[str, Any], now: datetime) -> HttpRequest:
        """The POST to the robot's URL (its key is in it)."""
        return HttpRequest(url=target.url, body=dumps(payload), headers=JSON)

    def verdict(self, status: int, headers: Mapping[str, str], body: bytes) -> Verdict:
        """``errcode`` 0 is sent; the frequency limit is retried."""
        found = http_verdict(status, headers, body)
        if found is not None:
            return found
        answer = json_body(body) or {}
        code = answer.get("errcode")
        if code == 0:
            return SENT
        reason = f"errcode {code}: {answer.get('errmsg', '')}"
        return Verdict(ok=False, retry=code == RATE_LIMITED, reason=reason)
