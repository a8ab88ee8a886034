"""A local OpenAI-compatible Chat Completions API on 127.0.0.1 for tests, on a real socket.

``POST /v1/chat/completions`` answers like vLLM and Ollama do where our client depends on it: a
``chat.completion`` object (choices with a message whose ``tool_calls`` carry JSON-string
``arguments``, a ``finish_reason``, ``usage``) or an error body ``{"error": {"message", "type"}}``
with its status and headers. Scripting, recording and the key check are
:class:`~tests.fakes.anthropic_server.FakeAPI`'s.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from tests.fakes.anthropic_server import FakeAPI
from tests.fakes.replies import Reply

_ids = itertools.count(1)


class FakeOpenAI(FakeAPI):
    """The fake Chat Completions API: ``POST /v1/chat/completions``."""

    path = "/v1/chat/completions"

    @property
    def base_url(self) -> str:
        """What ``TWEETPULSE_OPENAI__BASE_URL`` should be (up to ``/v1``)."""
        return super().base_url + "/v1"


def completion(
    arguments: Any,
    *,
    name: str = "write_report",
    finish_reason: str = "tool_calls",
    prompt_tokens: int | None = 1_000,
    completion_tokens: int | None = 500,
    model: str = "qwen-test",
    content: str | None = None,
) -> dict[str, Any]:
    """A ``chat.completion`` whose message calls ``name`` with ``arguments`` (as a JSON string,
    unless already a string); ``arguments=None`` sends no tool call, only ``content``."""
    n = next(_ids)
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if arguments is not None:
        text = (
            arguments if isinstance(arguments, str) else json.dumps(arguments, ensure_ascii=False)
        )
        message["tool_calls"] = [
            {"id": f"call_{n}", "type": "function", "function": {"name": name, "arguments": text}}
        ]
    body: dict[str, Any] = {
        "id": f"chatcmpl-{n}",
        "object": "chat.completion",
        "created": 1_767_225_600,
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
    }
    if prompt_tokens is not None and completion_tokens is not None:
        body["usage"] = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        }
    return body


def completion_reply(arguments: Any, **kwargs: Any) -> Reply:
    """A 200 answer carrying ``arguments`` in a tool call (see :func:`completion`)."""
    return Reply(body=completion(arguments, **kwargs))


def openai_error(status: int, message: str, *, retry_after: float | None = None) -> Reply:
    """An error as OpenAI-compatible servers send it."""
    headers = {"retry-after": f"{retry_after:g}"} if retry_after is not None else {}
    body = {"error": {"message": message, "type": "server_error", "code": status}}
    return Reply(status=status, body=body, headers=headers)


def as_messages_body(body: dict[str, Any]) -> dict[str, Any]:
    """A Chat Completions request in the Messages API's shape (system apart, tools by schema), so
    the answers built for the Claude writer's tests serve here too."""
    messages = body["messages"]
    assert messages[0]["role"] == "system", "the system prompt goes first"
    tools = [
        {
            "name": t["function"]["name"],
            "description": t["function"].get("description", ""),
            "input_schema": t["function"]["parameters"],
        }
        for t in body.get("tools", [])
    ]
    return {"system": messages[0]["content"], "messages": messages[1:], "tools": tools}
