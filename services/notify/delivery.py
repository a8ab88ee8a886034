"""Delivery: the port notify's handler sends through, and its HTTP adapter.

:class:`Deliver` is the port: a batch of pushes in, one :class:`Result` per push out; it never
raises for a platform's failure. :class:`HttpDeliver` is the real adapter (httpx):

- each target's pushes go out one at a time, different targets' in parallel, so a target that
  is down or slow delays only itself;
- before each push, a per-target :class:`RateLimiter` waits until the platform's published
  limits (``Platform.rate_limits``) allow it;
- a 408, a 429, a 5xx, a platform's own "too fast" answer or a network error is tried again, up
  to ``max_attempts``, after ``retry_base_s`` doubling per try, or exactly the ``Retry-After`` /
  ``retry_after`` the platform asked for; a wait longer than ``retry_max_s`` ends the tries (the
  push fails, and the handler dead-letters it) rather than hold the consumer;
- every try is signed afresh (``Platform.request`` at the time of the try);
- a failure's reason never holds the target's URL or secrets (the URL carries the bot's key).

Tests pass a recording fake for the port, or this adapter with a fake ``sleep`` and clock.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import httpx

from shared.models import utcnow
from shared.settings import NotifySettings

from .platforms import Platform, Target, Verdict

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Push:
    """One notification for one target: the platform's payload, before signing."""

    target: Target
    platform: Platform
    payload: dict[str, Any] = field(repr=False)
    window_id: str = ""


@dataclass(frozen=True)
class Result:
    """How one push ended."""

    target: str
    ok: bool
    attempts: int
    reason: str = ""


class Deliver(Protocol):
    """Sends pushes; one Result per push, in order."""

    def __call__(self, pushes: Sequence[Push]) -> list[Result]:
        """Send every push (see the module doc)."""
        ...


class RateLimiter:
    """Waits before a send until every ``(count, seconds)`` window has room (sliding windows)."""

    def __init__(
        self,
        limits: Sequence[tuple[int, float]],
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._limits = tuple(limits)
        self._clock = clock
        self._sleep = sleep
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Wait for room, then count a send; the seconds waited."""
        waited = 0.0
        with self._lock:
            while True:
                now = self._clock()
                wait = 0.0
                for count, seconds in self._limits:
                    recent = [t for t in self._sent if t > now - seconds]
                    if len(recent) >= count:
                        wait = max(wait, recent[-count] + seconds - now)
                if wait <= 0:
                    self._sent.append(now)
                    longest = max((s for _, s in self._limits), default=0.0)
                    while self._sent and self._sent[0] <= now - longest:
                        self._sent.popleft()
                    return waited
                self._sleep(wait)
                waited += wait


class HttpDeliver:
    """Delivers over HTTP with retries, backoff and per-target rate limits (module doc)."""

    def __init__(
        self,
        settings: NotifySettings,
        *,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self._settings = settings
        # no redirects: a webhook that moved is a misconfiguration to fix, not to follow with
        # the bot's key; proxies come from the environment, as for every other client here
        self._client = client or httpx.Client(timeout=settings.timeout_s, follow_redirects=False)
        self._sleep = sleep
        self._clock = clock
        self._now = now
        self._limiters: dict[str, RateLimiter] = {}
        self._lock = threading.Lock()

    def __call__(self, pushes: Sequence[Push]) -> list[Result]:
        """Send ``pushes``: each target's in order, the targets in parallel."""
        by_target: dict[str, list[int]] = {}
        for i, push in enumerate(pushes):
            by_target.setdefault(push.target.name, []).append(i)
        results: list[Result | None] = [None] * len(pushes)

        def run(indices: list[int]) -> None:
            for i in indices:
                results[i] = self.send(pushes[i])

        if len(by_target) <= 1:
            for indices in by_target.values():
                run(indices)
        else:
            with ThreadPoolExecutor(max_workers=len(by_target), thread_name_prefix="notify") as ex:
                list(ex.map(run, by_target.values()))
        return [r for r in results if r is not None]

    def _limiter(self, push: Push) -> RateLimiter:
        with self._lock:
            if push.target.name not in self._limiters:
                self._limiters[push.target.name] = RateLimiter(
                    push.platform.rate_limits, clock=self._clock, sleep=self._sleep
                )
            return self._limiters[push.target.name]

    def send(self, push: Push) -> Result:
        """One push, tried until it is sent, fails for good, or runs out of tries."""
        settings = self._settings
        target = push.target
        verdict = Verdict(ok=False, reason="not tried")
        for attempt in range(1, settings.max_attempts + 1):
            self._limiter(push).acquire()
            request = push.platform.request(target, push.payload, self._now())
            try:
                response = self._client.post(
                    request.url, content=request.body, headers=dict(request.headers)
                )
            except httpx.HTTPError as exc:
                verdict = Verdict(ok=False, retry=True, reason=f"{type(exc).__name__}: {exc}")
            else:
                verdict = push.platform.verdict(
                    response.status_code, response.headers, response.content
                )
            if verdict.ok:
                log.info("notify %s: window %s sent (try %s)", target.name, push.window_id, attempt)
                return Result(target.name, True, attempt)
            reason = _redact(verdict.reason, target)
            if not verdict.retry or attempt == settings.max_attempts:
                return Result(target.name, False, attempt, f"{reason} (try {attempt})")
            wait = verdict.retry_after_s
            if wait is None:
                wait = settings.retry_base_s * 2 ** (attempt - 1)
            if wait > settings.retry_max_s:
                return Result(
                    target.name,
                    False,
                    attempt,
                    f"{reason}; asked to wait {wait:g} s, more than retry_max_s "
                    f"{settings.retry_max_s:g} (try {attempt})",
                )
            log.warning(
                "notify %s: window %s: %s; trying again in %.1f s",
                target.name,
                push.window_id,
                reason,
                wait,
            )
            self._sleep(wait)
        return Result(target.name, False, settings.max_attempts, _redact(verdict.reason, target))

    def close(self) -> None:
        """Release the HTTP connections."""
        self._client.close()


def _redact(text: str, target: Target) -> str:
    """``text`` without the target's URL, its query, or its secrets."""
    base, _, query = target.url.partition("?")
    # the key or token sits in a path segment (Feishu, Slack, Telegram) or the query (the rest)
    parts = [*base.split("/")[3:], *(p.partition("=")[2] for p in query.split("&"))]
    secrets = [target.url, base, query, target.secret or "", *(p for p in parts if len(p) >= 16)]
    for secret in sorted((s for s in secrets if len(s) >= 6), key=len, reverse=True):
        text = text.replace(secret, "<redacted>")
    return text[:1000]
