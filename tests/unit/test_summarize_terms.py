"""Word-cloud weights against a background (services/summarize/terms.py), on fakes and the sample."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import random
from pathlib import Path

import pytest

from services.summarize import terms as weights
from services.summarize.terms import Background, derive, read_stream_background, weigh_terms
from shared.models import TermWeight

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "tweets-2026-01-02.csv"
CHATGPT_CSV = ROOT.parent / "shared" / "data" / "chatgpt-tweets-2023-04-27.csv"

DAY = ("H200", "ByteDance", "Claude Skills", "SK Hynix")
EVERYDAY = ("AI", "模型", "公司")


def tw(term: str, weight: float) -> TermWeight:
    return TermWeight(term=term, weight=weight)


def fake_background() -> Background:
    return Background(
        english={"company": 4e-4, "model": 1.35e-4, "ai": 1.7e-5, "bytedance": 1.1e-8},
        chinese_idf={"公司": 3.5, "模型": 6.8, "海力士": 13.2, "的": 0.5, "极": 14.0},
        stream_df={"ai": 290, "模型": 16, "chatgpt": 1000},
        stream_tweets=1757,
    )


# ---------------------------------------------------------------------------- the function


def test_specificity_reads_each_background() -> None:
    bg = fake_background()
    assert bg.specificity("H200") == 1.0  # in no background
    assert bg.specificity("Claude Skills") == 1.0  # a phrase: wordfreq does not judge it
    assert bg.specificity("company") == pytest.approx(1 - 5.6 / 8, abs=0.01)
    assert bg.specificity("公司") == pytest.approx(3.5 / 14.0)
    assert bg.specificity("AI") < bg.specificity("ai".upper() + "x")
    # the stream background is the stricter one for "AI": one tweet in six
    assert bg.specificity("AI") == pytest.approx(0.24, abs=0.01)
    assert bg.specificity("ChatGPT") == weights.FLOOR or bg.specificity("ChatGPT") < 0.1
    assert weights.FLOOR <= bg.specificity("的") <= 1.0


def test_generic_words_shrink_below_the_days_names() -> None:
    raw = [tw("AI", 83), tw("模型", 59), tw("company", 16), tw("H200", 18), tw("ByteDance", 9)]
    out = weigh_terms(raw, fake_background())
    order = [t.term for t in out]
    assert order.index("H200") < order.index("AI")
    assert order.index("ByteDance") < order.index("模型") < order.index("AI")
    assert all(t.weight > 0 for t in out)
    assert {t.term for t in out} == {t.term for t in raw}


def test_a_term_of_one_tweet_ranks_below_a_term_two_tweets_share() -> None:
    out = weigh_terms([tw("zyzzyva", 1), tw("quokka", 2)], fake_background())
    assert [t.term for t in out] == ["quokka", "zyzzyva"]
    assert out[1].weight == pytest.approx(weights.ONE_TWEET)


def test_deterministic_whatever_the_input_order() -> None:
    raw = [tw(f"term{i}", 1 + i % 7) for i in range(300)] + [tw("AI", 83), tw("公司", 16)]
    first = weigh_terms(raw, fake_background())
    for seed in range(5):
        shuffled = raw[:]
        random.Random(seed).shuffle(shuffled)
        assert weigh_terms(shuffled, fake_background()) == first
    # ties go by term, so equal weights never come out in arrival order
    tied = [t for t in first if t.weight == first[0].weight]
    assert [t.term for t in tied] == sorted(t.term for t in tied)


def test_a_plain_word_is_judged_by_the_other_languages_too_and_a_name_is_not() -> None:
    bg = dataclasses.replace(fake_background(), others={"herramienta": 3.6e-5, "llama": 1.4e-4})
    assert fake_background().specificity("herramienta") == 1.0  # English alone: never seen
    assert bg.specificity("herramienta") == pytest.approx(1 - 4.56 / 8, abs=0.01)
    assert bg.specificity("llama") < 0.4  # the Spanish verb
    assert bg.specificity("Llama") == 1.0  # the model: classify writes a name as its name
    out = weigh_terms([tw("herramienta", 12), tw("LangChain", 6)], bg)
    assert [t.term for t in out] == ["LangChain", "herramienta"]


def test_no_terms_no_weights() -> None:
    assert weigh_terms([], fake_background()) == []


# ---------------------------------------------------------------------------- background.tsv


def classify_line(tweet_id: str, terms: list[str], retweet_of: str | None = None) -> str:
    return json.dumps({"id": tweet_id, "retweet_of": retweet_of, "terms": terms})


def test_derive_counts_a_retweet_once_with_its_original_and_drops_the_corpus_word() -> None:
    lines = [classify_line("1", ["AI", "ChatGPT", "rare"])]
    lines += [classify_line(f"r{i}", ["AI", "ChatGPT"], retweet_of="1") for i in range(5)]
    lines += [classify_line(str(i), ["AI", "ChatGPT", "模型"]) for i in range(2, 6)]
    out = io.StringIO()
    assert derive(lines, out, drop=["ChatGPT"]) == 5
    df, tweets = read_stream_background(out.getvalue().splitlines())
    assert tweets == 5
    assert df == {"ai": 5, "模型": 4}  # "rare" is in fewer than MIN_DF tweets; ChatGPT dropped


def test_a_background_file_without_its_tweet_count_is_refused() -> None:
    with pytest.raises(ValueError, match="tweets"):
        read_stream_background(["ai\t3"])


def test_the_bundled_background_loads() -> None:
    bg = weights.bundled_background()
    assert bg.stream_tweets > 1000
    assert bg.stream_df["ai"] > 100
    assert len(bg.english) > 20_000 and len(bg.chinese_idf) > 20_000
    assert bg.chinese_top > weights.IDF_KEEP  # scaled by the whole table, not the kept part
    assert bg.specificity("公司") == pytest.approx(bg.chinese_idf["公司"] / bg.chinese_top)
    assert bg.specificity("海力士") == 1.0  # rarer than IDF_KEEP: as if never seen
    assert len(bg.others) > 100_000
    assert bg.specificity("herramienta") < 0.5 and bg.specificity("Llama") == 1.0


@pytest.mark.skipif(not CHATGPT_CSV.exists(), reason=f"{CHATGPT_CSV} is absent (../shared)")
def test_background_tsv_is_what_its_command_makes() -> None:
    """The committed table is what its header's command derives with today's classify: a change
    to the taxonomy's terms fails here until the table is made again."""
    from services.classify.bootstrap import build_deps
    from services.classify.handler import handle as classify
    from services.classify.output import summary_json
    from services.ingest import bootstrap as ingest_bootstrap
    from services.ingest import handler as ingest
    from services.ingest.readers import iter_records
    from shared.models import TweetIngested
    from shared.settings import Settings
    from shared.store import MemoryStore

    settings = Settings()
    ingest_deps = ingest_bootstrap.build_deps(settings, store=MemoryStore())
    classify_deps = build_deps(settings)
    lines = []
    for record in iter_records(CHATGPT_CSV, mapping=None, settings=settings.ingest):
        for event in ingest.handle(record, deps=ingest_deps):
            if isinstance(event, TweetIngested):
                for tagged in classify(event, deps=classify_deps):
                    lines.append(json.dumps(summary_json(tagged), ensure_ascii=False))
    out = io.StringIO()
    derive(lines, out, drop=["ChatGPT"])
    committed = (ROOT / "services" / "summarize" / "background.tsv").read_text(encoding="utf-8")
    assert out.getvalue() == committed


# ---------------------------------------------------------------------------- the sample


@pytest.fixture(scope="module")
def sample_terms() -> tuple[list[TermWeight], list[TermWeight]]:
    """The sample's raw tally and its view's terms, through ingest, classify and summarize."""
    return window_terms(SAMPLE)


def window_terms(path: Path) -> tuple[list[TermWeight], list[TermWeight]]:
    """A one-day file's raw tally and its view's terms, through ingest, classify and summarize."""
    from services.classify.bootstrap import build_deps
    from services.classify.handler import handle as classify
    from services.ingest import bootstrap as ingest_bootstrap
    from services.ingest import handler as ingest
    from services.ingest.readers import iter_records
    from services.summarize import handler as summarize
    from services.summarize.aggregate import T_TERMS
    from services.summarize.keys import scope_for
    from services.summarize.view import load_view
    from services.summarize.writers.extractive import ExtractiveWriter
    from shared.models import TweetIngested
    from shared.settings import Settings
    from shared.store import MemoryStore

    settings = Settings()
    store = MemoryStore()
    ingest_deps = ingest_bootstrap.build_deps(settings, store=MemoryStore())
    classify_deps = build_deps(settings)
    deps = summarize.SummarizeDeps(store=store, settings=settings.report, writer=ExtractiveWriter())
    for record in iter_records(path, mapping=None, settings=settings.ingest):
        for event in ingest.handle(record, deps=ingest_deps):
            if isinstance(event, TweetIngested):
                for tagged in classify(event, deps=classify_deps):
                    summarize.handle(tagged, deps=deps)
    (window_id,) = summarize.window_ids(store)
    raw = [tw(m, v) for m, v, _ in store.snapshot(scope_for(window_id)).tallies[T_TERMS] if v > 0]
    return raw, load_view(store, window_id, settings.report).terms


def rank(terms: list[TermWeight]) -> dict[str, int]:
    return {t.term: i for i, t in enumerate(terms)}


def test_on_the_sample_the_days_names_outrank_the_everyday_words(sample_terms) -> None:
    raw, weighed = sample_terms
    before, after = rank(raw), rank(weighed)
    # in the raw tally "AI" and "模型" dwarf every one of them: the test can fail
    assert all(before[e] < before[d] for e in ("AI", "模型") for d in DAY), raw[:20]
    for day in DAY:
        assert day in after, day
        for everyday in EVERYDAY:
            assert after[day] < after.get(everyday, len(weighed)), (day, everyday, weighed[:30])
    assert [t.term for t in weighed[:4]] != [t.term for t in raw[:4]]


# Everyday Spanish, Portuguese and Turkish words that the real CSV's cloud drew large when only
# English words counted as everyday.
FOREIGN_EVERYDAY = ("herramienta", "estoy", "hablar", "hizo", "dinero", "hija", "puta", "artık")


@pytest.mark.skipif(not CHATGPT_CSV.exists(), reason=f"{CHATGPT_CSV} is absent (../shared)")
def test_on_real_tweets_everyday_words_of_other_languages_leave_the_top_of_the_cloud() -> None:
    raw, weighed = window_terms(CHATGPT_CSV)
    english_only = dataclasses.replace(weights.bundled_background(), others={})
    before = [t.term for t in weigh_terms(raw, english_only)[:200]]
    after = [t.term for t in weighed[:200]]
    assert len([w for w in FOREIGN_EVERYDAY if w in before]) >= 5, before  # the test can fail
    assert not [w for w in FOREIGN_EVERYDAY if w in after], after
    # the day's names stay: a model whose name is an everyday Spanish word among them
    assert {"Llama", "LangChain", "HuggingChat", "Sam Altman"} <= set(after)


def test_on_the_sample_aliases_are_one_term(sample_terms) -> None:
    raw, _ = sample_terms
    terms = {t.term for t in raw}
    assert "SK Hynix" in terms and "模型" in terms and "ByteDance" in terms
    for alias in ("海力士", "SK海力士", "Hynix", "model", "models", "字节跳动", "英伟达", "agents"):
        assert alias not in terms, alias


def test_the_sample_cloud_still_draws_chinese(sample_terms) -> None:
    from PIL import Image

    from services.render.cloud import WordCloudRenderer, find_font
    from shared.errors import ConfigError

    try:
        font = find_font(None)
    except ConfigError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must have a CJK font: {exc}")
        pytest.skip(f"no CJK font on this machine ({exc})")
    _, weighed = sample_terms
    renderer = WordCloudRenderer(font, width=600, height=400, max_words=200)
    drawn = [t for t, _ in renderer.terms(weighed)]
    han = [t for t in drawn if any("\u4e00" <= ch <= "\u9fff" for ch in t)]
    assert len(han) >= 20, drawn  # 多模态, 算力, 大模型 ... drawn, none dropped as tofu
    assert {"H200", "SK Hynix", "Claude Skills"} <= set(drawn[:10])
    jpeg = renderer(weighed)
    assert jpeg is not None
    assert Image.open(io.BytesIO(jpeg)).size == (600, 400)
