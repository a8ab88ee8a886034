"""DingTalk custom robot: a ``markdown`` message, signed ("加签") when a secret is set.

Documented at https://open.dingtalk.com/document/orgapp/custom-robot-access and the message types
at https://open.dingtalk.com/document/orgapp/custom-bot-send-message-type:

- ``POST`` JSON to ``https://oapi.dingtalk.com/robot/send?access_token=…``; ``markdown`` is
  ``{"msgtype": "markdown", "markdown": {"title", "text"}}`` (``title`` shows in the chat list);
- signing: ``timestamp`` (milliseconds, within an hour of DingTalk's clock) and ``sign`` =
  urlEncode(base64(HMAC-SHA256 with the secret as key over ``timestamp + "\\n" + secret``)),
  both as query parameters;
- a robot may send 20 messages a minute; beyond that it is stopped for 10 minutes;
- the answer is ``{"errcode": 0, "errmsg": "ok"}``; 310000 is a failed check (signature,
  timestamp, keyword or IP), 130101 sending too fast.

DingTalk's markdown subset documents no escape, so tweet text has its markup characters made
full-width (``text.fullwidth``); the only link and image are ours, their URLs percent-encoded.
It documents no size limit either: the digest is kept under 4,000 bytes, as WeCom requires.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote

from ..digest import Digest
from ..text import fit_bytes, fullwidth, link_target
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
    json_body,
)

MAX_TEXT_BYTES = 4000
TOO_FAST = 130101


def sign(secret: str, timestamp_ms: int) -> str:
    """The ``sign`` query value for ``timestamp_ms``, already URL-encoded, as DingTalk documents."""
    digest = hmac.new(
        secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return quote(base64.b64encode(digest).decode("ascii"), safe="")


def markdown(digest: Digest, *, images: bool, limit: int) -> str:
    """The digest in the markdown subset DingTalk and WeCom share, within ``limit`` bytes."""
    points = list(digest.points)
    while True:
        lines = [f"#### {fullwidth(digest.headline)}", "", f"> {fullwidth(digest.summary)}", ""]
        lines += [f"{n}. {fullwidth(t)}" for n, t in enumerate(points, 1)]
        if images and digest.image_url:
            lines += ["", f"![{CLOUD_ALT}]({link_target(digest.image_url)})"]
        if digest.url:
            lines += ["", f"[{POST_LINK}]({link_target(digest.url)})"]
        text = "\n".join(lines)
        if len(text.encode("utf-8")) <= limit or not points:
            return fit_bytes(text, limit)
        points.pop()


class DingTalk:
    """The DingTalk custom robot."""

    name: str = "dingtalk"
    rate_limits: tuple[tuple[int, float], ...] = ((20, 60.0),)

    def payload(self, digest: Digest, target: Target) -> dict[str, Any]:
        """A ``markdown`` message."""
        text = markdown(digest, images=target.images, limit=MAX_TEXT_BYTES)
        return {"msgtype": "markdown", "markdown": {"title": digest.headline, "text": text}}

    def request(self, target: Target, payload: dict[str, Any], now: datetime) -> HttpRequest:
        """The POST, with ``timestamp`` and ``sign`` added to the URL when signing."""
        url = target.url
        if target.secret:
            stamp = int(now.timestamp() * 1000)
            url += (
                f"{'&' if '?' in url else '?'}timestamp={stamp}&sign={sign(target.secret, stamp)}"
            )
        return HttpRequest(url=url, body=dumps(payload), headers=JSON)

    def verdict(self, status: int, headers: Mapping[str, str], body: bytes) -> Verdict:
        """``errcode`` 0 is sent; sending too fast is retried (after the 10-minute stop)."""
        found = http_verdict(status, headers, body)
        if found is not None:
            return found
        answer = json_body(body) or {}
        code = answer.get("errcode")
        if code == 0:
            return SENT
        reason = f"errcode {code}: {answer.get('errmsg', '')}"
        if code == TOO_FAST:
            return Verdict(ok=False, retry=True, retry_after_s=600.0, reason=reason)
        return Verdict(ok=False, reason=reason)
