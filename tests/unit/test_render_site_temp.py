"""Issue 12: a render killed mid-write leaves a temporary file; the next start removes it."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from services.render.site import DiskSite, atomic_write


def _leftover(folder: Path, name: str) -> Path:
    """A temporary file exactly as ``atomic_write`` names it, never renamed (the writer died)."""
    folder.mkdir(parents=True, exist_ok=True)
    fd, path = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    os.write(fd, b"half a post")
    os.close(fd)
    return Path(path)


def test_opening_the_site_removes_what_a_killed_render_left_and_nothing_else(
    tmp_path: Path,
) -> None:
    site = tmp_path / "site"
    leftovers = [
        _leftover(site / "_posts", "2026-01-02-twitter_ai_20260102_20260102.md"),
        _leftover(site / "assets" / "images", "wordcloud_twitter_ai_20260102_20260102.jpg"),
        _leftover(site, "_config.yml"),
    ]
    keep = [site / "_posts" / "2026-01-01-post.md", site / ".gitignore", site / "notes.tmp"]
    for path in keep:
        path.write_text("mine", encoding="utf-8")
    built = _leftover(site / "_site", "index.html")  # Jekyll's output is not ours to touch

    DiskSite(site)

    assert not any(p.exists() for p in leftovers)
    assert all(p.exists() for p in keep) and built.exists()


def test_a_site_that_does_not_exist_yet_opens_and_a_write_leaves_no_temp(tmp_path: Path) -> None:
    site = DiskSite(tmp_path / "new")
    site.write("_posts/a.md", b"post")
    atomic_write(tmp_path / "new" / "_posts" / "b.md", b"post")
    assert sorted(os.listdir(tmp_path / "new" / "_posts")) == ["a.md", "b.md"]
    assert site.remove_temp_files() == []
