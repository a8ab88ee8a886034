"""Rejected records in the embedded mode: counted, a few kept, all of them in a JSON Lines file.

``MemoryBus`` used to keep every dead letter with up to 64 KB of payload, so a file of a million
bad records held gigabytes; now it keeps ``keep_dead`` per topic, counts the rest, and writes
every one to its ``dead_letters`` log, the file ``tweetpulse run`` names in its summary.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.cli import main
from shared.bus import JsonlLog, MemoryBus
from shared.errors import InvalidMessage
from shared.models import DeadLetter, dead_letter


def letter(n: int) -> DeadLetter:
    return dead_letter(
        source_topic="tweets.raw",
        error=InvalidMessage("no text: the record has no text", line=n),
        payload="{}",
        line=n,
    )


def test_memory_bus_keeps_a_sample_and_logs_every_dead_letter(tmp_path: Path) -> None:
    log = JsonlLog(tmp_path / "deep" / "rejected.jsonl")
    bus = MemoryBus(dead_letters=log, keep_dead=3)
    for n in range(1, 101):
        bus.publish(letter(n))
    log.close()
    assert bus.counts["tweets.raw.dlq"] == 100
    assert [d.line for d in bus.published["tweets.raw.dlq"]] == [1, 2, 3]  # type: ignore[attr-defined]
    lines = (tmp_path / "deep" / "rejected.jsonl").read_text(encoding="utf-8").splitlines()
    assert log.count == 100 and len(lines) == 100
    assert [DeadLetter.model_validate_json(line).line for line in lines] == list(range(1, 101))


def test_no_dead_letter_no_file(tmp_path: Path) -> None:
    log = JsonlLog(tmp_path / "rejected.jsonl")
    MemoryBus(dead_letters=log)
    log.close()
    assert not (tmp_path / "rejected.jsonl").exists() and log.count == 0


def test_run_writes_the_rejected_records_where_asked_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = {"id": "1610000000000000001", "text": "GPT-5 is out", "username": "a",
            "created_at": "2026-01-02T10:00:00Z"}  # fmt: skip
    rows = [json.dumps(good)] + ["{}"] * 50 + ['{"text": ' + "[" * 5000 + "]" * 5000 + "}"]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "bad.jsonl"
    code = main(["run", "-i", str(path), "--site", str(tmp_path / "site"), "--quiet",
                 "--rejected", str(out)])  # fmt: skip
    printed = capsys.readouterr().out
    assert code == 0
    assert "rejected    51" in printed
    assert f"all 51 dead letters in {out}" in printed
    letters = [DeadLetter.model_validate_json(x) for x in out.read_text().splitlines()]
    assert [d.line for d in letters] == list(range(2, 53))
    assert letters[-1].reason.startswith("too deeply nested")


def test_run_without_rejected_records_names_no_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    good = {"id": "1610000000000000001", "text": "GPT-5 is out", "username": "a",
            "created_at": "2026-01-02T10:00:00Z"}  # fmt: skip
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(good) + "\n" + "{}\n", encoding="utf-8")
    assert main(["run", "-i", str(path), "--site", str(tmp_path / "site"), "--quiet"]) == 0
    printed = capsys.readouterr().out
    made = list((tmp_path / "tmp").glob("tweetpulse-rejected-*.jsonl"))
    assert len(made) == 1 and f"all 1 dead letters in {made[0]}" in printed
    path.write_text(json.dumps(good) + "\n", encoding="utf-8")
    assert main(["run", "-i", str(path), "--site", str(tmp_path / "site2"), "--quiet"]) == 0
    assert "dead letters in" not in capsys.readouterr().out
    assert len(list((tmp_path / "tmp").glob("tweetpulse-rejected-*.jsonl"))) == 1
