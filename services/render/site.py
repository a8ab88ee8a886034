"""The files render owns in the site folder: atomic writes, and the skeleton of a new site."""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

log = logging.getLogger(__name__)

SKELETON = "site_skeleton"
_TIMEZONE_SLOT = "@TIMEZONE@"


def atomic_write(path: Path, data: bytes) -> None:
    """Write a file so readers (and ``jekyll build``) see the old bytes or the new, never half.

    The temporary file sits in the same folder (so ``os.replace`` is a rename on one file
    system) and starts with a dot, which Jekyll ignores if it builds meanwhile.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
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


def _walk(node: Traversable, prefix: str = "") -> list[tuple[str, Traversable]]:
    found: list[tuple[str, Traversable]] = []
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        rel = f"{prefix}{child.name}"
        if child.is_dir():
            found.extend(_walk(child, f"{rel}/"))
        elif not child.name.startswith(".") and child.name != "__init__.py":
            found.append((rel, child))
    return found


def ensure_skeleton(site_dir: Path, *, timezone: str) -> list[str]:
    """Make ``site_dir`` a buildable Jekyll site unless it already has a ``_config.yml``.

    Writes only files that do not exist yet, so a user's layouts and config are never touched.
    Returns the files written, relative to the site root.
    """
    if (site_dir / "_config.yml").exists():
        return []
    written: list[str] = []
    files = _walk(resources.files(__package__).joinpath(SKELETON))
    # _config.yml last: its presence is what says the skeleton is complete
    for rel, source in sorted(files, key=lambda item: item[0] == "_config.yml"):
        target = site_dir / rel
        if target.exists():
            continue
        data = source.read_bytes()
        if rel == "_config.yml":
            data = data.replace(_TIMEZONE_SLOT.encode(), timezone.encode())
        atomic_write(target, data)
        written.append(rel)
    if written:
        log.info("wrote a minimal Jekyll site to %s: %s", site_dir, ", ".join(written))
    return written


def remove_stale(folder: Path, pattern: str, keep: Path | None) -> list[Path]:
    """Delete the files matching ``pattern`` in ``folder`` other than ``keep``."""
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for path in sorted(folder.glob(pattern)):
        if keep is not None and path == keep:
            continue
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed.append(path)
    return removed
