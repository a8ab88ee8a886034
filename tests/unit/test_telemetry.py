"""The health and metrics server every worker runs: its answers, and a clear error for a taken
port (two workers on one machine with the same TWEETPULSE_WORKER__HEALTH_PORT)."""

from __future__ import annotations

import httpx
import pytest

from shared.errors import ConfigError
from shared.telemetry import Telemetry


def test_healthz_follows_the_loop_and_metrics_are_served() -> None:
    t = Telemetry("classify")
    server = t.serve(0, host="127.0.0.1")
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        assert httpx.get(f"{base}/healthz").status_code == 503
        t.running = True
        assert httpx.get(f"{base}/healthz").status_code == 200
        t.processed.labels("classify").inc()
        body = httpx.get(f"{base}/metrics").text
        assert 'tweetpulse_messages_processed_total{service="classify"} 1.0' in body
        assert httpx.get(f"{base}/nope").status_code == 404
    finally:
        server.shutdown()
        server.server_close()


def test_a_port_in_use_says_which_setting_to_change() -> None:
    first = Telemetry("classify").serve(0, host="127.0.0.1")
    try:
        port = first.server_address[1]
        with pytest.raises(
            ConfigError, match=r"summarize: port \d+ .*TWEETPULSE_WORKER__HEALTH_PORT"
        ):
            Telemetry("summarize").serve(port, host="127.0.0.1")
    finally:
        first.shutdown()
        first.server_close()


def test_readiness_follows_dependencies_while_liveness_follows_the_loop() -> None:
    t = Telemetry("summarize")
    outage: list[str] = []
    t.readiness.append(lambda: outage[0] if outage else None)
    server = t.serve(0)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        assert server.server_address[0] == "127.0.0.1"  # the default binds loopback only
        assert httpx.get(f"{base}/livez").status_code == 503
        t.running = True
        assert httpx.get(f"{base}/healthz").status_code == 200
        outage.append("StoreUnavailable: redis apply failed")
        ready = httpx.get(f"{base}/healthz")
        assert ready.status_code == 503 and "StoreUnavailable" in ready.text
        assert httpx.get(f"{base}/livez").status_code == 200
        outage.clear()
        assert httpx.get(f"{base}/healthz").status_code == 200
    finally:
        server.shutdown()


def test_a_bus_that_backs_off_makes_the_worker_not_ready() -> None:
    class Bus:
        dead_lettered = 0
        last_lag = None
        unavailable: str | None = "BrokerUnavailable: kafka flush failed"

    t = Telemetry("classify")
    t.running = True
    bus = Bus()
    t.watch_bus(bus)
    assert not t.healthy() and t.not_ready() == bus.unavailable
    bus.unavailable = None
    assert t.healthy()


def _threads() -> int:
    import threading

    return threading.active_count()


def test_idle_connections_cost_no_thread_are_capped_and_dropped_after_the_timeout() -> None:
    """Issue 12: 200 idle connections held 204 threads, for ever. Now: one thread for the
    server, two at most for answers, at most ``max_connections`` held, each dropped once it has
    said nothing for ``timeout_s``; and the endpoint answers all along."""
    import socket
    import time

    t = Telemetry("classify")
    t.running = True
    before = _threads()
    server = t.serve(0, timeout_s=1.5, max_connections=32)
    port = server.server_address[1]
    idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(200)]
    try:
        time.sleep(0.3)
        assert server.open <= 32
        assert _threads() - before <= 3
        # A probe still gets through the flood: a new connection evicts the oldest idle one.
        assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
        assert httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).status_code == 200
        assert _threads() - before <= 3
        time.sleep(2.0)
        assert server.open == 0
        closed = 0
        for sock in idle:
            sock.settimeout(1)
            try:
                closed += sock.recv(1) == b""
            except ConnectionResetError:
                closed += 1
        assert closed == len(idle)
    finally:
        for sock in idle:
            sock.close()
        server.shutdown()
    assert _threads() <= before


def test_only_get_is_answered() -> None:
    import socket

    t = Telemetry("classify")
    server = t.serve(0)
    port = server.server_address[1]
    try:
        assert httpx.post(f"http://127.0.0.1:{port}/healthz").status_code == 405
        with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
            sock.sendall(b"nonsense\r\n\r\n")
            assert sock.recv(64).startswith(b"HTTP/1.0 400")
    finally:
        server.shutdown()
