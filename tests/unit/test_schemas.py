"""The committed JSON Schemas and topic docs are the public contract: they must match the models."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from services.topology_docs import generated, producers
from shared.models import TOPIC_MODELS, TweetIngested
from shared.schema_export import ROOT, SCHEMA_DIR, asyncapi


@pytest.mark.parametrize("path", sorted(generated()), ids=lambda p: p.name)
def test_committed_contract_file_matches_models(path) -> None:
    assert path.exists(), f"{path.relative_to(ROOT)} is missing: run `make schemas`"
    assert path.read_text(encoding="utf-8") == generated()[path], (
        f"{path.relative_to(ROOT)} drifted from shared/models.py or services/topology.py: run "
        "`make schemas`, and bump schema_version if the change breaks consumers"
    )


def test_every_topic_has_a_versioned_closed_schema() -> None:
    for topic in TOPIC_MODELS:
        schema = json.loads((SCHEMA_DIR / f"{topic}.json").read_text(encoding="utf-8"))
        assert schema["properties"]["schema_version"]["const"] == 1
        assert schema["additionalProperties"] is False
        assert schema["x-topic"] == topic


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def test_asyncapi_document_is_self_contained() -> None:
    doc = asyncapi(producers())
    assert doc["asyncapi"].startswith("3.")
    addresses = {c["address"] for c in doc["channels"].values()}
    assert set(TOPIC_MODELS) | {"{topic}.dlq"} == addresses
    for ref in _refs(doc):
        assert ref.startswith("#/"), ref
        node: Any = doc
        for part in ref[2:].split("/"):
            node = node[part]  # raises KeyError on a dangling reference


def test_models_refuse_unknown_fields_naive_times_and_mutation() -> None:
    good = {
        "tweet_id": "1",
        "text": "hello",
        "created_at": "2026-01-02T01:00:00Z",
        "observed_at": "2026-01-02T01:00:00Z",
        "author": {"username": "a"},
        "source": "file:x",
    }
    tweet = TweetIngested.model_validate(good)
    with pytest.raises(ValidationError):
        TweetIngested.model_validate({**good, "surprise": 1})
    with pytest.raises(ValidationError):
        tweet.text = "changed"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        TweetIngested.model_validate({**good, "created_at": "2026-01-02T01:00:00"})


def test_every_copy_of_a_tweet_shares_a_partition_key() -> None:
    from shared.models import RetweetRef

    base = {
        "text": "Closed wins early. Open wins eventually.",
        "created_at": "2026-01-02T01:00:00Z",
        "observed_at": "2026-01-02T01:00:00Z",
        "author": {"username": "OpenWeights_Oli"},
        "source": "file:x",
    }
    original = TweetIngested.model_validate({**base, "tweet_id": "2006813783057249699"})
    retweet = TweetIngested.model_validate(
        {
            **base,
            "tweet_id": "rt-e35ea40b00000000",
            "text": "Closed wins early. Open wins…",
            "truncated": True,
            "via_retweet": RetweetRef(
                retweet_id="9", retweeted_by="someone", retweeted_at=original.created_at
            ),
        }
    )
    assert original.key() == retweet.key() == "openweights_oli"
