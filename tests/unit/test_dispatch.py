"""The dispatch policy both buses share (the buses themselves: tests/contract/test_bus_contract.py)."""

from __future__ import annotations

import pytest

from shared.dispatch import Delivery, dispatch
from shared.errors import InvalidMessage, StoreUnavailable
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
