"""A real ``jekyll build`` of a rendered site: the image resolves, no tweet survives as markup.

Needs ``jekyll`` (Debian's package, installed by ``make system-deps-test``) and a CJK font. Under
CI (``CI=true``) a missing one fails the test; elsewhere it skips, saying what is missing.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from services.render.bootstrap import build_deps
from services.render.cloud import find_font
from services.render.handler import handle
from shared.errors import ConfigError
from shared.models import TermWeight
from shared.settings import RenderSettings, Settings
from tests.unit.test_render_post import HEADINGS, HOSTILE, hostile_report, make_ready

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


@pytest.fixture(scope="module", params=["gfm", "kramdown-under-baseurl"])
def built(request, tmp_path_factory, jekyll, font) -> tuple[Path, str, Page]:
    """A site rendered from a hostile report and built by Jekyll, once per markdown input."""
    site = tmp_path_factory.mktemp(request.param) / "site"
    settings = Settings(render=RenderSettings(site_dir=site, cloud_width=400, cloud_height=300))
    deps = build_deps(settings)
    baseurl = ""
    if request.param == "kramdown-under-baseurl":
        # the skeleton is written on the first render; switch it to kramdown's own input
        handle(make_ready(terms=[]), deps=deps)
        config = site / "_config.yml"
        text = config.read_text(encoding="utf-8")
        text = text.replace("input: GFM", "input: kramdown").replace(
            'baseurl: ""', 'baseurl: "/blog"'
        )
        config.write_text(text, encoding="utf-8")
        baseurl = "/blog"
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
    return site, baseurl, page


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
    _site, baseurl, page = built
    assert page.tags("script") == []
    assert not [
        (tag, name) for tag, attrs in page.elements for name in attrs if name.startswith("on")
    ]
    for attrs in page.tags("a"):
        href = (attrs.get("href") or "").strip()
        assert href.startswith("https://") or href == f"{baseurl}/", href
    assert "javascript:" not in " ".join(str(a.get("href")) for a in page.tags("a")).lower()


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
    for tag in ("table", "pre", "code", "del", "s", "sup", "script", "iframe", "math"):
        assert page.tags(tag) == [], tag
    assert [c.strip() for c in page.comments] == [
        c for c in (c.strip() for c in page.comments) if c.startswith("tweetpulse:render ")
    ]


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
    assert page.tags("script") == []
    assert len(page.tags("img")) == 1
    # ten core points, the sample report's 4 x 2 event bullets, and one item per real tweet
    assert len(page.tags("li")) == 10 + 8 + (len(texts) - half)
    assert all((a.get("href") or "").startswith(("https://", "/")) for a in page.tags("a"))
