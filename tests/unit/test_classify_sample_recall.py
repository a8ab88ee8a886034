"""Recall of the bundled taxonomy on the sample corpus's hand-written, labelled texts.

``samples/make_sample.py`` writes every tweet of the sample by theme (EN and ZH dicts keyed by
theme, the viral originals, the news groups, the off-topic and spam texts), so it doubles as
labelled data: a themed text about AI must be ``ai``, a market text ``finance``, an off-topic or
spam text nothing, and the sample, which holds no crypto, must have no ``crypto`` at all.
Each assertion lists the texts it missed.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

from services.classify.bootstrap import build_classifier, bundled_model
from services.classify.classifier import Classification, Classifier
from services.classify.taxonomy import load_taxonomy

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_CSV = ROOT / "samples" / "tweets-2026-01-02.csv"

# make_sample's theme -> the sub-topic ids a text of that theme should carry (one of them);
# None where the theme has no sub-topic of its own (predictions, general chatter).
THEME_SUBTOPICS: dict[str, frozenset[str] | None] = {
    "multimodal": frozenset({"multimodal"}),
    "performance": frozenset({"performance"}),
    "open_source": frozenset({"opensource"}),
    "agents": frozenset({"agents"}),
    "code": frozenset({"codegen"}),
    "architecture": frozenset({"architecture"}),
    "inference": frozenset({"efficiency"}),
    "enterprise": frozenset({"enterprise"}),
    "competition": frozenset({"policy"}),
    "chips": frozenset({"chips"}),
    "investment": frozenset({"funding", "earnings", "stocks", "trading"}),
    "education": frozenset({"education"}),
    "ethics": frozenset({"ethics"}),
    "research": frozenset({"research"}),
    "skills": frozenset({"prompting"}),
    "outlook": None,
    "general": None,
    "hostile": None,
}
# Themes about markets rather than AI itself: a text there must be finance, not necessarily ai.
MARKET_THEMES = frozenset({"chips", "investment"})

VIRAL_THEMES = {
    "openweights_oli": "open_source",
    "tessa_ships": "outlook",
    "kwame_learns": "outlook",
    "seoul_semis": "chips",
    "edtech_ravi": "education",
    "rag_in_prod": "research",
    "prompt_shelf": "skills",
    "yoon_ai_policy": "competition",
    "suanli_laozhang": "open_source",
    "chen_xiaoyu_ai": "outlook",
    "xinpian_wang": "chips",
    "moxing_yehua": "research",
    "ai_jiaoyu_lin": "education",
    "han_yu_tech": "competition",
    "paperpilot": "research",
}
# make_sample.NEWS_GROUPS in order: (theme, is it about stocks, prices or investment?)
NEWS_GROUP_THEMES = (
    ("chips", True),  # ByteDance spends $14B on Nvidia H200s
    ("chips", False),  # Chinese firms order 2M H200 chips: an order, not a market move
    ("competition", False),
    ("chips", True),  # Samsung +124%, SK Hynix +280%, Kospi +76%
    ("education", False),
    ("code", False),
    ("skills", False),
    ("architecture", False),
    ("code", False),
    ("research", False),
    ("agents", False),
)
EARLIER_THEMES = (("outlook", False), ("outlook", False), ("chips", True))


@dataclass(frozen=True)
class Labelled:
    """One hand-written text of the sample and what it is about."""

    text: str
    theme: str
    market: bool


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return build_classifier(load_taxonomy(), model=bundled_model())


@pytest.fixture(scope="module")
def themed(make_sample: ModuleType) -> list[Labelled]:
    ms = make_sample
    out = [
        Labelled(text, theme, theme in MARKET_THEMES)
        for themes in (ms.EN, ms.ZH)
        for theme, texts in themes.items()
        for text in texts
    ]
    out += [Labelled(v.text, VIRAL_THEMES[v.handle], False) for v in ms.VIRAL]
    out += [
        Labelled(text, theme, market)
        for group, (theme, market) in zip(ms.NEWS_GROUPS, NEWS_GROUP_THEMES, strict=True)
        for _, text in group
    ]
    out += [
        Labelled(text, theme, market)
        for (_, _, text, _), (theme, market) in zip(
            ms.EARLIER_ORIGINALS, EARLIER_THEMES, strict=True
        )
    ]
    out += [Labelled(text, "hostile", False) for _, text in ms.HOSTILE]
    return out


def _misses(
    items: Iterable[Labelled], classifier: Classifier, ok: Callable[[Classification], bool]
) -> tuple[int, list[str]]:
    total = 0
    missed = []
    for item in items:
        total += 1
        found = classifier.classify(item.text)
        if not ok(found):
            subs = [s.id for s in found.subtopics]
            missed.append(f"[{item.theme}] {found.categories} {subs} {item.text[:110]!r}")
    return total, missed


def _report(what: str, total: int, missed: list[str]) -> str:
    recall = 1 - len(missed) / total
    return f"{what}: {recall:.1%} of {total}; missed:\n  " + "\n  ".join(missed)


def test_every_theme_is_mapped(make_sample: ModuleType) -> None:
    assert set(make_sample.EN) | set(make_sample.ZH) <= set(THEME_SUBTOPICS)
    assert set(VIRAL_THEMES) == {v.handle for v in make_sample.VIRAL}
    assert len(NEWS_GROUP_THEMES) == len(make_sample.NEWS_GROUPS)
    assert len(EARLIER_THEMES) == len(make_sample.EARLIER_ORIGINALS)
    subtopics = {s.id for s in load_taxonomy().subtopics}
    for ids in THEME_SUBTOPICS.values():
        assert ids is None or ids <= subtopics


def test_ai_texts_are_ai(themed: list[Labelled], classifier: Classifier) -> None:
    items = [t for t in themed if t.theme not in MARKET_THEMES]
    total, missed = _misses(items, classifier, lambda c: "ai" in c.categories)
    assert total >= 240
    assert len(missed) <= 0.05 * total, _report("ai recall", total, missed)


def test_market_texts_are_finance(themed: list[Labelled], classifier: Classifier) -> None:
    items = [t for t in themed if t.market]
    total, missed = _misses(items, classifier, lambda c: "finance" in c.categories)
    assert total >= 35
    assert len(missed) <= 0.10 * total, _report("finance recall", total, missed)


def test_themed_texts_carry_their_subtopic(themed: list[Labelled], classifier: Classifier) -> None:
    items = [t for t in themed if THEME_SUBTOPICS[t.theme] is not None]

    def has_theme_subtopic(item: Labelled) -> Callable[[Classification], bool]:
        wanted = THEME_SUBTOPICS[item.theme] or frozenset()
        return lambda c: bool(wanted & {s.id for s in c.subtopics})

    total = 0
    missed: list[str] = []
    for item in items:
        t, m = _misses([item], classifier, has_theme_subtopic(item))
        total += t
        missed += m
    assert len(missed) <= 0.20 * total, _report("sub-topic recall", total, missed)


def test_off_topic_and_spam_have_no_category(
    make_sample: ModuleType, classifier: Classifier
) -> None:
    ms = make_sample
    texts = [*ms.OFF_TOPIC_EN, *ms.OFF_TOPIC_ZH, *ms.UNDETERMINED]
    texts += [text for _, _, _, text in ms.SPAM]
    items = [Labelled(t, "off-topic", False) for t in texts]
    total, missed = _misses(items, classifier, lambda c: not c.categories)
    assert len(missed) <= 0.10 * total, _report("no-category rate", total, missed)


def test_spam_naming_ai_is_still_spam(make_sample: ModuleType, classifier: Classifier) -> None:
    for _, _, _, text in make_sample.SPAM:
        found = classifier.classify(text)
        assert found.categories == [] and found.subtopics == [], text


def test_no_crypto_anywhere_in_the_sample(
    themed: list[Labelled], make_sample: ModuleType, classifier: Classifier
) -> None:
    with SAMPLE_CSV.open(encoding="utf-8", newline="") as fh:
        texts = [row[4] for row in csv.reader(fh) if len(row) > 4][1:]
    texts += [t.text for t in themed] + [text for _, _, text in make_sample.REPLIES]
    crypto = [t for t in texts if "crypto" in classifier.classify(t).categories]
    assert len(texts) > 400
    assert crypto == []


# ------------------------------------------------------------------ the lead's examples


@pytest.mark.parametrize(
    "text",
    [
        "What actually makes enterprise agents work (from 9 deployments):\n1. narrow scope",
        "Vision + voice + screen understanding in one model is the thing.",
        "Long-horizon agent tasks are the new frontier. Can it work for 8 hours without you?",
        "Non-programmer friend built a full inventory app for her bakery with vibe coding.",
        "The RAG crowd needs to hear this: more documents ≠ better answers.",
        "Model switching in my editor is the most underrated feature of 2025.",
        "试了下让模型看一张电路板照片找虚焊，居然指出来两处 多模态还在进步中",
        "现在每天切换好几个模型用：写代码一个，写文案一个，查资料一个，已经习惯了。",
        "Prediction: in 2026 every meaningful benchmark of progress moves to code. Models writing",
        "Small models distilled from big ones are the real workhorses.",
        "Stanford researchers describe 'semantic collapse': RAG retrieval starts failing",
        "Korean firms released more 100B+ parameter models in a single day than the EU",
        "手机Agent最大的问题是信任：你敢让它替你付款吗？我不敢。",
        "Skills > prompts. A prompt is a one-off.",
        "Tried the new 40B code model on our legacy Java monolith.",
        "We need provenance for media, not detectors. Detectors lose the arms race every time.",
        "企业认知革命正在发生：会把工作交给模型的人，一个人顶一个小团队。",
        "MIT CSAIL 提出递归语言模型（RLM），让模型学会管理自己的上下文",
    ],
)
def test_plainly_ai_texts(classifier: Classifier, text: str) -> None:
    assert "ai" in classifier.classify(text).categories


def test_listed_company_with_a_move_is_a_market_tweet(classifier: Classifier) -> None:
    c = classifier.classify(
        "Samsung +124% in 2025 after years of 'Samsung is dead money'. Never say never in semis."
    )
    assert "finance" in c.categories
    assert c.sentiment == "bullish"
    down = classifier.classify("Micron -12% on the week, memory is cyclical after all")
    assert "finance" in down.categories and down.sentiment == "bearish"
    assert "finance" in classifier.classify("SK海力士一年涨了280%，一家内存公司！").categories
    spend = classifier.classify("ByteDance plans to spend $14B on Nvidia H200s in 2026")
    assert "finance" in spend.categories
    # a price tag is not a market move, and a company alone is not one either
    assert "finance" not in classifier.classify("Microsoft Copilot costs $30 a seat").categories
    assert "finance" not in classifier.classify("Samsung ships a phone with Gemini").categories


def test_giveaway_spam_is_not_crypto(classifier: Classifier) -> None:
    c = classifier.classify(
        "🎁 GIVEAWAY 🎁 Win a brand new iPhone 17 Pro Max! Follow + RT + tag 3 friends"
    )
    assert "crypto" not in c.categories
    assert classifier.classify("Free NFT mint and airdrop today").categories == ["crypto"]


@pytest.mark.parametrize(
    "text",
    [
        "She has been my role model since high school",
        "Our travel agent booked the wrong hotel again",
        "The Knicks signed a free agent this morning",
        "Just picked up my Tesla Model 3 from the service center",
        "Bubble tea and a long walk by the river",
        "Lost my voice after the concert, vision blurry from no sleep",
        "Training at the gym, lifting heavy weights today",
        "My cat prompted me to wake up at 5am again",
        "DM me if you want the recipe",
        "妈妈送了我一个模型飞机当生日礼物",
    ],
)
def test_common_words_alone_are_not_a_category(classifier: Classifier, text: str) -> None:
    assert classifier.classify(text).categories == []


def test_business_model_is_not_ai(classifier: Classifier) -> None:
    # "business model" is no AI model. Whether the sentence is finance is the trained model's
    # call on two cue words ("business", "selling"): it scores at the threshold, either side.
    assert (
        "ai"
        not in classifier.classify("Their business model is selling ads, nothing new").categories
    )
