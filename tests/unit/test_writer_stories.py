"""The extractive writer on hand-built stories: ten distinct stories, titled in Chinese, each told
in a few sentences with no phrasing serving more than three points (issue 9, part 4)."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from services.summarize.doc import TweetDoc
from services.summarize.story import SetAsideCounts, Story
from services.summarize.view import load_view
from services.summarize.writers import CORE_POINTS, EVENT_TITLES
from services.summarize.writers.extractive import ExtractiveWriter
from services.summarize.writers.fallback import stories_of
from services.summarize.writers.phrasing import quotable_text
from services.summarize.writers.titles import english_clause, story_title
from shared.models import StoryKind, TweetRef
from shared.settings import ReportSettings
from tests.unit.test_summarize_factories import WINDOW, load, rich_window
from tests.unit.test_summarize_writer import BUILT, assert_traceable

T0 = datetime(2026, 1, 2, 2, 0, tzinfo=UTC)
_QUOTE = re.compile(r"“(.*?)”")


def doc(
    n: int,
    text: str,
    *,
    author: str | None = None,
    lang: str = "en",
    engagement: float = 10.0,
    companies: tuple[str, ...] = (),
    percentages: tuple[str, ...] = (),
    sentiment: str = "neutral",
) -> TweetDoc:
    ref = TweetRef(
        tweet_id=str(1000 + n),
        author=author or f"user{n}",
        text=text,
        url=f"https://x.com/{author or f'user{n}'}/status/{1000 + n}",
        created_at=T0 + timedelta(minutes=n),
        engagement=engagement,
        lang=lang,
    )
    return TweetDoc(
        ref=ref,
        categories=("ai",),
        subtopics=("agents",),
        sentiment=sentiment,
        companies=companies,
        percentages=percentages,
    )


def story(
    sid: str,
    members: list[TweetDoc],
    *,
    kind: StoryKind = "release",
    score: float = 1.0,
    entities: tuple[str, ...] = (),
    figures: tuple[str, ...] = (),
    labels: dict[str, str] | None = None,
    retweets: int = 0,
) -> Story:
    langs = Counter(d.ref.lang or "und" for d in members)
    by_lang: dict[str, tuple[TweetDoc, ...]] = {}
    for d in members:
        by_lang[d.ref.lang or "und"] = (*by_lang.get(d.ref.lang or "und", ()), d)
    return Story(
        id=sid,
        kind=kind,
        tweets=len(members),
        retweets=retweets,
        authors=len({d.ref.author for d in members}),
        languages=tuple(langs.most_common()),
        engagement=sum(d.engagement for d in members),
        first_seen=min(d.ref.created_at for d in members),
        last_seen=max(d.ref.created_at for d in members),
        entities=entities,
        figures=figures,
        subtopics=("agents",),
        categories=("ai",),
        sentiment=dict(Counter(d.sentiment for d in members)),
        representatives=by_lang,
        members=tuple(members),
        score=score,
        entity_labels=labels or {},
    )


def day() -> list[Story]:
    """Twelve stories of a day, strongest first, in English and Chinese."""
    n = iter(range(1, 1000))
    stories = [
        story(
            "s-skills",
            [
                doc(next(n), "Anthropic's Claude Skills library: 39 deep guides for real work"),
                doc(
                    next(n), "Anthropic 推出 Claude Skills 资源库，包含39个深度使用指南", lang="zh"
                ),
                doc(next(n), "Claude Skills is a goldmine, bookmark this"),
            ],
            kind="tool",
            entities=("Anthropic", "Claude Skills"),
        ),
        story(
            "s-memory",
            [
                doc(
                    next(n),
                    "Samsung +124%, SK Hynix +280%, Kospi +76% in 2025.",
                    percentages=("+124%", "+280%"),
                    sentiment="bullish",
                ),
                doc(next(n), "SK Hynix +280% is wild", sentiment="bullish"),
            ],
            kind="market",
            entities=("SK Hynix", "Samsung"),
            figures=("+280%", "+124%"),
            labels={"SK Hynix": "SK海力士", "Samsung": "三星"},
        ),
        story(
            "s-bytedance",
            [
                doc(next(n), "ByteDance plans to spend $14B on Nvidia H200 chips in 2026"),
                doc(next(n), "But watch the policy risk: one rule change and it is gone."),
            ],
            kind="funding",
            entities=("ByteDance", "NVIDIA"),
            figures=("$14B",),
            labels={"ByteDance": "字节跳动", "NVIDIA": "英伟达"},
        ),
        story(
            "s-open",
            [
                doc(next(n), "Closed wins early. Open wins eventually. It will happen with AI."),
                doc(next(n), "@user10 Disagree. Frontier runs cost too much for open to catch up."),
            ],
            kind="debate",
        ),
        story(
            "s-imo",
            [
                doc(
                    next(n),
                    "New paper: small human hints help frontier models solve IMO-level problems",
                )
            ],
            kind="research",
        ),
    ]
    for i in range(7):
        stories.append(
            story(
                f"s-extra{i}",
                [
                    doc(next(n), f"Lab {i} ships a new agent framework for spreadsheets today"),
                    doc(next(n), f"Tried the agent framework from lab {i}, impressive"),
                ],
                kind=("release", "tool", "research", "policy")[i % 4],
            )
        )
    return [dataclasses.replace(s, score=100.0 - i) for i, s in enumerate(stories)]


@pytest.fixture
def view():
    settings = ReportSettings()
    base = load_view(load(rich_window(), settings), WINDOW, settings, built_at=BUILT)
    return dataclasses.replace(
        base,
        stories=day(),
        set_aside=SetAsideCounts(
            spam_stories=1, spam_tweets=40, chatter_stories=3, chatter_tweets=5
        ),
    )


def skeleton(sentence: str) -> str:
    s = re.sub(r"“.*?”", "Q", sentence)
    s = re.sub(r"@\w+", "@", s)
    s = re.sub(r"[A-Za-z][\w'.&-]*(?:\s+[A-Za-z][\w'.&-]*)*", "W", s)
    return re.sub(r"\d+", "N", s)


def test_core_points_are_the_ten_strongest_stories_once_each(view) -> None:
    points = ExtractiveWriter().core_points(view)
    assert [p.story_id for p in points] == [s.id for s in view.stories][:CORE_POINTS]
    assert len({p.story_id for p in points}) == CORE_POINTS
    assert len({p.citations[0].tweet_id for p in points}) == CORE_POINTS


def test_no_sentence_template_serves_more_than_three_points(view) -> None:
    points = ExtractiveWriter().core_points(view)
    seen: Counter[str] = Counter()
    for p in points:
        blanked = _QUOTE.sub("Q", p.body)
        seen.update({skeleton(s) for s in re.split(r"(?<=。)", blanked) if s.strip()})
    template, uses = seen.most_common(1)[0]
    assert uses <= 3, template


def test_a_body_says_what_happened_how_widely_and_how_it_was_received(view) -> None:
    points = {p.story_id: p for p in ExtractiveWriter().core_points(view)}
    skills = points["s-skills"]
    assert skills.title == "Anthropic 推出 Claude Skills 资源库"  # the Chinese member's opening
    assert "3 条推文" in skills.body or "3 条" in skills.body
    assert "英语和中文" in skills.body  # carried in two languages
    debate = points["s-open"]
    assert "不同的声音来自 @user9" in debate.body and "Disagree" in debate.body  # the other side
    memory = points["s-memory"]
    assert "看涨" in memory.body  # a market story's reaction is its sentiment
    for p in points.values():
        assert "互动量" not in p.body and "占全部推文" not in p.body


def test_titles_name_the_story_in_chinese_from_its_entities_or_its_opening() -> None:
    stories = {s.id: s for s in day()}
    # No Chinese member: the subject by its Chinese name and the verb in Chinese.
    assert story_title(stories["s-bytedance"]) == "字节跳动计划投入$14B on Nvidia H200 chips"
    # No verb to take: the kind and the opening clause, as written; cut short, it says so.
    assert story_title(stories["s-imo"]) == (
        "新研究：small human hints help frontier models solve IMO-level…"
    )
    assert english_clause(doc(1, "The divide does not make sense in a world of agents")) == (
        "The divide does not make sense in a world of agents"
    )


def test_quotes_are_whole_or_cut_at_a_sentence_never_inside_a_word(view) -> None:
    long = "Closed wins early. " * 20
    stories = [
        dataclasses.replace(s, members=(doc(900, long), *s.members[1:]), representatives={})
        if s.id == "s-open"
        else s
        for s in view.stories
    ]
    report = ExtractiveWriter().write(dataclasses.replace(view, stories=stories)).report
    texts = [p.body for p in report.core_points]
    for block in [*report.insights, *report.events, *report.ai_analysis]:
        texts += [*block.paragraphs, *block.bullets]
    cited = [quotable_text(s.ref.text) for st in stories for s in st.members]
    for text in texts:
        for q in _QUOTE.findall(text):
            whole = [c for c in cited if c.startswith(q.rstrip("…"))]
            assert whole, q
            if q.endswith("…"):
                head = q[:-1]
                rest = next(c for c in whole)[len(head) :]
                assert not (head[-1].isalnum() and rest[:1].isalnum()), q
            elif q not in cited:
                assert q.endswith((".", "。", "!", "?")), q  # cut at a sentence's end


def test_events_list_event_stories_under_their_heading_and_insights_both_sides(view) -> None:
    writer = ExtractiveWriter()
    events = {b.title: b for b in writer.events(view)}
    assert list(events) == list(EVENT_TITLES)
    assert any("字节跳动" in line for line in events["产业合作与投资"].bullets)
    assert any("IMO" in line for line in events["学术研究进展"].bullets)
    assert all(len(b.bullets) == len(b.citations) for b in events.values())
    insights = writer.insights(view)
    debate = next(b for b in insights if "Closed wins early" in " ".join(b.paragraphs))
    assert any("另一方的看法" in p for p in debate.paragraphs)
    # A view with another side is not counted as tweets "saying the same" (持类似说法).
    for block in insights:
        text = " ".join(block.paragraphs)
        if "另一方的看法" in text or "支持与反对两方都有" in text:
            assert "持类似说法" not in text, text


def test_the_overview_names_the_stories_and_the_footer_counts_what_was_set_aside(view) -> None:
    report = ExtractiveWriter().write(view).report
    assert "当天最受关注的是「Anthropic 推出 Claude Skills 资源库」" in report.overview[1]
    assert any(
        "1 组推广类重复内容（40 条推文）" in n and "3 组与人工智能" in n
        for n in report.footer_notes
    )


def test_without_stories_the_writer_groups_the_tweets_itself(view) -> None:
    bare = dataclasses.replace(view, stories=[])
    report = ExtractiveWriter().write(bare).report
    assert len(report.core_points) == CORE_POINTS
    assert len({p.story_id for p in report.core_points}) == CORE_POINTS
    assert all(p.story_id and p.story_id.startswith("v") for p in report.core_points)
    assert [b.title for b in report.events] == list(EVENT_TITLES)
    # the stand-in stories are made of the view's tweets: their figures are the view's data
    assert_traceable(dataclasses.replace(bare, stories=stories_of(bare)), report)


def test_a_side_few_tweets_take_is_not_called_the_mood() -> None:
    from services.summarize.writers.telling import Rotor, mood

    n = iter(range(1, 100))
    eight = [
        doc(next(n), f"Chinese firms ordered 2 million H200 chips, report {i}") for i in range(7)
    ]
    eight.append(doc(next(n), "2 million H200s ordered, bullish for NVDA", sentiment="bullish"))
    told = {mood(Rotor(), story("s-orders", eight, kind="funding")) for _ in range(1)}
    rotor = Rotor()
    told |= {mood(rotor, story("s-orders", eight, kind="funding")) for _ in range(4)}
    assert all("居多" not in t and "偏多" not in t and "一边倒" not in t for t in told)
    assert any("其余 7 条" in t or "其余推文只是转述" in t for t in told)
    most = [*eight[:3], *(dataclasses.replace(d, sentiment="bullish") for d in eight[3:])]
    assert "看涨" in mood(Rotor(), story("s-orders", most, kind="funding"))
    assert "只是转述" not in mood(Rotor(), story("s-orders", most, kind="funding"))


def test_markets_tell_the_market_stories_by_sector(view) -> None:
    stories = [
        dataclasses.replace(s, categories=("finance", "ai"), subtopics=("chips",))
        if s.id in {"s-memory", "s-bytedance"}
        else s
        for s in view.stories
    ]
    view = dataclasses.replace(
        view, stories=stories, subtopic_labels={**view.subtopic_labels, "chips": "芯片与硬件"}
    )
    report = ExtractiveWriter().write(view).report
    memory = report.markets[0]
    assert memory.title == "芯片与硬件"
    assert memory.paragraphs[0].startswith("本时段金融市场相关推文")
    # The memory rally and ByteDance's budget: each told, quoted; the rally's mood given.
    assert "「" in memory.paragraphs[1] and "“" in memory.paragraphs[1]
    assert "看涨" in memory.paragraphs[1]
    assert "字节跳动" in memory.paragraphs[2] and "“" in memory.paragraphs[2]
    assert len(memory.citations) == 2
    for block in report.markets:
        for paragraph in block.paragraphs:
            assert "（1 条推文）。" not in paragraph or paragraph.startswith("此外")


def test_a_title_drops_the_quote_marks_around_a_whole_quoted_tweet() -> None:
    from services.summarize.writers.titles import clean

    assert clean('"我們的新課程現已免費提供！"') == "我們的新課程現已免費提供！"
    assert clean("“语义崩溃”这个词起得很准") == "“语义崩溃”这个词起得很准"
    assert clean("斯坦福研究提出“语义崩溃”") == "斯坦福研究提出“语义崩溃”"


def test_a_title_drops_lead_ins_thread_counts_and_addressing_mentions_but_keeps_names() -> None:
    from services.summarize.writers.titles import clean

    # "很高興地宣布：" names no one: the title is what was announced, with whom by name.
    assert (
        clean('RT @pirrer: "很高興地宣布：我們與 @OpenAI\n一起創建的新課程現已免費提供！"')
        == "我們與 OpenAI 一起創建的新課程現已免費提供！"
    )
    assert clean("1/ Thrilled to announce: Our new course is out") == "Our new course is out"
    assert clean("(1/2) We're excited to share: the weights") == "the weights"
    # Mentions that address the tweet (a reply's, a thank-you's) are no part of a title.
    assert clean("@a @b Thank you very much for sharing @KirkDBorne!\n\n#AI #ML") == (
        "Thank you very much for sharing"
    )
    # A name of what was announced stays: "OpenAI 宣布：" is not a lead-in.
    assert clean("OpenAI 宣布：GPT-5 上线") == "OpenAI 宣布：GPT-5 上线"


def test_an_announcement_is_titled_by_what_it_announces_not_by_who_took_part() -> None:
    from services.summarize.writers.titles import story_title

    lead = doc(
        1,
        "1/ Thrilled to announce: Our new course ChatGPT Prompt Engineering for Developers, "
        "created together with @OpenAI, is available now for free",
        author="AndrewYNg",
    )
    retelling = doc(2, "Andrew Ng just released a free ChatGPT Prompt Engineering course!")
    told = story("s-1", [lead, retelling], kind="release", entities=("ChatGPT", "OpenAI"))
    assert story_title(told) == "新发布：Our new course ChatGPT Prompt Engineering for Developers"
    # Without an announcing word, the names still make the title.
    plain = doc(3, "ChatGPT and OpenAI everywhere today, lots of new things to try")
    assert story_title(story("s-3", [plain], entities=("ChatGPT", "OpenAI"))).endswith("发布新品")


def test_a_skeptical_claim_is_echoed_not_answered_by_a_member_who_shares_its_doubt() -> None:
    from services.summarize.writers.telling import reaction_of

    lead = doc(1, "一些种子轮估值已经离谱了，没有产品就上亿美元。局部泡沫是肯定存在的。", lang="zh")
    echo = doc(
        2, "Seed rounds at $100M+ valuations for teams with no product. Some of this is a bubble."
    )
    rebuttal = doc(3, "Disagree: seed prices follow the talent, and the talent is real.")
    assert reaction_of(story("s-1", [lead, echo]), lead, set()) is None
    assert reaction_of(story("s-1", [lead, echo, rebuttal]), lead, set()) == ("dissent", rebuttal)
    # A claim that is not itself a doubt is answered by one.
    claim = doc(4, "Seed valuations are finally sane again.")
    assert reaction_of(story("s-2", [claim, echo]), claim, set()) == ("dissent", echo)


def test_one_side_in_two_tweets_is_counted_not_called_the_reaction() -> None:
    from services.summarize.writers.telling import Rotor, mood

    pair = [
        doc(1, "Is it a bubble? Probably in parts.", sentiment="bearish"),
        doc(2, "铁路和互联网都有过泡沫，但它们都改变了世界。", lang="zh"),
    ]
    rotor = Rotor()
    told = {mood(rotor, story("s-bubble", pair, kind="opinion")) for _ in range(4)}
    assert all("偏负面" not in t and "消极" not in t and "无人看好" not in t for t in told)
    assert told <= {
        "1 条推文表示看淡，其余 1 条未表态。",
        "表示看淡的只有 1 条，其余推文只是转述。",
    }


def test_a_market_title_names_the_stock_not_the_model_the_tweet_mentions() -> None:
    from services.summarize.writers.titles import entity_title

    lead = dataclasses.replace(
        doc(1, "$GOOGL was quietly one of the best AI trades of 2025. Gemini + TPUs."),
        models=("Gemini",),
        tickers=("GOOGL",),
    )
    assert (
        entity_title(story("s-g", [lead], kind="market", entities=("Gemini",))) == "GOOGL股价异动"
    )
    # A release keeps the model's name.
    assert (
        entity_title(story("s-g", [lead], kind="release", entities=("Gemini",))) == "Gemini发布新品"
    )


def test_a_short_two_clause_opening_sentence_is_the_title_whole() -> None:
    from services.summarize.writers.titles import chinese_opening

    def opening(text: str) -> str | None:
        return chinese_opening(doc(1, text, lang="zh"))

    # The second clause is the claim's point: cut after the first, the title says the opposite.
    assert opening("封闭系统早期获胜，开放系统最终获胜。操作系统、数据库都是这样。") == (
        "封闭系统早期获胜，开放系统最终获胜"
    )
    assert opening("DeepSeek发布新论文，改进Transformer架构") == (
        "DeepSeek发布新论文，改进Transformer架构"
    )
    # A sentence of three clauses, or a long one, keeps its opening clause.
    assert opening("Anthropic 推出 Claude Skills 资源库，包含39个深度使用指南，建议收藏") == (
        "Anthropic 推出 Claude Skills 资源库"
    )
    assert opening(
        "斯坦福研究提出“语义崩溃”，知识库规模超过临界点后RAG检索会出现致命缺陷，做知识问答的要看"
    ) == ("斯坦福研究提出“语义崩溃”")
    assert opening("韩国企业一天发布多个100B+参数大模型，超过欧盟或美国全年发布数量之和。") == (
        "韩国企业一天发布多个100B+参数大模型"
    )
    # An opening joined to what follows its colon still takes the clause that makes the point.
    assert opening("氛围编程最大的坑：写得很快，出了bug完全不知道从哪查。") == (
        "氛围编程最大的坑：写得很快，出了bug完全不知道从哪查"
    )


def test_a_story_of_agreeing_replies_is_not_titled_a_debate() -> None:
    from services.summarize.writers.titles import titled

    lead = doc(1, "ChatGPT-4 is insanely powerful, but most people do not know how to use it")
    thanks = [doc(n, f"@user1 Thanks for sharing this, saved it number {n}") for n in (2, 3)]
    quiet = story("s-d", [lead, *thanks], kind="debate")
    assert titled(quiet).title == "观点：ChatGPT-4 is insanely powerful"
    rebuttal = doc(4, "@user1 Disagree, it is overhyped and most prompts guides are recycled.")
    argued = story("s-d", [lead, *thanks, rebuttal], kind="debate")
    assert titled(argued).title == "争论：ChatGPT-4 is insanely powerful"


def test_a_take_on_a_downside_is_the_other_side_of_a_story() -> None:
    from services.summarize.writers.telling import disputed

    lead = doc(1, "Vibe coding went from meme to job description in one year.")
    praise = doc(2, "Non-programmer friend built a full inventory app with vibe coding. Not a toy.")
    assert not disputed(story("s-v", [lead, praise], kind="opinion"))
    for text in (
        "Vibe coding is great until you need to debug the thing at 2am.",
        "氛围编程最大的坑：写得很快，出了bug完全不知道从哪查。",
    ):
        other = doc(3, text, lang="zh" if not text.isascii() else "en")
        assert disputed(story("s-v", [lead, praise, other], kind="opinion")), text


def test_a_story_told_in_another_script_is_titled_by_whose_post_it_is() -> None:
    from services.summarize.writers.titles import titled

    russian = doc(1, "Чтобы соответствовать ChatGPT, Google продолжает совершенствовать Bard")
    spanish = doc(2, "El creador de Gmail dice que ChatGPT destruirá a Google en dos años")
    named = titled(story("s-r", [russian, spanish], kind="opinion"))
    # Not a Russian clause, nor a clause of another member: the lead's post, which the body quotes.
    assert named.title == "@user1 谈agents"
    assert named.source is russian
    # An English lead keeps its clause.
    english = doc(3, "Google keeps improving Bard to keep up with ChatGPT, says the report")
    assert titled(story("s-e", [english, russian], kind="opinion")).title == (
        "观点：Google keeps improving Bard to keep up with ChatGPT"
    )
