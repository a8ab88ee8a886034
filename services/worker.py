"""The distributed mode: one service of the topology as a long-running worker on Kafka and Redis.

``tweetpulse worker NAME`` runs the row of ``services.topology`` called NAME: a consumer reads its
input topic in its consumer group and publishes what the handler returns; ``tweetpulse worker
ingest`` reads a source and publishes to ``tweets.raw``. Each serves ``/healthz``, ``/livez`` and
``/metrics``; SIGTERM finishes the batch in hand, commits and exits. The table, the handlers and
the deps are the very ones the embedded mode runs.

Faults: a dependency that is down (Kafka, Redis, a full site disk) is waited out: the bus backs
off and retries, ``/healthz`` answers 503 with the reason meanwhile, and the worker resumes by
itself. A message that keeps failing is dead-lettered after ``settings.worker.max_tries``
(``shared.dispatch``). Only a ``ConfigError`` (or a bug outside any handler) ends the worker.

Ingest does the same with its own loop (:class:`_Patience`): Redis away (dedup, checkpoint) or
Kafka away, it backs off from 0.5 s to 5 s, says why on ``/healthz`` and goes on where it was.
It marks records seen only after the broker acknowledged them and then moves the file
checkpoint (:class:`_Publisher`), so a kill -9 loses nothing and a restart resumes.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from types import FrameType
from typing import Any, Protocol, TypeVar, runtime_checkable

from services import topology
from services.ingest.dedup import Dedup
from services.ingest.source import Source
from services.ingest.sources import build_source
from services.ingest.stats import IngestStats
from services.topology import Consumer, Wiring
from shared.bus import Bus
from shared.dispatch import Handler, Tries
from shared.errors import BrokerUnavailable, PipelineError, RetryableError
from shared.heap import freeze_built
from shared.models import Contract, DeadLetter, ReportReady
from shared.settings import Settings
from shared.telemetry import Telemetry

log = logging.getLogger(__name__)

M = TypeVar("M", bound=Contract)
T = TypeVar("T")


@runtime_checkable
class Resumable(Protocol):
    """A source with a checkpoint in the store to read before its records."""

    def load_checkpoint(self) -> None:
        """Read the checkpoint now (``records()`` would read it first otherwise)."""


@dataclass
class IngestOptions:
    """What ``tweetpulse worker ingest`` reads."""

    inputs: list[Path] = field(default_factory=list)
    mapping: Mapping[str, str] | None = None
    source: str = "file"
    replay_speed: float | None = None
    rate: float | None = None


def _stop_on_signals(stop: Callable[[], None]) -> None:
    def handler(signum: int, frame: FrameType | None) -> None:
        log.info("signal %s: finishing the batch in hand, then stopping", signum)
        stop()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def run_worker(name: str, settings: Settings, *, ingest: IngestOptions | None = None) -> int:
    """Run one service until SIGTERM (ingest: until its source ends). Returns an exit code."""
    from shared.kafka_bus import KafkaBus
    from shared.redis_store import RedisStore

    service = topology.by_name(name)
    telemetry = Telemetry(name)
    worker = settings.worker
    server = telemetry.serve(
        worker.health_port,
        host=worker.health_host,
        timeout_s=worker.health_timeout_s,
        max_connections=worker.health_max_connections,
    )
    log.info("%s worker: /healthz and /metrics on port %s", name, server.server_address[1])
    bus = KafkaBus(settings.kafka, tries=Tries(worker.max_tries, worker.poison_streak))
    store = RedisStore.from_settings(settings.redis)
    wiring = Wiring(settings, store)
    try:
        bus.ensure_topics()
        if not isinstance(service, Consumer):
            return _run_ingest(wiring, bus, telemetry, ingest or IngestOptions())
        topology.subscribe(bus, wiring, [service], wrap=_measure(telemetry))
        freeze_built()  # the deps are built: the collector need not walk them again
        telemetry.watch_bus(bus)
        if service.observe is not None:
            service.observe(wiring.deps(service), telemetry)
        stopped = threading.Event()

        def stop() -> None:
            stopped.set()
            bus.stop()

        _stop_on_signals(stop)
        ticker = _start_ticker(service, wiring, stopped)
        telemetry.running = True
        bus.run()
        stopped.set()
        if ticker is not None:
            ticker.join(timeout=30)
        return 0
    finally:
        telemetry.running = False
        bus.close()
        store.close()
        server.shutdown()


def _start_ticker(
    service: Consumer[Any, Any], wiring: Wiring, stopped: threading.Event
) -> threading.Thread | None:
    """Run the row's clock-driven work every ``tick_every_s`` beside the consumer loop.

    Its events (notify's: dead letters of deferred pushes) go out on a bus of its own: the
    consumer's producer belongs to the polling thread.
    """
    due = service.tick
    if due is None:
        return None
    from shared.kafka_bus import KafkaBus

    every = service.tick_every_s(wiring.settings)

    def loop() -> None:
        bus = KafkaBus(wiring.settings.kafka)
        try:
            while not stopped.wait(every):
                try:
                    for event in due(wiring.deps(service)):
                        bus.publish(event)
                    bus.flush()
                except PipelineError as exc:
                    log.warning(
                        "%s tick failed, trying again in %.0f s: %s", service.name, every, exc
                    )
        finally:
            bus.close()

    thread = threading.Thread(target=loop, name=f"{service.name}-tick", daemon=True)
    thread.start()
    return thread


def _measure(telemetry: Telemetry) -> topology.Wrap:
    """Count and time every handler call; a consumer of reports also exports their model usage."""

    def wrap(consumer: Consumer[M, Any], handler: Handler[M]) -> Handler[M]:
        if not issubclass(consumer.reads, ReportReady):
            return telemetry.wrap(handler)
        cost = telemetry.gauge(
            "tweetpulse_report_model_cost_usd", "Model cost of the last report rendered"
        )
        tokens = telemetry.gauge(
            "tweetpulse_report_model_tokens", "Model tokens (in + out) of the last report rendered"
        )
        rejected = telemetry.gauge(
            "tweetpulse_report_rejected_claims", "Claims the citation check removed, last report"
        )

        def observed(msg: M) -> Sequence[Contract]:
            usage = msg.model_usage if isinstance(msg, ReportReady) else None
            if usage is not None:
                cost.labels(telemetry.service).set(usage.cost_usd or 0.0)
                tokens.labels(telemetry.service).set(usage.input_tokens + usage.output_tokens)
                rejected.labels(telemetry.service).set(usage.rejected_claims)
            return handler(msg)

        return telemetry.wrap(observed)

    return wrap


class _Stopping(Exception):
    """SIGTERM came while waiting for a dependency: stop without waiting longer."""


class _Patience:
    """Waits out a dependency that is down (Redis, Kafka) for ingest: backs off, says why.

    ``unavailable`` is the reason /healthz gives meanwhile; it clears when a call goes through.
    A stop request ends the wait (``_Stopping``) within a tenth of a second.
    """

    def __init__(self, stopping: Callable[[], bool], *, max_backoff_s: float = 5.0) -> None:
        self._stopping = stopping
        self._max_backoff_s = max_backoff_s
        self.unavailable: str | None = None
        self.outages = 0
        self._since: float | None = None

    def call(self, what: str, fn: Callable[[], T]) -> T:
        delay = 0.0
        while True:
            try:
                result = fn()
            except RetryableError as exc:
                if self._stopping():
                    raise _Stopping from exc
                if self.unavailable is None:
                    self._since = time.monotonic()
                    self.outages += 1
                self.unavailable = f"{type(exc).__name__}: {exc}"
                delay = min(max(0.5, delay * 2), self._max_backoff_s)
                log.warning("ingest: %s failed, trying again in %.1f s: %s", what, delay, exc)
                self.nap(delay)
                continue
            if self.unavailable is not None:
                took = time.monotonic() - (self._since or time.monotonic())
                log.info("ingest: %s works again after %.1f s (%s)", what, took, self.unavailable)
                self.unavailable = self._since = None
            return result

    def nap(self, seconds: float) -> None:
        """Sleep in short naps (a signal handler only sets a flag); ``_Stopping`` if asked."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            if self._stopping():
                raise _Stopping
            time.sleep(min(0.1, left))


class _Publisher:
    """Publishes ingest's events; marks them seen and moves the checkpoint once they are acked.

    The order is what makes a kill -9 lose nothing: send, flush (the broker acknowledged),
    then mark the records seen (``Dedup.commit``), then move the source's checkpoint. A crash
    before the marks publishes those records again on restart (downstream is idempotent); the
    checkpoint never passes a record that is not marked. While the broker is away it backs off
    and sends again everything not yet acknowledged; while Redis is away it waits to mark.
    """

    def __init__(self, bus: Bus, source: Source, dedup: Dedup, patience: _Patience) -> None:
        self._bus = bus
        self._source = source
        self._dedup = dedup
        self._patience = patience
        self._unacked: list[Contract] = []

    def publish(self, event: Contract) -> None:
        self._unacked.append(event)
        try:
            self._bus.publish(event)
        except BrokerUnavailable:
            self.settle(resend=True)

    def settle(self, *, resend: bool = False) -> None:
        tries = 0

        def flush() -> None:
            # A failed flush drops the producer and what it held: send it all again.
            nonlocal tries
            if resend or tries:
                for event in self._unacked:
                    self._bus.publish(event)
            tries += 1
            self._bus.flush()

        self._patience.call("publishing to Kafka", flush)
        self._unacked.clear()
        self._patience.call("marking tweets seen in Redis", self._dedup.commit)
        self._patience.call("writing the checkpoint", self._source.commit)


def _stop_thread(source: Source) -> threading.Event:
    """A thread that closes ``source`` once the returned event is set (by a signal handler).

    Closing from the handler itself could deadlock on a lock the interrupted code holds (an
    HTTP connection pool's); this thread holds nothing the main thread waits for. Closing the
    source ends a wait on the X API at once, so SIGTERM stops an ingest whose API is down.
    """
    asked = threading.Event()

    def run() -> None:
        asked.wait()
        source.close()

    threading.Thread(target=run, name="ingest-stop", daemon=True).start()
    return asked


def _run_ingest(wiring: Wiring, bus: Bus, telemetry: Telemetry, options: IngestOptions) -> int:
    ingest = wiring.handler(topology.INGEST)
    dedup = wiring.deps(topology.INGEST).dedup
    source = build_source(
        options.source,
        settings=wiring.settings,
        store=wiring.store,
        inputs=options.inputs,
        mapping=options.mapping,
        replay_speed=options.replay_speed,
        rate=options.rate,
        resume=True,
    )
    stats = IngestStats()
    stopping = False
    close_source = _stop_thread(source)

    def stop() -> None:
        nonlocal stopping
        stopping = True
        close_source.set()

    def export_source_metrics() -> None:
        # fetched, published, rate_limited_waits, reconnects, last_tweet_time, … of the source
        for key, value in source.metrics.as_dict().items():
            if value is not None:
                gauge = telemetry.gauge(f"tweetpulse_source_{key}", f"Ingest source: {key}")
                gauge.labels("ingest").set(value)

    _stop_on_signals(stop)
    patience = _Patience(lambda: stopping)
    telemetry.readiness.append(lambda: patience.unavailable)
    outages = telemetry.gauge("tweetpulse_ingest_outages", "Dependency outages ingest waited out")
    telemetry.running = True
    publisher = _Publisher(bus, source, dedup, patience)
    last_settle = time.monotonic()
    try:
        if isinstance(source, Resumable):
            patience.call("reading the checkpoint", source.load_checkpoint)
        for record in source.records():
            outputs = patience.call("checking for duplicates in Redis", partial(ingest, record))
            stats.count(outputs, record)
            for event in outputs:
                publisher.publish(event)
                kind = (
                    telemetry.dead_lettered
                    if isinstance(event, DeadLetter)
                    else telemetry.processed
                )
                kind.labels("ingest").inc()
            telemetry.beat()
            if time.monotonic() - last_settle >= 1.0:
                publisher.settle()
                last_settle = time.monotonic()
                export_source_metrics()
                outages.labels("ingest").set(patience.outages)
            if stopping:
                break
        publisher.settle()
    except _Stopping:
        log.warning(
            "ingest: stopped while a dependency was down (%s); what was not acknowledged and "
            "marked seen is published again by the next run",
            patience.unavailable,
        )
    finally:
        source.close()
    export_source_metrics()
    skipped = source.metrics.skipped
    if skipped:
        log.info("ingest: passed over %s records the checkpoint says were published", skipped)
    log.info("ingest: %s", stats.summary())
    print(stats.summary(), flush=True)
    return 0
