"""Real-world formats through the readers and the handler: what each fixture yields.

The fixtures (``tests/fixtures/inputs``, written by ``write_fixtures.py`` in the shape each client
documents) are files a user would expect to go in whole: twarc2 page lines and flattened lines,
X API pages and stream lines saved without expansions, an archive with ``note-tweet.js``, and
Kaggle-style CSVs with day-first dates, mangled ids and no username column.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from services.ingest.handler import IngestDeps, handle
from services.ingest.readers import iter_records
from services.ingest.stats import IngestStats
from shared.models import DeadLetter, TweetIngested, author_label
from shared.settings import IngestSettings
from shared.store import MemoryStore
from tests.fixtures.inputs import write_fixtures as fx

FIXTURES = Path(fx.__file__).resolve().parent
ORIGINAL_ID = fx.ORIGINAL["id"]


@dataclass
class Yield:
    tweets: list[TweetIngested] = field(default_factory=list)
    dead: list[DeadLetter] = field(default_factory=list)
    stats: IngestStats = field(default_factory=IngestStats)


def ingest(path: Path, settings: IngestSettings | None = None) -> Yield:
    settings = settings or IngestSettings()
    deps = IngestDeps(store=MemoryStore(), settings=settings)
    out = Yield()
    for record in iter_records(path, settings=settings):
        events = handle(record, deps=deps)
        out.stats.count(events, record)
        out.tweets += [e for e in events if isinstance(e, TweetIngested)]
        out.dead += [e for e in events if isinstance(e, DeadLetter)]
    return out


def test_the_fixtures_are_what_write_fixtures_writes(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(fx, "HERE", tmp_path)
    fx.main()
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert written, "nothing written"
    for name in written:
        assert (tmp_path / name).read_bytes() == (FIXTURES / name).read_bytes(), name


# ---------------------------------------------------------------------------- twarc2


def test_twarc2_page_lines_are_read_per_tweet_not_per_line() -> None:
    path = FIXTURES / "twarc2-search.jsonl"
    lines = path.read_bytes().splitlines()
    limit = 4096
    assert all(len(line) > limit for line in lines), "each page is longer than one record may be"
    got = ingest(path, IngestSettings(max_line_bytes=limit))
    assert got.dead == []
    assert (got.stats.read, got.stats.published, got.stats.retweets_folded) == (7, 7, 2)
    assert [t.author.username for t in got.tweets][:2] == ["lab_notes", "chip_watch"]
    folded = [t for t in got.tweets if t.via_retweet]
    assert {t.tweet_id for t in folded} == {ORIGINAL_ID}
    assert folded[0].metrics.likes == 16_370  # includes.tweets: the original's own counts


def test_a_real_size_twarc2_page_goes_in_with_the_default_limits(tmp_path: Path) -> None:
    tweets = [
        fx.v2_tweet(fx.at(1, n // 60, n % 60), "lab_notes", f"Tweet {n} about open weights #AI")
        for n in range(100)
    ]
    for tweet in tweets:  # twarc2 asks for everything: annotations make a tweet ~3 KB
        tweet["context_annotations"] *= 8
    line = json.dumps(fx.page(tweets, 1, True), ensure_ascii=False)
    assert len(line.encode()) > IngestSettings().max_line_bytes
    path = tmp_path / "search.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    got = ingest(path)
    assert got.dead == [] and got.stats.published == 100


def test_one_tweet_of_a_page_over_the_limit_costs_only_itself(tmp_path: Path) -> None:
    tweets = [fx.v2_tweet(fx.at(1, n), "lab_notes", f"Tweet {n} #AI") for n in range(3)]
    tweets[1]["context_annotations"] *= 40
    path = tmp_path / "search.jsonl"
    path.write_text(json.dumps(fx.page(tweets, 1, True)) + "\n", encoding="utf-8")
    got = ingest(path, IngestSettings(max_line_bytes=4096))
    assert got.stats.published == 2
    (dead,) = got.dead
    assert dead.reason.startswith("oversized line: tweet 2 of the page on line 1 is longer than")
    assert "TWEETPULSE_INGEST__MAX_LINE_BYTES raises it" in dead.reason


def test_an_oversized_line_names_the_setting_that_raises_its_limit(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    tweet = {"id": "1", "username": "a", "created_at": "2026-01-02"}
    big = {**tweet, "text": "x" * 4300}  # over the line limit, under the page limit
    page = {"data": [{**tweet, "text": "x" * 5000}]}  # a page over the page limit
    path.write_text(json.dumps(big) + "\n" + json.dumps(page) + "\n")
    got = ingest(path, IngestSettings(max_line_bytes=4096, max_page_bytes=4500))
    first, second = (d.reason for d in got.dead)
    assert first == (
        "oversized line: line 1 is longer than 4,096 bytes "
        "(TWEETPULSE_INGEST__MAX_LINE_BYTES raises it)"
    )
    assert second == (
        "oversized line: line 2 is longer than 4,500 bytes "
        "(TWEETPULSE_INGEST__MAX_PAGE_BYTES raises it)"
    )


def test_twarc2_flatten_uses_the_originals_it_embeds() -> None:
    got = ingest(FIXTURES / "twarc2-flat.jsonl")
    assert got.dead == [] and got.stats.published == 7
    folded = [t for t in got.tweets if t.via_retweet]
    assert len(folded) == 2
    for tweet in folded:
        assert tweet.tweet_id == ORIGINAL_ID
        assert tweet.author.username == "model_mill" and tweet.author.followers == 51_000
        assert tweet.metrics.likes == 16_370 and tweet.metrics.replies == 311
        assert tweet.created_at == fx.at(0, 10, 5)  # not the retweet's time
        assert tweet.in_reply_to == "lab_notes"
        assert tweet.truncated is False and tweet.text.endswith("benchmark table. #AI")
    reply = got.tweets[1]
    assert reply.in_reply_to == "lab_notes"  # in_reply_to_user, inline
    # The same tweets as the page lines they were flattened from.
    pages = ingest(FIXTURES / "twarc2-search.jsonl")
    assert [t.model_dump() for t in got.tweets] == [
        t.model_dump() | {"source": "file:twarc2-flat.jsonl"} for t in pages.tweets
    ]


# ---------------------------------------------------------------------------- X API


def test_a_page_without_expansions_goes_in_under_author_ids() -> None:
    got = ingest(FIXTURES / "x-api-no-expansions.json")
    assert got.dead == [] and got.stats.published == 7
    first = got.tweets[0]
    assert first.author.username == "id:3001"
    assert first.url == f"https://x.com/i/status/{first.tweet_id}"
    assert first.metrics.likes == 4_210
    assert author_label(first.author.username) == "用户 3001"
    retweet = got.tweets[2]
    assert retweet.tweet_id == ORIGINAL_ID  # referenced_tweets names the original
    assert retweet.author.username == "model_mill"  # from the RT text
    assert retweet.via_retweet is not None and retweet.via_retweet.retweeted_by == "id:3003"
    assert got.stats.noted == {"no username: author known by id only": 7}


def test_a_page_of_default_fields_takes_its_dates_from_the_ids() -> None:
    got = ingest(FIXTURES / "x-api-default-fields.json")
    assert got.dead == [] and got.stats.published == 3
    assert [t.created_at for t in got.tweets] == [fx.at(1, 0), fx.at(1, 20), fx.at(2, 5)]
    assert got.tweets[0].author.username == "id:unknown"
    assert author_label("id:unknown") == "未署名用户"
    assert got.stats.noted == {
        "no username: author unknown": 3,
        "no date: posting time read from the tweet id": 3,
    }


def test_filtered_stream_lines_without_expansions_go_in() -> None:
    got = ingest(FIXTURES / "x-api-stream.jsonl")
    assert got.dead == []
    assert [t.author.username for t in got.tweets] == ["id:3001", "id:3003", "model_mill"]
    assert got.stats.noted == {"no username: author known by id only": 3}


# ---------------------------------------------------------------------------- X archive


def test_an_archive_joins_its_long_posts_from_note_tweet_js() -> None:
    got = ingest(FIXTURES / "x-archive" / "data" / "tweets.js")
    assert got.dead == [] and got.stats.published == 4
    short, long, unjoined, folded = got.tweets
    assert short.truncated is False
    assert long.text == fx.LONG_POST and long.truncated is False
    assert unjoined.truncated is True and unjoined.text.startswith(fx.UNJOINED_POST[:100])
    assert folded.via_retweet is not None
    assert got.stats.noted == {
        "long post joined: whole text from note-tweet.js": 1,
        "long post cut: no note-tweet.js text matched it (marked truncated)": 1,
    }


def test_a_note_joins_only_the_post_whose_text_it_starts(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    files = fx.archive_files()
    when = fx.at(5, 0, 0)
    # Two long posts in the same second: each note goes to the post it begins with.
    other = fx.archive_tweet(
        fx.tweet_id(when, 1), fx.cut(fx.UNJOINED_POST, "https://t.co/x"), when, 3
    )
    note = json.loads(json.dumps(files["note_tweet"][0]))
    note["noteTweet"]["core"]["text"] = fx.UNJOINED_POST
    (data / "account.js").write_text(fx.archive_js("account", files["account"]))
    (data / "tweets.js").write_text(fx.archive_js("tweets", [other, files["tweets"][1]]))
    (data / "note-tweet.js").write_text(fx.archive_js("note_tweet", [files["note_tweet"][0], note]))
    got = ingest(data / "tweets.js")
    assert [t.text for t in got.tweets] == [fx.UNJOINED_POST, fx.LONG_POST]


def test_an_archive_without_note_tweet_js_still_reads(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    files = fx.archive_files()
    (data / "account.js").write_text(fx.archive_js("account", files["account"]))
    (data / "tweets.js").write_text(fx.archive_js("tweets", files["tweets"]))
    got = ingest(data / "tweets.js")
    assert got.stats.published == 4
    assert [t.truncated for t in got.tweets] == [False, True, True, False]


# ---------------------------------------------------------------------------- Kaggle-style CSV


def test_a_kaggle_csv_goes_in_day_first_with_synthetic_ids_and_no_author() -> None:
    got = ingest(FIXTURES / "kaggle-dayfirst.csv")
    assert (got.stats.read, got.stats.published, got.stats.rejected) == (6, 5, 1)
    (dead,) = got.dead
    assert dead.line == 7 and dead.reason.startswith("bad date: '31-06-2018 12:00' read day-first")
    first, lost, chinese, lost_too, folded = got.tweets
    assert first.created_at.isoformat() == "2018-06-09T06:32:00+00:00"
    assert first.author.username == "id:unknown"
    assert first.url == "https://x.com/i/status/1005340001234567890"
    assert lost.tweet_id.startswith("h-") and lost.url is None
    assert lost_too.tweet_id.startswith("h-") and lost_too.tweet_id != lost.tweet_id
    assert chinese.created_at.isoformat() == "2018-06-13T08:15:00+00:00" and chinese.lang == "zh"
    assert folded.author.username == "lab_notes" and folded.via_retweet is not None
    order = (
        "date order: kaggle-dayfirst.csv read day-first ('13-06-2018 08:15' on line 4 decides it)"
    )
    assert got.stats.noted == {
        order: 5,
        "no username: author unknown": 5,
        "id lost its digits: kept under a synthetic id": 2,
    }
    assert got.stats.noted_lines["id lost its digits: kept under a synthetic id"] == [3, 5]


def test_a_csv_whose_dates_do_not_decide_is_read_month_first_and_says_so() -> None:
    got = ingest(FIXTURES / "kaggle-undecided.csv")
    assert [t.created_at.date().isoformat() for t in got.tweets] == ["2018-05-06", "2018-06-06"]
    (note,) = [n for n in got.stats.noted if n.startswith("date order")]
    assert "read month-first, as no date in it decides the order" in note
    assert "--date-format day-first" in note


@pytest.mark.parametrize(
    ("date_format", "dates"),
    [("day-first", ["2018-06-05", "2018-06-06"]), ("%d-%m-%Y %H:%M", ["2018-06-05", "2018-06-06"])],
)
def test_date_format_forces_the_order(date_format: str, dates: list[str]) -> None:
    got = ingest(FIXTURES / "kaggle-undecided.csv", IngestSettings(date_format=date_format))
    assert [t.created_at.date().isoformat() for t in got.tweets] == dates
    assert not [n for n in got.stats.noted if n.startswith("date order")]


def test_a_forced_pattern_refuses_dates_it_does_not_match() -> None:
    got = ingest(FIXTURES / "kaggle-dayfirst.csv", IngestSettings(date_format="%Y-%m-%d"))
    assert got.stats.published == 0
    assert got.dead[0].reason == (
        "bad date: '09-06-2018 06:32' does not match the date format '%Y-%m-%d'"
    )


def test_a_month_first_csv_is_decided_without_a_note(tmp_path: Path) -> None:
    path = tmp_path / "us.csv"
    path.write_text("id,date,text\n1,06/09/2018 10:00,a\n2,06/13/2018 10:00,b\n")
    got = ingest(path)
    assert [t.created_at.day for t in got.tweets] == [9, 13]
    assert not [n for n in got.stats.noted if n.startswith("date order")]
