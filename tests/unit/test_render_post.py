"""The post's markdown: front matter, headings, core points, and hostile text shown as text.

The ReportReady factory here (``make_ready`` and friends) is shared by the other render tests.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
import yaml

from services.render.bootstrap import post_template
from services.render.post import (
    NO_CLOUD,
    NO_CONTENT,
    build_view,
    post_names,
    read_marker,
    render_markdown,
    window_dates,
)
from shared.errors import InvalidMessage
from shared.models import (
    Block,
    CorePoint,
    Report,
    ReportReady,
    TermWeight,
    TweetRef,
    Window,
    WindowStats,
)

# ---------------------------------------------------------------------------- factory

WINDOW_START = datetime(2026, 1, 1, 16, 0, tzinfo=UTC)  # 2026-01-02 00:00 in Asia/Shanghai
BUILT_AT = datetime(2026, 1, 2, 2, 5, 34, 250_000, tzinfo=UTC)  # 10:05:34 in Shanghai

HEADINGS = [
    "# 人工智能领域Twitter平台推文总结报告",
    "## 简要部分",
    "### 主要话题与行业趋势概述",
    "### 核心信息（10个信息点概述）",
    "## 详细分析部分",
    "### 重要观点与见解",
    "### 关键事件与发展",
    "### 个股与数字货币分析与市场反应",
    "### 专项分析",
    "#### 人工智能相关内容",
    "#### 金融市场相关内容",
    "## 词云分析",
]

HOSTILE = [
    "{{ site.time }}",
    "{% include x %}",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "**bold**",
    "# heading",
    "| table | x |",
    "- dash item",
    "1. numbered item",
    "> quoted",
    "$$x^2$$ and `code` and ~~gone~~ and _under_ and ![img](https://e.x/i.png)",
    "{::comment} {: .cls} [^1] <!-- open",
    "&amp; &lt;b&gt; --- ... \\*esc\\*",
    "first line\n- second line\n# third line\n    indented code\n1) fourth",
]
"""Text that would be markup to Liquid, kramdown or HTML if it were not escaped."""


def make_ref(n: int = 1, **overrides: Any) -> TweetRef:
    """A cited tweet; ``n`` varies id, author, url and engagement."""
    fields: dict[str, Any] = {
        "tweet_id": str(1000 + n),
        "author": f"user{n}",
        "text": f"Tweet number {n} about GPT-5 and agents",
        "url": f"https://x.com/user{n}/status/{1000 + n}",
        "created_at": WINDOW_START + timedelta(hours=3),
        "engagement": float(10 * n),
        "lang": "en",
    }
    fields.update(overrides)
    return TweetRef(**fields)


def make_block(title: str, n: int = 1, *, bullets: int = 0, **overrides: Any) -> Block:
    """A titled block with one paragraph, ``bullets`` bullets and one citation."""
    fields: dict[str, Any] = {
        "title": title,
        "paragraphs": [f"{title}的第一段分析。"],
        "bullets": [f"{title}要点{i}" for i in range(1, bullets + 1)],
        "citations": [make_ref(n)],
    }
    fields.update(overrides)
    return Block(**fields)


def make_report(points: int = 10, **overrides: Any) -> Report:
    """A report shaped like the seed: ten points, four event blocks, stocks then crypto."""
    fields: dict[str, Any] = {
        "overview": ["人工智能领域呈现高速发展态势。", "社区对2026年AI发展充满期待。"],
        "overview_citations": [make_ref(1), make_ref(2)],
        "core_points": [
            CorePoint(
                title=f"要点{n}",
                body=f"第{n}个要点的正文，说明推文讨论的内容。",
                citations=[make_ref(n), make_ref(n + 20)],
            )
            for n in range(1, points + 1)
        ],
        "insights": [make_block("技术发展趋势", 3), make_block("编程范式变革", 4)],
        "events": [
            make_block(t, 5 + i, bullets=2)
            for i, t in enumerate(
                ["模型发布与技术突破", "新应用与工具发布", "产业合作与投资", "学术研究进展"]
            )
        ],
        "markets": [
            make_block("芯片与硬件板块", 9),
            make_block("未涉及数字货币", 10, citations=[]),
        ],
        "ai_analysis": [make_block("大模型技术进展", 11)],
        "finance_analysis": [make_block("股票市场表现", 12)],
        "footer_notes": [],
    }
    fields.update(overrides)
    return Report(**fields)


def make_ready(**overrides: Any) -> ReportReady:
    """A ReportReady for the window 2026-01-02 (Asia/Shanghai), built inside it."""
    fields: dict[str, Any] = {
        "window": Window(
            id="2026-01-02",
            start=WINDOW_START,
            end=WINDOW_START + timedelta(days=1),
            timezone="Asia/Shanghai",
        ),
        "built_at": BUILT_AT,
        "final": False,
        "writer": "extractive",
        "stats": WindowStats(
            tweets=1127, retweets=1873, categories={"ai": 1000, "finance": 80, "none": 47}
        ),
        "report": make_report(),
        "terms": [
            TermWeight(term=t, weight=w)
            for t, w in [("人工智能", 30), ("ChatGPT", 25), ("大模型", 20), ("agents", 12)]
        ],
    }
    fields.update(overrides)
    return ReportReady(**fields)


def hostile_report() -> Report:
    """Every text field of the report holds markup; the citations carry it too."""
    joined = " ".join(HOSTILE)
    refs = [make_ref(i, text=h, author=f"evil{i}") for i, h in enumerate(HOSTILE, start=1)]
    refs.append(make_ref(99, author="jsuser", url="javascript:alert(1)", text=joined))
    refs.append(make_ref(98, author="<b>tag</b>", url="http://plain.example/x", text=joined))
    block = Block(title=joined, paragraphs=HOSTILE, bullets=HOSTILE, citations=refs)
    return Report(
        overview=HOSTILE,
        overview_citations=refs,
        core_points=[
            # The body differs from the cited text, so the post also quotes the tweet.
            CorePoint(
                title=HOSTILE[i % len(HOSTILE)],
                body=f"要点：{HOSTILE[i % len(HOSTILE)]} {HOSTILE[-1]}",
                citations=[refs[i], refs[-2]],
            )
            for i in range(10)
        ],
        insights=[block],
        events=[block],
        markets=[block],
        ai_analysis=[block],
        finance_analysis=[block],
        footer_notes=HOSTILE,
    )


# ---------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def template():
    return post_template()


def render(msg: ReportReady, template, *, image: bool = True, layout: str = "post") -> str:
    dates = window_dates(msg)
    names = post_names(dates, "assets/images", with_image=image)
    view = build_view(msg, dates=dates, names=names, layout=layout, post_hour=time(10, 5, 34))
    return render_markdown(template, view)


def body_lines(text: str) -> list[str]:
    """The lines after the front matter."""
    return text.split("---\n", 2)[2].splitlines()


# ---------------------------------------------------------------------------- front matter


def test_front_matter_keeps_the_seeds_four_fields_then_feed_and_preview_fields(template):
    text = render(make_ready(), template)
    assert text.startswith(
        "---\n"
        "layout: post\n"
        'title: "twitter_ai_20260102_20260102"\n'
        'date: "2026-01-02 10:05:34 +0800"\n'
        'posttime: "2026-01-02 10:05:34 +0800"\n'
        'description: "人工智能领域呈现高速发展态势。"\n'
        'excerpt: "人工智能领域呈现高速发展态势。"\n'
        'image: "/assets/images/wordcloud_twitter_ai_20260102_20260102.jpg"\n'
        'tags: ["ai", "finance"]\n'
        "---\n"
        "\n"
        "Twitter Ai 报告 (2026-01-02 至 2026-01-02)\n"
    )


FRONT_MATTER = {"layout", "title", "date", "posttime"} | {"description", "excerpt", "image", "tags"}


def front_matter(text: str) -> dict[str, Any]:
    """The post's front matter, read by a real YAML parser."""
    loaded = yaml.safe_load(text.split("---\n")[1])
    assert isinstance(loaded, dict)
    return loaded


def test_without_a_cloud_the_front_matter_names_no_image(template):
    fm = front_matter(render(make_ready(terms=[]), template, image=False))
    assert "image" not in fm
    assert fm["tags"] == ["ai", "finance"]


def test_an_empty_overview_describes_the_post_by_its_data_line(template):
    fm = front_matter(render(make_ready(report=make_report(overview=[])), template))
    assert fm["description"].startswith("本期统计推文 1,127 条")
    assert fm["excerpt"] == fm["description"]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_overview_text_is_one_yaml_value_shown_as_written(template, hostile):
    """Quotes, colons, '#', '{{', '---' and line breaks stay inside the value, as entities."""
    from services.render.frontmatter import first_sentence

    paragraph = f'"{hostile}": key: value # {{{{ x }}}}\n---\nlayout: evil'
    text = render(make_ready(report=make_report(overview=[paragraph])), template)
    fm = front_matter(text)
    assert set(fm) == FRONT_MATTER
    assert fm["layout"] == "post"
    assert html.unescape(fm["description"]) == first_sentence([paragraph])
    bare = re.sub(r"&#?\w+;", "", fm["description"])  # what is left outside the entities
    for char in '<>{}"\\`*_[]#|&':
        assert char not in bare, char


def test_the_description_is_the_first_sentence_cut_at_a_boundary():
    from services.render.frontmatter import first_sentence

    assert first_sentence(["", "  第一句。第二句。"]) == "第一句。"
    assert first_sentence(["GPT-5 ships today. More soon."]) == "GPT-5 ships today."
    assert first_sentence(["v1.5 is out! Really."]) == "v1.5 is out!"
    assert first_sentence(["没有句号的段落"]) == "没有句号的段落"
    long = "word " * 60 + "end."
    cut = first_sentence([long], limit=50)
    assert len(cut) <= 50 and cut.endswith("word…") and "wor…" not in cut
    assert first_sentence(["一" * 300], limit=40) == "一" * 39 + "…"
    assert first_sentence([]) == ""


YAML_TRICKS = ['a "quoted" \\ back', "tab\tand\x01ctrl\x7f", "line\u2028sep\u2029para\x85nel",
               "bom\ufeff", "emoji 😀 and CJK 中文", "\ud800 lone"]  # fmt: skip


@pytest.mark.parametrize("value", YAML_TRICKS)
def test_yaml_str_round_trips_through_a_yaml_reader(value):
    from services.render.frontmatter import yaml_str

    quoted = yaml_str(value)
    assert "\n" not in quoted and "\u2028" not in quoted
    assert yaml.safe_load(f"key: {quoted}\n") == {"key": value.replace("\ud800", "\ufffd")}


def test_report_built_after_its_window_is_dated_on_the_last_day_at_post_hour(template):
    late = WINDOW_START + timedelta(days=1, hours=2)  # 2026-01-03 02:00 in Shanghai
    text = render(make_ready(built_at=late, final=True), template)
    assert 'date: "2026-01-02 10:05:34 +0800"\n' in text
    assert 'posttime: "2026-01-02 10:05:34 +0800"\n' in text
    assert "窗口尚未结束" not in text


def test_report_built_inside_the_window_is_dated_when_built(template):
    built = WINDOW_START + timedelta(hours=15, minutes=30, seconds=7, microseconds=5)
    text = render(make_ready(built_at=built), template)
    assert 'date: "2026-01-02 15:30:07 +0800"\n' in text
    assert "窗口尚未结束，本文将随新推文更新。" in text


def test_multi_day_window_in_utc_names_first_and_last_day(template):
    start = datetime(2026, 1, 2, tzinfo=UTC)
    window = Window(id="2026-01-02", start=start, end=start + timedelta(days=3), timezone="UTC")
    msg = make_ready(window=window, built_at=start + timedelta(days=5))
    text = render(msg, template)
    assert 'title: "twitter_ai_20260102_20260104"\n' in text
    assert 'date: "2026-01-04 10:05:34 +0000"\n' in text
    assert "Twitter Ai 报告 (2026-01-02 至 2026-01-04)\n" in text
    names = post_names(window_dates(msg), "assets/images", with_image=True)
    assert names.post_path == "_posts/2026-01-02-twitter_ai_20260102_20260104.md"
    assert names.image_path == "assets/images/wordcloud_twitter_ai_20260102_20260104.jpg"


def test_layout_comes_from_settings(template):
    assert "\nlayout: report\n" in render(make_ready(), template, layout="report")


@pytest.mark.parametrize(
    ("window", "reason"),
    [
        (Window(id="2026-01-01", start=WINDOW_START, end=WINDOW_START + timedelta(days=1),
                timezone="Asia/Shanghai"), "starts on 2026-01-02"),
        (Window(id="2026-01-02", start=WINDOW_START, end=WINDOW_START,
                timezone="Asia/Shanghai"), "not after its start"),
        (Window(id="2026-01-02", start=WINDOW_START, end=WINDOW_START + timedelta(days=1),
                timezone="Mars/Olympus"), "unknown time zone"),
    ],
)  # fmt: skip
def test_a_window_that_is_not_one_is_an_invalid_message(window, reason):
    with pytest.raises(InvalidMessage, match=reason):
        window_dates(make_ready(window=window))


# ---------------------------------------------------------------------------- structure


def test_every_heading_of_the_seed_in_order_then_footer_and_cloud(template):
    lines = body_lines(render(make_ready(), template))
    assert [ln for ln in lines if ln.startswith("#")] == HEADINGS
    assert lines[1] == "Twitter Ai 报告 (2026-01-02 至 2026-01-02)"
    assert (
        lines[3]
        == "本期统计推文 1,127 条（另有转推 1,873 次），报告生成于 2026-01-02 10:05（UTC+0800）。窗口尚未结束，本文将随新推文更新。"
    )
    rule = lines.index("---")
    assert lines.index("#### 金融市场相关内容") < rule < lines.index("## 词云分析")
    assert lines[rule + 2] == (
        "*本报告基于Twitter平台公开推文内容生成，力求客观反映人工智能领域的最新动态和发展趋势。*"
    )
    cloud = lines.index("## 词云分析")
    assert lines[cloud + 2] == (
        '![词云图]({{ "/assets/images/wordcloud_twitter_ai_20260102_20260102.jpg" | relative_url }})'
    )
    assert lines[cloud + 4].startswith("<!-- tweetpulse:render window=2026-01-02 built_at=")
    assert lines[-1] == lines[cloud + 4]


def test_ten_numbered_core_points_each_with_body_quote_and_linked_sources(template):
    text = render(make_ready(), template)
    section = text.split("### 核心信息（10个信息点概述）\n\n", 1)[1].split("\n## 详细分析部分", 1)[
        0
    ]
    items = re.split(r"^(?=\d+\. )", section, flags=re.M)
    items = [i for i in items if i.strip()]
    assert len(items) == 10
    for n, item in enumerate(items, start=1):
        indent = " " * len(f"{n}. ")
        lines = [ln for ln in item.splitlines() if ln]
        assert lines[0] == f"{n}. **要点{n}**"
        assert lines[1] == f"{indent}第{n}个要点的正文，说明推文讨论的内容。"
        top = n + 20  # the more engaging of the two citations
        assert (
            lines[2]
            == f"{indent}> Tweet number {top} about GPT-5 and agents（@user{top}，互动 {10 * top}）"
        )
        assert lines[3] == (
            f"{indent}来源：[@user{top}](https://x.com/user{top}/status/{1000 + top}) · "
            f"[@user{n}](https://x.com/user{n}/status/{1000 + n})"
        )
        assert len(lines) == 4


def test_fewer_core_points_are_counted_honestly(template):
    text = render(make_ready(report=make_report(points=3)), template)
    assert "### 核心信息（3个信息点概述）\n" in text
    assert "\n3. **要点3**\n" in text and "\n4. " not in text


def test_event_blocks_have_title_lead_bullets_and_sources(template):
    text = render(make_ready(), template)
    assert (
        "**模型发布与技术突破**\n\n"
        "模型发布与技术突破的第一段分析。\n\n"
        "- 模型发布与技术突破要点1\n"
        "- 模型发布与技术突破要点2\n\n"
        "来源：[@user5](https://x.com/user5/status/1005)\n"
    ) in text


def test_empty_sections_say_so_instead_of_leaving_a_bare_heading(template):
    report = make_report(points=0, overview=[], insights=[], markets=[], finance_analysis=[])
    text = render(make_ready(report=report), template)
    assert "### 核心信息（0个信息点概述）\n\n" + NO_CONTENT in text
    assert "### 重要观点与见解\n\n" + NO_CONTENT in text
    assert "#### 金融市场相关内容\n\n" + NO_CONTENT in text
    headings = [ln for ln in body_lines(text) if ln.startswith("#")]
    assert headings[3] == "### 核心信息（0个信息点概述）"


def test_without_terms_the_cloud_section_says_there_is_no_image(template):
    text = render(make_ready(terms=[]), template, image=False)
    assert "## 词云分析\n\n" + NO_CLOUD + "\n" in text
    assert "![" not in text and "relative_url" not in text


def test_footer_notes_follow_the_fixed_footer_in_italics(template):
    report = make_report(footer_notes=["数据截至 2026-01-02 23:59", "  "])
    text = render(make_ready(report=report), template)
    assert "趋势。*\n\n*数据截至 2026-01-02 23:59*\n\n## 词云分析" in text


def test_the_post_records_the_report_it_was_built_from(template):
    text = render(make_ready(), template)
    assert read_marker(text) == BUILT_AT
    assert read_marker("no marker here") is None


# ---------------------------------------------------------------------------- hostile text


@pytest.fixture(scope="module")
def hostile_md(template) -> str:
    return render(make_ready(report=hostile_report()), template)


def test_hostile_text_keeps_its_characters_once_entities_are_read(hostile_md):
    shown = html.unescape(hostile_md)
    for h in HOSTILE:
        assert " ".join(h.split()) in shown, h


def test_no_liquid_html_or_link_from_a_tweet_survives_as_markup(hostile_md):
    ours = [
        ln
        for ln in hostile_md.splitlines()
        if ln.startswith(("![词云图]({{ ", "<!-- tweetpulse:render "))
    ]
    assert len(ours) == 2
    rest = "\n".join(ln for ln in body_lines(hostile_md) if ln not in ours)
    marks = ["{{", "{%", "{:", "<", "$$", "`", "~~", "|", "\\", "![", "**bold**", "_under_"]
    for mark in marks:
        assert mark not in rest, mark
    # every link is ours: an escaped @author pointing at an https url
    for label, target in re.findall(r"\[([^\]]*)\]\(([^)]*)\)", rest):
        assert label.startswith("@") and target.startswith("https://"), (label, target)
    assert "javascript:alert(1)" not in re.findall(r"\]\(([^)]*)\)", rest)


def test_hostile_text_cannot_start_a_block_of_its_own(hostile_md):
    lines = body_lines(hostile_md)
    headings = [ln for ln in lines if ln.startswith("#")]
    assert headings == HEADINGS
    numbered = [ln for ln in lines if re.match(r"\s*\d+[.)]\s", ln)]
    assert [int(ln.split(".")[0]) for ln in numbered] == list(range(1, 11))
    quotes = [ln for ln in lines if ln.lstrip().startswith(">")]
    assert len(quotes) == 10  # one per core point, ours
    bullets = [ln for ln in lines if ln.startswith(("- ", "* ", "+ "))]
    assert len(bullets) == 5 * len(HOSTILE)  # the five blocks' own bullets, nothing more
    # only our list items indent, by their marker's width: no indented code from a tweet
    assert {len(ln) - len(ln.lstrip()) for ln in lines if ln.strip()} == {0, 3, 4}
    assert not any("\t" in ln for ln in lines)
    assert lines.count("---") == 1


def test_untrusted_urls_are_not_linked_and_their_author_shows_as_text(hostile_md):
    assert "@jsuser" in hostile_md
    assert "](javascript" not in hostile_md and "](http://" not in hostile_md
    assert "@&lt;b&gt;tag&lt;/b&gt;" in hostile_md


def test_sources_are_deduplicated_capped_and_ordered_by_engagement(template):
    refs = [make_ref(n) for n in range(1, 8)] + [make_ref(7), make_ref(50, author="", url=None)]
    point = CorePoint(title="来源测试", body="正文。", citations=refs)
    text = render(make_ready(report=make_report(points=0, core_points=[point])), template)
    [line] = [ln for ln in text.splitlines() if ln.startswith("   来源：")]
    assert line == "   来源：推文 · " + " · ".join(
        f"[@user{n}](https://x.com/user{n}/status/{1000 + n})" for n in (7, 6, 5, 4)
    )


def test_a_point_whose_body_already_quotes_its_tweet_is_not_quoted_twice(template):
    ref = make_ref(1, text="IQuest Labs releases a 40B-parameter code LLM today")
    quoting = CorePoint(title="代码生成", body=f"原文为“{ref.text}”。", citations=[ref])
    analysing = CorePoint(title="代码生成", body="代码模型继续变大。", citations=[ref])
    out = render(make_ready(report=make_report(core_points=[quoting, analysing])), template)
    core = out.split("### 核心信息")[1].split("## 详细分析部分")[0]
    assert core.count("IQuest Labs releases") == 2  # once in the first body, once quoted
    assert len(re.findall(r"^\s*> ", core, re.M)) == 1
    # A tweet that is one quoted passage is quoted in the body without its own marks.
    wrapped = make_ref(2, text='"很高興地宣布：我們的新課程現已免費提供！"')
    body = "原文为“很高興地宣布：我們的新課程現已免費提供！”。"
    point = CorePoint(title="新课程", body=body, citations=[wrapped])
    out = render(make_ready(report=make_report(core_points=[point])), template)
    core = out.split("### 核心信息")[1].split("## 详细分析部分")[0]
    assert not re.findall(r"^\s*> ", core, re.M)


def test_a_source_linked_through_its_retweet_says_so(template):
    # A CSV row "RT @gpu_girl_nyc: …" by @mayacodes: the original's id is unknown, so the
    # link is the retweet's, and the label names both.
    ref = make_ref(
        3, author="gpu_girl_nyc", url="https://x.com/mayacodes/status/2007115572341577311"
    )
    own = make_ref(4, author="Rosa", url="https://x.com/rosa/status/1004")
    point = CorePoint(title="转推来源", body="正文。", citations=[ref, own])
    text = render(make_ready(report=make_report(points=0, core_points=[point])), template)
    [line] = [ln for ln in text.splitlines() if ln.startswith("   来源：")]
    assert "[@gpu&#95;girl&#95;nyc（经 @mayacodes 转推）](https://x.com/mayacodes/status/" in line
    assert "[@Rosa](https://x.com/rosa/status/1004)" in line  # same account, other case


def test_a_long_tweet_quoted_under_a_point_is_cut_at_a_sentence_or_a_word(template):
    sentences = "Closed wins early. Open wins eventually. " * 6  # 240 characters, 12 sentences
    words = "word " * 60  # no sentence end before the cut
    points = [
        CorePoint(title="开源", body="分析。", citations=[make_ref(1, text=sentences)]),
        CorePoint(title="词", body="分析。", citations=[make_ref(2, text=words)]),
    ]
    out = render(make_ready(report=make_report(core_points=points)), template)
    quotes = re.findall(r"^\s*> (.*)（", out, re.M)
    assert len(quotes) == 2
    assert quotes[0].endswith(("early.", "eventually.")) and len(quotes[0]) <= 160
    assert sentences.startswith(quotes[0])
    assert quotes[1].endswith("word…") and "wor…" not in quotes[1].replace("word…", "")
