"""TLS and authentication against real services, with certificates made by the test.

A private Kafka broker (``deploy/local/kafka.sh`` on free ports in its own directory, as
``test_local_kafka_script.py`` runs one) gets an SSL listener that requires a client certificate
and a SASL_SSL listener with PLAIN and SCRAM-SHA-256/512 users (created when its storage is
formatted); a private ``redis-server`` serves TLS only, with a password. The CA and the server
certificate (for 127.0.0.1) come from openssl. The shared broker and Redis are never touched.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from shared.errors import BrokerUnavailable, ConfigError, StoreUnavailable
from shared.kafka_bus import KafkaBus, standard_topics
from shared.models import Contract, DeadLetter, TweetClassified, TweetIngested
from shared.redis_store import RedisStore
from shared.settings import KafkaSettings, RedisSettings
from shared.store import Delta
from tests.contract.test_bus_contract import classify, tweet
from tests.e2e.harness import (
    ROOT,
    SAMPLE,
    Certificates,
    PrivateRedis,
    cluster,
    embedded_stats,
    free_port,
    make_certificates,
    stats_diff,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]

KAFKA_SH = ROOT / "deploy" / "local" / "kafka.sh"
USERS = {  # mechanism -> (user, password); PLAIN users live in the listener's JAAS line
    "PLAIN": ("alice", "alice-plain-secret"),
    "SCRAM-SHA-256": ("bob", "bob-scram256-secret"),
    "SCRAM-SHA-512": ("carol", "carol-scram512-secret"),
}
REDIS_PASSWORD = "redis-tls-secret"  # noqa: S105 - a test server's


@dataclass(frozen=True)
class Secured:
    """The private broker's listeners and the TLS Redis, with their certificates."""

    certs: Certificates
    ssl: str
    sasl_ssl: str
    redis: PrivateRedis


def _tools_or_fail(*tools: str) -> None:
    missing = [t for t in tools if subprocess.run(["which", t], capture_output=True).returncode]
    if missing:
        reason = f"{', '.join(missing)} not installed"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Secured]:
    _tools_or_fail("openssl", "java", "redis-server")
    root = tmp_path_factory.mktemp("secured")
    certs = make_certificates(root / "certs")
    plain, controller, ssl_port, sasl_port = (free_port() for _ in range(4))
    jaas_plain = " ".join(f'user_{u}="{p}"' for m, (u, p) in USERS.items() if m == "PLAIN")
    scram = "org.apache.kafka.common.security.scram.ScramLoginModule required;"
    extra = root / "listeners.properties"
    extra.write_text(
        "\n".join(
            [
                f"listeners=PLAINTEXT://127.0.0.1:{plain},CONTROLLER://127.0.0.1:{controller},"
                f"SSL://127.0.0.1:{ssl_port},SASL_SSL://127.0.0.1:{sasl_port}",
                f"advertised.listeners=PLAINTEXT://127.0.0.1:{plain},"
                f"SSL://127.0.0.1:{ssl_port},SASL_SSL://127.0.0.1:{sasl_port}",
                "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,"
                "SSL:SSL,SASL_SSL:SASL_SSL",
                # Kafka 4 reads PEM key stores: no keytool, no JKS.
                "ssl.keystore.type=PEM",
                f"ssl.keystore.location={certs.keystore}",
                "ssl.truststore.type=PEM",
                f"ssl.truststore.location={certs.ca}",
                "listener.name.ssl.ssl.client.auth=required",
                "sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512",
                "listener.name.sasl_ssl.plain.sasl.jaas.config="
                f"org.apache.kafka.common.security.plain.PlainLoginModule required {jaas_plain};",
                f"listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config={scram}",
                f"listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config={scram}",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    env = {
        **os.environ,
        "TWEETPULSE_SERVICES_DIR": str(root / "services"),
        "KAFKA_PORT": str(plain),
        "KAFKA_CONTROLLER_PORT": str(controller),
        "KAFKA_HEAP_OPTS": "-Xms128m -Xmx384m",
        "KAFKA_EXTRA_CONFIG": str(extra),
        "KAFKA_SCRAM_CREDENTIALS": "\n".join(
            f"{m}=[name={u},password={p}]" for m, (u, p) in USERS.items() if m != "PLAIN"
        ),
    }
    redis = PrivateRedis(root / "redis", tls=certs, password=REDIS_PASSWORD)
    try:
        up = subprocess.run(
            ["bash", str(KAFKA_SH), "up"], env=env, capture_output=True, text=True, timeout=240
        )
        assert up.returncode == 0, up.stdout + up.stderr
        redis.start()
        yield Secured(certs, f"127.0.0.1:{ssl_port}", f"127.0.0.1:{sasl_port}", redis)
    finally:
        redis.stop()
        subprocess.run(["bash", str(KAFKA_SH), "down"], env=env, timeout=120, check=False)


def _kafka(secured: Secured, mechanism: str | None, **overrides: Any) -> KafkaSettings:
    """Settings for the SSL listener (mechanism None: a client certificate) or SASL_SSL."""
    base: dict[str, Any] = {"ssl_cafile": secured.certs.ca, "partitions": 2}
    if mechanism is None:
        base |= {
            "bootstrap_servers": secured.ssl,
            "security_protocol": "SSL",
            "ssl_certfile": secured.certs.cert,
            "ssl_keyfile": secured.certs.key,
        }
    else:
        user, password = USERS[mechanism]
        base |= {
            "bootstrap_servers": secured.sasl_ssl,
            "security_protocol": "SASL_SSL",
            "sasl_mechanism": mechanism,
            "sasl_username": user,
            "sasl_password": password,
        }
    return KafkaSettings(**(base | overrides))


@pytest.mark.parametrize("mechanism", [None, "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"])
def test_the_bus_works_over_tls_and_each_sasl_mechanism(
    secured: Secured, mechanism: str | None
) -> None:
    """Admin (topics), producer, consumer group, commit, dead letters and a raw read."""
    ns = f"sec-{uuid.uuid4().hex[:8]}"
    settings = _kafka(secured, mechanism)
    bus = KafkaBus(settings, topic_prefix=f"{ns}.", group_prefix=ns, idle_s=1.0, backoff_s=0.05)
    seen: list[str] = []

    def collect(message: TweetClassified) -> list[Contract]:
        seen.append(message.tweet.tweet_id)
        return []

    try:
        bus.subscribe(TweetIngested, classify, group="classify")
        bus.subscribe(TweetClassified, collect, group="collector")
        for tweet_id in ("t1", "t2", "t3"):
            bus.publish(tweet(tweet_id))
        bus.publish_raw(TweetIngested.TOPIC, b"not json")
        bus.flush()
        bus.run(until_idle=True)
        assert sorted(seen) == ["t1", "t2", "t3"]
        [letter] = bus.read_topic(f"{TweetIngested.TOPIC}.dlq")
        assert DeadLetter.model_validate_json(letter.value or b"").payload == "not json"
        assert bus.partitions_for(TweetIngested.TOPIC) == 2
    finally:
        bus.delete_topics(standard_topics())
        bus.close()


@pytest.mark.parametrize(
    "overrides",
    [
        {"sasl_password": "wrong"},
        {"ssl_cafile": None},  # the system's CAs do not know the test CA
        {"security_protocol": "SASL_PLAINTEXT"},  # TLS expected, plain text spoken
    ],
    ids=["wrong-password", "unknown-ca", "no-tls"],
)
def test_a_client_without_the_right_credentials_gets_nothing_through(
    secured: Secured, overrides: dict[str, Any]
) -> None:
    settings = _kafka(secured, "SCRAM-SHA-512", **overrides)
    bus = KafkaBus(settings, topic_prefix="sec-refused.", connect_timeout_s=3)
    try:
        with pytest.raises(BrokerUnavailable):
            bus.publish(tweet("t1"))
            bus.flush()
    finally:
        bus.close()


def _redis(secured: Secured, **overrides: Any) -> RedisSettings:
    fields: dict[str, Any] = {
        "url": secured.redis.url,
        "password": REDIS_PASSWORD,
        "ssl_ca_certs": secured.certs.ca,
        "prefix": f"sec-{uuid.uuid4().hex[:8]}",
    }
    return RedisSettings(**(fields | overrides))


def test_the_store_works_over_tls_with_a_password_from_the_settings(secured: Secured) -> None:
    assert secured.redis.url.startswith("rediss://") and "@" not in secured.redis.url
    store = RedisStore.from_settings(_redis(secured))
    try:
        assert store.apply("w", "e1", Delta(counters={"totals": {"tweets": 1.0}}))
        assert not store.apply("w", "e1", Delta(counters={"totals": {"tweets": 1.0}}))
        assert store.snapshot("w").counters == {"totals": {"tweets": 1.0}}
        assert store.add_once("ids", "1") and not store.add_once("ids", "1")
    finally:
        store.clear()
        store.close()


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"password": None}, ConfigError),
        ({"password": "wrong"}, ConfigError),
        ({"ssl_ca_certs": None}, ConfigError),  # its certificate does not verify
    ],
    ids=["no-password", "wrong-password", "unknown-ca"],
)
def test_refused_credentials_are_a_config_error_not_an_outage(
    secured: Secured, overrides: dict[str, Any], error: type[Exception]
) -> None:
    store = RedisStore.from_settings(_redis(secured, **overrides))
    try:
        with pytest.raises(error):
            store.get("k")
    finally:
        store.close()


def test_plain_text_to_a_tls_port_is_an_outage_of_sorts(secured: Secured) -> None:
    url = secured.redis.url.replace("rediss://", "redis://")
    store = RedisStore.from_settings(_redis(secured, url=url, socket_timeout_s=2))
    try:
        with pytest.raises(StoreUnavailable):
            store.get("k")
    finally:
        store.close()


def test_the_whole_pipeline_runs_over_sasl_ssl_and_tls_redis(
    secured: Secured, tmp_path: Path
) -> None:
    """Every worker and Celery's worker and beat, on SCRAM-SHA-512 over TLS and rediss://."""
    expected = embedded_stats(SAMPLE)
    user, password = USERS["SCRAM-SHA-512"]
    with cluster(tmp_path / "run") as c:
        c.extra_env.update(
            {
                "TWEETPULSE_KAFKA__BOOTSTRAP_SERVERS": secured.sasl_ssl,
                "TWEETPULSE_KAFKA__SECURITY_PROTOCOL": "SASL_SSL",
                "TWEETPULSE_KAFKA__SASL_MECHANISM": "SCRAM-SHA-512",
                "TWEETPULSE_KAFKA__SASL_USERNAME": user,
                "TWEETPULSE_KAFKA__SASL_PASSWORD": password,
                "TWEETPULSE_KAFKA__SSL_CAFILE": str(secured.certs.ca),
                **secured.redis.env(),
            }
        )
        c.start_all()
        c.ingest(SAMPLE, "--rate", "500")
        report = c.wait_for_stats(expected, timeout_s=180)
        if report is None:
            last = c.reports()[-1:]
            diff = stats_diff(last[0].stats, expected) if last else ["no report"]
            logs = "\n".join(c.log(n)[-3000:] for n in ("classify", "summarize", "celery"))
            pytest.fail("\n".join(diff) + "\n" + logs)
        for name in ("ingest", "classify", "summarize", "render", "celery", "beat"):
            text = c.log(name)
            assert password not in text and REDIS_PASSWORD not in text, f"{name} logs a secret"
