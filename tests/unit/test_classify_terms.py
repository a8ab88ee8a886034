"""The word cloud's terms as classify makes them: one form per thing (services/classify/aliases.py)."""

from __future__ import annotations

import pytest

from services.classify.aliases import TermForms, common_english, singular
from services.classify.bootstrap import build_classifier
from services.classify.classifier import Classifier
from services.classify.taxonomy import Taxonomy, load_taxonomy
from shared.errors import ConfigError


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return build_classifier(load_taxonomy())


def terms(classifier: Classifier, text: str) -> list[str]:
    return classifier.classify(text).terms


# ---------------------------------------------------------------------------- aliases


@pytest.mark.parametrize(
    "text",
    [
        "SK Hynix shares up 280% on HBM",
        "Hynix shares up 280% on HBM",
        "SKHynix shares up 280% on HBM",
        "SK海力士股价大涨280%",
        "海力士股价大涨280%",
    ],
)
def test_every_alias_of_a_company_is_its_name_in_any_language(
    classifier: Classifier, text: str
) -> None:
    got = terms(classifier, text)
    assert "SK Hynix" in got
    assert not {"SK", "sk", "海力士", "SK海力士", "Hynix", "SKHynix"} & set(got), got


def test_chinese_company_names_join_their_english_name(classifier: Classifier) -> None:
    got = terms(classifier, "字节跳动 plans to spend on H200s; ByteDance 和英伟达、三星电子")
    assert got.count("ByteDance") == 1
    assert "NVIDIA" in got and "Samsung" in got and "H200" in got
    assert not {"字节跳动", "英伟达", "三星电子", "三星"} & set(got)


def test_mixed_script_aliases_leave_no_pieces(classifier: Classifier) -> None:
    got = terms(classifier, "OpenAI公司和智谱AI发布了新模型")
    assert "OpenAI" in got and "Zhipu AI" in got
    assert "公司" not in got and "AI" not in got


def test_generic_words_are_one_term_across_languages_and_forms(classifier: Classifier) -> None:
    english = terms(classifier, "The new model beats older models and other AI models")
    chinese = terms(classifier, "这个模型很强")
    assert english.count("模型") == 1 and "model" not in english and "models" not in english
    assert "模型" in chinese
    assert "Agent" in terms(classifier, "AI agents are everywhere")
    assert "Agent" in terms(classifier, "智能体很火")
    assert "大模型" in terms(classifier, "large language models and LLMs")


def test_a_cloud_alias_form_in_two_groups_is_a_config_error() -> None:
    raw = load_taxonomy().model_dump()
    raw["cloud_aliases"] = [["模型", "model"], ["大模型", "Model"]]
    with pytest.raises(ValueError, match="two groups"):
        Taxonomy.model_validate(raw)
    raw["cloud_aliases"] = [["模型"]]
    with pytest.raises(ValueError, match="two forms"):
        Taxonomy.model_validate(raw)


def test_load_taxonomy_reports_a_bad_cloud_alias(tmp_path) -> None:
    import yaml

    raw = load_taxonomy().model_dump()
    raw["cloud_aliases"] = [["x"]]
    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError, match="cloud_aliases"):
        load_taxonomy(path)


# ---------------------------------------------------------------------------- plurals


@pytest.mark.parametrize(
    ("plural", "one"),
    [
        ("companies", "company"),
        ("caches", "cache"),
        ("boxes", "box"),
        ("matches", "match"),
        ("movies", "movie"),
        ("tokens", "token"),
        ("LLMs", "LLM"),
        ("GPUs", "GPU"),
        ("H200s", "H200"),
        # not plurals, or no English singular: they stay
        ("analysis", "analysis"),
        ("canvas", "canvas"),
        ("news", "news"),
        ("physics", "physics"),
        ("class", "class"),
        ("status", "status"),
        ("atlas", "atlas"),
        # a word no list knows takes the regular rule
        ("hyperscalers", "hyperscaler"),
        ("milliers", "millier"),
        ("Skills", "Skills"),  # a name keeps its case and its form
    ],
)
def test_singular(plural: str, one: str) -> None:
    assert singular(plural, common_english()) == one


def test_plurals_join_their_singular_in_a_tweet(classifier: Classifier) -> None:
    got = terms(classifier, "Tokens, more tokens and one token; companies and a company")
    assert got.count("token") == 1 and "tokens" not in got
    assert "companies" not in got


def test_a_name_ending_in_a_plural_keeps_it(classifier: Classifier) -> None:
    got = terms(classifier, "Anthropic ships Claude Skills with 39 guides")
    assert "Claude Skills" in got
    assert "guide" in got and "guides" not in got


def test_forms_are_deterministic_and_unique() -> None:
    forms = TermForms(load_taxonomy())
    seq = ["models", "model", "模型", "AI model", "SK海力士", "Hynix", "SK Hynix", "agents"]
    assert forms.finish(seq) == ["模型", "SK Hynix", "Agent"]
    assert forms.finish(seq) == forms.finish(list(seq))


def test_bait_gives_the_cloud_nothing(classifier: Classifier) -> None:
    bait = "GIVEAWAY! Follow RT and tag 3 friends to win a brand new H200 GPU, DM me"
    assert classifier.classify(bait).terms == []
    assert "H200" in terms(classifier, "ByteDance orders H200 GPUs")


# ---------------------------------------------------------------------------- token memo


def test_a_remembered_token_reads_the_same_in_any_context() -> None:
    """Each token's own answer is remembered (classifier._token): a warm classifier must give
    every text the answer a fresh one gives, negation and phrases included."""
    texts = [
        "NVDA stock surged 8% today",
        "NVDA stock has not surged, it fell",
        "This is not a bear market for $BTC",
        "bear market incoming, sell $ETH",
        "OpenAI just released GPT-4o mini and it is bullish for $MSFT",
        "AI agents everywhere: the travel agent is dead",
        "Google Research published a paper on RLM calls",
        "SK Hynix shares up 280% on HBM",
    ]
    warm = build_classifier(load_taxonomy())
    for text in texts * 2:
        warm.classify(text)
    warm.forget()  # the memo of whole texts goes; the tokens' memo stays
    for text in texts:
        assert warm.classify(text) == build_classifier(load_taxonomy()).classify(text), text


def test_the_token_memo_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from services.classify import classifier as module

    monkeypatch.setattr(module, "_TOKENS_KEPT", 50)
    c = build_classifier(load_taxonomy())
    for i in range(40):
        c.classify(" ".join(f"word{i}x{j}" for j in range(10)))
    assert 0 < len(c._tokens) <= 50
