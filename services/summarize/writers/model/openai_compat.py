"""A model of your own behind an OpenAI-compatible Chat Completions endpoint, over httpx.

vLLM, Ollama, llama.cpp's server and many hosted services speak ``POST /v1/chat/completions``
with tools (function calling). :class:`OpenAICompatWriter` is the model writer with this
transport: the same bounded input, strategies, validation and repair, verified citations,
fallbacks, cache and interval as the Claude writer; only the request and the reading of the
answer differ:

- the system prompt is the first message; the ``write_report`` (or ``write_notes``) tool is one
  ``function`` whose ``parameters`` are its JSON schema, forced with ``tool_choice`` unless
  ``force_tool`` is false;
- the answer is the first tool call of that name, its ``arguments`` a JSON string; a server that
  answers in ``content`` instead (some ignore ``tool_choice``) is read from there, and whatever it
  holds goes through the same validation;
- ``finish_reason: length`` is a cut-off answer (``max_tokens``), distrusted as with Claude;
- ``usage.prompt_tokens`` / ``completion_tokens`` are counted when the server sends them.

Retries and backoff are the shared ones (``client.RetryingClient``): 408, 409, 429 and 5xx,
timeouts and connection errors, honouring ``retry-after``. An error body (``{"error":
{"message": ...}}``) is quoted in the log, never taken for an answer.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from typing import Any

import httpx

from services.summarize.writers.model.client import (
    Failure,
    Response,
    RetryingClient,
    retried_status,
)
from services.summarize.writers.model.writer import ModelWriter
from shared.errors import ConfigError
from shared.settings import OpenAICompatSettings

STOP_REASONS = {"length": "max_tokens", "tool_calls": "tool_use", "stop": "end_turn"}
"""OpenAI's ``finish_reason`` in the Messages API's words, which the writer reads."""


class HTTPFailure(Exception):
    """A response with an error status, and what its body says."""

    def __init__(self, status: int, detail: str, headers: httpx.Headers) -> None:
        super().__init__(f"HTTP {status}: {detail}")
        self.status = status
        self.headers = headers


class BadResponse(Exception):
    """A 200 whose body is not a chat completion."""


def _detail(response: httpx.Response) -> str:
    """The error message of an error body, else the start of the body."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and error.get("message"):
        return str(error["message"])[:300]
    if isinstance(error, str):
        return error[:300]
    return json.dumps(body, ensure_ascii=False)[:200]


def function_tool(tool: dict[str, Any]) -> dict[str, Any]:
    """A Messages API tool as an OpenAI ``function`` tool."""
    return {
        "type": "function",
        "function": {
            "name": tool["name"],
            "description": tool.get("description", ""),
            "parameters": tool["input_schema"],
        },
    }


class ChatCompletionsClient(RetryingClient):
    """Sends one Chat Completions request with retries, over one httpx client."""

    def __init__(
        self,
        settings: OpenAICompatSettings,
        *,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(settings, sleep=sleep, rng=rng)
        if not settings.base_url:
            raise ConfigError("TWEETPULSE_OPENAI__BASE_URL is empty: where is the model served?")
        if not settings.model:
            raise ConfigError("TWEETPULSE_OPENAI__MODEL is not set: which served model to ask?")
        self._openai = settings
        headers = {"content-type": "application/json"}
        if settings.api_key and settings.api_key.get_secret_value():  # an empty secret: no key
            headers["authorization"] = f"Bearer {settings.api_key.get_secret_value()}"
        self._http = httpx.Client(
            base_url=settings.base_url.rstrip("/") + "/",
            headers=headers,
            timeout=settings.timeout_s,
            transport=transport,
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def send(
        self, *, system: str, messages: list[dict[str, Any]], tool: dict[str, Any], max_tokens: int
    ) -> Response:
        name = str(tool["name"])
        body: dict[str, Any] = {
            "model": self._openai.model,
            "max_tokens": max_tokens,
            "messages": [{"role": "system", "content": system}, *messages],
            "tools": [function_tool(tool)],
            "tool_choice": (
                {"type": "function", "function": {"name": name}}
                if self._openai.force_tool
                else "auto"
            ),
        }
        response = self._http.post("chat/completions", json=body)
        if response.status_code >= 400:
            raise HTTPFailure(response.status_code, _detail(response), response.headers)
        try:
            data = response.json()
            choice = data["choices"][0]
            message = choice.get("message") or {}
        except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
            raise BadResponse(f"not a chat completion: {response.text[:200]!r}") from exc
        usage = data.get("usage") or {}
        return Response(
            tool_input=_tool_arguments(message, name),
            stop_reason=STOP_REASONS.get(choice.get("finish_reason") or "", "end_turn"),
            input_tokens=int(usage.get("prompt_tokens") or 0),
            output_tokens=int(usage.get("completion_tokens") or 0),
            retries=0,
        )

    def failure(self, exc: Exception) -> Failure | None:
        if isinstance(exc, HTTPFailure):
            return Failure(retried_status(exc.status), str(exc), exc.headers)
        if isinstance(exc, httpx.TransportError):  # timeouts and connection errors
            return Failure(True, f"{type(exc).__name__}: {exc}")
        if isinstance(exc, BadResponse):
            return Failure(True, str(exc))
        return None


def _tool_arguments(message: dict[str, Any], name: str) -> object | None:
    """The arguments of the tool call named ``name``; else the message's text content."""
    for call in message.get("tool_calls") or []:
        function = call.get("function") if isinstance(call, dict) else None
        if isinstance(function, dict) and function.get("name") == name:
            arguments: object = function.get("arguments")
            return arguments
    content = message.get("content")
    if isinstance(content, str) and content.strip():
        text = content.strip()
        if text.startswith("```"):  # a fenced JSON block
            text = text.strip("`").removeprefix("json").strip()
        return text
    return None


class OpenAICompatWriter(ModelWriter):
    """The model writer over an OpenAI-compatible endpoint (``writer=openai``,
    ``OpenAICompatSettings``)."""

    provider = "openai"
    client_class = ChatCompletionsClient


__all__ = ["ChatCompletionsClient", "OpenAICompatWriter"]
