"""What every platform module provides, and the HTTP answers they read alike.

A platform is three pure functions (no socket, no clock of its own, so each is a plain test):

- ``payload(digest, target)``: the JSON object it accepts, escaped for its dialect and cut to
  its documented size;
- ``request(target, payload, now)``: the HTTP request, signed at ``now`` where it signs (the
  delivery adapter calls it again for each try, so a retry never sends a stale signature);
- ``verdict(status, headers, body)``: sent, failed for good, or worth another try (and when).

``rate_limits`` are the platform's published send limits for one bot; the adapter keeps under
them rather than learning them from 429s (DingTalk, for one, stops a bot for ten minutes).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

from shared.models import utcnow

from ..digest import Digest

POST_LINK = "阅读全文"
"""The label of the link to the post."""
CLOUD_ALT = "词云图"
JSON = {"Content-Type": "application/json; charset=utf-8"}


@dataclass(frozen=True)
class Target:
    """One configured destination: its platform, endpoint and credentials."""

    name: str
    """The platform's name, which is also the target's (one target per platform)."""
    url: str = field(repr=False)
    """Where to POST; for most platforms it holds the bot's key, so it never shows."""
    secret: str | None = field(default=None, repr=False)
    images: bool = True
    chat_id: str | None = None


@dataclass(frozen=True)
class HttpRequest:
    """One POST, ready to send."""

    url: str = field(repr=False)
    body: bytes
    headers: Mapping[str, str]


@dataclass(frozen=True)
class Verdict:
    """What an answer means: ``ok``; else retry (after ``retry_after_s`` if the platform said)."""

    ok: bool
    retry: bool = False
    retry_after_s: float | None = None
    reason: str = ""


SENT = Verdict(ok=True)


class Platform(Protocol):
    """A chat platform's payload, request and answer (see the module doc)."""

    name: str
    rate_limits: tuple[tuple[int, float], ...]
    """At most ``count`` messages per ``seconds``, for each pair."""

    def payload(self, digest: Digest, target: Target) -> dict[str, Any]:
        """The JSON object this platform accepts for ``digest``."""
        ...

    def request(self, target: Target, payload: dict[str, Any], now: datetime) -> HttpRequest:
        """The POST carrying ``payload``, signed at ``now`` where the platform signs."""
        ...

    def verdict(self, status: int, headers: Mapping[str, str], body: bytes) -> Verdict:
        """What the answer means."""
        ...


def dumps(payload: dict[str, Any]) -> bytes:
    """Compact UTF-8 JSON (Chinese as is: the platforms count bytes)."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def retry_after(headers: Mapping[str, str]) -> float | None:
    """The ``Retry-After`` header in seconds (delta-seconds or an HTTP date), if usable."""
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - utcnow()).total_seconds())


def http_verdict(status: int, headers: Mapping[str, str], body: bytes) -> Verdict | None:
    """The verdict HTTP alone gives: 429, 408 and 5xx are retried (honouring Retry-After), any
    other non-2xx fails; None for a 2xx, whose body the platform reads."""
    if 200 <= status < 300:
        return None
    text = body[:300].decode("utf-8", "replace").strip()
    reason = f"HTTP {status}" + (f": {text}" if text else "")
    if status == 429 or status == 408 or status >= 500:
        return Verdict(ok=False, retry=True, retry_after_s=retry_after(headers), reason=reason)
    return Verdict(ok=False, reason=reason)


def json_body(body: bytes) -> dict[str, Any] | None:
    """The answer's JSON object, or None."""
    try:
        found = json.loads(body)
    except ValueError:
        return None
    return found if isinstance(found, dict) else None
