"""Window assignment, idempotency, order-independence and boundedness of the aggregates."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, timedelta

import pytest

from services.summarize.aggregate import (
    DOC_TEXT_CHARS,
    deltas_for,
    tweet_doc,
    window_by_id,
    window_for,
)
from services.summarize.doc import decode_doc
from services.summarize.keys import scope_for
from shared.models import TweetClassified
from shared.settings import ReportSettings
from tests.unit.test_summarize_factories import T0, WINDOW, classified, load

SHANGHAI = ReportSettings()


@pytest.mark.parametrize(
    ("utc", "expected"),
    [
        (datetime(2026, 1, 1, 15, 59, 59, tzinfo=UTC), "2026-01-01"),  # 23:59:59 in Shanghai
        (datetime(2026, 1, 1, 16, 0, 0, tzinfo=UTC), "2026-01-02"),  # midnight in Shanghai
        (datetime(2026, 1, 2, 15, 59, 59, tzinfo=UTC), "2026-01-02"),
    ],
)
def test_windows_are_calendar_days_in_shanghai(utc: datetime, expected: str) -> None:
    window = window_for(utc, SHANGHAI)
    assert window.id == expected
    assert window.timezone == "Asia/Shanghai"
    assert window.start <= utc < window.end
    assert window.end - window.start == timedelta(days=1)
    assert window.start.utcoffset() == timedelta(hours=8)


def test_window_in_another_zone_and_across_a_dst_change() -> None:
    utc = ReportSettings(timezone="UTC")
    assert window_for(datetime(2026, 1, 1, 16, 0, tzinfo=UTC), utc).id == "2026-01-01"
    ny = ReportSettings(timezone="America/New_York")
    # 2026-03-08 is the spring-forward day in New York: 23 hours long.
    window = window_for(datetime(2026, 3, 8, 12, 0, tzinfo=UTC), ny)
    assert window.id == "2026-03-08"
    assert window.end.astimezone(UTC) - window.start.astimezone(UTC) == timedelta(hours=23)
    assert window_for(datetime(2026, 3, 8, 4, 59, tzinfo=UTC), ny).id == "2026-03-07"


def test_multi_day_windows_start_on_mondays_and_round_trip_by_id() -> None:
    weekly = ReportSettings(window_days=7)
    window = window_for(datetime(2026, 1, 7, 12, 0, tzinfo=UTC), weekly)  # a Wednesday
    assert window.id == "2026-01-05"
    assert date.fromisoformat(window.id).weekday() == 0
    assert window.end - window.start == timedelta(days=7)
    assert window_for(datetime(2026, 1, 11, 15, 59, tzinfo=UTC), weekly).id == "2026-01-05"
    assert window_for(datetime(2026, 1, 11, 16, 0, tzinfo=UTC), weekly).id == "2026-01-12"
    assert window_by_id(window.id, weekly) == window


def test_the_window_comes_from_observed_at_so_a_late_retweet_lands_in_its_own_day() -> None:
    late = classified("1", via="r1", at=T0, via_at=T0 + timedelta(days=1))
    scopes = {scope for scope, _, _ in deltas_for(late, SHANGHAI)}
    assert scopes == {scope_for("2026-01-03")}


def test_a_direct_tweet_makes_a_count_event_and_an_offer_event() -> None:
    (scope, first_id, counts), (_, second_id, offers) = deltas_for(classified("42"), SHANGHAI)
    assert scope == scope_for(WINDOW)
    assert (first_id, second_id) == ("alice:k42", "tw:alice:k42:0")
    assert counts.counters["totals"] == {"tweets": 1.0}
    assert not counts.rankings
    assert "totals" not in offers.counters
    assert set(offers.rankings) == {"top:all", "top:ai", "top:agents"}


def test_a_retweet_counts_the_original_once_and_adds_a_retweet() -> None:
    (_, first_id, _), (_, second_id, offers) = deltas_for(classified("42", via="7"), SHANGHAI)
    assert (first_id, second_id) == ("alice:k42", "rt:7")
    assert offers.counters["totals"] == {"retweets": 1.0}


def test_every_ranking_and_tally_group_has_an_explicit_cap() -> None:
    msg = classified(cashtags=["NVDA"], coins=["BTC"], models=["GPT-5"], hashtags=["ai"])
    for _, _, delta in deltas_for(msg, SHANGHAI):
        assert set(delta.tallies) <= set(delta.tally_caps)
        assert set(delta.rankings) <= set(delta.ranking_caps)
        assert delta.ranking_caps.get("top:all", 2 * SHANGHAI.top_k) == 2 * SHANGHAI.top_k


def test_the_same_message_twice_changes_nothing() -> None:
    msg = classified("1", likes=5)
    once = load([msg]).snapshot(scope_for(WINDOW))
    twice = load([msg, msg]).snapshot(scope_for(WINDOW))
    assert once == twice
    assert once.counters["totals"] == {"tweets": 1.0}


def _stream() -> list[TweetClassified]:
    def original(likes: int, via: str | None = None, hours: int = 0):
        return classified(
            "1",
            "Claude Skills ship today",
            likes=likes,
            models=["Claude Skills"],
            via=via,
            via_at=T0 + timedelta(hours=hours) if via else None,
        )

    return [
        original(10),
        original(40, via="r1", hours=1),
        original(25, via="r2", hours=2),
        classified(
            "2",
            "NVDA up 5% on H200 demand",
            likes=3,
            categories=["finance", "ai"],
            subtopics=[("stocks", "股票市场")],
            cashtags=["NVDA"],
            sentiment="bullish",
            percentages=["5%"],
        ),
        classified(
            "3",
            "BTC looks weak",
            categories=["crypto"],
            subtopics=[],
            coins=["BTC"],
            sentiment="bearish",
            near_dup_key="dup",
        ),
        classified(
            "4",
            "BTC looks weak!",
            author="bob",
            likes=9,
            categories=["crypto"],
            subtopics=[],
            coins=["BTC"],
            sentiment="bearish",
            near_dup_key="dup",
        ),
        classified("5", "Lunch", categories=[], subtopics=[]),
        # The original seen directly once more, later, with the highest engagement of all copies.
        original(99),
    ]


def test_retweets_of_one_original_count_one_tweet_and_each_retweet_once() -> None:
    snap = load(_stream()).snapshot(scope_for(WINDOW))
    assert snap.counters["totals"] == {"tweets": 5.0, "retweets": 2.0}
    assert snap.counters["categories"] == {"ai": 2.0, "finance": 1.0, "crypto": 2.0, "none": 1.0}
    top = snap.rankings["top:all"][0]
    assert (top.member, top.score) == ("alice:k1", 99.0)
    assert json.loads(top.doc or "{}")["e"] == 99.0
    assert dict((m, v) for m, v, _ in snap.tallies["clusters"])["dup"] == 2.0


def test_any_delivery_order_gives_the_same_snapshot() -> None:
    msgs = _stream()
    expected = load(msgs).snapshot(scope_for(WINDOW))
    rng = random.Random(7)
    for _ in range(25):
        shuffled = msgs + rng.sample(msgs, 3)  # some redeliveries too
        rng.shuffle(shuffled)
        assert load(shuffled).snapshot(scope_for(WINDOW)) == expected


def test_state_stays_within_caps_for_twenty_thousand_distinct_tweets() -> None:
    settings = ReportSettings(top_k=5, term_cap=100, cluster_cap=10)
    msgs = (
        classified(
            str(i),
            f"tweet number {i}",
            likes=i % 997,
            subtopics=[(f"s{i % 3}", f"子话题{i % 3}")],
            terms=[f"term{i}", f"other{i}", "common"],
            hashtags=[f"tag{i}"],
            cashtags=[f"T{i}"],
        )
        for i in range(20_000)
    )
    snap = load(msgs, settings).snapshot(scope_for(WINDOW))
    assert snap.counters["totals"]["tweets"] == 20_000
    assert len(snap.rankings["top:all"]) == 10
    for group in ("top:ai", "top:s0", "top:s1", "top:s2"):
        assert len(snap.rankings[group]) == 5
    assert len(snap.tallies["terms"]) <= 200
    assert snap.tallies["terms"][0][:2] == ("common", 20_000.0)  # the frequent term survives trims
    assert len(snap.tallies["clusters"]) <= 20
    for group in ("hashtags", "tickers", "ticker_sentiment"):
        assert len(snap.tallies[group]) <= 2 * 3000
    assert snap.rankings["top:all"][0].score == 996.0


def test_stored_documents_are_compact_and_cut_long_texts() -> None:
    msg = classified("9", "x" * 5000, categories=["ai"], models=["GPT-5"])
    raw = tweet_doc(msg)
    doc = decode_doc(raw)
    assert len(doc.ref.text) == DOC_TEXT_CHARS
    assert doc.ref.url == "https://x.com/alice/status/9"
    assert doc.models == ("GPT-5",)
    assert "co" not in json.loads(raw)  # empty lists are left out


def test_a_subtopic_named_like_a_category_keeps_its_own_ranking() -> None:
    from services.summarize.view import load_view

    msgs = [
        classified("1", "plain ai tweet", likes=9, subtopics=[]),
        classified("2", "tagged", likes=1, subtopics=[("ai", "泛人工智能")]),
    ]
    view = load_view(load(msgs), WINDOW, SHANGHAI)
    assert [d.id for d in view.top_by_category["ai"]] == ["1", "2"]
    assert [d.id for d in view.top_by_subtopic["ai"]] == ["2"]


def test_a_ticker_is_named_by_the_company_classify_paired_it_with() -> None:
    from services.summarize.view import view_from_snapshot

    msgs = [
        # The cashtag names one ticker while the text names another company: the tweet's
        # companies must not lend their names to the wrong ticker.
        classified(
            "1", "$SMCI and Micron both up", cashtags=["SMCI"], companies=[("Micron", "MU")]
        ),
        classified("2", "Micron again", companies=[("Micron", "MU")]),
        classified("3", "Super Micro", companies=[("Super Micro", "SMCI")]),
    ]
    store = load(msgs)
    snap = store.snapshot(scope_for(WINDOW))
    window = window_by_id(WINDOW, SHANGHAI)
    view = view_from_snapshot(snap, window, built_at=T0, cloud_terms=50)
    names = {s.symbol: s.name for s in view.stats.tickers}
    assert names == {"MU": "Micron", "SMCI": "Super Micro"}


def test_documents_are_the_json_module_s_text_and_a_lone_surrogate_still_round_trips() -> None:
    from services.summarize.doc import encode_doc

    fields = {
        "i": "1",
        "a": "user",
        "t": '三星+124%，SK海力士+280% "quoted" \\ tab\there \u2028 \x01 🚀',
        "c": T0.isoformat(),
        "e": 12.0,
        "g": ["finance"],
        "w": [0.5, 3, None, True],
    }
    assert encode_doc(fields) == json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    # a lone surrogate is no UTF-8 (orjson refuses it): the json module writes it, and it reads back
    odd = dict(fields, t="broken \ud83d pair")
    raw = encode_doc(odd)
    assert raw == json.dumps(odd, ensure_ascii=False, separators=(",", ":"))
    assert decode_doc(raw).ref.text == "broken \ud83d pair"
