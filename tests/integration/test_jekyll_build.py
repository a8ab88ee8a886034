"""A real ``jekyll build`` of a rendered site: the image resolves, no tweet survives as markup,
and the Atom feed (jekyll-feed) and the SEO tags (jekyll-seo-tag) read the post's front matter.

Needs ``jekyll`` with the ``ruby-jekyll-feed`` and ``ruby-jekyll-seo-tag`` Debian packages
(installed by ``make system-deps-test``) and a CJK font. Under CI (``CI=true``) a missing one fails
the test; elsewhere it skips, saying what is missing.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest

from services.render.bootstrap import build_deps
from services.render.cloud import find_font
from services.render.handler import handle
from shared.errors import ConfigError
from shared.models import PostRendered, TermWeight
from shared.settings import RenderSettings, Settings
from tests.unit.test_render_post import HEADINGS, HOSTILE, hostile_report, make_ready, make_report

pytestmark = pytest.mark.integration

POST_HTML = "2026/01/02/twitter_ai_20260102_20260102.html"
IMAGE = "assets/images/wordcloud_twitter_ai_20260102_20260102.jpg"


def _missing(what: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what}; CI must provide it (make system-deps-test)")
    pytest.skip(f"{what}; install it with `make system-deps-test` to run this test")


@pytest.fixture(scope="module")
def jekyll() -> str:
    exe = shutil.which("jekyll")
    if exe is None:
        _missing("jekyll is not on PATH (Debian package: jekyll)")
    assert exe is not None
    for plugin in ("jekyll-feed", "jekyll-seo-tag"):
        found = subprocess.run(
            ["gem", "list", "-i", f"^{plugin}$"], capture_output=True, check=False
        )
        if found.returncode != 0:
            _missing(f"the {plugin} gem is missing (Debian package: ruby-{plugin})")
    return exe


@pytest.fixture(scope="module")
def font() -> Path:
    try:
        return find_font(None)
    except ConfigError as exc:
        _missing(f"no CJK font for the word cloud ({exc})")
        raise


class Page(HTMLParser):
    """Every element with its attributes, and the text as a reader sees it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.chunks: list[str] = []
        self.comments: list[str] = []
        self._heading: str | None = None
        self.headings: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        if re.fullmatch(r"h[1-6]", tag):
            self._heading = "#" * int(tag[1]) + " "

    def handle_endtag(self, tag: str) -> None:
        if self._heading is not None and re.fullmatch(r"h[1-6]", tag):
            self.headings.append(self._heading)
            self._heading = None

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)
        if self._heading is not None:
            self._heading += data

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.chunks).split())

    def tags(self, name: str) -> list[dict[str, str | None]]:
        return [attrs for tag, attrs in self.elements if tag == name]


def build(site: Path, jekyll: str) -> None:
    done = subprocess.run(
        [jekyll, "build", "--source", str(site), "--destination", str(site / "_site")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=site,
        env={**os.environ, "JEKYLL_ENV": "production"},
    )
    assert done.returncode == 0, f"jekyll build failed:\n{done.stdout}\n{done.stderr}"
    assert "error" not in done.stderr.lower(), done.stderr


SITE = "https://blog.example.test"


@dataclass(frozen=True)
class Built:
    """A built site: where, its baseurl, the post's page, and the PostRendered render returned."""

    site: Path
    baseurl: str
    page: Page
    event: PostRendered

    def __iter__(self):  # the tests unpack the first three
        return iter((self.site, self.baseurl, self.page))


@pytest.fixture(scope="module", params=["gfm", "kramdown-under-baseurl"])
def built(request, tmp_path_factory, jekyll, font) -> Built:
    """A site rendered from a hostile report and built by Jekyll, once per markdown input."""
    site = tmp_path_factory.mktemp(request.param) / "site"
    baseurl = "/blog" if request.param == "kramdown-under-baseurl" else ""
    render = RenderSettings(
        site_dir=site, cloud_width=400, cloud_height=300, site_url=SITE + baseurl
    )
    deps = build_deps(Settings(render=render))
    if request.param == "kramdown-under-baseurl":
        # the skeleton is written on the first render; switch it to kramdown's own input
        handle(make_ready(terms=[]), deps=deps)
        config = site / "_config.yml"
        text = config.read_text(encoding="utf-8")
        assert 'baseurl: "/blog"' in text
        config.write_text(text.replace("input: GFM", "input: kramdown"), encoding="utf-8")
    terms = [
        TermWeight(term=t, weight=w) for t, w in [("人工智能", 9), ("ChatGPT", 7), ("大模型", 5)]
    ]
    msg = make_ready(report=hostile_report(), terms=terms)
    msg = msg.model_copy(update={"built_at": msg.built_at.replace(minute=30)})
    [event] = handle(msg, deps=deps)
    assert event.image_path == IMAGE
    build(site, jekyll)
    page = Page()
    page.feed((site / "_site" / POST_HTML).read_text(encoding="utf-8"))
    return Built(site, baseurl, page, event)


def test_the_post_is_built_and_listed(built):
    site, baseurl, _page = built
    assert (site / "_site" / POST_HTML).is_file()
    index = (site / "_site" / "index.html").read_text(encoding="utf-8")
    assert f'href="{baseurl}/{POST_HTML}"' in index


def test_the_word_cloud_link_resolves_to_the_built_image(built):
    site, baseurl, page = built
    [img] = page.tags("img")  # the hostile <img> tags stayed text
    src = img["src"] or ""
    assert src == f"{baseurl}/{IMAGE}"
    served = site / "_site" / src.removeprefix(baseurl).lstrip("/")
    assert served.is_file()
    assert served.read_bytes() == (site / IMAGE).read_bytes()
    assert img["alt"] == "词云图"


def test_no_script_handler_or_javascript_link_from_a_tweet(built):
    site, baseurl, page = built
    # jekyll-seo-tag's JSON-LD is the one script, and it is data: it parses as JSON
    assert page.tags("script") == [{"type": "application/ld+json"}]
    raw = (site / "_site" / POST_HTML).read_text(encoding="utf-8")
    [ld] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', raw, re.DOTALL)
    assert json.loads(ld)["url"] == built.event.url
    assert not [
        (tag, name) for tag, attrs in page.elements for name in attrs if name.startswith("on")
    ]
    for attrs in page.tags("a"):
        href = (attrs.get("href") or "").strip()
        assert href.startswith("https://") or href == f"{baseurl}/", href
    assert "javascript:" not in " ".join(str(a.get("href")) for a in page.tags("a")).lower()


ATOM = "{http://www.w3.org/2005/Atom}"


def feed_entry(site: Path, url: str | None) -> ET.Element:
    """The feed's entry linking ``url``."""
    feed = ET.parse(site / "_site" / "feed.xml").getroot()  # noqa: S314 - our own build's output
    links = {
        e: link.get("href")
        for e in feed.iter(f"{ATOM}entry")
        if (link := e.find(f"{ATOM}link")) is not None
    }
    entries = [e for e, href in links.items() if href == url]
    assert len(entries) == 1, list(links.values())
    return entries[0]


def test_the_feed_lists_the_post_with_its_description_and_cloud(built):
    site, baseurl, _page = built
    event = built.event
    assert event.url == f"{SITE}{baseurl}/{POST_HTML}"
    entry = feed_entry(site, event.url)
    assert entry.findtext(f"{ATOM}title") == "twitter_ai_20260102_20260102"
    # the summary is HTML (type="html"): read as a browser would, it is the description as written
    summary = entry.find(f"{ATOM}summary")
    assert summary is not None and summary.get("type") == "html"
    assert html.unescape(summary.text or "") == event.description == HOSTILE[0]
    media = "{http://search.yahoo.com/mrss/}thumbnail"
    thumbnail = entry.find(media)
    assert thumbnail is not None
    assert thumbnail.get("url") == event.image_url == f"{SITE}{baseurl}/{IMAGE}"
    assert [c.get("term") for c in entry.iter(f"{ATOM}category")] == ["ai", "finance"]
    index = (site / "_site" / "index.html").read_text(encoding="utf-8")
    assert f'href="{baseurl}/feed.xml"' in index


def test_link_previews_read_the_description_and_the_cloud(built):
    _site, baseurl, page = built
    meta = {a.get("property") or a.get("name"): a.get("content") for a in page.tags("meta")}
    assert meta["description"] == meta["og:description"] == HOSTILE[0]
    assert meta["og:image"] == f"{SITE}{baseurl}/{IMAGE}"
    assert meta["og:url"] == built.event.url
    feeds = [a for a in page.tags("link") if a.get("type") == "application/atom+xml"]
    assert [a.get("href") for a in feeds] == [f"{SITE}{baseurl}/feed.xml"]


def test_a_description_with_quotes_colons_and_markup_stays_one_value(tmp_path, jekyll, font):
    """The sharpest front-matter case, built for real: YAML, Liquid, HTML and the JSON-LD."""
    nasty = 'He said: "</script><script>alert(1)</script>" #tag {{ site.time }} \\o/ & more.'
    site = tmp_path / "site"
    render = RenderSettings(site_dir=site, cloud_width=300, cloud_height=200, site_url=SITE)
    deps = build_deps(Settings(render=render))
    [event] = handle(make_ready(report=make_report(overview=[nasty + " 第二句。"])), deps=deps)
    assert event.description == nasty
    build(site, jekyll)
    raw = (site / "_site" / POST_HTML).read_text(encoding="utf-8")
    page = Page()
    page.feed(raw)
    assert page.tags("script") == [{"type": "application/ld+json"}]
    [ld] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', raw, re.DOTALL)
    # jekyll-seo-tag HTML-escapes what it puts in the JSON-LD; it never holds a raw "</script"
    assert "</script" not in ld and html.unescape(json.loads(ld)["description"]) == nasty
    meta = {a.get("name"): a.get("content") for a in page.tags("meta") if a.get("name")}
    assert meta["description"] == nasty
    entry = feed_entry(site, event.url)
    assert html.unescape(entry.findtext(f"{ATOM}summary") or "") == nasty


def test_liquid_in_a_tweet_is_shown_not_run(built):
    _site, _baseurl, page = built
    assert "{{ site.time }}" in page.text
    assert "{% include x %}" in page.text
    # site.time would have printed the build time, e.g. "2026-11-29 00:40:12 +0000"
    assert not re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} [+-]\d{4}", page.text)


def test_every_hostile_text_reads_as_written(built):
    _site, _baseurl, page = built
    for hostile in HOSTILE:
        assert " ".join(hostile.split()) in page.text, hostile


def test_markdown_tricks_add_no_element(built):
    _site, _baseurl, page = built
    assert page.headings == HEADINGS
    count = {tag: len(page.tags(tag)) for tag in ("li", "blockquote", "strong", "em", "hr")}
    assert count == {
        "li": 10 + 5 * len(HOSTILE),  # ten core points, the five blocks' own bullets
        "blockquote": 10,  # one quoted tweet per core point
        "strong": 10 + 5,  # core point titles, block titles
        "em": 1 + len(HOSTILE),  # the footer and its notes
        "hr": 1,
    }
    for tag in ("table", "pre", "code", "del", "s", "sup", "iframe", "math"):
        assert page.tags(tag) == [], tag
    assert page.tags("script") == [{"type": "application/ld+json"}]  # jekyll-seo-tag's
    # no comment from a tweet: only jekyll-seo-tag's two and our marker
    comments = [c.strip() for c in page.comments]
    assert comments[0].startswith("Begin Jekyll SEO tag") and comments[1] == "End Jekyll SEO tag"
    assert [c for c in comments[2:] if not c.startswith("tweetpulse:render ")] == []


# ---------------------------------------------------------------------------- real tweets

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
REAL_CSV = DATA / "chatgpt-tweets-2023-04-27.csv"


def real_texts() -> list[str]:
    """The distinct original tweets of the real sample (retweets dropped)."""
    import csv

    if not REAL_CSV.is_file():
        pytest.skip(f"real tweets not found at {REAL_CSV} (../shared/data is absent here)")
    with REAL_CSV.open(encoding="utf-8-sig", newline="") as handle:
        rows = [r["text"] for r in csv.DictReader(handle) if r["isRetweet"] != "TRUE"]
    return list(dict.fromkeys(t for t in rows if t.strip()))


def test_real_tweets_survive_a_jekyll_build_as_plain_text(tmp_path, jekyll, font):
    from shared.models import Block

    texts = real_texts()
    assert len(texts) > 1000
    assert any("{{" in t or "{%" in t for t in texts)  # the sample has Liquid-looking tweets
    site = tmp_path / "site"
    deps = build_deps(
        Settings(render=RenderSettings(site_dir=site, cloud_width=300, cloud_height=200))
    )
    half = len(texts) // 2
    block = Block(title="真实推文", paragraphs=texts[:half], bullets=texts[half:])
    report = make_ready().report.model_copy(update={"insights": [block]})
    handle(make_ready(report=report), deps=deps)
    build(site, jekyll)
    page = Page()
    page.feed((site / "_site" / POST_HTML).read_text(encoding="utf-8"))
    missing = [t for t in texts if " ".join(t.split()) not in page.text]
    assert missing == []
    assert page.tags("script") == [{"type": "application/ld+json"}]  # jekyll-seo-tag's
    assert len(page.tags("img")) == 1
    # ten core points, the sample report's 4 x 2 event bullets, and one item per real tweet
    assert len(page.tags("li")) == 10 + 8 + (len(texts) - half)
    assert all((a.get("href") or "").startswith(("https://", "/")) for a in page.tags("a"))
