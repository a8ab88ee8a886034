"""Local chat-platform webhooks on 127.0.0.1 for tests, on real sockets, one per platform.

None of the platforms can be reached from here, so each fake follows the platform's published
documentation (the URL is on each class) in what our client depends on: the path and the key it
carries, the payload's shape and size limit, the markup the platform accepts, the signature
(computed here from the documentation, not with our client's code), the send limits, and the
answers, including the platform's own errors. A request the real platform would refuse gets the
error the platform documents and its reason lands in ``problems``, so a test that sends a bad
payload fails on it.

Every fake records each request (``requests``; the accepted ones in ``accepted``), answers with a
scripted :class:`~tests.fakes.replies.Reply` first when a test queued one (``replies``, or
callables of the request), and otherwise with the platform's success answer.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Self
from urllib.parse import parse_qs, urlsplit

from tests.fakes.replies import Reply


@dataclass(frozen=True)
class Seen:
    """A request as the fake received it."""

    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    raw: bytes
    body: Any
    at: float

    def param(self, name: str) -> str | None:
        """A query parameter (URL-decoded, as a server reads it)."""
        values = self.query.get(name)
        return values[0] if values else None


Answer = Reply | Callable[[Seen], Reply]


class ChatServer:
    """A platform's webhook on a free port of 127.0.0.1; a context manager. See the module doc."""

    limits: tuple[tuple[int, float], ...] = ()
    """The platform's documented send limits: at most ``count`` per ``seconds``."""

    def __init__(self, replies: Iterable[Answer] = (), *, now: Callable[[], float] = time.time):
        self.replies: deque[Answer] = deque(replies)
        self.requests: list[Seen] = []
        self.accepted: list[Seen] = []
        self.problems: list[str] = []
        self.now = now
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    # -------------------------------------------------------------- what each platform says

    def check(self, seen: Seen) -> Reply | None:
        """The platform's error answer for a request it would refuse, or None."""
        raise NotImplementedError

    def success(self, seen: Seen) -> Reply:
        """The platform's answer to an accepted message."""
        raise NotImplementedError

    def too_fast(self) -> Reply:
        """The platform's answer once a send limit is exceeded."""
        raise NotImplementedError

    # -------------------------------------------------------------- server

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:<port>``."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _over_limit(self, at: float) -> bool:
        # a little slack: two requests leave the client a second apart, not always arrive so
        for count, seconds in self.limits:
            recent = [s for s in self.accepted if s.at > at - seconds * 0.9]
            if len(recent) >= count:
                return True
        return False

    def _answer(self, seen: Seen) -> Reply:
        with self._lock:
            self.requests.append(seen)
            refused = self.check(seen)
            if refused is not None:
                return refused
            if self.replies:
                answer = self.replies.popleft()
                return answer(seen) if callable(answer) else answer
            if self._over_limit(seen.at):
                self.problems.append("sent faster than the platform's documented limit")
                return self.too_fast()
            self.accepted.append(seen)
            return self.success(seen)

    def refuse(self, reason: str, reply: Reply) -> Reply:
        """Record why a request was refused and answer ``reply``."""
        self.problems.append(reason)
        return reply

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
                parts = urlsplit(self.path)
                seen = Seen(
                    path=parts.path,
                    query=parse_qs(parts.query, keep_blank_values=True),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    raw=raw,
                    body=body,
                    at=time.monotonic(),
                )
                self._send(fake._answer(seen))

            def _send(self, reply: Reply) -> None:
                if reply.delay_s:
                    time.sleep(reply.delay_s)
                if isinstance(reply.body, str):
                    data, kind = reply.body.encode(), "text/plain; charset=utf-8"
                else:
                    data = json.dumps(reply.body, ensure_ascii=False).encode()
                    kind = "application/json"
                try:
                    self.send_response(reply.status)
                    self.send_header("content-type", kind)
                    self.send_header("content-length", str(len(data)))
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

        return Handler


def is_json(seen: Seen) -> bool:
    """The request says it is JSON and is a JSON object."""
    kind = seen.headers.get("content-type", "").split(";")[0].strip().lower()
    return kind == "application/json" and isinstance(seen.body, dict)


def closed_port_url(path: str = "/") -> str:
    """A URL on 127.0.0.1 where nothing listens: a target that is down."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"


# ---------------------------------------------------------------------------- Feishu / Lark


class FakeFeishu(ChatServer):
    """A Feishu/Lark custom bot, per https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot:
    ``POST /open-apis/bot/v2/hook/<token>``, ``msg_type`` and ``content`` (a ``post`` is
    ``content.post.<lang>.{title, content: [[elements]]}``), the body at most 20 KB, and with
    signature checking ``timestamp`` (seconds, within an hour) and ``sign`` = base64 of
    HMAC-SHA256 keyed by ``timestamp + "\\n" + secret`` over an empty message; 100 messages a
    minute and 5 a second."""

    limits = ((5, 1.0), (100, 60.0))
    MSG_TYPES = ("text", "post", "image", "share_chat", "interactive")
    POST_TAGS = ("text", "a", "at", "img", "media", "emotion", "hr", "code_block", "md")

    def __init__(
        self,
        replies: Iterable[Answer] = (),
        *,
        token: str = "hook-0f3c",
        secret: str | None = None,
        **kw: Any,
    ) -> None:
        super().__init__(replies, **kw)
        self.token = token
        self.secret = secret

    @property
    def url(self) -> str:
        """The bot's webhook URL."""
        return f"{self.origin}/open-apis/bot/v2/hook/{self.token}"

    @staticmethod
    def error(code: int, msg: str) -> Reply:
        return Reply(body={"code": code, "data": {}, "msg": msg})

    def check(self, seen: Seen) -> Reply | None:
        if seen.path != f"/open-apis/bot/v2/hook/{self.token}":
            return self.refuse(
                "unknown hook",
                self.error(19001, "param invalid: incoming webhook access token invalid"),
            )
        if len(seen.raw) > 20 * 1024:
            return self.refuse("body over 20 KB", self.error(9499, "request body too large"))
        if not is_json(seen):
            return self.refuse("not a JSON object", self.error(9499, "Bad Request"))
        body = seen.body
        if self.secret is not None:
            stamp = body.get("timestamp")
            if not isinstance(stamp, str) or not stamp.isdigit():
                return self.refuse(
                    "no timestamp",
                    self.error(
                        19021,
                        "sign match fail or timestamp is not within one hour from current time",
                    ),
                )
            key = f"{stamp}\n{self.secret}".encode()
            expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
            if abs(self.now() - int(stamp)) > 3600 or body.get("sign") != expected:
                return self.refuse(
                    "bad sign",
                    self.error(
                        19021,
                        "sign match fail or timestamp is not within one hour from current time",
                    ),
                )
        if body.get("msg_type") not in self.MSG_TYPES:
            return self.refuse(
                f"msg_type {body.get('msg_type')!r}", self.error(9499, "Bad Request")
            )
        if body["msg_type"] == "post":
            problem = self._post_problem(body.get("content"))
            if problem:
                return self.refuse(problem, self.error(9499, f"Bad Request: {problem}"))
        return None

    def _post_problem(self, content: Any) -> str | None:
        post = content.get("post") if isinstance(content, dict) else None
        if not isinstance(post, dict) or not post:
            return "content.post missing"
        for lang, doc in post.items():
            if lang not in ("zh_cn", "en_us", "ja_jp") or not isinstance(doc, dict):
                return f"post language {lang!r}"
            if not isinstance(doc.get("title", ""), str):
                return "title not a string"
            lines = doc.get("content")
            if not isinstance(lines, list) or not all(isinstance(line, list) for line in lines):
                return "content is not a list of lines"
            for element in (e for line in lines for e in line):
                if not isinstance(element, dict) or element.get("tag") not in self.POST_TAGS:
                    return f"element {element!r}"
                if element["tag"] in ("text", "a") and not isinstance(element.get("text"), str):
                    return "text element without text"
                if element["tag"] == "a" and not str(element.get("href", "")).startswith("http"):
                    return "a element without href"
        return None

    def success(self, seen: Seen) -> Reply:
        return Reply(
            body={
                "StatusCode": 0,
                "StatusMessage": "success",
                "code": 0,
                "data": {},
                "msg": "success",
            }
        )

    def too_fast(self) -> Reply:
        return self.error(11232, "frequency limited psm[lark.oapi.app_platform_runtime]")

    def lines(self, seen: Seen) -> list[str]:
        """A post's lines as a reader sees them."""
        doc = next(iter(seen.body["content"]["post"].values()))
        return [
            doc["title"],
            *("".join(e.get("text", "") for e in line) for line in doc["content"]),
        ]


# ---------------------------------------------------------------------------- DingTalk


class FakeDingTalk(ChatServer):
    """A DingTalk custom robot, per https://open.dingtalk.com/document/orgapp/custom-robot-access
    and https://open.dingtalk.com/document/orgapp/custom-bot-send-message-type:
    ``POST /robot/send?access_token=…``; with signing, query ``timestamp`` (milliseconds, within
    an hour) and ``sign`` = urlEncode(base64(HMAC-SHA256 keyed by the secret over
    ``timestamp + "\\n" + secret``)); ``msgtype`` ``markdown`` with ``title`` and ``text``;
    20 messages a minute."""

    limits = ((20, 60.0),)
    MSG_TYPES = ("text", "link", "markdown", "actionCard", "feedCard")

    def __init__(
        self,
        replies: Iterable[Answer] = (),
        *,
        token: str = "a1b2c3d4e5f6",
        secret: str | None = None,
        **kw: Any,
    ) -> None:
        super().__init__(replies, **kw)
        self.token = token
        self.secret = secret

    @property
    def url(self) -> str:
        """The robot's webhook URL."""
        return f"{self.origin}/robot/send?access_token={self.token}"

    @staticmethod
    def error(code: int, msg: str) -> Reply:
        return Reply(body={"errcode": code, "errmsg": msg})

    def check(self, seen: Seen) -> Reply | None:
        if seen.path != "/robot/send" or seen.param("access_token") != self.token:
            return self.refuse("bad token", self.error(300001, "token is not exist"))
        if self.secret is not None:
            stamp, sign = seen.param("timestamp"), seen.param("sign")
            if (
                stamp is None
                or not stamp.isdigit()
                or abs(self.now() * 1000 - int(stamp)) > 3_600_000
            ):
                return self.refuse("bad timestamp", self.error(310000, "invalid timestamp"))
            mac = hmac.new(self.secret.encode(), f"{stamp}\n{self.secret}".encode(), hashlib.sha256)
            # parse_qs has already URL-decoded the parameter, as DingTalk's server does
            if sign != base64.b64encode(mac.digest()).decode():
                return self.refuse("bad sign", self.error(310000, "sign not match"))
        if not is_json(seen) or seen.body.get("msgtype") not in self.MSG_TYPES:
            return self.refuse("bad message", self.error(40035, "缺少参数 json"))
        if seen.body["msgtype"] == "markdown":
            md = seen.body.get("markdown") or {}
            if not all(isinstance(md.get(k), str) and md[k] for k in ("title", "text")):
                return self.refuse(
                    "markdown without title or text", self.error(40035, "缺少参数 markdown")
                )
        return None

    def success(self, seen: Seen) -> Reply:
        return self.error(0, "ok")

    def too_fast(self) -> Reply:
        return self.error(130101, "send too fast, exceed 20 times per minute")


# ---------------------------------------------------------------------------- WeCom


class FakeWeCom(ChatServer):
    """A WeCom group robot, per https://developer.work.weixin.qq.com/document/path/91770:
    ``POST /cgi-bin/webhook/send?key=…``, ``msgtype`` ``markdown`` with ``content`` at most 4096
    bytes of UTF-8; 20 messages a minute."""

    limits = ((20, 60.0),)
    MSG_TYPES = ("text", "markdown", "image", "news", "file", "template_card")

    def __init__(
        self,
        replies: Iterable[Answer] = (),
        *,
        key: str = "693a91f6-7a0c-4bc4-97a0-0ec2",
        **kw: Any,
    ) -> None:
        super().__init__(replies, **kw)
        self.key = key

    @property
    def url(self) -> str:
        """The robot's webhook URL."""
        return f"{self.origin}/cgi-bin/webhook/send?key={self.key}"

    @staticmethod
    def error(code: int, msg: str) -> Reply:
        return Reply(body={"errcode": code, "errmsg": msg})

    def check(self, seen: Seen) -> Reply | None:
        if seen.path != "/cgi-bin/webhook/send" or seen.param("key") != self.key:
            return self.refuse("bad key", self.error(93000, "invalid webhook url"))
        if not is_json(seen) or seen.body.get("msgtype") not in self.MSG_TYPES:
            return self.refuse("bad message", self.error(40008, "invalid message type"))
        if seen.body["msgtype"] == "markdown":
            content = (seen.body.get("markdown") or {}).get("content")
            if not isinstance(content, str) or not content:
                return self.refuse("empty markdown", self.error(44004, "empty content"))
            if len(content.encode("utf-8")) > 4096:
                return self.refuse(
                    "markdown over 4096 bytes",
                    self.error(40058, "markdown.content exceed max length 4096"),
                )
        return None

    def success(self, seen: Seen) -> Reply:
        return self.error(0, "ok")

    def too_fast(self) -> Reply:
        return self.error(45009, "api freq out of limit")


# ---------------------------------------------------------------------------- Telegram


TG_TAGS = (
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "span",
    "tg-spoiler",
    "a",
    "code",
    "pre",
    "blockquote",
    "tg-emoji",
)
_TG_TOKEN = re.compile(
    r"<(/?)([a-z-]+)((?:\s+[a-z-]+=\"[^\"<>]*\")*)\s*>|&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);"
)


def telegram_html(text: str) -> str:
    """The text Telegram shows for ``parse_mode`` HTML (https://core.telegram.org/bots/api#html-style):
    ``ValueError`` for what it refuses (an unsupported tag, an unclosed one, a bare ``<``, ``>``
    or ``&``, a named entity other than lt, gt, amp and quot, an ``a`` without ``href``)."""
    shown: list[str] = []
    stack: list[str] = []
    pos = 0
    for found in _TG_TOKEN.finditer(text):
        between = text[pos : found.start()]
        if any(c in between for c in "<>&"):
            raise ValueError(f"can't parse entities: unexpected character in {between!r}")
        shown.append(between)
        pos = found.end()
        token = found.group(0)
        if token.startswith("&"):
            shown.append(html.unescape(token))
            continue
        closing, tag, attrs = found.group(1), found.group(2), found.group(3)
        if tag not in TG_TAGS:
            raise ValueError(f"can't parse entities: unsupported start tag {tag!r}")
        if closing:
            if not stack or stack.pop() != tag:
                raise ValueError(f"can't parse entities: unmatched end tag {tag!r}")
        else:
            if tag == "a" and 'href="' not in attrs:
                raise ValueError("can't parse entities: a tag without href")
            stack.append(tag)
    tail = text[pos:]
    if any(c in tail for c in "<>&"):
        raise ValueError(f"can't parse entities: unexpected character in {tail!r}")
    if stack:
        raise ValueError(f"can't parse entities: unclosed {stack[-1]!r}")
    return "".join([*shown, tail])


class FakeTelegram(ChatServer):
    """The Telegram Bot API's ``sendMessage``, per https://core.telegram.org/bots/api#sendmessage:
    ``POST /bot<token>/sendMessage`` with ``chat_id``, ``text`` (1-4096 characters after entities
    parsing), ``parse_mode`` (HTML checked as the formatting options say) and
    ``link_preview_options``; answers ``{"ok": true, "result": Message}`` or ``{"ok": false,
    "error_code", "description", "parameters": {"retry_after"}}``; a group takes at most 20
    messages a minute (https://core.telegram.org/bots/faq)."""

    limits = ((20, 60.0),)
    PREVIEW_KEYS: ClassVar[set[str]] = {
        "is_disabled",
        "url",
        "prefer_small_media",
        "prefer_large_media",
        "show_above_text",
    }

    def __init__(
        self,
        replies: Iterable[Answer] = (),
        *,
        token: str = "123456:AAH-test-token-not-real",
        chat_id: str = "@tweetpulse_test",
        **kw: Any,
    ) -> None:
        super().__init__(replies, **kw)
        self.token = token
        self.chat_id = chat_id
        self.shown: list[str] = []
        """The text of each message as a reader sees it."""

    @staticmethod
    def error(code: int, description: str, **parameters: Any) -> Reply:
        body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
        if parameters:
            body["parameters"] = parameters
        return Reply(status=code, body=body)

    @classmethod
    def flood(cls, retry_after: int) -> Reply:
        """A 429 as Telegram sends it."""
        return cls.error(
            429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after
        )

    def check(self, seen: Seen) -> Reply | None:
        found = re.fullmatch(r"/bot([^/]+)/sendMessage", seen.path)
        if found is None:
            return self.refuse("unknown method", self.error(404, "Not Found"))
        if found.group(1) != self.token:
            return self.refuse("bad token", self.error(401, "Unauthorized"))
        if not is_json(seen):
            return self.refuse("not JSON", self.error(400, "Bad Request: message text is empty"))
        body = seen.body
        if str(body.get("chat_id")) != self.chat_id:
            return self.refuse("wrong chat", self.error(400, "Bad Request: chat not found"))
        text = body.get("text")
        if not isinstance(text, str):
            return self.refuse("no text", self.error(400, "Bad Request: message text is empty"))
        if body.get("parse_mode") != "HTML":
            return self.refuse(
                f"parse_mode {body.get('parse_mode')!r}: the client is to send HTML",
                self.error(400, "Bad Request: unsupported parse_mode"),
            )
        try:
            shown = telegram_html(text)
        except ValueError as exc:
            return self.refuse(str(exc), self.error(400, f"Bad Request: {exc}"))
        units = len(shown.encode("utf-16-le")) // 2
        if not shown.strip() or units > 4096:
            return self.refuse(
                f"text of {units} units", self.error(400, "Bad Request: message is too long")
            )
        preview = body.get("link_preview_options", {})
        if not isinstance(preview, dict) or set(preview) - self.PREVIEW_KEYS:
            return self.refuse(
                f"link_preview_options {preview!r}",
                self.error(400, "Bad Request: can't parse link preview options"),
            )
        self.shown.append(shown)
        return None

    def success(self, seen: Seen) -> Reply:
        message = {
            "message_id": len(self.accepted),
            "date": int(self.now()),
            "chat": {"id": -100, "type": "channel"},
            "text": self.shown[-1],
        }
        return Reply(body={"ok": True, "result": message})

    def too_fast(self) -> Reply:
        return self.flood(3)


# ---------------------------------------------------------------------------- Slack


_SLACK_LINK = re.compile(r"<(https?://[^|<>\s]+)(?:\|[^<>]*)?>")
_SLACK_ENTITY = re.compile(r"&(?:amp|lt|gt);")


def slack_text_problem(text: str, *, mrkdwn: bool) -> str | None:
    """Why a text object would show other than as written: a bare ``&``, ``<`` or ``>`` (Slack's
    control characters, https://api.slack.com/reference/surfaces/formatting#escaping), except in
    a ``<url|label>`` link, which only mrkdwn may hold."""
    rest = _SLACK_LINK.sub("", text) if mrkdwn else text
    if any(c in rest for c in "<>"):
        return f"unescaped < or > in {text!r}"
    if "&" in _SLACK_ENTITY.sub("", rest):
        return f"unescaped & in {text!r}"
    return None


class FakeSlack(ChatServer):
    """A Slack incoming webhook, per https://api.slack.com/messaging/webhooks and the Block Kit
    reference https://api.slack.com/reference/block-kit/blocks: JSON with ``text`` and/or
    ``blocks``; a header's ``plain_text`` at most 150 characters, a section's text 3000, an image
    needs ``image_url`` and ``alt_text``; answers ``ok``, or ``invalid_payload`` /
    ``invalid_blocks`` / ``no_service`` errors; one message a second
    (https://api.slack.com/apis/rate-limits)."""

    limits = ((1, 1.0),)
    BLOCKS = ("header", "section", "image", "context", "divider", "actions", "rich_text")

    def __init__(
        self,
        replies: Iterable[Answer] = (),
        *,
        path: str = "/services/T0AAA/B0BBB/xyz0123456789",
        **kw: Any,
    ) -> None:
        super().__init__(replies, **kw)
        self.path = path

    @property
    def url(self) -> str:
        """The webhook URL."""
        return self.origin + self.path

    def check(self, seen: Seen) -> Reply | None:
        if seen.path != self.path:
            return self.refuse("unknown hook", Reply(status=404, body="no_service"))
        if not is_json(seen) or not (seen.body.get("text") or seen.body.get("blocks")):
            return self.refuse("no text or blocks", Reply(status=400, body="invalid_payload"))
        text = seen.body.get("text", "")
        problem = slack_text_problem(text, mrkdwn=True) if isinstance(text, str) else "text"
        for block in seen.body.get("blocks", []):
            problem = problem or self._block_problem(block)
        if problem:
            return self.refuse(problem, Reply(status=400, body="invalid_blocks"))
        return None

    def _block_problem(self, block: Any) -> str | None:
        if not isinstance(block, dict) or block.get("type") not in self.BLOCKS:
            return f"block {block!r}"
        kind = block["type"]
        if kind == "image":
            url, alt = block.get("image_url"), block.get("alt_text")
            if not (isinstance(url, str) and url.startswith("http") and len(url) <= 3000):
                return "image without image_url"
            if not (isinstance(alt, str) and 0 < len(alt) <= 2000):
                return "image without alt_text"
            return None
        if kind in ("header", "section"):
            obj = block.get("text")
            limit = 150 if kind == "header" else 3000
            allowed = ("plain_text",) if kind == "header" else ("plain_text", "mrkdwn")
            if not isinstance(obj, dict) or obj.get("type") not in allowed:
                return f"{kind} text object {obj!r}"
            value = obj.get("text")
            if not isinstance(value, str) or not value or len(value) > limit:
                return f"{kind} text of {len(value or '')} characters (limit {limit})"
            return slack_text_problem(value, mrkdwn=obj["type"] == "mrkdwn")
        return None

    def success(self, seen: Seen) -> Reply:
        return Reply(body="ok")

    def too_fast(self) -> Reply:
        return Reply(status=429, body="rate_limited", headers={"Retry-After": "1"})


# ---------------------------------------------------------------------------- generic webhook


WEBHOOK_KEYS = {
    "schema_version",
    "event",
    "window_id",
    "title",
    "headline",
    "description",
    "core_points",
    "url",
    "image_url",
    "tweets",
    "rendered_at",
    "content_hash",
}


class FakeWebhook(ChatServer):
    """A receiver of our generic webhook (README, Notify): the documented JSON object, and with
    a secret ``X-Tweetpulse-Signature`` = ``sha256=`` + hex(HMAC-SHA256(secret, timestamp + "." +
    body)) for an ``X-Tweetpulse-Timestamp`` within five minutes. Answers 202."""

    def __init__(
        self, replies: Iterable[Answer] = (), *, secret: str | None = None, **kw: Any
    ) -> None:
        super().__init__(replies, **kw)
        self.secret = secret

    @property
    def url(self) -> str:
        """The receiver's URL."""
        return self.origin + "/hooks/tweetpulse"

    def check(self, seen: Seen) -> Reply | None:
        if seen.path != "/hooks/tweetpulse":
            return self.refuse("unknown path", Reply(status=404, body={"error": "not found"}))
        if self.secret is not None:
            stamp = seen.headers.get("x-tweetpulse-timestamp", "")
            mac = hmac.new(self.secret.encode(), f"{stamp}.".encode() + seen.raw, hashlib.sha256)
            expected = "sha256=" + mac.hexdigest()
            fresh = stamp.isdigit() and abs(self.now() - int(stamp)) <= 300
            if not fresh or not hmac.compare_digest(
                seen.headers.get("x-tweetpulse-signature", ""), expected
            ):
                return self.refuse(
                    "bad signature", Reply(status=401, body={"error": "bad signature"})
                )
        if not is_json(seen) or set(seen.body) != WEBHOOK_KEYS or seen.body["schema_version"] != 1:
            return self.refuse(
                f"not the documented schema: {seen.body!r}",
                Reply(status=400, body={"error": "schema"}),
            )
        if seen.headers.get("x-tweetpulse-event") != seen.body["event"]:
            return self.refuse("event header", Reply(status=400, body={"error": "event"}))
        return None

    def success(self, seen: Seen) -> Reply:
        return Reply(status=202, body={"accepted": True})

    def too_fast(self) -> Reply:
        return Reply(status=429, body={"error": "slow down"}, headers={"Retry-After": "1"})


@dataclass
class Fleet:
    """One fake per platform, started and stopped together (``with Fleet() as fleet``)."""

    feishu: FakeFeishu = field(default_factory=lambda: FakeFeishu(secret="feishu-secret-0"))
    dingtalk: FakeDingTalk = field(default_factory=lambda: FakeDingTalk(secret="SEC0d1n9-secret"))
    wecom: FakeWeCom = field(default_factory=FakeWeCom)
    telegram: FakeTelegram = field(default_factory=FakeTelegram)
    slack: FakeSlack = field(default_factory=FakeSlack)
    webhook: FakeWebhook = field(default_factory=lambda: FakeWebhook(secret="hook-secret-0"))

    def all(self) -> dict[str, ChatServer]:
        """Each fake by target name."""
        return {
            name: getattr(self, name)
            for name in ("feishu", "dingtalk", "wecom", "telegram", "slack", "webhook")
        }

    def env(self) -> dict[str, str]:
        """The TWEETPULSE_NOTIFY__* variables that point notify at every fake."""
        t = self.telegram
        return {
            "TWEETPULSE_NOTIFY__FEISHU__URL": self.feishu.url,
            "TWEETPULSE_NOTIFY__FEISHU__SECRET": self.feishu.secret or "",
            "TWEETPULSE_NOTIFY__DINGTALK__URL": self.dingtalk.url,
            "TWEETPULSE_NOTIFY__DINGTALK__SECRET": self.dingtalk.secret or "",
            "TWEETPULSE_NOTIFY__WECOM__URL": self.wecom.url,
            "TWEETPULSE_NOTIFY__TELEGRAM__TOKEN": t.token,
            "TWEETPULSE_NOTIFY__TELEGRAM__CHAT_ID": t.chat_id,
            "TWEETPULSE_NOTIFY__TELEGRAM__BASE_URL": t.origin,
            "TWEETPULSE_NOTIFY__SLACK__URL": self.slack.url,
            "TWEETPULSE_NOTIFY__WEBHOOK__URL": self.webhook.url,
            "TWEETPULSE_NOTIFY__WEBHOOK__SECRET": self.webhook.secret or "",
        }

    def __enter__(self) -> Self:
        for server in self.all().values():
            server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        for server in self.all().values():
            server.__exit__(*exc)

    def problems(self) -> dict[str, list[str]]:
        """What each fake refused, by name (empty when all was well)."""
        return {n: s.problems for n, s in self.all().items() if s.problems}
