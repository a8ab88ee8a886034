"""One schedule for both modes: the same arrivals on the same clock give the same builds.

The embedded runner is driven through a live source whose records arrive one a second on a fake
clock; the distributed mode is the same handlers on the same topology, with Celery's two tasks
(``tasks.queue_due`` on each beat tick, ``tasks.run_build`` for each queued build) called on the
same clock. Beat ticks every second here, as the embedded runner does after each record.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from services import topology
from services.embedded import run_embedded
from services.ingest.source import SourceMetrics
from services.ingest.sources import FileSource
from services.render import bootstrap as render_bootstrap
from services.summarize import handler, keys, schedule, tasks
from services.summarize.schedule import Build
from services.topology import Wiring
from shared.bus import MemoryBus
from shared.models import Contract, ReportReady
from shared.settings import RenderSettings, ReportSettings, Settings
from shared.store import MemoryStore
from tests.unit.test_render_handler import FakeCloud
from tests.unit.test_summarize_factories import classified
from tests.unit.test_summarize_handler import FakeClock, make_deps

START = datetime(2026, 1, 2, 16, 59, 50, tzinfo=UTC)
"""Ten seconds before window 2026-01-02 (Asia/Shanghai) closes: its end, 16:00Z, plus 1 h grace."""
A, B = "2026-01-02", "2026-01-03"
DEBOUNCE_S = 10
ARRIVALS = [A] * 15 + [B] * 10
"""One a second from START: A's last five after it closed (late), then B's."""
EXPECTED = [
    (A, False, 1),  # t=0: a window never built is built on the first tick
    (A, True, 11),  # t=10: A closes; its final build is due whatever the debounce
    (B, False, 1),  # t=15
    (A, True, 15),  # t=20: A's late tweets, one debounce after its final build
    (B, False, 10),  # the source's end (embedded) or one debounce later (distributed)
]


def _write_csv(path: Path) -> Path:
    created = {A: "2026-01-02T02:00:00Z", B: "2026-01-03T02:00:00Z"}
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["id", "created_at", "username", "text"])
        for n, window in enumerate(ARRIVALS):
            text = f"tweet number {n} about model {n * 7919 % 1000} and agents"
            out.writerow([1000 + n, created[window], f"user{n}", text])
    return path


def _settings(tmp_path: Path, name: str) -> Settings:
    return Settings(
        render=RenderSettings(site_dir=tmp_path / name),
        report=ReportSettings(refresh_debounce_s=DEBOUNCE_S, refresh_tick_s=1),
    )


def _wiring(settings: Settings) -> Wiring:
    wiring = Wiring(settings, MemoryStore())
    wiring.provide(topology.RENDER, render_bootstrap.build_deps(settings, cloud=FakeCloud()))
    return wiring


class _Reports:
    """Every report published on the bus, as (window, final, tweets)."""

    def __init__(self, bus: MemoryBus) -> None:
        self.seen: list[tuple[str, bool, int]] = []
        bus.subscribe(ReportReady, self.collect, group="test")

    def collect(self, msg: ReportReady) -> list[Contract]:
        self.seen.append((msg.window.id, msg.final, msg.stats.tweets))
        return []


class _TimedSource:
    """A live source: the file's records, one a second on ``clock`` from START."""

    name = "timed"
    live = True

    def __init__(self, path: Path, settings: Settings, clock: FakeClock) -> None:
        self._files = FileSource([path], settings=settings.ingest)
        self._clock = clock
        self.metrics = SourceMetrics()

    def records(self) -> Iterator[Any]:
        for n, record in enumerate(self._files.records()):
            self._clock.now = START + timedelta(seconds=n)
            yield record

    def commit(self) -> None:
        pass

    def close(self) -> None:
        self._files.close()


def embedded_builds(path: Path, tmp_path: Path) -> list[tuple[str, bool, int]]:
    settings = _settings(tmp_path, "embedded")
    clock = FakeClock(START)
    bus = MemoryBus()
    reports = _Reports(bus)
    source = _TimedSource(path, settings, clock)
    run_embedded(source, settings, wiring=_wiring(settings), bus=bus, clock=clock)
    return reports.seen


def distributed_builds(path: Path, tmp_path: Path) -> list[tuple[str, bool, int]]:
    settings = _settings(tmp_path, "distributed")
    wiring = _wiring(settings)
    bus = MemoryBus()
    reports = _Reports(bus)
    topology.subscribe(bus, wiring)  # the classify, summarize and render workers
    runtime = tasks.Runtime(wiring.store, bus, wiring.deps(topology.SUMMARIZE))
    ingest = wiring.handler(topology.INGEST)

    def tick(now: datetime) -> None:
        queued: list[Build] = []
        tasks.queue_due(runtime, now, queued.append)
        for job in queued:
            tasks.run_build(runtime, job)
            bus.run()

    records = list(FileSource([path], settings=settings.ingest).records())
    for n, record in enumerate(records):
        for event in ingest(record):
            bus.publish(event)
        bus.run()
        tick(START + timedelta(seconds=n))
    for n in range(len(records), len(records) + 2 * DEBOUNCE_S):  # beat goes on ticking
        tick(START + timedelta(seconds=n))
    return reports.seen


def test_both_modes_make_the_same_builds_from_the_same_arrivals(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "timeline.csv")
    assert embedded_builds(path, tmp_path) == EXPECTED
    assert distributed_builds(path, tmp_path) == EXPECTED


# ---------------------------------------------------------------------------- the rules one by one

NOW = datetime(2026, 1, 2, 3, 0, tzinfo=UTC)  # window A is open until 17:00Z


@pytest.fixture
def deps():
    return make_deps(settings=ReportSettings(refresh_debounce_s=DEBOUNCE_S))


def test_a_changed_window_waits_out_its_debounce(deps) -> None:
    settings = deps.settings
    handler.handle(classified("1"), deps=deps)
    assert schedule.take_due(deps.store, NOW, settings) == [Build(A, final=False)]
    assert deps.store.get(keys.last_build(A)) == NOW.isoformat()
    handler.handle(classified("2"), deps=deps)
    later = NOW + timedelta(seconds=DEBOUNCE_S - 1)
    assert schedule.due(deps.store, later, settings) == []
    assert schedule.due(deps.store, later, settings, drain=True) == [Build(A, final=False)]
    assert schedule.due(deps.store, NOW + timedelta(seconds=DEBOUNCE_S), settings) == [
        Build(A, final=False)
    ]


def test_an_unchanged_window_is_not_built_again_until_it_closes(deps) -> None:
    settings = deps.settings
    handler.handle(classified("1"), deps=deps)
    [job] = schedule.take_due(deps.store, NOW, settings)
    schedule.publish(job, deps=deps, bus=MemoryBus())
    hour_later = NOW + timedelta(hours=1)
    assert schedule.due(deps.store, hour_later, settings, drain=True) == []
    closed = handler.closes_at(A, settings)
    assert schedule.take_due(deps.store, closed, settings) == [Build(A, final=True)]
    assert schedule.due(deps.store, closed + timedelta(hours=1), settings, drain=True) == []


def test_a_build_marks_the_window_clean_only_once_published(deps) -> None:
    class Down(MemoryBus):
        def flush(self) -> None:
            raise RuntimeError("the broker did not acknowledge")

    handler.handle(classified("1"), deps=deps)
    [job] = schedule.take_due(deps.store, NOW, deps.settings)
    with pytest.raises(RuntimeError):
        schedule.publish(job, deps=deps, bus=Down())
    assert handler.dirty_windows(deps.store) == [A]
    schedule.publish(job, deps=deps, bus=MemoryBus())
    assert handler.dirty_windows(deps.store) == []
