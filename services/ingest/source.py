"""What every source of records is: the :class:`Source` protocol, its metrics, clock and sleep.

``sources.py`` builds the sources (files, replay, the X API); ``x_api.py`` speaks HTTP and counts
into the same :class:`SourceMetrics`. Both start from here, so neither imports the other's
definitions back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import Protocol

from services.ingest.record import InputRecord

Clock = Callable[[], float]
"""Wall time in epoch seconds (``time.time``); injected so tests need not wait."""

Sleep = Callable[[float], object]
"""Wait so many seconds (``time.sleep``, or a stop event's ``wait``)."""


@dataclass
class SourceMetrics:
    """Counters of one source, for the runner to export (Prometheus, the run summary).

    ``fetched``: tweets (records) received; ``published``: records handed to the runner;
    ``last_tweet_time``: the clock (epoch seconds) when the last record was handed on;
    ``last_event_time``: the newest ``created_at`` handed on (replay), epoch seconds.
    """

    fetched: int = 0
    published: int = 0
    rate_limited_waits: int = 0
    reconnects: int = 0
    retries: int = 0
    stalls: int = 0
    heartbeats: int = 0
    api_errors: int = 0
    cut_lines: int = 0
    late: int = 0
    skipped: int = 0
    """Records passed over on a restart: the checkpoint says they were published."""
    last_tweet_time: float | None = None
    last_event_time: float | None = None

    def handed_on(self, now: float) -> None:
        """Count one record handed to the runner at ``now``."""
        self.published += 1
        self.last_tweet_time = now

    def as_dict(self) -> dict[str, float | None]:
        """Every counter by name."""
        return dict(asdict(self))


class Source(Protocol):
    """A stream of records for the ingest handler, with a checkpoint and a stop."""

    name: str
    live: bool
    metrics: SourceMetrics

    def records(self) -> Iterator[InputRecord]:
        """The records, in order; a live source yields until :meth:`close`."""
        ...

    def commit(self) -> None:
        """Every record yielded so far is published and flushed: move the checkpoint."""
        ...

    def close(self) -> None:
        """Stop (from any thread) and release connections."""
        ...
