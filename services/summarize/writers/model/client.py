"""The model clients' shared retries, and the Messages API client (the official ``anthropic`` SDK).

No sampling parameters are sent: SDK 2.x removed them and API version 2026-10-21 answers 400 to
``temperature`` even at its default, so ``AnthropicSettings.temperature`` is not used.

The SDK is built with ``max_retries=0`` so that every retry happens here, where it is counted and
its wait can honour ``retry-after``. Retried: 408, 409, 429, every 5xx, 529 (overloaded),
timeouts and connection errors. The wait is exponential with jitter (half fixed, half random:
``base * 2**attempt``), never shorter than the server's ``retry-after`` (``retry-after-ms``
first); when the server asks for more than ``retry_max_s`` the client stops retrying. Other
errors (400, 401, 403, 404, 413) are not retried. Either way, failure raises
:class:`~shared.errors.ModelUnavailable` (retryable outages) or :class:`ModelRefused`.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, cast

from shared.errors import ModelUnavailable, PipelineError
from shared.settings import AnthropicSettings, ModelWriterSettings

if TYPE_CHECKING:
    import anthropic

log = logging.getLogger(__name__)

RETRIED_STATUS = frozenset({408, 409, 429})


class ModelRefused(PipelineError):
    """The API rejected the request for good (bad request, authentication, no key)."""


@dataclass
class Response:
    """What the writer needs from one answered request."""

    tool_input: object | None
    stop_reason: str | None
    input_tokens: int
    output_tokens: int
    retries: int


def retry_after_s(headers: Any) -> float | None:
    """The wait a response asks for, from ``retry-after-ms`` or ``retry-after`` (seconds or date)."""
    if headers is None:
        return None
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


@dataclass(frozen=True)
class Failure:
    """How a client reads an exception of its transport: retry it or not, and what to log."""

    retryable: bool
    description: str
    headers: Any = None
    """The response headers, for ``retry-after``."""


class RetryingClient:
    """One model request with our retries: the loop and backoff every provider's client shares.

    A subclass sends one attempt (:meth:`send`) and says what its transport's exceptions mean
    (:meth:`failure`).
    """

    def __init__(
        self,
        settings: ModelWriterSettings,
        *,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self._settings = settings
        self._sleep = sleep
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not a secret
        self.attempts = 0
        """Requests sent so far (retries included)."""
        self.retries = 0
        """Retries so far."""

    def send(
        self, *, system: str, messages: list[dict[str, Any]], tool: dict[str, Any], max_tokens: int
    ) -> Response:
        """One attempt; raises the transport's exceptions (or :class:`ModelRefused`)."""
        raise NotImplementedError

    def failure(self, exc: Exception) -> Failure | None:
        """What ``exc`` means, or None when it is not the transport's (it propagates)."""
        raise NotImplementedError

    def backoff_s(self, attempt: int, retry_after: float | None) -> float:
        """The wait before retry ``attempt`` (0 for the first retry)."""
        step = self._settings.retry_base_s * 2.0**attempt
        wait = step / 2 + self._rng.uniform(0, step / 2)
        wait = min(wait, self._settings.retry_max_s)
        return max(wait, retry_after) if retry_after is not None else wait

    def create(
        self,
        *,
        system: str,
        messages: list[dict[str, Any]],
        tool: dict[str, Any],
        max_tokens: int | None = None,
    ) -> Response:
        """Send one request forcing ``tool``; retried as the module says.

        ``max_tokens`` caps this request's output (default: the setting)."""
        s = self._settings
        attempt = 0
        while True:
            self.attempts += 1
            try:
                response = self.send(
                    system=system,
                    messages=messages,
                    tool=tool,
                    max_tokens=max_tokens or s.max_tokens,
                )
            except ModelRefused:
                raise
            except Exception as exc:
                failed = self.failure(exc)
                if failed is None:
                    raise
                if not failed.retryable:
                    raise ModelRefused(failed.description) from exc
                if attempt >= s.max_retries:
                    raise ModelUnavailable(
                        f"{failed.description} (after {attempt} retries)"
                    ) from exc
                asked = retry_after_s(failed.headers)
                if asked is not None and asked > s.retry_max_s:
                    raise ModelUnavailable(
                        f"{failed.description}; the server asks to wait {asked:.0f} s"
                    ) from exc
                wait = self.backoff_s(attempt, asked)
                log.warning(
                    "model request failed (%s); retry %s of %s in %.1f s",
                    failed.description,
                    attempt + 1,
                    s.max_retries,
                    wait,
                )
                self._sleep(wait)
                attempt += 1
                self.retries += 1
                continue
            response.retries = attempt
            return response


def retried_status(status: int) -> bool:
    """Whether an HTTP status is worth a retry: 408, 409, 429 and every 5xx (529 included)."""
    return status in RETRIED_STATUS or status >= 500


class MessagesClient(RetryingClient):
    """Sends one Messages request with retries; the SDK client is created on first use."""

    def __init__(
        self,
        settings: AnthropicSettings,
        *,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        super().__init__(settings, sleep=sleep, rng=rng)
        self._anthropic = settings
        self._client: anthropic.Anthropic | None = None

    def _sdk(self) -> anthropic.Anthropic:
        # Imported here: the SDK takes most of a second to import, and only this writer needs it.
        import anthropic

        if self._client is None:
            s = self._anthropic
            self._client = anthropic.Anthropic(
                api_key=s.api_key.get_secret_value() if s.api_key else None,
                base_url=s.base_url or None,
                timeout=s.timeout_s,
                max_retries=0,
            )
        return self._client

    def _tool_choice(self, name: str) -> dict[str, str]:
        # Forced tool use is the reliable way to structured output, but some models refuse it.
        if self._anthropic.force_tool:
            return {"type": "tool", "name": name}
        return {"type": "auto"}

    def send(
        self, *, system: str, messages: list[dict[str, Any]], tool: dict[str, Any], max_tokens: int
    ) -> Response:
        try:
            message = self._sdk().messages.create(
                model=self._anthropic.model,
                max_tokens=max_tokens,
                system=system,
                messages=cast(Any, messages),
                tools=cast(Any, [tool]),
                tool_choice=cast(Any, self._tool_choice(str(tool["name"]))),
            )
        except TypeError as exc:
            if "authentication" not in str(exc):
                raise
            # The SDK raises TypeError when it finds no credentials at all.
            raise ModelRefused(f"no usable Anthropic credentials: {exc}") from exc
        return Response(
            tool_input=_tool_input(message, tool["name"]),
            stop_reason=message.stop_reason,
            input_tokens=message.usage.input_tokens,
            output_tokens=message.usage.output_tokens,
            retries=0,
        )

    def failure(self, exc: Exception) -> Failure | None:
        import anthropic

        if not isinstance(exc, anthropic.AnthropicError):
            return None
        headers = getattr(getattr(exc, "response", None), "headers", None)
        if isinstance(exc, anthropic.APIConnectionError):  # timeouts included
            return Failure(True, _describe(exc), headers)
        if isinstance(exc, anthropic.APIStatusError):
            return Failure(retried_status(exc.status_code), _describe(exc), headers)
        return Failure(False, _describe(exc), headers)


def _tool_input(message: Any, name: str) -> object | None:
    for block in message.content:
        if getattr(block, "type", None) == "tool_use" and getattr(block, "name", None) == name:
            found: object = block.input
            return found
    return None


def _describe(exc: BaseException) -> str:
    status = getattr(exc, "status_code", None)
    kind = type(exc).__name__
    return f"{kind} {status}" if status is not None else kind
