"""The state store: a small Protocol, and the in-memory implementation of the embedded mode.

Window aggregates are kept as *scopes* (one per report window). A scope holds:

- **counters**: exact additive counts in named groups (``categories`` → ``ai`` → 42). Use them
  only for small, known field sets.
- **tallies**: additive counts with an unbounded key space (terms, clusters), trimmed to a cap:
  when a group grows past ``2 x cap`` it is cut back to the ``cap`` highest (ties: member
  ascending). Each member may carry a representative document; the one with the highest
  ``doc_score`` wins (ties: the document compared as text, lowest first).
- **rankings**: top-K lists (``top:agents``) whose member score is merged by *maximum*, so
  scores commute; after each apply a ranking keeps its ``cap`` highest (ties: member
  ascending). A member's document is the one offered with its highest score; when the same
  score is offered twice, the later document wins (the one place where order shows), and an
  offer without a document keeps the one held.

:meth:`StateStore.apply` is atomic and idempotent per ``(scope, event_id)``: a redelivered
message returns False and changes nothing. Key-value entries (checkpoints, caches) sit beside.

``shared.redis_store.RedisStore`` is the distributed implementation; both pass
``tests/contract/test_store_contract.py``.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

import numpy as np


class Tally(NamedTuple):
    """Add ``amount`` to ``member``; offer ``doc`` as its representative with ``doc_score``.

    A named tuple, like :class:`Ranked`: a tweet makes a dozen of each, and a frozen dataclass's
    ``__init__`` (one ``object.__setattr__`` per field) cost more than the store's whole update.
    """

    member: str
    amount: float = 1.0
    doc: str | None = None
    doc_score: float = 0.0


class Ranked(NamedTuple):
    """Offer ``member`` with ``score`` (kept if among the top ``cap``) and its document."""

    member: str
    score: float
    doc: str | None = None


@dataclass(frozen=True)
class Delta:
    """Everything one event changes in a scope; applied all at once or not at all."""

    counters: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    tallies: Mapping[str, Sequence[Tally]] = field(default_factory=dict)
    tally_caps: Mapping[str, int] = field(default_factory=dict)
    rankings: Mapping[str, Sequence[Ranked]] = field(default_factory=dict)
    ranking_caps: Mapping[str, int] = field(default_factory=dict)


DEFAULT_CAP = 1000


@dataclass
class Snapshot:
    """A scope as it stands: every list sorted by score, highest first (ties: member ascending)."""

    events: int = 0
    counters: dict[str, dict[str, float]] = field(default_factory=dict)
    tallies: dict[str, list[tuple[str, float, str | None]]] = field(default_factory=dict)
    rankings: dict[str, list[Ranked]] = field(default_factory=dict)


class StateStore(Protocol):
    """Window aggregates, dedup sets and key-value entries, shared by the workers."""

    def apply(self, scope: str, event_id: str, delta: Delta) -> bool:
        """Apply ``delta`` to ``scope`` once per ``event_id``; False if it was applied before."""

    def snapshot(self, scope: str) -> Snapshot:
        """Read the whole scope."""

    def scopes(self) -> list[str]:
        """Every scope that holds data, sorted."""

    def expire(self, scope: str, ttl_s: int) -> None:
        """Drop the scope (its aggregates and seen-ids) after ``ttl_s`` seconds."""

    def add_once(self, namespace: str, member: str) -> bool:
        """Add ``member`` to a set; True if it was not there (dedup)."""

    def add_many(self, namespace: str, members: Sequence[str]) -> int:
        """Add every one of ``members`` to a set; how many were not there."""

    def contains(self, namespace: str, member: str) -> bool:
        """Whether ``member`` is in the set (``add_once`` / ``add_many`` put it there)."""

    def get(self, key: str) -> str | None:
        """Read a key-value entry."""

    def put(self, key: str, value: str, *, ttl_s: int | None = None) -> None:
        """Write a key-value entry, optionally expiring."""

    def close(self) -> None:
        """Release connections."""


def _sort_key(item: tuple[str, float]) -> tuple[float, str]:
    return (-item[1], item[0])


class DigestSet:
    """A set of strings held as 64-bit digests (BLAKE2b), for the embedded mode's seen-sets.

    A window's seen event ids and ingest's published record ids grow with the day (two or three
    strings per tweet, about 120 bytes each as a Python set); here each is 8 bytes in a sorted
    numpy array, with the newest in a small Python set merged in every :data:`MERGE` members.
    A 64-bit digest makes two different strings equal with odds of about ``n**2 / 2**65``: for
    a day of 2,000,000 ids, one in ten million. Membership only: the strings are not kept.
    """

    MERGE = 1 << 16

    def __init__(self, members: Iterable[str] = ()) -> None:
        self._sorted = np.empty(0, dtype=np.uint64)
        self._recent: set[int] = set()
        for m in members:
            self.add(m)

    @staticmethod
    def _digest(member: str) -> int:
        raw = hashlib.blake2b(member.encode("utf-8", "surrogatepass"), digest_size=8).digest()
        return int.from_bytes(raw, "little")

    def _held(self, d: int) -> bool:
        if d in self._recent:
            return True
        arr = self._sorted
        if not len(arr):
            return False  # nothing merged yet: the first MERGE members are all in _recent
        i = int(arr.searchsorted(np.uint64(d)))  # the method: np.searchsorted's wrapper costs more
        return i < len(arr) and int(arr[i]) == d

    def __contains__(self, member: object) -> bool:
        return isinstance(member, str) and self._held(self._digest(member))

    def add(self, member: str) -> bool:
        """Add ``member``; True if it was new."""
        d = self._digest(member)
        if self._held(d):
            return False
        self._recent.add(d)
        if len(self._recent) >= self.MERGE:
            fresh = np.fromiter(self._recent, dtype=np.uint64, count=len(self._recent))
            merged = np.concatenate((self._sorted, fresh))  # disjoint: no duplicates to drop
            merged.sort()
            self._sorted = merged
            self._recent.clear()
        return True

    def __len__(self) -> int:
        return len(self._sorted) + len(self._recent)


@dataclass
class _Scope:
    seen: DigestSet = field(default_factory=DigestSet)
    counters: dict[str, dict[str, float]] = field(default_factory=dict)
    tallies: dict[str, dict[str, float]] = field(default_factory=dict)
    tally_docs: dict[str, dict[str, tuple[float, str]]] = field(default_factory=dict)
    rankings: dict[str, dict[str, float]] = field(default_factory=dict)
    ranking_docs: dict[str, dict[str, str]] = field(default_factory=dict)
    worst: dict[str, tuple[float, str] | None] = field(default_factory=dict)
    """Per full ranking, its worst entry's sort key (see ``_rank``); None when unknown."""
    expires_at: float | None = None


class MemoryStore:
    """In-process store for the embedded mode; same semantics as RedisStore, no I/O."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._scopes: dict[str, _Scope] = {}
        self._sets: dict[str, DigestSet] = {}
        self._kv: dict[str, tuple[str, float | None]] = {}
        self._now = clock

    def _scope(self, name: str) -> _Scope:
        scope = self._scopes.get(name)
        if scope is not None and scope.expires_at is not None and scope.expires_at <= self._now():
            del self._scopes[name]
            scope = None
        if scope is None:
            scope = self._scopes[name] = _Scope()
        return scope

    def apply(self, scope: str, event_id: str, delta: Delta) -> bool:
        """Apply ``delta`` once per ``event_id``."""
        s = self._scope(scope)
        if not s.seen.add(event_id):
            return False
        for group, fields in delta.counters.items():
            counter = s.counters.setdefault(group, {})
            for name, amount in fields.items():
                counter[name] = counter.get(name, 0.0) + amount
        for group, tallies in delta.tallies.items():
            self._tally(s, group, tallies, delta.tally_caps.get(group, DEFAULT_CAP))
        for group, entries in delta.rankings.items():
            self._rank(s, group, entries, delta.ranking_caps.get(group, DEFAULT_CAP))
        return True

    @staticmethod
    def _tally(s: _Scope, group: str, tallies: Sequence[Tally], cap: int) -> None:
        counts = s.tallies.setdefault(group, {})
        docs = s.tally_docs.setdefault(group, {})
        for t in tallies:
            counts[t.member] = counts.get(t.member, 0.0) + t.amount
            if t.doc is not None:
                held = docs.get(t.member)
                if held is None or _better_doc(t.doc_score, t.doc, held):
                    docs[t.member] = (t.doc_score, t.doc)
        if len(counts) > 2 * cap:
            keep = sorted(counts.items(), key=_sort_key)[:cap]
            s.tallies[group] = dict(keep)
            s.tally_docs[group] = {m: docs[m] for m, _ in keep if m in docs}

    @staticmethod
    def _rank(s: _Scope, group: str, entries: Sequence[Ranked], cap: int) -> None:
        scores = s.rankings.setdefault(group, {})
        docs = s.ranking_docs.setdefault(group, {})
        worst = s.worst.get(group)
        for r in entries:
            held = scores.get(r.member)
            if (
                held is None
                and worst is not None
                and len(scores) >= cap
                and _sort_key((r.member, r.score)) > worst
            ):
                continue  # a newcomer below a full ranking's worst: it would go at once
            if held is None or r.score >= held:
                scores[r.member] = r.score
                if r.doc is not None:
                    docs[r.member] = r.doc
                worst = None
        while len(scores) > cap:
            # Drop the worst: lowest score, and on a tie the highest member (sorted order's last).
            gone = max(scores.items(), key=_sort_key)[0]
            del scores[gone]
            docs.pop(gone, None)
        if worst is None and len(scores) >= cap:
            worst = max(_sort_key(item) for item in scores.items())
        s.worst[group] = worst

    def snapshot(self, scope: str) -> Snapshot:
        """Copy the scope out, sorted."""
        s = self._scope(scope)
        return Snapshot(
            events=len(s.seen),
            counters={g: dict(c) for g, c in s.counters.items()},
            tallies={
                g: [
                    (m, v, s.tally_docs.get(g, {}).get(m, (0.0, None))[1])
                    for m, v in sorted(c.items(), key=_sort_key)
                ]
                for g, c in s.tallies.items()
            },
            rankings={
                g: [
                    Ranked(m, v, s.ranking_docs.get(g, {}).get(m))
                    for m, v in sorted(c.items(), key=_sort_key)
                ]
                for g, c in s.rankings.items()
            },
        )

    def scopes(self) -> list[str]:
        """Scopes holding data."""
        return sorted(name for name in list(self._scopes) if len(self._scope(name).seen))

    def expire(self, scope: str, ttl_s: int) -> None:
        """Drop ``scope`` after ``ttl_s`` seconds."""
        self._scope(scope).expires_at = self._now() + ttl_s

    def add_once(self, namespace: str, member: str) -> bool:
        """Set-add; True if new."""
        return self._sets.setdefault(namespace, DigestSet()).add(member)

    def add_many(self, namespace: str, members: Sequence[str]) -> int:
        """Set-add them all; how many were new."""
        held = self._sets.setdefault(namespace, DigestSet())
        return sum(held.add(m) for m in members)

    def contains(self, namespace: str, member: str) -> bool:
        """Set membership."""
        held = self._sets.get(namespace)
        return held is not None and member in held

    def get(self, key: str) -> str | None:
        """Read a key, unless expired."""
        held = self._kv.get(key)
        if held is None:
            return None
        value, expires_at = held
        if expires_at is not None and expires_at <= self._now():
            del self._kv[key]
            return None
        return value

    def put(self, key: str, value: str, *, ttl_s: int | None = None) -> None:
        """Write a key."""
        self._kv[key] = (value, None if ttl_s is None else self._now() + ttl_s)

    def close(self) -> None:
        """Nothing to release."""


def _better_doc(score: float, doc: str, held: tuple[float, str]) -> bool:
    """A higher score wins; on a tie, the lower text does, so the result is order-free."""
    return score > held[0] or (score == held[0] and doc < held[1])
