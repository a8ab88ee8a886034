"""Which records ingest already published: marked seen only once the broker acknowledged them.

The handler asks :meth:`Dedup.seen` (the store's set, plus what is on its way) and notes what it
hands out with :meth:`Dedup.publishing`; the runner calls :meth:`Dedup.commit` after the bus's
``flush()`` returned, and only then are those ids written to the store. A process killed between
the send and the acknowledgement therefore leaves its records unmarked, and the next process
publishes them again (downstream is idempotent by tweet id) instead of dropping them as
duplicates, which is how ``kill -9`` of ingest used to lose tweets. A process killed between the
acknowledgement and the marks publishes a few twice, which costs nothing.
"""

from __future__ import annotations

from shared.store import StateStore

DEFAULT_NAMESPACE = "ingest:seen"
"""The StateStore set of record ids already published."""


class Dedup:
    """The ingest dedup set: ids in the store, and ids sent but not yet acknowledged."""

    def __init__(self, store: StateStore, namespace: str = DEFAULT_NAMESPACE) -> None:
        self._store = store
        self.namespace = namespace
        self._pending: dict[str, None] = {}  # insertion order, so the marks go in send order

    def seen(self, record_id: str) -> bool:
        """Whether ``record_id`` was published before (acknowledged, or on its way now)."""
        return record_id in self._pending or self._store.contains(self.namespace, record_id)

    def publishing(self, record_id: str) -> None:
        """``record_id``'s tweet is being sent; it counts as seen from now on in this process."""
        self._pending[record_id] = None

    @property
    def pending(self) -> int:
        """Ids sent and not yet marked in the store."""
        return len(self._pending)

    def commit(self) -> int:
        """Everything sent so far is acknowledged: mark it seen in the store; how many were new.

        A store that is down raises (``StoreUnavailable``) and keeps the ids pending, so the
        runner can call this again after backing off.
        """
        if not self._pending:
            return 0
        added = self._store.add_many(self.namespace, list(self._pending))
        self._pending.clear()
        return added
