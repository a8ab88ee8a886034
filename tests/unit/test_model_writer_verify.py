"""The claim verifier, the tool schema's validation, and the governor's prices and interval."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from services.summarize.view import load_view
from services.summarize.writers.model.governor import Governor, cost_usd, price_for
from services.summarize.writers.model.prompt import Prompts, build_input
from services.summarize.writers.model.schema import (
    SECTIONS,
    tool_schema,
    validate_sections,
)
from services.summarize.writers.model.verify import Verifier, numbers
from shared.settings import DEFAULT_MODEL_PRICES, AnthropicSettings, ModelPrice, ReportSettings
from shared.store import MemoryStore
from tests.unit.test_model_writer_fakes import Clock, view_of
from tests.unit.test_summarize_factories import classified, load

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


@pytest.fixture(scope="module")
def verifier() -> Verifier:
    tweets = [
        classified(
            "1",
            "ByteDance plans to buy H200 chips from $NVDA for $14B, up 76% on the year",
            companies=[("ByteDance", None)],
            cashtags=["NVDA"],
            models=["H200"],
            percentages=["76%"],
            money=["$14B"],
            likes=120,
        ),
        classified(
            "2", "OpenAI releases GPT-5 today", companies=[("OpenAI", None)], models=["GPT-5"]
        ),
        classified("3", "NVIDIA earnings next week", companies=[("NVIDIA", "NVDA")], likes=3),
        classified("4", "Everyone is talking about AI agents", likes=1),
    ]
    view = view_of(tweets)
    model_input = build_input(view, Prompts(), allowance=30_000, model="m", max_tokens=100)
    return Verifier(items=model_input.items, stats=model_input.stats, view=view)


@pytest.mark.parametrize(
    ("text", "cite"),
    [
        ("字节跳动计划斥资 140 亿美元采购 H200 芯片。", ["1"]),  # $14B, written in 亿
        ("ByteDance 计划投入 $14B，同比增长 76%。", ["1"]),
        ("该推文获得 120 互动量。", ["1"]),  # engagement of the cited tweet
        ("NVIDIA 的芯片需求旺盛。", ["1"]),  # $NVDA in the tweet is NVIDIA's ticker
        ("NVDA 相关讨论增加。", ["3"]),
        ("OpenAI 发布 GPT-5。", ["2"]),  # the 5 of GPT-5 is a name, not a figure
        ("OpenAI 发布 GPT5。", ["2"]),
        ("2026年1月2日，本时段共收录 4 条推文。", []),  # a date, and a count from the statistics
        ("人工智能相关推文占 100.0%。", []),
        ("AI 代理成为热门话题。", ["4"]),  # generic words are not entities
    ],
)
def test_traceable_claims_pass(verifier: Verifier, text: str, cite: list[str]) -> None:
    assert verifier.check(text, cite) is None


@pytest.mark.parametrize(
    ("text", "cite", "why"),
    [
        ("ByteDance 计划投资。", ["999"], "unknown tweet id 999"),
        ("ByteDance 计划斥资 $15B。", ["1"], "states 15B"),
        ("ByteDance 计划斥资 14 亿美元。", ["1"], "states 14 亿"),  # 14亿 is not $14B
        ("同比增长 77%。", ["1"], "states 77%"),
        ("OpenAI 的模型由 NVIDIA 芯片训练。", ["2"], "names NVIDIA"),
        ("ByteDance 采购芯片。", ["2"], "names ByteDance"),
        ("共有 12 家公司参与。", [], "states 12"),
    ],
)
def test_untraceable_claims_are_rejected(
    verifier: Verifier, text: str, cite: list[str], why: str
) -> None:
    reason = verifier.check(text, cite)
    assert reason is not None and why in reason


def test_the_overview_may_name_what_the_statistics_list(verifier: Verifier) -> None:
    text = "被提及最多的公司包括 OpenAI 与 NVIDIA。"
    assert verifier.check(text, ["4"]) is not None
    assert verifier.check(text, ["4"], stats_entities=True) is None
    assert verifier.check(text, []) is None


def test_rejections_are_recorded(verifier: Verifier) -> None:
    before = len(verifier.rejected)
    assert not verifier.keep("增长 999%。", ["1"], where="x[0]")
    assert verifier.keep("增长 76%。", ["1"], where="x[1]")
    assert verifier.rejected[before:] == [
        "x[0]: states 999%, found in none of its cited tweets nor the statistics"
    ]


def test_number_reading() -> None:
    assert [(w, s) for w, _, s in numbers("$14B 与 140亿 与 1,200 万 与 3.5%")] == [
        ("14B", 1.4e10),
        ("140亿", 1.4e10),
        ("1,200 万", 1.2e7),
        ("3.5%", 3.5),
    ]
    assert numbers("H200 和 Web3 不是数字") == []
    assert numbers("2026年第3季度 1月2日 10:05", checked_only=True) == []


# ---------------------------------------------------------------------------- schema


def test_the_tool_schema_is_self_contained() -> None:
    schema = tool_schema()
    text = str(schema)
    assert "$ref" not in text and "$defs" not in text
    assert set(schema["properties"]) == set(SECTIONS)
    block = schema["properties"]["insights"]["items"]
    assert set(block["properties"]) == {"title", "paragraphs", "bullets"}
    assert (
        schema["properties"]["events"]["items"]["properties"]["title"]["enum"][0]
        == "模型发布与技术突破"
    )


def test_sections_validate_one_by_one() -> None:
    raw = {
        "overview": [{"text": "**概述**：要点", "cite": []}],
        "core_points": [
            {"title": "# 小标题", "body": "- 这是一条足够长的正文内容。", "cite": ["1"]}
        ],
        "events": [
            {"title": "学术研究进展", "bullets": [{"text": "a"}]},
            {"title": "学术研究进展", "bullets": [{"text": "b"}]},
        ],
        "insights": [{"title": "空块"}],
    }
    valid, errors = validate_sections(raw)
    assert valid["overview"][0].text == "概述：要点"  # markdown dropped
    assert (valid["core_points"][0].title, valid["core_points"][0].body) == (
        "小标题",
        "这是一条足够长的正文内容。",
    )
    assert "each event sub-section title may appear once" in errors["events"][0]
    assert "at least one paragraph or bullet" in errors["insights"][0]
    assert errors["markets"] == ["markets: missing"]
    assert validate_sections("{not json", ("overview",))[1]["overview"][0].startswith(
        "the tool input must be a JSON object"
    )


# ---------------------------------------------------------------------------- governor


def test_prices_match_dated_model_ids() -> None:
    prices = DEFAULT_MODEL_PRICES
    assert price_for("claude-sonnet-5-5-20260928", prices) == prices["claude-sonnet-5-5"]
    assert price_for("claude-sonnet-5", prices) == ModelPrice(input_per_mtok=2, output_per_mtok=10)
    assert price_for("gpt-4", prices) is None
    assert cost_usd("claude-sonnet-5", prices, 20_000, 4_000) == pytest.approx(0.08)
    assert cost_usd("mystery", prices, 1, 1) is None


def test_the_interval_is_kept_per_window_in_the_store() -> None:
    clock = Clock()
    store = MemoryStore()
    governor = Governor(AnthropicSettings(min_interval_s=900), store, clock)
    assert governor.due("2026-01-02")
    governor.mark_run("2026-01-02")
    assert not governor.due("2026-01-02") and governor.due("2026-01-03")
    assert governor.next_run("2026-01-02") == clock.now + timedelta(seconds=900)
    clock.advance(899)
    assert not Governor(AnthropicSettings(min_interval_s=900), store, clock).due("2026-01-02")
    clock.advance(1)
    assert governor.due("2026-01-02")


def test_a_broken_cache_entry_is_ignored() -> None:
    store = MemoryStore()
    governor = Governor(AnthropicSettings(), store, Clock())
    store.put("summarize:model:cache:abc", "{not json")
    assert governor.cached("abc") is None
    governor.remember("abc", {"sections": {}, "failed": []})
    assert governor.cached("abc") == {"sections": {}, "failed": []}


# ---------------------------------------------------------------------------- real tweets


@pytest.mark.skipif(not DATA.exists(), reason=f"real tweets not found at {DATA}")
def test_real_tweets_fit_the_budget_and_check_against_themselves() -> None:
    from tests.unit.test_summarize_realdata import messages

    settings = ReportSettings()
    view = load_view(load(messages(), settings), "2023-04-28", settings)
    model_input = build_input(view, Prompts(), allowance=27_000, model="m", max_tokens=8_000)
    assert model_input.tokens <= 27_000
    assert len(model_input.items) > 20
    verifier = Verifier(items=model_input.items, stats=model_input.stats, view=view)
    # Quoting a tweet's own text back, with its own figures, always checks out.
    failures = [
        (i, reason)
        for i, item in model_input.items.items()
        if (reason := verifier.check(item.payload["text"], [i])) is not None
    ]
    assert failures == []
