"""notify's counts on /metrics: per target, the configured ones from zero, read at each scrape."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

from services.notify.handler import handle
from services.notify.metrics import export
from shared.telemetry import Telemetry
from tests.unit.test_notify_handler import RecordingDeliver, make_deps, make_post


def scrape(base: str) -> dict[tuple[str, str, str], float]:
    body = httpx.get(f"{base}/metrics").text
    return {
        (s.name, s.labels["target"], s.labels.get("reason", "")): s.value
        for family in text_string_to_metric_families(body)
        for s in family.samples
        if s.name.startswith("tweetpulse_notify_") and s.name.endswith("_total")
    }


def test_sent_failed_suppressed_and_retries_are_served_per_target():
    deps = make_deps(deliver=RecordingDeliver(failing={"telegram": "HTTP 500"}))
    telemetry = Telemetry("notify")
    export(deps, telemetry)
    server = telemetry.serve(0, host="127.0.0.1")
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        before = scrape(base)
        assert before[("tweetpulse_notify_sent_total", "slack", "")] == 0
        assert before[("tweetpulse_notify_suppressed_total", "telegram", "duplicate")] == 0
        handle(make_post(), deps=deps)
        handle(make_post(), deps=deps)
        after = scrape(base)
        assert after == scrape(base)  # a second scrape adds nothing
    finally:
        server.shutdown()
        server.server_close()
    assert after[("tweetpulse_notify_sent_total", "slack", "")] == 1
    assert after[("tweetpulse_notify_failed_total", "telegram", "")] == 1
    assert after[("tweetpulse_notify_sent_total", "telegram", "")] == 0
    for target in ("slack", "telegram"):
        assert after[("tweetpulse_notify_suppressed_total", target, "duplicate")] == 1
        assert after[("tweetpulse_notify_suppressed_total", target, "daily_limit")] == 0
