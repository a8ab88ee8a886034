"""A bounded memo of a pure function's recent answers.

A tweet stream repeats itself: retweets and copies of a tweet arrive close together (the real
CSV's 3,000 tweets hold 1,718 distinct texts), so a handler that derives something from a text
alone keeps the last few thousand answers instead of working them out again. Oldest out first;
the answers are shared, so they must not be changed by their callers.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class RecentMemo(Generic[K, V]):
    """``memo(key, compute)``: ``compute()``'s answer for ``key``, kept for the last ``size`` keys."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError(f"a memo holds at least one answer, not {size}")
        self._size = size
        self._held: OrderedDict[K, V] = OrderedDict()

    def __call__(self, key: K, compute: Callable[[], V]) -> V:
        held = self._held
        if key in held:
            return held[key]
        value = held[key] = compute()
        if len(held) > self._size:
            held.popitem(last=False)  # O(1); a plain dict's oldest key is not (freed slots lead)
        return value

    def clear(self) -> None:
        """Forget every answer (a benchmark's fresh start)."""
        self._held.clear()

    def __len__(self) -> int:
        return len(self._held)
