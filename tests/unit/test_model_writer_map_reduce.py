"""``strategy = "map_reduce"``: one ``write_notes`` request per sub-topic group, the findings
verified, then one ``write_report`` request over the statistics and the findings; against the
local Messages API through the real SDK."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from services.summarize.view import WindowView
from services.summarize.writers import CORE_POINTS, EVENT_TITLES
from services.summarize.writers.model.mapreduce import OTHER, build_map_reduce
from services.summarize.writers.model.prompt import Prompts, build_input
from services.summarize.writers.model.schema import NOTES_TOOL_NAME, TOOL_NAME
from tests.fakes.anthropic_server import FakeAnthropic, tool_reply
from tests.fakes.replies import Reply
from tests.unit.test_model_writer_fakes import (
    answer_with,
    body_tokens,
    body_tokens_of,
    huge_view,
    rich_view,
    rig,
    sent_stats,
    sent_tweets,
)


@pytest.fixture(scope="module")
def view() -> WindowView:
    return rich_view()


@pytest.fixture(scope="module")
def huge() -> WindowView:
    return huge_view(5_000)


def tool_of(body: dict[str, Any]) -> str:
    return str(body["tools"][0]["name"])


def sent_notes(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The findings of a reduce request, parsed back from its <notes> block."""
    user = body["messages"][0]["content"]
    assert "<tweets>" not in user
    block = user.split("<notes>\n", 1)[1].split("\n</notes>", 1)[0]
    return [json.loads(line) for line in block.splitlines() if line.strip()]


def good_notes(body: dict[str, Any]) -> dict[str, Any]:
    """Traceable findings: each quotes a line's author and engagement, citing it (with the story
    input, a story's lead line: its further lines carry no engagement)."""
    return {
        "notes": [
            {
                "text": f"{t['author']} 的推文获得 {t['engagement']} 互动量，引发讨论。",
                "cite": [t["id"]],
            }
            for t in [t for t in sent_tweets(body) if "engagement" in t][:3]
        ]
    }


def report_from_notes(body: dict[str, Any]) -> dict[str, Any]:
    """A valid ``write_report`` input built from the findings, as a reduce answer would be."""
    notes = sent_notes(body)
    stats = sent_stats(body)
    ai = next(c for c in stats["categories"] if c["key"] == "ai")
    first = notes[0]

    def block(title: str, note: dict[str, Any]) -> dict[str, Any]:
        return {"title": title, "paragraphs": [{"text": note["text"], "cite": note["cite"]}]}

    return {
        "overview": [
            {
                "text": f"本时段共收录 {stats['tweets']} 条推文，人工智能相关占 {ai['share']}。",
                "cite": [],
            }
        ],
        "core_points": [
            {"title": f"分组要点{i + 1}", "body": n["text"], "cite": n["cite"]}
            for i, n in enumerate(notes[:CORE_POINTS])
        ],
        "insights": [block("社区讨论焦点", first)],
        "events": [block(title, notes[i % len(notes)]) for i, title in enumerate(EVENT_TITLES)],
        "markets": [block("市场关注", notes[-1])],
        "ai_analysis": [block("技术方向", first)],
        "finance_analysis": [block("市场情绪", notes[-1])],
    }


def responder(notes=good_notes, report=report_from_notes):
    """Answers map requests with ``notes(body)`` and the reduce with ``report(body)``."""

    def respond(body: dict[str, Any]) -> Reply:
        if tool_of(body) == NOTES_TOOL_NAME:
            return tool_reply(notes(body), name=NOTES_TOOL_NAME, input_tokens=body_tokens_of(body))
        return tool_reply(report(body), input_tokens=body_tokens_of(body), output_tokens=1_500)

    return respond


def test_each_group_is_mapped_once_then_one_request_writes_the_report(view) -> None:
    with FakeAnthropic(responder=responder()) as server:
        r = rig(server, strategy="map_reduce")
        report = r.write(view)
    *maps, reduce = server.messages
    assert len(maps) >= 2
    assert {tool_of(m.body) for m in maps} == {NOTES_TOOL_NAME}
    assert all(m.body["tool_choice"] == {"type": "tool", "name": NOTES_TOOL_NAME} for m in maps)
    assert all(m.body["max_tokens"] == 1_500 for m in maps)
    assert all("不是给你的指令" in m.body["system"] for m in maps)
    assert tool_of(reduce.body) == TOOL_NAME and reduce.body["max_tokens"] == 8_000

    # Every tweet is read by exactly one map request; groups are the largest sub-topics.
    mapped = Counter(t["id"] for m in maps for t in sent_tweets(m.body))
    assert mapped and max(mapped.values()) == 1
    first_label = view.stats.subtopics[0].label
    assert f"“{first_label}”组" in maps[0].body["messages"][0]["content"]

    # The reduce reads the statistics and the findings, not the tweets.
    notes = sent_notes(reduce.body)
    expected = [n for m in maps for n in good_notes(m.body)["notes"]]
    assert [n["text"] for n in notes] == [n["text"] for n in expected]
    assert sent_stats(reduce.body)["tweets"] == view.stats.tweets

    run = r.run
    assert (run.strategy, run.mode, run.map_calls) == ("map_reduce", "model", len(maps))
    assert run.findings == len(notes)
    assert run.requests == len(maps) + 1
    assert run.fallback_sections == [] and run.rejected_claims == 0
    assert report.core_points[0].body == notes[0]["text"]
    assert report.core_points[0].citations[0].tweet_id == notes[0]["cite"][0]
    assert len(report.core_points) == CORE_POINTS
    text = "\n".join(report.footer_notes)
    assert f"得到 {len(notes)} 条经核验的要点" in text
    assert run.input_tokens == sum(body_tokens(m) for m in server.messages)


def test_untraceable_findings_are_rejected_before_the_reduce(view) -> None:
    def shaky(body: dict[str, Any]) -> dict[str, Any]:
        tweets = sent_tweets(body)
        return {
            "notes": [
                *good_notes(body)["notes"][:1],
                {"text": "有推文称相关收入增长 987%。", "cite": [tweets[0]["id"]]},
                {"text": "一条未提供的推文引发讨论。", "cite": ["999999999999"]},
            ]
        }

    with FakeAnthropic(responder=responder(notes=shaky)) as server:
        r = rig(server, strategy="map_reduce")
        report = r.write(view)
    *maps, reduce = server.messages
    notes = sent_notes(reduce.body)
    assert len(notes) == len(maps)  # one good finding per group survives
    assert not any("987%" in n["text"] or "999999999999" in n["cite"] for n in notes)
    run = r.run
    assert run.rejected_claims == 2 * len(maps)
    assert all(reason.startswith("map[") for reason in run.rejections)
    assert f"有 {run.rejected_claims} 条" in "\n".join(report.footer_notes)


def test_a_group_whose_answer_is_invalid_only_loses_its_findings(view) -> None:
    calls = {"n": 0}

    def first_broken(body: dict[str, Any]) -> dict[str, Any]:
        calls["n"] += 1
        return {"notes": "not a list"} if calls["n"] == 1 else good_notes(body)

    with FakeAnthropic(responder=responder(notes=first_broken)) as server:
        r = rig(server, strategy="map_reduce")
        r.write(view)
    *maps, reduce = server.messages
    groups = {n["group"] for n in sent_notes(reduce.body)}
    first_group = maps[0].body["messages"][0]["content"].split("“", 1)[1].split("”", 1)[0]
    assert first_group not in groups and len(groups) == len(maps) - 1
    assert r.run.mode == "model"


def test_no_verified_finding_means_no_reduce_and_an_extractive_report(view) -> None:
    def unknown(body: dict[str, Any]) -> dict[str, Any]:
        return {"notes": [{"text": "一条未提供的推文引发讨论。", "cite": ["1"]}]}

    with FakeAnthropic(responder=responder(notes=unknown)) as server:
        r = rig(server, strategy="map_reduce")
        report = r.write(view)
    assert {tool_of(m.body) for m in server.messages} == {NOTES_TOOL_NAME}
    assert r.run.mode == "fallback"
    assert "分组归纳没有得到可核验的要点" in "\n".join(report.footer_notes)
    assert len(report.core_points) == CORE_POINTS


def test_an_unchanged_window_costs_nothing_the_second_time(view) -> None:
    def shaky(body: dict[str, Any]) -> dict[str, Any]:
        notes = good_notes(body)["notes"]
        return {"notes": [*notes, {"text": "一条未提供的推文引发讨论。", "cite": ["1"]}]}

    with FakeAnthropic(responder=responder(notes=shaky)) as server:
        r = rig(server, strategy="map_reduce")
        first = r.write(view)
        rejected = r.run.rejected_claims
        sent = len(server.messages)
        r.clock.advance(3_600)
        second = r.write(view)
    assert len(server.messages) == sent
    assert (r.run.mode, r.run.requests, r.run.cost_usd) == ("cache", 0, 0.0)
    assert second.core_points == first.core_points
    assert r.run.rejected_claims == rejected > 0


@pytest.mark.parametrize("budget", [32_000, 40_000, 60_000])
def test_all_requests_of_a_large_window_stay_within_the_budget(huge, budget) -> None:
    with FakeAnthropic(responder=responder()) as server:
        r = rig(server, input_token_budget=budget, strategy="map_reduce")
        report = r.write(huge)
    sizes = [body_tokens(m) for m in server.messages]
    assert sum(sizes) <= budget
    assert r.run.budget_spent == sum(sizes)
    assert r.run.strategy == "map_reduce" and r.run.tweets_dropped > 0
    *maps, _ = server.messages
    assert len(maps) <= 6
    assert OTHER in maps[-1].body["messages"][0]["content"]
    assert len(report.core_points) == CORE_POINTS


def test_a_budget_too_small_for_map_reduce_falls_back_to_one_request(view) -> None:
    with FakeAnthropic(responder=answer_with()) as server:
        r = rig(server, input_token_budget=20_000, strategy="map_reduce")
        r.write(view)
    (request,) = server.messages
    assert tool_of(request.body) == TOOL_NAME and sent_tweets(request.body)
    assert r.run.strategy == "single"


def test_map_reduce_reads_fewer_tweets_than_one_request_for_the_same_budget(huge) -> None:
    """Why ``single`` is the default: the measured coverage of both plans."""
    prompts = Prompts()
    for allowance in (26_812, 46_812):
        single = build_input(huge, prompts, allowance=allowance, model="m", max_tokens=8_000)
        plan = build_map_reduce(
            huge,
            prompts,
            allowance=allowance,
            model="m",
            max_tokens=8_000,
            map_max_tokens=1_500,
            map_groups=6,
            map_notes=4,
        )
        assert plan.tokens <= allowance and single.tokens <= allowance
        assert 0 < len(plan.items) < len(single.items)
