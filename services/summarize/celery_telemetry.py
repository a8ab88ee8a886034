"""/healthz and Prometheus /metrics for Celery's summarize worker, like the Kafka workers'.

Celery's default pool forks children that run the tasks, so the counters use prometheus_client's
multiprocess mode: each process writes its samples into files of one directory, made when the
worker starts and before the pool forks, and the main process serves their sum. With
``--pool solo`` the main process runs the tasks and writes there itself. Samples, labelled
``service="celery"``:

- ``tweetpulse_messages_processed`` / ``tweetpulse_messages_failed``: tasks that returned, and
  tasks that raised (a retry counts as a failure: it will run again);
- ``tweetpulse_handling_seconds``: the time a task ran;
- ``tweetpulse_consumer_lag``: tasks waiting in the queue (its Redis list length), at each scrape;
- ``tweetpulse_celery_tasks{task, state}``: the same counts by task name and outcome.

``/healthz`` answers 200 from ``worker_ready`` until shutdown, except while Redis (the worker's
broker and store) does not answer a PING; ``/livez`` stays 200 then. Beat runs no tasks and serves no
port. Nothing here runs unless a Celery *worker* starts: importing the tasks module (beat,
``celery inspect``, tests) only connects the signal handlers.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
import time
from typing import TYPE_CHECKING, Any

from celery import Celery, signals

from shared.settings import Settings

if TYPE_CHECKING:
    from prometheus_client import Counter

    from shared.telemetry import Telemetry

log = logging.getLogger(__name__)

SERVICE = "celery"
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


class TaskMeter:
    """Counts and times tasks into a :class:`~shared.telemetry.Telemetry` (signal handlers)."""

    def __init__(self, telemetry: Telemetry) -> None:
        from prometheus_client import Counter

        self.telemetry = telemetry
        self.by_task: Counter = Counter(
            "tweetpulse_celery_tasks",
            "Celery tasks finished, by task name and outcome",
            ["service", "task", "state"],
            registry=telemetry.registry,
        )
        self._started: dict[str, float] = {}

    def started(self, task_id: str) -> None:
        """A task begins to run in this process."""
        self._started[task_id] = time.perf_counter()

    def finished(self, task_id: str, task: str, state: str) -> None:
        """A task ended: ``succeeded``, ``failed`` or ``retried``."""
        t = self.telemetry
        begun = self._started.pop(task_id, None)
        if begun is not None:
            t.latency.labels(SERVICE).observe(time.perf_counter() - begun)
        (t.processed if state == "succeeded" else t.failed).labels(SERVICE).inc()
        self.by_task.labels(SERVICE, task, state).inc()
        t.beat()


class WorkerTelemetry:
    """The signal handlers of one app's workers: start the server, count the tasks."""

    def __init__(self, app: Celery, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.meter: TaskMeter | None = None
        self._server: Any = None
        self._directory: str | None = None

    def connect(self) -> None:
        """Connect the handlers to Celery's signals."""
        signals.worker_init.connect(self.start, weak=False)
        signals.worker_ready.connect(self.ready, weak=False)
        signals.worker_shutdown.connect(self.stop, weak=False)
        signals.task_prerun.connect(self.prerun, weak=False)
        signals.task_success.connect(self.success, weak=False)
        signals.task_failure.connect(self.failure, weak=False)
        signals.task_retry.connect(self.retry, weak=False)

    def start(self, sender: Any = None, **_: Any) -> None:
        """``worker_init``: in the main process, before the pool forks."""
        if getattr(sender, "app", self.app) is not self.app:
            return
        if "prometheus_client" in sys.modules and MULTIPROC_ENV not in os.environ:
            # Imported before the pool forks without multiprocess mode: children's counts would
            # stay in the children. Solo pools still count right; say so rather than mislead.
            log.warning("prometheus_client was imported early: pool children are not counted")
        elif MULTIPROC_ENV not in os.environ:
            self._directory = tempfile.mkdtemp(prefix="tweetpulse-celery-metrics-")
            os.environ[MULTIPROC_ENV] = self._directory
        from prometheus_client import CollectorRegistry, multiprocess

        from shared.telemetry import Telemetry

        telemetry = Telemetry(SERVICE)
        if MULTIPROC_ENV in os.environ:
            exposed = CollectorRegistry()
            multiprocess.MultiProcessCollector(exposed, path=os.environ[MULTIPROC_ENV])  # type: ignore[no-untyped-call]
            telemetry.exposed = exposed
        telemetry.before_scrape.append(lambda: read_queue(telemetry, self.settings))
        telemetry.readiness.append(lambda: redis_down(self.settings))
        self.meter = TaskMeter(telemetry)
        worker = self.settings.worker
        self._server = telemetry.serve(
            worker.health_port,
            host=worker.health_host,
            timeout_s=worker.health_timeout_s,
            max_connections=worker.health_max_connections,
        )
        # Celery's logging is not set up yet at worker_init: say it on stderr, as workers do.
        print(
            f"{SERVICE} worker: /healthz and /metrics on port {self._server.server_address[1]}",
            file=sys.stderr,
            flush=True,
        )

    def ready(self, **_: Any) -> None:
        """``worker_ready``: /healthz turns 200."""
        if self.meter is not None:
            self.meter.telemetry.running = True

    def stop(self, **_: Any) -> None:
        """``worker_shutdown``: /healthz off, the port closed, the samples' directory removed."""
        if self.meter is not None:
            self.meter.telemetry.running = False
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._directory is not None:
            shutil.rmtree(self._directory, ignore_errors=True)
            self._directory = None

    def prerun(self, task_id: str = "", **_: Any) -> None:
        """``task_prerun``."""
        if self.meter is not None:
            self.meter.started(task_id)

    def success(self, sender: Any = None, **_: Any) -> None:
        """``task_success``."""
        if self.meter is not None and sender is not None:
            self.meter.finished(sender.request.id or "", sender.name, "succeeded")

    def failure(self, sender: Any = None, task_id: str = "", **_: Any) -> None:
        """``task_failure``."""
        if self.meter is not None and sender is not None:
            self.meter.finished(task_id, sender.name, "failed")

    def retry(self, sender: Any = None, request: Any = None, **_: Any) -> None:
        """``task_retry``."""
        if self.meter is not None and sender is not None:
            self.meter.finished(getattr(request, "id", "") or "", sender.name, "retried")


def install(app: Celery, settings: Settings) -> WorkerTelemetry:
    """Serve /healthz and /metrics from every Celery worker of ``app``."""
    handlers = WorkerTelemetry(app, settings)
    handlers.connect()
    return handlers


def redis_down(settings: Settings) -> str | None:
    """Why Redis is unusable right now (it does not answer PING), or None when it answers."""
    import redis

    from shared.redis_store import redis_client

    client = redis_client(settings.redis, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        return f"redis: {type(exc).__name__}: {exc}"
    finally:
        client.close()
    return None


def read_queue(telemetry: Telemetry, settings: Settings) -> None:
    """Set the lag gauge to the queue's length (Redis list ``celery_queue``)."""
    import redis

    from shared.redis_store import redis_client

    try:
        client = redis_client(settings.redis, socket_timeout=2, socket_connect_timeout=2)
        try:
            waiting = client.llen(settings.redis.celery_queue)
        finally:
            client.close()
    except redis.RedisError as exc:
        log.warning("celery queue length unknown: %s", exc)
        return
    telemetry.lag.labels(SERVICE).set(float(waiting))
