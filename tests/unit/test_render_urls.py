"""Where Jekyll serves a post: the permalink placeholders and styles, and the site URL."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from services.render.urls import (
    absolute,
    check_permalink,
    check_site_url,
    origin_and_base,
    post_path,
)
from shared.errors import ConfigError

WHEN = datetime(2026, 1, 2, 10, 5, 34, tzinfo=ZoneInfo("Asia/Shanghai"))
TITLE = "twitter_ai_20260102_20260102"


@pytest.mark.parametrize(
    ("permalink", "path"),
    [
        ("/:year/:month/:day/:title:output_ext", f"/2026/01/02/{TITLE}.html"),
        ("date", f"/2026/01/02/{TITLE}.html"),
        ("pretty", f"/2026/01/02/{TITLE}/"),
        ("none", f"/{TITLE}.html"),
        ("ordinal", f"/2026/002/{TITLE}.html"),
        ("/blog/:categories/:i_month-:i_day/:slug/", f"/blog/1-2/{TITLE}/"),
        ("/:short_year/:hour:minute:second/:title", f"/26/100534/{TITLE}"),
    ],
)
def test_permalinks_expand_as_jekyll_does(permalink, path):
    assert post_path(check_permalink(permalink), WHEN, TITLE) == path


@pytest.mark.parametrize("permalink", ["year/:title", "/:yearly/:title", "/:title?x=1", "/a b"])
def test_permalinks_this_cannot_expand_are_config_errors(permalink):
    with pytest.raises(ConfigError, match="permalink"):
        check_permalink(permalink)


def test_site_urls_split_into_url_and_baseurl_and_join_paths():
    site = check_site_url(" https://me.github.io/blog/ ")
    assert site == "https://me.github.io/blog"
    assert origin_and_base(site) == ("https://me.github.io", "/blog")
    assert origin_and_base(check_site_url("http://localhost:4000")) == ("http://localhost:4000", "")
    assert origin_and_base(None) == ("", "")
    assert check_site_url("") is None and check_site_url(None) is None
    assert (
        absolute(site, "assets/images/w x.jpg")
        == "https://me.github.io/blog/assets/images/w%20x.jpg"
    )
    assert absolute(None, "assets/x.jpg") is None and absolute(site, None) is None
