"""Celery inside summarize: the schedule's ticks and the report builds themselves.

``celery -A services.summarize.tasks beat`` ticks ``refresh`` every
``TWEETPULSE_REPORT__REFRESH_TICK_S`` seconds; ``celery -A services.summarize.tasks worker -Q
summarize`` runs it and the ``build`` jobs it queues. Which windows are due, and when, is
``schedule``'s (the embedded runner follows the same one). ``build`` reads the window's aggregates
from Redis, writes the report and publishes it on ``reports.ready``; render picks it up from there
(Kafka carries the events, Celery only the scheduling).

A Celery worker serves /healthz and /metrics like the Kafka workers (see ``celery_telemetry``).

Only this module's import makes a Celery app; it reads the settings from the environment because
Celery imports it by name (``-A``), the way ``__main__`` would. No connection is opened here.
"""

from __future__ import annotations

import functools
import logging
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from celery import Celery

from services.summarize import celery_telemetry, schedule
from services.summarize.handler import SummarizeDeps
from services.summarize.schedule import Build
from shared.bus import Bus
from shared.errors import RetryableError
from shared.models import ReportReady, utcnow
from shared.settings import RedisSettings, Settings
from shared.store import StateStore

log = logging.getLogger(__name__)


def broker_options(redis: RedisSettings) -> dict[str, Any]:
    """Celery's broker settings for ``redis``: the password (never in the URL) and TLS."""
    options: dict[str, Any] = {"broker_password": redis.secret}
    if redis.username:
        options["broker_user"] = redis.username
    if redis.tls:
        use_ssl: dict[str, Any] = {"ssl_cert_reqs": ssl.CERT_REQUIRED}
        if redis.ssl_ca_certs is not None:
            use_ssl["ssl_ca_certs"] = str(redis.ssl_ca_certs)
        if redis.ssl_certfile is not None and redis.ssl_keyfile is not None:
            use_ssl["ssl_certfile"] = str(redis.ssl_certfile)
            use_ssl["ssl_keyfile"] = str(redis.ssl_keyfile)
        use_ssl["ssl_check_hostname"] = redis.ssl_check_hostname
        options["broker_use_ssl"] = use_ssl
    return options


def create_app(settings: Settings) -> Celery:
    """The Celery app for ``settings``: Redis broker, one queue, the refresh schedule."""
    celery = Celery("tweetpulse.summarize", broker=settings.redis.url)
    celery.conf.update(
        **broker_options(settings.redis),
        task_default_queue=settings.redis.celery_queue,
        task_acks_late=True,  # a worker killed mid-build leaves the job for another
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        # A Redis outage is waited out, however long: the worker and beat reconnect by themselves
        # (the worker's /healthz says 503 meanwhile), rather than exit after Celery's 100 tries.
        broker_connection_max_retries=None,
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


@dataclass(frozen=True)
class Runtime:
    """What the tasks of one worker process use: the store, the bus and summarize's deps."""

    store: StateStore
    bus: Bus
    deps: SummarizeDeps


@functools.cache
def _runtime() -> Runtime:
    """Built once per worker process, on first use (never at import)."""
    from services.summarize import bootstrap
    from shared.kafka_bus import KafkaBus
    from shared.redis_store import RedisStore

    store = RedisStore.from_settings(settings.redis)
    bus = KafkaBus(settings.kafka)
    return Runtime(store, bus, bootstrap.build_deps(settings, store=store))


def queue_due(runtime: Runtime, now: datetime, enqueue: Callable[[Build], object]) -> list[str]:
    """One tick: take the builds due at ``now`` and hand each to ``enqueue``; their window ids."""
    due = schedule.take_due(runtime.store, now, runtime.deps.settings)
    for job in due:
        enqueue(job)
    return [job.window_id for job in due]


def run_build(runtime: Runtime, job: Build) -> ReportReady:
    """One queued build: the report, built and published (see ``schedule.publish``)."""
    ready = schedule.publish(job, deps=runtime.deps, bus=runtime.bus)
    log.info(
        "published report %s (%s tweets, final=%s)", job.window_id, ready.stats.tweets, job.final
    )
    return ready


@app.task(name="tweetpulse.refresh")
def refresh() -> list[str]:
    """Queue a build for each window that is due; returns their ids."""
    return queue_due(_runtime(), utcnow(), lambda job: build.delay(job.window_id, job.final))


@app.task(name="tweetpulse.build", bind=True, max_retries=None)
def build(self: Any, window_id: str, final: bool) -> str:
    """Build one window's report from Redis and publish it on ``reports.ready``."""
    try:
        run_build(_runtime(), Build(window_id, final))
    except RetryableError as exc:
        # A dependency is down: wait longer each time, up to a minute. Should the retry itself
        # not reach Redis, the window stays dirty and the schedule takes the build again.
        countdown = min(60, 5 * 2 ** min(self.request.retries, 4))
        raise self.retry(exc=exc, countdown=countdown) from exc
    return window_id
