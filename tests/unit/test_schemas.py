"""The committed JSON Schemas are the public contract: they must match the models exactly."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from shared.models import TOPIC_MODELS, TweetIngested
from shared.schema_export import SCHEMA_DIR, schemas


@pytest.mark.parametrize("name", sorted(schemas()))
def test_committed_schema_matches_model(name: str) -> None:
    committed = (SCHEMA_DIR / name).read_text(encoding="utf-8")
    assert committed == schemas()[name], (
        f"shared/schemas/{name} drifted from the models: run `python -m shared.schema_export`, "
        "and bump schema_version if the change breaks consumers"
    )


def test_every_topic_has_a_versioned_schema() -> None:
    for topic in TOPIC_MODELS:
        schema = json.loads((SCHEMA_DIR / f"{topic}.json").read_text(encoding="utf-8"))
        assert "schema_version" in schema["properties"]
        assert schema["additionalProperties"] is False


def test_models_refuse_unknown_fields_and_are_frozen() -> None:
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
        TweetIngested.model_validate({**good, "created_at": "2026-01-02T01:00:00"})  # naive
