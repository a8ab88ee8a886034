"""The classify handler on hand-written tweets: categories, sub-topics, entities, sentiment."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from services.classify.bootstrap import build_classifier, bundled_model
from services.classify.classifier import Classifier
from services.classify.handler import ClassifyDeps, handle
from services.classify.output import summary_json
from services.classify.taxonomy import load_taxonomy
from shared.models import (
    Author,
    Company,
    Metrics,
    RetweetRef,
    TweetClassified,
    TweetIngested,
)

T0 = datetime(2026, 1, 2, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return build_classifier(load_taxonomy(), model=bundled_model())


@pytest.fixture(scope="module")
def deps(classifier: Classifier) -> ClassifyDeps:
    return ClassifyDeps(classifier=classifier)


@pytest.fixture
def make_tweet() -> Callable[..., TweetIngested]:
    def make(text: str, tweet_id: str = "1", **kw: object) -> TweetIngested:
        fields: dict[str, object] = {
            "tweet_id": tweet_id,
            "text": text,
            "created_at": T0,
            "observed_at": T0,
            "author": Author(username="someone"),
            "source": "file:test",
        }
        fields.update(kw)
        return TweetIngested.model_validate(fields)

    return make


@pytest.fixture
def classify(
    deps: ClassifyDeps, make_tweet: Callable[..., TweetIngested]
) -> Callable[[str], TweetClassified]:
    def run(text: str) -> TweetClassified:
        out = handle(make_tweet(text), deps=deps)
        assert len(out) == 1
        return out[0]

    return run


# ---------------------------------------------------------------------------- handler contract


def test_handle_returns_exactly_one_classified_tweet_carrying_the_original(
    deps: ClassifyDeps, make_tweet: Callable[..., TweetIngested]
) -> None:
    msg = make_tweet("NVIDIA stock surges", tweet_id="42", metrics=Metrics(likes=3))
    out = handle(msg, deps=deps)
    assert len(out) == 1
    assert isinstance(out[0], TweetClassified)
    assert out[0].tweet == msg
    assert out[0].key() == msg.key() == msg.author.username.lower()


def test_handle_is_deterministic(
    deps: ClassifyDeps, make_tweet: Callable[..., TweetIngested]
) -> None:
    msg = make_tweet("英伟达股价暴涨，#AI 芯片需求旺盛 $NVDA +12%")
    assert handle(msg, deps=deps) == handle(msg, deps=deps)


def test_summary_json_has_the_cli_fields(classify: Callable[[str], TweetClassified]) -> None:
    c = classify("英伟达 NVIDIA H200 芯片订单暴涨 $NVDA +124%")
    line = summary_json(c)
    assert set(line) == {
        "id",
        "retweet_of",
        "categories",
        "subtopics",
        "subtopic_labels",
        "entities",
        "sentiment",
        "terms",
    }
    assert line["id"] == "1"
    assert "chips" in line["subtopics"]  # type: ignore[operator]
    assert "芯片与硬件" in line["subtopic_labels"]  # type: ignore[operator]
    assert line["entities"]["companies"] == [  # type: ignore[index]
        {"name": "NVIDIA", "ticker": "NVDA", "label": "英伟达"}
    ]
    assert line["sentiment"] == "bullish"


def test_summary_json_prints_a_retweet_under_its_own_id(
    deps: ClassifyDeps, make_tweet: Callable[..., TweetIngested]
) -> None:
    when = datetime(2026, 1, 2, 9, 0, tzinfo=UTC)
    via = RetweetRef(retweet_id="200", retweeted_by="bob", retweeted_at=when)
    retweet = make_tweet("$NVDA beat estimates", tweet_id="100", via_retweet=via)
    line = summary_json(handle(retweet, deps=deps)[0])
    assert (line["id"], line["retweet_of"]) == ("200", "100")
    original = summary_json(
        handle(make_tweet("$NVDA beat estimates", tweet_id="100"), deps=deps)[0]
    )
    assert (original["id"], original["retweet_of"]) == ("100", None)


# ---------------------------------------------------------------------------- categories


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@someone ChatGPT", ["ai"]),
        ("I asked chatgpt to plan my week", ["ai"]),
        ("Large language models are changing search", ["ai"]),
        ("大模型正在改变搜索", ["ai"]),
        ("La IA ya está aquí", ["ai"]),
        ("The S&P 500 closed at a record as bond yields fell", ["finance"]),
        ("美联储宣布降息，美股收涨", ["finance"]),
        ("Watching $REG today", ["finance"]),
        ("Bitcoin just broke out again", ["crypto"]),
        ("以太坊和比特币今天都在涨", ["crypto"]),
        ("Using ChatGPT to pick stocks and trade Bitcoin", ["ai", "finance", "crypto"]),
        ("英伟达的AI芯片推动美股上涨", ["ai", "finance"]),
        ("Just as the rain brings life to the earth, you bring joy to my life", []),
        ("今天天气很好，我们去公园散步吧", []),
    ],
)
def test_categories(
    classify: Callable[[str], TweetClassified], text: str, expected: list[str]
) -> None:
    assert classify(text).categories == expected


def test_word_boundaries_and_case_for_ambiguous_terms(
    classify: Callable[[str], TweetClassified],
) -> None:
    # "us" the pronoun is not the country, "fed" the verb is not the Fed, "sol" is Spanish for sun
    c = classify("They fed us soup under the sol")
    assert c.categories == []
    assert c.entities.coins == []
    assert classify("The Fed meets today").categories == ["finance"]
    assert classify("SOL is up today").entities.coins == ["SOL"]
    # a term is a whole word: "said" holds "ai", "email" holds "ai"
    assert classify("She said the email was late").categories == []


# ---------------------------------------------------------------------------- sub-topics


SUBTOPIC_SAMPLES = {
    "multimodal": (
        "OpenAI's new multimodal model does text-to-image and voice mode",
        "谷歌发布多模态大模型，支持文生图",
    ),
    "performance": (
        "The new LLM outperforms GPT-4 on every benchmark",
        "这个大模型在评测中超越了所有对手，跑分第一",
    ),
    "opensource": (
        "Meta released the open weights of its new AI model on Hugging Face",
        "深度求索开源了大模型的权重",
    ),
    "agents": ("AI agents will take over workflow automation", "智能体正在改变人工智能的应用方式"),
    "codegen": ("GitHub Copilot writes code for developers", "AI编程助手让程序员写代码更快"),
    "architecture": ("A mixture of experts architecture for LLMs", "大模型的新架构：混合专家"),
    "efficiency": ("Quantization cuts LLM inference cost in half", "量化让大模型推理成本降低一半"),
    "enterprise": (
        "Enterprise adoption of generative AI boosts productivity",
        "企业级AI应用正在落地，提升生产力",
    ),
    "policy": ("Congress debates AI regulation", "欧盟通过人工智能监管法规"),
    "chips": ("NVIDIA H100 GPUs are sold out again", "英伟达芯片供不应求"),
    "education": ("Students use ChatGPT for homework", "学生用ChatGPT写作业"),
    "ethics": ("AI deepfakes are a threat to elections", "人工智能带来的隐私泄露风险"),
    "research": (
        "Stanford researchers publish a paper on LLM reasoning",
        "研究人员发表了关于大模型的论文",
    ),
    "launches": ("OpenAI launches a new voice model", "OpenAI正式发布新模型"),
    "robotics": (
        "Tesla's Optimus humanoid robot folds laundry",
        "人形机器人和具身智能是明年的热点",
    ),
    "prompting": ("Ten ChatGPT prompts for marketers", "分享几个ChatGPT提示词技巧"),
    "content": ("I use AI to write my blog and YouTube scripts", "用AI写小说和短视频文案"),
    "jobs": ("Will AI replace jobs? Layoffs are coming", "人工智能会导致失业吗"),
    "healthcare": ("AI helps doctors diagnose patients faster", "AI辅助医生诊断病人"),
    "legal": (
        "A lawyer used ChatGPT in court and got sanctioned",
        "律师在法院使用人工智能起草诉讼文件",
    ),
    "stocks": ("Nasdaq closes higher as tech stocks rally", "美股三大指数收涨，科技股走强"),
    "macro": ("The Fed keeps interest rates unchanged", "美联储宣布降息"),
    "funding": ("The startup closed a Series B funding round", "这家初创公司完成B轮融资"),
    "earnings": ("Microsoft reports quarterly earnings and revenue", "公司公布财报，营收超预期"),
    "trading": ("My trading bot runs a simple trading strategy", "量化交易策略分享"),
    "crypto_market": ("Bitcoin price hits an all-time high", "比特币币价创新高"),
    "web3": ("DeFi staking is back", "去中心化金融和智能合约又火了"),
    "nft": ("Free NFT mint and airdrop today", "铭文空投活动开始"),
    "crypto_regulation": (
        "The SEC targets crypto exchanges over compliance",
        "加密货币监管趋严，交易所需要牌照",
    ),
    "ai_crypto": ("Crypto traders bet on AI tokens", "人工智能概念币在币圈大涨"),
}


def test_every_bundled_subtopic_has_samples() -> None:
    assert {s.id for s in load_taxonomy().subtopics} == set(SUBTOPIC_SAMPLES)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("subtopic", sorted(SUBTOPIC_SAMPLES))
def test_subtopic_in_english_and_chinese(
    classify: Callable[[str], TweetClassified], subtopic: str, lang: str
) -> None:
    text = SUBTOPIC_SAMPLES[subtopic][0 if lang == "en" else 1]
    c = classify(text)
    assert subtopic in [s.id for s in c.subtopics]
    spec = next(s for s in load_taxonomy().subtopics if s.id == subtopic)
    assert spec.category in c.categories
    tag = next(s for s in c.subtopics if s.id == subtopic)
    assert tag.label == spec.label


def test_broad_subtopic_needs_its_category(classify: Callable[[str], TweetClassified]) -> None:
    # "students" and "homework" are education words, but this tweet is not about AI
    c = classify("Students hate homework on Fridays")
    assert c.categories == []
    assert c.subtopics == []


def test_subtopics_follow_taxonomy_order(classify: Callable[[str], TweetClassified]) -> None:
    c = classify("Students and teachers use ChatGPT plugins and AI agents to write code")
    ids = [s.id for s in c.subtopics]
    order = [s.id for s in load_taxonomy().subtopics]
    assert ids == sorted(ids, key=order.index)
    assert {"agents", "codegen", "education"} <= set(ids)


def test_phrase_keeps_the_category_of_its_words(classify: Callable[[str], TweetClassified]) -> None:
    c = classify("AI agents are here")
    assert c.categories == ["ai"]
    assert [s.id for s in c.subtopics] == ["agents"]


# ---------------------------------------------------------------------------- entities


def test_cashtags(classify: Callable[[str], TweetClassified]) -> None:
    c = classify("$NVDA and $tsla up, $BRK.B flat, a $100 gift card and US$5 fees")
    assert c.entities.cashtags == ["NVDA", "TSLA", "BRK.B"]


def test_coins_from_symbols_names_and_chinese(classify: Callable[[str], TweetClassified]) -> None:
    c = classify("BTC 和比特币 and bitcoin, 以太坊 and $ETH, dogecoin")
    assert c.entities.coins == ["BTC", "ETH", "DOGE"]
    assert "crypto" in c.categories


def test_companies_with_tickers(classify: Callable[[str], TweetClassified]) -> None:
    c = classify("NVIDIA, 三星和SK海力士; 字节跳动 and Anthropic; Microsoft vs 谷歌; TSMC 股价")
    names = {co.name: co.ticker for co in c.entities.companies}
    assert names == {
        "NVIDIA": "NVDA",
        "Microsoft": "MSFT",
        "TSMC": "TSM",
        "Samsung": "005930.KS",
        "SK Hynix": "000660.KS",
        "ByteDance": None,
        "Anthropic": None,
        "Google": "GOOGL",
    }


def test_a_company_outside_market_talk_has_no_ticker(
    classify: Callable[[str], TweetClassified],
) -> None:
    # named in a research or product sentence, a company is an entity, not a market mention
    c = classify("Google Research and NVIDIA published a paper on sparse attention")
    assert "finance" not in c.categories
    assert {co.name: co.ticker for co in c.entities.companies} == {
        "Google": None,
        "NVIDIA": None,
    }
    assert c.sentiment == "neutral"


def test_intelligence_work_and_war_drones_are_not_ai(
    classify: Callable[[str], TweetClassified],
) -> None:
    # headlines of the labelled finance feed: "Intel" is intelligence, the drones are weapons
    c = classify("Japan Approves Ship Dispatch for Middle East Intel Gathering")
    assert c.categories == [] and c.entities.companies == []
    c = classify(
        "Satellite images show a Russian delegation visiting Iran to view unmanned "
        "weapons-capable drones that could be purchased for use in the war in Ukraine"
    )
    assert c.categories == []
    # the chipmaker and a delivery drone still are
    assert [co.name for co in classify("Intel unveils a new AI chip").entities.companies] == [
        "Intel"
    ]
    assert "ai" in classify("Amazon starts drone deliveries in Texas").categories


def test_company_from_cashtag_and_ticker(classify: Callable[[str], TweetClassified]) -> None:
    c = classify("$MSFT and NVDA")
    assert c.entities.companies == [
        Company(name="Microsoft", ticker="MSFT", label="微软"),
        Company(name="NVIDIA", ticker="NVDA", label="英伟达"),
    ]


def test_ambiguous_company_names_are_case_sensitive(
    classify: Callable[[str], TweetClassified],
) -> None:
    assert classify("an apple a day, meta discussion").entities.companies == []
    assert [co.name for co in classify("Apple and Meta ship AI").entities.companies] == [
        "Apple",
        "Meta",
    ]


def test_models(classify: Callable[[str], TweetClassified]) -> None:
    c = classify(
        "GPT-4o vs gpt4 vs Claude 3.5 Sonnet vs Gemini 2.5 Pro vs Llama 3 vs DeepSeek-V3 vs "
        "Qwen2.5 and ChatGPT; 文心一言 too"
    )
    assert c.entities.models == [
        "ChatGPT",
        "GPT-4o",
        "GPT-4",
        "Claude 3.5 Sonnet",
        "Gemini 2.5 Pro",
        "Llama 3",
        "DeepSeek-V3",
        "Qwen2.5",
        "文心一言",
    ]
    assert c.categories == ["ai"]


def test_model_name_is_a_whole_word(classify: Callable[[str], TweetClassified]) -> None:
    assert classify("gpt4all runs locally").entities.models == []


def test_percentages(classify: Callable[[str], TweetClassified]) -> None:
    c = classify("三星（+124%）和SK海力士（+280%），Kospi全年上涨76%; margin -3.5 % and 50％")
    assert c.entities.percentages == ["+124%", "+280%", "76%", "-3.5 %", "50％"]


def test_money(classify: Callable[[str], TweetClassified]) -> None:
    c = classify(
        "ByteDance: $14B on chips, or $14 billion; 字节跳动投资140亿美元，另投入2000亿元; "
        "a €5M seed; USD 3M; 200 million dollars"
    )
    assert c.entities.money == [
        "$14B",
        "$14 billion",
        "140亿美元",
        "2000亿元",
        "€5M",
        "USD 3M",
        "200 million dollars",
    ]


def test_money_is_not_a_cashtag_and_a_cashtag_is_not_money(
    classify: Callable[[str], TweetClassified],
) -> None:
    c = classify("$NVDA at $140")
    assert c.entities.cashtags == ["NVDA"]
    assert c.entities.money == ["$140"]


def test_hashtags(classify: Callable[[str], TweetClassified]) -> None:
    c = classify("#AI #人工智能 #2024 and C# code, issue#12")
    assert c.entities.hashtags == ["AI", "人工智能"]


def test_no_entities(classify: Callable[[str], TweetClassified]) -> None:
    c = classify("nothing to see here")
    assert c.entities.model_dump() == {
        "cashtags": [],
        "coins": [],
        "companies": [],
        "models": [],
        "percentages": [],
        "money": [],
        "hashtags": [],
    }


# ---------------------------------------------------------------------------- sentiment


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$NVDA surges 10% after earnings beat", "bullish"),
        ("Bitcoin plunges 8% overnight", "bearish"),
        ("英伟达股价暴涨", "bullish"),
        ("比特币暴跌，市场恐慌", "bearish"),
        ("Samsung stock hit a record high", "bullish"),
        ("Tesla shares tumble after deliveries miss", "bearish"),
        # negation flips
        ("$TSLA did not surge today", "bearish"),
        ("Bitcoin isn't falling anymore", "bullish"),
        ("英伟达股价并未下跌", "bullish"),
        ("比特币没有上涨", "bearish"),
        # no market signal: product usage "surging" is not a market call
        ("ChatGPT usage surges among students", "neutral"),
        ("大模型的用户数量暴涨", "neutral"),
        # market, but no direction
        ("$AAPL earnings call tomorrow", "neutral"),
        # hits that cancel out: Chinese is the rules' alone, so neutral; English is read whole
        # by the trained model, which takes the crash that comes last
        ("英伟达股价先暴涨后暴跌", "neutral"),
        ("Stocks rally, then crash", "bearish"),
        # a Chinese text's point is after its last contrast word: what comes before is conceded
        ("铁路和互联网都有过泡沫，但它们都改变了世界。AI大概率也是这个剧本", "neutral"),
        ("虽然英伟达股价短期回调，但长期看涨", "bullish"),
        ("英伟达财报超预期，股价却大跌", "bearish"),
        ("英伟达不但股价大涨，而且订单翻倍", "bullish"),  # 不但 is "not only", no contrast
        # only the contrast's own sentence is conceded, not the call made before it
        ("AI算力需求增长太快，硬件公司估值一路走高。泡沫？也许，但订单是真的", "bullish"),
    ],
)
def test_sentiment(classify: Callable[[str], TweetClassified], text: str, expected: str) -> None:
    assert classify(text).sentiment == expected


# ---------------------------------------------------------------------------- terms


def test_terms_drop_urls_handles_numbers_markup_emoji_and_stopwords(
    classify: Callable[[str], TweetClassified],
) -> None:
    text = (
        "RT @elon_fan: **THE** best 🔥🔥 ?? thread on #AI agents https://t.co/AbC123xyz "
        "www.example.com &amp; `code` > 2024 100% 12,000 $5 ~~gone~~ — via @someone http…"
    )
    terms = classify(text).terms
    assert "Agent" in terms  # "AI agents", in its cloud form (aliases.py)
    assert "代码" in terms  # "code"
    assert "gone" in terms
    for bad in (
        "RT",
        "rt",
        "elon_fan",
        "THE",
        "the",
        "best",
        "thread",
        "via",
        "someone",
        "https",
        "http",
    ):
        assert bad not in terms, bad
    for term in terms:
        assert not term.startswith(("#", "@", "http", "www", "t.co", "`", "*", "~")), term
        assert not any(ch.isdigit() for ch in term[:1]), term
        assert "??" not in term and "🔥" not in term and "&" not in term, term
        assert term.strip() == term and term


def test_terms_keep_names_and_acronyms_and_lowercase_plain_words(
    classify: Callable[[str], TweetClassified],
) -> None:
    terms = classify(
        "Quiet Garden: ai and nvidia and claude, Kospi and OpenAI's plans; NVIDIA H200"
    ).terms
    assert "quiet" in terms and "garden" in terms
    assert "AI" in terms
    assert "NVIDIA" in terms and "nvidia" not in terms
    assert "Claude" in terms
    assert "OpenAI" in terms
    assert "Kospi" in terms
    assert "H200" in terms


def test_terms_for_a_model_name_are_the_name_not_its_pieces(
    classify: Callable[[str], TweetClassified],
) -> None:
    terms = classify("Claude 3.5 Sonnet beats GPT-4o").terms
    assert "Claude 3.5 Sonnet" in terms and "GPT-4o" in terms
    assert "Sonnet" not in terms and "sonnet" not in terms and "GPT" not in terms


def test_terms_use_the_phrase_for_a_multiword_term(
    classify: Callable[[str], TweetClassified],
) -> None:
    terms = classify("Machine learning and deep learning need open source").terms
    # one term each, in the form the taxonomy's cloud_aliases show them
    assert terms[:3] == ["机器学习", "深度学习", "开源"]
    assert "learning" not in terms


def test_chinese_terms_are_words_of_two_or_more_characters_without_stopwords(
    classify: Callable[[str], TweetClassified],
) -> None:
    terms = classify("我们认为大模型和具身智能是2026年的热点，SK海力士和英伟达都受益，三十亿").terms
    assert {"大模型", "具身智能", "热点"} <= set(terms)
    assert {"SK Hynix", "NVIDIA"} <= set(terms)  # companies show as their name
    assert "SK" not in terms and "海力士" not in terms and "英伟达" not in terms
    assert "我们" not in terms and "三十亿" not in terms
    assert all(len(t) >= 2 for t in terms)


def test_terms_skip_the_word_cut_by_truncation(classify: Callable[[str], TweetClassified]) -> None:
    terms = classify("Les gens gagnent des milliers avec ChatGPT pour l… https://t.co/x").terms
    assert "millier" in terms  # "milliers", by the regular plural rule (aliases.py)
    assert not any(t in ("l", "pour") for t in terms)
    assert "gagnent" in terms
    cut = classify("Prompt engineering is a critical skillset to develop… https://t.co/y").terms
    assert "develop" not in cut and "prompt engineering" in cut


def test_french_elision_and_possessive(classify: Callable[[str], TweetClassified]) -> None:
    c = classify("J'ai testé l'IA de NVIDIA's lab")
    assert "IA" in c.terms
    assert "NVIDIA" in c.terms
    assert "ai" not in c.terms and "AI" not in c.terms
    assert c.categories == ["ai"]


def test_terms_are_unique(classify: Callable[[str], TweetClassified]) -> None:
    terms = classify("AI AI AI ai #AI 人工智能 人工智能").terms
    assert len(terms) == len(set(terms))
    assert terms.count("AI") == 1


# ---------------------------------------------------------------------------- near-duplicates


def test_near_dup_key_equal_for_variants(classify: Callable[[str], TweetClassified]) -> None:
    full = (
        "ChatGPT can now browse the web and run code, which changes how researchers and students "
        "will work with it every single day"
    )
    variants = [
        full,
        f"RT @bob: {full} https://t.co/abc",
        full.upper(),
        "  ".join(full.split(" ")) + "!!!",
        full[:100] + "… https://t.co/zzz",
        f"@alice @carol {full.replace('every single day', 'every day 24/7')}",
    ]
    keys = {classify(v).near_dup_key for v in variants}
    assert len(keys) == 1


def test_near_dup_key_ignores_numbers_and_links(classify: Callable[[str], TweetClassified]) -> None:
    a = classify("Top 5 AI tools for 2024 https://t.co/one")
    b = classify("Top 10 AI tools for 2025 https://t.co/two")
    assert a.near_dup_key == b.near_dup_key


def test_near_dup_key_differs_for_different_texts(
    classify: Callable[[str], TweetClassified],
) -> None:
    keys = {
        classify("ChatGPT is amazing").near_dup_key,
        classify("ChatGPT is terrible").near_dup_key,
        classify("大模型正在改变世界").near_dup_key,
        classify("大模型正在改变教育").near_dup_key,
        classify("🔥🔥").near_dup_key,
        classify("🚀🚀").near_dup_key,
    }
    assert len(keys) == 6


def test_near_dup_key_for_chinese_variants(classify: Callable[[str], TweetClassified]) -> None:
    a = classify("大模型正在改变世界 https://t.co/a")
    b = classify("RT @x: 大模型正在改变世界！！")
    assert a.near_dup_key == b.near_dup_key
