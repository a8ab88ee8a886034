"""What notify did, per target: sent, failed, suppressed (duplicate, daily limit), deferred.

Both runners read the one :class:`NotifyStats` in notify's deps: the embedded run prints it in
its summary, the worker exports it on ``/metrics`` (``services.notify.metrics``). The handler
and the deferred-push tick may count at once, so it locks.
"""

from __future__ import annotations

import threading
from collections import Counter

OUTCOMES = ("sent", "failed", "duplicate", "daily_limit", "deferred", "retries")
"""What is counted per target (``retries``: tries beyond the first, sent or not)."""


class NotifyStats:
    """Counts per (target, outcome)."""

    def __init__(self) -> None:
        self._counts: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()

    def add(self, target: str, outcome: str, n: int = 1) -> None:
        """Count ``n`` of ``outcome`` for ``target``."""
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}")
        if n:
            with self._lock:
                self._counts[(target, outcome)] += n

    def get(self, target: str, outcome: str) -> int:
        """The count so far."""
        with self._lock:
            return self._counts[(target, outcome)]

    def snapshot(self) -> dict[tuple[str, str], int]:
        """Every non-zero count."""
        with self._lock:
            return {k: v for k, v in self._counts.items() if v}

    def targets(self) -> list[str]:
        """Targets with any count, sorted."""
        return sorted({t for t, _ in self.snapshot()})

    def line(self, target: str) -> str:
        """One summary line: ``slack: 1 sent, 0 failed, 2 duplicates, …``."""
        c = {o: self.get(target, o) for o in OUTCOMES}
        parts = [f"{c['sent']} sent", f"{c['failed']} failed", f"{c['duplicate']} duplicate"]
        if c["daily_limit"]:
            parts.append(f"{c['daily_limit']} over the daily limit")
        if c["deferred"]:
            parts.append(f"{c['deferred']} deferred (quiet hours)")
        if c["retries"]:
            parts.append(f"{c['retries']} retries")
        return f"{target}: {', '.join(parts)}"
