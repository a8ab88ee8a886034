"""What makes a restarted ingest lose nothing: marks after the ack, and file checkpoints.

The processes and the kill -9 are in ``tests/integration/test_ingest_faults.py``; here the
pieces, with a memory store and a fake clock: a record is seen from the moment it is handed out
but marked in the store only on ``commit``; a file source's checkpoint counts what was published,
and a restart passes over exactly that, without pacing it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.ingest.bootstrap import build_deps
from services.ingest.checkpoint import KEY_PREFIX, FileCheckpoint, file_checkpoint_key
from services.ingest.dedup import Dedup
from services.ingest.handler import SEEN_NAMESPACE, handle
from services.ingest.sources import build_source
from shared.models import TweetIngested
from shared.settings import Settings
from shared.store import MemoryStore


def tweets_file(path: Path, n: int, *, reverse: bool = False) -> Path:
    order = range(n - 1, -1, -1) if reverse else range(n)
    lines = [
        json.dumps(
            {
                "id": str(1610000000000000000 + i),
                "text": f"tweet {i} about AI",
                "username": "a",
                "created_at": f"2026-01-02T10:{i // 60:02d}:{i % 60:02d}Z",
            }
        )
        for i in order
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0
        self.slept = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.slept += seconds


def test_a_record_is_marked_in_the_store_only_on_commit() -> None:
    store = MemoryStore()
    dedup = Dedup(store)
    assert not dedup.seen("1")
    dedup.publishing("1")
    assert dedup.seen("1") and not store.contains(SEEN_NAMESPACE, "1")
    assert dedup.pending == 1
    assert dedup.commit() == 1
    assert store.contains(SEEN_NAMESPACE, "1") and dedup.pending == 0
    # A second process on the same store sees what the first committed, not what it did not.
    dedup.publishing("2")
    other = Dedup(store)
    assert other.seen("1") and not other.seen("2")


def test_a_crash_before_the_ack_publishes_the_tweet_again(tmp_path: Path) -> None:
    path = tweets_file(tmp_path / "t.jsonl", 10)
    store = MemoryStore()
    settings = Settings()
    first = build_deps(settings, store=store)
    source = build_source("file", settings=settings, store=store, inputs=[path], resume=True)
    out = []
    for n, record in enumerate(source.records(), start=1):
        out += handle(record, deps=first)
        if n == 4:
            first.dedup.commit()  # the broker acknowledged the first four
            source.commit()
        if n == 7:
            break  # kill -9: records 5 to 7 were sent, never acknowledged
    again = build_deps(settings, store=store)
    restarted = build_source("file", settings=settings, store=store, inputs=[path], resume=True)
    second = [e for r in restarted.records() for e in handle(r, deps=again)]
    assert restarted.metrics.skipped == 4
    ids = [e.tweet_id[-1] for e in second if isinstance(e, TweetIngested)]
    assert ids == [str(i) for i in range(4, 10)], "the unacknowledged ones must come again"


@pytest.mark.parametrize("rate", [None, 100.0])
def test_a_restart_passes_over_what_the_checkpoint_covers_unpaced(
    tmp_path: Path, rate: float | None
) -> None:
    # Reversed: the replay reorders by time, so its order is not the file's.
    path = tweets_file(tmp_path / "t.jsonl", 50, reverse=True)
    store = MemoryStore()
    settings = Settings()

    def source(clock: Clock):
        return build_source(
            "file", settings=settings, store=store, inputs=[path], rate=rate, clock=clock,
            sleep=clock.sleep, resume=True,
        )  # fmt: skip

    whole = [r.fields["id"] for r in source(Clock()).records()]
    clock = Clock()
    first = source(clock)
    taken = []
    for record in first.records():
        taken.append(record.fields["id"])
        if len(taken) == 30:
            first.commit()
            break
    keys = [k for k in store._kv if k.startswith(KEY_PREFIX)]
    assert len(keys) == 1 and store.get(keys[0]) == "30"
    clock = Clock()
    second = source(clock)
    rest = [r.fields["id"] for r in second.records()]
    assert taken + rest == whole
    assert second.metrics.skipped == 30
    if rate is not None:
        # The 20 left are paced from the first of them: 19 gaps of 1/rate, not 49.
        assert clock.slept == pytest.approx(19 / rate)
    second.commit()
    assert store.get(keys[0]) == "50"
    third = source(Clock())
    assert list(third.records()) == [] and third.metrics.skipped == 50


def test_the_checkpoint_key_follows_content_and_order(tmp_path: Path) -> None:
    a = tweets_file(tmp_path / "a.jsonl", 5)
    same = tmp_path / "copy.jsonl"
    same.write_bytes(a.read_bytes())
    other = tweets_file(tmp_path / "b.jsonl", 6)
    key = file_checkpoint_key([a], replay_buffer=None)
    assert key.startswith(KEY_PREFIX)
    assert file_checkpoint_key([same], replay_buffer=None) == key  # content, not the name
    assert file_checkpoint_key([other], replay_buffer=None) != key
    assert file_checkpoint_key([a], replay_buffer=50_000) != key
    assert file_checkpoint_key([a], replay_buffer=None, date_format="day-first") != key


def test_a_broken_checkpoint_reads_from_the_start() -> None:
    store = MemoryStore()
    store.put("k", "not a number")
    assert FileCheckpoint(store, "k").load() == 0


def test_a_run_that_is_not_resumable_writes_no_checkpoint(tmp_path: Path) -> None:
    path = tweets_file(tmp_path / "t.jsonl", 5)
    store = MemoryStore()
    source = build_source("file", settings=Settings(), store=store, inputs=[path])
    assert len(list(source.records())) == 5
    source.commit()
    assert not [k for k in store._kv if k.startswith(KEY_PREFIX)]
