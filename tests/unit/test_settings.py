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
        sasl_password="pw",  # noqa: S106 - a test value
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
