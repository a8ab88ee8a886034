"""Worker health and Prometheus metrics, served on one small HTTP port (/healthz, /metrics)."""

from __future__ import annotations

import errno
import logging
import threading
import time
from collections.abc import Callable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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

    def beat(self) -> None:
        """Record that the worker handled something (a message, a page, a poll)."""
        self._last_beat = time.monotonic()

    def healthy(self) -> bool:
        """The worker's loop is running."""
        return self.running

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

    def serve(self, port: int, host: str = "0.0.0.0") -> ThreadingHTTPServer:  # noqa: S104 - a pod port
        """Serve /healthz and /metrics on a daemon thread; port 0 picks a free one."""
        telemetry = self

        class _Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/healthz":
                    ok = telemetry.healthy()
                    self._send(200 if ok else 503, b"ok\n" if ok else b"stale\n", "text/plain")
                elif self.path == "/metrics":
                    for hook in telemetry.before_scrape:
                        hook()
                    self._send(200, generate_latest(telemetry.exposed), CONTENT_TYPE_LATEST)
                else:
                    self._send(404, b"not found\n", "text/plain")

            def _send(self, code: int, body: bytes, kind: str) -> None:
                self.send_response(code)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                log.debug("health server: " + format, *args)

        try:
            server = ThreadingHTTPServer((host, port), _Handler)
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            raise ConfigError(
                f"{self.service}: port {port} for /healthz and /metrics is in use; give each worker"
                " on one machine its own TWEETPULSE_WORKER__HEALTH_PORT (0 picks a free one)"
            ) from exc
        threading.Thread(target=server.serve_forever, name="telemetry", daemon=True).start()
        return server
