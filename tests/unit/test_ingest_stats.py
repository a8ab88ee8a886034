"""IngestStats: one count for both runners, with bounded examples of what was rejected."""

from __future__ import annotations

from services.ingest.stats import IngestStats, reason_kind
from shared.errors import InvalidMessage
from shared.models import dead_letter


def letter(reason: str, line: int):
    return dead_letter(
        source_topic="file:t.csv", error=InvalidMessage(reason), payload="x", line=line
    )


def test_rejections_group_by_kind_and_keep_a_few_examples() -> None:
    stats = IngestStats()
    for line in range(1, 13):
        stats.count([letter(f"bad date: {line!r} does not parse", line)])
    stats.count([letter("no text: the record has no text", 20)])
    stats.count([])
    assert (stats.read, stats.rejected, stats.duplicates) == (14, 13, 1)
    assert stats.rejected_by_reason == {"bad date": 12, "no text": 1}
    assert stats.rejected_lines == {"bad date": [1, 2, 3, 4, 5], "no text": [20]}
    assert [e.line for e in stats.examples] == [1, 2, 3, 4, 5]
    assert stats.summary().endswith("(bad date: 12 (line 1, 2, 3, 4, 5, …); no text: 1 (line 20))")


def test_a_reason_without_a_colon_still_groups() -> None:
    assert reason_kind("  bad date : x") == "bad date"
    assert reason_kind("y" * 500) == "y" * 80
