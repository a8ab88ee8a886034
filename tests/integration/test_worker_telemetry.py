"""A worker as its orchestrator sees it: /healthz, Prometheus /metrics, and SIGTERM.

Kubernetes probes /healthz, Prometheus scrapes /metrics, and a rollout sends SIGTERM: the worker
must then finish the batch in hand, commit it and exit 0 within a few seconds, so that neither a
message is lost nor a whole batch handled again by the next pod.
"""

from __future__ import annotations

import signal
import time
from functools import partial
from pathlib import Path

import httpx
import pytest

from shared.models import TweetClassified, TweetIngested
from tests.e2e.harness import Cluster, generate_tweets, total, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

SERVICES = (("classify", TweetIngested.TOPIC), ("summarize", TweetClassified.TOPIC))


def _healthy(c: Cluster, name: str) -> bool:
    return c.http_get(name, "/healthz")[0] == 200


def test_health_metrics_and_sigterm_mid_stream(run: Cluster, tmp_path: Path) -> None:
    c = run
    tweets = generate_tweets(tmp_path / "tweets.csv", 3_000)
    for name, _ in SERVICES:
        c.start(name)
    for name, _ in SERVICES:
        wait_until(f"{name} /healthz answers 200", partial(_healthy, c, name), timeout_s=60)
    ingest = c.ingest(tweets, "--rate", "300", wait=False)
    wait_until(
        "both workers handle messages",
        lambda: all(c.processed(name) >= 200 for name, _ in SERVICES),
        timeout_s=90,
    )
    for name, _ in SERVICES:
        status, _ = c.http_get(name, "/healthz")
        assert status == 200, name
        metrics = c.metrics(name)
        assert metrics[("tweetpulse_messages_processed_total", name)] > 0
        assert metrics[("tweetpulse_handling_seconds_count", name)] > 0
        # Labelled by its own service only.
        assert {label for (sample, label) in metrics if sample.startswith("tweetpulse_")} == {name}
    ports = {name: c.port(name) for name, _ in SERVICES}

    # SIGTERM both while tweets still flow.
    for name, _ in SERVICES:
        c.procs[name].send_signal(signal.SIGTERM)
    sent = time.monotonic()
    assert ingest.poll() is None, "the stream ended before SIGTERM"
    codes = {name: c.procs[name].wait(timeout=30) for name, _ in SERVICES}
    took = time.monotonic() - sent
    assert codes == {"classify": 0, "summarize": 0}, codes
    assert took < 10, f"SIGTERM took {took:.1f}s"
    assert ingest.wait(timeout=120) == 0

    # Classify finished its batch and committed it: every tweet it committed has its output, and
    # every output it published is committed (nothing handled and left to be handled again).
    classified = total(c.end_offsets(TweetClassified.TOPIC))
    assert 0 < total(c.committed("classify", TweetIngested.TOPIC)) == classified
    assert total(c.end_offsets(TweetIngested.TOPIC)) > classified  # the rest waits for a worker
    assert 0 < total(c.committed("summarize", TweetClassified.TOPIC)) <= classified
    for name, port in ports.items():
        with pytest.raises(httpx.TransportError):
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
        assert "finishing the batch in hand" in c.log(name), name


@pytest.mark.parametrize("pool", ["prefork", "solo"])
def test_the_celery_worker_serves_health_and_counts_its_tasks(run: Cluster, pool: str) -> None:
    """Beat ticks ``refresh`` every second; the worker's /metrics must count what its pool ran,
    children included (prefork), and /healthz must follow the worker's life."""
    c = run
    c.start("celery", "--pool", pool, "--concurrency", "2")
    wait_until("celery /healthz answers 200", partial(_healthy, c, "celery"), timeout_s=60)
    port = c.port("celery")
    assert f"({pool})" in c.log("celery"), "the banner names another pool"
    c.start("beat")
    wait_until("celery counts three refreshes", lambda: c.processed("celery") >= 3, timeout_s=60)

    metrics = c.metrics("celery")
    assert metrics[("tweetpulse_handling_seconds_count", "celery")] >= 3
    assert metrics.get(("tweetpulse_messages_failed_total", "celery"), 0) == 0
    assert ("tweetpulse_consumer_lag", "celery") in metrics  # its value: test_celery_queue_*
    _, body = c.http_get("celery", "/metrics")
    assert 'task="tweetpulse.refresh"' in body and 'state="succeeded"' in body
    assert "pid=" not in body  # one worker's figures, not one series per pool process

    c.procs["celery"].send_signal(signal.SIGTERM)
    assert c.procs["celery"].wait(timeout=30) == 0
    with pytest.raises(httpx.TransportError):
        httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)


def test_celery_queue_length_is_read_from_redis_as_the_lag(redis_url: str) -> None:
    import uuid

    import redis

    from services.summarize.celery_telemetry import SERVICE, read_queue
    from shared.settings import Settings
    from shared.telemetry import Telemetry

    queue = f"test-{uuid.uuid4().hex[:8]}.summarize"
    settings = Settings(redis={"url": redis_url, "celery_queue": queue})
    client = redis.Redis.from_url(redis_url)
    try:
        client.rpush(queue, "a", "b", "c")
        telemetry = Telemetry(SERVICE)
        read_queue(telemetry, settings)
        assert (
            telemetry.registry.get_sample_value("tweetpulse_consumer_lag", {"service": SERVICE})
            == 3
        )
        client.lpop(queue)
        read_queue(telemetry, settings)
        assert (
            telemetry.registry.get_sample_value("tweetpulse_consumer_lag", {"service": SERVICE})
            == 2
        )
    finally:
        client.delete(queue)
        client.close()


def _threads(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    raise AssertionError("no Threads: line")


def test_idle_connections_do_not_take_a_thread_each_and_are_dropped(run: Cluster) -> None:
    """Issue 12: 200 idle connections to a worker's port held 204 threads, for ever."""
    import socket

    c = run
    c.extra_env.update(
        {
            "TWEETPULSE_WORKER__HEALTH_TIMEOUT_S": "2",
            "TWEETPULSE_WORKER__HEALTH_MAX_CONNECTIONS": "32",
        }
    )
    c.start("classify")
    wait_until("classify /healthz answers 200", partial(_healthy, c, "classify"), timeout_s=60)
    pid, port = c.procs["classify"].pid, c.port("classify")
    before = _threads(pid)
    idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(200)]
    try:
        time.sleep(0.5)
        during = _threads(pid)
        assert during <= before + 2, (before, during)
        # The endpoint answers through the flood (a new connection evicts the oldest idle one).
        assert _healthy(c, "classify")
        assert c.metrics("classify") is not None
        time.sleep(3)  # past the timeout: every idle connection is gone
        dropped = 0
        for sock in idle:
            sock.settimeout(2)
            try:
                dropped += sock.recv(1) == b""
            except ConnectionResetError:
                dropped += 1
        assert dropped == len(idle)
        assert _threads(pid) <= before + 2
        assert _healthy(c, "classify")
        print(f"\n200 idle connections: {before} threads before, {during} during; all dropped")
    finally:
        for sock in idle:
            sock.close()
