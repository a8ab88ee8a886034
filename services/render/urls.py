"""Where a post and its image live on the public site, as Jekyll will serve them.

Render knows the post's file name and front-matter date; Jekyll turns those into a URL with the
site's ``permalink`` (``_config.yml``). The skeleton render writes uses
``/:year/:month/:day/:title:output_ext``, so ``_posts/2026-01-02-twitter_ai_20260102_20260102.md``
dated ``2026-01-02 10:05:34 +0800`` is served at ``/2026/01/02/twitter_ai_20260102_20260102.html``
under the site's URL (which includes its ``baseurl``). A site with its own ``_config.yml`` and
another permalink sets ``TWEETPULSE_RENDER__PERMALINK`` to the same value.

Jekyll reads ``:title`` from the file name (slugified "pretty", which keeps our ``_``), and the
date placeholders from the front-matter date in the site's time zone, which the skeleton sets to
the report's; only the placeholders below are understood (a post has no categories).
See https://jekyllrb.com/docs/permalinks/ for the placeholders and the built-in styles.
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import quote, urlsplit

from shared.errors import ConfigError

STYLES = {
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}
"""Jekyll's built-in permalink styles."""

DEFAULT_PERMALINK = "/:year/:month/:day/:title:output_ext"
"""The skeleton's permalink."""

_PLACEHOLDER = re.compile(r":(categories|year|short_year|month|i_month|day|i_day|y_day|"
                          r"hour|minute|second|title|slug|output_ext|week|short_day)")  # fmt: skip


def _value(name: str, when: datetime, title: str) -> str:
    return {
        "categories": "",
        "year": f"{when.year:04d}",
        "short_year": f"{when.year % 100:02d}",
        "month": f"{when.month:02d}",
        "i_month": str(when.month),
        "day": f"{when.day:02d}",
        "i_day": str(when.day),
        "y_day": f"{when.timetuple().tm_yday:03d}",
        "hour": f"{when.hour:02d}",
        "minute": f"{when.minute:02d}",
        "second": f"{when.second:02d}",
        "title": title,
        "slug": title,
        "output_ext": ".html",
        "week": f"{when.isocalendar().week:02d}",
        "short_day": when.strftime("%a"),
    }[name]


def check_permalink(permalink: str) -> str:
    """A permalink template or style name, if it is one this module can expand."""
    template = STYLES.get(permalink, permalink)
    if not template.startswith("/") or any(c in template for c in '?#"\\ '):
        raise ConfigError(
            f"render.permalink {permalink!r} is not a Jekyll permalink (a style name, or a path "
            "starting with / made of :year, :month, :day, :title, :output_ext …)"
        )
    unknown = [m for m in re.findall(r":[a-z_]+", template) if not _PLACEHOLDER.fullmatch(m)]
    if unknown:
        raise ConfigError(f"render.permalink {permalink!r}: unknown placeholders {unknown}")
    return permalink


def post_path(permalink: str, when: datetime, title: str) -> str:
    """The path Jekyll serves a post at, ``when`` being its date in the site's time zone."""
    template = STYLES.get(permalink, permalink)
    path = _PLACEHOLDER.sub(lambda m: _value(m.group(1), when, title), template)
    path = re.sub(r"/{2,}", "/", path)  # an empty :categories leaves a double slash
    return quote(path, safe="/:@!$&'()*+,;=-._~")


def check_site_url(url: str | None) -> str | None:
    """The public site URL without a trailing slash (None when unset), if it is http(s)."""
    if url is None or not url.strip():
        return None
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if (
        parts.scheme not in ("http", "https")
        or not parts.netloc
        or parts.query
        or parts.fragment
        or any(c in url for c in '"\\ <>')
    ):
        raise ConfigError(
            f"render.site_url {url!r} must be the site's public http(s) URL with its baseurl, "
            "e.g. https://blog.example.com or https://me.github.io/blog"
        )
    return url


def origin_and_base(site_url: str | None) -> tuple[str, str]:
    """``_config.yml``'s ``url`` and ``baseurl`` for a site URL (both empty when unset)."""
    if site_url is None:
        return "", ""
    parts = urlsplit(site_url)
    return f"{parts.scheme}://{parts.netloc}", parts.path.rstrip("/")


def absolute(site_url: str | None, path: str | None) -> str | None:
    """``path`` (site-relative) on the public site; None without a site URL or a path."""
    if site_url is None or not path:
        return None
    return site_url + "/" + quote(path.lstrip("/"), safe="/:@!$&'()*+,;=-._~")
