"""The site port: the disk and the in-memory site behave alike, file for file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from services.render.site import DiskSite, MemorySite, SiteFiles, skeleton_files

MakeSite = Callable[[], SiteFiles]


@pytest.fixture(params=["disk", "memory"])
def make_site(request, tmp_path) -> MakeSite:
    if request.param == "disk":
        return lambda: DiskSite(tmp_path / "site")
    return MemorySite


def test_an_absent_file_reads_as_none_and_globs_as_nothing(make_site: MakeSite) -> None:
    site = make_site()
    assert site.read_text("_posts/none.md") is None
    assert site.glob("_posts", "*.md") == []
    assert site.remove_stale("_posts", "*.md", None) == []


def test_writes_replace_and_read_back(make_site: MakeSite) -> None:
    site = make_site()
    site.write("_posts/a.md", "第一".encode())
    site.write("_posts/a.md", "第二".encode())
    assert site.read_text("_posts/a.md") == "第二"
    assert site.exists("_posts/a.md") and not site.exists("_posts/b.md")


def test_glob_lists_only_the_folders_own_matching_files(make_site: MakeSite) -> None:
    site = make_site()
    for path in ("p/2026-01-02-x_1.md", "p/2026-01-02-x_2.md", "p/2026-01-03-x_1.md", "p/x.txt"):
        site.write(path, b"")
    site.write("p/deeper/2026-01-02-x_3.md", b"")
    assert site.glob("p", "2026-01-02-x_*.md") == ["p/2026-01-02-x_1.md", "p/2026-01-02-x_2.md"]


def test_remove_stale_keeps_the_one_named(make_site: MakeSite) -> None:
    site = make_site()
    for path in ("p/w_1.jpg", "p/w_2.jpg", "p/other.jpg"):
        site.write(path, b"x")
    assert site.remove_stale("p", "w_*.jpg", "p/w_2.jpg") == ["p/w_1.jpg"]
    assert site.glob("p", "*.jpg") == ["p/other.jpg", "p/w_2.jpg"]


def test_the_skeleton_is_written_once_and_never_over_a_users_file(make_site: MakeSite) -> None:
    site = make_site()
    site.write("_layouts/post.html", b"mine")
    written = site.ensure_skeleton(timezone="Europe/Paris")
    assert written == [
        rel for rel, _ in skeleton_files("Europe/Paris") if rel != "_layouts/post.html"
    ]
    assert written[-1] == "_config.yml"
    assert 'timezone: "Europe/Paris"' in (site.read_text("_config.yml") or "")
    assert site.read_text("_layouts/post.html") == "mine"
    assert site.ensure_skeleton(timezone="Asia/Shanghai") == []


def test_a_disk_site_is_its_folder(tmp_path: Path) -> None:
    site = DiskSite(tmp_path)
    site.write("assets/images/w.jpg", b"\xff\xd8")
    assert (tmp_path / "assets/images/w.jpg").read_bytes() == b"\xff\xd8"
    assert str(site) == str(tmp_path)
