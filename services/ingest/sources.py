"""Where tweets come from: files, timed replays of files, and the X API (recent search, stream).

Every source is a :class:`~services.ingest.source.Source`. The runner drives each one alike::

    source = build_source(kind, settings=..., store=..., inputs=..., ...)
    try:
        for record in source.records():
            for event in handle(record, deps=deps):
                bus.publish(event)
            if time_to_flush():
                bus.flush()
                deps.dedup.commit()  # acknowledged: now mark them seen
                source.commit()  # everything taken from records() so far is published
    finally:
        source.close()

**commit() and the checkpoint.** ``commit()`` tells the source that every record it has yielded
so far has been published and flushed; only then does :class:`RecentSearchSource` write its
``since_id`` checkpoint to the state store (key :func:`checkpoint_key`). The checkpoint of a
poll is the newest id of that poll, and it becomes committable only once the poll's *last*
record has been yielded (pages come newest first, so an earlier commit would skip the older
pages). A crash anywhere before ``commit()`` loses nothing: the next process polls again from
the last committed ``since_id`` and the handler's dedup (``ingest:seen``) drops what was
already published. A runner that never commits still works, it only re-reads more after a
restart. A file source asked to ``resume`` (the distributed worker) keeps a count of records
published (:mod:`services.ingest.checkpoint`); a restart passes over that many, unhandled and
unpaced. The stream has nothing to checkpoint: its ``commit()`` does nothing.

**Replay.** :class:`ReplaySource` puts a file's records in event-time order (``created_at``)
with a bounded reorder buffer (``TWEETPULSE_REPLAY__BUFFER_RECORDS``, 50,000 by default): a file
that fits in the buffer is sorted whole; in a longer one, a record more than that many records
out of place is published as soon as it is read (counted in ``metrics.late``) rather than
holding the whole file in memory. Records without a usable date are passed on at once, unpaced
(the handler dead-letters them).

**Metrics.** Every source has ``metrics`` (:class:`~services.ingest.source.SourceMetrics`, and
``as_dict()``) for the runner to export.
"""

from __future__ import annotations

import heapq
import json
import logging
import random
import threading
import time
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from hashlib import sha1
from pathlib import Path
from typing import Protocol, runtime_checkable

from services.ingest.checkpoint import FileCheckpoint, Resume, file_checkpoint_key
from services.ingest.convert import parse_datetime
from services.ingest.jsonstream import decode_error
from services.ingest.readers import iter_records
from services.ingest.record import InputRecord
from services.ingest.source import Clock, Sleep, Source, SourceMetrics
from services.ingest.x_api import (
    SEARCH_PATH,
    STREAM_PATH,
    Cut,
    RulesSync,
    Stopped,
    XApiClient,
    XApiError,
    id_floor_at,
    log_payload_errors,
    newest_id,
    payload_records,
    sync_rules,
    tweet_params,
)
from shared.errors import ConfigError, InputError, InvalidMessage
from shared.settings import IngestSettings, Settings, XApiSettings
from shared.store import StateStore

log = logging.getLogger(__name__)

SOURCE_KINDS: tuple[str, ...] = ("file", "recent-search", "filtered-stream")
"""The ``kind`` values :func:`build_source` accepts (the CLI's ``--source`` choices)."""


# ---------------------------------------------------------------------------- files


class FileSource:
    """Tweet files read in turn with :func:`iter_records`; every file is checked up front."""

    name = "file"
    live = False

    def __init__(
        self,
        inputs: Sequence[Path],
        *,
        settings: IngestSettings,
        mapping: Mapping[str, str] | None = None,
        clock: Clock = time.time,
        checkpoint: FileCheckpoint | None = None,
    ) -> None:
        if not inputs:
            raise InputError("no input file: name one with --input FILE")
        self.metrics = SourceMetrics()
        self.resume = Resume(checkpoint)
        self._clock = clock
        self._closed = False
        # iter_records checks the file (and a CSV header) now; the rows are read lazily.
        self._iterators = [iter_records(p, mapping=mapping, settings=settings) for p in inputs]
        self._sizes = [_size(p) for p in inputs]
        self._done = 0  # bytes of the files read to their end
        self._offset = 0  # bytes of the current file read

    def records(self) -> Iterator[InputRecord]:
        """Every record of every file, in file order (after those the checkpoint covers)."""
        self.resume.load()
        for iterator, size in zip(self._iterators, self._sizes, strict=True):
            for record in iterator:
                if self._closed:
                    return
                self._offset = record.offset
                if self.resume.passed_over():
                    self.metrics.skipped += 1
                    continue
                self.metrics.fetched += 1
                self.metrics.handed_on(self._clock())
                yield record
            self._done += size
            self._offset = 0

    def position(self) -> tuple[int, int]:
        """(bytes read, bytes in all the files), for progress."""
        return self._done + self._offset, sum(self._sizes)

    def load_checkpoint(self) -> None:
        """Read the checkpoint now (the runner waits out a store that is down)."""
        self.resume.load()

    def commit(self) -> None:
        """Move the checkpoint (if it has one) past every record handed on so far."""
        self.resume.commit()

    def close(self) -> None:
        """Stop after the current record."""
        self._closed = True


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


@runtime_checkable
class Measured(Protocol):
    """A source that knows how far through its input it is (files, in bytes)."""

    def position(self) -> tuple[int, int]:
        """(bytes read, bytes in all)."""
        ...


# ---------------------------------------------------------------------------- replay


def event_time(record: InputRecord) -> float | None:
    """The record's ``created_at`` as epoch seconds; None when it has none that parses."""
    if record.error is not None:
        return None
    value = record.fields.get("created_at")
    if value is None:
        return None
    try:
        return parse_datetime(value, date_format=record.date_format).timestamp()
    except InvalidMessage:
        return None


class ReplaySource:
    """Another source's records in event-time order, paced at ``speed`` x real time or ``rate``/s.

    At ``speed`` N, a record ``t`` seconds (of event time) after the first is published
    ``t / N`` seconds after it; at ``rate`` R, records are published ``1 / R`` seconds apart.
    """

    name = "replay"
    live = False

    def __init__(
        self,
        inner: Source,
        *,
        speed: float | None = None,
        rate: float | None = None,
        buffer: int = 50_000,
        clock: Clock = time.time,
        sleep: Sleep | None = None,
        checkpoint: FileCheckpoint | None = None,
    ) -> None:
        if (speed is None) == (rate is None):
            raise InputError("replay needs exactly one of --replay-speed and --rate")
        if (speed is not None and speed <= 0) or (rate is not None and rate <= 0):
            raise InputError("--replay-speed and --rate must be greater than 0")
        if buffer < 1:
            raise InputError("the replay buffer must hold at least one record")
        self.inner = inner
        self.speed, self.rate = speed, rate
        self.metrics = SourceMetrics()
        self.resume = Resume(checkpoint)
        self.buffer = buffer
        self._stop = threading.Event()
        self._clock = clock
        # By default a pause ends early when close() is called from another thread.
        self._sleep: Sleep = sleep if sleep is not None else self._stop.wait
        self._start: tuple[float, float] | None = None  # (clock, event time) of the first
        self._paced = 0
        self._last_event: float | None = None

    def records(self) -> Iterator[InputRecord]:
        """The inner records, reordered within the buffer and paced."""
        heap: list[tuple[float, int, InputRecord]] = []
        seq = 0
        self.resume.load()
        for record in self.inner.records():
            self.metrics.fetched += 1
            when = event_time(record)
            if when is None:
                if not self._passed_over():
                    yield from self._hand_on(record)
                continue
            heapq.heappush(heap, (when, seq, record))
            seq += 1
            if len(heap) > self.buffer:
                when, _, held = heapq.heappop(heap)
                yield from self._paced_out(when, held)
            if self._stop.is_set():
                return
        while heap and not self._stop.is_set():
            when, _, held = heapq.heappop(heap)
            yield from self._paced_out(when, held)

    def _passed_over(self) -> bool:
        if self.resume.passed_over():
            self.metrics.skipped += 1
            return True
        return False

    def _paced_out(self, when: float, record: InputRecord) -> Iterator[InputRecord]:
        late = self._last_event is not None and when < self._last_event
        if self._passed_over():
            # Published by an earlier run: no pause, and the pace starts at the first one left.
            if not late:
                self._last_event = when
            return
        if late:
            self.metrics.late += 1  # out of place by more than the buffer: no waiting for it
            yield from self._hand_on(record)
            return
        if self._start is None:
            self._start = (self._clock(), when)
        started, first = self._start
        if self.speed is not None:
            due = started + (when - first) / self.speed
        else:
            assert self.rate is not None  # noqa: S101 - one of the two, checked in __init__
            due = started + self._paced / self.rate
        delay = due - self._clock()
        if delay > 0:
            self._sleep(delay)
            if self._stop.is_set():
                return
        self._paced += 1
        self._last_event = when
        self.metrics.last_event_time = when
        yield from self._hand_on(record)

    def _hand_on(self, record: InputRecord) -> Iterator[InputRecord]:
        self.metrics.handed_on(self._clock())
        yield record

    def load_checkpoint(self) -> None:
        """Read the checkpoint now (the runner waits out a store that is down)."""
        self.resume.load()

    def commit(self) -> None:
        """Move the checkpoint (if it has one) past every record handed on so far."""
        self.inner.commit()
        self.resume.commit()

    def position(self) -> tuple[int, int]:
        """The inner source's position (how far reading is, ahead of publishing)."""
        return self.inner.position() if isinstance(self.inner, Measured) else (0, 0)

    def close(self) -> None:
        """Stop the replay and the inner source."""
        self._stop.set()
        self.inner.close()


# ---------------------------------------------------------------------------- X API


def checkpoint_key(query: str) -> str:
    """The state-store key of the recent-search ``since_id`` for one query."""
    digest = sha1(query.encode("utf-8"), usedforsecurity=False).hexdigest()[:16]
    return f"ingest:x:since_id:{digest}"


class _ApiSource:
    """What both X API sources hold: the settings, a client counting into ``metrics``, a clock."""

    live = True

    def __init__(
        self,
        settings: XApiSettings,
        *,
        clock: Clock,
        sleep: Sleep | None,
        rng: random.Random | None,
    ) -> None:
        self.metrics = SourceMetrics()
        self.settings = settings
        self._client = XApiClient(settings, metrics=self.metrics, clock=clock, sleep=sleep, rng=rng)
        self._clock = clock

    def close(self) -> None:
        """Stop (also from another thread) and drop the connection."""
        self._client.close()


class RecentSearchSource(_ApiSource):
    """``GET /2/tweets/search/recent`` polled every ``poll_interval_s``, resumed from ``since_id``.

    A poll reads every page (``next_token``) of the tweets newer than the cursor, newest first,
    up to ``max_pages_per_poll`` pages (older pages beyond that are skipped, with a warning:
    the first run, or a restart after a long stop). It then moves the cursor to the newest id
    seen, held back to ``settle_s`` before the poll began, so that tweets X indexes late are
    asked for again (ingest's dedup drops the repeats). See the module docstring for commits.
    ``polls`` stops after that many polls (tests, one-shot runs); by default it polls for ever.
    """

    name = "x-api:recent"

    def __init__(
        self,
        settings: XApiSettings,
        *,
        store: StateStore,
        clock: Clock = time.time,
        sleep: Sleep | None = None,
        rng: random.Random | None = None,
        polls: int | None = None,
    ) -> None:
        super().__init__(settings, clock=clock, sleep=sleep, rng=rng)
        self.checkpoint_key = checkpoint_key(settings.query)
        self._store = store
        self._polls = polls
        self._cursor: str | None = None  # where the next poll starts (in memory)
        self._committed: str | None = None  # what the store holds
        self._marks: deque[tuple[int, str]] = deque()  # (records yielded when done, since_id)
        self._yielded = 0
        self._loaded = False

    @property
    def cursor(self) -> str | None:
        """The ``since_id`` the next poll will use."""
        return self._cursor

    def load_checkpoint(self) -> None:
        """Read the ``since_id`` checkpoint (once; ``records()`` does if the runner did not)."""
        if self._loaded:
            return
        self._cursor = self._committed = self._store.get(self.checkpoint_key)
        self._loaded = True
        if self._cursor is not None:
            log.info("X API recent search: resuming after since_id %s", self._cursor)

    def records(self) -> Iterator[InputRecord]:
        """Poll, hand on every record, wait for the next poll; until closed."""
        self.load_checkpoint()
        done = 0
        try:
            while True:
                started = self._clock()
                yield from self._poll(started)
                done += 1
                if self._polls is not None and done >= self._polls:
                    return
                self._client.wait(started + self.settings.poll_interval_s - self._clock())
        except Stopped:
            return

    def _params(self, since: str | None, token: str | None) -> dict[str, str]:
        params = {
            "query": self.settings.query,
            "max_results": str(self.settings.max_results),
            **tweet_params(),
        }
        if since is not None:
            params["since_id"] = since
        if token is not None:
            params["next_token"] = token
        return params

    def _settled(self, newest: str, since: str | None, started: float) -> str:
        """Where the next poll starts: the newest id seen, but no later than ``settle_s``
        before this poll began, so tweets X indexes late are asked for again (never behind
        ``since``)."""
        floor = id_floor_at(started - self.settings.settle_s)
        cursor = min(newest, floor, key=int) if self.settings.settle_s > 0 else newest
        return cursor if since is None else max(cursor, since, key=int)

    def _poll(self, started: float) -> Iterator[InputRecord]:
        since = self._cursor
        token: str | None = None
        newest: str | None = None
        pages = 0
        while True:
            try:
                payload = self._client.get_json(SEARCH_PATH, self._params(since, token))
            except XApiError as exc:
                if (
                    exc.status == 400
                    and since is not None
                    and token is None
                    and "since_id" in str(exc)
                ):
                    # Recent search covers seven days; an older checkpoint is refused.
                    log.warning("X API recent search: %s; starting again without since_id", exc)
                    since = self._cursor = None
                    continue
                raise
            pages += 1
            self.metrics.api_errors += log_payload_errors(payload, where="recent search")
            meta = payload.get("meta") or {}
            records = payload_records(payload, source=self.name, line=self._yielded + 1)
            ids = [str(r.fields["id"]) for r in records if "id" in r.fields]
            if meta.get("newest_id"):
                ids.append(str(meta["newest_id"]))
            newest = newest_id([i for i in (newest, since, *ids) if i is not None])
            token = meta.get("next_token") or None
            if token is not None and pages >= self.settings.max_pages_per_poll:
                log.warning(
                    "X API recent search: stopped after %s pages; older tweets of this poll "
                    "are skipped (TWEETPULSE_X_API__MAX_PAGES_PER_POLL)",
                    pages,
                )
                token = None
            if token is None and newest is not None:
                settled = self._settled(newest, since, started)
                if settled != since:
                    self._marks.append((self._yielded + len(records), settled))
            self.metrics.fetched += len(records)
            for record in records:
                if self._client.stopped:
                    return
                self._yielded += 1
                self.metrics.handed_on(self._clock())
                yield record
            if token is None:
                break
        if newest is not None:
            self._cursor = self._settled(newest, since, started)

    def commit(self) -> None:
        """Write the ``since_id`` of the last poll whose records have all been handed on."""
        since: str | None = None
        while self._marks and self._marks[0][0] <= self._yielded:
            since = self._marks.popleft()[1]
        if since is not None and since != self._committed:
            self._store.put(self.checkpoint_key, since)
            self._committed = since
            log.debug("X API recent search: checkpoint since_id %s", since)


class FilteredStreamSource(_ApiSource):
    """``GET /2/tweets/search/stream`` with its rules synced from the settings first.

    Keep-alives, stalls, reconnects and backoff are the client's (:mod:`x_api`). A line the
    connection cut, or one that is not JSON, becomes an error record, which the handler
    dead-letters; an error payload on the stream is logged and dropped.
    """

    name = "x-api:stream"

    def __init__(
        self,
        settings: XApiSettings,
        *,
        max_line_bytes: int,
        clock: Clock = time.time,
        sleep: Sleep | None = None,
        rng: random.Random | None = None,
    ) -> None:
        if not settings.stream_rules:
            raise ConfigError(
                "the filtered stream needs at least one rule (TWEETPULSE_X_API__STREAM_RULES)"
            )
        super().__init__(settings, clock=clock, sleep=sleep, rng=rng)
        self.rules: RulesSync | None = None
        self._max_line = max_line_bytes
        self._seq = 0

    def records(self) -> Iterator[InputRecord]:
        """Sync the rules, then hand on the stream's tweets until closed."""
        try:
            self.rules = sync_rules(self._client, self.settings.stream_rules)
            lines = self._client.stream_lines(
                STREAM_PATH, tweet_params(), max_line_bytes=self._max_line
            )
            for line in lines:
                for record in self._records(line):
                    self.metrics.handed_on(self._clock())
                    yield record
        except Stopped:
            return

    def _records(self, line: bytes | Cut) -> list[InputRecord]:
        n = self._seq + 1
        if isinstance(line, Cut):
            self._seq = n
            return [
                InputRecord(self.name, n, line.data.decode("utf-8", "replace"), error=line.reason)
            ]
        try:
            payload = json.loads(line)
        except (ValueError, RecursionError) as exc:  # UnicodeDecodeError: broken UTF-8
            self._seq = n
            reason = (
                "binary junk: invalid UTF-8"
                if isinstance(exc, UnicodeDecodeError)
                else decode_error(exc)
            )
            return [InputRecord(self.name, n, line[:1024].decode("utf-8", "replace"), error=reason)]
        if not isinstance(payload, dict):
            self._seq = n
            text = line[:1024].decode("utf-8", "replace")
            return [
                InputRecord(self.name, n, text, error="not a tweet: a stream line not an object")
            ]
        self.metrics.api_errors += log_payload_errors(payload, where="stream")
        records = payload_records(payload, source=self.name, line=n)
        self._seq += len(records)
        self.metrics.fetched += len(records)
        return records

    def commit(self) -> None:
        """Nothing to checkpoint: the stream cannot be rewound (X's backfill is a paid option)."""


# ---------------------------------------------------------------------------- factory


def build_source(
    kind: str,
    *,
    settings: Settings,
    store: StateStore,
    inputs: Sequence[Path] = (),
    mapping: Mapping[str, str] | None = None,
    replay_speed: float | None = None,
    rate: float | None = None,
    clock: Clock = time.time,
    sleep: Sleep | None = None,
    resume: bool = False,
) -> Source:
    """The source for ``--source KIND`` (``file``, ``recent-search``, ``filtered-stream``).

    Files are wrapped in a :class:`ReplaySource` when ``replay_speed`` or ``rate`` is given.
    With ``resume`` (the distributed worker), a file source keeps a checkpoint in ``store``
    (:mod:`services.ingest.checkpoint`) and a restart passes over what it says is published.
    Raises InputError for a combination that makes no sense (inputs with a live source, replay
    of a live source) and ConfigError when a live source has no bearer token.
    """
    if kind not in SOURCE_KINDS:
        raise InputError(f"unknown source {kind!r}; choose one of {', '.join(SOURCE_KINDS)}")
    replay = replay_speed is not None or rate is not None
    if kind == "file":
        checkpoint: FileCheckpoint | None = None
        if resume and inputs:
            key = file_checkpoint_key(
                inputs,
                replay_buffer=settings.replay.buffer_records if replay else None,
                mapping=mapping,
                date_format=settings.ingest.date_format,
            )
            checkpoint = FileCheckpoint(store, key)
        files = FileSource(
            inputs,
            settings=settings.ingest,
            mapping=mapping,
            clock=clock,
            checkpoint=None if replay else checkpoint,
        )
        if not replay:
            return files
        return ReplaySource(
            files,
            speed=replay_speed,
            rate=rate,
            buffer=settings.replay.buffer_records,
            clock=clock,
            sleep=sleep,
            checkpoint=checkpoint,
        )
    if inputs:
        raise InputError(f"--source {kind} reads the X API; --input is for --source file")
    if replay:
        raise InputError("--replay-speed and --rate replay files; the X API is already live")
    if mapping:
        raise InputError("--map names file columns; the X API needs none")
    if kind == "recent-search":
        return RecentSearchSource(settings.x_api, store=store, clock=clock, sleep=sleep)
    return FilteredStreamSource(
        settings.x_api, max_line_bytes=settings.ingest.max_line_bytes, clock=clock, sleep=sleep
    )
