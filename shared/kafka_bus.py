"""The message bus on Apache Kafka, for the distributed mode; the only module importing ``kafka``.

Semantics are ``MemoryBus``'s (see :mod:`shared.bus`), made durable:

- Topics are created explicitly, ``settings.partitions`` each, with their ``<topic>.dlq``;
  the broker does not auto-create them.
- The producer waits for every in-sync replica (``acks=all``) and is idempotent, so its own
  retries never duplicate a record; records are batched (``linger_ms``) and gzip-compressed
  (gzip needs no extra library in kafka-python, unlike lz4, snappy and zstd).
- A subscription is a consumer in group ``<group_prefix>.<group>``, auto-commit off. The
  offsets of a polled batch are committed only after every output of that batch has been
  published *and acknowledged*; a crash in between redelivers the batch (at least once), which
  the idempotent state store absorbs.
- A message that does not parse, does not match its model, or makes the handler raise
  ``InvalidMessage`` becomes a ``DeadLetter`` on ``<topic>.dlq`` (that policy is
  :func:`shared.dispatch.dispatch`), here with headers naming the original topic, partition,
  offset, exception class and message; the stream goes on.
- ``RetryableError`` (a dependency is down) commits what was done, seeks back to the failed
  message and retries it after an exponential, capped back-off; so does a batch whose outputs
  the broker did not acknowledge. While that lasts ``unavailable`` says why (``/healthz``
  answers 503 with it); the first batch that goes through clears it.
- A handler raising anything else is retried the same way, but only ``Tries.max_tries`` times
  per message (topic, partition, offset): then the message is dead-lettered as poison and the
  stream goes on (``shared.dispatch``). ``ConfigError``, and an exception outside the handler,
  stop the worker: what was done is committed and the exception propagates.
- Security: ``settings.security_protocol`` (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL), SASL
  PLAIN / SCRAM-SHA-256 / SCRAM-SHA-512, a CA file and an optional client certificate go to
  every client this module makes (:func:`client_options`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, OffsetAndMetadata, TopicPartition
from kafka.errors import KafkaConfigurationError, KafkaError, TopicAlreadyExistsError
from kafka.structs import MemberState

from shared.dispatch import Delivery, Handler, Tries, dispatch
from shared.errors import BrokerUnavailable, ConfigError, HandlerFailed, RetryableError
from shared.models import TOPIC_MODELS, Contract, DeadLetter, key_of, topic_of
from shared.settings import KafkaSettings

log = logging.getLogger(__name__)

_M = TypeVar("_M", bound=Contract)
Headers = list[tuple[str, bytes]]

MAX_MESSAGE_BYTES = 8 * 1024 * 1024
"""Largest record the producer sends; the local broker (deploy/kafka) accepts as much."""

DLQ_HEADERS = (
    "dlq.topic",
    "dlq.partition",
    "dlq.offset",
    "dlq.exception.class",
    "dlq.exception.message",
)
"""Headers of a dead-letter record: where the message was, and why it failed."""


def standard_topics() -> list[str]:
    """Every topic of the pipeline and its dead-letter topic."""
    return [name for topic in TOPIC_MODELS for name in (topic, f"{topic}.dlq")]


LAG_EVERY_S = 5.0
"""How often ``run`` reads the consumer lag."""


def client_options(settings: KafkaSettings) -> dict[str, Any]:
    """What every kafka-python client needs to reach the brokers: address, TLS and SASL."""
    options: dict[str, Any] = {
        "bootstrap_servers": settings.bootstrap_servers.split(","),
        "security_protocol": settings.security_protocol,
    }
    if settings.tls:
        options["ssl_check_hostname"] = settings.ssl_check_hostname
        for name, path in (
            ("ssl_cafile", settings.ssl_cafile),
            ("ssl_certfile", settings.ssl_certfile),
            ("ssl_keyfile", settings.ssl_keyfile),
        ):
            if path is not None:
                options[name] = str(path)
        if settings.ssl_key_password is not None:
            options["ssl_password"] = settings.ssl_key_password.get_secret_value()
    if settings.sasl_mechanism is not None:
        options["sasl_mechanism"] = settings.sasl_mechanism
        options["sasl_plain_username"] = settings.sasl_username
        password = settings.sasl_password
        options["sasl_plain_password"] = password.get_secret_value() if password else None
    return options


@dataclass(frozen=True)
class TopicRecord:
    """One record as stored on a topic (``KafkaBus.read_topic``)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: dict[str, bytes]


@dataclass
class _Subscription:
    model: type[Contract]
    handler: Handler[Any]
    topic: str
    consumer: Any


@dataclass
class _Batch:
    """Progress through one polled batch: the next offset to commit per partition."""

    records: dict[Any, list[Any]]
    done: dict[Any, int] = field(default_factory=dict)

    def commit_offsets(self) -> dict[Any, Any]:
        return {tp: OffsetAndMetadata(offset, "", -1) for tp, offset in self.done.items()}

    def resume_points(self) -> dict[Any, int]:
        """Where each partition must be read again from (the first record not done)."""
        return {tp: self.done.get(tp, records[0].offset) for tp, records in self.records.items()}


def _encode(key: str | None) -> bytes | None:
    return None if key is None else key.encode("utf-8")


def _dead_letter_record(
    letter: DeadLetter, record: Any
) -> tuple[str, bytes, bytes | None, Headers]:
    """The dead letter as a record for ``<topic>.dlq``, its headers naming where it failed."""
    values = (record.topic, record.partition, record.offset, letter.error_class, letter.reason)
    headers = [(name, str(v).encode("utf-8")) for name, v in zip(DLQ_HEADERS, values, strict=True)]
    return (letter.topic, letter.model_dump_json().encode("utf-8"), _encode(letter.key), headers)


METADATA_MAX_AGE_MS = 10_000
"""Consumers refresh their cluster metadata this often (kafka-python's default is 5 minutes)."""
PARTITIONS_WAIT_S = 15.0
"""How long a new subscription waits for its topic's partitions to show in its metadata."""


class KafkaBus:
    """``Bus`` on Kafka: durable topics, consumer groups, commit after acknowledged outputs."""

    def __init__(
        self,
        settings: KafkaSettings,
        *,
        group_prefix: str | None = None,
        topic_prefix: str | None = None,
        max_poll_records: int = 200,
        linger_ms: int = 20,
        batch_size: int = 256 * 1024,
        backoff_s: float = 0.5,
        max_backoff_s: float = 10.0,
        idle_s: float = 2.0,
        delivery_timeout_s: float = 30.0,
        connect_timeout_s: float = 10.0,
        tries: Tries | None = None,
    ) -> None:
        self._settings = settings
        self._tries = tries or Tries()
        # The settings' prefixes unless a caller (a test, the harness) names its own.
        self._group_prefix = settings.group_prefix if group_prefix is None else group_prefix
        self._topic_prefix = settings.topic_prefix if topic_prefix is None else topic_prefix
        self._max_poll_records = max_poll_records
        self._linger_ms = linger_ms
        self._batch_size = batch_size
        self._backoff_s = backoff_s
        self._max_backoff_s = max_backoff_s
        self._idle_s = idle_s
        self._delivery_timeout_s = delivery_timeout_s
        self._connect_timeout_ms = int(connect_timeout_s * 1000)
        self._producer: Any = None
        self._admin: Any = None
        self._pending: list[Any] = []
        self._known_topics: set[str] = set()
        self._subs: list[_Subscription] = []
        self._stopping = False
        self._retry_streak = 0
        self.processed = 0
        """Messages handled successfully (their outputs published)."""
        self.failed = 0
        """Retryable failures (each one backs off and retries)."""
        self.dead_lettered = 0
        """Messages sent to a dead-letter topic."""
        self.published = 0
        """Records handed to the producer."""
        self.last_latency_s = 0.0
        """How long the last handler call took."""
        self.last_lag: int | None = None
        """Consumer lag summed over the assigned partitions, as last read by ``run``."""
        self.unavailable: str | None = None
        """Why messages cannot be handled right now (a dependency is down); None when they can."""
        self.unavailable_since: float | None = None
        """When (``time.monotonic``) the current outage began."""

    # ------------------------------------------------------------------ connections

    def _common(self) -> dict[str, Any]:
        return {
            **client_options(self._settings),
            "client_id": self._settings.client_id,
            "request_timeout_ms": 10_000,
            "bootstrap_timeout_ms": self._connect_timeout_ms,
            # A restarted broker is found again within seconds, not kafka-python's 30 s.
            "reconnect_backoff_max_ms": self._settings.reconnect_backoff_max_ms,
        }

    def _kafka(self, what: str, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except KafkaConfigurationError as exc:
            raise ConfigError(f"kafka {what}: {exc}") from exc
        except KafkaError as exc:
            raise BrokerUnavailable(f"kafka {what} failed: {type(exc).__name__}: {exc}") from exc

    def _get_producer(self) -> Any:
        if self._producer is None:
            delivery_ms = int(self._delivery_timeout_s * 1000)
            common = self._common()
            common.pop("request_timeout_ms")
            self._producer = self._kafka(
                "producer start",
                lambda: KafkaProducer(
                    **common,
                    acks="all",
                    enable_idempotence=True,
                    linger_ms=self._linger_ms,
                    batch_size=self._batch_size,
                    compression_type="gzip",
                    max_request_size=MAX_MESSAGE_BYTES,
                    delivery_timeout_ms=delivery_ms,
                    # The client insists that one request fits in the delivery time.
                    request_timeout_ms=max(1, min(10_000, delivery_ms - self._linger_ms - 1)),
                    max_block_ms=delivery_ms,
                    allow_auto_create_topics=False,
                ),
            )
        return self._producer

    def _get_admin(self) -> Any:
        if self._admin is None:
            self._admin = self._kafka("admin start", lambda: KafkaAdminClient(**self._common()))
        return self._admin

    def _drop_producer(self) -> None:
        """Discard a producer whose records failed; a new one starts a clean idempotent session."""
        producer, self._producer = self._producer, None
        self._pending.clear()
        if producer is None:
            return
        try:
            producer.close(timeout=1)
        except KafkaError:
            # kafka-python's close() flushes first and gives up when the flush times out,
            # leaving its sender thread running; stop that thread by hand.
            log.debug("closing a failed producer raised", exc_info=True)
            sender = getattr(producer, "_sender", None)
            if sender is not None:
                sender.force_close()
            producer._closed = True

    def _physical(self, topic: str) -> str:
        return f"{self._topic_prefix}{topic}"

    def _logical(self, topic: str) -> str:
        return topic[len(self._topic_prefix) :] if topic.startswith(self._topic_prefix) else topic

    # ------------------------------------------------------------------ topics

    def ensure_topics(self, names: Iterable[str] | None = None) -> None:
        """Create the topics that do not exist, ``settings.partitions`` each (default: all)."""
        wanted = [self._physical(n) for n in (standard_topics() if names is None else names)]
        missing = [t for t in dict.fromkeys(wanted) if t not in self._known_topics]
        if not missing:
            return
        admin = self._get_admin()
        spec = {
            t: {
                "num_partitions": self._settings.partitions,
                "replication_factor": self._settings.replication_factor,
            }
            for t in missing
        }
        result = self._kafka(
            "create topics",
            lambda: admin.create_topics(spec, timeout_ms=15_000, raise_errors=False),
        )
        for entry in result.get("topics", []):
            code = entry.get("error_code", 0)
            if code in (0, TopicAlreadyExistsError.errno):
                continue
            message = (
                f"cannot create topic {entry.get('name')}: {entry.get('error_message') or code}"
            )
            raise ConfigError(message)
        self._kafka("wait for topics", lambda: admin.wait_for_topics(missing, timeout_ms=15_000))
        self._known_topics.update(missing)
        log.info("topics ready: %s", ", ".join(missing))

    def delete_topics(self, names: Iterable[str]) -> None:
        """Delete topics (tests, resets); a topic that does not exist is skipped."""
        physical = [self._physical(n) for n in names]
        admin = self._get_admin()
        self._kafka(
            "delete topics",
            lambda: admin.delete_topics(physical, timeout_ms=15_000, raise_errors=False),
        )
        self._known_topics.difference_update(physical)

    def partitions_for(self, topic: str) -> int:
        """How many partitions ``topic`` has (0 if it does not exist)."""
        admin = self._get_admin()
        described = self._kafka(
            "describe topic", lambda: admin.describe_topics([self._physical(topic)])
        )
        for entry in described:
            if entry.get("error_code", 0) == 0:
                return len(entry.get("partitions") or [])
        return 0

    # ------------------------------------------------------------------ producing

    def publish(self, event: Contract) -> None:
        """Send ``event`` to its topic, keyed by ``key_of(event)``; ``flush`` confirms it."""
        key = key_of(event)
        self._send(
            topic_of(event),
            event.model_dump_json().encode("utf-8"),
            None if key is None else key.encode("utf-8"),
        )

    def publish_raw(self, topic: str, payload: bytes, key: bytes | None = None) -> None:
        """Send bytes as they are (for poison-message tests and replays)."""
        self._send(topic, payload, key)

    def _send(
        self, topic: str, value: bytes, key: bytes | None, headers: Headers | None = None
    ) -> None:
        physical = self._physical(topic)
        if physical not in self._known_topics:
            self.ensure_topics([topic])
        producer = self._get_producer()
        future = self._kafka(
            "send", lambda: producer.send(physical, value=value, key=key, headers=headers or [])
        )
        self._pending.append(future)
        self.published += 1

    def flush(self) -> None:
        """Block until every record sent is acknowledged; ``BrokerUnavailable`` if one was not."""
        if self._producer is None:
            return
        pending, self._pending = self._pending, []
        try:
            self._producer.flush(timeout=self._delivery_timeout_s + 5)
        except KafkaError as exc:
            self._drop_producer()
            raise BrokerUnavailable(f"kafka flush failed: {type(exc).__name__}: {exc}") from exc
        failures = [f.exception for f in pending if not f.succeeded()]
        if failures:
            self._drop_producer()
            first = failures[0]
            raise BrokerUnavailable(
                f"{len(failures)} of {len(pending)} records not acknowledged: "
                f"{type(first).__name__}: {first}"
            )

    # ------------------------------------------------------------------ consuming

    def subscribe(self, model: type[_M], handler: Handler[_M], *, group: str) -> None:
        """Consume ``model.TOPIC`` as group ``<group_prefix>.<group>`` (from the start if new)."""
        topic = getattr(model, "TOPIC")  # noqa: B009 - ClassVar of each topic model
        self.ensure_topics([topic, f"{topic}.dlq"])
        consumer = self._kafka(
            "consumer start",
            lambda: KafkaConsumer(
                **self._common(),
                group_id=f"{self._group_prefix}.{group}",
                enable_auto_commit=False,
                # A killed member's partitions move to the others after this, not after 45 s.
                session_timeout_ms=self._settings.session_timeout_ms,
                heartbeat_interval_ms=max(1000, self._settings.session_timeout_ms // 3),
                auto_offset_reset="earliest",
                max_poll_records=self._max_poll_records,
                allow_auto_create_topics=False,
                # The group leader assigns the partitions its metadata knows at the join; one
                # that joined before a just-created topic's partitions reached it assigns none
                # ("No partition metadata"), and kafka-python rejoins only once its metadata is
                # refreshed. Refresh often, so such a member is put right within seconds.
                metadata_max_age_ms=METADATA_MAX_AGE_MS,
            ),
        )
        physical = self._physical(topic)
        consumer.subscribe([physical])
        self._await_partitions(consumer, physical)
        self._subs.append(_Subscription(model, handler, topic, consumer))

    def _await_partitions(self, consumer: Any, physical: str) -> None:
        """Wait until the consumer's metadata holds the topic's partitions, so its first join
        assigns them (bounded: past the wait, the short metadata age repairs it later)."""
        deadline = time.monotonic() + PARTITIONS_WAIT_S
        while True:
            parts = self._kafka(
                "consumer metadata", lambda: consumer.partitions_for_topic(physical)
            )
            if parts or time.monotonic() >= deadline:
                if not parts:
                    log.warning("no partition metadata for %s yet; joining anyway", physical)
                return
            time.sleep(0.2)

    def run(self, *, until_idle: bool = False) -> None:
        """Poll and handle until ``stop()``; with ``until_idle``, also once nothing came for a while.

        Idle time counts only while every consumer has joined its group and read to the end of
        each of its partitions, so one still waiting for its partitions is never taken as idle.
        """
        self._stopping = False
        quiet_since = time.monotonic()
        lag_at = 0.0
        poll_ms = max(50, 300 // max(1, len(self._subs)))
        while not self._stopping:
            if not self._subs:
                self._sleep(poll_ms / 1000)
            busy = False
            for sub in self._subs:
                batch = self._poll(sub, poll_ms)
                if batch:
                    busy = True
                    self._handle(sub, _Batch(batch))
                if self._stopping:
                    break
            now = time.monotonic()
            if now - lag_at >= LAG_EVERY_S:
                # Read here, on the polling thread: kafka-python's consumer is not thread-safe.
                self.last_lag = self.lag()
                lag_at = now
            if busy or not self._caught_up():
                quiet_since = now
            elif until_idle and now - quiet_since >= self._idle_s:
                return

    def _poll(self, sub: _Subscription, timeout_ms: int) -> dict[Any, list[Any]]:
        batch: dict[Any, list[Any]] = self._kafka(
            "poll", lambda: sub.consumer.poll(timeout_ms=timeout_ms)
        )
        return batch

    def assigned_partitions(self) -> list[tuple[str, int]]:
        """The ``(topic, partition)`` pairs this bus's consumers own right now, sorted."""
        return sorted(
            (self._logical(tp.topic), tp.partition)
            for sub in self._subs
            for tp in sub.consumer.assignment()
        )

    def lag(self) -> int | None:
        """Messages between this bus's consumers and the ends of their partitions (None: unknown).

        Uses the high-water marks the last fetches brought back, so it asks the broker nothing.
        """
        total = 0
        try:
            for sub in self._subs:
                for tp in sub.consumer.assignment():
                    end = sub.consumer.highwater(tp)
                    if end is None:
                        return None
                    total += max(0, end - (sub.consumer.position(tp, timeout_ms=100) or 0))
        except KafkaError:
            return None
        return total

    def _caught_up(self) -> bool:
        """Every consumer has joined its group, fetched each of its partitions, and has no lag."""
        try:
            for sub in self._subs:
                consumer = sub.consumer
                if consumer.group_metadata().state != MemberState.STABLE:
                    return False
                for tp in consumer.assignment():
                    end = consumer.highwater(tp)
                    if end is None or (consumer.position(tp, timeout_ms=100) or 0) < end:
                        return False
        except KafkaError:
            return False
        return True

    def _handle(self, sub: _Subscription, batch: _Batch) -> None:
        """Handle a polled batch; commit once its outputs are acknowledged."""
        try:
            for tp, records in batch.records.items():
                for record in records:
                    try:
                        outputs = self._process(sub, record)
                    except RetryableError as exc:
                        self._retry_later(sub, batch, exc)
                        return
                    for topic, value, key, headers in outputs:
                        self._send(topic, value, key, headers)
                    batch.done[tp] = record.offset + 1
            self.flush()
        except BrokerUnavailable as exc:
            # Nothing of this batch is committed: read it all again once the broker is back.
            batch.done.clear()
            self._drop_producer()
            self._retry_later(sub, batch, exc)
            return
        except Exception:
            # A bug: keep what is known to be done, rewind the rest, and let the worker die loudly.
            self._commit_done(sub, batch)
            self._rewind(sub, batch)
            raise
        self._commit(sub, batch)
        self._retry_streak = 0
        if self.unavailable is not None:
            took = time.monotonic() - (self.unavailable_since or time.monotonic())
            log.info("%s: handling again after %.1fs (%s)", sub.topic, took, self.unavailable)
            self.unavailable = self.unavailable_since = None

    def _process(
        self, sub: _Subscription, record: Any
    ) -> list[tuple[str, bytes, bytes | None, Headers | None]]:
        """Run the handler on one record: its outputs, or the dead letter that replaces them."""
        key = None if record.key is None else bytes(record.key).decode("utf-8", "replace")
        delivery = Delivery(
            topic=sub.topic,
            value=None if record.value is None else bytes(record.value),
            key=key,
            partition=record.partition,
            offset=record.offset,
        )
        started = time.monotonic()
        try:
            outcome = dispatch(sub.model, sub.handler, delivery, self._tries)
        finally:
            self.last_latency_s = time.monotonic() - started
        if outcome.dead is not None:
            self.dead_lettered += 1
            return [_dead_letter_record(outcome.dead, record)]
        self.processed += 1
        return [
            (topic_of(event), event.model_dump_json().encode("utf-8"), _encode(key_of(event)), None)
            for event in outcome.events
        ]

    def _retry_later(self, sub: _Subscription, batch: _Batch, exc: Exception) -> None:
        """Commit what is done and acknowledged, rewind the rest, and back off."""
        self.failed += 1
        self._retry_streak += 1
        # A message trying its luck again is no outage; a dependency down, or a held message, is.
        if not isinstance(exc, HandlerFailed) or exc.holding:
            if self.unavailable is None:
                self.unavailable_since = time.monotonic()
            self.unavailable = f"{type(exc).__name__}: {exc}"
        self._commit_done(sub, batch)
        self._rewind(sub, batch)
        delay = min(self._max_backoff_s, self._backoff_s * 2 ** (self._retry_streak - 1))
        log.warning(
            "retryable failure on %s (%s in a row), retrying in %.1fs: %s",
            sub.topic,
            self._retry_streak,
            delay,
            exc,
        )
        self._sleep(delay)

    def _sleep(self, seconds: float) -> None:
        # Short naps rather than an Event: stop() may run in a signal handler, where taking a
        # lock the interrupted code holds would deadlock.
        deadline = time.monotonic() + seconds
        while not self._stopping and (left := deadline - time.monotonic()) > 0:
            time.sleep(min(0.1, left))

    def _rewind(self, sub: _Subscription, batch: _Batch) -> None:
        """Seek every partition of the batch back to its first record not done."""
        for tp, offset in batch.resume_points().items():
            try:
                sub.consumer.seek(tp, offset)
            except (KafkaError, ValueError):
                # Revoked meanwhile: its new owner resumes from the last commit.
                log.info("cannot rewind %s: no longer assigned", tp)

    def _commit_done(self, sub: _Subscription, batch: _Batch) -> None:
        """Flush, then commit the records done; if the flush fails, nothing counts as done."""
        if not batch.done:
            return
        try:
            self.flush()
        except BrokerUnavailable:
            log.warning("outputs not acknowledged; nothing committed on %s", sub.topic)
            batch.done.clear()
            return
        self._commit(sub, batch)

    def _commit(self, sub: _Subscription, batch: _Batch) -> None:
        offsets = batch.commit_offsets()
        if not offsets:
            return
        try:
            sub.consumer.commit(offsets, timeout_ms=15_000)
        except KafkaError as exc:
            # Outputs are out and acknowledged; the next commit covers these offsets, or after a
            # rebalance the partition's new owner redelivers them (at least once).
            log.warning("commit on %s failed, messages may be redelivered: %s", sub.topic, exc)

    def stop(self) -> None:
        """Ask ``run`` to return after the batch in hand (safe from a signal handler)."""
        self._stopping = True

    # ------------------------------------------------------------------ reading, closing

    def read_topic(self, topic: str, *, timeout_s: float = 15.0) -> list[TopicRecord]:
        """Every record on ``topic`` from the beginning, without a group (tests, inspection)."""
        physical = self._physical(topic)
        consumer = self._kafka(
            "reader start",
            lambda: KafkaConsumer(
                **self._common(),
                group_id=None,
                enable_auto_commit=False,
                allow_auto_create_topics=False,
            ),
        )
        try:
            parts = self._kafka("reader metadata", lambda: consumer.partitions_for_topic(physical))
            if not parts:
                return []
            tps = [TopicPartition(physical, p) for p in sorted(parts)]
            consumer.assign(tps)
            consumer.seek_to_beginning(*tps)
            ends = self._kafka("reader offsets", lambda: consumer.end_offsets(tps))
            out: list[TopicRecord] = []
            deadline = time.monotonic() + timeout_s
            while any(consumer.position(tp) < ends[tp] for tp in tps):
                if time.monotonic() > deadline:
                    raise BrokerUnavailable(f"reading {physical} timed out after {timeout_s}s")
                for records in consumer.poll(timeout_ms=200).values():
                    out.extend(
                        TopicRecord(
                            topic=self._logical(r.topic),
                            partition=r.partition,
                            offset=r.offset,
                            key=r.key,
                            value=r.value,
                            headers=dict(r.headers or []),
                        )
                        for r in records
                    )
            return sorted(out, key=lambda r: (r.partition, r.offset))
        finally:
            consumer.close(autocommit=False)

    def close(self) -> None:
        """Flush what is pending, then close consumers (leaving their groups) and the producer."""
        self._stopping = True
        try:
            if self._pending:
                self.flush()
        finally:
            for sub in self._subs:
                try:
                    sub.consumer.close(autocommit=False, timeout_ms=5_000)
                except KafkaError:
                    log.debug("closing a consumer raised", exc_info=True)
            self._subs.clear()
            if self._producer is not None:
                self._producer.close(timeout=5)
                self._producer = None
            if self._admin is not None:
                self._admin.close()
                self._admin = None
