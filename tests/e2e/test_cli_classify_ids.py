"""``tweetpulse classify`` prints every input row under the row's own id, so output joins input."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT.parent / "shared" / "data" / "chatgpt-tweets-2023-04-27.csv"


def classify(path: Path) -> list[dict[str, object]]:
    done = subprocess.run(
        [sys.executable, "-m", "services.cli", "classify", "--input", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_a_retweet_keeps_its_own_id_and_names_its_original(tmp_path: Path) -> None:
    path = tmp_path / "tweets.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "created_at", "username", "text", "is_retweet", "retweet_of"])
        w.writerow(["100", "2026-01-02T08:00:00Z", "nvda_fan", "$NVDA beat estimates", "false", ""])
        w.writerow(
            [
                "200",
                "2026-01-02T09:00:00Z",
                "bob",
                "RT @nvda_fan: $NVDA beat estimates",
                "true",
                "100",
            ]
        )
        w.writerow(
            [
                "300",
                "2026-01-02T09:30:00Z",
                "carol",
                "RT @nvda_fan: $NVDA beat estimates",
                "true",
                "100",
            ]
        )
    rows = classify(path)
    assert [r["id"] for r in rows] == ["100", "200", "300"]
    assert [r["retweet_of"] for r in rows] == [None, "100", "100"]
    assert all("finance" in r["categories"] for r in rows)  # type: ignore[operator]


@pytest.mark.skipif(not REAL.exists(), reason="../shared/data is not beside the repo")
def test_output_ids_join_the_real_csv_row_for_row() -> None:
    with REAL.open(encoding="utf-8-sig", newline="") as fh:
        rows_in = list(csv.DictReader(fh))
    out = classify(REAL)
    assert [r["id"] for r in out] == [r["id"] for r in rows_in]
    by_id = {r["id"]: r for r in out}
    retweets = [r for r in rows_in if r["isRetweet"] == "TRUE"]
    assert len(retweets) > 1000
    for row in retweets:
        named = by_id[row["id"]]["retweet_of"]
        assert isinstance(named, str) and named != row["id"]
    assert all(by_id[r["id"]]["retweet_of"] is None for r in rows_in if r["isRetweet"] == "FALSE")
