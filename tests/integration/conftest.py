"""Fixtures of the tests that run the workers as processes against the real services."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.harness import Cluster, cluster


@pytest.fixture
def run(kafka_bootstrap: str, redis_url: str, tmp_path: Path) -> Iterator[Cluster]:
    """A cluster of worker processes on the broker and Redis the tests were given."""
    with cluster(tmp_path / "run") as c:
        c.extra_env.update(
            {
                "TWEETPULSE_KAFKA__BOOTSTRAP_SERVERS": kafka_bootstrap,
                "TWEETPULSE_REDIS__URL": redis_url,
            }
        )
        yield c
