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
