"""Fixtures for the real services (Kafka, Redis): their address, once they answer.

A test that needs a service that is not running is skipped on a developer's machine and fails
under CI (``CI=true``), where ``make test`` starts the services first.
"""

from __future__ import annotations

import os
import socket
import struct
from urllib.parse import urlparse

import pytest

KAFKA_ENV = "TWEETPULSE_KAFKA__BOOTSTRAP_SERVERS"
REDIS_ENV = "TWEETPULSE_REDIS__URL"


def _unavailable(service: str, where: str, why: str) -> None:
    reason = f"{service} is not running on {where} ({why}): start it with `make services-up`"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def _kafka_answers(host: str, port: int, timeout_s: float = 3.0) -> str | None:
    """Send an ApiVersions request; None when a Kafka broker answers it, else why not."""
    client = b"tweetpulse-tests"
    body = struct.pack(">hhih", 18, 0, 42, len(client)) + client
    try:
        with socket.create_connection((host, port), timeout=timeout_s) as sock:
            sock.sendall(struct.pack(">i", len(body)) + body)
            head = sock.recv(10)
    except OSError as exc:
        return str(exc)
    if len(head) < 8 or struct.unpack(">i", head[4:8])[0] != 42:
        return "the port answers, but not as a Kafka broker"
    return None


def _redis_answers(host: str, port: int, timeout_s: float = 3.0) -> str | None:
    """Send PING; None when Redis answers PONG, else why not."""
    try:
        with socket.create_connection((host, port), timeout=timeout_s) as sock:
            sock.sendall(b"PING\r\n")
            reply = sock.recv(64)
    except OSError as exc:
        return str(exc)
    return None if reply.startswith(b"+PONG") else f"PING got {reply[:40]!r}"


@pytest.fixture(scope="session")
def kafka_bootstrap() -> str:
    """``host:port`` of a Kafka broker that answers."""
    servers = os.environ.get(KAFKA_ENV, "127.0.0.1:9092")
    host, _, port = servers.split(",")[0].strip().rpartition(":")
    why = _kafka_answers(host or "127.0.0.1", int(port or 9092))
    if why is not None:
        _unavailable("Kafka", servers, why)
    return servers


@pytest.fixture(scope="session")
def redis_url() -> str:
    """URL of a Redis server that answers PING."""
    url = os.environ.get(REDIS_ENV, "redis://127.0.0.1:6379/0")
    parsed = urlparse(url)
    why = _redis_answers(parsed.hostname or "127.0.0.1", parsed.port or 6379)
    if why is not None:
        _unavailable("Redis", url, why)
    return url
