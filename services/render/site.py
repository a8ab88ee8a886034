"""The site render writes to, as a port: :class:`Site`, on disk or in memory.

Render reads the posts it wrote before (to compare reports), writes a post and its image, removes
what an older render of the window left, and makes a new site buildable. Those rules live here
once (:class:`SiteFiles`); :class:`DiskSite` (the default) and :class:`MemorySite` (tests, and
anything that wants the bytes without a folder) only store files. Paths are relative to the site
root, with ``/`` (``_posts/2026-01-02-twitter_ai_20260102_20260102.md``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Mapping
from fnmatch import fnmatchcase
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Protocol

from .urls import origin_and_base

log = logging.getLogger(__name__)

SKELETON = "site_skeleton"
_CONFIG = "_config.yml"
_SLOTS = ("@TIMEZONE@", "@URL@", "@BASEURL@")
_TEMP_SUFFIX = ".tmp"
# What atomic_write names its temporary files: ".<name>.<8 random characters of mkstemp>.tmp".
_TEMP = re.compile(r"\..+\.[A-Za-z0-9_]{8}\.tmp")


class Site(Protocol):
    """The files render reads and writes; a failed read or write raises OSError."""

    def read_text(self, path: str) -> str | None:
        """The file's text, or None when it is not there (or cannot be read)."""
        ...

    def glob(self, folder: str, pattern: str) -> list[str]:
        """The files directly in ``folder`` whose names match ``pattern``, sorted."""
        ...

    def write(self, path: str, data: bytes) -> None:
        """Replace the file whole: a reader sees the old bytes or the new, never half."""
        ...

    def remove_stale(self, folder: str, pattern: str, keep: str | None) -> list[str]:
        """Delete the files matching ``pattern`` in ``folder`` other than ``keep``."""
        ...

    def ensure_skeleton(self, *, timezone: str, site_url: str | None = None) -> list[str]:
        """Make the site a buildable Jekyll site unless it has a ``_config.yml``; files written."""
        ...


def skeleton_files(timezone: str, site_url: str | None = None) -> list[tuple[str, bytes]]:
    """The files of a minimal Jekyll site, ``_config.yml`` last, with ``timezone`` and the
    ``url`` and ``baseurl`` of ``site_url`` (checked by ``urls.check_site_url``) filled in."""
    files = [
        (rel, node.read_bytes()) for rel, node in _walk(resources.files(__package__) / SKELETON)
    ]
    # _config.yml last: its presence is what says the skeleton is complete
    files.sort(key=lambda item: item[0] == _CONFIG)
    values = (timezone, *origin_and_base(site_url))
    out = []
    for rel, data in files:
        if rel == _CONFIG:
            for slot, value in zip(_SLOTS, values, strict=True):
                data = data.replace(slot.encode(), value.encode())
        out.append((rel, data))
    return out


def _walk(node: Traversable, prefix: str = "") -> list[tuple[str, Traversable]]:
    found: list[tuple[str, Traversable]] = []
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        rel = f"{prefix}{child.name}"
        if child.is_dir():
            found.extend(_walk(child, f"{rel}/"))
        elif not child.name.startswith(".") and child.name != "__init__.py":
            found.append((rel, child))
    return found


class SiteFiles(ABC):
    """What a site does, over a few storage operations a subclass supplies."""

    @abstractmethod
    def read_text(self, path: str) -> str | None:
        """The file's text, or None when it is not there (or cannot be read)."""

    @abstractmethod
    def glob(self, folder: str, pattern: str) -> list[str]:
        """The files directly in ``folder`` whose names match ``pattern``, sorted."""

    @abstractmethod
    def exists(self, path: str) -> bool:
        """Whether the file is there."""

    @abstractmethod
    def write(self, path: str, data: bytes) -> None:
        """Replace the file whole: a reader sees the old bytes or the new, never half."""

    @abstractmethod
    def delete(self, path: str) -> bool:
        """Delete the file; False when it was not there."""

    def remove_stale(self, folder: str, pattern: str, keep: str | None) -> list[str]:
        """Delete the files matching ``pattern`` in ``folder`` other than ``keep``."""
        return [p for p in self.glob(folder, pattern) if p != keep and self.delete(p)]

    def ensure_skeleton(self, *, timezone: str, site_url: str | None = None) -> list[str]:
        """Make the site a buildable Jekyll site unless it already has a ``_config.yml``.

        Writes only files that do not exist yet, so a user's layouts and config are never
        touched. Returns the files written.
        """
        if self.exists(_CONFIG):
            return []
        written: list[str] = []
        for rel, data in skeleton_files(timezone, site_url):
            if not self.exists(rel):
                self.write(rel, data)
                written.append(rel)
        if written:
            log.info("wrote a minimal Jekyll site to %s: %s", self, ", ".join(written))
        return written


class DiskSite(SiteFiles):
    """A site folder on disk; writes are atomic and durable (see :func:`atomic_write`).

    A render killed mid-write leaves its temporary file behind; opening the site removes every
    such file (render is the site's one writer: one replica, recreated, never two at once).
    """

    def __init__(self, root: Path, *, clean: bool = True) -> None:
        self.root = Path(root)
        if clean:
            self.remove_temp_files()

    def __str__(self) -> str:
        return str(self.root)

    def read_text(self, path: str) -> str | None:
        """The file's text (undecodable bytes replaced); None if absent or unreadable."""
        try:
            return (self.root / path).read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("cannot read %s: %s", self.root / path, exc)
            return None

    def glob(self, folder: str, pattern: str) -> list[str]:
        """The files directly in ``folder`` whose names match ``pattern``, sorted."""
        where = self.root / folder
        if not where.is_dir():
            return []
        return sorted(f"{folder}/{found.name}" for found in where.glob(pattern))

    def exists(self, path: str) -> bool:
        """Whether the file is there."""
        return (self.root / path).exists()

    def write(self, path: str, data: bytes) -> None:
        """Write atomically, creating folders."""
        atomic_write(self.root / path, data)

    def delete(self, path: str) -> bool:
        """Unlink the file; False when it was not there."""
        try:
            (self.root / path).unlink()
        except FileNotFoundError:
            return False
        return True

    def remove_temp_files(self) -> list[Path]:
        """Delete what :func:`atomic_write` left behind when it was killed; the files removed."""
        removed: list[Path] = []
        if not self.root.is_dir():
            return removed
        for folder, dirs, files in os.walk(self.root):
            # Jekyll's output and hidden folders (a .git) hold no temporary files of ours.
            dirs[:] = [d for d in dirs if not d.startswith((".", "_site"))]
            for name in files:
                if _TEMP.fullmatch(name):
                    path = Path(folder) / name
                    with contextlib.suppress(FileNotFoundError):
                        path.unlink()
                        removed.append(path)
        if removed:
            log.info("removed %d temporary files a killed render left in %s", len(removed), self)
        return removed


class MemorySite(SiteFiles):
    """A site held in a dict of path -> bytes (``files``); nothing touches the disk."""

    def __init__(self, files: Mapping[str, bytes] | None = None) -> None:
        self.files: dict[str, bytes] = dict(files or {})

    def __str__(self) -> str:
        return "the in-memory site"

    def read_text(self, path: str) -> str | None:
        """The file's text (undecodable bytes replaced); None if absent."""
        data = self.files.get(path)
        return None if data is None else data.decode("utf-8", "replace")

    def glob(self, folder: str, pattern: str) -> list[str]:
        """The files directly in ``folder`` whose names match ``pattern``, sorted."""
        prefix = f"{folder}/"
        return sorted(
            path
            for path in self.files
            if path.startswith(prefix)
            and "/" not in path[len(prefix) :]
            and fnmatchcase(path[len(prefix) :], pattern)
        )

    def exists(self, path: str) -> bool:
        """Whether the file is there."""
        return path in self.files

    def write(self, path: str, data: bytes) -> None:
        """Store the bytes (a dict assignment is already all or nothing)."""
        self.files[path] = bytes(data)

    def delete(self, path: str) -> bool:
        """Drop the file; False when it was not there."""
        return self.files.pop(path, None) is not None


def atomic_write(path: Path, data: bytes) -> None:
    """Write a file so readers (and ``jekyll build``) see the old bytes or the new, never half.

    The temporary file sits in the same folder (so ``os.replace`` is a rename on one file
    system) and starts with a dot, which Jekyll ignores if it builds meanwhile.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=_TEMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; the web server must read the post
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    # the rename is durable only once the folder is synced; not every platform allows it
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
