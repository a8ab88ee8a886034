"""The X API sources against a local X API on a real socket, through the real httpx client.

Sleep and clock are a fake: backoff and rate-limit waits are recorded, not waited for. Only the
timeout and stall cases spend real time (a fraction of a second each).
"""

from __future__ import annotations

import itertools
import json
import logging
import random
import threading
import time
from collections.abc import Generator, Iterator
from datetime import UTC, datetime
from typing import Any, cast

import pytest
from pydantic import SecretStr

from services.ingest.handler import IngestDeps, handle
from services.ingest.record import InputRecord
from services.ingest.source import SourceMetrics
from services.ingest.sources import (
    FilteredStreamSource,
    RecentSearchSource,
    checkpoint_key,
)
from services.ingest.x_api import (
    RULES_PATH,
    SEARCH_PATH,
    STREAM_PATH,
    Backoff,
    XApiClient,
    XApiError,
    id_floor_at,
    problem_text,
    sync_rules,
)
from shared.errors import ConfigError
from shared.models import DeadLetter, TweetIngested
from shared.settings import IngestSettings, StreamRule, XApiSettings
from shared.store import MemoryStore
from tests.fakes.replies import Reply
from tests.fakes.x_api_server import TOKEN, FakeXApi, Pause, Refuse, Send, StreamScript, problem

T0 = 1_767_340_800.0  # 2026-01-02T08:00:00Z


class FakeClock:
    """Wall time that moves only when slept on; every sleep is recorded."""

    def __init__(self, now: float = T0) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.now += seconds


@pytest.fixture
def x() -> Iterator[FakeXApi]:
    with FakeXApi() as server:
        server.user("1", "alice", name="Alice", followers=1200, verified=True)
        server.user("2", "bob")
        yield server


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def settings_for(server: FakeXApi, **overrides: Any) -> XApiSettings:
    values: dict[str, Any] = {
        "bearer_token": SecretStr(TOKEN),
        "base_url": server.base_url,
        "backoff_jitter": 0.0,
        "request_timeout_s": 5.0,
        "connect_timeout_s": 2.0,
        "poll_interval_s": 60.0,
        **overrides,
    }
    return XApiSettings(**values)


def recent(server: FakeXApi, clock: FakeClock, store: MemoryStore | None = None, **kw: Any):
    polls = kw.pop("polls", 1)
    return RecentSearchSource(
        settings_for(server, **kw),
        store=store if store is not None else MemoryStore(),
        clock=clock,
        sleep=clock.sleep,
        polls=polls,
    )


def stream(server: FakeXApi, clock: FakeClock, **kw: Any) -> FilteredStreamSource:
    return FilteredStreamSource(
        settings_for(server, **kw), max_line_bytes=64 * 1024, clock=clock, sleep=clock.sleep
    )


def add_tweets(server: FakeXApi, ids: range) -> None:
    for i in ids:
        server.tweet(i, f"tweet {i} about AI agents", author_id="1" if i % 2 else "2")


def ids_of(records: list[InputRecord]) -> list[str]:
    return [str(r.fields["id"]) for r in records]


def published(records: list[InputRecord], deps: IngestDeps) -> list[TweetIngested]:
    out = [e for r in records for e in handle(r, deps=deps)]
    return [e for e in out if isinstance(e, TweetIngested)]


# ---------------------------------------------------------------------------- backoff


def test_backoff_follows_x_reconnect_guidance() -> None:
    rng = random.Random(1)
    network = Backoff(step=0.25, cap=16.0, linear=True, jitter=0.0, rng=rng)
    http = Backoff(step=5.0, cap=320.0, linear=False, jitter=0.0, rng=rng)
    rate = Backoff(step=60.0, cap=960.0, linear=False, jitter=0.0, rng=rng)
    assert [network.next() for _ in range(4)] == [0.25, 0.5, 0.75, 1.0]
    assert [network.next() for _ in range(100)][-1] == 16.0
    assert [http.next() for _ in range(8)] == [5, 10, 20, 40, 80, 160, 320, 320]
    assert [rate.next() for _ in range(3)] == [60, 120, 240]
    http.reset()
    assert http.next() == 5.0


def test_backoff_jitter_adds_at_most_its_fraction() -> None:
    backoff = Backoff(step=5.0, cap=320.0, linear=False, jitter=0.1, rng=random.Random(7))
    delays = []
    for _ in range(50):
        backoff.reset()
        delays.append(backoff.next())
    assert all(5.0 <= d <= 5.5 for d in delays)
    assert len(set(delays)) > 40, "no jitter"


def test_problem_text_names_title_detail_and_errors() -> None:
    payload = {
        "errors": [{"parameters": {"query": ["x"]}, "message": "Unknown operator 'frm'"}],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
    }
    text = problem_text(payload)
    assert text.startswith("Invalid Request: One or more parameters")
    assert "Unknown operator 'frm'" in text


# ---------------------------------------------------------------------------- recent search


def test_recent_search_reads_every_page_newest_first(x: FakeXApi, clock: FakeClock) -> None:
    add_tweets(x, range(1000, 1250))
    source = recent(x, clock)
    records = list(source.records())
    assert ids_of(records) == [str(i) for i in range(1249, 999, -1)]
    calls = x.requests_to(SEARCH_PATH)
    assert len(calls) == 3
    assert "next_token" not in calls[0].params and "since_id" not in calls[0].params
    assert [c.params.get("next_token") for c in calls[1:]] == ["lt-1150", "lt-1050"]
    first = calls[0].params
    assert first["max_results"] == "100"
    assert "-is:retweet" in first["query"] and "大模型" in first["query"]
    for wanted in ("created_at", "public_metrics", "lang", "entities", "referenced_tweets"):
        assert wanted in first["tweet.fields"].split(",")
    assert {"author_id", "referenced_tweets.id"} <= set(first["expansions"].split(","))
    assert set(first["user.fields"].split(",")) >= {
        "username",
        "name",
        "public_metrics",
        "verified",
    }
    assert source.metrics.fetched == source.metrics.published == 250
    assert source.cursor == "1249"
    assert all(r.source == "x-api:recent" for r in records)


def test_recent_search_records_become_tweets_with_authors(x: FakeXApi, clock: FakeClock) -> None:
    x.tweet(900, "GPT-5 is out", author_id="2", likes=500, retweets=70, searchable=False)
    x.tweet(1001, "大模型 agents are here", author_id="1", lang="zh", likes=40)
    x.tweet(1002, "RT @bob: GPT-5 is out", author_id="1", retweet_of="900")
    deps = IngestDeps(store=MemoryStore(), settings=IngestSettings())
    tweets = published(list(recent(x, clock).records()), deps)
    by_id = {t.tweet_id: t for t in tweets}
    assert set(by_id) == {"1001", "900"}
    own = by_id["1001"]
    assert own.author.username == "alice" and own.author.name == "Alice"
    assert own.author.followers == 1200 and own.author.verified is True
    assert own.metrics.likes == 40 and own.lang == "zh"
    assert own.url == "https://x.com/alice/status/1001"
    folded = by_id["900"]
    assert folded.author.username == "bob" and folded.metrics.likes == 500
    assert folded.via_retweet is not None and folded.via_retweet.retweet_id == "1002"


def test_429_waits_until_the_reset_header(x: FakeXApi, clock: FakeClock) -> None:
    add_tweets(x, range(1, 4))
    headers = {"x-rate-limit-limit": "450", "x-rate-limit-remaining": "0"}
    headers["x-rate-limit-reset"] = str(int(T0 + 30))
    x.search_replies.append(Reply(429, problem(429, "Too Many Requests", "Too Many"), headers))
    source = recent(x, clock)
    assert ids_of(list(source.records())) == ["3", "2", "1"]
    assert clock.sleeps == [31.0]  # one second past the reset
    assert source.metrics.rate_limited_waits == 1


def test_429_without_reset_backs_off_from_a_minute(x: FakeXApi, clock: FakeClock) -> None:
    add_tweets(x, range(1, 3))
    for _ in range(2):
        x.search_replies.append(Reply(429, problem(429, "Too Many Requests", "Too Many")))
    source = recent(x, clock)
    assert ids_of(list(source.records())) == ["2", "1"]
    assert clock.sleeps == [60.0, 120.0]
    assert source.metrics.rate_limited_waits == 2


def test_no_requests_left_waits_for_the_reset_before_the_next_page(
    x: FakeXApi, clock: FakeClock
) -> None:
    add_tweets(x, range(1, 16))
    first = x.search({"query": "q", "max_results": "10"})
    first.headers = {
        "x-rate-limit-limit": "450",
        "x-rate-limit-remaining": "0",
        "x-rate-limit-reset": str(int(T0 + 100)),
    }
    x.search_replies.append(first)
    source = recent(x, clock, max_results=10)
    assert len(list(source.records())) == 15
    assert clock.sleeps == [101.0]
    assert source.metrics.rate_limited_waits == 1


def test_503_then_success_backs_off_five_seconds(x: FakeXApi, clock: FakeClock) -> None:
    add_tweets(x, range(1, 3))
    x.search_replies.append(Reply(503, "<html>Service Unavailable</html>"))
    x.search_replies.append(Reply(503, problem(503, "Service Unavailable", "Over capacity")))
    source = recent(x, clock)
    assert ids_of(list(source.records())) == ["2", "1"]
    assert clock.sleeps == [5.0, 10.0]
    assert source.metrics.retries == 2


def test_a_timeout_backs_off_linearly(x: FakeXApi, clock: FakeClock) -> None:
    add_tweets(x, range(1, 3))
    x.search_replies.append(Reply(200, {"meta": {"result_count": 0}}, delay_s=1.5))
    source = recent(x, clock, request_timeout_s=0.3)
    started = time.monotonic()
    assert ids_of(list(source.records())) == ["2", "1"]
    assert clock.sleeps == [0.25]
    assert source.metrics.retries == 1
    assert time.monotonic() - started < 1.0


def test_an_error_payload_is_logged_and_never_a_tweet(
    x: FakeXApi, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    x.search_replies.append(
        Reply(
            200,
            {
                "errors": [
                    {
                        "title": "Not Found Error",
                        "detail": "Could not find tweet with ids: [777].",
                        "resource_id": "777",
                    }
                ],
                "meta": {"result_count": 0},
            },
        )
    )
    caplog.set_level(logging.INFO, logger="services.ingest")
    source = recent(x, clock)
    assert list(source.records()) == []
    assert "Could not find tweet with ids: [777]. (777)" in caplog.text
    assert source.metrics.api_errors == 1


def test_partial_errors_beside_data_keep_the_data(x: FakeXApi, clock: FakeClock) -> None:
    add_tweets(x, range(5, 7))
    page = x.search({"query": "q", "max_results": "100"})
    page.body["errors"] = [{"title": "Not Found Error", "detail": "Could not find tweet 4"}]
    x.search_replies.append(page)
    records = list(recent(x, clock).records())
    assert ids_of(records) == ["6", "5"]
    assert all(r.error is None for r in records)


def test_a_refused_query_raises_with_the_problem(x: FakeXApi, clock: FakeClock) -> None:
    x.search_replies.append(
        Reply(
            400,
            {
                "errors": [{"message": "Reference to invalid operator 'frm'"}],
                "title": "Invalid Request",
                "detail": "One or more parameters to your request was invalid.",
                "type": "https://api.twitter.com/2/problems/invalid-request",
            },
        )
    )
    with pytest.raises(XApiError) as raised:
        list(recent(x, clock).records())
    assert raised.value.status == 400
    assert "Invalid Request" in str(raised.value) and "'frm'" in str(raised.value)
    assert clock.sleeps == []


def test_a_wrong_token_says_which_setting(x: FakeXApi, clock: FakeClock) -> None:
    source = RecentSearchSource(
        settings_for(x, bearer_token=SecretStr("wrong")),
        store=MemoryStore(),
        clock=clock,
        sleep=clock.sleep,
        polls=1,
    )
    with pytest.raises(XApiError, match=r"401: Unauthorized.*TWEETPULSE_X_API__BEARER_TOKEN"):
        list(source.records())


def test_no_token_is_a_config_error(x: FakeXApi, clock: FakeClock) -> None:
    for token in (None, SecretStr("  ")):
        with pytest.raises(ConfigError, match="TWEETPULSE_X_API__BEARER_TOKEN"):
            recent(x, clock, bearer_token=token)


def test_the_token_is_never_logged(
    x: FakeXApi, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    add_tweets(x, range(1, 3))
    x.search_replies.append(Reply(503, problem(503, "Service Unavailable", "busy")))
    caplog.set_level(logging.DEBUG)
    source = recent(x, clock)
    list(source.records())
    assert x.requests[0].authorization == f"Bearer {TOKEN}"
    assert "httpx" in caplog.text or "X API" in caplog.text
    assert TOKEN not in caplog.text
    assert TOKEN not in repr(source.settings) and TOKEN not in str(source.settings)


def test_polls_resume_from_the_cursor_and_wait_the_interval(x: FakeXApi, clock: FakeClock) -> None:
    add_tweets(x, range(1, 4))
    source = recent(x, clock, polls=3)
    seen: list[str] = []
    for record in source.records():
        seen.append(str(record.fields["id"]))
        if seen == ["3", "2", "1"]:
            add_tweets(x, range(4, 6))
    assert seen == ["3", "2", "1", "5", "4"]
    since = [c.params.get("since_id") for c in x.requests_to(SEARCH_PATH)]
    assert since == [None, "3", "5"]
    assert clock.sleeps == [60.0, 60.0]


def test_commit_moves_the_checkpoint_only_after_the_last_page(
    x: FakeXApi, clock: FakeClock
) -> None:
    add_tweets(x, range(1, 26))
    store = MemoryStore()
    source = recent(x, clock, store, max_results=10)
    key = checkpoint_key(source.settings.query)
    taken = 0
    for _ in source.records():
        taken += 1
        source.commit()  # the runner commits after every record: too early until the end
        if taken < 25:
            assert store.get(key) is None, f"checkpoint moved after {taken} records"
    assert taken == 25
    assert store.get(key) == "25"


def test_restart_loses_nothing_and_repeats_nothing(x: FakeXApi, clock: FakeClock) -> None:
    """A runner crashes between taking records and publishing them; a fresh one resumes."""
    add_tweets(x, range(100, 130))
    store = MemoryStore()
    deps = IngestDeps(store=store, settings=IngestSettings())
    out: list[TweetIngested] = []

    first = recent(x, clock, store, polls=None, max_results=10)
    records = first.records()

    def publish(record: InputRecord) -> None:
        out.extend(e for e in handle(record, deps=deps) if isinstance(e, TweetIngested))
        first.commit()  # the runner commits once what it took is published

    for record in itertools.islice(records, 30):  # poll 1: three pages
        publish(record)
    add_tweets(x, range(130, 145))  # poll 2 finds 15 newer tweets, in two pages
    for n, record in enumerate(records, start=1):
        if n == 9:
            break  # the crash: record 9 was taken but never published
        publish(record)
    first.close()
    key = checkpoint_key(first.settings.query)
    assert store.get(key) == "129"

    add_tweets(x, range(145, 150))
    second = recent(x, clock, store, polls=1, max_results=10)
    for record in second.records():
        out.extend(e for e in handle(record, deps=deps) if isinstance(e, TweetIngested))
    second.commit()

    ids = [t.tweet_id for t in out]
    assert sorted(ids, key=int) == [str(i) for i in range(100, 150)], "a tweet was lost"
    assert len(ids) == len(set(ids)), "a tweet was published twice"
    resumed = x.requests_to(SEARCH_PATH)[-3]
    assert resumed.params.get("since_id") == "129" and "next_token" not in resumed.params
    assert store.get(key) == "149"


def _posted(x: FakeXApi, seconds_before: float, clock: FakeClock, n: int) -> str:
    """A tweet with a real snowflake id, posted ``seconds_before`` the clock's time."""
    when = clock.now - seconds_before
    tweet_id = str(int(id_floor_at(when)) + 1 + n)
    stamp = datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    x.tweet(tweet_id, f"tweet {n} about AI agents", created_at=stamp)
    return tweet_id


@pytest.mark.parametrize(("settle_s", "caught"), [(30.0, True), (0.0, False)])
def test_a_tweet_x_indexes_late_is_asked_for_again(
    x: FakeXApi, clock: FakeClock, settle_s: float, caught: bool
) -> None:
    """X indexes a tweet for search a little after it is posted. One posted 20 s before a poll
    but indexed after it has a lower id than a tweet that poll saw: a since_id at the newest id
    misses it; one held ``settle_s`` back asks for it again, and ingest drops the repeats."""
    old = _posted(x, 100, clock, 1)
    new = _posted(x, 5, clock, 2)
    store = MemoryStore()
    deps = IngestDeps(store=store, settings=IngestSettings())
    source = recent(x, clock, store, polls=2, settle_s=settle_s)
    out: list[TweetIngested] = []
    late = ""
    for record in source.records():
        out += published([record], deps)
        source.commit()
        if not late and len(out) == 2:  # after the first poll: the late one shows up
            late = _posted(x, 20, clock, 3)  # 20 s before the poll
    ids = [t.tweet_id for t in out]
    assert len(ids) == len(set(ids)), "a tweet was published twice"
    assert (late in ids) is caught
    assert {old, new} <= set(ids)
    since = [c.params.get("since_id") for c in x.requests_to(SEARCH_PATH)]
    if caught:
        assert since[1] is not None and int(old) < int(since[1]) < int(late) < int(new)
        assert store.get(checkpoint_key(source.settings.query)) == new  # settled since
    else:
        assert since[1] == new


def test_a_checkpoint_too_old_for_recent_search_is_dropped(x: FakeXApi, clock: FakeClock) -> None:
    add_tweets(x, range(1, 3))
    store = MemoryStore()
    store.put(checkpoint_key(XApiSettings().query), "12")
    x.search_replies.append(
        Reply(
            400,
            {
                "errors": [
                    {
                        "parameters": {"since_id": ["12"]},
                        "message": "Invalid 'since_id':'12'. 'since_id' must be a tweet id "
                        "created after 2025-12-26T08:00Z.",
                    }
                ],
                "title": "Invalid Request",
                "detail": "One or more parameters to your request was invalid.",
            },
        )
    )
    source = recent(x, clock, store)
    assert ids_of(list(source.records())) == ["2", "1"]
    since = [c.params.get("since_id") for c in x.requests_to(SEARCH_PATH)]
    assert since == ["12", None]


def test_close_from_another_thread_ends_the_wait_between_polls(x: FakeXApi) -> None:
    add_tweets(x, range(1, 3))
    source = RecentSearchSource(
        settings_for(x, poll_interval_s=30.0), store=MemoryStore(), polls=None
    )
    got: list[InputRecord] = []
    worker = threading.Thread(target=lambda: got.extend(source.records()))
    worker.start()
    deadline = time.monotonic() + 5
    while len(got) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    source.close()
    worker.join(timeout=2)
    assert not worker.is_alive(), "close() did not end the 30 s wait"
    assert ids_of(got) == ["2", "1"]


# ---------------------------------------------------------------------------- stream rules


def test_rules_sync_adds_missing_and_deletes_stale(x: FakeXApi, clock: FakeClock) -> None:
    x.rules = {
        "1": {"id": "1", "value": "bitcoin", "tag": "old"},
        "2": {"id": "2", "value": "AI lang:en", "tag": "ai-en"},
        "3": {"id": "3", "value": "AI lang:en", "tag": "ai-en"},  # a duplicate goes too
        "4": {"id": "4", "value": "大模型", "tag": "renamed"},
    }
    wanted = (StreamRule(value="AI lang:en", tag="ai-en"), StreamRule(value="大模型", tag="zh"))
    client = XApiClient(settings_for(x), metrics=SourceMetrics(), clock=clock, sleep=clock.sleep)
    try:
        result = sync_rules(client, wanted)
    finally:
        client.close()
    assert sorted(result.deleted) == ["1", "3", "4"]
    assert [r.tag for r in result.added] == ["zh"]
    assert sorted((r["value"], r["tag"]) for r in x.rules.values()) == [
        ("AI lang:en", "ai-en"),
        ("大模型", "zh"),
    ]
    posts = [r.body for r in x.requests_to(RULES_PATH) if r.method == "POST"]
    assert posts[0] == {"delete": {"ids": ["1", "3", "4"]}}
    assert posts[1] == {"add": [{"value": "大模型", "tag": "zh"}]}


def test_rules_in_sync_change_nothing(x: FakeXApi, clock: FakeClock) -> None:
    x.rules = {"7": {"id": "7", "value": "AI", "tag": "ai"}}
    client = XApiClient(settings_for(x), metrics=SourceMetrics(), clock=clock, sleep=clock.sleep)
    try:
        result = sync_rules(client, (StreamRule(value="AI", tag="ai"),))
    finally:
        client.close()
    assert result.deleted == () and result.added == ()
    assert [r.method for r in x.requests_to(RULES_PATH)] == ["GET"]


def test_a_refused_rule_is_a_config_error(x: FakeXApi, clock: FakeClock) -> None:
    client = XApiClient(settings_for(x), metrics=SourceMetrics(), clock=clock, sleep=clock.sleep)
    try:
        with pytest.raises(ConfigError, match=r"invalid operator 'INVALID' \(INVALID:rule\)"):
            sync_rules(client, (StreamRule(value="INVALID:rule"),))
    finally:
        client.close()


# ---------------------------------------------------------------------------- stream


def take(source: FilteredStreamSource, n: int) -> list[InputRecord]:
    records = cast(Generator[InputRecord, None, None], source.records())
    try:
        return list(itertools.islice(records, n))
    finally:
        source.close()
        records.close()


def test_stream_heartbeats_a_drop_mid_line_and_a_reconnect(x: FakeXApi, clock: FakeClock) -> None:
    one = x.stream_line(x.tweet(11, "first about LLMs", searchable=False))
    two = x.stream_line(x.tweet(12, "second, cut in the middle", searchable=False))
    three = x.stream_line(x.tweet(13, "third after the reconnect", author_id="2", searchable=False))
    x.streams.append(
        StreamScript([Send(b"\r\n"), Send(one + b"\r\n"), Send(b"\r\n"), Send(two[:40])])
    )
    x.streams.append(StreamScript([Send(b"\r\n" + three + b"\r\n")]))
    source = stream(x, clock)
    records = take(source, 3)

    assert [r.fields.get("id") for r in records] == ["11", None, "13"]
    cut = records[1]
    assert cut.error is not None and cut.error.startswith("stream cut")
    assert cut.raw == two[:40].decode()
    deps = IngestDeps(store=MemoryStore(), settings=IngestSettings())
    events = [e for r in records for e in handle(r, deps=deps)]
    assert [e.tweet_id for e in events if isinstance(e, TweetIngested)] == ["11", "13"]
    dead = [e for e in events if isinstance(e, DeadLetter)]
    assert len(dead) == 1 and dead[0].reason.startswith("stream cut")
    assert source.metrics.heartbeats == 3
    assert source.metrics.reconnects == 1 and source.metrics.cut_lines == 1
    assert clock.sleeps == [0.25]  # a dropped connection is a network error: 250 ms
    assert all(r.source == "x-api:stream" for r in records)
    connect = x.requests_to(STREAM_PATH)[0].params
    assert "referenced_tweets.id" in connect["expansions"]


def test_a_stream_closed_mid_line_without_chunking_is_cut_too(
    x: FakeXApi, clock: FakeClock
) -> None:
    one = x.stream_line(x.tweet(21, "whole", searchable=False))
    two = x.stream_line(x.tweet(22, "half", searchable=False))
    x.streams.append(StreamScript([Send(one + b"\r\n" + two[:30])], chunked=False))
    x.streams.append(StreamScript([Send(one + b"\r\n")]))
    records = take(stream(x, clock), 3)
    assert [r.fields.get("id") for r in records] == ["21", None, "21"]
    assert records[1].error is not None and "30 bytes" in records[1].error


def test_a_silent_stream_is_a_stall_and_reconnects(x: FakeXApi, clock: FakeClock) -> None:
    line = x.stream_line(x.tweet(31, "after the stall", searchable=False))
    x.streams.append(StreamScript([Send(b"\r\n"), Pause(1.2)]))
    x.streams.append(StreamScript([Send(line + b"\r\n")]))
    source = stream(x, clock, stream_idle_timeout_s=0.3)
    started = time.monotonic()
    records = take(source, 1)
    assert [r.fields["id"] for r in records] == ["31"]
    assert source.metrics.stalls == 1 and source.metrics.reconnects == 1
    assert clock.sleeps == [0.25]
    assert time.monotonic() - started < 1.0


def test_stream_http_errors_back_off_as_x_documents(x: FakeXApi, clock: FakeClock) -> None:
    line = x.stream_line(x.tweet(41, "finally", searchable=False))
    x.streams.append(StreamScript([Refuse(503, problem(503, "Service Unavailable", "busy"))]))
    x.streams.append(StreamScript([Refuse(503, problem(503, "Service Unavailable", "busy"))]))
    too_many = problem(
        429,
        "ConnectionException",
        "This stream is currently at the maximum allowed connection limit.",
        connection_issue="TooManyConnections",
    )
    x.streams.append(StreamScript([Refuse(429, too_many)]))
    x.streams.append(StreamScript([Send(line + b"\r\n")]))
    source = stream(x, clock)
    assert [r.fields["id"] for r in take(source, 1)] == ["41"]
    assert clock.sleeps == [5.0, 10.0, 60.0]
    assert source.metrics.rate_limited_waits == 1 and source.metrics.reconnects == 3


def test_a_refused_stream_raises(x: FakeXApi, clock: FakeClock) -> None:
    forbidden = problem(
        403,
        "Client Forbidden",
        "This request must be made using an approved developer account.",
        reason="client-not-enrolled",
    )
    x.streams.append(StreamScript([Refuse(403, forbidden)]))
    with pytest.raises(XApiError, match=r"403: Client Forbidden.*access tier"):
        take(stream(x, clock), 1)


def test_stream_error_payloads_are_logged_not_published(
    x: FakeXApi, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    disconnect = {
        "errors": [
            {
                "title": "operational-disconnect",
                "disconnect_type": "UpstreamOperationalDisconnect",
                "detail": "This stream has been disconnected upstream for operational reasons.",
                "type": "https://api.twitter.com/2/problems/operational-disconnect",
            }
        ]
    }
    line = x.stream_line(x.tweet(51, "after the disconnect", searchable=False))
    x.streams.append(StreamScript([Send(json.dumps(disconnect).encode() + b"\r\n")]))
    x.streams.append(StreamScript([Send(b"not json at all\r\n" + line + b"\r\n")]))
    caplog.set_level(logging.WARNING, logger="services.ingest")
    source = stream(x, clock)
    records = take(source, 2)
    assert records[0].error is not None and records[0].error.startswith("malformed JSON")
    assert records[1].fields["id"] == "51"
    assert "disconnected upstream for operational reasons" in caplog.text
    assert source.metrics.api_errors == 1


def test_the_stream_syncs_its_rules_before_connecting(x: FakeXApi, clock: FakeClock) -> None:
    x.rules = {"9": {"id": "9", "value": "crypto", "tag": "stale"}}
    line = x.stream_line(x.tweet(61, "AI", searchable=False))
    x.streams.append(StreamScript([Send(line + b"\r\n")]))
    source = stream(x, clock, stream_rules=(StreamRule(value="AI -is:retweet", tag="ai"),))
    take(source, 1)
    assert [(r["value"], r["tag"]) for r in x.rules.values()] == [("AI -is:retweet", "ai")]
    paths = [r.path for r in x.requests]
    assert paths.index(STREAM_PATH) > max(i for i, p in enumerate(paths) if p == RULES_PATH)
    assert source.rules is not None and source.rules.deleted == ("9",)


def test_an_oversized_stream_line_is_cut_and_skipped(x: FakeXApi, clock: FakeClock) -> None:
    big = x.stream_line(x.tweet(71, "x" * 5000, searchable=False))
    small = x.stream_line(x.tweet(72, "small", searchable=False))
    x.streams.append(StreamScript([Send(big[:3000]), Send(big[3000:] + b"\r\n" + small + b"\r\n")]))
    source = FilteredStreamSource(
        settings_for(x), max_line_bytes=2048, clock=clock, sleep=clock.sleep
    )
    records = take(source, 2)
    assert records[0].error is not None and records[0].error.startswith("oversized line")
    assert records[1].fields["id"] == "72"
