"""The notify worker as a process on the real Kafka and Redis, pushing to local platform fakes.

It consumes real ``posts.rendered`` records in its consumer group: each post reaches every target
once, a redelivered one (published again, and again after a restart) reaches none, a target that
is down dead-letters its pushes on ``posts.rendered.dlq`` while the others succeed, /metrics
counts it all per target, and a post that arrives in quiet hours goes out when they end.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from prometheus_client.parser import text_string_to_metric_families

from shared.models import DeadLetter, PostRendered
from tests.e2e.harness import Cluster, wait_until
from tests.fakes.chat_servers import Fleet, closed_port_url
from tests.unit.test_notify_handler import RENDERED, make_post

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

HEALTHY = 60
PUSHED = 60


@pytest.fixture
def fleet() -> Iterator[Fleet]:
    with Fleet() as fleet:
        yield fleet


def notify_metrics(c: Cluster) -> dict[tuple[str, str, str], float]:
    """notify's samples by (name, target, reason)."""
    status, body = c.http_get("notify", "/metrics")
    assert status == 200
    return {
        (s.name, s.labels.get("target", ""), s.labels.get("reason", "")): s.value
        for family in text_string_to_metric_families(body)
        for s in family.samples
        if s.name.startswith("tweetpulse_notify_")
    }


def start_notify(c: Cluster) -> None:
    c.start("notify")
    wait_until(
        "notify /healthz answers 200",
        lambda: c.http_get("notify", "/healthz")[0] == 200,
        timeout_s=HEALTHY,
    )


def test_the_worker_pushes_real_posts_once_and_dead_letters_a_target_that_is_down(
    run: Cluster, fleet: Fleet
) -> None:
    c = run
    down = closed_port_url("/services/T0/B0/down-key-0123456789")
    c.extra_env.update(
        {
            **fleet.env(),
            "TWEETPULSE_NOTIFY__SLACK__URL": down,
            "TWEETPULSE_NOTIFY__MAX_ATTEMPTS": "2",
            "TWEETPULSE_NOTIFY__RETRY_BASE_S": "0.2",
            "TWEETPULSE_RENDER__SITE_URL": "https://blog.example.test",
        }
    )
    up = {n: s for n, s in fleet.all().items() if n != "slack"}
    start_notify(c)
    bus = c.bus()
    first = make_post()
    changed = make_post(
        core_points=["突发：新模型发布", "要点1", "要点2"],
        rendered_at=RENDERED + timedelta(minutes=30),
    )
    for post in (first, first, changed):  # the second is a redelivery
        bus.publish(post)
    bus.flush()
    wait_until(
        "every live target has both digests",
        lambda: all(len(s.accepted) == 2 for s in up.values()),
        timeout_s=PUSHED,
    )
    wait_until(
        "notify committed the three records",
        lambda: sum(c.committed("notify", PostRendered.TOPIC).values()) == 3,
        timeout_s=PUSHED,
    )
    assert fleet.problems() == {}
    assert {n: len(s.requests) for n, s in up.items()} == dict.fromkeys(up, 2)
    assert "突发：新模型发布" in fleet.telegram.shown[1]

    metrics = notify_metrics(c)
    for name in up:
        assert metrics[("tweetpulse_notify_sent_total", name, "")] == 2, name
        assert metrics[("tweetpulse_notify_suppressed_total", name, "duplicate")] == 1, name
        assert metrics[("tweetpulse_notify_failed_total", name, "")] == 0, name
    assert metrics[("tweetpulse_notify_failed_total", "slack", "")] == 2
    assert metrics[("tweetpulse_notify_retries_total", "slack", "")] == 2

    letters = [r for r in c.read(f"{PostRendered.TOPIC}.dlq") if r.value]
    assert [r.key for r in letters] == [b"slack:2026-01-02"] * 2
    for record in letters:
        letter = DeadLetter.model_validate_json(record.value or b"")
        assert letter.reason.startswith("slack: ConnectError")
        assert "down-key-0123456789" not in letter.reason
        assert PostRendered.model_validate_json(letter.payload).window_id == "2026-01-02"

    # the ledger is in Redis: a restarted worker given the same post again pushes nothing
    c.kill("notify", 15)
    start_notify(c)
    bus.publish(first)
    bus.flush()
    wait_until(
        "the restarted worker committed the redelivery",
        lambda: sum(c.committed("notify", PostRendered.TOPIC).values()) == 4,
        timeout_s=PUSHED,
    )
    assert {n: len(s.requests) for n, s in up.items()} == dict.fromkeys(up, 2)
    assert notify_metrics(c)[("tweetpulse_notify_suppressed_total", "feishu", "duplicate")] == 1


@pytest.mark.slow
def test_a_post_arriving_in_quiet_hours_goes_out_when_they_end(run: Cluster, fleet: Fleet) -> None:
    c = run
    zone = ZoneInfo("Asia/Shanghai")
    local = datetime.now(zone)
    # quiet until the minute after next (so at least a minute away), in the report time zone
    end = (local + timedelta(minutes=2)).replace(second=0, microsecond=0)
    span = f"{(local - timedelta(hours=1)):%H:%M}-{end:%H:%M}"
    c.extra_env.update(
        {
            "TWEETPULSE_NOTIFY__WEBHOOK__URL": fleet.webhook.url,
            "TWEETPULSE_NOTIFY__WEBHOOK__SECRET": fleet.webhook.secret or "",
            "TWEETPULSE_NOTIFY__QUIET_HOURS": span,
            "TWEETPULSE_NOTIFY__TICK_S": "1",
        }
    )
    start_notify(c)
    bus = c.bus()
    bus.publish(make_post())
    bus.flush()
    wait_until(
        "the post was deferred",
        lambda: notify_metrics(c).get(("tweetpulse_notify_deferred_total", "webhook", "")) == 1,
        timeout_s=PUSHED,
    )
    assert fleet.webhook.requests == []
    wait_until(
        "the quiet hours end and the post goes out",
        lambda: len(fleet.webhook.accepted) == 1,
        timeout_s=240,
        every_s=1,
    )
    assert datetime.now(zone) >= end
    assert fleet.problems() == {}
    assert notify_metrics(c)[("tweetpulse_notify_sent_total", "webhook", "")] == 1
