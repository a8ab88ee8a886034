"""Values at the edges of what Python takes: each is its record's rejection, and the file goes on.

Dates whose zone pushes them past year 9999 or before year 1, integers of more than 4,300 digits
(Python's conversion limit) and JSON nested 100,000 deep used to raise OverflowError, ValueError
and RecursionError out of the readers and the handler, ending ``tweetpulse run`` with a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.ingest.bootstrap import build_deps
from services.ingest.convert import parse_count, parse_datetime, parse_id, snowflake_time
from services.ingest.handler import handle
from services.ingest.readers import iter_records
from services.ingest.sources import build_source
from services.ingest.stats import IngestStats
from shared.errors import InvalidMessage
from shared.models import DeadLetter, TweetIngested
from shared.settings import Settings
from shared.store import MemoryStore

GOOD = {"username": "a", "created_at": "2026-01-02T10:00:00Z"}
DEEP = "[" * 100_000 + "]" * 100_000
HUGE = "1" * 5000


def tweet(n: int, **fields: object) -> dict[str, object]:
    return {"id": str(1610000000000000000 + n), "text": f"tweet {n} about AI", **GOOD, **fields}


def run(path: Path) -> tuple[list[TweetIngested], list[DeadLetter]]:
    deps = build_deps(Settings(), store=MemoryStore())
    tweets: list[TweetIngested] = []
    dead: list[DeadLetter] = []
    for record in iter_records(path, settings=deps.settings):
        for out in handle(record, deps=deps):
            (tweets if isinstance(out, TweetIngested) else dead).append(out)  # type: ignore[arg-type]
    return tweets, dead


@pytest.mark.parametrize(
    "text", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59Z"]
)
def test_a_date_at_the_edge_is_refused_before_its_zone_is_applied(text: str) -> None:
    with pytest.raises(InvalidMessage, match=r"bad date: .* is out of range"):
        parse_datetime(text)


@pytest.mark.parametrize(
    "value", [float("nan"), float("inf"), 10**400, "Thu Dec 31 23:59:59 -1400 9999"]
)
def test_an_epoch_or_v1_date_out_of_any_range_is_refused(value: object) -> None:
    with pytest.raises(InvalidMessage, match="bad date"):
        parse_datetime(value)


def test_the_range_still_converts_across_a_year_boundary() -> None:
    # 2006-01-01 00:30 at +01:00 is 2005 in UTC: out; 2100-12-31 23:30 at -01:00 is 2101: out.
    assert parse_datetime("2006-01-01T10:30:00+01:00").year == 2006
    with pytest.raises(InvalidMessage, match=r"out of range \(2005\)"):
        parse_datetime("2006-01-01T00:30:00+01:00")
    with pytest.raises(InvalidMessage, match=r"out of range \(2101\)"):
        parse_datetime("2100-12-31T23:30:00-01:00")


@pytest.mark.parametrize("value", [HUGE, "9" * 30, 2**64, HUGE + "K", "1" * 400 + ".5K"])
def test_a_count_too_large_is_refused_with_a_reason(value: object) -> None:
    with pytest.raises(InvalidMessage, match="number too large"):
        parse_count(value, "likes")


def test_ids_too_long_are_no_snowflake_and_no_id() -> None:
    assert snowflake_time(HUGE) is None
    with pytest.raises(InvalidMessage, match="not an id"):
        parse_id(10**30)
    assert parse_id(2**63) == str(2**63)


def test_a_jsonl_file_with_every_edge_value_rejects_each_and_goes_on(tmp_path: Path) -> None:
    lines = [
        json.dumps(tweet(1)),
        json.dumps(tweet(2, created_at="9999-12-31T23:59:59-14:00")),
        json.dumps(tweet(3, created_at="0001-01-01T00:00:00+14:00")),
        json.dumps(tweet(4))[:-1] + f', "likes": {HUGE}}}',
        json.dumps(tweet(5))[:-1] + f', "entities": {DEEP}}}',
        json.dumps(tweet(6, likes=HUGE)),
        json.dumps(tweet(7)),
    ]
    path = tmp_path / "edges.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tweets, dead = run(path)
    assert [t.tweet_id[-1] for t in tweets] == ["1", "7"]
    reasons = {d.line or 0: d.reason for d in dead}
    assert sorted(reasons) == [2, 3, 4, 5, 6]
    assert reasons[2].startswith("bad date: '9999-12-31T23:59:59-14:00' is out of range")
    assert reasons[3].startswith("bad date: '0001-01-01T00:00:00+14:00' is out of range")
    assert reasons[4].startswith("number too large: Exceeds the limit (4300 digits)")
    assert reasons[5].startswith("too deeply nested")
    assert reasons[6].startswith("number too large: likes has 5,000 characters")


def test_a_json_document_with_a_deep_and_a_huge_element_goes_on(tmp_path: Path) -> None:
    elements = [
        json.dumps(tweet(1)),
        json.dumps(tweet(2))[:-1] + f', "entities": {DEEP}}}',
        json.dumps(tweet(3))[:-1] + f', "likes": {HUGE}}}',
        json.dumps(tweet(4)),
    ]
    path = tmp_path / "edges.json"
    path.write_text('{"data": [' + ", ".join(elements) + "]}", encoding="utf-8")
    tweets, dead = run(path)
    assert [t.tweet_id[-1] for t in tweets] == ["1", "4"]
    assert [d.reason.split(":")[0] for d in dead] == ["too deeply nested", "number too large"]


def test_a_csv_with_edge_values_goes_on(tmp_path: Path) -> None:
    rows = [
        "id,text,username,created_at,likes",
        "1610000000000000001,one about AI,a,2026-01-02T10:00:00Z,1",
        "1610000000000000002,two about AI,a,9999-12-31T23:59:59-14:00,1",
        f"1610000000000000003,three about AI,a,2026-01-02T10:00:00Z,{HUGE}",
        f"{HUGE},four about AI,a,,1",
        "1610000000000000005,five about AI,a,2026-01-02T10:00:00Z,1",
    ]
    path = tmp_path / "edges.csv"
    path.write_text("\r\n".join(rows) + "\r\n", encoding="utf-8")
    tweets, dead = run(path)
    assert [t.tweet_id[-1] for t in tweets] == ["1", "5"]
    assert [d.reason.split(":")[0] for d in dead] == ["bad date", "number too large", "no date"]


def test_a_replay_orders_edge_dates_without_overflow(tmp_path: Path) -> None:
    path = tmp_path / "edges.jsonl"
    path.write_text(
        "\n".join(
            json.dumps(t)
            for t in (tweet(1), tweet(2, created_at="9999-12-31T23:59:59-14:00"), tweet(3))
        ),
        encoding="utf-8",
    )
    settings = Settings()
    source = build_source(
        "file",
        settings=settings,
        store=MemoryStore(),
        inputs=[path],
        rate=1e6,
        sleep=lambda s: None,
    )
    deps = build_deps(settings, store=MemoryStore())
    stats = IngestStats()
    for record in source.records():
        stats.count(handle(record, deps=deps), record)
    assert (stats.read, stats.published, stats.rejected) == (3, 2, 1)
