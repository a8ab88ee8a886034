"""Another team's consumer: Debian's kcat reads tweets.classified in its own consumer group.

kcat (librdkafka) knows nothing of our code: what it gets must be plain JSON that validates as
the published contract, and its group must neither see less than the pipeline produced nor move
the pipeline's own offsets.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from shared.models import TweetClassified, TweetIngested
from tests.e2e.harness import Cluster, generate_tweets, total, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


@pytest.fixture
def kcat() -> str:
    path = shutil.which("kcat")
    if path is None:
        reason = "kcat is not installed: `bash deploy/local/system-deps.sh test` installs it"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return path


def test_kcat_reads_classified_as_its_own_group(
    run: Cluster, kcat: str, kafka_bootstrap: str, tmp_path: Path
) -> None:
    c = run
    tweets = generate_tweets(tmp_path / "tweets.csv", 2_000)
    c.start("classify")
    c.ingest(tweets)
    raw = total(c.end_offsets(TweetIngested.TOPIC))
    wait_until(
        "classify commits all of tweets.raw",
        lambda: total(c.committed("classify", TweetIngested.TOPIC)) == raw,
        timeout_s=120,
        every_s=0.5,
    )
    produced = c.read(TweetClassified.TOPIC)
    pipeline_offsets = c.committed("classify", TweetIngested.TOPIC)
    group = f"{c.prefix}.kcat"

    # -G: a balanced consumer in its own group; -e: exit at the end; -J: one JSON envelope a line.
    command = [
        kcat, "-b", kafka_bootstrap, "-G", group, "-X", "auto.offset.reset=earliest",
        "-e", "-J", "-q", "-u", c.physical(TweetClassified.TOPIC),
    ]  # fmt: skip
    done = subprocess.run(
        command,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")

    lines = done.stdout.decode("utf-8").splitlines()
    envelopes = [json.loads(line) for line in lines]
    assert raw > 1_000
    assert len(envelopes) == len(produced) == raw  # one classified tweet per raw tweet
    assert {(e["partition"], e["offset"]) for e in envelopes} == {
        (r.partition, r.offset) for r in produced
    }
    for envelope in envelopes:
        assert envelope["topic"] == c.physical(TweetClassified.TOPIC)
        payload = envelope["payload"]
        assert isinstance(json.loads(payload), dict)
        message = TweetClassified.model_validate_json(payload)
        assert envelope["key"] == message.key() == message.tweet.author.username.lower()
    assert len({e["key"] for e in envelopes}) == len({r.key for r in produced})
    # kcat's group has its own offsets, at the end; the pipeline's group did not move.
    kcat_offsets = c.admin().list_group_offsets(group)[group]
    assert sum(m.offset for m in kcat_offsets.values()) == len(produced)
    assert c.committed("classify", TweetIngested.TOPIC) == pipeline_offsets
