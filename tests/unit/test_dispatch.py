"""The dispatch policy both buses share (the buses themselves: tests/contract/test_bus_contract.py)."""

from __future__ import annotations

import pytest

from shared.dispatch import Delivery, Tries, dispatch
from shared.errors import ConfigError, HandlerFailed, InvalidMessage, StoreUnavailable
from shared.models import Contract, TweetIngested
from tests.contract.test_bus_contract import classify, tweet

RAW = TweetIngested.TOPIC


def test_a_message_is_decoded_and_handled() -> None:
    message = tweet("t1")
    for value in (message, message.model_dump_json(), message.model_dump_json().encode()):
        outcome = dispatch(TweetIngested, classify, Delivery(RAW, value))
        assert outcome.dead is None
        assert [e.tweet.tweet_id for e in outcome.events] == ["t1"]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (None, "empty message (no value)"),
        (b"\xff not json", "does not match TweetIngested"),
        (b'{"tweet_id": "1"}', "does not match TweetIngested"),
    ],
)
def test_what_does_not_decode_is_dead_lettered_with_the_transport_key(value, reason) -> None:
    outcome = dispatch(
        TweetIngested, classify, Delivery(RAW, value, key="k", partition=2, offset=7)
    )
    assert outcome.dead is not None and list(outcome.events) == [outcome.dead]
    assert outcome.dead.reason.startswith(reason)
    assert (outcome.dead.key, outcome.dead.partition, outcome.dead.offset) == ("k", 2, 7)
    assert outcome.dead.topic == f"{RAW}.dlq"


def test_a_handler_refusing_a_message_dead_letters_it_with_the_message_key() -> None:
    def refuse(message: TweetIngested) -> list[Contract]:
        raise InvalidMessage("cannot classify this one")

    message = tweet("t1")
    outcome = dispatch(TweetIngested, refuse, Delivery(RAW, message, key="transport"))
    assert outcome.dead is not None
    assert outcome.dead.key == message.key() and outcome.dead.reason == "cannot classify this one"
    assert TweetIngested.model_validate_json(outcome.dead.payload) == message


def test_retryable_errors_and_bugs_are_the_adapter_s_to_handle() -> None:
    def down(message: TweetIngested) -> list[Contract]:
        raise StoreUnavailable("redis is away")

    with pytest.raises(StoreUnavailable):
        dispatch(TweetIngested, down, Delivery(RAW, tweet("t1")))


# ---------------------------------------------------------------------------- poison (issue 12)


def _raising(exc: Exception):
    def handler(message: TweetIngested) -> list[Contract]:
        raise exc

    return handler


def _at(offset: int, partition: int = 0) -> Delivery:
    return Delivery(RAW, tweet(f"t{offset}"), partition=partition, offset=offset)


def test_an_unexpected_error_is_tried_again_then_dead_lettered_with_its_class() -> None:
    tries = Tries(max_tries=3)
    handler = _raising(OverflowError("date value out of range"))
    for attempt in (1, 2):
        with pytest.raises(HandlerFailed) as caught:
            dispatch(TweetIngested, handler, _at(7), tries)
        assert caught.value.tries == attempt and not caught.value.holding
        assert isinstance(caught.value.__cause__, OverflowError)
    outcome = dispatch(TweetIngested, handler, _at(7), tries)
    assert outcome.dead is not None and list(outcome.events) == [outcome.dead]
    assert outcome.dead.error_class == "OverflowError"
    assert outcome.dead.reason == "OverflowError: date value out of range (failed 3 tries)"
    assert (outcome.dead.partition, outcome.dead.offset) == (0, 7)
    assert tries.failures(_at(7)) == 0 and tries.streak == 1


def test_tries_are_counted_per_message() -> None:
    tries = Tries(max_tries=2)
    handler = _raising(ValueError("bad"))
    for offset in (1, 2):
        with pytest.raises(HandlerFailed):
            dispatch(TweetIngested, handler, _at(offset), tries)
    with pytest.raises(HandlerFailed):
        dispatch(TweetIngested, handler, _at(1, partition=1), tries)  # another partition
    assert dispatch(TweetIngested, handler, _at(1), tries).dead is not None
    assert tries.failures(_at(2)) == 1 and tries.failures(_at(1, partition=1)) == 1


def test_dependency_errors_and_config_errors_are_not_counted() -> None:
    tries = Tries(max_tries=1)
    for exc in (StoreUnavailable("redis is away"), ConfigError("the template is broken")):
        for _ in range(3):
            with pytest.raises(type(exc)):
                dispatch(TweetIngested, _raising(exc), _at(1), tries)
    assert tries.failures(_at(1)) == 0 and tries.streak == 0


def test_without_tries_an_unexpected_error_propagates_as_it_is() -> None:
    with pytest.raises(ZeroDivisionError):
        dispatch(TweetIngested, _raising(ZeroDivisionError("x")), _at(1))


def test_a_streak_of_poison_holds_the_next_message_and_a_success_ends_it() -> None:
    tries = Tries(max_tries=1, poison_streak=3)
    broken = _raising(KeyError("every call"))
    assert dispatch(TweetIngested, broken, _at(1), tries).dead is not None
    assert dispatch(TweetIngested, broken, _at(2), tries).dead is not None
    with pytest.raises(HandlerFailed) as caught:
        dispatch(TweetIngested, broken, _at(3), tries)
    assert caught.value.holding
    assert dispatch(TweetIngested, classify, _at(3), tries).dead is None
    assert tries.streak == 0
    assert dispatch(TweetIngested, broken, _at(4), tries).dead is not None


def test_even_a_held_message_is_dead_lettered_after_max_tries_times_the_streak() -> None:
    tries = Tries(max_tries=2, poison_streak=2)
    broken = _raising(KeyError("every call"))
    with pytest.raises(HandlerFailed):
        dispatch(TweetIngested, broken, _at(1), tries)
    assert dispatch(TweetIngested, broken, _at(1), tries).dead is not None
    held = 0
    while True:
        try:
            outcome = dispatch(TweetIngested, broken, _at(2), tries)
        except HandlerFailed as exc:
            held += exc.holding
            continue
        break
    assert outcome.dead is not None and "failed 4 tries" in outcome.dead.reason
    assert held == 2  # tries 2 and 3 held; the fourth (2 x 2) gives up


def test_invalid_message_from_the_handler_is_dead_lettered_at_once_even_with_tries() -> None:
    tries = Tries(max_tries=3)
    outcome = dispatch(TweetIngested, _raising(InvalidMessage("no window")), _at(1), tries)
    assert outcome.dead is not None and outcome.dead.reason == "no window"
    assert tries.streak == 0


def test_tries_remember_a_bounded_number_of_messages() -> None:
    tries = Tries(max_tries=5, remember=3)
    for offset in range(10):
        tries.failed(_at(offset))
    assert [tries.failures(_at(o)) for o in range(10)] == [0] * 7 + [1, 1, 1]
