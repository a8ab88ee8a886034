"""The state-store contract: MemoryStore and RedisStore behave the same, to the last bit."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Iterator

import pytest

from shared.errors import StoreUnavailable
from shared.redis_store import RedisStore
from shared.store import Delta, MemoryStore, Ranked, Snapshot, StateStore, Tally


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.integration)])
def store(request: pytest.FixtureRequest) -> Iterator[StateStore]:
    if request.param == "memory":
        yield MemoryStore()
        return
    url = request.getfixturevalue("redis_url")
    real = RedisStore(url, prefix=f"contract-{uuid.uuid4().hex[:12]}")
    as_protocol: StateStore = real  # mypy checks that RedisStore satisfies the protocol
    try:
        yield as_protocol
    finally:
        real.clear()
        real.close()


def counts(delta_counter: dict[str, float]) -> Delta:
    return Delta(counters={"categories": delta_counter})


def tallies(group: str, *items: Tally, cap: int | None = None) -> Delta:
    caps = {} if cap is None else {group: cap}
    return Delta(tallies={group: list(items)}, tally_caps=caps)


def ranks(group: str, *items: Ranked, cap: int | None = None) -> Delta:
    caps = {} if cap is None else {group: cap}
    return Delta(rankings={group: list(items)}, ranking_caps=caps)


class TestStoreContract:
    def test_apply_is_idempotent_per_scope_and_event(self, store: StateStore):
        delta = counts({"ai": 1})
        assert store.apply("w1", "e1", delta) is True
        before = store.snapshot("w1")
        assert store.apply("w1", "e1", counts({"ai": 5})) is False
        assert store.snapshot("w1") == before
        assert store.apply("w2", "e1", delta) is True
        assert store.snapshot("w1").events == 1
        assert store.snapshot("w2").counters == {"categories": {"ai": 1.0}}

    def test_counters_add_exactly(self, store: StateStore):
        store.apply("w", "e1", Delta(counters={"categories": {"ai": 1, "crypto": 0.1}}))
        store.apply("w", "e2", Delta(counters={"categories": {"ai": 2, "crypto": 0.2}}))
        store.apply("w", "e3", Delta(counters={"sentiment": {"bullish": 1}, "empty": {}}))
        snap = store.snapshot("w")
        assert snap.events == 3
        assert snap.counters == {
            "categories": {"ai": 3.0, "crypto": 0.1 + 0.2},
            "sentiment": {"bullish": 1.0},
            "empty": {},
        }

    def test_tally_adds_and_trims_to_cap_only_past_twice_cap(self, store: StateStore):
        store.apply("w", "e1", tallies("terms", Tally("a", 3), Tally("d", 1), cap=2))
        store.apply("w", "e2", tallies("terms", Tally("c", 1, "doc c", 1.0), Tally("b", 1), cap=2))
        # Four members is exactly 2 x cap: nothing is cut yet.
        assert [m for m, _, _ in store.snapshot("w").tallies["terms"]] == ["a", "b", "c", "d"]
        store.apply("w", "e3", tallies("terms", Tally("e", 1), cap=2))
        # Five: back to the cap highest, ties by member ascending.
        assert store.snapshot("w").tallies["terms"] == [("a", 3.0, None), ("b", 1.0, None)]
        # A member that was cut starts again from nothing, its document forgotten too.
        store.apply("w", "e4", tallies("terms", Tally("c", 2), cap=2))
        assert store.snapshot("w").tallies["terms"] == [
            ("a", 3.0, None),
            ("c", 2.0, None),
            ("b", 1.0, None),
        ]

    def test_tally_representative_is_the_highest_doc_score_then_lowest_text(
        self, store: StateStore
    ):
        store.apply("w", "e1", tallies("clusters", Tally("k", 1, "middle", 2.0)))
        store.apply("w", "e2", tallies("clusters", Tally("k", 1, "low score", 1.0)))
        store.apply("w", "e3", tallies("clusters", Tally("k", 1)))
        assert store.snapshot("w").tallies["clusters"] == [("k", 3.0, "middle")]
        store.apply("w", "e4", tallies("clusters", Tally("k", 1, "a tie, lower text", 2.0)))
        store.apply("w", "e5", tallies("clusters", Tally("k", 1, "z tie, higher text", 2.0)))
        assert store.snapshot("w").tallies["clusters"] == [("k", 5.0, "a tie, lower text")]
        # Code point order, not a locale's: "B" < "a" < "z" < "é" < "中".
        for i, doc in enumerate(["中文", "é", "z", "a", "B"]):
            store.apply("w", f"u{i}", tallies("unicode", Tally("m", 1, doc, 7.0)))
        assert store.snapshot("w").tallies["unicode"] == [("m", 5.0, "B")]
        store.apply("w", "e6", tallies("clusters", Tally("k", 0, "best", 9.5)))
        assert store.snapshot("w").tallies["clusters"] == [("k", 5.0, "best")]

    def test_ranking_merges_by_maximum(self, store: StateStore):
        store.apply("w", "e1", ranks("top:agents", Ranked("t1", 5.0, "five")))
        store.apply("w", "e2", ranks("top:agents", Ranked("t1", 3.0, "three")))
        assert store.snapshot("w").rankings["top:agents"] == [Ranked("t1", 5.0, "five")]
        store.apply("w", "e3", ranks("top:agents", Ranked("t1", 8.0, "eight")))
        assert store.snapshot("w").rankings["top:agents"] == [Ranked("t1", 8.0, "eight")]
        store.apply("w", "e4", ranks("top:agents", Ranked("t1", 8.0, "eight, again")))
        assert store.snapshot("w").rankings["top:agents"] == [Ranked("t1", 8.0, "eight, again")]
        store.apply("w", "e6", ranks("top:agents", Ranked("t2", 1.0)))
        assert store.snapshot("w").rankings["top:agents"][1] == Ranked("t2", 1.0, None)

    def test_ranking_keeps_cap_highest_ties_member_ascending(self, store: StateStore):
        entries = [Ranked(m, s, f"doc {m}") for m, s in [("d", 2), ("c", 2), ("a", 1), ("b", 2)]]
        store.apply("w", "e1", ranks("top", *entries, cap=2))
        assert store.snapshot("w").rankings["top"] == [
            Ranked("b", 2.0, "doc b"),
            Ranked("c", 2.0, "doc c"),
        ]
        # Trimmed after each apply: one more member never leaves three behind.
        store.apply("w", "e2", ranks("top", Ranked("e", 3.0, "doc e"), cap=2))
        assert store.snapshot("w").rankings["top"] == [
            Ranked("e", 3.0, "doc e"),
            Ranked("b", 2.0, "doc b"),
        ]
        # A member that was cut comes back without its old document.
        store.apply("w", "e3", ranks("top", Ranked("c", 4.0), cap=2))
        assert store.snapshot("w").rankings["top"] == [
            Ranked("c", 4.0, None),
            Ranked("e", 3.0, "doc e"),
        ]

    def test_snapshot_lists_are_sorted_by_score_then_member(self, store: StateStore):
        store.apply(
            "w",
            "e1",
            Delta(
                tallies={"terms": [Tally("b", 2), Tally("c", 5), Tally("a", 2), Tally("d", 0.5)]},
                rankings={"top": [Ranked("y", 1.5), Ranked("x", 1.5), Ranked("z", 9)]},
            ),
        )
        snap = store.snapshot("w")
        assert [(m, v) for m, v, _ in snap.tallies["terms"]] == [
            ("c", 5.0),
            ("a", 2.0),
            ("b", 2.0),
            ("d", 0.5),
        ]
        assert [(r.member, r.score) for r in snap.rankings["top"]] == [
            ("z", 9.0),
            ("x", 1.5),
            ("y", 1.5),
        ]
        assert store.snapshot("never written") == Snapshot()

    def test_the_same_deltas_in_any_order_give_the_same_snapshot(self, store: StateStore):
        rng = random.Random(20260102)
        docs = ["alpha", "Beta", "gamma", "δέλτα", "ε", "中文"]
        events: list[tuple[str, Delta]] = []
        for i in range(120):
            # Amounts are small dyadic numbers, so float sums are exact in any order; a
            # ranking's document depends on its score alone, as the contract needs for ties.
            score = rng.choice([1.0, 2.5, 3.0, 7.25])
            member = rng.choice("pqrst")
            delta = Delta(
                counters={"categories": {rng.choice(["ai", "finance", "crypto"]): 1}},
                tallies={
                    "terms": [
                        Tally(rng.choice("abcdefgh"), rng.choice([1.0, 0.5, 2.0]))
                        for _ in range(rng.randint(0, 3))
                    ],
                    "clusters": [
                        Tally(rng.choice("uvw"), 1.0, rng.choice(docs), rng.choice([0.0, 1.0]))
                    ],
                },
                tally_caps={"terms": 5},
                rankings={"top": [Ranked(member, score, f"{member}@{score}")]},
                ranking_caps={"top": 3},
            )
            events.append((f"e{i}", delta))
        replayed = events + rng.sample(events, 40)  # redeliveries
        shuffled = rng.sample(replayed, len(replayed))
        reference = MemoryStore()
        for event_id, delta in replayed:
            store.apply("in-order", event_id, delta)
            reference.apply("ref", event_id, delta)
        for event_id, delta in shuffled:
            store.apply("shuffled", event_id, delta)
        in_order = store.snapshot("in-order")
        assert in_order.events == 120
        assert in_order == store.snapshot("shuffled")
        assert in_order == reference.snapshot("ref")
        assert len(in_order.rankings["top"]) == 3

    def test_expire_drops_the_scope_and_what_is_added_after(self, store: StateStore):
        store.apply("closing", "e1", counts({"ai": 1}))
        store.apply("open", "e1", counts({"ai": 1}))
        store.expire("closing", 1)
        store.apply("closing", "e2", Delta(tallies={"late": [Tally("x", 1, "doc")]}))
        assert store.snapshot("closing").events == 2
        time.sleep(1.3)
        assert store.snapshot("closing") == Snapshot()
        assert store.scopes() == ["open"]
        # Its seen-ids went too: the scope starts afresh, without a deadline.
        assert store.apply("closing", "e1", counts({"ai": 1})) is True
        assert store.snapshot("closing").counters == {"categories": {"ai": 1.0}}
        assert store.snapshot("open").events == 1

    def test_add_once(self, store: StateStore):
        assert store.add_once("posts", "2026-01-02") is True
        assert store.add_once("posts", "2026-01-02") is False
        assert store.add_once("other", "2026-01-02") is True

    def test_contains_and_add_many(self, store: StateStore):
        assert store.contains("seen", "1") is False
        assert store.add_many("seen", []) == 0
        assert store.add_many("seen", ["1", "2", "2"]) == 2
        assert store.add_many("seen", ["2", "3"]) == 1
        assert store.add_once("seen", "3") is False
        assert store.add_once("seen", "4") is True
        assert [store.contains("seen", m) for m in ("1", "2", "3", "4", "5")] == [
            True, True, True, True, False
        ]  # fmt: skip
        assert store.contains("other", "1") is False
        many = [str(i) for i in range(2500)]  # more than one SADD's worth
        assert store.add_many("big", many) == 2500
        assert store.contains("big", "2499") and not store.contains("big", "2500")

    def test_get_and_put_with_ttl(self, store: StateStore):
        assert store.get("checkpoint") is None
        store.put("checkpoint", "42")
        store.put("checkpoint", "43")
        store.put("cache", "中文 value", ttl_s=1)
        assert store.get("checkpoint") == "43"
        assert store.get("cache") == "中文 value"
        time.sleep(1.3)
        assert store.get("cache") is None
        assert store.get("checkpoint") == "43"

    def test_scopes_lists_scopes_holding_data_sorted(self, store: StateStore):
        assert store.scopes() == []
        store.apply("2026-01-03", "e1", counts({"ai": 1}))
        store.apply("2026-01-02", "e1", Delta())
        store.snapshot("2026-01-01")
        assert store.scopes() == ["2026-01-02", "2026-01-03"]


@pytest.mark.integration
class TestRedisStoreOnly:
    def test_concurrent_redeliveries_apply_once(self, redis_url: str):
        prefix = f"contract-{uuid.uuid4().hex[:12]}"
        stores = [RedisStore(redis_url, prefix=prefix) for _ in range(4)]
        results: list[bool] = []
        lock = threading.Lock()

        def worker(s: RedisStore) -> None:
            for i in range(50):
                applied = s.apply("w", f"e{i}", counts({"ai": 1}))
                with lock:
                    results.append(applied)

        threads = [threading.Thread(target=worker, args=(s,)) for s in stores]
        try:
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=30)
            assert results.count(True) == 50
            snap = stores[0].snapshot("w")
            assert snap.events == 50
            assert snap.counters == {"categories": {"ai": 50.0}}
        finally:
            stores[0].clear()
            for s in stores:
                s.close()

    def test_clear_removes_only_its_own_prefix(self, redis_url: str):
        mine = RedisStore(redis_url, prefix=f"contract-{uuid.uuid4().hex[:12]}")
        other = RedisStore(redis_url, prefix=f"contract-{uuid.uuid4().hex[:12]}")
        try:
            mine.apply("w", "e1", counts({"ai": 1}))
            other.apply("w", "e1", counts({"ai": 1}))
            assert mine.clear() > 0
            assert mine.scopes() == []
            assert other.scopes() == ["w"]
        finally:
            other.clear()
            mine.close()
            other.close()


def test_unreachable_redis_raises_store_unavailable():
    store = RedisStore("redis://127.0.0.1:1/0", socket_timeout_s=0.5)
    with pytest.raises(StoreUnavailable):
        store.apply("w", "e1", counts({"ai": 1}))
    with pytest.raises(StoreUnavailable):
        store.get("k")
    assert store.ping() is False
    store.close()


@pytest.mark.integration
def test_redis_refuses_non_finite_numbers_before_writing(redis_url: str):
    store = RedisStore(redis_url, prefix=f"contract-{uuid.uuid4().hex[:12]}")
    try:
        bad = Delta(counters={"categories": {"ai": 1}}, tallies={"t": [Tally("x", float("nan"))]})
        with pytest.raises(ValueError, match="finite"):
            store.apply("w", "e1", bad)
        assert store.snapshot("w") == Snapshot()
        assert store.apply("w", "e1", counts({"ai": 1})) is True
    finally:
        store.clear()
        store.close()
