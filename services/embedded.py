"""The embedded mode: the four services' handlers in one process, over MemoryBus and MemoryStore.

This is what ``tweetpulse run`` and ``make demo`` use. The distributed workers run the very same
handlers over KafkaBus and RedisStore; only the wiring here differs.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from services.classify import bootstrap as classify_bootstrap
from services.classify import handler as classify
from services.ingest import bootstrap as ingest_bootstrap
from services.ingest import handler as ingest
from services.ingest.sources import ReplaySource, Source
from services.render import bootstrap as render_bootstrap
from services.render import handler as render
from services.summarize import bootstrap as summarize_bootstrap
from services.summarize import handler as summarize
from shared.bus import MemoryBus
from shared.models import (
    Contract,
    DeadLetter,
    PostRendered,
    ReportReady,
    TweetClassified,
    TweetIngested,
    utcnow,
)
from shared.settings import Settings
from shared.store import MemoryStore, StateStore

log = logging.getLogger(__name__)

Progress = Callable[["RunSummary", bool], None]
"""Called now and then while reading (``done=False``) and once at the end (``done=True``)."""


@dataclass
class RunSummary:
    """What one run read, rejected, classified and wrote."""

    read: int = 0
    published: int = 0
    duplicates: int = 0
    retweets: int = 0
    rejected: int = 0
    rejected_by_reason: Counter[str] = field(default_factory=Counter)
    rejected_examples: list[DeadLetter] = field(default_factory=list)
    categories: Counter[str] = field(default_factory=Counter)
    reports: list[ReportReady] = field(default_factory=list)
    posts: list[PostRendered] = field(default_factory=list)
    site: Path = Path("site")
    started: float = field(default_factory=time.monotonic)
    elapsed_s: float = 0.0

    def rate(self) -> float:
        """Records read per second so far."""
        spent = time.monotonic() - self.started
        return self.read / spent if spent > 0 else 0.0


_EXAMPLES = 10


def _count_ingest(summary: RunSummary, outputs: Sequence[Contract]) -> None:
    summary.read += 1
    if not outputs:
        summary.duplicates += 1
    for event in outputs:
        if isinstance(event, DeadLetter):
            summary.rejected += 1
            summary.rejected_by_reason[_reason_kind(event.reason)] += 1
            if len(summary.rejected_examples) < _EXAMPLES:
                summary.rejected_examples.append(event)
        elif isinstance(event, TweetIngested):
            summary.published += 1
            if event.via_retweet is not None:
                summary.retweets += 1


def _reason_kind(reason: str) -> str:
    """The reason's first clause, so that counts group by kind rather than by detail."""
    return reason.split(":", 1)[0].strip()[:80]


def run_embedded(
    source: Source,
    settings: Settings,
    *,
    progress: Progress | None = None,
    progress_every_s: float = 2.0,
    store: StateStore | None = None,
) -> RunSummary:
    """Read ``source``, classify, aggregate, and write each touched window's post.

    A file source is read to its end and every window is built once. A live or replayed source
    keeps the posts current as it goes: a changed window is rebuilt at most once per
    ``settings.report.refresh_debounce_s``, and once more when the source ends.
    """
    store = store if store is not None else MemoryStore()
    bus = MemoryBus()
    summary = RunSummary(site=settings.render.site_dir)

    ingest_deps = ingest_bootstrap.build_deps(settings, store=store)
    classify_deps = classify_bootstrap.build_deps(settings)
    summarize_deps = summarize_bootstrap.build_deps(settings, store=store)
    render_deps = render_bootstrap.build_deps(settings)

    def classified(msg: TweetIngested) -> Sequence[Contract]:
        out = classify.handle(msg, deps=classify_deps)
        for event in out:
            names: list[str] = list(event.categories) or ["none"]
            summary.categories.update(names)
        return out

    bus.subscribe(TweetIngested, classified, group="classify")
    bus.subscribe(
        TweetClassified, partial(summarize.handle, deps=summarize_deps), group="summarize"
    )
    bus.subscribe(ReportReady, partial(render.handle, deps=render_deps), group="render")

    def build_dirty() -> None:
        now = utcnow()
        for window_id in summarize.dirty_windows(store):
            # A window whose end (plus the grace for late tweets) has passed is final.
            final = now >= summarize.closes_at(window_id, settings.report)
            report = summarize.build_report(window_id, deps=summarize_deps, final=final)
            summary.reports = [r for r in summary.reports if r.window.id != window_id]
            summary.reports.append(report)
            bus.publish(report)
            bus.run()
            summarize.mark_clean(store, window_id)

    continuous = source.live or isinstance(source, ReplaySource)
    last_progress = last_build = time.monotonic()
    try:
        for record in source.records():
            outputs = ingest.handle(record, deps=ingest_deps)
            _count_ingest(summary, outputs)
            for event in outputs:
                bus.publish(event)
            # Deliver now: the in-memory queue then never holds more than one record's events.
            bus.run()
            source.commit()
            now = time.monotonic()
            if continuous and now - last_build >= settings.report.refresh_debounce_s:
                build_dirty()
                last_build = now
            if progress is not None and now - last_progress >= progress_every_s:
                last_progress = now
                progress(summary, False)
    finally:
        source.close()
    build_dirty()

    summary.posts = [
        p for p in bus.published.get(PostRendered.TOPIC, []) if isinstance(p, PostRendered)
    ]
    # One line per window: a continuous run renders a window several times.
    latest = {p.window_id: p for p in summary.posts}
    summary.posts = sorted(latest.values(), key=lambda p: p.window_id)
    summary.elapsed_s = time.monotonic() - summary.started
    if progress is not None:
        progress(summary, True)
    return summary
