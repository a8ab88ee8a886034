"""The bus contract: MemoryBus (through JSON) and KafkaBus (a real broker) behave the same.

Each Kafka test gets its own topic and group prefixes, so runs never read each other's messages;
its topics are deleted afterwards.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from shared.bus import Bus, MemoryBus
from shared.dispatch import DEFAULT_MAX_TRIES, Tries
from shared.errors import BrokerUnavailable, ConfigError, InvalidMessage, RetryableError
from shared.kafka_bus import DLQ_HEADERS, KafkaBus, standard_topics
from shared.models import (
    DLQ_PAYLOAD_LIMIT,
    Author,
    Contract,
    DeadLetter,
    TweetClassified,
    TweetIngested,
)
from shared.settings import KafkaSettings

RAW = TweetIngested.TOPIC
NOW = datetime(2026, 1, 2, 8, 30, tzinfo=UTC)
PARTITIONS = 3


def tweet(tweet_id: str, text: str = "hello", *, author: str | None = None) -> TweetIngested:
    """A tweet keyed (by its author) on ``author``, by default one author per tweet id."""
    return TweetIngested(
        tweet_id=tweet_id,
        text=text,
        created_at=NOW,
        observed_at=NOW,
        author=Author(username=author or f"user_{tweet_id}"),
        source="test",
    )


def classify(message: TweetIngested) -> list[Contract]:
    return [TweetClassified(tweet=message, categories=["ai"], near_dup_key=message.tweet_id)]


@dataclass
class Rig:
    """One bus under test, with what its collector saw and a way to read the dead letters."""

    kind: str
    make: Callable[..., Any]
    bus: Any
    classified: list[TweetClassified] = field(default_factory=list)

    def collect(self) -> None:
        """Record every TweetClassified that reaches tweets.classified."""

        def collector(message: TweetClassified) -> list[Contract]:
            self.classified.append(message)
            return []

        self.bus.subscribe(TweetClassified, collector, group="collector")

    def run(self) -> None:
        self.bus.flush()
        self.bus.run(until_idle=True)

    def dead_letters(self, topic: str = RAW) -> list[tuple[DeadLetter, dict[str, bytes]]]:
        """The dead letters of ``topic``, with their headers (none in memory)."""
        if self.kind == "memory":
            return [(letter, {}) for letter in self.bus.published.get(f"{topic}.dlq", [])]
        records = self.bus.read_topic(f"{topic}.dlq")
        return [(DeadLetter.model_validate_json(r.value), r.headers) for r in records]


@pytest.fixture(params=["memory", pytest.param("kafka", marks=pytest.mark.integration)])
def rig(request: pytest.FixtureRequest) -> Iterator[Rig]:
    if request.param == "memory":
        yield Rig("memory", MemoryBus, MemoryBus(serialize=True, backoff_s=0.001))
        return
    make = request.getfixturevalue("kafka_bus_factory")
    bus: Bus = make()  # mypy checks that KafkaBus satisfies the protocol
    yield Rig("kafka", make, bus)


@pytest.fixture
def kafka_bus_factory(kafka_bootstrap: str) -> Iterator[Callable[..., KafkaBus]]:
    """Makes KafkaBus instances sharing one fresh topic and group namespace."""
    ns = f"contract-{uuid.uuid4().hex[:10]}"
    settings = KafkaSettings(bootstrap_servers=kafka_bootstrap, partitions=PARTITIONS)
    made: list[KafkaBus] = []

    def make(**overrides: Any) -> KafkaBus:
        options: dict[str, Any] = {
            "group_prefix": ns,
            "topic_prefix": f"{ns}.",
            "idle_s": 1.5,
            "backoff_s": 0.05,
        }
        options.update(overrides)
        bus = KafkaBus(settings, **options)
        made.append(bus)
        return bus

    yield make
    for bus in made:
        bus.close()
    cleaner = KafkaBus(settings, topic_prefix=f"{ns}.")
    cleaner.delete_topics(standard_topics())
    cleaner.close()


class TestBusContract:
    def test_handler_outputs_are_published(self, rig: Rig):
        rig.bus.subscribe(TweetIngested, classify, group="classify")
        rig.collect()
        for i in range(12):
            rig.bus.publish(tweet(f"t{i}"))
        rig.run()
        assert sorted(m.tweet.tweet_id for m in rig.classified) == sorted(
            f"t{i}" for i in range(12)
        )
        assert all(m.categories == ["ai"] for m in rig.classified)
        assert rig.dead_letters() == []

    def test_order_is_kept_per_key(self, rig: Rig):
        seen: dict[str, list[int]] = {}

        def record(message: TweetIngested) -> list[Contract]:
            seen.setdefault(message.tweet_id, []).append(int(message.text))
            return []

        rig.bus.subscribe(TweetIngested, record, group="order")
        for n in range(15):
            for key in ("k1", "k2", "k3", "k4"):
                rig.bus.publish(tweet(key, str(n)))
        rig.run()
        assert seen == {key: list(range(15)) for key in ("k1", "k2", "k3", "k4")}

    def test_invalid_message_is_dead_lettered_and_the_stream_goes_on(self, rig: Rig):
        def picky(message: TweetIngested) -> list[Contract]:
            if message.text == "bad":
                raise InvalidMessage("cannot classify this one")
            return classify(message)

        rig.bus.subscribe(TweetIngested, picky, group="classify")
        rig.collect()
        rig.bus.publish(tweet("t1"))
        rig.bus.publish(tweet("t2", "bad"))
        rig.bus.publish(tweet("t3"))
        rig.run()
        assert sorted(m.tweet.tweet_id for m in rig.classified) == ["t1", "t3"]
        [(letter, headers)] = rig.dead_letters()
        assert letter.source_topic == RAW
        assert letter.error_class == "InvalidMessage"
        assert letter.reason == "cannot classify this one"
        assert letter.key == tweet("t2", "bad").key()
        assert TweetIngested.model_validate_json(letter.payload) == tweet("t2", "bad")
        if rig.kind == "kafka":
            assert set(headers) == set(DLQ_HEADERS)
            assert headers["dlq.topic"].decode().endswith(RAW)
            assert headers["dlq.partition"] == str(letter.partition).encode()
            assert headers["dlq.offset"] == str(letter.offset).encode()
            assert headers["dlq.exception.class"] == b"InvalidMessage"
            assert headers["dlq.exception.message"] == b"cannot classify this one"

    def test_poison_payloads_are_dead_lettered_and_the_stream_goes_on(self, rig: Rig):
        handled: list[str] = []

        def handler(message: TweetIngested) -> list[Contract]:
            handled.append(message.tweet_id)
            return []

        rig.bus.subscribe(TweetIngested, handler, group="classify")
        huge = b'{"tweet_id": "' + b"x" * (2 * 1024 * 1024) + b'"}'
        poison = [b"\xff\xfe this is not JSON", b'{"hello": "wrong schema"}', huge]
        for payload in poison:
            rig.bus.publish_raw(RAW, payload)
        rig.bus.publish(tweet("after"))
        rig.run()
        assert handled == ["after"]
        letters = sorted(rig.dead_letters(), key=lambda item: item[0].payload_size)
        assert [letter.payload_size for letter, _ in letters] == sorted(len(p) for p in poison)
        for letter, headers in letters:
            assert letter.source_topic == RAW
            assert letter.error_class == "InvalidMessage"
            assert letter.reason.startswith("does not match TweetIngested")
            if rig.kind == "kafka":
                assert headers["dlq.exception.class"] == b"InvalidMessage"
                assert int(headers["dlq.offset"]) == letter.offset
        big = letters[-1][0]
        assert len(big.payload.encode()) == DLQ_PAYLOAD_LIMIT
        assert letters[1][0].payload == '{"hello": "wrong schema"}'

    def test_retryable_error_is_retried_then_succeeds(self, rig: Rig):
        calls: Counter[str] = Counter()

        def flaky(message: TweetIngested) -> list[Contract]:
            calls[message.tweet_id] += 1
            if message.tweet_id == "flaky" and calls["flaky"] <= 2:
                raise RetryableError("the store is down for a moment")
            return classify(message)

        rig.bus.subscribe(TweetIngested, flaky, group="classify")
        rig.collect()
        ids = ["a", "flaky", "b", "c"]
        for tweet_id in ids:
            rig.bus.publish(tweet(tweet_id))
        rig.run()
        assert calls["flaky"] == 3
        assert Counter(m.tweet.tweet_id for m in rig.classified) == Counter(ids)
        assert rig.dead_letters() == []

    def test_a_message_that_keeps_failing_is_dead_lettered_after_its_tries(self, rig: Rig):
        """Issue 12: one bad value must never stop a worker, nor be retried forever."""
        calls: Counter[str] = Counter()

        def overflowing(message: TweetIngested) -> list[Contract]:
            calls[message.tweet_id] += 1
            if message.tweet_id == "poison":
                raise OverflowError("date value out of range")
            return classify(message)

        rig.bus.subscribe(TweetIngested, overflowing, group="classify")
        rig.collect()
        for tweet_id in ("t1", "poison", "t3"):
            rig.bus.publish(tweet(tweet_id))
        rig.run()
        assert calls["poison"] == DEFAULT_MAX_TRIES
        assert sorted(m.tweet.tweet_id for m in rig.classified) == ["t1", "t3"]
        [(letter, headers)] = rig.dead_letters()
        assert letter.error_class == "OverflowError"
        assert letter.reason == (
            f"OverflowError: date value out of range (failed {DEFAULT_MAX_TRIES} tries)"
        )
        assert letter.key == tweet("poison").key()
        assert TweetIngested.model_validate_json(letter.payload) == tweet("poison")
        if rig.kind == "kafka":
            assert headers["dlq.exception.class"] == b"OverflowError"
            assert headers["dlq.offset"] == str(letter.offset).encode()

    def test_a_failure_that_passes_is_tried_again_and_succeeds(self, rig: Rig):
        calls: Counter[str] = Counter()

        def once(message: TweetIngested) -> list[Contract]:
            calls[message.tweet_id] += 1
            if calls[message.tweet_id] == 1:
                raise ConnectionResetError("a hiccup nobody wrapped")
            return classify(message)

        rig.bus.subscribe(TweetIngested, once, group="classify")
        rig.collect()
        rig.bus.publish(tweet("t1"))
        rig.run()
        assert calls["t1"] == 2
        assert [m.tweet.tweet_id for m in rig.classified] == ["t1"]
        assert rig.dead_letters() == []

    def test_a_config_error_stops_the_bus(self, rig: Rig):
        def misconfigured(message: TweetIngested) -> list[Contract]:
            raise ConfigError("the template is broken")

        rig.bus.subscribe(TweetIngested, misconfigured, group="classify")
        rig.bus.publish(tweet("t1"))
        rig.bus.flush()
        with pytest.raises(ConfigError):
            rig.bus.run(until_idle=True)
        assert rig.dead_letters() == []

    def test_a_handler_failing_on_every_message_does_not_dead_letter_the_stream(self, rig: Rig):
        """After ``poison_streak`` messages in a row, the failure is the handler's: in memory it
        is raised (a bug, loudly); on Kafka the message is held, the bus says why it is not
        ready, and the stream resumes once the handler works again."""
        broken = threading.Event()
        broken.set()

        def handler(message: TweetIngested) -> list[Contract]:
            if broken.is_set():
                raise KeyError("a bug in every call")
            return classify(message)

        if rig.kind == "memory":
            bus: Any = MemoryBus(serialize=True, backoff_s=0.001, tries=Tries(2, 3))
        else:
            bus = rig.make(tries=Tries(2, 3))
        rig.bus = bus
        bus.subscribe(TweetIngested, handler, group="classify")
        rig.collect()
        ids = [f"t{i}" for i in range(6)]
        for tweet_id in ids:
            bus.publish(tweet(tweet_id, author="one"))  # one partition: in order
        bus.flush()
        if rig.kind == "memory":
            with pytest.raises(KeyError, match="a bug in every call"):
                bus.run()
            assert len(rig.dead_letters()) == 2
            return
        runner = threading.Thread(target=bus.run, daemon=True)
        runner.start()
        try:
            deadline = time.monotonic() + 60
            while bus.unavailable is None and time.monotonic() < deadline:
                time.sleep(0.1)
            assert bus.unavailable is not None and "holding" in bus.unavailable
            held = len(rig.dead_letters())
            broken.clear()
            while len(rig.classified) < len(ids) - held and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            bus.stop()
            runner.join(timeout=30)
        assert held == 2, "poison_streak - 1 messages went to the DLQ, then the next was held"
        assert sorted(m.tweet.tweet_id for m in rig.classified) == ids[held:]
        assert bus.unavailable is None


class Crash(BaseException):
    """The process dying between the flush of a batch's outputs and its commit."""


@pytest.mark.integration
class TestKafkaBus:
    def test_outputs_are_flushed_before_commit_and_a_crash_redelivers(
        self, kafka_bus_factory: Callable[..., KafkaBus], monkeypatch: pytest.MonkeyPatch
    ):
        first = kafka_bus_factory()
        first.subscribe(TweetIngested, classify, group="classify")
        first.publish(tweet("t1"))
        first.flush()

        def crash(*args: object) -> None:
            raise Crash

        monkeypatch.setattr(first, "_commit", crash)
        with pytest.raises(Crash):
            first.run(until_idle=True)
        # The output was acknowledged before the commit was attempted.
        outputs = first.read_topic(TweetClassified.TOPIC)
        assert [
            TweetClassified.model_validate_json(r.value or b"").tweet.tweet_id for r in outputs
        ] == ["t1"]
        first.close()  # leaves the group without committing

        redelivered: list[str] = []

        def again(message: TweetIngested) -> list[Contract]:
            redelivered.append(message.tweet_id)
            return []

        second = kafka_bus_factory()
        second.subscribe(TweetIngested, again, group="classify")
        second.run(until_idle=True)
        assert redelivered == ["t1"]

        # Now committed: a third member of the group sees nothing.
        second.close()
        third = kafka_bus_factory()
        third.subscribe(TweetIngested, again, group="classify")
        third.run(until_idle=True)
        assert redelivered == ["t1"]

    def test_topics_are_created_with_explicit_partitions(
        self, kafka_bus_factory: Callable[..., KafkaBus]
    ):
        bus = kafka_bus_factory()
        bus.ensure_topics()
        for topic in standard_topics():
            assert bus.partitions_for(topic) == PARTITIONS
        assert bus.partitions_for("no.such.topic") == 0

    def test_two_consumers_in_a_group_split_the_partitions(
        self, kafka_bus_factory: Callable[..., KafkaBus]
    ):
        seen: dict[int, list[str]] = {0: [], 1: []}
        buses = [kafka_bus_factory(), kafka_bus_factory()]
        for n, bus in enumerate(buses):

            def handler(message: TweetIngested, n: int = n) -> list[Contract]:
                seen[n].append(message.tweet_id)
                return []

            bus.subscribe(TweetIngested, handler, group="split")
        threads = [threading.Thread(target=bus.run, daemon=True) for bus in buses]
        for t in threads:
            t.start()
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                owned = [set(bus.assigned_partitions()) for bus in buses]
                if all(owned) and not owned[0] & owned[1] and len(owned[0] | owned[1]) == 3:
                    break
                time.sleep(0.2)
            else:
                pytest.fail(f"the group never settled: {owned}")
            producer = kafka_bus_factory()
            ids = [f"t{i}" for i in range(40)]
            for tweet_id in ids:
                producer.publish(tweet(tweet_id))
            producer.flush()
            deadline = time.monotonic() + 60
            while len(seen[0]) + len(seen[1]) < len(ids) and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            for bus in buses:
                bus.stop()
            for t in threads:
                t.join(timeout=30)
        assert seen[0] and seen[1]
        assert set(seen[0]).isdisjoint(seen[1])
        assert sorted(seen[0] + seen[1]) == sorted(ids)


def test_unreachable_broker_raises_broker_unavailable():
    bus = KafkaBus(KafkaSettings(bootstrap_servers="127.0.0.1:1"), connect_timeout_s=0.5)
    with pytest.raises(BrokerUnavailable):
        bus.publish(tweet("t1"))
    bus.close()
