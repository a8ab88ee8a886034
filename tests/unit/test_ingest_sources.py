"""Sources: files, timed replay (on a fake clock) and build_source's choices."""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from services.ingest.record import InputRecord
from services.ingest.source import SourceMetrics
from services.ingest.sources import (
    SOURCE_KINDS,
    FileSource,
    FilteredStreamSource,
    RecentSearchSource,
    ReplaySource,
    build_source,
    event_time,
)
from shared.errors import ConfigError, InputError
from shared.settings import IngestSettings, ReplaySettings, Settings, XApiSettings
from shared.store import MemoryStore

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
REAL_CSV = DATA / "chatgpt-tweets-2023-04-27.csv"
START = datetime(2026, 1, 2, 8, 0, tzinfo=UTC)


class FakeClock:
    """Time that moves only when slept on."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


Write = Callable[[str, list[dict[str, Any]]], Path]


@pytest.fixture
def write_jsonl(tmp_path: Path) -> Write:
    def _write(name: str, rows: list[dict[str, Any]]) -> Path:
        path = tmp_path / name
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        return path

    return _write


def row(n: int, when: datetime | str) -> dict[str, Any]:
    created = when.isoformat() if isinstance(when, datetime) else when
    return {"id": str(n), "text": f"tweet {n} on LLMs", "username": "alice", "created_at": created}


class Timed:
    """Consume a source, noting the fake time each record came out at."""

    def __init__(self, source: ReplaySource, clock: FakeClock) -> None:
        self.out: list[tuple[float, InputRecord]] = []
        started = clock()
        for record in source.records():
            self.out.append((clock() - started, record))

    @property
    def ids(self) -> list[str]:
        return [str(r.fields.get("id")) for _, r in self.out]

    @property
    def times(self) -> list[float]:
        return [round(t, 6) for t, _ in self.out]


def replay(path: Path, clock: FakeClock, **kwargs: Any) -> ReplaySource:
    files = FileSource([path], settings=IngestSettings(), clock=clock)
    return ReplaySource(files, clock=clock, sleep=clock.sleep, **kwargs)


# ---------------------------------------------------------------------------- files


def test_file_source_reads_every_input_in_turn(write_jsonl: Write, clock: FakeClock) -> None:
    a = write_jsonl("a.jsonl", [row(1, START), row(2, START)])
    b = write_jsonl("b.jsonl", [row(3, START)])
    source = FileSource([a, b], settings=IngestSettings(), clock=clock)
    assert source.live is False
    records = list(source.records())
    assert [r.fields["id"] for r in records] == ["1", "2", "3"]
    assert [r.source for r in records] == ["file:a.jsonl", "file:a.jsonl", "file:b.jsonl"]
    assert source.metrics.fetched == source.metrics.published == 3
    assert source.metrics.last_tweet_time == clock.now
    source.commit()  # nothing to do, and harmless


def test_file_source_checks_every_file_before_reading(
    write_jsonl: Write, tmp_path: Path, clock: FakeClock
) -> None:
    good = write_jsonl("a.jsonl", [row(1, START)])
    with pytest.raises(InputError, match=r"missing\.csv: no such file"):
        FileSource([good, tmp_path / "missing.csv"], settings=IngestSettings())
    with pytest.raises(InputError, match="no input file"):
        FileSource([], settings=IngestSettings())


def test_close_stops_a_file_source(write_jsonl: Write) -> None:
    path = write_jsonl("a.jsonl", [row(n, START) for n in range(10)])
    source = FileSource([path], settings=IngestSettings())
    taken = []
    for record in source.records():
        taken.append(record)
        if len(taken) == 3:
            source.close()
    assert len(taken) == 3


# ---------------------------------------------------------------------------- replay


def test_replay_speed_60_plays_ten_minutes_in_ten_seconds_in_order(
    write_jsonl: Write, clock: FakeClock
) -> None:
    offsets = [600 * i / 9 for i in range(10)]  # 10 tweets spread over 10 minutes
    rows = [row(i, START + timedelta(seconds=s)) for i, s in enumerate(offsets)]
    random.Random(3).shuffle(rows)
    timed = Timed(replay(write_jsonl("t.jsonl", rows), clock, speed=60), clock)
    assert timed.ids == [str(i) for i in range(10)]
    assert timed.times == pytest.approx([s / 60 for s in offsets])
    assert timed.times[-1] == pytest.approx(10.0)
    assert sum(clock.sleeps) == pytest.approx(10.0)


def test_replay_at_a_fixed_rate_spaces_records_evenly(write_jsonl: Write, clock: FakeClock) -> None:
    rows = [row(i, START + timedelta(minutes=7 * i)) for i in range(6)]
    timed = Timed(replay(write_jsonl("t.jsonl", rows[::-1]), clock, rate=5), clock)
    assert timed.ids == [str(i) for i in range(6)]
    gaps = [b - a for a, b in zip(timed.times, timed.times[1:], strict=False)]
    assert gaps == pytest.approx([0.2] * 5)


def test_replay_does_not_wait_on_slow_consumers(write_jsonl: Write, clock: FakeClock) -> None:
    rows = [row(i, START + timedelta(seconds=60 * i)) for i in range(3)]
    source = replay(write_jsonl("t.jsonl", rows), clock, speed=60)
    for record in source.records():
        clock.now += 5  # handling takes longer than the gap: no extra sleeping
        assert record.error is None
    assert clock.sleeps == []


def test_replay_buffer_bounds_reordering(write_jsonl: Write, clock: FakeClock) -> None:
    # 1 and 2 swap within the buffer; 0 turns up four records late, beyond a buffer of 2.
    order = [2, 1, 3, 4, 0, 5]
    rows = [row(i, START + timedelta(seconds=10 * i)) for i in order]
    source = replay(write_jsonl("t.jsonl", rows), clock, speed=10, buffer=2)
    timed = Timed(source, clock)
    # 0 comes out as soon as it is read: 1 and 2 have gone already, nothing waits for it.
    assert timed.ids == ["1", "2", "0", "3", "4", "5"]
    assert source.metrics.late == 1
    assert timed.times == pytest.approx([0.0, 1.0, 1.0, 2.0, 3.0, 4.0])
    assert source.metrics.published == 6


def test_records_without_a_date_pass_through_unpaced(write_jsonl: Write, clock: FakeClock) -> None:
    rows = [row(1, START + timedelta(seconds=60)), row(2, "yesterday-ish"), row(0, START)]
    source = replay(write_jsonl("t.jsonl", rows), clock, speed=1)
    timed = Timed(source, clock)
    assert timed.ids == ["2", "0", "1"]
    assert timed.times == [0.0, 0.0, 60.0]
    assert source.metrics.fetched == 3


def test_close_ends_a_long_replay_pause(write_jsonl: Write) -> None:
    rows = [row(0, START), row(1, START + timedelta(hours=1))]
    files = FileSource([write_jsonl("t.jsonl", rows)], settings=IngestSettings())
    source = ReplaySource(files, speed=1)  # real time, and the default (interruptible) sleep
    out = []
    started = time.monotonic()
    for record in source.records():
        out.append(record)
        threading.Timer(0.05, source.close).start()
    assert [r.fields["id"] for r in out] == ["0"]
    assert time.monotonic() - started < 2.0


def test_event_time_reads_created_at() -> None:
    record = InputRecord("file:x", 1, "", {"created_at": "4/27/2023 17:35:29"})
    assert event_time(record) == datetime(2023, 4, 27, 17, 35, 29, tzinfo=UTC).timestamp()
    assert event_time(InputRecord("file:x", 1, "", {})) is None
    assert event_time(InputRecord("file:x", 1, "", {"created_at": "x"}, error="bad")) is None


def test_replay_needs_one_positive_pace(write_jsonl: Write, clock: FakeClock) -> None:
    path = write_jsonl("t.jsonl", [row(1, START)])
    for kwargs in ({}, {"speed": 2, "rate": 3}, {"speed": 0}, {"rate": -1}):
        with pytest.raises(InputError):
            replay(path, clock, **kwargs)


@pytest.mark.skipif(not REAL_CSV.exists(), reason=f"real data not found at {REAL_CSV}")
def test_replay_of_the_real_csv_is_in_event_time_order(clock: FakeClock) -> None:
    source = replay(REAL_CSV, clock, speed=60)
    stamps = []
    last_at = clock()
    for record in source.records():
        when = event_time(record)
        if when is not None:
            stamps.append((when, clock() - last_at))
    assert len(stamps) >= 2900  # the file is newest first; replay turns it round
    assert [s for s, _ in stamps] == sorted(s for s, _ in stamps)
    span = stamps[-1][0] - stamps[0][0]
    assert stamps[-1][1] == pytest.approx(span / 60)
    assert source.metrics.late == 0


# ---------------------------------------------------------------------------- build_source


def settings(**x_api: Any) -> Settings:
    return Settings(x_api=XApiSettings(**x_api), replay=ReplaySettings(buffer_records=7))


def test_build_source_makes_files_and_replays(write_jsonl: Write, clock: FakeClock) -> None:
    path = write_jsonl("a.jsonl", [row(1, START)])
    plain = build_source("file", settings=settings(), store=MemoryStore(), inputs=[path])
    assert isinstance(plain, FileSource)
    timed = build_source(
        "file",
        settings=settings(),
        store=MemoryStore(),
        inputs=[path],
        replay_speed=60,
        clock=clock,
        sleep=clock.sleep,
    )
    assert isinstance(timed, ReplaySource) and timed.speed == 60
    assert timed.buffer == 7
    assert [r.fields["id"] for r in timed.records()] == ["1"]
    rated = build_source("file", settings=settings(), store=MemoryStore(), inputs=[path], rate=5)
    assert isinstance(rated, ReplaySource) and rated.rate == 5


def test_build_source_makes_the_x_api_sources() -> None:
    s = settings(bearer_token=SecretStr("t"), base_url="http://127.0.0.1:9")
    search = build_source("recent-search", settings=s, store=MemoryStore())
    stream = build_source("filtered-stream", settings=s, store=MemoryStore())
    try:
        assert isinstance(search, RecentSearchSource) and search.live
        assert isinstance(stream, FilteredStreamSource) and stream.live
    finally:
        search.close()
        stream.close()
    assert set(SOURCE_KINDS) == {"file", "recent-search", "filtered-stream"}


@pytest.mark.parametrize(
    ("kind", "kwargs", "error", "match"),
    [
        ("twitter", {}, InputError, "unknown source 'twitter'"),
        ("recent-search", {}, ConfigError, "TWEETPULSE_X_API__BEARER_TOKEN"),
        ("filtered-stream", {"inputs": [Path("a.csv")]}, InputError, "--input is for"),
        ("recent-search", {"replay_speed": 60.0}, InputError, "replay files"),
        ("recent-search", {"mapping": {"text": "body"}}, InputError, "--map"),
        ("file", {}, InputError, "no input file"),
    ],
)
def test_build_source_refuses_what_makes_no_sense(
    kind: str, kwargs: dict[str, Any], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        build_source(kind, settings=settings(), store=MemoryStore(), **kwargs)


def test_a_stream_without_rules_is_a_config_error() -> None:
    s = settings(bearer_token=SecretStr("t"), stream_rules=())
    with pytest.raises(ConfigError, match="at least one rule"):
        build_source("filtered-stream", settings=s, store=MemoryStore())


def test_metrics_are_a_plain_dict() -> None:
    metrics = SourceMetrics(fetched=3, published=2, rate_limited_waits=1)
    as_dict = metrics.as_dict()
    assert as_dict["fetched"] == 3 and as_dict["published"] == 2
    assert {"rate_limited_waits", "reconnects", "last_tweet_time"} <= set(as_dict)
