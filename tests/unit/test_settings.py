"""Settings come from TWEETPULSE_* variables; a typo is an error, not a silent default."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from shared.settings import Settings, unknown_variables


def test_nested_variables_reach_their_section(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWEETPULSE_REPORT__TIMEZONE", "UTC")
    monkeypatch.setenv("TWEETPULSE_KAFKA__PARTITIONS", "3")
    settings = Settings()
    assert settings.report.timezone == "UTC"
    assert settings.kafka.partitions == 3


def test_bad_values_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWEETPULSE_REPORT__TIMEZONE", "Mars/Olympus")
    with pytest.raises(ValidationError, match="unknown time zone"):
        Settings()


def test_unknown_names_are_listed() -> None:
    env = {
        "TWEETPULSE_REPORT__TIMEZONE": "UTC",
        "TWEETPULSE_REPORT__TIMEZNE": "UTC",
        "TWEETPULSE_LOG_LEVL": "DEBUG",
        "TWEETPULSE_LOG_LEVEL": "DEBUG",
        "TWEETPULSE_LOG_LEVEL__DEEPER": "x",
        "OTHER": "x",
    }
    assert unknown_variables(env) == [
        "TWEETPULSE_LOG_LEVEL__DEEPER",
        "TWEETPULSE_LOG_LEVL",
        "TWEETPULSE_REPORT__TIMEZNE",
    ]


def test_secrets_do_not_print(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWEETPULSE_ANTHROPIC__API_KEY", "sk-very-secret")
    settings = Settings()
    assert "sk-very-secret" not in repr(settings)
    assert settings.anthropic.api_key is not None
    assert settings.anthropic.api_key.get_secret_value() == "sk-very-secret"
