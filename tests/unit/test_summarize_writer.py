"""The extractive writer: every section in the seed's order, ten cited core points, traceable figures."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

from services.render import markdown
from services.summarize.view import WindowView, load_view
from services.summarize.writers import CORE_POINTS, EVENT_TITLES, ReportWriter, SectionWriter
from services.summarize.writers.extractive import NO_CRYPTO_TEXT, NO_CRYPTO_TITLE, ExtractiveWriter
from services.summarize.writers.model.prompt import item_payload
from services.summarize.writers.phrasing import NO_DATA, num, quotable_text, share
from shared.models import Block, Report, TweetRef
from shared.settings import ReportSettings
from shared.store import MemoryStore
from tests.unit.test_summarize_factories import WINDOW, classified, load, rich_window

BUILT = datetime(2026, 1, 3, 1, 0, tzinfo=UTC)
_NUM = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")
_QUOTE = re.compile(r"“(.*?)”", re.S)


def view_of(messages, settings: ReportSettings | None = None) -> WindowView:
    settings = settings or ReportSettings()
    return load_view(load(messages, settings), WINDOW, settings, built_at=BUILT)


def prose(report: Report) -> Iterator[tuple[str, list[TweetRef]]]:
    """Every piece of text with the citations that back it."""
    for p in report.overview:
        yield p, report.overview_citations
    for point in report.core_points:
        yield point.title, point.citations
        yield point.body, point.citations
    blocks: list[Block] = [
        *report.insights,
        *report.events,
        *report.markets,
        *report.ai_analysis,
        *report.finance_analysis,
    ]
    for b in blocks:
        yield b.title, b.citations
        for text in [*b.paragraphs, *b.bullets]:
            yield text, b.citations
    for note in report.footer_notes:
        yield note, []


def data_numbers(view: WindowView, report: Report) -> set[str]:
    """Every figure the view holds, the shares between any two counts, dates and entity names."""
    st = view.stats
    counts = {st.tweets, st.retweets, len(report.core_points)}
    counts |= set(st.categories.values()) | set(st.sentiment.values())
    counts |= {s.count for s in st.subtopics}
    for sym in [*st.tickers, *st.coins]:
        counts |= {sym.mentions, sym.bullish, sym.bearish, sym.neutral}
    for group in (view.models, view.companies, view.hashtags, view.langs):
        counts |= {c.count for c in group}
    counts |= {c.size for c in view.clusters} | {sum(1 for c in view.clusters if c.size >= 2)}
    counts |= set(view.subtopic_retweets.values()) | set(view.retweets_by_category.values())
    for moods in view.sentiment_by_category.values():
        counts |= set(moods.values())
    for story in view.stories:
        counts |= {story.tweets, story.retweets, story.authors, *story.sentiment.values()}
        counts |= {n for _, n in story.languages}
    a = view.set_aside
    counts |= {a.spam_stories, a.spam_tweets, a.chatter_stories, a.chatter_tweets}
    allowed = {num(n) for n in counts}
    allowed |= {share(a, b).rstrip("%") for a in counts for b in counts if b}
    docs = [*view.top_all, *view.ticker_docs.values(), *view.coin_docs.values()]
    for top in [*view.top_by_category.values(), *view.top_by_subtopic.values()]:
        docs.extend(top)
    allowed |= {num(d.engagement) for d in docs}
    # A story's title is its own tweets' words: the figures its members wrote are data too.
    for story in view.stories:
        for member in story.members:
            allowed |= set(_NUM.findall(quotable_text(member.ref.text)))
    names = [*view.subtopic_labels.values(), *(c.label for c in [*view.models, *view.companies])]
    names += [s.symbol for s in [*st.tickers, *st.coins]] + [s.name or "" for s in st.tickers]
    w = view.window
    built = view.built_at.astimezone(w.start.tzinfo)
    names += [f"{w.start:%Y-%m-%d %H:%M}", f"{w.end:%Y-%m-%d %H:%M}", f"{built:%Y-%m-%d %H:%M}"]
    for name in names:
        allowed |= set(_NUM.findall(name))
    return allowed


def assert_traceable(view: WindowView, report: Report) -> None:
    """Quotes come from the cited tweets; every other figure from the data or a cited tweet."""
    allowed = data_numbers(view, report)
    for text, cites in prose(report):
        assert "http" not in text and "**" not in text, text
        cited = [quotable_text(c.text) for c in cites]
        for q in _QUOTE.findall(text):
            fragment = q.rstrip("…")
            assert any(fragment in c for c in cited), f"quote not from a cited tweet: {q!r}"
        rest = re.sub(r"@\w+", "", _QUOTE.sub("", text))
        from_cited = {n for c in cited for n in _NUM.findall(c)}
        for figure in _NUM.findall(rest):
            assert figure in allowed or figure in from_cited, f"{figure} untraceable in {text!r}"


def test_extractive_writer_satisfies_the_writer_protocols() -> None:
    writer: ReportWriter = ExtractiveWriter()
    sections: SectionWriter = ExtractiveWriter()  # what a model writer falls back to
    assert writer.name == sections.name == "extractive"
    assert writer.write(view_of(rich_window())).usage is None


def test_report_sections_follow_the_seed_order() -> None:
    assert list(Report.model_fields) == [
        "overview",
        "overview_citations",
        "core_points",
        "insights",
        "events",
        "markets",
        "ai_analysis",
        "finance_analysis",
        "footer_notes",
    ]


def test_rich_window_fills_every_section_with_ten_cited_points() -> None:
    view = view_of(rich_window())
    report = ExtractiveWriter().write(view).report

    assert len(report.overview) == 2
    assert report.overview[0].startswith("本时段（2026-01-02")
    assert f"共收录 {view.stats.tweets} 条推文" in report.overview[0]
    # the second paragraph names the day's stories, by their titles
    assert "当天最受关注的是「" + report.core_points[0].title + "」" in report.overview[1]

    assert len(report.core_points) == CORE_POINTS
    leads = [p.citations[0].tweet_id for p in report.core_points]
    assert len(set(leads)) == CORE_POINTS
    titles = [p.title for p in report.core_points]
    assert len(set(titles)) == CORE_POINTS
    stories = {s.id: s for s in view.stories}
    assert len({p.story_id for p in report.core_points}) == CORE_POINTS  # never one story twice
    for point in report.core_points:
        assert 1 <= len(point.citations) <= 3
        assert "条" in point.body and "“" in point.body
        assert point.story_id in stories
        assert "互动量" not in point.body
    # the strongest stories, in order
    assert [p.story_id for p in report.core_points] == [s.id for s in view.stories][:CORE_POINTS]

    assert report.insights and all(b.citations for b in report.insights)
    assert [b.title for b in report.events] == list(EVENT_TITLES)
    assert sum(1 for b in report.events if b.bullets) >= 2
    for block in report.events:
        assert block.paragraphs
        assert len(block.citations) == len(block.bullets)  # one event story a line, cited
    # Markets: a block per sector, its stories told (who said what, how the market took it),
    # the category's share first and the most mentioned tickers no story named last.
    assert [b.title for b in report.markets] == ["股票市场", "投资与融资", NO_CRYPTO_TITLE]
    stocks, funding, crypto = report.markets
    assert stocks.paragraphs[0].startswith("本时段金融市场相关推文 11 条")
    assert "+124%" in stocks.paragraphs[1] and "“" in stocks.paragraphs[1]
    assert "市场情绪偏多，4 条推文看涨" in stocks.paragraphs[1]
    assert "ByteDance" in funding.paragraphs[0]
    assert "NVDA（NVIDIA，8 次，看涨 5）" in funding.paragraphs[-1]
    assert all(len(b.citations) == 1 and not b.bullets for b in (stocks, funding))
    assert crypto.paragraphs == [NO_CRYPTO_TEXT]
    assert [b.title for b in report.ai_analysis][:3] == ["智能代理", "伦理与治理", "模型发布"]
    assert [b.title for b in report.finance_analysis] == ["股票市场", "投资与融资"]
    assert not any("只能区分出" in n for n in report.footer_notes)  # no "fewer points" note
    assert any("未作为新闻报道" in n for n in report.footer_notes) == bool(
        view.set_aside.chatter_stories or view.set_aside.spam_stories
    )
    assert "123 条" in report.footer_notes[0]
    assert_traceable(view, report)


def test_the_retweeted_tweet_leads_with_its_highest_engagement() -> None:
    view = view_of(rich_window())
    assert view.top_all[0].id == "100001"
    assert view.top_all[0].engagement == 502 + 2 * 50  # the last, largest retweet's metrics
    point = ExtractiveWriter().write(view).report.core_points[0]
    assert point.citations[0].tweet_id == "100001"
    assert "另有 3 次转发" in point.body


def test_tiny_window_gives_fewer_points_and_says_why() -> None:
    view = view_of(
        [
            classified("1", "Agents are here", likes=3),
            classified("2", "A new paper on scaling", subtopics=[("research", "学术研究")]),
            classified("3", "Another agent framework", likes=1),
        ]
    )
    report = ExtractiveWriter().write(view).report
    assert len(report.core_points) == len(view.stories) < CORE_POINTS
    assert {p.citations[0].tweet_id for p in report.core_points} <= {"1", "2", "3"}
    assert f"只能区分出 {len(view.stories)} 个互不重复的事件" in report.footer_notes[-1]
    events = {b.title: b for b in report.events}
    assert events["学术研究进展"].bullets
    assert events["产业合作与投资"].paragraphs == [NO_DATA]
    assert report.finance_analysis[0].paragraphs == ["本时段未见金融市场相关推文。"]
    assert_traceable(view, report)


def test_two_subtopics_never_lead_with_the_same_tweet() -> None:
    both = [("agents", "智能代理"), ("coding", "代码生成")]
    view = view_of(
        [
            classified("1", "Agents write code now", likes=50, subtopics=both),
            classified("2", "Copilot agents", likes=5, subtopics=both),
            classified("3", "Same words as one", likes=4, near_dup_key="k1", subtopics=both),
        ]
    )
    points = ExtractiveWriter().write(view).report.core_points
    assert [p.citations[0].tweet_id for p in points] == ["1", "2"]


def test_near_duplicate_cluster_becomes_a_point_with_its_size() -> None:
    msgs = [
        classified(
            str(i),
            "Buy this AI course now!!",
            author=f"bot{i}",
            likes=i,
            subtopics=[],
            near_dup_key="spam",
        )
        for i in range(5)
    ]
    msgs.append(classified("9", "Agents are great", likes=100))
    view = view_of(msgs)
    report = ExtractiveWriter().write(view).report
    cluster = report.core_points[0]
    assert cluster.citations[0].tweet_id == "4"  # the most engaging copy represents the cluster
    assert "5 条推文、5 位作者" in cluster.body
    assert_traceable(view, report)


def test_crypto_seen_gives_a_coin_block_with_sentiment() -> None:
    view = view_of(
        [
            classified(
                "1",
                "BTC to 100k, up 12% this week",
                categories=["crypto"],
                subtopics=[],
                coins=["BTC"],
                sentiment="bullish",
                likes=8,
                percentages=["12%"],
            ),
            classified(
                "2",
                "BTC and ETH dumping",
                categories=["crypto"],
                subtopics=[],
                coins=["BTC", "ETH"],
                sentiment="bearish",
                likes=2,
            ),
        ]
    )
    report = ExtractiveWriter().write(view).report
    crypto = report.markets[1]
    assert crypto.title == "数字货币"
    assert "BTC（2 次，看涨 1、看跌 1）" in crypto.paragraphs[1]
    assert "其中看涨 1 条、看跌 1 条、中性 0 条" in crypto.paragraphs[0]
    assert any("12%" in b for b in crypto.bullets)
    assert report.markets[0].paragraphs == ["本时段推文未涉及个股或股票市场。"]
    assert_traceable(view, report)


def test_empty_window_says_so_everywhere() -> None:
    settings = ReportSettings()
    view = load_view(MemoryStore(), WINDOW, settings, built_at=BUILT)
    report = ExtractiveWriter().write(view).report
    assert view.stats.tweets == 0 and view.stats.categories["none"] == 0
    assert report.overview == [
        "本时段（2026-01-02，Asia/Shanghai 时间）未收录到推文，以下各部分均无数据。"
    ]
    assert report.core_points == []
    assert [b.paragraphs for b in report.events] == [[NO_DATA]] * 4
    assert report.markets[1].title == NO_CRYPTO_TITLE
    assert all(not b.citations for b in [*report.insights, *report.ai_analysis])
    assert report.footer_notes[0].startswith("本报告基于 0 条")
    assert_traceable(view, report)


def test_plain_text_keeps_quotes_verbatim_and_spaces_latin_off_chinese() -> None:
    view = view_of(
        [
            classified(
                "1", "看好GPT-5的推理能力 https://t.co/x", likes=2, models=["GPT-5"], lang="zh"
            )
        ]
    )
    report = ExtractiveWriter().write(view).report
    body = report.core_points[0].body
    assert "“看好GPT-5的推理能力”" in body  # the tweet as written, its link left to the citation
    assert "@alice" in body and "互动量" not in body
    assert report.core_points[0].citations[0].url == "https://x.com/alice/status/1"
    assert "推文语言以中文为主" in report.overview[0]


def test_sections_can_be_written_one_by_one_for_a_fallback() -> None:
    view = view_of(rich_window())
    writer = ExtractiveWriter()
    whole = writer.write(view).report
    assert writer.events(view) == whole.events
    assert writer.markets(view) == whole.markets
    assert writer.core_points(view) == whole.core_points
    assert writer.footer_notes(view) == whole.footer_notes


def test_the_traceability_check_catches_invented_figures_and_quotes() -> None:
    view = view_of(rich_window())
    report = ExtractiveWriter().write(view).report
    invented = report.model_copy(update={"overview": ["共收录 777 条推文。"]})
    misquoted = report.model_copy(update={"overview": ["有人说“AI will replace everyone”。"]})
    for bad in (invented, misquoted):
        try:
            assert_traceable(view, bad)
        except AssertionError:
            continue
        raise AssertionError("an invented figure or quote went unnoticed")


def test_quotes_keep_the_text_ingest_decoded_and_drop_control_characters() -> None:
    # The source sent "&amp;lt;tag&amp;gt; Q&amp;A": ingest decoded it once, to what the author
    # typed. A writer decoding again would turn the author's literal "&lt;" into "<".
    view = view_of([classified("1", "A literal &lt;tag&gt; in Q&A on agents\x02 today", likes=1)])
    body = ExtractiveWriter().write(view).report.core_points[0].body
    assert "“A literal &lt;tag&gt; in Q&A on agents today”" in body
    assert "<tag>" not in body
    # render escapes the text for the post, so a reader sees "&lt;tag&gt;", not a tag
    assert "&amp;lt;tag&amp;gt; in Q&amp;A" in markdown.text(body)
    # the model reads the same text
    doc = view.top_all[0]
    assert item_payload(doc, {})["text"] == "A literal &lt;tag&gt; in Q&A on agents today"
