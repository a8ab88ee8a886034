"""The embedded mode: every service of the topology in one process, over MemoryBus and MemoryStore.

This is what ``tweetpulse run`` and ``make demo`` use. The distributed workers run the very same
rows of ``services.topology`` and the same ``services.summarize.schedule`` over KafkaBus,
RedisStore and Celery; only the adapters differ.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from services import topology
from services.ingest.source import Source
from services.ingest.sources import Measured, ReplaySource
from services.ingest.stats import IngestStats
from services.notify.stats import NotifyStats
from services.summarize import schedule
from services.topology import Wiring
from shared.bus import MemoryBus
from shared.models import Contract, PostRendered, ReportReady, TweetClassified, utcnow
from shared.settings import Settings
from shared.store import MemoryStore, StateStore

log = logging.getLogger(__name__)

Progress = Callable[["RunSummary", bool], None]
"""Called now and then while reading (``done=False``) and once at the end (``done=True``)."""


@dataclass
class RunSummary:
    """What one run read, rejected, classified and wrote."""

    ingest: IngestStats = field(default_factory=IngestStats)
    categories: Counter[str] = field(default_factory=Counter)
    reports: list[ReportReady] = field(default_factory=list)
    """The latest report of each window."""
    posts: list[PostRendered] = field(default_factory=list)
    site: Path = Path("site")
    notify: NotifyStats | None = None
    """What notify pushed, per target, when the run notified (``--notify``)."""
    started: float = field(default_factory=time.monotonic)
    elapsed_s: float = 0.0
    bytes_read: int = 0
    bytes_total: int = 0
    """How far through its files the source is (0 of 0 for the X API)."""

    def rate(self) -> float:
        """Records read per second so far."""
        spent = time.monotonic() - self.started
        return self.ingest.read / spent if spent > 0 else 0.0

    def count_classified(self, msg: TweetClassified) -> Sequence[Contract]:
        """Count a classified message's categories (``none`` for one with none).

        These count messages: a retweet is one more. :meth:`tweet_categories` counts as the
        posts do.
        """
        names: list[str] = list(msg.categories) or ["none"]
        self.categories.update(names)
        return []

    def tweet_categories(self) -> Counter[str]:
        """Tweets per category as the posts count them (retweets folded into their originals),
        summed over the windows' latest reports."""
        total: Counter[str] = Counter()
        for ready in self.reports:
            total.update(ready.stats.categories)
        return total

    def fell_back(self) -> list[ReportReady]:
        """The reports a model writer did not write whole (the extractive writer stood in)."""
        return [
            r
            for r in self.reports
            if r.model_usage is not None
            and (r.model_usage.mode == "fallback" or r.model_usage.fallback_sections)
        ]

    def keep_post(self, post: PostRendered) -> Sequence[Contract]:
        """Keep ``post`` as its window's latest (a continuous run renders a window often)."""
        self.posts = [p for p in self.posts if p.window_id != post.window_id]
        self.posts.append(post)
        return []

    def add_report(self, ready: ReportReady) -> None:
        """Keep ``ready`` as its window's latest report."""
        self.reports = [r for r in self.reports if r.window.id != ready.window.id]
        self.reports.append(ready)


def run_embedded(
    source: Source,
    settings: Settings,
    *,
    progress: Progress | None = None,
    progress_every_s: float = 2.0,
    store: StateStore | None = None,
    wiring: Wiring | None = None,
    bus: MemoryBus | None = None,
    clock: Callable[[], datetime] = utcnow,
    opt_in: Sequence[str] = (),
    settle: Callable[[], None] = lambda: None,
) -> RunSummary:
    """Read ``source``, classify, aggregate, and write each touched window's post.

    A file source is read to its end and every window is built once. A live or replayed source
    keeps the posts current as it goes: ``schedule`` is asked for due builds after a record once
    ``settings.report.refresh_tick_s`` has passed on ``clock`` since it was last asked, and once
    more, draining, when the source ends. ``opt_in`` names the opt-in services to run as well
    (``notify``: the posts are pushed as they are written; its deferred pushes are due on the same
    ticks). Tests pass their own ``wiring`` (deps), ``bus`` and ``clock``; ``store`` is the
    wiring's (a fresh MemoryStore by default). ``settle`` is called once the deps are built
    (``tweetpulse run`` passes ``shared.heap.freeze_built``: a process that runs one job).
    """
    if wiring is None:
        wiring = Wiring(settings, store if store is not None else MemoryStore())
    elif store is not None and store is not wiring.store:
        raise ValueError("run_embedded: pass the store inside the wiring, not beside it")
    bus = bus if bus is not None else MemoryBus()
    summary = RunSummary(site=settings.render.site_dir)

    consumers = topology.embedded(opt_in)
    topology.subscribe(bus, wiring, consumers)
    bus.subscribe(TweetClassified, summary.count_classified, group="run-summary")
    bus.subscribe(PostRendered, summary.keep_post, group="run-summary")
    ingest = wiring.handler(topology.INGEST)
    summarize_deps = wiring.deps(topology.SUMMARIZE)
    settle()
    ticking = [(c, c.tick) for c in consumers if c.tick is not None]

    def tick(now: datetime, *, drain: bool = False) -> None:
        for job in schedule.take_due(wiring.store, now, settings.report, drain=drain):
            summary.add_report(schedule.publish(job, deps=summarize_deps, bus=bus))
            bus.run()
        for consumer, due in ticking:
            for event in due(wiring.deps(consumer)):
                bus.publish(event)
            bus.run()

    continuous = source.live or isinstance(source, ReplaySource)
    every = timedelta(seconds=settings.report.refresh_tick_s)
    last_tick: datetime | None = None
    last_progress = time.monotonic()
    try:
        for record in source.records():
            outputs = ingest(record)
            summary.ingest.count(outputs, record)
            for event in outputs:
                bus.publish(event)
            # Deliver now: the in-memory queue then never holds more than one record's events.
            bus.run()
            source.commit()
            now = clock()
            if continuous and (last_tick is None or now - last_tick >= every):
                tick(now)
                last_tick = now
            if progress is not None and time.monotonic() - last_progress >= progress_every_s:
                last_progress = time.monotonic()
                if isinstance(source, Measured):
                    summary.bytes_read, summary.bytes_total = source.position()
                progress(summary, False)
    finally:
        source.close()
    tick(clock(), drain=True)

    summary.posts.sort(key=lambda p: p.window_id)
    if topology.NOTIFY in consumers:
        summary.notify = wiring.deps(topology.NOTIFY).stats
    summary.elapsed_s = time.monotonic() - summary.started
    if isinstance(source, Measured):
        summary.bytes_read, summary.bytes_total = source.position()
    if progress is not None:
        progress(summary, True)
    return summary
