"""``deploy/local/kafka.sh`` brings a broker up from nothing, whatever cluster id it draws.

A second broker runs here on free ports in its own services directory, so the shared broker
that the other tests use is left alone. It needs the jars and Java that `make test` already
brought (the script fetches them when missing).
"""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import _kafka_answers
from tests.e2e.harness import ROOT

pytestmark = [pytest.mark.integration, pytest.mark.slow]

KAFKA_SH = ROOT / "deploy" / "local" / "kafka.sh"
# The id a CI run once drew: base64url of 16 random bytes may begin with '-', and the storage
# tool's command line then read it as an option ("argument --cluster-id/-t: expected one argument").
DASH_ID = "-gW44Jemh1gCyc1-No7FEQ"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[tuple[dict[str, str], Path]]:
    """The environment for a private broker, and its directory; stopped afterwards."""
    port, controller = _free_port(), _free_port()
    env = {
        **os.environ,
        "TWEETPULSE_SERVICES_DIR": str(tmp_path),
        "KAFKA_PORT": str(port),
        "KAFKA_CONTROLLER_PORT": str(controller),
        "KAFKA_HEAP_OPTS": "-Xms128m -Xmx384m",
    }
    directory = tmp_path / f"kafka-{port}"
    try:
        yield env, directory
    finally:
        subprocess.run(["bash", str(KAFKA_SH), "down"], env=env, timeout=120, check=False)


def _run(action: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(KAFKA_SH), action],
        env=env,
        timeout=240,
        capture_output=True,
        text=True,
        check=False,
    )


def test_up_formats_and_starts_even_after_a_cluster_id_that_starts_with_a_dash(
    broker: tuple[dict[str, str], Path],
) -> None:
    env, directory = broker
    directory.mkdir(parents=True)
    (directory / "cluster.id").write_text(DASH_ID + "\n")

    up = _run("up", env)
    assert up.returncode == 0, up.stdout + up.stderr
    assert _kafka_answers("127.0.0.1", int(env["KAFKA_PORT"])) is None

    cluster_id = (directory / "cluster.id").read_text().strip()
    assert cluster_id and not cluster_id.startswith("-"), cluster_id
    meta = (directory / "data" / "meta.properties").read_text()
    assert f"cluster.id={cluster_id}" in meta.splitlines(), meta

    # Down and up again: the same storage, the same id, no new format.
    assert _run("down", env).returncode == 0
    again = _run("up", env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "formatting" not in again.stdout + again.stderr
    assert (directory / "cluster.id").read_text().strip() == cluster_id
