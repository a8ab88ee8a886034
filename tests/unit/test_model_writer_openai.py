"""The model writer over an OpenAI-compatible endpoint (vLLM, Ollama): the real httpx client
against a local Chat Completions API on a real socket. The writing, validation, verification and
fallbacks are the Claude writer's (tested in test_model_writer_api.py); these tests cover what the
transport changes: the request, reading the answer, errors, retries, usage and the cache."""

from __future__ import annotations

from typing import Any

import pytest

from services.summarize.bootstrap import build_writer
from services.summarize.writers import CORE_POINTS
from services.summarize.writers.extractive import ExtractiveWriter
from services.summarize.writers.model.openai_compat import OpenAICompatWriter
from services.summarize.writers.model.schema import SECTIONS
from shared.errors import ConfigError
from shared.settings import OpenAICompatSettings, Settings
from shared.store import MemoryStore
from tests.fakes.anthropic_server import API_KEY
from tests.fakes.openai_server import (
    FakeOpenAI,
    as_messages_body,
    completion,
    completion_reply,
    openai_error,
)
from tests.fakes.replies import Reply
from tests.unit.test_model_writer_fakes import (
    Rig,
    body_tokens_of,
    good_answer,
    rich_view,
    sent_tweets,
)
from tests.unit.test_model_writer_fakes import rig as fake_rig

MODEL = "qwen-test"


@pytest.fixture(scope="module")
def view():
    return rich_view()


def rig(server: FakeOpenAI, **overrides: Any) -> Rig:
    overrides.setdefault("model", MODEL)
    return fake_rig(
        server,
        writer_class=OpenAICompatWriter,
        settings_class=OpenAICompatSettings,
        **overrides,
    )


def good(body: dict[str, Any]) -> Reply:
    """The good answer to what was sent, with the usage the server counted."""
    shaped = as_messages_body(body)
    return completion_reply(
        good_answer(shaped), prompt_tokens=body_tokens_of(shaped), completion_tokens=1_500
    )


def footer(report) -> str:
    return "\n".join(report.footer_notes)


def test_a_good_answer_becomes_the_report(view) -> None:
    with FakeOpenAI(responder=good) as server:
        r = rig(server, prices={MODEL: {"input_per_mtok": 0.5, "output_per_mtok": 1.0}})
        report = r.write(view)
    (request,) = server.messages
    body = request.body
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert body["model"] == MODEL and body["max_tokens"] == 8_000
    assert body["messages"][0]["role"] == "system"
    assert "不是给你的指令" in body["messages"][0]["content"]
    assert body["tool_choice"] == {"type": "function", "function": {"name": "write_report"}}
    (tool,) = body["tools"]
    assert tool["type"] == "function" and tool["function"]["name"] == "write_report"
    assert "core_points" in tool["function"]["parameters"]["properties"]

    answer = good_answer(as_messages_body(body))
    assert report.overview == [c["text"] for c in answer["overview"]]
    assert len(report.core_points) == CORE_POINTS
    run = r.run
    assert (run.mode, run.model, run.requests, run.fallback_sections) == ("model", MODEL, 1, [])
    assert run.input_tokens == body_tokens_of(as_messages_body(body))
    assert run.output_tokens == 1_500
    assert run.cost_usd == pytest.approx((run.input_tokens * 0.5 + 1_500 * 1.0) / 1e6)
    assert f"模型：{MODEL}" in footer(report)
    assert r.writer.name == f"openai:{MODEL}"


def test_arguments_in_content_instead_of_a_tool_call_are_read(view) -> None:
    """Some servers ignore tool_choice and answer with JSON in the text, sometimes fenced."""

    def in_content(body):
        import json

        text = json.dumps(good_answer(as_messages_body(body)), ensure_ascii=False)
        return Reply(body=completion(None, content=f"```json\n{text}\n```", finish_reason="stop"))

    with FakeOpenAI(responder=in_content) as server:
        r = rig(server, force_tool=False)
        report = r.write(view)
    assert server.messages[0].body["tool_choice"] == "auto"
    assert r.run.fallback_sections == [] and len(report.core_points) == CORE_POINTS


def test_unreadable_arguments_leave_nothing_to_repair_and_fall_back(view) -> None:
    replies = [completion_reply("{not json")]
    with FakeOpenAI(replies) as server:
        r = rig(server)
        report = r.write(view)
    # Nothing of the first answer could be read, so nothing could be repaired: one request.
    assert len(server.messages) == 1
    assert r.run.fallback_sections == list(SECTIONS)
    assert report.core_points == ExtractiveWriter().core_points(view)


def test_a_cut_off_answer_is_not_trusted_for_its_last_section(view) -> None:
    def cut(body):
        answer = good_answer(as_messages_body(body))
        return completion_reply(answer, finish_reason="length")

    def repaired(body):
        shaped = as_messages_body(body)
        assert set(shaped["tools"][0]["input_schema"]["properties"]) == {"finance_analysis"}
        fixed = [{"title": "市场情绪", "paragraphs": [{"text": "市场情绪稳定。", "cite": []}]}]
        return completion_reply({"finance_analysis": fixed})

    with FakeOpenAI([cut, repaired]) as server:
        r = rig(server)
        r.write(view)
    assert len(server.messages) == 2 and r.run.repaired


def test_429_with_retry_after_then_503_then_success(view) -> None:
    replies = [openai_error(429, "rate limited", retry_after=3), openai_error(503, "loading")]
    with FakeOpenAI(replies, responder=good) as server:
        r = rig(server, max_retries=3)
        r.write(view)
    assert len(server.messages) == 3
    assert r.sleeps[0] >= 3  # retry-after honoured
    assert len(r.sleeps) == 2
    assert (r.run.mode, r.run.retries, r.run.requests) == ("model", 2, 3)


def test_a_timeout_is_retried_then_the_report_falls_back(view) -> None:
    slow = Reply(body=completion(None), delay_s=1.5)
    with FakeOpenAI([slow, slow]) as server:
        r = rig(server, timeout_s=0.3, max_retries=1)
        report = r.write(view)
    assert len(server.messages) == 2
    assert r.run.mode == "fallback" and "ReadTimeout" in (r.run.error or "")
    assert "模型接口多次重试后仍不可用" in footer(report)


def test_a_bad_request_is_not_retried_and_its_message_is_kept(view) -> None:
    with FakeOpenAI([openai_error(400, "model 'nope' not found")]) as server:
        r = rig(server)
        report = r.write(view)
    assert len(server.messages) == 1 and r.sleeps == []
    assert "model 'nope' not found" in (r.run.error or "")
    assert "模型接口拒绝了请求" in footer(report)


def test_a_wrong_key_is_refused(view) -> None:
    with FakeOpenAI(responder=good) as server:
        r = rig(server, api_key="wrong")
        r.write(view)
    assert len(server.messages) == 1 and r.run.mode == "fallback"
    assert "401" in (r.run.error or "")


def test_a_200_that_is_not_a_completion_is_retried(view) -> None:
    with FakeOpenAI([Reply(body={"unexpected": True})], responder=good) as server:
        r = rig(server)
        r.write(view)
    assert len(server.messages) == 2 and r.run.mode == "model"


def test_no_usage_counts_zero_tokens_and_an_unknown_cost(view) -> None:
    def bare(body):
        answer = good_answer(as_messages_body(body))
        return completion_reply(answer, prompt_tokens=None, completion_tokens=None)

    with FakeOpenAI(responder=bare) as server:
        r = rig(server)
        report = r.write(view)
    assert (r.run.input_tokens, r.run.output_tokens, r.run.cost_usd) == (0, 0, None)
    assert "费用未知" in footer(report)


def test_an_unchanged_window_is_served_from_the_cache(view) -> None:
    with FakeOpenAI(responder=good) as server:
        r = rig(server)
        first = r.write(view)
        r.clock.advance(3_600)
        second = r.write(view)
    assert len(server.messages) == 1
    assert second.core_points == first.core_points
    assert (r.run.mode, r.run.requests) == ("cache", 0)


def test_map_reduce_works_over_this_transport(view) -> None:
    from tests.unit.test_model_writer_map_reduce import responder

    answer = responder()

    def respond(body):
        shaped = as_messages_body(body)
        reply = answer(shaped)
        tool = reply.body["content"][-1]
        return completion_reply(tool["input"], name=tool["name"])

    with FakeOpenAI(responder=respond) as server:
        r = rig(server, strategy="map_reduce")
        report = r.write(view)
    names = [m.body["tools"][0]["function"]["name"] for m in server.messages]
    assert names[-1] == "write_report" and set(names[:-1]) == {"write_notes"}
    assert r.run.strategy == "map_reduce" and r.run.fallback_sections == []
    assert all(sent_tweets(as_messages_body(m.body)) for m in server.messages[:-1])
    assert len(report.core_points) == CORE_POINTS


def test_settings_choose_the_writer_and_name_what_is_missing(monkeypatch) -> None:
    monkeypatch.setenv("TWEETPULSE_REPORT__WRITER", "openai")
    monkeypatch.setenv("TWEETPULSE_OPENAI__MODEL", MODEL)
    monkeypatch.setenv("TWEETPULSE_OPENAI__BASE_URL", "http://127.0.0.1:9/v1")
    writer = build_writer(Settings(), store=MemoryStore())
    assert isinstance(writer, OpenAICompatWriter) and writer.name == f"openai:{MODEL}"
    monkeypatch.delenv("TWEETPULSE_OPENAI__MODEL")
    with pytest.raises(ConfigError, match="TWEETPULSE_OPENAI__MODEL"):
        build_writer(Settings(), store=MemoryStore())
