"""The summarize handler: folds classified tweets into window aggregates and builds reports.

:func:`handle` is the per-message step (cheap; returns no events). :func:`build_report` is called
by the runner for the builds ``schedule`` says are due (the same schedule in both modes), never per
tweet.

Dirty tracking uses two key-value entries per window (spelt in ``keys``): the *dirty* mark holds
the time and event id of the latest change (rewritten on every change), the *built* mark the value
it had when the last published report was built. A window is dirty while they differ, so a change
that lands during a build is never lost: the build records the mark it read *before* reading the
aggregates. Which dirty windows to build, and when, is ``schedule``'s.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from services.summarize import keys
from services.summarize.aggregate import deltas_for, window_by_id
from services.summarize.stories import summaries
from services.summarize.view import load_view
from services.summarize.writers import ReportWriter
from shared.models import Contract, ReportReady, TweetClassified, utcnow
from shared.settings import ReportSettings
from shared.store import StateStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SummarizeDeps:
    """What summarize needs: the state store, the report settings, a writer and a clock."""

    store: StateStore
    settings: ReportSettings
    writer: ReportWriter
    clock: Callable[[], datetime] = field(default=utcnow)


def handle(msg: TweetClassified, *, deps: SummarizeDeps) -> list[Contract]:
    """Apply one classified tweet to its window and mark the window dirty; publishes nothing."""
    changed: tuple[str, str] | None = None
    for scope, event_id, delta in deltas_for(msg, deps.settings):
        if deps.store.apply(scope, event_id, delta):
            changed = (scope, event_id)
    if changed is not None:
        scope, event_id = changed
        window_id = keys.window_of(scope)
        deps.store.put(keys.dirty(window_id), f"{deps.clock().isoformat()} {event_id}")
    else:
        log.debug("tweet %s already aggregated", msg.tweet.tweet_id)
    return []


def build_report(window_id: str, *, deps: SummarizeDeps, final: bool = False) -> ReportReady:
    """Build the report of one window from the store (with ``final``, the scope then expires)."""
    mark = deps.store.get(keys.dirty(window_id))
    built_at = deps.clock()
    view = load_view(deps.store, window_id, deps.settings, built_at=built_at)
    written = deps.writer.write(view)
    report = written.report
    ready = ReportReady(
        window=view.window,
        built_at=built_at,
        final=final,
        writer=deps.writer.name,
        stats=view.stats,
        report=report,
        terms=view.terms,
        stories=summaries(view.stories, view.set_aside_stories),
        model_usage=written.usage,
    )
    if mark is not None:
        deps.store.put(keys.building(window_id), mark)
    if final:
        deps.store.expire(keys.scope_for(window_id), deps.settings.closed_ttl_s)
    log.info(
        "built report for window %s: %s tweets, %s core points (writer %s, final=%s)",
        window_id,
        view.stats.tweets,
        len(report.core_points),
        deps.writer.name,
        final,
    )
    return ready


def mark_clean(store: StateStore, window_id: str) -> None:
    """Record that the last built report of ``window_id`` was published (call after publishing)."""
    mark = store.get(keys.building(window_id)) or store.get(keys.dirty(window_id))
    if mark is not None:
        store.put(keys.built(window_id), mark)


def window_ids(store: StateStore) -> list[str]:
    """Every window that holds aggregates, oldest first."""
    return [keys.window_of(s) for s in store.scopes() if keys.is_window_scope(s)]


def dirty_windows(store: StateStore) -> list[str]:
    """Windows changed since their last published report, oldest first."""
    out = []
    for window_id in window_ids(store):
        mark = store.get(keys.dirty(window_id))
        if mark is not None and mark != store.get(keys.built(window_id)):
            out.append(window_id)
    return out


def last_change(store: StateStore, window_id: str) -> datetime | None:
    """When ``window_id`` last changed (for debouncing refreshes), if it ever did."""
    mark = store.get(keys.dirty(window_id))
    return datetime.fromisoformat(mark.split(" ", 1)[0]) if mark else None


def closes_at(window_id: str, settings: ReportSettings) -> datetime:
    """When a window's report becomes final: its end plus the grace for late tweets."""
    return window_by_id(window_id, settings).end + timedelta(seconds=settings.close_grace_s)
