"""Celery inside summarize: scheduled refreshes, window close, and the report builds themselves.

``celery -A services.summarize.tasks beat`` ticks ``refresh`` every
``TWEETPULSE_REPORT__REFRESH_TICK_S`` seconds; ``celery -A services.summarize.tasks worker -Q
summarize`` runs it and the ``build`` jobs it queues. ``refresh`` queues a build for every window
that changed since its last report, at most once per ``refresh_debounce_s`` per window, and a
final build for every window whose end plus ``close_grace_s`` has passed. ``build`` reads the
window's aggregates from Redis, writes the report and publishes it on ``reports.ready``; render
picks it up from there (Kafka carries the events, Celery only the scheduling).

A Celery worker serves /healthz and /metrics like the Kafka workers (see ``celery_telemetry``).

Only this module's import makes a Celery app; it reads the settings from the environment because
Celery imports it by name (``-A``), the way ``__main__`` would. No connection is opened here.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from celery import Celery

from services.summarize import celery_telemetry
from shared.models import utcnow
from shared.settings import Settings

log = logging.getLogger(__name__)


def create_app(settings: Settings) -> Celery:
    """The Celery app for ``settings``: Redis broker, one queue, the refresh schedule."""
    celery = Celery("tweetpulse.summarize", broker=settings.redis.url)
    celery.conf.update(
        task_default_queue=settings.redis.celery_queue,
        task_acks_late=True,  # a worker killed mid-build leaves the job for another
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        beat_schedule={
            "refresh-windows": {
                "task": "tweetpulse.refresh",
                "schedule": settings.report.refresh_tick_s,
                "options": {"expires": settings.report.refresh_tick_s * 2},
            }
        },
        timezone="UTC",
    )
    return celery


settings = Settings()
app = create_app(settings)
celery_telemetry.install(app, settings)

_runtime: dict[str, Any] = {}


def _deps() -> tuple[Any, Any, Any]:
    """Store, bus and summarize deps, built once per worker process on first use."""
    if not _runtime:
        from services.summarize import bootstrap
        from shared.kafka_bus import KafkaBus
        from shared.redis_store import RedisStore

        store = RedisStore(settings.redis.url, prefix=settings.redis.prefix)
        _runtime["store"] = store
        _runtime["bus"] = KafkaBus(
            settings.kafka,
            group_prefix=settings.kafka.group_prefix,
            topic_prefix=settings.kafka.topic_prefix,
        )
        _runtime["deps"] = bootstrap.build_deps(settings, store=store)
    return _runtime["store"], _runtime["bus"], _runtime["deps"]


def _last_build(store: Any, window_id: str) -> datetime | None:
    raw = store.get(f"summarize:last-build:{window_id}")
    return datetime.fromisoformat(raw) if raw else None


def due_windows(store: Any, now: datetime, report: Any) -> list[tuple[str, bool]]:
    """``(window_id, final)`` for every window that needs a build now."""
    from services.summarize import handler

    out: list[tuple[str, bool]] = []
    dirty = set(handler.dirty_windows(store))
    for window_id in handler.window_ids(store):
        closed = now >= handler.closes_at(window_id, report)
        finalised = store.get(f"summarize:final:{window_id}") is not None
        if closed and not finalised:
            out.append((window_id, True))
            continue
        if window_id not in dirty:
            continue
        last = _last_build(store, window_id)
        if last is None or now - last >= timedelta(seconds=report.refresh_debounce_s):
            out.append((window_id, closed))
    return out


@app.task(name="tweetpulse.refresh")
def refresh() -> list[str]:
    """Queue a build for each window that is due; returns their ids."""
    store, _, _ = _deps()
    now = utcnow()
    due = due_windows(store, now, settings.report)
    for window_id, final in due:
        # Recorded when queued, so the next tick does not queue the same window again; two
        # builds of one window at once would be harmless anyway (render keeps the newest).
        store.put(f"summarize:last-build:{window_id}", now.isoformat())
        if final:
            store.put(f"summarize:final:{window_id}", now.isoformat())
        build.delay(window_id, final)
    return [w for w, _ in due]


@app.task(name="tweetpulse.build", bind=True, max_retries=None)
def build(self: Any, window_id: str, final: bool) -> str:
    """Build one window's report from Redis and publish it on ``reports.ready``."""
    from services.summarize import handler
    from shared.errors import RetryableError

    store, bus, deps = _deps()
    try:
        ready = handler.build_report(window_id, deps=deps, final=final)
        bus.publish(ready)
        bus.flush()
        handler.mark_clean(store, window_id)
    except RetryableError as exc:
        raise self.retry(exc=exc, countdown=5) from exc
    log.info("published report %s (%s tweets, final=%s)", window_id, ready.stats.tweets, final)
    return window_id
