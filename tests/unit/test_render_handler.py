"""The render handler: files on disk, one per window, replaced atomically, never rolled back."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from services.render import site as site_module
from services.render.bootstrap import (
    build_deps,
    check_image_dir,
    check_layout,
    check_post_hour,
    post_template,
)
from services.render.handler import RenderDeps, handle
from services.render.post import NO_CLOUD
from services.render.site import MemorySite
from shared.errors import ConfigError, StorageFull
from shared.models import PostRendered, TermWeight, Window
from shared.settings import RenderSettings, Settings
from tests.unit.test_render_post import BUILT_AT, WINDOW_START, make_ready

NOW = datetime(2026, 1, 2, 3, 0, tzinfo=UTC)
POST = "_posts/2026-01-02-twitter_ai_20260102_20260102.md"
IMAGE = "assets/images/wordcloud_twitter_ai_20260102_20260102.jpg"


class FakeCloud:
    """Returns distinct JPEG-like bytes per call; None when given no terms."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(self, terms: Sequence[TermWeight]) -> bytes | None:
        self.calls.append([t.term for t in terms])
        if not terms:
            return None
        return b"\xff\xd8\xff\xe0fake-" + str(len(self.calls)).encode()


@pytest.fixture
def cloud():
    return FakeCloud()


@pytest.fixture
def site_dir(tmp_path):
    return tmp_path / "site"


@pytest.fixture
def deps(site_dir, cloud):
    settings = Settings(render=RenderSettings(site_dir=site_dir))
    return build_deps(settings, cloud=cloud, now=lambda: NOW)


def files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_writes_post_and_image_and_returns_one_post_rendered(deps, site_dir):
    events = handle(make_ready(), deps=deps)
    post = site_dir / POST
    assert events == [
        PostRendered(
            window_id="2026-01-02",
            title="twitter_ai_20260102_20260102",
            post_path=POST,
            image_path=IMAGE,
            rendered_at=NOW,
            report_built_at=BUILT_AT,
            tweets=1127,
            sha256=hashlib.sha256(post.read_bytes()).hexdigest(),
            headline="Twitter Ai 报告 (2026-01-02 至 2026-01-02)",
            description="人工智能领域呈现高速发展态势。",
            core_points=[f"要点{n}" for n in range(1, 11)],
            digest_hash=hashlib.sha256(
                json.dumps(
                    [
                        [f"要点{n}", f"第{n}个要点的正文，说明推文讨论的内容。"]
                        for n in range(1, 11)
                    ],
                    ensure_ascii=False,
                ).encode()
            ).hexdigest(),
            url=None,
            image_url=None,
        )
    ]
    assert (site_dir / IMAGE).read_bytes() == b"\xff\xd8\xff\xe0fake-1"
    assert post.read_text(encoding="utf-8").startswith("---\nlayout: post\n")
    assert oct(post.stat().st_mode & 0o777) == "0o644"


def test_with_a_site_url_the_post_and_cloud_get_the_urls_jekyll_serves(site_dir, cloud):
    settings = Settings(
        render=RenderSettings(site_dir=site_dir, site_url="https://me.example.io/blog/")
    )
    deps = build_deps(settings, cloud=cloud, now=lambda: NOW)
    [event] = handle(make_ready(), deps=deps)
    assert event.url == "https://me.example.io/blog/2026/01/02/twitter_ai_20260102_20260102.html"
    assert event.image_url == f"https://me.example.io/blog/{IMAGE}"
    config = (site_dir / "_config.yml").read_text(encoding="utf-8")
    assert 'url: "https://me.example.io"\n' in config and 'baseurl: "/blog"\n' in config
    # a report built after its window is dated (and so served) on the window's last day
    late = make_ready(built_at=BUILT_AT + timedelta(days=3), final=True)
    [event] = handle(late, deps=deps)
    assert event.url is not None and "/2026/01/02/" in event.url


def test_a_digest_changes_hash_only_when_the_core_points_do(deps):
    [first] = handle(make_ready(), deps=deps)
    stats = make_ready().stats.model_copy(update={"tweets": 5000})
    [more] = handle(make_ready(built_at=BUILT_AT + timedelta(hours=1), stats=stats), deps=deps)
    report = make_ready().report
    points = [report.core_points[1], report.core_points[0], *report.core_points[2:]]
    moved = report.model_copy(update={"core_points": points})
    [other] = handle(make_ready(built_at=BUILT_AT + timedelta(hours=2), report=moved), deps=deps)
    assert first.digest_hash == more.digest_hash != other.digest_hash
    assert other.core_points[:2] == ["要点2", "要点1"]


@pytest.mark.parametrize(
    "url", ["ftp://x.example", "https://x.example/?q=1", "blog.example.com", 'https://x"y']
)
def test_a_site_url_that_is_not_one_is_a_config_error(tmp_path, url):
    with pytest.raises(ConfigError, match="site_url"):
        build_deps(Settings(render=RenderSettings(site_dir=tmp_path, site_url=url)))


def test_a_new_site_gets_a_minimal_jekyll_skeleton(deps, site_dir):
    handle(make_ready(), deps=deps)
    assert files(site_dir) == sorted(
        ["_config.yml", "_layouts/default.html", "_layouts/post.html", "index.html", POST, IMAGE]
    )
    config = (site_dir / "_config.yml").read_text(encoding="utf-8")
    assert 'timezone: "Asia/Shanghai"' in config and "markdown: kramdown" in config
    assert "plugins:\n  - jekyll-feed\n  - jekyll-seo-tag\n" in config
    assert "whitelist:\n  - jekyll-feed\n  - jekyll-seo-tag\n" in config  # --safe builds too
    assert 'url: ""\nbaseurl: ""\n' in config


def test_an_existing_site_is_never_touched(deps, site_dir):
    site_dir.mkdir()
    (site_dir / "_config.yml").write_text("theme: minima\n", encoding="utf-8")
    handle(make_ready(), deps=deps)
    assert (site_dir / "_config.yml").read_text(encoding="utf-8") == "theme: minima\n"
    assert files(site_dir) == sorted(["_config.yml", POST, IMAGE])


def test_a_partial_skeleton_keeps_the_users_layouts(deps, site_dir):
    layouts = site_dir / "_layouts"
    layouts.mkdir(parents=True)
    (layouts / "post.html").write_text("mine", encoding="utf-8")
    handle(make_ready(), deps=deps)
    assert (layouts / "post.html").read_text(encoding="utf-8") == "mine"
    assert (site_dir / "_config.yml").is_file()


def test_rendering_a_window_again_replaces_post_and_image(deps, site_dir):
    handle(make_ready(), deps=deps)
    later = BUILT_AT + timedelta(hours=1)
    stats = make_ready().stats.model_copy(update={"tweets": 2000})
    [event] = handle(make_ready(built_at=later, stats=stats), deps=deps)
    assert files(site_dir / "_posts") == [Path(POST).name]
    assert files(site_dir / "assets/images") == [Path(IMAGE).name]
    text = (site_dir / POST).read_text(encoding="utf-8")
    assert "本期统计推文 2,000 条" in text and "1,127" not in text
    assert (site_dir / IMAGE).read_bytes().endswith(b"fake-2")
    assert event.report_built_at == later


def two_day_window() -> Window:
    """The test window, ending a day later (its end date changed with the settings)."""
    return Window(
        id="2026-01-02",
        start=WINDOW_START,
        end=WINDOW_START + timedelta(days=2),
        timezone="Asia/Shanghai",
    )


def test_a_window_whose_end_changed_leaves_no_second_post(deps, site_dir):
    handle(make_ready(), deps=deps)
    longer = two_day_window()
    [event] = handle(make_ready(window=longer, built_at=BUILT_AT + timedelta(days=2)), deps=deps)
    assert event.title == "twitter_ai_20260102_20260103"
    assert files(site_dir / "_posts") == ["2026-01-02-twitter_ai_20260102_20260103.md"]
    assert files(site_dir / "assets/images") == ["wordcloud_twitter_ai_20260102_20260103.jpg"]


def test_other_windows_are_left_alone(deps, site_dir):
    handle(make_ready(), deps=deps)
    nxt = WINDOW_START + timedelta(days=1)
    window = Window(
        id="2026-01-03", start=nxt, end=nxt + timedelta(days=1), timezone="Asia/Shanghai"
    )
    handle(make_ready(window=window, built_at=nxt + timedelta(hours=1)), deps=deps)
    assert len(files(site_dir / "_posts")) == 2
    assert len(files(site_dir / "assets/images")) == 2


def test_an_older_report_never_overwrites_a_newer_post(deps, cloud, site_dir):
    newer = BUILT_AT + timedelta(hours=2)
    handle(make_ready(built_at=newer), deps=deps)
    before = (site_dir / POST).read_bytes()
    assert handle(make_ready(built_at=BUILT_AT), deps=deps) == []
    assert (site_dir / POST).read_bytes() == before
    assert len(cloud.calls) == 1  # the stale report drew nothing either


def test_a_redelivered_report_renders_the_same_bytes_again(deps, site_dir):
    [first] = handle(make_ready(), deps=deps)
    [again] = handle(make_ready(), deps=deps)
    assert first.sha256 == again.sha256
    assert files(site_dir / "_posts") == [Path(POST).name]


def test_a_window_without_terms_has_no_image_and_says_so(deps, cloud, site_dir):
    handle(make_ready(), deps=deps)
    [event] = handle(make_ready(terms=[], built_at=BUILT_AT + timedelta(minutes=5)), deps=deps)
    assert event.image_path is None
    assert not (site_dir / IMAGE).exists()  # the stale cloud went with the old post
    assert NO_CLOUD in (site_dir / POST).read_text(encoding="utf-8")
    assert len(cloud.calls) == 1  # no terms: the renderer is not even asked


def test_terms_the_renderer_cannot_draw_mean_no_image(deps, site_dir):
    none_cloud = RenderDeps(
        site=deps.site, template=deps.template, cloud=lambda terms: None, now=deps.now
    )
    [event] = handle(make_ready(), deps=none_cloud)
    assert event.image_path is None
    assert NO_CLOUD in (site_dir / POST).read_text(encoding="utf-8")


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temp(deps, monkeypatch, site_dir):
    handle(make_ready(), deps=deps)
    before = (site_dir / POST).read_bytes()

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    # A full disk is transient (issue 12): retried once space returns, never a ConfigError.
    with pytest.raises(StorageFull, match="No space left"):
        handle(make_ready(built_at=BUILT_AT + timedelta(hours=1)), deps=deps)
    assert (site_dir / POST).read_bytes() == before
    assert not [p for p in site_dir.rglob(".*") if p.is_file()]


def test_a_write_refused_for_another_reason_is_a_setting_to_fix(deps, monkeypatch):
    def refused(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refused)
    with pytest.raises(ConfigError, match="Permission denied"):
        handle(make_ready(), deps=deps)


def test_atomic_write_creates_folders_and_replaces(tmp_path):
    target = tmp_path / "a" / "b" / "f.md"
    site_module.atomic_write(target, b"one")
    site_module.atomic_write(target, b"two")
    assert target.read_bytes() == b"two"
    assert os.listdir(target.parent) == ["f.md"]


# ---------------------------------------------------------------------------- on a memory site


def test_on_a_memory_site_the_handler_writes_what_it_writes_on_disk(deps, site_dir):
    on_disk = handle(make_ready(), deps=deps)
    site = MemorySite()
    in_memory = handle(make_ready(), deps=replace(deps, site=site, cloud=FakeCloud()))
    assert in_memory == on_disk
    assert site.files == {rel: (site_dir / rel).read_bytes() for rel in files(site_dir)}


def test_the_handler_itself_touches_no_file(deps, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    site = MemorySite()
    [event] = handle(make_ready(), deps=replace(deps, site=site))
    assert list(tmp_path.iterdir()) == []
    assert site.files[POST].decode("utf-8").startswith("---\nlayout: post\n")
    assert site.files[IMAGE] == b"\xff\xd8\xff\xe0fake-1"
    assert event.sha256 == hashlib.sha256(site.files[POST]).hexdigest()


def test_a_memory_site_keeps_one_post_per_window_and_never_rolls_back(deps):
    site = MemorySite()
    memory = replace(deps, site=site)
    handle(make_ready(), deps=memory)
    longer = two_day_window()
    later = BUILT_AT + timedelta(days=2)
    [event] = handle(make_ready(window=longer, built_at=later, terms=[]), deps=memory)
    assert sorted(site.files) == sorted(
        [
            "_config.yml",
            "_layouts/default.html",
            "_layouts/post.html",
            "index.html",
            event.post_path,
        ]
    )
    assert handle(make_ready(built_at=BUILT_AT), deps=memory) == []
    assert NO_CLOUD in site.files[event.post_path].decode("utf-8")


class FullSite(MemorySite):
    """A site whose disk fills up after ``room`` writes."""

    def __init__(self, room: int) -> None:
        super().__init__()
        self.room = room

    def write(self, path: str, data: bytes) -> None:
        if self.room == 0:
            raise OSError(28, "No space left on device")
        self.room -= 1
        super().write(path, data)


def test_a_site_that_refuses_the_image_gets_no_post_either(deps):
    site = FullSite(room=0)
    with pytest.raises(StorageFull, match="cannot write window 2026-01-02 under the in-memory"):
        handle(make_ready(), deps=replace(deps, site=site, write_skeleton=False))
    assert site.files == {}


def test_once_space_returns_the_same_report_is_written(deps):
    site = FullSite(room=1)  # the image fits, the post does not
    full = replace(deps, site=site, write_skeleton=False)
    with pytest.raises(StorageFull):
        handle(make_ready(), deps=full)
    site.room = 10
    [event] = handle(make_ready(), deps=full)
    assert event.post_path in site.files and event.image_path in site.files


# ---------------------------------------------------------------------------- bootstrap


@pytest.mark.parametrize("layout", ["post", "report_v2", "my-post"])
def test_layout_names_are_accepted(layout):
    assert check_layout(layout) == layout


@pytest.mark.parametrize("layout", ["", "post\ntitle: x", "a b", "_x", "../post"])
def test_bad_layout_names_are_config_errors(layout):
    with pytest.raises(ConfigError, match=r"render\.layout"):
        check_layout(layout)


@pytest.mark.parametrize(
    ("value", "clean"),
    [
        ("assets/images", "assets/images"),
        ("img/", "img"),
        ("assets/word-clouds", "assets/word-clouds"),
    ],
)
def test_image_dirs_are_normalized(value, clean):
    assert check_image_dir(value) == clean


@pytest.mark.parametrize("value", ["/abs", "../up", "_hidden/images", ".cache", "a//b", "a b", ""])
def test_image_dirs_jekyll_would_not_serve_are_config_errors(value):
    with pytest.raises(ConfigError, match=r"render\.image_dir"):
        check_image_dir(value)


def test_post_hour_is_parsed_or_refused():
    assert check_post_hour("10:05:34").isoformat() == "10:05:34"
    with pytest.raises(ConfigError, match="HH:MM:SS"):
        check_post_hour("25:00:00")


def test_build_deps_refuses_bad_settings_before_any_message(tmp_path):
    settings = Settings(render=RenderSettings(site_dir=tmp_path, image_dir="_site/img"))
    with pytest.raises(ConfigError):
        build_deps(settings, cloud=FakeCloud())


def test_the_template_is_strict_about_missing_values():
    from jinja2 import UndefinedError

    with pytest.raises(UndefinedError):
        post_template().render()
