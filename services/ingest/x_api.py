"""The X API v2 over httpx: requests with rate limits and backoff, search pages, stream lines, rules.

This module speaks HTTP and nothing else; ``sources.py`` turns what it returns into records and
keeps the checkpoint. What it owns:

- **Rate limits.** ``x-rate-limit-remaining``/``x-rate-limit-reset`` are remembered per
  endpoint: a request whose endpoint has nothing left waits for the reset first, and a 429 waits
  until its reset (one second past it), or, without the header, backs off exponentially from
  one minute.
- **Backoff**, as X documents it for reconnecting: network errors and timeouts linearly by
  250 ms up to 16 s, 5xx exponentially from 5 s up to 320 s, each plus up to 10% jitter.
  A 4xx other than 429 will not get better by retrying: it raises :class:`XApiError`.
- **Error payloads** (``errors``, ``title``, ``detail``) are rendered in one line for logs and
  exceptions; they are never handed on as tweets.
- **The stream** is read as bytes and split on newlines here, so a connection that drops
  mid-line yields a :class:`Cut`, never a broken tweet; a blank line is a keep-alive. Silence
  longer than the idle timeout is httpx's read timeout: the stream is called stalled and
  reconnected.

``sleep`` and ``clock`` are injected (the clock is wall time, as ``x-rate-limit-reset`` is an
epoch), so tests run against a local server without waiting. The bearer token is sent in a
header and never logged.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from services.ingest.convert import SNOWFLAKE_EPOCH_MS
from services.ingest.lines import LINE_SETTING
from services.ingest.objects import response_tweets, tweet_record
from services.ingest.record import InputRecord
from services.ingest.source import Clock, Sleep, SourceMetrics
from shared.errors import ConfigError, InputError
from shared.settings import StreamRule, XApiSettings

log = logging.getLogger(__name__)

SEARCH_PATH = "/2/tweets/search/recent"
STREAM_PATH = "/2/tweets/search/stream"
RULES_PATH = "/2/tweets/search/stream/rules"

TWEET_FIELDS = (
    "author_id,created_at,entities,in_reply_to_user_id,lang,note_tweet,public_metrics,"
    "referenced_tweets"
)
USER_FIELDS = "name,public_metrics,username,verified"
# referenced_tweets.id puts a retweet's original in includes.tweets, and .author_id its author
# in includes.users, so a retweet resolves to its original with the original's metrics.
EXPANSIONS = "author_id,in_reply_to_user_id,referenced_tweets.id,referenced_tweets.id.author_id"

_RESET_MARGIN_S = 1.0  # the reset header has one-second resolution
_PROBLEM_CHARS = 500


def tweet_params() -> dict[str, str]:
    """The fields and expansions asked for on every tweet endpoint."""
    return {"tweet.fields": TWEET_FIELDS, "expansions": EXPANSIONS, "user.fields": USER_FIELDS}


# ---------------------------------------------------------------------------- errors


def problem_text(payload: object) -> str:
    """One line for an X error payload: ``title: detail`` and each entry of ``errors``."""
    if not isinstance(payload, Mapping):
        return str(payload)[:_PROBLEM_CHARS]
    parts: list[str] = []
    head = ": ".join(str(payload[k]) for k in ("title", "detail") if payload.get(k))
    if head:
        parts.append(head)
    errors = payload.get("errors")
    if isinstance(errors, list):
        for error in errors[:5]:
            if isinstance(error, Mapping):
                text = str(error.get("detail") or error.get("message") or error.get("title"))
                details = error.get("details")
                if isinstance(details, list) and details:  # a refused rule says why here
                    text += ": " + "; ".join(map(str, details))
                where = error.get("parameter") or error.get("resource_id") or error.get("value")
                parts.append(f"{text} ({where})" if where else text)
            else:
                parts.append(str(error))
        if len(errors) > 5:
            parts.append(f"and {len(errors) - 5} more")
    return ("; ".join(parts) or json.dumps(payload, ensure_ascii=False))[:_PROBLEM_CHARS]


_HINTS = {
    401: "check TWEETPULSE_X_API__BEARER_TOKEN",
    403: "the app's access tier may not include this endpoint; see docs/x-api.md",
}


class XApiError(InputError):
    """The X API refused a request in a way retrying will not fix (a 4xx other than 429)."""

    def __init__(self, status: int, payload: object, *, where: str) -> None:
        self.status = status
        self.payload = payload
        hint = _HINTS.get(status)
        super().__init__(
            f"X API {where} answered {status}: {problem_text(payload)}"
            + (f" ({hint})" if hint else "")
        )


class Stopped(Exception):
    """The client was closed while waiting; the source stops quietly."""


# ---------------------------------------------------------------------------- backoff


class Backoff:
    """Delays for consecutive failures: linear (``step`` x n) or exponential (``step`` x 2^n).

    Each delay is capped, then gets up to ``jitter`` of itself added, so that many clients
    dropped at once do not come back at once. :meth:`reset` after a success.
    """

    def __init__(
        self, *, step: float, cap: float, linear: bool, jitter: float, rng: random.Random
    ) -> None:
        self._step, self._cap, self._linear = step, cap, linear
        self._jitter, self._rng = jitter, rng
        self.attempts = 0

    def next(self) -> float:
        """The delay before the next attempt."""
        self.attempts += 1
        n = self.attempts
        base = self._step * n if self._linear else self._step * 2 ** min(n - 1, 30)
        base = min(self._cap, base)
        return base * (1.0 + self._jitter * self._rng.random())

    def reset(self) -> None:
        """Start again from the first delay."""
        self.attempts = 0


@dataclass
class _Backoffs:
    network: Backoff
    http: Backoff
    rate: Backoff

    def reset(self) -> None:
        self.network.reset()
        self.http.reset()
        self.rate.reset()


@dataclass(frozen=True)
class RateLimit:
    """What the ``x-rate-limit-*`` headers of one response said."""

    limit: int | None
    remaining: int | None
    reset: float | None

    @classmethod
    def from_headers(cls, headers: httpx.Headers) -> RateLimit | None:
        """None when the response carries none of them."""
        values = [headers.get(f"x-rate-limit-{name}") for name in ("limit", "remaining", "reset")]
        if not any(values):
            return None
        limit, remaining, reset = (_number(v) for v in values)
        return cls(
            None if limit is None else int(limit),
            None if remaining is None else int(remaining),
            reset,
        )


def _number(value: str | None) -> float | None:
    try:
        return None if value is None else float(value)
    except ValueError:
        return None


# ---------------------------------------------------------------------------- the client


@dataclass(frozen=True)
class Cut:
    """A stream line that never ended (the connection dropped) or grew past the size limit."""

    reason: str
    data: bytes


class XApiClient:
    """An httpx client for the X API v2 with the token, rate limits, backoff and a stop switch.

    ``sleep`` defaults to waiting on the stop switch, so :meth:`close` ends a wait at once.
    Counters go to ``metrics`` (``rate_limited_waits``, ``retries``, ``reconnects``, …).
    """

    def __init__(
        self,
        settings: XApiSettings,
        *,
        metrics: SourceMetrics,
        clock: Clock = time.time,
        sleep: Sleep | None = None,
        rng: random.Random | None = None,
    ) -> None:
        token = settings.bearer_token
        if token is None or not token.get_secret_value().strip():
            raise ConfigError(
                "no X API bearer token: set TWEETPULSE_X_API__BEARER_TOKEN (see docs/x-api.md)"
            )
        self.settings = settings
        self.metrics = metrics
        self._clock = clock
        self._stop = threading.Event()
        self._sleep: Sleep = sleep if sleep is not None else self._stop.wait
        self._rng = rng if rng is not None else random.Random()  # noqa: S311 - jitter only
        self._limits: dict[str, RateLimit] = {}
        self._http = httpx.Client(
            base_url=settings.base_url,
            headers={
                "Authorization": f"Bearer {token.get_secret_value().strip()}",
                "User-Agent": "tweetpulse",
            },
            timeout=httpx.Timeout(settings.request_timeout_s, connect=settings.connect_timeout_s),
        )

    @property
    def stopped(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._stop.is_set()

    def close(self) -> None:
        """Stop waiting and drop the connections (safe from another thread)."""
        self._stop.set()
        self._http.close()

    def backoffs(self) -> _Backoffs:
        """A fresh set of backoff schedules, one per kind of failure."""
        s = self.settings

        def backoff(step: float, cap: float, *, linear: bool) -> Backoff:
            return Backoff(
                step=step, cap=cap, linear=linear, jitter=s.backoff_jitter, rng=self._rng
            )

        return _Backoffs(
            network=backoff(s.network_backoff_step_s, s.network_backoff_max_s, linear=True),
            http=backoff(s.http_backoff_start_s, s.http_backoff_max_s, linear=False),
            rate=backoff(s.rate_limit_backoff_start_s, s.rate_limit_backoff_max_s, linear=False),
        )

    # ------------------------------------------------------------------ waiting

    def wait(self, seconds: float) -> None:
        """Sleep (interruptibly, by default); raise :class:`Stopped` if closed meanwhile."""
        if self._stop.is_set():
            raise Stopped
        if seconds > 0:
            self._sleep(seconds)
        if self._stop.is_set():
            raise Stopped

    def _note_limit(self, path: str, response: httpx.Response) -> None:
        limit = RateLimit.from_headers(response.headers)
        if limit is not None:
            self._limits[path] = limit

    def _respect_limit(self, path: str) -> None:
        """Before a request: wait for the reset when the endpoint's last response left none."""
        limit = self._limits.get(path)
        if limit is None or limit.remaining != 0 or limit.reset is None:
            return
        delay = limit.reset + _RESET_MARGIN_S - self._clock()
        del self._limits[path]
        if delay > 0:
            self.metrics.rate_limited_waits += 1
            log.warning(
                "X API %s: no requests left in this window (limit %s); waiting %.0f s for the reset",
                path,
                limit.limit,
                delay,
            )
            self.wait(delay)

    def _rate_limited(
        self, path: str, response: httpx.Response, payload: object, backoff: Backoff
    ) -> None:
        """After a 429: wait until the reset the response names, else back off from a minute."""
        self.metrics.rate_limited_waits += 1
        self._limits.pop(path, None)
        reset = _number(response.headers.get("x-rate-limit-reset"))
        now = self._clock()
        if reset is not None and reset + _RESET_MARGIN_S > now:
            delay = reset + _RESET_MARGIN_S - now
            why = "until the reset"
        else:
            delay = backoff.next()
            why = f"backing off (attempt {backoff.attempts})"
        log.warning(
            "X API %s: 429 rate limited (%s); waiting %.0f s, %s",
            path,
            problem_text(payload),
            delay,
            why,
        )
        self.wait(delay)

    # ------------------------------------------------------------------ requests

    def request_json(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: object = None,
    ) -> dict[str, Any]:
        """A JSON object from ``path``, retried through rate limits, 5xx and network errors.

        Raises :class:`XApiError` for any other error status, :class:`Stopped` once closed.
        """
        backoffs = self.backoffs()
        where = f"{method} {path}"
        while True:
            if self._stop.is_set():
                raise Stopped
            self._respect_limit(path)
            try:
                response = self._http.request(method, path, params=params, json=body)
            except httpx.TransportError as exc:
                if self._stop.is_set():
                    raise Stopped from exc
                delay = backoffs.network.next()
                self.metrics.retries += 1
                log.warning("X API %s: %s; retrying in %.2f s", where, _describe(exc), delay)
                self.wait(delay)
                continue
            self._note_limit(path, response)
            payload = _payload(response)
            status = response.status_code
            if response.is_success and isinstance(payload, dict):
                return payload
            if status == 429:
                self._rate_limited(path, response, payload, backoffs.rate)
            elif status >= 500 or response.is_success:
                delay = backoffs.http.next()
                self.metrics.retries += 1
                log.warning(
                    "X API %s answered %s: %s; retrying in %.1f s",
                    where,
                    status,
                    problem_text(payload),
                    delay,
                )
                self.wait(delay)
            else:
                raise XApiError(status, payload, where=where)

    def get_json(self, path: str, params: Mapping[str, str] | None = None) -> dict[str, Any]:
        """``GET path`` as :meth:`request_json`."""
        return self.request_json("GET", path, params=params)

    def post_json(self, path: str, body: object) -> dict[str, Any]:
        """``POST path`` with a JSON body, as :meth:`request_json`."""
        return self.request_json("POST", path, body=body)

    # ------------------------------------------------------------------ streaming

    def stream_lines(
        self, path: str, params: Mapping[str, str], *, max_line_bytes: int
    ) -> Iterator[bytes | Cut]:
        """The non-blank lines of a long-lived stream, reconnecting for ever until closed.

        Blank lines are keep-alives (counted as ``heartbeats``). A line the connection drops in
        the middle of, or one longer than ``max_line_bytes``, comes out as a :class:`Cut`.
        """
        s = self.settings
        timeout = httpx.Timeout(
            s.request_timeout_s, connect=s.connect_timeout_s, read=s.stream_idle_timeout_s
        )
        backoffs = self.backoffs()
        first = True
        while not self._stop.is_set():
            if not first:
                self.metrics.reconnects += 1
            first = False
            self._respect_limit(path)
            splitter = _LineSplitter(max_line_bytes)
            delay: float | None = None
            try:
                with self._http.stream("GET", path, params=params, timeout=timeout) as response:
                    self._note_limit(path, response)
                    if response.status_code != 200:
                        delay = self._refused(path, response, backoffs)
                    else:
                        log.info("X API stream %s connected", path)
                        delivering = False
                        for chunk in response.iter_bytes():
                            if not delivering:
                                # Only a stream that delivers counts as recovered; one that
                                # connects and drops at once keeps backing off.
                                backoffs.reset()
                                delivering = True
                            yield from self._lines(splitter.feed(chunk))
                        log.warning("X API stream %s closed by the server; reconnecting", path)
                        delay = backoffs.network.next()
            except httpx.TimeoutException as exc:
                if self._stop.is_set():
                    return
                delay = backoffs.network.next()
                if isinstance(exc, httpx.ReadTimeout):
                    self.metrics.stalls += 1
                    log.warning(
                        "X API stream %s: no data and no keep-alive for %.0f s: stalled; "
                        "reconnecting in %.2f s",
                        path,
                        s.stream_idle_timeout_s,
                        delay,
                    )
                else:
                    log.warning(
                        "X API stream %s: %s; retrying in %.2f s", path, _describe(exc), delay
                    )
            except httpx.TransportError as exc:
                if self._stop.is_set():
                    return
                delay = backoffs.network.next()
                log.warning(
                    "X API stream %s dropped: %s; reconnecting in %.2f s",
                    path,
                    _describe(exc),
                    delay,
                )
            cut = splitter.rest()
            if cut is not None:
                self.metrics.cut_lines += 1
                yield cut
            try:
                self.wait(delay or 0.0)
            except Stopped:
                return

    def _lines(self, lines: Iterator[bytes | Cut]) -> Iterator[bytes | Cut]:
        for line in lines:
            if isinstance(line, Cut):
                self.metrics.cut_lines += 1
                yield line
            elif line.strip():
                yield line
            else:
                self.metrics.heartbeats += 1

    def _refused(self, path: str, response: httpx.Response, backoffs: _Backoffs) -> float:
        """The delay before reconnecting after a non-200 answer; raises if retrying is futile."""
        response.read()
        payload = _payload(response)
        status = response.status_code
        if status == 429:
            self._rate_limited(path, response, payload, backoffs.rate)
            return 0.0
        if status >= 500:
            delay = backoffs.http.next()
            log.warning(
                "X API stream %s answered %s: %s; reconnecting in %.1f s",
                path,
                status,
                problem_text(payload),
                delay,
            )
            return delay
        raise XApiError(status, payload, where=f"GET {path}")


class _LineSplitter:
    """Bytes in, complete lines out; what is left when the connection ends is a :class:`Cut`."""

    def __init__(self, limit: int) -> None:
        self._buf = bytearray()
        self._limit = limit
        self._skipping = False  # inside an oversized line, until its newline

    def feed(self, chunk: bytes) -> Iterator[bytes | Cut]:
        self._buf += chunk
        while True:
            end = self._buf.find(b"\n")
            if end < 0:
                break
            line = bytes(self._buf[:end]).rstrip(b"\r")
            del self._buf[: end + 1]
            if self._skipping:
                self._skipping = False
                continue
            yield line
        if not self._skipping and len(self._buf) > self._limit:
            yield Cut(
                f"oversized line: longer than {self._limit:,} bytes ({LINE_SETTING} raises it)",
                bytes(self._buf[:1024]),
            )
            self._skipping = True
        if self._skipping:
            self._buf.clear()

    def rest(self) -> Cut | None:
        data = bytes(self._buf)
        self._buf.clear()
        skipping, self._skipping = self._skipping, False
        if skipping or not data.strip():
            return None
        return Cut(f"stream cut: the connection dropped {len(data)} bytes into a line", data[:1024])


def _payload(response: httpx.Response) -> object:
    """The response's JSON, or its text cut short when it is not JSON (a proxy's HTML page)."""
    try:
        return response.json()
    except (ValueError, RecursionError):  # RecursionError: nested past the stack
        return {"detail": response.text[:_PROBLEM_CHARS] or response.reason_phrase}


def _describe(exc: Exception) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# ---------------------------------------------------------------------------- payloads

"""Twitter's epoch: a tweet id is ``(ms since this) << 22`` plus worker and sequence bits."""


def id_floor_at(when_s: float) -> str:
    """The highest id below every tweet posted at or after ``when_s`` (a Unix time)."""
    ms = max(0, int(when_s * 1000) - SNOWFLAKE_EPOCH_MS)
    return str(max(0, (ms << 22) - 1))


def newest_id(ids: Sequence[str]) -> str | None:
    """The highest of some tweet ids (they are numbers, so compare them as numbers)."""
    numeric = [i for i in ids if i.isdigit()]
    return max(numeric, key=int) if numeric else None


def payload_records(payload: Mapping[str, Any], *, source: str, line: int) -> list[InputRecord]:
    """The records of one response page or stream line: ``data`` with its ``includes``.

    ``line`` numbers the first record (the sources count records, the API has no lines).
    Entries of ``errors`` are not records: the caller logs them.
    """
    tweets, includes = response_tweets(payload)
    return [
        tweet_record(
            tweet,
            source=source,
            line=n,
            raw=json.dumps(tweet, ensure_ascii=False, separators=(",", ":")),
            includes=includes,
        )
        for n, tweet in enumerate(tweets, start=line)
    ]


def log_payload_errors(payload: Mapping[str, Any], *, where: str) -> int:
    """Log the ``errors`` of a successful response (deleted referenced tweets, …); their count."""
    errors = payload.get("errors")
    if not errors:
        return 0
    count = len(errors) if isinstance(errors, list) else 1
    level = logging.INFO if payload.get("data") is not None else logging.WARNING
    log.log(level, "X API %s: %s error(s) in the payload: %s", where, count, problem_text(payload))
    return count


# ---------------------------------------------------------------------------- stream rules


@dataclass(frozen=True)
class RulesSync:
    """What a rules sync changed: the rule ids deleted and the rules added."""

    deleted: tuple[str, ...]
    added: tuple[StreamRule, ...]


def sync_rules(client: XApiClient, wanted: Sequence[StreamRule]) -> RulesSync:
    """Make the stream's rules exactly ``wanted``: delete the stale ones, then add the missing.

    A rule is identified by its value and tag together. Deleting first keeps the app under its
    rule cap while both sets would otherwise count. A rule X refuses raises ConfigError.
    """
    current = client.get_json(RULES_PATH).get("data") or []
    want = {(r.value, r.tag): r for r in wanted}
    have: dict[tuple[str, str | None], str] = {}
    stale: list[str] = []
    for rule in current:
        key = (str(rule.get("value")), rule.get("tag"))
        if key in want and key not in have:
            have[key] = str(rule.get("id"))
        else:
            stale.append(str(rule.get("id")))
    missing = [r for key, r in want.items() if key not in have]
    if stale:
        answer = client.post_json(RULES_PATH, {"delete": {"ids": stale}})
        log_payload_errors(answer, where="deleting stream rules")
        log.info("X API stream: deleted %s stale rule(s): %s", len(stale), ", ".join(stale))
    if missing:
        body = {"add": [{"value": r.value, **({"tag": r.tag} if r.tag else {})} for r in missing]}
        answer = client.post_json(RULES_PATH, body)
        summary = (answer.get("meta") or {}).get("summary") or {}
        if answer.get("errors") or summary.get("invalid") or summary.get("not_created"):
            raise ConfigError(
                "X API refused a stream rule (TWEETPULSE_X_API__STREAM_RULES): "
                + problem_text(answer)
            )
        log.info(
            "X API stream: added %s rule(s): %s",
            len(missing),
            "; ".join(r.tag or r.value for r in missing),
        )
    return RulesSync(tuple(stale), tuple(missing))
