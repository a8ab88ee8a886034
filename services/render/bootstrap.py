"""Builds render's dependencies from the settings: the site folder, template, font, word cloud."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, time

from jinja2 import Environment, PackageLoader, StrictUndefined, Template

from shared.errors import ConfigError
from shared.models import utcnow
from shared.settings import Settings

from . import markdown, urls
from .cloud import CloudRenderer, WordCloudRenderer, find_font
from .handler import RenderDeps
from .site import DiskSite

_LAYOUT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_DIR_PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def make_environment() -> Environment:
    """The jinja2 environment for the post templates.

    Autoescape is off because the output is markdown, not HTML; instead ``finalize`` escapes
    every printed string that is not already :class:`~services.render.markdown.Md`.
    """
    return Environment(
        loader=PackageLoader("services.render", "templates"),
        autoescape=False,  # noqa: S701  (markdown, not HTML: markdown.emit escapes instead)
        undefined=StrictUndefined,
        finalize=markdown.emit,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def post_template() -> Template:
    """The post template, loaded."""
    return make_environment().get_template("post.md.j2")


def check_layout(layout: str) -> str:
    """The layout name, if it is one Jekyll can look up and YAML needs no quotes for."""
    if not _LAYOUT.fullmatch(layout):
        raise ConfigError(f"render.layout {layout!r} is not a layout name (letters, digits, _ -)")
    return layout


def check_image_dir(image_dir: str) -> str:
    """The image folder, if it is relative and Jekyll copies it into the built site."""
    parts = image_dir.strip("/").split("/")
    # Jekyll skips folders starting with '_' or '.', so an image there would never be served
    if image_dir.startswith("/") or not all(_DIR_PART.fullmatch(p) for p in parts):
        raise ConfigError(
            f"render.image_dir {image_dir!r} must be a relative folder of letters, digits, "
            "'_', '-', '.', not starting with '_' or '.', e.g. assets/images"
        )
    return "/".join(parts)


def check_post_hour(value: str) -> time:
    """The front-matter time of day, parsed from HH:MM:SS."""
    try:
        return time.fromisoformat(value).replace(tzinfo=None, microsecond=0)
    except ValueError as exc:
        raise ConfigError(f"render.post_hour {value!r} is not HH:MM:SS") from exc


def build_deps(
    settings: Settings,
    *,
    cloud: CloudRenderer | None = None,
    now: Callable[[], datetime] = utcnow,
) -> RenderDeps:
    """Real render dependencies; tests pass a fake ``cloud`` to skip the font."""
    render = settings.render
    if cloud is None:
        cloud = WordCloudRenderer(
            find_font(render.font_path),
            width=render.cloud_width,
            height=render.cloud_height,
            max_words=settings.report.cloud_terms,
        )
    return RenderDeps(
        site=DiskSite(render.site_dir),
        template=post_template(),
        cloud=cloud,
        layout=check_layout(render.layout),
        image_dir=check_image_dir(render.image_dir),
        post_hour=check_post_hour(render.post_hour),
        now=now,
        site_url=urls.check_site_url(render.site_url),
        permalink=urls.check_permalink(render.permalink),
    )
