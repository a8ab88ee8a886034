"""Our generic JSON webhook, for anything else (an RSS bridge, a mail relay, your own bot).

The body is one JSON object, schema version 1 (the README's "Notify" section documents it)::

    {"schema_version": 1, "event": "post.digest", "window_id", "title", "headline",
     "description", "core_points": [...], "url", "image_url", "tweets", "rendered_at",
     "content_hash"}

With a secret, ``X-Tweetpulse-Timestamp`` is the Unix time in seconds and
``X-Tweetpulse-Signature`` is ``sha256=`` + hex(HMAC-SHA256(secret, timestamp + "." + body)),
so a receiver can check the body and refuse replays (the GitHub and Stripe way). Any 2xx is
success; 408, 429 and 5xx are retried, honouring ``Retry-After``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ..digest import Digest
from .base import JSON, SENT, HttpRequest, Target, Verdict, dumps, http_verdict

SCHEMA_VERSION = 1
EVENT = "post.digest"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-Tweetpulse-Signature`` value."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


class Webhook:
    """A generic JSON webhook."""

    name: str = "webhook"
    rate_limits: tuple[tuple[int, float], ...] = ((60, 60.0),)

    def payload(self, digest: Digest, target: Target) -> dict[str, Any]:
        """The documented JSON object."""
        return {
            "schema_version": SCHEMA_VERSION,
            "event": EVENT,
            "window_id": digest.window_id,
            "title": digest.title,
            "headline": digest.headline,
            "description": digest.description,
            "core_points": list(digest.points),
            "url": digest.url,
            "image_url": digest.image_url if target.images else None,
            "tweets": digest.tweets,
            "rendered_at": digest.rendered_at.isoformat(),
            "content_hash": digest.content_hash,
        }

    def request(self, target: Target, payload: dict[str, Any], now: datetime) -> HttpRequest:
        """The POST, signed when the target has a secret."""
        body = dumps(payload)
        headers = {**JSON, "X-Tweetpulse-Event": EVENT}
        if target.secret:
            stamp = int(now.timestamp())
            headers["X-Tweetpulse-Timestamp"] = str(stamp)
            headers["X-Tweetpulse-Signature"] = signature(target.secret, stamp, body)
        return HttpRequest(url=target.url, body=body, headers=headers)

    def verdict(self, status: int, headers: Mapping[str, str], body: bytes) -> Verdict:
        """Any 2xx is sent."""
        return http_verdict(status, headers, body) or SENT
