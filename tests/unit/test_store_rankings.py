"""MemoryStore rankings: the shortcut that turns away newcomers below a full ranking's worst
gives exactly what inserting and evicting each time gives."""

from __future__ import annotations

import random

from shared.store import Delta, MemoryStore, Ranked


def _naive(offers: list[tuple[str, float, str]], cap: int) -> list[tuple[str, float, str]]:
    scores: dict[str, float] = {}
    docs: dict[str, str] = {}
    for member, score, doc in offers:
        held = scores.get(member)
        if held is None or score >= held:
            scores[member] = score
            docs[member] = doc
        while len(scores) > cap:
            worst = max(scores.items(), key=lambda kv: (-kv[1], kv[0]))[0]
            del scores[worst]
            docs.pop(worst)
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    return [(m, v, docs[m]) for m, v in ranked]


def test_rankings_match_insert_then_evict_under_ties_and_reoffers() -> None:
    rng = random.Random(5)
    for trial in range(40):
        cap = rng.choice([1, 2, 5, 10])
        offers = [
            (f"m{rng.randrange(30)}", float(rng.randrange(8)), f"doc{trial}-{n}")
            for n in range(300)
        ]
        store = MemoryStore()
        for n, (member, score, doc) in enumerate(offers):
            delta = Delta(rankings={"top": [Ranked(member, score, doc)]}, ranking_caps={"top": cap})
            store.apply("w", f"e{n}", delta)
        got = [(r.member, r.score, r.doc) for r in store.snapshot("w").rankings["top"]]
        assert got == _naive(offers, cap), trial
