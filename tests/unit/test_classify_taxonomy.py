"""Taxonomy files: the bundled one loads, a user's replaces it, a broken one is a ConfigError."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.classify.bootstrap import build_classifier, build_deps
from services.classify.handler import handle
from services.classify.taxonomy import (
    BUNDLED_STOPWORDS,
    BUNDLED_USER_DICT,
    load_stopwords,
    load_taxonomy,
)
from shared.errors import ConfigError
from shared.models import Author, TweetIngested
from shared.settings import ClassifySettings, Settings

SPORTS = """
    version: 1
    name: football
    categories:
      ai:
        label: 足球
        terms:
          en: [football, soccer, striker, goal, goals, Premier League]
          zh: [足球, 进球, 英超]
    subtopics:
      - id: transfers
        label: 转会
        category: ai
        terms:
          en: [transfer, signs, signed, contract]
          zh: [转会, 签约]
      - id: injuries
        label: 伤病
        category: ai
        requires_category: false
        terms:
          en: [hamstring, ACL injury]
          zh: [伤病, 受伤]
    companies:
      - {name: Nike, ticker: NKE, aliases: {en: [Nike], zh: [耐克]}}
    sentiment:
      bullish: {en: [wins, win], zh: [获胜]}
      bearish: {en: [loses, lost], zh: [输球]}
      negators: {en: [not], zh: [没]}
    stopwords:
      en: [fans]
"""


@pytest.fixture
def write_yaml(tmp_path: Path) -> Callable[[str], Path]:
    def write(text: str, name: str = "taxonomy.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


def _tweet(text: str) -> TweetIngested:
    t0 = datetime(2026, 1, 2, tzinfo=UTC)
    return TweetIngested(
        tweet_id="7",
        text=text,
        created_at=t0,
        observed_at=t0,
        author=Author(username="fan"),
        source="file:test",
    )


# ---------------------------------------------------------------------------- bundled


def test_bundled_taxonomy_covers_the_seed_themes() -> None:
    tax = load_taxonomy()
    labels = {s.label for s in tax.subtopics}
    for theme in (
        "多模态交互",
        "模型性能",
        "开源生态",
        "智能代理",
        "代码生成",
        "新架构",
        "推理效率",
        "企业应用",
        "全球竞争与政策",
        "芯片与硬件",
        "投融资",
        "教育",
        "伦理与安全",
        "学术研究",
        "个股与股市",
        "宏观与利率",
    ):
        assert theme in labels, theme
    assert set(tax.categories) == {"ai", "finance", "crypto"}
    assert {s.category for s in tax.subtopics} == {"ai", "finance", "crypto"}
    tickers = {c.name: c.ticker for c in tax.companies}
    assert tickers["NVIDIA"] == "NVDA"
    assert tickers["SK Hynix"] == "000660.KS"
    assert tickers["ByteDance"] is None
    assert {"BTC", "ETH", "SOL"} <= {c.symbol for c in tax.coins}


def test_bundled_stopwords_cover_languages_and_twitter_noise() -> None:
    stop = load_stopwords(BUNDLED_STOPWORDS)
    assert {"the", "rt", "amp", "via", "https", "de", "que", "我们", "这个"} <= stop
    assert "ai" not in stop and "chatgpt" not in stop


def test_bundled_user_dictionary_has_domain_words() -> None:
    words = {
        line.split()[0]
        for line in BUNDLED_USER_DICT.read_text(encoding="utf-8").splitlines()
        if line.strip()
    }
    assert {
        "大模型",
        "智能体",
        "多模态",
        "开源",
        "具身智能",
        "英伟达",
        "SK海力士",
        "字节跳动",
    } <= words


# ---------------------------------------------------------------------------- a user's taxonomy


def test_user_taxonomy_for_another_subject(write_yaml: Callable[[str], Path]) -> None:
    path = write_yaml(SPORTS)
    deps = build_deps(Settings(classify=ClassifySettings(taxonomy_path=path)))

    text = "The striker signs a new contract, fans say he wins everything"
    c = handle(_tweet(text), deps=deps)[0]
    assert c.categories == ["ai"]
    assert [(s.id, s.label) for s in c.subtopics] == [("transfers", "转会")]
    assert "fans" not in c.terms and "striker" in c.terms

    zh = handle(_tweet("耐克球星受伤，转会推迟"), deps=deps)[0]
    assert zh.categories == ["ai"]  # injuries does not require the category: it adds it
    assert [s.id for s in zh.subtopics] == ["transfers", "injuries"]
    assert [co.name for co in zh.entities.companies] == ["Nike"]

    # The AI taxonomy is gone: ChatGPT is nothing here, and there are no model patterns.
    other = handle(_tweet("ChatGPT and Bitcoin"), deps=deps)[0]
    assert other.categories == []
    assert other.entities.models == [] and other.entities.coins == []


RULES = """
    version: 1
    name: football rules
    categories:
      ai:
        label: 足球
        terms: {en: [football], zh: [足球]}
        context: {en: [goal, goals, striker, keeper], zh: [进球, 射门]}
      finance:
        label: 市场
        terms: {en: [stocks]}
        context: {en: [rally]}
    subtopics:
      - {id: kit, label: 球衣, category: ai, requires_category: false, terms: {en: [jersey]}}
      - {id: boots, label: 球鞋, category: ai, terms: {zh: [足球鞋]}}
    companies:
      - {name: Nike, ticker: NKE, aliases: {en: [Nike]}, subtopics: [kit]}
      - {name: Adidas, aliases: {en: [Adidas]}, subtopics: [kit]}
    sentiment:
      bullish: {en: [rally]}
    ignore: {en: [own goal], zh: [射门游戏]}
    spam: {min_hits: 2, terms: {en: [giveaway, tag a friend], zh: [私信我, 领取]}}
"""


def test_context_words_count_only_together(write_yaml: Callable[[str], Path]) -> None:
    c = build_classifier(load_taxonomy(write_yaml(RULES)))
    assert c.classify("What a goal").categories == []
    assert c.classify("What a goal by the striker").categories == ["ai"]
    assert c.classify("Goal after goal, goals galore").categories == []  # one word, counted once
    assert c.classify("进球了！射门太漂亮").categories == ["ai"]


def test_ignored_phrase_hides_the_term_inside(write_yaml: Callable[[str], Path]) -> None:
    c = build_classifier(load_taxonomy(write_yaml(RULES)))
    assert c.classify("An own goal by the striker").categories == []
    assert c.classify("射门游戏里又进球了").categories == []


def test_chinese_phrase_carries_the_category_inside(write_yaml: Callable[[str], Path]) -> None:
    c = build_classifier(load_taxonomy(write_yaml(RULES))).classify("买了一双足球鞋")
    assert c.categories == ["ai"]
    assert [s.id for s in c.subtopics] == ["boots"]


def test_company_stands_for_its_subtopics(write_yaml: Callable[[str], Path]) -> None:
    c = build_classifier(load_taxonomy(write_yaml(RULES)))
    for text in ("Adidas again", "Nike again", "$NKE again"):
        found = c.classify(text)
        assert found.categories[:1] == ["ai"], text
        assert [s.id for s in found.subtopics] == ["kit"], text


def test_listed_company_with_a_move_is_finance(write_yaml: Callable[[str], Path]) -> None:
    c = build_classifier(load_taxonomy(write_yaml(RULES)))
    up = c.classify("Nike +5% today")
    assert up.categories == ["ai", "finance"] and up.sentiment == "bullish"
    assert c.classify("Nike -5% today").sentiment == "bearish"
    assert "finance" in c.classify("Nike spends $2B on a new campus").categories
    assert "finance" in c.classify("Nike: the rally goes on").categories
    assert "finance" not in c.classify("A Nike jersey costs $90, 20% off").categories
    assert "finance" not in c.classify("Adidas +5% today").categories  # not listed


def test_spam_gets_no_category(write_yaml: Callable[[str], Path]) -> None:
    c = build_classifier(load_taxonomy(write_yaml(RULES)))
    spam = c.classify("GIVEAWAY! Tag a friend to win a Nike jersey")
    assert spam.categories == [] and spam.subtopics == [] and spam.sentiment == "neutral"
    assert [co.name for co in spam.entities.companies] == ["Nike"]
    assert c.classify("私信我领取足球").categories == []
    assert c.classify("Nike giveaway of a football jersey").categories == ["ai"]  # one bait word


def test_user_taxonomy_without_bundled_stopwords(write_yaml: Callable[[str], Path]) -> None:
    path = write_yaml(SPORTS + "    use_bundled_stopwords: false\n")
    classifier = build_classifier(load_taxonomy(path))
    assert "the" in classifier.classify("the football goal").terms


def test_user_dictionary_adds_words(tmp_path: Path, write_yaml: Callable[[str], Path]) -> None:
    text = "鲲鹏智算平台上线了"
    plain = build_classifier(load_taxonomy()).classify(text).terms
    assert "鲲鹏智算" not in plain
    extra = tmp_path / "dict.txt"
    extra.write_text("鲲鹏智算 5000 n\n", encoding="utf-8")
    settings = Settings(classify=ClassifySettings(user_dict_path=extra))
    deps = build_deps(settings)
    assert "鲲鹏智算" in handle(_tweet(text), deps=deps)[0].terms


def test_missing_user_dictionary_is_a_config_error(tmp_path: Path) -> None:
    settings = Settings(classify=ClassifySettings(user_dict_path=tmp_path / "nope.txt"))
    with pytest.raises(ConfigError, match=r"nope\.txt does not exist"):
        build_deps(settings)


# ---------------------------------------------------------------------------- broken files


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("categories: [unclosed\n", "not valid YAML"),
        ("- just\n- a list\n", "expected a mapping"),
        ("version: 1\n", r"categories: Field required"),
        (
            "version: 2\ncategories: {ai: {label: x, terms: {en: [a]}}}\n",
            r"version: Input should be 1",
        ),
        ("categories: {sports: {label: x, terms: {en: [a]}}}\n", r"categories\.sports"),
        ("categories: {ai: {label: x}}\n", "no category has any terms"),
        (
            "categories: {ai: {label: x, terms: {en: [a], fr: [b]}}}\n",
            r"categories\.ai\.terms\.fr: Extra inputs are not permitted",
        ),
        (
            "categories: {ai: {label: x, terms: {en: [a]}}}\n"
            "subtopics: [{id: t, label: T, category: ai, termz: {en: [b]}}]\n",
            r"subtopics\.0\.termz: Extra inputs",
        ),
        (
            "categories: {ai: {label: x, terms: {en: [a]}}}\n"
            "subtopics: [{id: Bad Id, label: T, category: ai, terms: {en: [b]}}]\n",
            r"subtopics\.0\.id: String should match pattern",
        ),
        (
            "categories: {ai: {label: x, terms: {en: [a]}}}\n"
            "subtopics: [{id: t, label: T, category: finance, terms: {en: [b]}}]\n",
            "does not define under `categories`",
        ),
        (
            "categories: {ai: {label: x, terms: {en: [a]}}}\n"
            "subtopics: [{id: t, label: T, category: ai, terms: {en: [b]}},"
            " {id: t, label: U, category: ai, terms: {en: [c]}}]\n",
            "used twice",
        ),
        (
            "categories: {ai: {label: x, terms: {en: [a]}}}\n"
            "subtopics: [{id: t, label: T, category: ai, terms: {}}]\n",
            "has no terms",
        ),
        (
            "categories: {ai: {label: x, terms: {en: [a]}}}\nmodels: [{name: M, pattern: 'm(('}]\n",
            "not a valid regular expression",
        ),
        (
            "categories: {ai: {label: x, terms: {en: [a]}}}\n"
            "models: [{name: M, pattern: 'm(?P<v>\\d)'}]\n",
            "only named group allowed is 'ver'",
        ),
        (
            "categories: {ai: {label: x, terms: {en: [a]}}}\n"
            "sentiment: {negators: {en: [no]}}\n",  # YAML reads a bare no as false
            r"sentiment\.negators\.en\.0: Input should be a valid string",
        ),
        (
            "categories: {ai: {label: x, terms: {en: [a]}}}\n"
            "coins: [{symbol: btc, name: Bitcoin}]\n",
            r"coins\.0\.symbol",
        ),
        (
            "categories: {ai: {label: x, terms: {en: [a]}}}\n"
            "companies: [{name: Nike, subtopics: [kit]}]\n",
            "company 'Nike' names sub-topic 'kit', which is not defined",
        ),
        (
            "categories: {ai: {label: x, terms: {en: [a]}}}\nignore: {en: [goal]}\n",
            "ignore term 'goal' must be a phrase of two or more words",
        ),
        (
            "categories: {ai: {label: x, terms: {en: [a]}, context_min: 0}}\n",
            r"categories\.ai\.context_min: Input should be greater than or equal to 1",
        ),
        (
            "categories: {ai: {label: x, terms: {en: [a]}}}\nspam: {terms: {en: [a]}, min: 2}\n",
            r"spam\.min: Extra inputs are not permitted",
        ),
    ],
)
def test_broken_taxonomy_is_a_config_error(
    write_yaml: Callable[[str], Path], text: str, message: str
) -> None:
    path = write_yaml(text)
    with pytest.raises(ConfigError, match=message) as info:
        load_taxonomy(path)
    assert str(path) in str(info.value)


def test_missing_taxonomy_file_is_a_config_error(tmp_path: Path) -> None:
    settings = Settings(classify=ClassifySettings(taxonomy_path=tmp_path / "missing.yaml"))
    with pytest.raises(ConfigError, match=r"missing\.yaml: cannot read it"):
        build_deps(settings)


def test_term_without_letters_is_a_config_error(write_yaml: Callable[[str], Path]) -> None:
    path = write_yaml("categories: {ai: {label: x, terms: {en: [football, '!!!']}}}\n")
    with pytest.raises(ConfigError, match=r"categories\.ai\.terms: Value error, term '!!!' has no"):
        load_taxonomy(path)
