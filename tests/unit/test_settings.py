"""Settings come from TWEETPULSE_* variables; a typo is an error, not a silent default."""

from __future__ import annotations

import os

import pytest
from pydantic import ValidationError
from pydantic_settings import SettingsError

from shared.settings import (
    IngestSettings,
    Settings,
    _env_name,
    _shown,
    normalize_date_format,
    settings_error_lines,
    settings_table,
    unknown_setting_message,
    unknown_variables,
)


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


# ---------------------------------------------------------------------------- what a user sees


def _lines(monkeypatch: pytest.MonkeyPatch, **env: str) -> list[str]:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises((ValidationError, SettingsError)) as caught:
        Settings()
    return settings_error_lines(caught.value, dict(os.environ))


def test_a_bad_value_is_one_line_naming_the_variable_and_what_it_wants(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lines = _lines(monkeypatch, TWEETPULSE_REPORT__WINDOW_DAYS="abc")
    assert lines == ["TWEETPULSE_REPORT__WINDOW_DAYS='abc': wants an integer from 1 to 31"]


@pytest.mark.parametrize(
    ("name", "value", "line"),
    [
        ("TWEETPULSE_REPORT__WRITER", "gpt", "wants one of extractive, anthropic, openai"),
        ("TWEETPULSE_LOG_JSON", "maybe", "wants true or false"),
        ("TWEETPULSE_REPORT__TIMEZONE", "Mars/Base", "unknown time zone 'Mars/Base'"),
        ("TWEETPULSE_KAFKA__PARTITIONS", "0", "wants an integer of at least 1"),
        ("TWEETPULSE_X_API__BACKOFF_JITTER", "2", "wants a number from 0 to 1"),
        (
            "TWEETPULSE_INGEST__DATE_FORMAT",
            "sometimes",
            "is not day-first, month-first or a strptime",
        ),
        ("TWEETPULSE_X_API__STREAM_RULES", "not json", 'wants JSON: a list of {"value"'),
        ("TWEETPULSE_X_API__STREAM_RULES", '[{"value": ""}]', "(at 0.value): wants text of 1 to"),
    ],
)
def test_each_kind_of_bad_value_says_what_it_wants(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, line: str
) -> None:
    (got,) = _lines(monkeypatch, **{name: value})
    assert got.startswith(f"{name}={value!r}") and line in got
    assert "pydantic" not in got and "http" not in got


def test_a_bad_secret_is_never_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWEETPULSE_ANTHROPIC__API_KEY", "sk-very-secret")
    lines = _lines(monkeypatch, TWEETPULSE_ANTHROPIC__MAX_TOKENS="lots")
    assert lines == ["TWEETPULSE_ANTHROPIC__MAX_TOKENS='lots': wants an integer above 0"]
    name, field, _ = _env_name(("anthropic", "api_key"))
    assert _shown(name, {name: "sk-very-secret"}, field) == f"{name}=<secret>"


def test_an_unknown_name_gets_the_closest_known_one() -> None:
    assert unknown_setting_message("TWEETPULSE_REPORT__WINDOWDAYS") == (
        "unknown setting TWEETPULSE_REPORT__WINDOWDAYS; did you mean TWEETPULSE_REPORT__WINDOW_DAYS?"
    )
    assert unknown_setting_message("TWEETPULSE_ANTROPIC__API_KEY").endswith(
        "did you mean TWEETPULSE_ANTHROPIC__API_KEY?"
    )
    assert unknown_setting_message("TWEETPULSE_COLOUR") == (
        "unknown setting TWEETPULSE_COLOUR (`tweetpulse settings` lists every name)"
    )


def test_every_known_name_is_listed_and_none_is_unknown() -> None:
    names = [name for name, _, _ in settings_table()]
    assert "TWEETPULSE_REPORT__WINDOW_DAYS" in names and "TWEETPULSE_MODE" in names
    assert unknown_variables(names) == []
    assert len(names) == len(set(names))


@pytest.mark.parametrize(
    ("given", "kept"),
    [("dmy", "day-first"), ("Day-First", "day-first"), ("MDY", "month-first"), (None, None)],
)
def test_date_orders_have_one_spelling(given: str | None, kept: str | None) -> None:
    assert normalize_date_format(given) == kept
    assert IngestSettings(date_format=given).date_format == kept


def test_a_date_pattern_must_read_back() -> None:
    assert normalize_date_format("%d-%m-%Y %H:%M") == "%d-%m-%Y %H:%M"
    with pytest.raises(ValueError, match="strptime"):
        normalize_date_format("%d-%d")


# ---------------------------------------------------------------------------- TLS and auth (issue 12)


def test_kafka_sasl_needs_a_mechanism_a_user_and_a_password() -> None:
    from shared.settings import KafkaSettings

    with pytest.raises(ValidationError, match="needs sasl_mechanism, sasl_username"):
        KafkaSettings(security_protocol="SASL_SSL", sasl_mechanism="PLAIN", sasl_username="u")
    with pytest.raises(ValidationError, match="sasl_mechanism is set but security_protocol"):
        KafkaSettings(sasl_mechanism="SCRAM-SHA-256")
    with pytest.raises(ValidationError, match="ssl_certfile and ssl_keyfile go together"):
        KafkaSettings(security_protocol="SSL", ssl_certfile="client.pem")
    with pytest.raises(ValidationError):
        KafkaSettings(security_protocol="SASL_SSL", sasl_mechanism="GSSAPI")
    ok = KafkaSettings(
        security_protocol="SASL_SSL",
        sasl_mechanism="SCRAM-SHA-512",
        sasl_username="tweetpulse",
        sasl_password="pw",
        ssl_cafile="/etc/kafka/ca.pem",
    )
    assert ok.tls and "pw" not in repr(ok)


def test_the_kafka_clients_get_the_security_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from shared.kafka_bus import client_options
    from shared.settings import KafkaSettings

    for name, value in {
        "BOOTSTRAP_SERVERS": "b1:9094,b2:9094",
        "SECURITY_PROTOCOL": "SASL_SSL",
        "SASL_MECHANISM": "SCRAM-SHA-256",
        "SASL_USERNAME": "tweetpulse",
        "SASL_PASSWORD": "kafka-secret",
        "SSL_CAFILE": "/etc/kafka/ca.pem",
    }.items():
        monkeypatch.setenv(f"TWEETPULSE_KAFKA__{name}", value)
    options = client_options(Settings().kafka)
    assert options == {
        "bootstrap_servers": ["b1:9094", "b2:9094"],
        "security_protocol": "SASL_SSL",
        "ssl_check_hostname": True,
        "ssl_cafile": "/etc/kafka/ca.pem",
        "sasl_mechanism": "SCRAM-SHA-256",
        "sasl_plain_username": "tweetpulse",
        "sasl_plain_password": "kafka-secret",
    }
    plain = client_options(KafkaSettings(bootstrap_servers="k:9092"))
    assert plain == {"bootstrap_servers": ["k:9092"], "security_protocol": "PLAINTEXT"}


def test_redis_takes_its_password_from_a_secret_and_tls_from_rediss(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from shared.redis_store import redis_options
    from shared.settings import RedisSettings

    monkeypatch.setenv("TWEETPULSE_REDIS__URL", "rediss://redis.example:6380/0")
    monkeypatch.setenv("TWEETPULSE_REDIS__PASSWORD", "redis-secret")
    monkeypatch.setenv("TWEETPULSE_REDIS__SSL_CA_CERTS", "/etc/redis/ca.pem")
    settings = Settings()
    assert "redis-secret" not in repr(settings)
    options = redis_options(settings.redis)
    assert options["password"] == "redis-secret"  # noqa: S105 - a test value
    assert options["ssl_ca_certs"] == "/etc/redis/ca.pem"
    assert options["ssl_cert_reqs"] == "required" and options["ssl_check_hostname"] is True
    # An empty Secret key (the base's placeholder) means no password, and plain redis:// no TLS.
    plain = RedisSettings(url="redis://r:6379/0", password="")
    assert plain.secret is None and "password" not in redis_options(plain)
    assert not any(k.startswith("ssl_") for k in redis_options(plain))
    with pytest.raises(ValidationError, match="is not a redis://"):
        RedisSettings(url="http://r:6379")


def test_the_health_server_settings_have_safe_defaults() -> None:
    worker = Settings().worker
    assert worker.health_host == "127.0.0.1"
    assert worker.health_timeout_s > 0 and worker.health_max_connections >= 1
    assert worker.max_tries >= 1 and worker.poison_streak >= 1
