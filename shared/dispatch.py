"""What a bus does with one delivered message: decode it, run its handler, or dead-letter it.

The policy every ``Bus`` shares, written once; the adapters (``shared.bus.MemoryBus``,
``shared.kafka_bus.KafkaBus``) keep only transport, commit and retry:

- A payload that is empty, is not JSON or does not match the subscribed model is an
  ``InvalidMessage`` ("does not match <Model>: …"): it becomes a dead letter.
- A handler raising ``InvalidMessage`` dead-letters the message too, keyed by the message's key.
- A dead letter's key is the message's own key when it decoded, else the key the transport
  carried; its payload is the message as it arrived (cut by :func:`shared.models.dead_letter`).
- ``RetryableError`` (a dependency is down) propagates: the adapter backs off and retries the
  message for as long as it takes, since the message is not at fault. ``ConfigError`` propagates
  too and stops the worker: no message can succeed until the settings are fixed.
- Anything else a handler raises is taken for the message's fault (poison: a value the code did
  not expect, an overflow, a recursion limit). With a :class:`Tries` the bus counts the failures
  of each message (by topic, partition and offset); while the message has tries left it raises
  ``HandlerFailed`` (a ``RetryableError``, so the adapter tries again after a back-off: the
  failure may have been transient), and on its last try the message becomes a dead letter whose
  ``error_class`` is the exception's and whose reason says how often it failed. One bad message
  therefore never stops a worker, and none is retried forever.
- Unless too many messages fail in a row (``Tries.poison_streak``): then the handler or a
  dependency it reaches without a ``RetryableError`` is broken, not the messages, and
  dead-lettering the whole stream would be the worse outcome. The message is held
  (``HandlerFailed`` with ``holding``): the adapter backs off, reports not ready and tries again,
  until it succeeds or has had ``max_tries * poison_streak`` tries (then it is dead-lettered
  after all, so that even a run of genuine poison is never retried forever). A broken handler
  thus sends ``poison_streak - 1`` messages to the DLQ, then one per long hold, not the stream.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from pydantic import ValidationError

from shared.errors import ConfigError, HandlerFailed, InvalidMessage, RetryableError
from shared.models import Contract, DeadLetter, dead_letter, key_of

log = logging.getLogger(__name__)

M = TypeVar("M", bound=Contract)
Handler = Callable[[M], Sequence[Contract]]
"""A pure handler: one message in, the events to publish out (see ``shared.bus``)."""

DEFAULT_MAX_TRIES = 3
"""Tries of a message whose handler keeps raising an unexpected error, before its dead letter."""
DEFAULT_POISON_STREAK = 10
"""Messages dead-lettered as poison in a row after which the next one is held instead."""


@dataclass(frozen=True)
class Delivery:
    """One message as a transport hands it over, and where it was (for its dead letter)."""

    topic: str
    """The logical topic it was published on (``tweets.raw``)."""
    value: bytes | str | Contract | None
    """The payload: wire bytes or text, or the event itself when nothing serialises it."""
    key: str | None = None
    partition: int | None = None
    offset: int | None = None


@dataclass(frozen=True)
class Outcome:
    """What became of a delivery: the handler's events, or the dead letter that replaces them."""

    events: Sequence[Contract]
    dead: DeadLetter | None = None


class Tries:
    """How often each message's handler failed unexpectedly, and how many poison in a row.

    One per bus. A message is known by its topic, partition and offset, so a Kafka message read
    again after a rewind is the same message; one without an offset (in memory) by the
    ``Delivery`` object the bus retries in place. Failures are forgotten once the message is done;
    at most ``remember`` are kept (the oldest go first: their partitions moved elsewhere).
    """

    def __init__(
        self,
        max_tries: int = DEFAULT_MAX_TRIES,
        poison_streak: int = DEFAULT_POISON_STREAK,
        *,
        remember: int = 10_000,
    ) -> None:
        if max_tries < 1 or poison_streak < 1:
            raise ValueError("max_tries and poison_streak must be at least 1")
        self.max_tries = max_tries
        self.poison_streak = poison_streak
        self._remember = remember
        self._failures: OrderedDict[Hashable, int] = OrderedDict()
        self.streak = 0
        """Messages dead-lettered as poison since the last one that succeeded."""

    @property
    def max_held_tries(self) -> int:
        """Tries after which even a held message is dead-lettered."""
        return self.max_tries * self.poison_streak

    @staticmethod
    def _key(delivery: Delivery) -> Hashable:
        if delivery.offset is not None:
            return (delivery.topic, delivery.partition, delivery.offset)
        return (delivery.topic, None, id(delivery))

    def failed(self, delivery: Delivery) -> int:
        """Count one more failure of ``delivery``; how many it has had."""
        key = self._key(delivery)
        count = self._failures.pop(key, 0) + 1
        self._failures[key] = count
        while len(self._failures) > self._remember:
            self._failures.popitem(last=False)
        return count

    def succeeded(self, delivery: Delivery) -> None:
        """The handler returned: forget the message's failures, end the poison streak."""
        self.forget(delivery)
        self.streak = 0

    def poisoned(self, delivery: Delivery) -> None:
        """The message was dead-lettered as poison."""
        self.forget(delivery)
        self.streak += 1

    def forget(self, delivery: Delivery) -> None:
        """Drop what is known of ``delivery`` (the bus gave up on it another way)."""
        self._failures.pop(self._key(delivery), None)

    def failures(self, delivery: Delivery) -> int:
        """How often ``delivery`` failed so far."""
        return self._failures.get(self._key(delivery), 0)


def dispatch(
    model: type[M], handler: Handler[M], delivery: Delivery, tries: Tries | None = None
) -> Outcome:
    """Decode ``delivery`` as ``model`` and run ``handler`` on it (see the module doc).

    Without ``tries`` nothing is counted and an unexpected exception propagates as it is.
    """
    try:
        message = decode(model, delivery.value)
    except InvalidMessage as exc:
        return _dead(delivery, exc, delivery.key)
    key = key_of(message) or delivery.key
    try:
        events = handler(message)
    except InvalidMessage as exc:
        if tries is not None:
            tries.forget(delivery)
        return _dead(delivery, exc, key)
    except (RetryableError, ConfigError):
        raise
    except Exception as exc:
        if tries is None:
            raise
        return _poison(delivery, exc, key, tries)
    if tries is not None:
        tries.succeeded(delivery)
    return Outcome(events)


def decode(model: type[M], value: bytes | str | Contract | None) -> M:
    """The message ``value`` holds; ``InvalidMessage`` when it is empty or not a ``model``."""
    if isinstance(value, model):
        return value
    if value is None:
        raise InvalidMessage("empty message (no value)")
    if isinstance(value, Contract):
        raise InvalidMessage(f"does not match {model.__name__}: got {type(value).__name__}")
    try:
        return model.model_validate_json(value)
    except ValidationError as exc:
        raise InvalidMessage(f"does not match {model.__name__}: {exc}") from exc


def _poison(delivery: Delivery, exc: Exception, key: str | None, tries: Tries) -> Outcome:
    """One more unexpected failure: try again, hold the message, or dead-letter it."""
    count = tries.failed(delivery)
    what = f"{type(exc).__name__}: {exc}"
    where = f"{delivery.topic}[{delivery.partition}]@{delivery.offset}"
    if count < tries.max_tries:
        log.warning("%s failed (try %s of %s): %s", where, count, tries.max_tries, what)
        raise HandlerFailed(f"{what} (try {count} of {tries.max_tries})", tries=count) from exc
    if tries.streak + 1 >= tries.poison_streak and count < tries.max_held_tries:
        log.error(
            "%s failed %s times, after %s messages in a row dead-lettered the same way: the"
            " handler or a dependency is broken, not the messages; holding it: %s",
            where,
            count,
            tries.streak,
            what,
        )
        raise HandlerFailed(
            f"{what} ({tries.streak + 1} messages in a row failed: holding)",
            tries=count,
            holding=True,
        ) from exc
    tries.poisoned(delivery)
    return _dead(delivery, exc, key, reason=f"{what} (failed {count} tries)")


def _dead(
    delivery: Delivery, exc: BaseException, key: str | None, *, reason: str | None = None
) -> Outcome:
    value = delivery.value
    payload = value.model_dump_json() if isinstance(value, Contract) else value or b""
    letter = dead_letter(
        source_topic=delivery.topic,
        error=exc,
        payload=payload,
        key=key,
        partition=delivery.partition,
        offset=delivery.offset,
    )
    if reason is not None:
        letter = letter.model_copy(update={"reason": reason[:2000]})
    log.warning(
        "dead-lettered %s[%s]@%s: %s",
        delivery.topic,
        delivery.partition,
        delivery.offset,
        letter.reason,
    )
    return Outcome([letter], dead=letter)
