"""A local X API v2 on 127.0.0.1 for tests: recent search, the filtered stream and its rules.

It answers like X does where the client depends on it: bearer-token check, ``since_id`` and
``next_token`` paging (newest first, stable tokens), ``includes`` for authors and referenced
tweets, rules with ids, problem payloads. Tests script the rest:

- ``search_replies``: answers used, in order, before the search logic (429, 503, errors, a
  slow answer for a timeout);
- ``streams``: one script per stream connection: :class:`Send` bytes, :class:`Pause`, and a
  :class:`Refuse` status; the connection closes where the script ends (a drop). With no script
  left, a connection gets keep-alives until the client goes away.

Every request is recorded in ``requests``.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.fakes.replies import Reply

TOKEN = "test-token-not-a-secret"  # noqa: S105 - the fake server's own token


@dataclass(frozen=True)
class Send:
    """Stream step: write these bytes now."""

    data: bytes


@dataclass(frozen=True)
class Pause:
    """Stream step: write nothing for a while."""

    seconds: float


@dataclass(frozen=True)
class Refuse:
    """Stream step (first only): answer this status instead of 200."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class StreamScript:
    """One stream connection: its steps; ``chunked`` as X does, else delimited by the close."""

    steps: list[Send | Pause | Refuse]
    chunked: bool = True


@dataclass(frozen=True)
class Request:
    """A request as the server saw it."""

    method: str
    path: str
    params: dict[str, str]
    body: Any
    authorization: str | None


def problem(status: int, title: str, detail: str, **extra: Any) -> dict[str, Any]:
    """An RFC 7807-style problem payload as X sends them."""
    return {"title": title, "detail": detail, "type": "about:blank", "status": status, **extra}


class FakeXApi:
    """The server and its data; use as a context manager, point the client at ``base_url``."""

    def __init__(self) -> None:
        self.tweets: dict[str, dict[str, Any]] = {}  # searchable, by id
        self.referenced: dict[str, dict[str, Any]] = {}  # only for includes.tweets
        self.users: dict[str, dict[str, Any]] = {}
        self.rules: dict[str, dict[str, Any]] = {}
        self.requests: list[Request] = []
        self.search_replies: deque[Reply] = deque()
        self.streams: deque[StreamScript] = deque()
        self._rule_seq = 100
        self.lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.closing = threading.Event()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FakeXApi:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.closing.set()
        self._server.shutdown()
        self._server.server_close()

    # ------------------------------------------------------------------ data

    def user(self, user_id: str, username: str, **extra: Any) -> dict[str, Any]:
        """Add an author (``includes.users`` entry)."""
        self.users[user_id] = {
            "id": user_id,
            "username": username,
            "name": extra.pop("name", username.title()),
            "verified": extra.pop("verified", False),
            "public_metrics": {"followers_count": extra.pop("followers", 10)},
            **extra,
        }
        return self.users[user_id]

    def tweet(
        self,
        tweet_id: int | str,
        text: str,
        *,
        author_id: str = "1",
        created_at: str = "2026-01-02T08:00:00.000Z",
        retweet_of: str | None = None,
        searchable: bool = True,
        **extra: Any,
    ) -> dict[str, Any]:
        """Add a tweet object; ``retweet_of`` names an original added with searchable=False."""
        tweet: dict[str, Any] = {
            "id": str(tweet_id),
            "text": text,
            "author_id": author_id,
            "created_at": created_at,
            "lang": extra.pop("lang", "en"),
            "public_metrics": {
                "like_count": extra.pop("likes", 1),
                "retweet_count": extra.pop("retweets", 0),
                "reply_count": 0,
                "quote_count": 0,
            },
            "edit_history_tweet_ids": [str(tweet_id)],
            **extra,
        }
        if retweet_of is not None:
            tweet["referenced_tweets"] = [{"type": "retweeted", "id": retweet_of}]
        (self.tweets if searchable else self.referenced)[str(tweet_id)] = tweet
        return tweet

    def includes(self, tweets: list[dict[str, Any]]) -> dict[str, Any]:
        """The ``includes`` X would send with these tweets."""
        refs = [
            self.referenced.get(r["id"]) or self.tweets.get(r["id"])
            for t in tweets
            for r in t.get("referenced_tweets", [])
        ]
        held = [r for r in refs if r is not None]
        author_ids = {t["author_id"] for t in [*tweets, *held]}
        out: dict[str, Any] = {}
        users = [self.users[a] for a in sorted(author_ids) if a in self.users]
        if users:
            out["users"] = users
        if held:
            out["tweets"] = held
        return out

    def stream_line(self, tweet: dict[str, Any], tag: str = "tweetpulse-ai") -> bytes:
        """One stream line (without its newline) carrying ``tweet``."""
        line = {"data": tweet, "includes": self.includes([tweet]), "matching_rules": [{"tag": tag}]}
        return json.dumps(line, ensure_ascii=False).encode("utf-8")

    def requests_to(self, path: str) -> list[Request]:
        """The recorded requests for one path."""
        return [r for r in self.requests if r.path == path]

    # ------------------------------------------------------------------ answers

    def search(self, params: dict[str, str]) -> Reply:
        """Recent search over ``tweets``: newer than since_id, newest first, in pages."""
        if not params.get("query"):
            return Reply(400, problem(400, "Invalid Request", "query is required"))
        since = int(params.get("since_id", "0"))
        token = params.get("next_token")
        below = int(token.removeprefix("lt-")) if token else None
        size = int(params.get("max_results", "10"))
        matching = sorted(
            (
                t
                for t in self.tweets.values()
                if int(t["id"]) > since and (below is None or int(t["id"]) < below)
            ),
            key=lambda t: -int(t["id"]),
        )
        page = matching[:size]
        meta: dict[str, Any] = {"result_count": len(page)}
        body: dict[str, Any] = {"meta": meta}
        if page:
            meta["newest_id"], meta["oldest_id"] = page[0]["id"], page[-1]["id"]
            body["data"] = page
            includes = self.includes(page)
            if includes:
                body["includes"] = includes
        if len(matching) > size:
            meta["next_token"] = f"lt-{page[-1]['id']}"
        return Reply(200, body)

    def rules_get(self) -> Reply:
        rules = list(self.rules.values())
        meta = {"sent": "2026-01-02T08:00:00.000Z", "result_count": len(rules)}
        return Reply(200, {"data": rules, "meta": meta} if rules else {"meta": meta})

    def rules_post(self, body: Any) -> Reply:
        if "delete" in body:
            ids = body["delete"]["ids"]
            gone = [i for i in ids if self.rules.pop(i, None) is not None]
            summary = {"deleted": len(gone), "not_deleted": len(ids) - len(gone)}
            return Reply(200, {"meta": {"summary": summary}})
        created, errors = [], []
        for rule in body["add"]:
            if "INVALID" in rule["value"]:
                errors.append(
                    {
                        "value": rule["value"],
                        "details": ["Reference to invalid operator 'INVALID'"],
                        "title": "UnprocessableEntity",
                        "type": "https://api.twitter.com/2/problems/invalid-rules",
                    }
                )
                continue
            self._rule_seq += 1
            entry = {"id": str(self._rule_seq), **rule}
            self.rules[entry["id"]] = entry
            created.append(entry)
        summary = {
            "created": len(created),
            "not_created": len(errors),
            "valid": len(created),
            "invalid": len(errors),
        }
        answer: dict[str, Any] = {"meta": {"summary": summary}}
        if created:
            answer["data"] = created
        if errors:
            answer["errors"] = errors
        return Reply(200, answer)

    # ------------------------------------------------------------------ HTTP

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        return type("Handler", (_Handler,), {"fake": self})


class _Handler(BaseHTTPRequestHandler):
    """The HTTP side of :class:`FakeXApi` (``fake`` is set on a subclass per server)."""

    protocol_version = "HTTP/1.1"
    fake: FakeXApi

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _request(self) -> Request | None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        request = Request(
            self.command,
            url.path,
            dict(parse_qsl(url.query)),
            json.loads(raw) if raw else None,
            self.headers.get("Authorization"),
        )
        with self.fake.lock:
            self.fake.requests.append(request)
        if request.authorization != f"Bearer {TOKEN}":
            self._reply(Reply(401, problem(401, "Unauthorized", "Unauthorized")))
            return None
        return request

    def _reply(self, reply: Reply) -> None:
        if reply.delay_s:
            time.sleep(reply.delay_s)
        body = reply.body
        if isinstance(body, bytes | str):
            data = body.encode() if isinstance(body, str) else body
            kind = "text/html"
        else:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            kind = "application/json"
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Connection", "close")
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            pass  # the client gave up (a timeout test)
        self.close_connection = True

    def do_GET(self) -> None:
        request = self._request()
        if request is None:
            return
        if request.path == "/2/tweets/search/recent":
            with self.fake.lock:
                scripted = self.fake.search_replies.popleft() if self.fake.search_replies else None
                reply = scripted or self.fake.search(request.params)
            self._reply(reply)
        elif request.path == "/2/tweets/search/stream/rules":
            with self.fake.lock:
                reply = self.fake.rules_get()
            self._reply(reply)
        elif request.path == "/2/tweets/search/stream":
            with self.fake.lock:
                script = self.fake.streams.popleft() if self.fake.streams else None
            self._stream(script)
        else:
            self._reply(Reply(404, problem(404, "Not Found", self.path)))

    def do_POST(self) -> None:
        request = self._request()
        if request is None:
            return
        if request.path == "/2/tweets/search/stream/rules":
            with self.fake.lock:
                reply = self.fake.rules_post(request.body)
            self._reply(reply)
        else:
            self._reply(Reply(404, problem(404, "Not Found", self.path)))

    def _stream(self, script: StreamScript | None) -> None:
        steps = script.steps if script is not None else []
        chunked = script.chunked if script is not None else True
        if steps and isinstance(steps[0], Refuse):
            first = steps[0]
            self._reply(Reply(first.status, first.body, first.headers))
            return
        self.close_connection = True
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Connection", "close")
            if chunked:
                self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.flush()
            for step in steps:
                if isinstance(step, Send):
                    self._write(step.data, chunked)
                elif isinstance(step, Pause):
                    time.sleep(step.seconds)
            if script is None:  # nothing scripted: keep-alives until the client leaves
                while not self.fake.closing.wait(0.05):
                    self._write(b"\r\n", chunked)
        except OSError:
            pass
        # Ending here without the last chunk is a drop, as when X's connection breaks.

    def _write(self, data: bytes, chunked: bool) -> None:
        if chunked:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        else:
            self.wfile.write(data)
        self.wfile.flush()
