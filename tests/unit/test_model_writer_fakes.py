"""Support for the model writer's tests: views, a writer wired to the fake API, answers built from
what the model was sent. The tests here check the fake Messages API itself, with the real SDK.

Imported by the other ``test_model_writer_*`` modules.
"""

from __future__ import annotations

import dataclasses
import json
import random
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import anthropic
import pytest

from services.summarize.view import WindowView, load_view
from services.summarize.writers.model import AnthropicWriter, ModelRun, ModelWriter
from services.summarize.writers.model.prompt import request_tokens
from shared.models import Report
from shared.settings import AnthropicSettings, ModelWriterSettings, ReportSettings
from shared.store import MemoryStore
from tests.fakes.anthropic_server import (
    API_KEY,
    FakeAnthropic,
    FakeAPI,
    Request,
    error_reply,
    overloaded,
    tool_reply,
)
from tests.unit.test_summarize_factories import WINDOW, classified, load, rich_window

BUILT = datetime(2026, 1, 3, 1, 0, tzinfo=UTC)
MODEL = "claude-sonnet-5"


# ---------------------------------------------------------------------------- views


def view_of(
    messages, settings: ReportSettings | None = None, *, stories: bool = False
) -> WindowView:
    """The window of ``messages``; without ``stories``, its stories are left out, so that the
    writer reads the tweet input (the story input has its own tests, with stories built by
    hand in ``test_model_writer_stories``)."""
    settings = settings or ReportSettings()
    view = load_view(load(messages, settings), WINDOW, settings, built_at=BUILT)
    return view if stories else dataclasses.replace(view, stories=[])


def rich_view() -> WindowView:
    return view_of(rich_window())


_WORDS = [
    "agents",
    "reasoning",
    "benchmark",
    "inference",
    "latency",
    "open",
    "weights",
    "fine-tuning",
    "context",
    "window",
    "evaluation",
    "alignment",
    "robotics",
    "chips",
    "datacenter",
    "funding",
    "startup",
    "revenue",
    "growth",
    "pricing",
    "multimodal",
    "video",
    "speech",
    "coding",
    "assistant",
    "education",
    "research",
    "paper",
    "dataset",
]


def huge_view(n: int = 5_000, subtopics: int = 60) -> WindowView:
    """A window of ``n`` long tweets over many sub-topics, with repeated texts and figures."""
    rng = random.Random(7)
    msgs = []
    for i in range(n):
        sub = i % subtopics
        words = " ".join(rng.choice(_WORDS) for _ in range(35))
        dup = i % 50 < 4
        text = (
            f"Thread {i}: {words} up {i % 97}% this week"
            if not dup
            else f"Copy of the big story number {i % 7}, {words[:80]}"
        )
        msgs.append(
            classified(
                str(10_000_000 + i),
                text[:280],
                author=f"acct{i}",
                at=datetime(2026, 1, 2, 2, 0, tzinfo=UTC) + timedelta(seconds=i),
                likes=rng.randint(0, 5_000),
                retweets=rng.randint(0, 300),
                subtopics=[(f"sub{sub:02d}", f"子话题{sub:02d}")],
                models=["GPT-5"] if i % 11 == 0 else [],
                companies=[("NVIDIA", "NVDA")] if i % 13 == 0 else [],
                cashtags=["NVDA"] if i % 13 == 0 else [],
                percentages=[f"{i % 97}%"] if not dup else [],
                near_dup_key=f"dup{i % 7}" if dup else None,
            )
        )
    return view_of(msgs)


# ---------------------------------------------------------------------------- the writer


@dataclass
class Clock:
    """A settable clock."""

    now: datetime = BUILT

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Rig:
    """A writer wired to a fake server, with the sleeps it asked for and the runs it returned."""

    writer: ModelWriter
    server: FakeAPI
    store: MemoryStore
    clock: Clock
    sleeps: list[float] = field(default_factory=list)
    runs: list[ModelRun] = field(default_factory=list)

    def write(self, view: WindowView) -> Report:
        """The writer's report for ``view``; the run it came with is kept in :attr:`runs`."""
        written = self.writer.write(view)
        assert written.usage == written.run.usage()  # what ReportReady carries is this run's
        self.runs.append(written.run)
        return written.report

    @property
    def run(self) -> ModelRun:
        """The run record of the last :meth:`write`."""
        assert self.runs, "nothing written yet"
        return self.runs[-1]


def rig(
    server: FakeAPI,
    *,
    store: MemoryStore | None = None,
    writer_class: type[ModelWriter] = AnthropicWriter,
    settings_class: type[ModelWriterSettings] = AnthropicSettings,
    **overrides: Any,
) -> Rig:
    fields: dict[str, Any] = {
        "api_key": API_KEY,
        "base_url": server.base_url,
        "model": MODEL,
        "timeout_s": 5.0,
        "max_retries": 2,
        **overrides,
    }
    settings = settings_class(**fields)
    store = store or MemoryStore()
    clock = Clock()
    sleeps: list[float] = []
    writer = writer_class(settings, store, clock=clock, sleep=sleeps.append, rng=random.Random(1))
    return Rig(writer=writer, server=server, store=store, clock=clock, sleeps=sleeps)


# ---------------------------------------------------------------------------- what the model saw


def sent_tweets(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The lines of a request, parsed back from its <tweets> block (or <stories>, with stories)."""
    user = body["messages"][0]["content"]
    tag = "stories" if "<stories>\n" in user else "tweets"
    block = user.split(f"<{tag}>\n", 1)[1].split(f"\n</{tag}>", 1)[0]
    return [json.loads(line) for line in block.splitlines() if line.strip()]


def sent_stats(body: dict[str, Any]) -> dict[str, Any]:
    user = body["messages"][0]["content"]
    stats: dict[str, Any] = json.loads(user.split("<stats>\n", 1)[1].split("\n</stats>", 1)[0])
    return stats


def body_tokens(request: Request) -> int:
    """The estimated input tokens of a request as the server received it."""
    body = request.body
    return request_tokens(body.get("system", ""), body["messages"], body.get("tools", []))


def with_entity(tweets: list[dict[str, Any]], name: str) -> dict[str, Any] | None:
    return next((t for t in tweets if name in t.get("entities", [])), None)


def good_answer(body: dict[str, Any]) -> dict[str, Any]:
    """A valid, fully traceable tool input built from what the request carried."""
    tweets = sent_tweets(body)
    stats = sent_stats(body)
    ai = next(c for c in stats["categories"] if c["key"] == "ai")
    first = tweets[0]

    def about(name: str, text: str, fallback: str) -> tuple[str, list[str]]:
        """``text`` citing a tweet naming ``name``, or ``fallback`` citing the first tweet."""
        hit = with_entity(tweets, name)
        return (text, [hit["id"]]) if hit else (fallback, [first["id"]])

    gpt_text, gpt = about("GPT-5", "OpenAI 发布 GPT-5。", "新模型持续发布。")
    nvda_text, nvda = about("NVIDIA", "NVIDIA 的算力需求受到关注。", "算力需求受到关注。")
    tool_text, tool_cite = about("Google", "Google 推出新的编程工具。", "新的编程工具陆续推出。")
    deal_text, deal = about("ByteDance", "ByteDance 加大 AI 基础设施投资。", "产业投资持续。")
    paper_text, paper = about("MIT", "MIT 的研究显示递归语言模型优于基线。", "新研究不断出现。")
    # One point per line, or with the story input one per story, from its lead line.
    leads: list[dict[str, Any]] = []
    for t in tweets:
        if "engagement" in t and all(t.get("story", t["id"]) != s.get("story") for s in leads):
            leads.append(t)
    points = [
        {
            "title": f"话题动态{i + 1}",
            "body": f"{t['author']} 的推文获得 {t['engagement']} 互动量"
            + (f"，所在故事共 {t['tweets']} 条推文、{t['authors']} 位作者" if "tweets" in t else "")
            + "，引发社区讨论。",
            "cite": [t["id"]],
        }
        for i, t in enumerate(leads[:10])
    ]

    def block(title: str, text: str, cite: list[str], bullets: list[dict[str, Any]] | None = None):
        return {
            "title": title,
            "paragraphs": [{"text": text, "cite": cite}],
            "bullets": bullets or [],
        }

    return {
        "overview": [
            {
                "text": f"本时段共收录 {stats['tweets']} 条推文，其中人工智能相关占 {ai['share']}，"
                "讨论集中在智能代理、模型发布与开发工具。",
                "cite": [],
            },
            {"text": "社区普遍认为智能代理正走向企业应用。", "cite": [first["id"]]},
        ],
        "core_points": points,
        "insights": [block("技术发展趋势", "有观点认为智能代理将接管企业工作流。", [first["id"]])],
        "events": [
            block(
                "模型发布与技术突破",
                "新模型发布仍是讨论焦点。",
                gpt,
                bullets=[{"text": gpt_text, "cite": gpt}],
            ),
            block("新应用与工具发布", tool_text, tool_cite),
            block("产业合作与投资", deal_text, deal),
            block("学术研究进展", paper_text, paper),
        ],
        "markets": [
            block("芯片与硬件板块", nvda_text, nvda),
            block("未涉及数字货币", "本时段推文未涉及数字货币相关内容。", []),
        ],
        "ai_analysis": [block("大模型技术进展", "模型能力竞争仍在加速。", gpt)],
        "finance_analysis": [block("股票市场表现", "芯片股情绪偏向乐观。", nvda)],
    }


def answer_with(**changes: Any):
    """A responder: the good answer with some sections replaced (callables get the answer)."""

    def respond(body: dict[str, Any]):
        answer = good_answer(body)
        for key, value in changes.items():
            answer[key] = value(answer, body) if callable(value) else value
        return tool_reply(answer, input_tokens=body_tokens_of(body), output_tokens=1_500)

    return respond


def body_tokens_of(body: dict[str, Any]) -> int:
    return request_tokens(body.get("system", ""), body["messages"], body.get("tools", []))


# ---------------------------------------------------------------------------- the fake itself


def test_the_sdk_reads_a_tool_answer_from_the_fake() -> None:
    with FakeAnthropic([tool_reply({"a": 1}, input_tokens=12, output_tokens=3)]) as server:
        client = anthropic.Anthropic(api_key=API_KEY, base_url=server.base_url, max_retries=0)
        msg = client.messages.create(
            model=MODEL,
            max_tokens=100,
            messages=[{"role": "user", "content": "hi"}],
            tools=[{"name": "write_report", "input_schema": {"type": "object"}}],
            tool_choice={"type": "tool", "name": "write_report"},
        )
    assert msg.stop_reason == "tool_use"
    assert (msg.usage.input_tokens, msg.usage.output_tokens) == (12, 3)
    assert [(b.type, b.input) for b in msg.content if b.type == "tool_use"] == [
        ("tool_use", {"a": 1})
    ]
    assert server.messages[0].body["tool_choice"] == {"type": "tool", "name": "write_report"}


def test_the_sdk_maps_fake_errors_to_its_exceptions() -> None:
    replies = [overloaded(retry_after=3), error_reply(429, "rate_limit_error")]
    with FakeAnthropic(replies) as server:
        client = anthropic.Anthropic(api_key=API_KEY, base_url=server.base_url, max_retries=0)
        kwargs: Any = {
            "model": MODEL,
            "max_tokens": 10,
            "messages": [{"role": "user", "content": "x"}],
        }
        with pytest.raises(anthropic.APIStatusError) as first:
            client.messages.create(**kwargs)
        with pytest.raises(anthropic.RateLimitError):
            client.messages.create(**kwargs)
        bad = anthropic.Anthropic(api_key="wrong", base_url=server.base_url, max_retries=0)
        with pytest.raises(anthropic.AuthenticationError):
            bad.messages.create(**kwargs)
    assert first.value.status_code == 529
    assert first.value.response.headers["retry-after"] == "3"
    assert len(server.requests) == 3


def test_good_answer_cites_only_what_was_sent() -> None:
    view = rich_view()
    with FakeAnthropic(responder=answer_with()) as server:
        r = rig(server)
        r.write(view)
    body = server.messages[0].body
    ids = {t["id"] for t in sent_tweets(body)}
    answer = good_answer(body)
    cited = {i for p in answer["core_points"] for i in p["cite"]}
    assert cited <= ids
    assert re.fullmatch(r"\d+(\.\d)?%", sent_stats(body)["categories"][0]["share"])
