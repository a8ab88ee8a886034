"""Faults against the real services: every worker its own process on Kafka and Redis.

Each test replays the same 3,000 generated tweets at a fixed rate, so the stream lasts several
seconds, does something nasty while it flows, and then asks for the one thing that matters: the
final report's stats equal, exactly, those of the embedded run on the same input. Before asserting
that, each test checks from the broker (end offsets, committed offsets, group members) that the
fault really happened mid-stream, so a test cannot pass by striking after the stream ended.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from shared.kafka_bus import DLQ_HEADERS
from shared.models import DeadLetter, TweetClassified, TweetIngested, WindowStats
from tests.e2e.harness import (
    ROOT,
    Cluster,
    embedded_stats,
    generate_tweets,
    stats_diff,
    total,
    wait_until,
)

pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.slow]

TWEETS = 3_000
RATE = "250"  # tweets/s: the 3,000 take ~12 s to replay
KAFKA_SH = ROOT / "deploy" / "local" / "kafka.sh"


@dataclass(frozen=True)
class Stream:
    """The generated input and what the embedded run makes of it."""

    path: Path
    expected: WindowStats


@pytest.fixture(scope="module")
def stream(tmp_path_factory: pytest.TempPathFactory) -> Stream:
    path = generate_tweets(tmp_path_factory.mktemp("stream") / "tweets.csv", TWEETS)
    return Stream(path, embedded_stats(path))


def _logs(c: Cluster, *names: str) -> str:
    return "\n".join(f"--- {n}.log (end) ---\n{c.log(n)[-4000:]}" for n in names)


def _assert_matches(c: Cluster, expected: WindowStats, *, timeout_s: float = 180) -> None:
    report = c.wait_for_stats(expected, timeout_s=timeout_s)
    if report is None:
        last = c.reports()[-1:]
        diff = stats_diff(last[0].stats, expected) if last else ["no report was published"]
        pytest.fail(
            "no report equals the embedded run's stats:\n"
            + "\n".join(diff)
            + f"\nlast read error: {c.read_error}\n"
            + _logs(c, "ingest", "classify", "summarize", "celery")
        )


def _ingest_done(c: Cluster, proc: subprocess.Popen[bytes], *, timeout_s: float = 180) -> int:
    """Wait for the ingest worker; the records it left on tweets.raw."""
    assert proc.wait(timeout=timeout_s) == 0, _logs(c, "ingest")
    return total(c.end_offsets(TweetIngested.TOPIC))


def _freeze_in_flight(c: Cluster, *, attempts: int = 60) -> tuple[int, int, int]:
    """SIGSTOP classify and summarize at a moment both have messages in flight.

    Frozen, neither can move, so the broker's offsets show their state at the instant of death:
    classify has in flight what it has published output for but not committed (the case that
    redelivers and could count twice); summarize, input that it has not committed. Returns the
    end of tweets.classified and the two groups' committed totals at that instant.
    """
    for _ in range(attempts):
        time.sleep(random.uniform(0.02, 0.25))
        for name in ("classify", "summarize"):
            c.procs[name].send_signal(signal.SIGSTOP)
        classified = total(c.end_offsets(TweetClassified.TOPIC))
        classify_done = total(c.committed("classify", TweetIngested.TOPIC))
        summarize_done = total(c.committed("summarize", TweetClassified.TOPIC))
        if 0 < classify_done < classified and 0 < summarize_done < classified:
            return classified, classify_done, summarize_done
        for name in ("classify", "summarize"):
            c.procs[name].send_signal(signal.SIGCONT)
    pytest.fail(f"never caught both workers with messages in flight in {attempts} tries")


def test_kill_9_classify_and_summarize_mid_stream_loses_and_doubles_nothing(
    run: Cluster, stream: Stream
) -> None:
    c = run
    c.start_all()
    ingest = c.ingest(stream.path, "--rate", RATE, wait=False)
    wait_until(
        "summarize handles its first 300 tweets",
        lambda: c.processed("summarize") >= 300,
        timeout_s=90,
    )
    classified, classify_done, summarize_done = _freeze_in_flight(c)
    c.kill("classify", signal.SIGKILL)
    c.kill("summarize", signal.SIGKILL)
    streaming = ingest.poll() is None
    killed = (c.procs["classify"].returncode, c.procs["summarize"].returncode)
    time.sleep(2)  # the stream goes on without them
    c.start("classify")
    c.start("summarize")
    published = _ingest_done(c, ingest)

    assert killed == (-signal.SIGKILL, -signal.SIGKILL)
    assert streaming, "ingest had finished before the kill: not mid-stream"
    assert classified < published, (classified, published)
    _assert_matches(c, stream.expected)
    # The restarted workers resumed from the commits: classify published again the outputs it
    # had not committed (at least once), and summarize counted none of them twice (above).
    redone = len(c.read(TweetClassified.TOPIC)) - published
    assert redone >= classified - classify_done > 0, (redone, classified, classify_done)
    assert c.processed("classify") >= published - classify_done
    assert c.processed("summarize") >= published - summarize_done
    assert c.lag("classify", TweetIngested.TOPIC) == 0
    assert c.lag("summarize", TweetClassified.TOPIC) == 0


def _kafka_sh(action: str, bootstrap: str) -> None:
    """``deploy/local/kafka.sh up|down`` for the broker at ``bootstrap``."""
    host, _, port = bootstrap.split(",")[0].rpartition(":")
    env = {**os.environ, "KAFKA_HOST": host, "KAFKA_PORT": port}
    subprocess.run(["bash", str(KAFKA_SH), action], check=True, timeout=240, env=env)


def _answers(bootstrap: str) -> bool:
    host, _, port = bootstrap.split(",")[0].rpartition(":")
    try:
        socket.create_connection((host, int(port)), timeout=2).close()
    except OSError:
        return False
    return True


def test_broker_restart_mid_stream_loses_nothing(
    run: Cluster, stream: Stream, kafka_bootstrap: str
) -> None:
    c = run
    c.start_all()
    ingest = c.ingest(stream.path, "--rate", RATE, wait=False)
    wait_until(
        "summarize handles its first 500 tweets",
        lambda: c.processed("summarize") >= 500,
        timeout_s=90,
    )
    raw_before = total(c.end_offsets(TweetIngested.TOPIC))
    try:
        _kafka_sh("down", kafka_bootstrap)
        streaming = ingest.poll() is None
        down = not _answers(kafka_bootstrap)
        time.sleep(3)  # ingest keeps reading and buffering; consumers find nobody
    finally:
        _kafka_sh("up", kafka_bootstrap)
    assert down, f"{kafka_bootstrap} still answers: not a broker deploy/local/kafka.sh runs"
    published = _ingest_done(c, ingest)

    assert streaming, "ingest had finished before the broker went down: not mid-stream"
    assert raw_before < published, (raw_before, published)
    _assert_matches(c, stream.expected)
    # Every published tweet was classified (a redelivered batch may add copies, never gaps).
    raw_keys = Counter(r.key for r in c.read(TweetIngested.TOPIC))
    classified_keys = Counter(r.key for r in c.read(TweetClassified.TOPIC))
    assert set(classified_keys) == set(raw_keys)
    assert all(classified_keys[k] >= n for k, n in raw_keys.items())


def _poison() -> dict[bytes, bytes]:
    """Three messages classify cannot take, by key."""
    good = {
        "tweet_id": "poison-huge",
        "text": "x" * (2 * 1024 * 1024),
        "created_at": "2026-01-02T01:00:00Z",
        "observed_at": "2026-01-02T01:00:00Z",
        "author": {"username": "poison"},
        "source": "test",
    }
    return {
        b"poison-not-json": b"\xff\xfe this is not JSON {",
        b"poison-schema": json.dumps({"tweet_id": "poison-schema", "hello": "world"}).encode(),
        b"poison-huge": json.dumps(good).encode(),
    }


def test_poison_messages_go_to_the_dlq_and_the_stream_goes_on(run: Cluster, stream: Stream) -> None:
    c = run
    c.start_all()
    ingest = c.ingest(stream.path, "--rate", RATE, wait=False)
    wait_until(
        "classify handles its first 300 tweets",
        lambda: c.processed("classify") >= 300,
        timeout_s=90,
    )
    poison = _poison()
    assert len(poison[b"poison-huge"]) > 2 * 1024 * 1024
    bus = c.bus()
    for key, payload in poison.items():
        bus.publish_raw(TweetIngested.TOPIC, payload, key=key)
    bus.flush()
    streaming = ingest.poll() is None
    _ingest_done(c, ingest)

    assert streaming, "ingest had finished before the poison was sent: not mid-stream"
    _assert_matches(c, stream.expected)
    where = {r.key: (r.partition, r.offset) for r in c.read(TweetIngested.TOPIC) if r.key in poison}
    assert set(where) == set(poison)
    dlq = c.read(f"{TweetIngested.TOPIC}.dlq")
    # Ingest dead-letters the input's broken lines here too (by line, without dlq.* headers).
    letters = [r for r in dlq if r.key in poison]
    for other in (r for r in dlq if r.key not in poison):
        rejected = DeadLetter.model_validate_json(other.value or b"")
        assert rejected.line is not None and not other.headers, (rejected, other.headers)
    assert sorted(r.key or b"" for r in letters) == sorted(poison)
    for record in letters:
        assert record.key is not None
        assert set(DLQ_HEADERS) <= set(record.headers), record.headers
        partition, offset = where[record.key]
        headers = {k: v.decode() for k, v in record.headers.items()}
        assert headers["dlq.topic"] == c.physical(TweetIngested.TOPIC)
        assert (int(headers["dlq.partition"]), int(headers["dlq.offset"])) == (partition, offset)
        assert headers["dlq.exception.class"] == "InvalidMessage"
        assert headers["dlq.exception.message"]
        assert record.value is not None
        letter = DeadLetter.model_validate_json(record.value)
        assert letter.source_topic == TweetIngested.TOPIC
        assert (letter.partition, letter.offset) == (partition, offset)
        assert letter.reason
        assert letter.payload_size == len(poison[record.key])
    # The poison produced nothing downstream.
    assert not [r for r in c.read(TweetClassified.TOPIC) if r.key in poison]


def test_two_classify_workers_share_the_partitions(run: Cluster, stream: Stream) -> None:
    c = run
    c.start_all()
    c.start("classify-2")
    wait_until(
        "both classify workers hold partitions",
        lambda: len(members := c.members("classify")) == 2 and all(members.values()),
        timeout_s=90,
        every_s=0.5,
    )
    assignment = sorted(sorted(parts) for parts in c.members("classify").values())
    ingest = c.ingest(stream.path, "--rate", "1000", wait=False)
    published = _ingest_done(c, ingest)
    _assert_matches(c, stream.expected)

    first, second = (set(parts) for parts in assignment)
    assert first and second and not first & second, assignment
    assert first | second == set(range(4)), assignment
    now = sorted(sorted(parts) for parts in c.members("classify").values())
    assert now == assignment, f"the group rebalanced meanwhile: {assignment} -> {now}"
    one, two = c.processed("classify"), c.processed("classify-2")
    assert one > 0 and two > 0, (one, two)
    # Disjoint: every tweet was handled exactly once between them.
    assert one + two == published, (one, two, published)


END_OF_TIME = "9999-12-31T23:59:59Z"


def _far_future_tweet() -> tuple[bytes, bytes]:
    """Issue 12's poison: a schema-valid tweet observed at the last second Python can hold."""
    payload = json.dumps(
        {
            "tweet_id": "poison-end-of-time",
            "text": "OpenAI ships a new AI model for traders",  # classified ai/finance
            "created_at": "2026-01-02T01:00:00Z",
            "observed_at": END_OF_TIME,
            "author": {"username": "poison_end_of_time"},
            "source": "test",
        }
    ).encode()
    TweetIngested.model_validate_json(payload)  # schema-valid: no decoder rejects it
    return b"poison_end_of_time", payload


def test_a_tweet_observed_at_the_end_of_time_is_dead_lettered_and_the_report_goes_on(
    run: Cluster, stream: Stream
) -> None:
    """It crash-looped summarize (20 restarts in 20 s, the report frozen at 130 of 377 tweets):
    now it is one dead letter on tweets.classified.dlq with its reason, summarize never exits,
    and the final report equals the embedded run's."""
    c = run
    c.start_all()
    ingest = c.ingest(stream.path, "--rate", RATE, wait=False)
    wait_until(
        "summarize handles its first 300 tweets",
        lambda: c.processed("summarize") >= 300,
        timeout_s=90,
    )
    key, payload = _far_future_tweet()
    bus = c.bus()
    bus.publish_raw(TweetIngested.TOPIC, payload, key=key)
    bus.flush()
    sent_at = time.monotonic()
    streaming = ingest.poll() is None
    summarize_pid = c.procs["summarize"].pid
    found = wait_until(
        "the poison reaches tweets.classified.dlq",
        lambda: any(r.key == key for r in c.read(f"{TweetClassified.TOPIC}.dlq", timeout_s=5)),
        timeout_s=60,
        every_s=0.5,
    )
    _ingest_done(c, ingest)

    assert streaming, "ingest had finished before the poison was sent: not mid-stream"
    _assert_matches(c, stream.expected)
    assert c.procs["summarize"].pid == summarize_pid and c.procs["summarize"].poll() is None
    [record] = [r for r in c.read(f"{TweetClassified.TOPIC}.dlq") if r.key == key]
    headers = {k: v.decode() for k, v in record.headers.items()}
    assert headers["dlq.topic"] == c.physical(TweetClassified.TOPIC)
    assert headers["dlq.exception.class"] == "InvalidMessage"
    letter = DeadLetter.model_validate_json(record.value or b"")
    assert letter.source_topic == TweetClassified.TOPIC
    assert "observed_at 9999-12-31T23:59:59+00:00 has no report window" in letter.reason
    assert (
        TweetClassified.model_validate_json(letter.payload).tweet.tweet_id == "poison-end-of-time"
    )
    # Classify took it (it is a valid tweet); only summarize, which needs its window, refused it.
    assert [r for r in c.read(TweetClassified.TOPIC) if r.key == key]
    assert not [r for r in c.read(f"{TweetIngested.TOPIC}.dlq") if r.key == key]
    # Reports kept coming after it: the last one counts every tweet of the stream.
    assert c.reports()[-1].stats.tweets == stream.expected.tweets
    print(f"\npoison dead-lettered {found:.1f}s after it was sent "
          f"(sent {time.monotonic() - sent_at:.1f}s ago); summarize never restarted")  # fmt: skip
