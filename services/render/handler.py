"""Render: a ReportReady becomes a Jekyll post and its word-cloud JPG, written to the site.

Each window has exactly one post (``_posts/YYYY-MM-DD-twitter_ai_YYYYMMDD_YYYYMMDD.md``) and at
most one image; rendering the window again replaces both atomically. The handler touches no
file itself: it reads and writes through ``deps.site`` (a :class:`~services.render.site.Site`,
the folder on disk by default) and draws the cloud with ``deps.cloud``.

The PostRendered it returns carries what a consumer that cannot read the site's disk needs to
tell readers about the post (notify): the title line, the description, the core points' titles,
and, once ``site_url`` is set, the post's and the cloud's public URLs (``services.render.urls``).

Out-of-order reports: every post ends with an HTML comment recording the ``built_at`` of the
report it was built from. A report older than the post already in the site is skipped (nothing is
written, nothing returned), so a late redelivery never rolls a post back. The record lives in the
post itself rather than a sidecar file so the two can never disagree and a copied site keeps it;
a post without the comment (written by hand or by an old version) is simply replaced.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time

from jinja2 import Template, TemplateError

from shared.errors import ConfigError, StorageFull
from shared.models import PostRendered, ReportReady, utcnow

from . import urls
from .cloud import CloudRenderer
from .post import (
    POSTS_DIR,
    TITLE_PREFIX,
    WindowDates,
    build_view,
    description,
    post_names,
    post_time,
    read_marker,
    render_markdown,
    title_line,
    window_dates,
)
from .site import Site

log = logging.getLogger(__name__)

_DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})


@dataclass(frozen=True)
class RenderDeps:
    """What render needs: the site it writes to, the post template, and the cloud renderer."""

    site: Site
    template: Template
    cloud: CloudRenderer
    layout: str = "post"
    image_dir: str = "assets/images"
    post_hour: time = time(10, 5, 34)
    now: Callable[[], datetime] = utcnow
    write_skeleton: bool = True
    site_url: str | None = None
    """The site's public URL with its baseurl, no trailing slash; None: posts have no URL."""
    permalink: str = urls.DEFAULT_PERMALINK


def _window_glob(dates: WindowDates) -> str:
    # every title a window may have had (its end date can change with settings)
    return f"{TITLE_PREFIX}_{dates.first_day.replace('-', '')}_*"


def _window_posts(dates: WindowDates) -> str:
    return f"{dates.first_day}-{_window_glob(dates)}.md"


def newest_rendered(deps: RenderDeps, dates: WindowDates) -> datetime | None:
    """The latest report ``built_at`` among this window's posts in the site, if any record it."""
    newest: datetime | None = None
    for path in deps.site.glob(POSTS_DIR, _window_posts(dates)):
        text = deps.site.read_text(path)
        built = read_marker(text) if text is not None else None
        if built is not None and (newest is None or built > newest):
            newest = built
    return newest


def handle(msg: ReportReady, *, deps: RenderDeps) -> list[PostRendered]:
    """Write the window's post and word cloud; one PostRendered, or none for a stale report."""
    dates = window_dates(msg)
    newest = newest_rendered(deps, dates)
    if newest is not None and msg.built_at < newest:
        log.info(
            "window %s: report built at %s is older than the post's (%s); kept the post",
            msg.window.id,
            msg.built_at.isoformat(),
            newest.isoformat(),
        )
        return []

    image = deps.cloud(msg.terms) if msg.terms else None
    names = post_names(dates, deps.image_dir, with_image=image is not None)
    view = build_view(msg, dates=dates, names=names, layout=deps.layout, post_hour=deps.post_hour)
    try:
        data = render_markdown(deps.template, view).encode("utf-8")
    except TemplateError as exc:
        raise ConfigError(f"the post template failed: {exc}") from exc

    site = deps.site
    try:
        if deps.write_skeleton:
            site.ensure_skeleton(timezone=msg.window.timezone, site_url=deps.site_url)
        # image before post, so a post never links an image that is not there yet
        if image is not None and names.image_path is not None:
            site.write(names.image_path, image)
        site.write(names.post_path, data)
        site.remove_stale(POSTS_DIR, _window_posts(dates), names.post_path)
        site.remove_stale(deps.image_dir, f"wordcloud_{_window_glob(dates)}.jpg", names.image_path)
    except OSError as exc:
        where = f"cannot write window {msg.window.id} under {site}: {exc}"
        # A full disk is an outage, not a setting: wait for space (the bus backs off, /healthz
        # says why), then the write goes through. A missing folder or permission is a setting.
        if exc.errno in _DISK_FULL:
            raise StorageFull(where) from exc
        raise ConfigError(where) from exc

    log.info(
        "window %s: wrote %s (%d bytes)%s",
        msg.window.id,
        names.post_path,
        len(data),
        f" and {names.image_path}" if names.image_path else ", no word cloud",
    )
    posted = post_time(msg, dates, deps.post_hour)
    url = None
    if deps.site_url is not None:
        url = deps.site_url + urls.post_path(deps.permalink, posted, names.title)
    points = msg.report.core_points
    return [
        PostRendered(
            window_id=msg.window.id,
            title=names.title,
            post_path=names.post_path,
            image_path=names.image_path,
            rendered_at=deps.now(),
            report_built_at=msg.built_at,
            tweets=msg.stats.tweets,
            sha256=hashlib.sha256(data).hexdigest(),
            headline=title_line(dates),
            description=description(msg, dates),
            core_points=[p.title for p in points],
            digest_hash=hashlib.sha256(
                json.dumps([[p.title, p.body] for p in points], ensure_ascii=False).encode()
            ).hexdigest(),
            url=url,
            image_url=urls.absolute(deps.site_url, names.image_path),
        )
    ]
