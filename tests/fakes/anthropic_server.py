"""A local Anthropic Messages API on 127.0.0.1 for tests: ``POST /v1/messages``, on a real socket.

The real ``anthropic`` SDK is pointed at it by ``base_url``. It answers like the API does where
the SDK depends on it: a ``message`` object (id, type, role, model, content blocks, stop_reason,
usage) or an error object ``{"type": "error", "error": {"type", "message"}}`` with its status and
headers (``retry-after``). Tests script the answers:

- ``replies``: :class:`Reply` objects or callables ``(body) -> Reply``, used in order;
- ``responder``: what answers once the script is used up (by default a 500, so a test that
  sends more requests than it scripted fails loudly).

Every request is recorded in ``requests`` (path, headers, parsed body, raw bytes) before it is
answered, so a test can count requests and measure what the model was sent.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

from tests.fakes.replies import Reply

API_KEY = "test-key-not-a-secret"


@dataclass(frozen=True)
class Request:
    """A request as the server saw it."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    raw: bytes


Answer = Reply | Callable[[Any], Reply]

_ids = itertools.count(1)


def message(
    tool_input: Any,
    *,
    name: str = "write_report",
    stop_reason: str = "tool_use",
    input_tokens: int = 1_000,
    output_tokens: int = 500,
    model: str = "claude-sonnet-5",
    text: str | None = None,
) -> dict[str, Any]:
    """A Messages API ``message`` whose content is one ``tool_use`` block (and optional text)."""
    n = next(_ids)
    content: list[dict[str, Any]] = []
    if text is not None:
        content.append({"type": "text", "text": text})
    if tool_input is not None:
        content.append(
            {"type": "tool_use", "id": f"toolu_{n:08d}", "name": name, "input": tool_input}
        )
    return {
        "id": f"msg_{n:08d}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens},
    }


def tool_reply(tool_input: Any, **kwargs: Any) -> Reply:
    """A 200 answer carrying ``tool_input`` in a ``tool_use`` block (see :func:`message`)."""
    return Reply(body=message(tool_input, **kwargs))


def error_reply(
    status: int, kind: str, text: str = "", *, retry_after: float | None = None
) -> Reply:
    """An API error: 429 ``rate_limit_error``, 529 ``overloaded_error``, 500 ``api_error``…"""
    headers = {"retry-after": f"{retry_after:g}"} if retry_after is not None else {}
    body = {"type": "error", "error": {"type": kind, "message": text or kind}}
    return Reply(status=status, body=body, headers=headers)


def overloaded(retry_after: float | None = None) -> Reply:
    """A 529 as the API sends it when overloaded."""
    return error_reply(529, "overloaded_error", "Overloaded", retry_after=retry_after)


def _unscripted(body: Any) -> Reply:
    return error_reply(500, "api_error", "the fake server has no scripted answer left")


class FakeAPI:
    """A scripted JSON API on a free port of 127.0.0.1, answering ``POST path``; a context manager.

    Requests to any other path get a 404, and requests without the key a 401. See
    :class:`FakeAnthropic` and ``tests.fakes.openai_server.FakeOpenAI``.
    """

    path = "/v1/messages"

    def __init__(
        self,
        replies: Iterable[Answer] = (),
        *,
        responder: Callable[[Any], Reply] = _unscripted,
        api_key: str = API_KEY,
    ) -> None:
        self.replies: deque[Answer] = deque(replies)
        self.responder = responder
        self.api_key = api_key
        self.requests: list[Request] = []
        self.errors: list[Exception] = []
        """Exceptions raised by scripted answers (each was answered with a 500)."""
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        # A short poll interval: shutdown() waits for one, and tests start many servers.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base_url(self) -> str:
        """Where the SDK should send its requests."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def messages(self) -> list[Request]:
        """The ``POST path`` requests received, in order."""
        return [r for r in self.requests if r.path == self.path]

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _next_answer(self, body: Any) -> Reply:
        with self._lock:
            answer = self.replies.popleft() if self.replies else self.responder
        return answer(body) if callable(answer) else answer

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length)
                try:
                    body: Any = json.loads(raw)
                except ValueError:
                    body = None
                headers = {k.lower(): v for k, v in self.headers.items()}
                with fake._lock:
                    fake.requests.append(Request("POST", self.path, headers, body, raw))
                if self.path != fake.path:
                    self._send(error_reply(404, "not_found_error", f"no route {self.path}"))
                elif fake.api_key not in (
                    headers.get("x-api-key"),
                    headers.get("authorization", "").removeprefix("Bearer "),
                ):
                    self._send(error_reply(401, "authentication_error", "invalid API key"))
                else:
                    try:
                        reply = fake._next_answer(body)
                    except Exception as exc:  # a broken script shows up as a 500, not a hang
                        fake.errors.append(exc)
                        reply = error_reply(500, "api_error", f"fake responder failed: {exc!r}")
                    self._send(reply)

            def _send(self, reply: Reply) -> None:
                if reply.delay_s:
                    time.sleep(reply.delay_s)
                data = json.dumps(reply.body, ensure_ascii=False).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    self.send_header("request-id", f"req_{next(_ids):08d}")
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    # The client gave up (a timeout test); nothing to answer to.
                    self.close_connection = True

        return Handler


class FakeAnthropic(FakeAPI):
    """The fake Messages API: ``POST /v1/messages``."""

    path = "/v1/messages"
