"""The summarize handler: pure per-message aggregation, dirty tracking, report building."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.summarize import handler
from services.summarize.bootstrap import build_deps
from services.summarize.handler import SummarizeDeps
from services.summarize.keys import scope_for
from services.summarize.view import WindowView
from services.summarize.writers import Written
from services.summarize.writers.extractive import ExtractiveWriter
from shared.models import Report, ReportReady
from shared.settings import ReportSettings, Settings
from shared.store import MemoryStore
from tests.unit.test_summarize_factories import T0, WINDOW, classified, rich_window


class FakeClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


class ShortWriter:
    name = "short"

    def write(self, view: WindowView) -> Written:
        report = Report(
            overview=[f"{view.stats.tweets}"],
            core_points=[],
            insights=[],
            events=[],
            markets=[],
            ai_analysis=[],
            finance_analysis=[],
        )
        return Written(report=report, usage=None)


def make_deps(*, writer=None, store=None, settings=None, clock=None) -> SummarizeDeps:
    return SummarizeDeps(
        store=store if store is not None else MemoryStore(),
        settings=settings or ReportSettings(),
        writer=writer or ExtractiveWriter(),
        clock=clock or FakeClock(datetime(2026, 1, 3, 2, 0, tzinfo=UTC)),
    )


def test_handle_aggregates_and_publishes_nothing() -> None:
    deps = make_deps()
    assert handler.handle(classified("1"), deps=deps) == []
    snap = deps.store.snapshot(scope_for(WINDOW))
    assert snap.counters["totals"] == {"tweets": 1.0}


def test_a_window_is_dirty_until_its_report_is_built_and_marked_clean() -> None:
    deps = make_deps()
    assert handler.dirty_windows(deps.store) == []
    handler.handle(classified("1"), deps=deps)
    handler.handle(classified("2", at=T0 + timedelta(days=1)), deps=deps)
    assert handler.dirty_windows(deps.store) == [WINDOW, "2026-01-03"]

    handler.build_report(WINDOW, deps=deps)
    handler.mark_clean(deps.store, WINDOW)
    assert handler.dirty_windows(deps.store) == ["2026-01-03"]

    handler.handle(classified("1"), deps=deps)  # a redelivery changes nothing
    assert handler.dirty_windows(deps.store) == ["2026-01-03"]
    handler.handle(classified("3"), deps=deps)
    assert handler.dirty_windows(deps.store) == [WINDOW, "2026-01-03"]


def test_a_change_during_a_build_keeps_the_window_dirty() -> None:
    deps = make_deps()
    handler.handle(classified("1"), deps=deps)
    handler.build_report(WINDOW, deps=deps)
    handler.handle(classified("2"), deps=deps)  # lands after the build read the store
    handler.mark_clean(deps.store, WINDOW)
    assert handler.dirty_windows(deps.store) == [WINDOW]


def test_last_change_and_close_time_for_the_runner() -> None:
    clock = FakeClock(datetime(2026, 1, 2, 3, 0, tzinfo=UTC))
    deps = make_deps(clock=clock)
    assert handler.last_change(deps.store, WINDOW) is None
    handler.handle(classified("1"), deps=deps)
    assert handler.last_change(deps.store, WINDOW) == clock.now
    closes = handler.closes_at(WINDOW, deps.settings)
    assert closes == datetime(2026, 1, 2, 17, 0, tzinfo=UTC)  # midnight Shanghai + 1 h grace


def test_build_report_carries_window_stats_terms_and_writer() -> None:
    deps = make_deps()
    for msg in rich_window():
        handler.handle(msg, deps=deps)
    ready = handler.build_report(WINDOW, deps=deps)
    assert ready.window.id == WINDOW and ready.writer == "extractive" and not ready.final
    assert ready.built_at == datetime(2026, 1, 3, 2, 0, tzinfo=UTC)
    assert ready.stats.tweets == 123 and ready.stats.retweets == 3
    assert 0 < len(ready.terms) <= deps.settings.cloud_terms
    assert ready.terms[0].weight >= ready.terms[-1].weight
    assert len(ready.report.core_points) == 10
    # It survives the wire unchanged.
    assert ReportReady.model_validate_json(ready.model_dump_json()) == ready


def test_a_final_build_lets_the_window_expire() -> None:
    ticks = [0.0]
    store = MemoryStore(clock=lambda: ticks[0])
    deps = make_deps(store=store, settings=ReportSettings(closed_ttl_s=60))
    handler.handle(classified("1"), deps=deps)
    ready = handler.build_report(WINDOW, deps=deps, final=True)
    assert ready.final
    ticks[0] = 61.0
    assert handler.window_ids(store) == []


def test_bootstrap_uses_the_extractive_writer_unless_given_one() -> None:
    store = MemoryStore()
    deps = build_deps(Settings(), store=store)
    assert deps.writer.name == "extractive" and deps.store is store
    assert deps.settings == Settings().report
    custom = build_deps(Settings(), store=store, writer=ShortWriter())
    handler.handle(classified("1"), deps=custom)
    ready = handler.build_report(WINDOW, deps=custom)
    assert ready.writer == "short" and ready.report.overview == ["1"]
