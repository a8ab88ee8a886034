"""Short outages of a dependency, on the real services: workers wait them out and resume.

A Redis of the test's own (a private redis-server on a free port, never the shared one) holds
summarize's windows and Celery's queue; it is stopped or killed mid-stream and started again on
its data. The render worker writes its site on a tmpfs of a few hundred kilobytes, mounted by the
test (it runs as root), which is filled until writes fail with ENOSPC and then emptied. Meanwhile
no worker may exit, /healthz must say 503 (with the reason) and /livez 200, and once the
dependency is back the final report must equal the embedded run's, exactly.
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest

from shared.models import TweetClassified
from tests.e2e.harness import (
    Cluster,
    PrivateRedis,
    embedded_stats,
    generate_tweets,
    stats_diff,
    wait_until,
)
from tests.integration.test_distributed import RATE, TWEETS, Stream

pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def stream(tmp_path_factory: pytest.TempPathFactory) -> Stream:
    path = generate_tweets(tmp_path_factory.mktemp("stream") / "tweets.csv", TWEETS)
    return Stream(path, embedded_stats(path))


def _logs(c: Cluster, *names: str) -> str:
    return "\n".join(f"--- {n}.log (end) ---\n{c.log(n)[-3000:]}" for n in names)


def _assert_matches(c: Cluster, stream: Stream, *names: str) -> None:
    report = c.wait_for_stats(stream.expected, timeout_s=240)
    if report is None:
        last = c.reports()[-1:]
        diff = stats_diff(last[0].stats, stream.expected) if last else ["no report"]
        pytest.fail("\n".join(diff) + "\n" + _logs(c, *names))


def _status(c: Cluster, name: str, path: str) -> tuple[int, str]:
    try:
        return c.http_get(name, path)
    except Exception as exc:  # the worker must answer; say what it answered instead
        return -1, repr(exc)


def _answers(c: Cluster, name: str, status: int) -> bool:
    return _status(c, name, "/healthz")[0] == status


@dataclass
class Outage:
    """What one outage looked like from the workers."""

    down_s: float
    not_ready: dict[str, str]
    ready_again_s: dict[str, float]


@pytest.mark.parametrize(
    ("how", "appendfsync"),
    [
        # A clean stop: the AOF is written at shutdown.
        ("sigterm", "everysec"),
        # A crash of the process, with the deployments' fsync policy: Redis writes the AOF before
        # it answers, so what it acknowledged is in the kernel's cache and survives a kill -9
        # (fsync every second only matters when the machine itself goes down).
        ("sigkill", "everysec"),
    ],
)
def test_a_redis_outage_mid_stream_is_waited_out(
    run: Cluster, stream: Stream, redis_url: str, tmp_path: Path, how: str, appendfsync: str
) -> None:
    c = run
    redis = PrivateRedis(tmp_path / "redis", appendfsync=appendfsync)
    redis.start()
    try:
        c.extra_env.update(redis.env())
        # Ingest's dedup stays on the shared Redis: its own outage handling is issue 11's.
        c.process_env["ingest"] = {"TWEETPULSE_REDIS__URL": redis_url}
        c.start_all()
        ingest = c.ingest(stream.path, "--rate", RATE, wait=False)
        wait_until(
            "summarize handles its first 500 tweets",
            lambda: c.processed("summarize") >= 500,
            timeout_s=120,
        )
        pids = {name: proc.pid for name, proc in c.procs.items() if name != "ingest"}
        redis.kill(signal.SIGTERM if how == "sigterm" else signal.SIGKILL)
        down_at = time.monotonic()
        streaming = ingest.poll() is None
        not_ready: dict[str, str] = {}
        for name in ("summarize", "celery"):
            wait_until(
                f"{name} /healthz says 503 while Redis is away",
                partial(_answers, c, name, 503),
                timeout_s=30,
            )
            not_ready[name] = _status(c, name, "/healthz")[1].strip()
            assert _status(c, name, "/livez")[0] == 200, name
        time.sleep(max(0.0, 5 - (time.monotonic() - down_at)))  # at least 5 s away
        c.check_alive()
        redis.start()
        down_s = time.monotonic() - down_at
        up_at = time.monotonic()
        ready_again = {
            name: wait_until(
                f"{name} ready again",
                partial(_answers, c, name, 200),
                timeout_s=60,
            )
            for name in ("summarize", "celery")
        }
        assert ingest.wait(timeout=240) == 0, _logs(c, "ingest")
        _assert_matches(c, stream, "summarize", "celery", "beat")
        done_s = time.monotonic() - up_at
        outage = Outage(down_s, not_ready, ready_again)

        assert streaming, "ingest had finished before Redis went down: not mid-stream"
        assert {n: p.pid for n, p in c.procs.items() if n != "ingest"} == pids, "a worker restarted"
        c.check_alive()
        assert "StoreUnavailable" in outage.not_ready["summarize"], outage
        assert "redis" in outage.not_ready["celery"], outage
        assert c.lag("summarize", TweetClassified.TOPIC) == 0
        print(
            f"\nredis {how} ({appendfsync}): away {outage.down_s:.1f}s; not ready: "
            f"{outage.not_ready}; ready again after "
            f"{ {n: round(s, 1) for n, s in outage.ready_again_s.items()} }s; report equal to "
            f"the embedded run's ({stream.expected.tweets} tweets) {done_s:.1f}s after Redis "
            "came back"
        )
    finally:
        redis.stop()


# ---------------------------------------------------------------------------- a full site disk


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MiB tmpfs; mounting one needs root (else the test cannot make a real ENOSPC)."""
    where = tmp_path / "run" / "site"
    where.mkdir(parents=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m,mode=0755", "tmpfs", str(where)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        reason = f"cannot mount a tmpfs for a real ENOSPC (root needed): {done.stderr.strip()}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def _fill(disk: Path) -> Path:
    """Fill ``disk`` to its last byte with one file (unbuffered writes); returns it."""
    filler = disk / ".filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        size = 1 << 20
        while size:
            try:
                os.write(fd, b"\0" * size)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC, exc
                size //= 2
    finally:
        os.close(fd)
    return filler


def test_a_full_site_disk_is_waited_out_and_the_post_written_when_space_returns(
    tmp_path: Path, stream: Stream, kafka_bootstrap: str, redis_url: str, small_disk: Path
) -> None:
    from tests.e2e.harness import cluster

    with cluster(tmp_path / "run") as c:
        assert c.site == small_disk
        c.extra_env.update(
            {
                "TWEETPULSE_KAFKA__BOOTSTRAP_SERVERS": kafka_bootstrap,
                "TWEETPULSE_REDIS__URL": redis_url,
            }
        )
        filler = _fill(small_disk)
        assert os.statvfs(small_disk).f_bavail == 0
        c.start_all()
        render_pid = c.procs["render"].pid
        assert c.ingest(stream.path, "--rate", "1000").returncode == 0
        wait_until(
            "render says it is not ready: the disk is full",
            lambda: "StorageFull" in _status(c, "render", "/healthz")[1],
            timeout_s=180,
        )
        reason = _status(c, "render", "/healthz")[1].strip()
        assert _status(c, "render", "/livez")[0] == 200
        time.sleep(5)  # it stays up, backing off, while the disk is full
        c.check_alive()
        assert not list((small_disk / "_posts").glob("*.md"))
        filler.unlink()
        freed_at = time.monotonic()
        report = c.wait_for_stats(stream.expected, timeout_s=120)
        written_s = time.monotonic() - freed_at
        assert report is not None, _logs(c, "render", "summarize", "celery")
        wait_until("render ready again", lambda: c.ready("render"), timeout_s=30)

        assert c.procs["render"].pid == render_pid and c.procs["render"].poll() is None
        assert "ENOSPC" in c.log("render") or "No space left" in c.log("render")
        assert c.post_tweet_count() == stream.expected.tweets
        assert not [p for p in small_disk.rglob(".*.tmp")], "a failed write left a temp file"
        print(f"\nsite disk full: render not ready ({reason}); post written {written_s:.1f}s "
              f"after space returned, {stream.expected.tweets} tweets as embedded")  # fmt: skip


def test_a_render_killed_mid_write_leaves_nothing_after_its_next_start(run: Cluster) -> None:
    """Temporary files as ``atomic_write`` names them, left by a render killed with kill -9
    before its rename, are gone once the next render has started."""
    import tempfile

    c = run
    c.start("render")
    wait_until("render is up", partial(_answers, c, "render", 200), timeout_s=90)
    c.kill("render", signal.SIGKILL)
    leftovers = []
    for folder, name in (("_posts", "2026-01-02-twitter_ai_20260102_20260102.md"),
                         ("assets/images", "wordcloud_twitter_ai_20260102_20260102.jpg")):  # fmt: skip
        (c.site / folder).mkdir(parents=True, exist_ok=True)
        fd, path = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=c.site / folder)
        os.write(fd, b"half written")
        os.close(fd)
        leftovers.append(Path(path))
    mine = c.site / "_posts" / "2025-12-31-by-hand.md"
    mine.write_text("a post of the user's", encoding="utf-8")
    c.start("render")
    wait_until("render is up again", partial(_answers, c, "render", 200), timeout_s=90)
    assert not [p for p in leftovers if p.exists()]
    assert mine.exists()
    assert "removed 2 temporary files" in c.log("render", latest=True)
