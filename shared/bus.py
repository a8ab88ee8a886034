"""The message bus: a small Protocol, and the in-memory implementation of the embedded mode.

Handlers are pure: ``handler(message) -> list[Event]``. A bus delivers each message of a topic to
the handler subscribed for it, publishes what the handler returns, and only then counts the
message as done (commits). ``InvalidMessage`` sends the message to ``<topic>.dlq`` with the
reason; ``RetryableError`` retries it with back-off; any other exception is tried again a few
times and then dead-letters the message as poison (``ConfigError`` alone propagates). That policy
is :func:`shared.dispatch.dispatch`; a bus adds only transport, commit and retry.

``shared.kafka_bus.KafkaBus`` is the distributed implementation; both pass
``tests/contract/test_bus_contract.py``.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from pathlib import Path
from typing import Any, Protocol, TextIO, TypeVar

from shared.dispatch import Delivery, Handler, Tries, dispatch
from shared.errors import HandlerFailed, RetryableError
from shared.models import Contract, topic_of

log = logging.getLogger(__name__)

M = TypeVar("M", bound=Contract)


class Bus(Protocol):
    """Publishes events and runs subscribed handlers over topics."""

    def publish(self, event: Contract) -> None:
        """Send one event to its topic (``topic_of(event)``), keyed by ``key_of(event)``."""

    def subscribe(self, model: type[M], handler: Handler[M], *, group: str) -> None:
        """Run ``handler`` for every message of ``model.TOPIC``, as consumer group ``group``."""

    def run(self, *, until_idle: bool = False) -> None:
        """Deliver messages until stopped (or, with ``until_idle``, until nothing is pending)."""

    def stop(self) -> None:
        """Ask ``run`` to return after the message in hand."""

    def flush(self) -> None:
        """Block until every published event is acknowledged."""

    def close(self) -> None:
        """Release connections."""


DEFAULT_KEEP_DEAD = 1000
"""Dead letters per topic a ``MemoryBus`` keeps in memory (it counts them all)."""


class EventLog(Protocol):
    """Where a bus writes events it does not keep whole (the dead letters of a run)."""

    def write(self, event: Contract) -> None:
        """Append one event."""


class JsonlLog:
    """Events appended to a JSON Lines file, one ``model_dump_json`` per line.

    The file (and its folder) is made on the first event, so a run without any leaves none;
    ``count`` says how many were written.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self._file: TextIO | None = None

    def write(self, event: Contract) -> None:
        """Append ``event`` as one line."""
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("w", encoding="utf-8")
        self._file.write(event.model_dump_json() + "\n")
        self.count += 1

    def close(self) -> None:
        """Close the file, if one was opened."""
        if self._file is not None:
            self._file.close()
            self._file = None


class MemoryBus:
    """Delivers in process, in publish order; events are immutable so they are passed as is.

    With ``serialize=True`` every message goes through JSON as it would on Kafka, which the
    contract tests use to catch anything that would not survive the wire. ``retries`` bounds the
    retries of a ``RetryableError`` (in process, nothing comes back by waiting long); ``tries``
    counts a poison message's tries (``shared.dispatch``). Dead letters are counted, the first
    ``keep_dead`` of each topic kept, and every one written to ``dead_letters`` when given.
    """

    def __init__(
        self,
        *,
        serialize: bool = False,
        retries: int = 3,
        backoff_s: float = 0.01,
        tries: Tries | None = None,
        dead_letters: EventLog | None = None,
        keep_dead: int = DEFAULT_KEEP_DEAD,
    ):
        self._serialize = serialize
        self._retries = retries
        self._backoff_s = backoff_s
        self._tries = tries or Tries()
        self._queue: deque[tuple[str, Any]] = deque()
        self._handlers: dict[str, list[tuple[type[Contract], Handler[Any]]]] = {}
        self._stopped = False
        self._dead_letters = dead_letters
        self._keep_dead = keep_dead
        self.published: dict[str, list[Contract]] = {}
        """What was published on topics nobody here subscribes to (posts.rendered, …); of a
        dead-letter topic only the first ``keep_dead`` (the rest: ``counts`` and the log)."""
        self.counts: dict[str, int] = {}
        """Messages published per topic."""

    def publish(self, event: Contract) -> None:
        """Queue ``event`` for its topic's subscribers (or keep it, if it has none)."""
        topic = topic_of(event)
        self.counts[topic] = self.counts.get(topic, 0) + 1
        if topic in self._handlers:
            payload: Any = event.model_dump_json() if self._serialize else event
            self._queue.append((topic, payload))
            return
        kept = self.published.setdefault(topic, [])
        if not topic.endswith(".dlq"):
            kept.append(event)
            return
        # Dead letters carry up to 64 KB of payload each: a file of a million bad records
        # would hold gigabytes here. Count them all, keep a sample, write them to the log.
        if self._dead_letters is not None:
            self._dead_letters.write(event)
        if len(kept) < self._keep_dead:
            kept.append(event)

    def publish_raw(self, topic: str, payload: bytes) -> None:
        """Queue bytes as they would arrive from the wire (for poison-message tests)."""
        self._queue.append((topic, payload))

    def subscribe(self, model: type[M], handler: Handler[M], *, group: str) -> None:
        """Register ``handler`` for ``model``'s topic; ``group`` only matters on a real broker."""
        topic = getattr(model, "TOPIC")  # noqa: B009 - ClassVar of each topic model
        self._handlers.setdefault(topic, []).append((model, handler))

    def run(self, *, until_idle: bool = False) -> None:
        """Deliver queued messages; returns when the queue is empty (in-memory is always idle)."""
        self._stopped = False
        while self._queue and not self._stopped:
            topic, payload = self._queue.popleft()
            for model, handler in self._handlers.get(topic, []):
                self._deliver(topic, model, handler, payload)

    def _deliver(
        self, topic: str, model: type[Contract], handler: Handler[Any], payload: Any
    ) -> None:
        delivery = Delivery(topic=topic, value=payload)
        attempt = 0
        try:
            while True:
                try:
                    outcome = dispatch(model, handler, delivery, self._tries)
                except HandlerFailed as exc:
                    if exc.holding:
                        # Message after message fails: a bug, and in one process nobody waits
                        # on a readiness probe, so say it loudly with the handler's own error.
                        raise exc.__cause__ or exc from None
                    time.sleep(self._backoff_s * 2 ** (exc.tries - 1))
                    continue  # dispatch bounds these tries
                except RetryableError:
                    if attempt == self._retries:
                        raise
                    log.warning(
                        "retryable failure on %s (attempt %s), backing off", topic, attempt + 1
                    )
                    time.sleep(self._backoff_s * 2**attempt)
                    attempt += 1
                    continue
                break
        finally:
            self._tries.forget(delivery)
        for event in outcome.events:
            self.publish(event)

    def stop(self) -> None:
        """Stop after the message in hand."""
        self._stopped = True

    def flush(self) -> None:
        """Nothing to flush in memory."""

    def close(self) -> None:
        """Nothing to release in memory."""
