"""Where a restarted file ingest resumes: the count of records already published, in the store.

A file source (plain or replayed) hands its records on in an order fixed by the files' content
and the options (replay reorders by event time, in a buffer of fixed size), so "the first N
records" names the same records on every run over the same input. :class:`Resume` counts them;
``commit()`` (called by the runner once everything handed on is published, acknowledged and
marked seen) writes the count under :func:`file_checkpoint_key`, and a restarted process passes over
that many records without handling or pacing them, instead of reading and pacing from line 1.

The key hashes the files' content and the options that decide the order, so a changed file, or
another replay buffer, starts again from the start (and the dedup set drops what was published).
Nothing is written to a store that was not asked to resume (``tweetpulse run``'s memory store).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from hashlib import sha1
from pathlib import Path

from shared.store import StateStore

log = logging.getLogger(__name__)

KEY_PREFIX = "ingest:file:checkpoint:"
"""State-store keys of file checkpoints: the prefix, then a digest of content and options."""


def content_digest(path: Path) -> str:
    """SHA-1 of a file's bytes (read in 1 MiB pieces); "" when it cannot be read."""
    digest = sha1(usedforsecurity=False)
    try:
        with path.open("rb") as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
    except OSError:
        return ""
    return digest.hexdigest()


def file_checkpoint_key(
    inputs: Sequence[Path],
    *,
    replay_buffer: int | None,
    mapping: Mapping[str, str] | None = None,
    date_format: str | None = None,
) -> str:
    """The key of the checkpoint of reading ``inputs`` in order, so configured.

    ``replay_buffer`` is None for a plain file source, else the replay's reorder buffer.
    """
    digest = sha1(usedforsecurity=False)
    order = "file" if replay_buffer is None else f"replay:{replay_buffer}"
    parts = [order, f"date:{date_format}", f"map:{sorted((mapping or {}).items())}"]
    parts += [content_digest(Path(p)) for p in inputs]
    digest.update("\n".join(parts).encode("utf-8"))
    return KEY_PREFIX + digest.hexdigest()[:16]


class FileCheckpoint:
    """One checkpoint in the store: how many records of the input are published."""

    def __init__(self, store: StateStore, key: str) -> None:
        self.store = store
        self.key = key

    def load(self) -> int:
        """Records published by earlier runs (0 when none; a broken value counts as none)."""
        value = self.store.get(self.key)
        if value is None:
            return 0
        try:
            return max(0, int(value))
        except ValueError:
            log.warning(
                "checkpoint %s holds %r, not a count: reading from the start", self.key, value
            )
            return 0

    def save(self, records: int) -> None:
        """Every one of the first ``records`` records is published."""
        self.store.put(self.key, str(records))


class Resume:
    """A file source's progress against its checkpoint: records to pass over, records done.

    Without a checkpoint it counts and never skips. ``load()`` reads the checkpoint (the runner
    may call it early, to wait out a store that is down); ``records()`` calls it otherwise.
    """

    def __init__(self, checkpoint: FileCheckpoint | None = None) -> None:
        self.checkpoint = checkpoint
        self.skip = 0
        """Records the checkpoint says are published: passed over, unhandled and unpaced."""
        self.done = 0
        """Records passed over or handed on so far."""
        self._loaded = checkpoint is None
        self._saved = 0

    def load(self) -> int:
        """Read the checkpoint once; how many records will be passed over."""
        if not self._loaded and self.checkpoint is not None:
            self.skip = self._saved = self.checkpoint.load()
            self._loaded = True
            if self.skip:
                log.info(
                    "resuming after %s records (checkpoint %s)", self.skip, self.checkpoint.key
                )
        return self.skip

    def passed_over(self) -> bool:
        """Count one record; True when the checkpoint covers it (pass it over)."""
        self.done += 1
        return self.done <= self.skip

    def commit(self) -> None:
        """Everything handed on so far is published: move the checkpoint (never backwards)."""
        if self.checkpoint is not None and self.done > self._saved:
            self.checkpoint.save(self.done)
            self._saved = self.done
