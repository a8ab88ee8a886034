"""Worker health and Prometheus metrics, served on one small HTTP port.

- ``/healthz``: readiness. 200 while the worker's loop runs and every readiness check passes;
  503 with the reason otherwise (before start, after stop, and while a dependency is down: the
  bus backing off from Redis or Kafka, the site's disk full). A balancer or a readiness probe
  takes the worker out meanwhile; it comes back by itself.
- ``/livez``: liveness. 200 while the loop runs, ready or not, so an outage of a dependency does
  not get the worker restarted for nothing.
- ``/metrics``: Prometheus text.

The server (:class:`TelemetryServer`) is one asyncio thread: an idle connection costs a
coroutine, not a thread, at most ``max_connections`` are held (a new one evicts the oldest that
has not sent its request yet), and one that sends no request within ``timeout_s`` is dropped.
Answers are computed on a two-thread pool, since a scrape may read Redis. It binds
``settings.worker.health_host``: 127.0.0.1 by default (a developer's machine), 0.0.0.0 in the
container deployments so that probes and Prometheus reach it.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from shared.errors import ConfigError, InvalidMessage
from shared.models import Contract

log = logging.getLogger(__name__)

M = TypeVar("M", bound=Contract)


class Telemetry:
    """Counters for one worker: processed, failed, dead-lettered, lag, handling latency."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.registry = CollectorRegistry()
        self.processed = Counter(
            "tweetpulse_messages_processed",
            "Messages handled successfully",
            ["service"],
            registry=self.registry,
        )
        self.failed = Counter(
            "tweetpulse_messages_failed",
            "Handler failures (retried or fatal)",
            ["service"],
            registry=self.registry,
        )
        self.dead_lettered = Counter(
            "tweetpulse_messages_dead_lettered",
            "Messages sent to a dead-letter topic",
            ["service"],
            registry=self.registry,
        )
        self.lag = Gauge(
            "tweetpulse_consumer_lag",
            "Messages behind the end of the input topic, summed over partitions",
            ["service"],
            registry=self.registry,
            multiprocess_mode="mostrecent",  # one value, not one per process (Celery's pool)
        )
        self.latency = Histogram(
            "tweetpulse_handling_seconds",
            "Time spent in the handler per message",
            ["service"],
            registry=self.registry,
            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10),
        )
        self.exposed: CollectorRegistry = self.registry
        """What /metrics serves: the registry, or a collector over several processes' files."""
        self.extra_gauges: dict[str, Gauge] = {}
        self.before_scrape: list[Callable[[], None]] = []
        """Called before each /metrics answer, to read counters kept elsewhere (the bus)."""
        self.running = False
        """Set while the worker's loop runs; /healthz answers 503 before and after."""
        self.readiness: list[Callable[[], str | None]] = []
        """Checks /healthz runs: each returns why the worker is not ready, or None."""
        self._last_beat = time.monotonic()

    def gauge(self, name: str, doc: str) -> Gauge:
        """A service-labelled gauge created on first use (e.g. report cost, last tweet time)."""
        if name not in self.extra_gauges:
            self.extra_gauges[name] = Gauge(name, doc, ["service"], registry=self.registry)
        return self.extra_gauges[name]

    def watch_bus(self, bus: Any) -> None:
        """Export what a consuming bus counts itself: dead letters (poison too) and lag."""
        counted = 0

        def read() -> None:
            nonlocal counted
            total = int(getattr(bus, "dead_lettered", 0))
            if total > counted:
                self.dead_lettered.labels(self.service).inc(total - counted)
                counted = total
            lag = getattr(bus, "last_lag", None)
            if lag is not None:
                self.lag.labels(self.service).set(lag)

        self.before_scrape.append(read)
        self.readiness.append(lambda: getattr(bus, "unavailable", None))

    def beat(self) -> None:
        """Record that the worker handled something (a message, a page, a poll)."""
        self._last_beat = time.monotonic()

    def healthy(self) -> bool:
        """The worker's loop is running and ready (see :meth:`not_ready`)."""
        return self.not_ready() is None

    def not_ready(self) -> str | None:
        """Why /healthz says 503: not running, or the first readiness check that fails."""
        if not self.running:
            return "not running"
        for check in self.readiness:
            problem = check()
            if problem:
                return problem
        return None

    def last_beat_age_s(self) -> float:
        """Seconds since the last beat."""
        return time.monotonic() - self._last_beat

    def wrap(self, handler: Callable[[M], Sequence[Contract]]) -> Callable[[M], Sequence[Contract]]:
        """Count and time every call of ``handler``."""

        def measured(message: M) -> Sequence[Contract]:
            start = time.perf_counter()
            try:
                out = handler(message)
            except InvalidMessage:
                raise  # the bus dead-letters it and counts it (see watch_bus)
            except Exception:
                self.failed.labels(self.service).inc()
                raise
            finally:
                self.latency.labels(self.service).observe(time.perf_counter() - start)
                self.beat()
            self.processed.labels(self.service).inc()
            return out

        return measured

    def serve(
        self,
        port: int,
        host: str = "127.0.0.1",
        *,
        timeout_s: float = 5.0,
        max_connections: int = 64,
    ) -> TelemetryServer:
        """Serve /healthz, /livez and /metrics on a daemon thread; port 0 picks a free one."""
        return TelemetryServer(
            self, host, port, timeout_s=timeout_s, max_connections=max_connections
        )

    def answer(self, path: str) -> tuple[int, bytes, str]:
        """Status, body and content type for a GET of ``path``."""
        if path == "/healthz":
            problem = self.not_ready()
            if problem is None:
                return 200, b"ok\n", "text/plain"
            return 503, f"not ready: {problem}\n".encode("utf-8", "replace"), "text/plain"
        if path == "/livez":
            ok = self.running
            return (200, b"ok\n", "text/plain") if ok else (503, b"not running\n", "text/plain")
        if path == "/metrics":
            for hook in self.before_scrape:
                hook()
            return 200, generate_latest(self.exposed), CONTENT_TYPE_LATEST
        return 404, b"not found\n", "text/plain"


_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed"}
_REASONS |= {500: "Internal Server Error", 503: "Service Unavailable"}
_HEAD_LIMIT = 16 * 1024


class TelemetryServer:
    """The HTTP/1.0 server of one :class:`Telemetry` (see the module doc)."""

    def __init__(
        self,
        telemetry: Telemetry,
        host: str,
        port: int,
        *,
        timeout_s: float,
        max_connections: int,
    ) -> None:
        self._telemetry = telemetry
        self._timeout_s = timeout_s
        self._max = max_connections
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            sock.close()
            if exc.errno != errno.EADDRINUSE:
                raise
            raise ConfigError(
                f"{telemetry.service}: port {port} for /healthz and /metrics is in use; give each"
                " worker on one machine its own TWEETPULSE_WORKER__HEALTH_PORT (0 picks a free one)"
            ) from exc
        sock.listen(128)
        sock.setblocking(False)
        self._sock = sock
        self.server_address: tuple[str, int] = sock.getsockname()[:2]
        self.open = 0
        """Connections held right now."""
        self._waiting: OrderedDict[asyncio.StreamWriter, None] = OrderedDict()
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="telemetry-answer")
        self._loop = asyncio.new_event_loop()
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._run, name="telemetry", daemon=True)
        self._thread.start()
        self._started.wait()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(
            asyncio.start_server(self._connection, sock=self._sock, limit=_HEAD_LIMIT)
        )
        self._started.set()
        try:
            self._loop.run_forever()
        finally:
            server.close()
            tasks = asyncio.all_tasks(self._loop)
            for task in tasks:
                task.cancel()
            self._loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            self._loop.close()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.open >= self._max:
            if not self._waiting:
                writer.transport.abort()  # every slot is answering: this one waits its turn
                return
            oldest, _ = self._waiting.popitem(last=False)
            oldest.transport.abort()
        self.open += 1
        self._waiting[writer] = None
        try:
            try:
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), self._timeout_s)
            except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, OSError):
                return
            finally:
                self._waiting.pop(writer, None)
            status, body, kind = await self._respond(head)
            head_out = (
                f"HTTP/1.0 {status} {_REASONS.get(status, '')}\r\n"
                f"Content-Type: {kind}\r\nContent-Length: {len(body)}\r\n"
                "Connection: close\r\n\r\n"
            )
            writer.write(head_out.encode("latin-1") + body)
            with contextlib.suppress(TimeoutError, OSError):
                await asyncio.wait_for(writer.drain(), self._timeout_s)
        finally:
            self.open -= 1
            writer.close()

    async def _respond(self, head: bytes) -> tuple[int, bytes, str]:
        request = head.split(b"\r\n", 1)[0].decode("latin-1").split()
        if len(request) != 3 or not request[2].startswith("HTTP/"):
            return 400, b"bad request\n", "text/plain"
        method, target, _ = request
        if method != "GET":
            return 405, b"GET only\n", "text/plain"
        path = target.split("?", 1)[0]
        try:
            return await self._loop.run_in_executor(self._pool, self._telemetry.answer, path)
        except Exception:
            log.exception("telemetry: answering %s failed", path)
            return 500, b"error\n", "text/plain"

    def shutdown(self) -> None:
        """Stop serving and close the port (idempotent)."""
        if self._loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._pool.shutdown(wait=True, cancel_futures=True)

    def server_close(self) -> None:
        """Kept for callers of ``http.server``'s API: :meth:`shutdown` closes the port."""
        self.shutdown()
