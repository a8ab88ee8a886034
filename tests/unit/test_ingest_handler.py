"""The ingest handler over real readers: tweets, folded retweets, duplicates, dead letters."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.ingest.bootstrap import build_deps
from services.ingest.convert import normalize_for_id, synthetic_id
from services.ingest.handler import SEEN_NAMESPACE, IngestDeps, handle
from services.ingest.readers import iter_records
from services.ingest.record import InputRecord
from services.ingest.stats import IngestStats
from shared.models import DeadLetter, TweetIngested, topic_of
from shared.settings import IngestSettings, Settings
from shared.store import MemoryStore

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
REAL_CSV = DATA / "chatgpt-tweets-2023-04-27.csv"
CSV_HEADER = "text,favoriteCount,created,id,screenName,retweetCount,isRetweet,replyToSN\r\n"


@dataclass
class Run:
    tweets: list[TweetIngested] = field(default_factory=list)
    dead: list[DeadLetter] = field(default_factory=list)
    stats: IngestStats = field(default_factory=IngestStats)


@pytest.fixture
def deps() -> IngestDeps:
    return build_deps(Settings(), store=MemoryStore())


@pytest.fixture
def ingest(tmp_path: Path, deps: IngestDeps) -> Callable[..., Run]:
    """Write a file, read it and hand every record to the handler, as the runner does."""

    def _ingest(
        name: str,
        content: str | bytes,
        *,
        mapping: dict[str, str] | None = None,
        settings: IngestSettings | None = None,
    ) -> Run:
        path = tmp_path / name
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8", newline="")
        else:
            path.write_bytes(content)
        use = deps if settings is None else IngestDeps(store=deps.store, settings=settings)
        return run_file(path, use, mapping=mapping)

    return _ingest


def run_file(path: Path, deps: IngestDeps, *, mapping: dict[str, str] | None = None) -> Run:
    run = Run()
    for record in iter_records(path, mapping=mapping, settings=deps.settings):
        outputs = handle(record, deps=deps)
        run.stats.count(outputs, record)
        for out in outputs:
            if isinstance(out, TweetIngested):
                run.tweets.append(out)
            else:
                assert isinstance(out, DeadLetter)
                run.dead.append(out)
    return run


def at(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


# ---------------------------------------------------------------------------- CSV


def test_an_original_row(ingest: Callable[..., Run]) -> None:
    row = "AT&amp;T loves ChatGPT ??,12,4/27/2023 17:35:29,1651641228520194048,gdb,3,FALSE,#N/A\r\n"
    run = ingest("t.csv", CSV_HEADER + row)
    (tweet,) = run.tweets
    assert tweet.tweet_id == "1651641228520194048"
    assert tweet.text == "AT&T loves ChatGPT ??"
    assert tweet.author.username == "gdb"
    assert tweet.created_at == tweet.observed_at == at(2023, 4, 27, 17, 35, 29)
    assert tweet.metrics.likes == 12 and tweet.metrics.retweets == 3
    assert tweet.url == "https://x.com/gdb/status/1651641228520194048"
    assert tweet.via_retweet is None and tweet.in_reply_to is None
    assert tweet.source == "file:t.csv"
    assert topic_of(tweet) == "tweets.raw"


def test_csv_retweets_fold_into_a_synthetic_original(ingest: Callable[..., Run]) -> None:
    rows = (
        "RT @gdb: ChatGPT as a tool for Congress: https://t.co/HlHJUSuPGl,0,"
        "4/27/2023 17:35:29,1651641228520194048,nos_ult,58,TRUE,#N/A\r\n"
        "RT @gdb: ChatGPT as a tool for Congress: https://t.co/HlHJUSuPGl,0,"
        "4/27/2023 17:35:28,1651641223428317185,verobouvier,58,TRUE,#N/A\r\n"
    )
    run = ingest("t.csv", CSV_HEADER + rows)
    first, second = run.tweets
    expected_id = synthetic_id(
        "rt-", "gdb", normalize_for_id("ChatGPT as a tool for Congress: https://t.co/HlHJUSuPGl")
    )
    assert first.tweet_id == second.tweet_id == expected_id
    assert first.text == "ChatGPT as a tool for Congress: https://t.co/HlHJUSuPGl"
    assert first.author.username == "gdb"
    assert first.author.name is None  # the row's user is the retweeter, not the author
    assert first.metrics.retweets == 58 and first.metrics.likes == 0
    assert first.via_retweet is not None
    assert first.via_retweet.retweet_id == "1651641228520194048"
    assert first.via_retweet.retweeted_by == "nos_ult"
    assert first.via_retweet.retweeted_at == at(2023, 4, 27, 17, 35, 29)
    assert first.observed_at == first.created_at == at(2023, 4, 27, 17, 35, 29)
    assert first.url == "https://x.com/nos_ult/status/1651641228520194048"
    assert run.stats.retweets_folded == 2 and run.stats.published == 2


def test_a_cut_retweet_is_marked_truncated(ingest: Callable[..., Run]) -> None:
    row = "RT @a: a long text cut at 140 characters…,0,4/27/2023 17:00:00,5,b,1,TRUE,#N/A\r\n"
    (tweet,) = ingest("t.csv", CSV_HEADER + row).tweets
    assert tweet.truncated is True


def test_a_manual_rt_flagged_as_no_retweet_is_kept_as_written(ingest: Callable[..., Run]) -> None:
    row = "RT @a: quoted by hand,0,4/27/2023 17:00:00,5,b,1,FALSE,#N/A\r\n"
    (tweet,) = ingest("t.csv", CSV_HEADER + row).tweets
    assert tweet.via_retweet is None
    assert tweet.text == "RT @a: quoted by hand"
    assert tweet.author.username == "b"


def test_duplicate_ids_are_dropped_within_and_across_files(ingest: Callable[..., Run]) -> None:
    row = "hello,0,4/27/2023 17:00:00,1,a,0,FALSE,#N/A\r\n"
    other = "hello again,0,4/27/2023 17:00:01,2,a,0,FALSE,#N/A\r\n"
    run = ingest("a.csv", CSV_HEADER + row + other + row)
    assert [t.tweet_id for t in run.tweets] == ["1", "2"]
    assert run.stats.duplicates == 1
    again = ingest("b.csv", CSV_HEADER + row)
    assert again.tweets == [] and again.stats.duplicates == 1


def test_rows_without_ids_get_stable_content_ids(ingest: Callable[..., Run]) -> None:
    content = "text,date,user\r\nhi,2023-04-27,a\r\nhi,2023-04-27,a\r\nhi,2023-04-28,a\r\n"
    run = ingest("t.csv", content)
    assert len(run.tweets) == 2 and run.stats.duplicates == 1
    assert all(t.tweet_id.startswith("h-") and t.url is None for t in run.tweets)


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("4/27/2023 17:35:29", at(2023, 4, 27, 17, 35, 29)),
        ("2023-04-27T17:35:29Z", at(2023, 4, 27, 17, 35, 29)),
        ("2023-04-28T01:35:29+08:00", at(2023, 4, 27, 17, 35, 29)),
        ("1682616929", at(2023, 4, 27, 17, 35, 29)),
        ("1682616929000", at(2023, 4, 27, 17, 35, 29)),
    ],
)
def test_csv_date_forms(ingest: Callable[..., Run], date: str, expected: datetime) -> None:
    (tweet,) = ingest("t.csv", f"Tweet,Date,user\r\nhello,{date},a\r\n").tweets
    assert tweet.created_at == expected


def test_map_reads_unusual_columns(ingest: Callable[..., Run]) -> None:
    content = "body,when,who,tid,hearts\r\nhello,1682616929,carol,7,9\r\n"
    mapping = {
        "text": "body",
        "created_at": "when",
        "username": "who",
        "id": "tid",
        "likes": "hearts",
    }
    (tweet,) = ingest("t.csv", content, mapping=mapping).tweets
    assert (tweet.tweet_id, tweet.author.username, tweet.metrics.likes) == ("7", "carol", 9)


def test_every_bad_record_becomes_a_dead_letter_and_the_run_goes_on(
    ingest: Callable[..., Run],
) -> None:
    ok = "fine,0,4/27/2023 17:00:00,{id},a,0,FALSE,#N/A"
    lines = [
        CSV_HEADER.strip().encode(),
        ok.format(id=1).encode(),  # 2
        b",0,4/27/2023 17:00:00,2,a,0,FALSE,#N/A",  # 3: no text
        b"x,0,yesterday,3,a,0,FALSE,#N/A",  # 4: bad date
        b"x,lots,4/27/2023 17:00:00,4,a,0,FALSE,#N/A",  # 5: wrong type
        b"x,0,4/27/2023 17:00:00,5,a,0,maybe,#N/A",  # 6: wrong type
        b'"nul\x00",0,4/27/2023 17:00:00,6,a,0,FALSE,#N/A',  # 7: binary junk
        b"\xc3\x28,0,4/27/2023 17:00:00,7,a,0,FALSE,#N/A",  # 8: binary junk
        b"bell\x07,0,4/27/2023 17:00:00,8,a,0,FALSE,#N/A",  # 9: binary junk
        b"y" * 400,  # 10: oversized line
        b"x" * 60 + b",0,4/27/2023 17:00:00,10,a,0,FALSE,#N/A",  # 11: text too long
        b"x,0,4/27/2023 17:00:00,11,#N/A,0,FALSE,#N/A",  # 12: no author, goes in as unknown
        b"x,0,#N/A,12,a,0,FALSE,#N/A",  # 13: no date
        b"x,0,4/27/2023 17:00:00,1.6E+18,a,0,FALSE,#N/A",  # 14: id lost digits, goes in
        b"short,row",  # 15: malformed CSV
        b'"two',  # 16: a good record over two lines
        b'fine",0,4/27/2023 17:00:00,16,a,0,FALSE,#N/A',
        ok.format(id=18).encode(),  # 18
    ]
    settings = IngestSettings(max_line_bytes=300, max_text_chars=50)
    run = ingest("t.csv", b"\r\n".join(lines) + b"\r\n", settings=settings)
    got = [(d.line, d.reason.split(":")[0]) for d in run.dead]
    assert got == [
        (3, "no text"),
        (4, "bad date"),
        (5, "wrong type"),
        (6, "wrong type"),
        (7, "binary junk"),
        (8, "binary junk"),
        (9, "binary junk"),
        (10, "oversized line"),
        (11, "text too long"),
        (13, "no date"),
        (15, "malformed CSV"),
    ]
    lost = synthetic_id("h-", "a", "x", at(2023, 4, 27, 17).isoformat())
    assert [t.tweet_id for t in run.tweets] == ["1", "11", lost, "16", "18"]
    unknown = run.tweets[1]
    assert unknown.author.username == "id:unknown" and unknown.url == "https://x.com/i/status/11"
    assert run.tweets[2].url is None
    assert run.tweets[3].text == "two\nfine"
    bad_date = run.dead[1]
    assert bad_date.source_topic == "file:t.csv"
    assert bad_date.topic == "tweets.raw.dlq"
    assert bad_date.error_class == "InvalidMessage"
    assert bad_date.reason == "bad date: 'yesterday' does not parse"
    assert bad_date.payload == "x,0,yesterday,3,a,0,FALSE,#N/A"
    assert bad_date.key == "3"
    assert run.dead[7].payload_size <= 1024  # an oversized line is never held whole
    assert run.stats.rejected == 11
    assert run.stats.rejected_by_reason["binary junk"] == 3
    assert run.stats.noted == {
        "no username: author unknown": 1,
        "id lost its digits: kept under a synthetic id": 1,
    }
    assert run.stats.noted_lines["id lost its digits: kept under a synthetic id"] == [14]
    summary = run.stats.summary()
    assert summary.startswith(
        "16 records read: 5 published (0 retweets folded into their originals), "
        "0 duplicates dropped, 11 rejected ("
    )
    assert "binary junk: 3 (line 7, 8, 9)" in summary
    assert "went in with notes: " in summary


def test_a_bad_record_does_not_hide_a_later_good_one_with_its_id(
    ingest: Callable[..., Run], deps: IngestDeps
) -> None:
    rows = "x,0,soon,1,a,0,FALSE,#N/A\r\nx,0,4/27/2023 17:00:00,1,a,0,FALSE,#N/A\r\n"
    run = ingest("t.csv", CSV_HEADER + rows)
    assert len(run.dead) == 1 and [t.tweet_id for t in run.tweets] == ["1"]
    # Seen now, but marked in the store only once the runner says the broker acknowledged it.
    assert deps.dedup.seen("1") and not deps.store.contains(SEEN_NAMESPACE, "1")
    assert deps.dedup.commit() == 1
    assert not deps.store.add_once(SEEN_NAMESPACE, "1")


# ---------------------------------------------------------------------------- X API


def x_api_page() -> dict[str, object]:
    return {
        "data": [
            {
                "id": "1001",
                "text": "Agents are here &amp; now",
                "author_id": "1",
                "created_at": "2023-04-27T17:00:00.000Z",
                "lang": "en",
                "public_metrics": {
                    "retweet_count": 5,
                    "reply_count": 2,
                    "like_count": 40,
                    "quote_count": 1,
                    "impression_count": 900,
                },
            },
            {
                "id": "1002",
                "text": "RT @sama: GPT-5 soon, and a much longer text than th…",
                "author_id": "2",
                "created_at": "2023-04-27T17:05:00.000Z",
                "lang": "en",
                "referenced_tweets": [{"type": "retweeted", "id": "900"}],
                "public_metrics": {"retweet_count": 300, "like_count": 0},
            },
            {
                "id": "1003",
                "text": "RT @ghost: an original the page did not include",
                "author_id": "2",
                "created_at": "2023-04-27T17:06:00.000Z",
                "referenced_tweets": [{"type": "retweeted", "id": "901"}],
                "public_metrics": {"retweet_count": 7, "like_count": 0},
            },
            {
                "id": "1004",
                "text": "@sama 大模型的进展太快了",
                "author_id": "1",
                "lang": "und",
                "in_reply_to_user_id": "3",
                "created_at": "2023-04-27T17:07:00.000Z",
            },
            {"id": "1005", "text": 12345, "author_id": "1", "created_at": "2023-04-27"},
        ],
        "includes": {
            "users": [
                {"id": "1", "username": "alice", "name": "Alice", "verified": False},
                {"id": "2", "username": "bob", "name": "Bob"},
                {"id": "3", "username": "sama", "name": "Sam Altman", "verified": True},
            ],
            "tweets": [
                {
                    "id": "900",
                    "text": "GPT-5 soon, and a much longer text than the retweet shows",
                    "author_id": "3",
                    "created_at": "2023-04-26T10:00:00.000Z",
                    "lang": "en",
                    "public_metrics": {"retweet_count": 300, "like_count": 5000, "reply_count": 9},
                }
            ],
        },
    }


def test_x_api_page(ingest: Callable[..., Run]) -> None:
    text = json.dumps(x_api_page(), indent=2, ensure_ascii=False)
    run = ingest("page.json", text)
    original, retweet, orphan, reply = run.tweets

    assert original.text == "Agents are here & now"
    assert original.author.username == "alice" and original.author.name == "Alice"
    assert original.metrics.likes == 40 and original.metrics.views == 900
    assert original.lang == "en"
    assert original.url == "https://x.com/alice/status/1001"

    assert retweet.tweet_id == "900"
    assert retweet.text == "GPT-5 soon, and a much longer text than the retweet shows"
    assert retweet.author.username == "sama" and retweet.author.verified is True
    assert retweet.metrics.likes == 5000 and retweet.metrics.replies == 9
    assert retweet.created_at == at(2023, 4, 26, 10)
    assert retweet.observed_at == at(2023, 4, 27, 17, 5)
    assert retweet.url == "https://x.com/sama/status/900"
    assert retweet.truncated is False
    assert retweet.via_retweet is not None
    assert (retweet.via_retweet.retweet_id, retweet.via_retweet.retweeted_by) == ("1002", "bob")

    # The original is not in includes: its id is still known, its text comes from the RT text.
    assert orphan.tweet_id == "901"
    assert orphan.author.username == "ghost"
    assert orphan.text == "an original the page did not include"
    assert orphan.metrics.retweets == 7
    assert orphan.url == "https://x.com/ghost/status/901"

    assert reply.lang == "zh"  # "und" from the API, guessed from the text
    assert reply.in_reply_to == "sama"

    (dead,) = run.dead
    assert dead.reason == "wrong type: text is a number, expected a string"
    assert dead.line == text[: text.index('"id": "1005"')].count("\n")  # its "{" line
    assert json.loads(dead.payload)["id"] == "1005"
    assert dead.key == "1005"


def test_two_retweets_of_one_original_are_both_published(ingest: Callable[..., Run]) -> None:
    page = x_api_page()
    second = dict(page["data"][1], id="1006", author_id="1")  # type: ignore[index]
    page["data"] = [page["data"][1], second]  # type: ignore[index]
    run = ingest("page.json", json.dumps(page))
    assert [t.tweet_id for t in run.tweets] == ["900", "900"]
    assert [t.via_retweet.retweeted_by for t in run.tweets if t.via_retweet] == ["bob", "alice"]
    assert run.stats.duplicates == 0


def test_tweet_objects_without_their_users_go_in_under_their_author_id(
    ingest: Callable[..., Run],
) -> None:
    tweets = x_api_page()["data"][:1]  # type: ignore[index]
    run = ingest("tweets.jsonl", "".join(json.dumps(t) + "\n" for t in tweets))
    assert run.dead == []
    (tweet,) = run.tweets
    assert tweet.author.username == "id:1"
    assert tweet.url == f"https://x.com/i/status/{tweet.tweet_id}"
    assert run.stats.noted == {"no username: author known by id only": 1}


def test_jsonl_generic_export(ingest: Callable[..., Run]) -> None:
    rows = [
        {"id": 1, "full_text": "first", "user": {"screen_name": "a"}, "created_at": 1682616929},
        {"id": 2, "content": "second", "username": "@b", "date": "2023-04-27", "likes": "1.2K"},
    ]
    run = ingest("t.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n")
    assert [(t.tweet_id, t.author.username) for t in run.tweets] == [("1", "a"), ("2", "b")]
    assert run.tweets[1].metrics.likes == 1200


# ---------------------------------------------------------------------------- the real file


@pytest.mark.skipif(
    not REAL_CSV.exists(), reason=f"real data absent: {REAL_CSV} (../shared/data beside the repo)"
)
def test_the_real_csv(deps: IngestDeps) -> None:
    run = run_file(REAL_CSV, deps)
    stats = run.stats
    assert stats.read == 3000
    assert stats.published == 3000 and stats.rejected == 0 and stats.duplicates == 0
    assert stats.retweets_folded == 1873
    assert stats.summary() == (
        "3000 records read: 3000 published (1873 retweets folded into their originals), "
        "0 duplicates dropped, 0 rejected"
    )
    # 1,127 originals and the 630 distinct tweets the 1,873 retweets point to.
    assert len({t.tweet_id for t in run.tweets}) == 1127 + 630
    first = run.tweets[0]
    assert first.text == "ChatGPT as a tool for Congress: https://t.co/HlHJUSuPGl"  # BOM handled
    assert first.in_reply_to is None  # #N/A
    replies = [t for t in run.tweets if t.in_reply_to]
    assert replies and all("#N/A" not in (t.in_reply_to or "") for t in replies)
    assert any("??" in t.text for t in run.tweets)
    assert sum(t.truncated for t in run.tweets if t.via_retweet is None) == 502
    assert all(t.created_at.tzinfo is not None for t in run.tweets)
    assert 100 <= sum(t.lang == "zh" for t in run.tweets) <= 120


@pytest.mark.skipif(
    not REAL_CSV.exists(), reason=f"real data absent: {REAL_CSV} (../shared/data beside the repo)"
)
def test_the_real_csv_line_numbers() -> None:
    records: list[InputRecord] = []
    for record in iter_records(REAL_CSV, settings=IngestSettings()):
        records.append(record)
        if len(records) == 5:
            break
    # Records 3 and 4 span 3 and 5 physical lines.
    assert [r.line for r in records] == [2, 3, 4, 7, 12]
