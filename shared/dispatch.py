"""What a bus does with one delivered message: decode it, run its handler, or dead-letter it.

The policy every ``Bus`` shares, written once; the adapters (``shared.bus.MemoryBus``,
``shared.kafka_bus.KafkaBus``) keep only transport, commit and retry:

- A payload that is empty, is not JSON or does not match the subscribed model is an
  ``InvalidMessage`` ("does not match <Model>: …"): it becomes a dead letter.
- A handler raising ``InvalidMessage`` dead-letters the message too, keyed by the message's key.
- A dead letter's key is the message's own key when it decoded, else the key the transport
  carried; its payload is the message as it arrived (cut by :func:`shared.models.dead_letter`).
- ``RetryableError`` and any other exception propagate: the adapter retries the first (it knows
  how to back off and what to commit) and lets a bug through.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from pydantic import ValidationError

from shared.errors import InvalidMessage
from shared.models import Contract, DeadLetter, dead_letter, key_of

log = logging.getLogger(__name__)

M = TypeVar("M", bound=Contract)
Handler = Callable[[M], Sequence[Contract]]
"""A pure handler: one message in, the events to publish out (see ``shared.bus``)."""


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


def dispatch(model: type[M], handler: Handler[M], delivery: Delivery) -> Outcome:
    """Decode ``delivery`` as ``model`` and run ``handler`` on it (see the module doc)."""
    try:
        message = decode(model, delivery.value)
    except InvalidMessage as exc:
        return _dead(delivery, exc, delivery.key)
    try:
        events = handler(message)
    except InvalidMessage as exc:
        return _dead(delivery, exc, key_of(message) or delivery.key)
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


def _dead(delivery: Delivery, exc: InvalidMessage, key: str | None) -> Outcome:
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
    log.warning(
        "dead-lettered %s[%s]@%s: %s",
        delivery.topic,
        delivery.partition,
        delivery.offset,
        letter.reason,
    )
    return Outcome([letter], dead=letter)
