"""``tweetpulse run --writer anthropic`` end to end: the real SDK against a local Messages API."""

from __future__ import annotations

import re
from pathlib import Path

from tests.e2e.test_cli import POST_NAME, SAMPLE, tweetpulse
from tests.fakes.anthropic_server import API_KEY, FakeAnthropic, error_reply, tool_reply
from tests.unit.test_model_writer_fakes import good_answer


def _env(server: FakeAnthropic) -> dict[str, str]:
    return {
        "TWEETPULSE_ANTHROPIC__BASE_URL": server.base_url,
        "TWEETPULSE_ANTHROPIC__API_KEY": API_KEY,
        "TWEETPULSE_ANTHROPIC__RETRY_BASE_S": "0.01",
    }


def test_model_written_report_reports_its_cost(tmp_path: Path) -> None:
    with FakeAnthropic(responder=lambda body: tool_reply(good_answer(body))) as server:
        done = tweetpulse(
            "run", "--input", str(SAMPLE), "--site", str(tmp_path), "--writer", "anthropic",
            env=_env(server),
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert len(server.messages) == 1, "one window, one model call"
    line = re.search(
        r"model\s+2026-01-02: model, (\S+), ([\d,]+) in / ([\d,]+) out tokens, \$(\S+)", done.stdout
    )
    assert line is not None, done.stdout
    assert int(line.group(2).replace(",", "")) > 0
    post = (tmp_path / "_posts" / POST_NAME).read_text(encoding="utf-8")
    # The footer names the model and the cost; the ten core points are all there.
    assert "费用" in post and "tokens" in post
    assert len(re.findall(r"^\d+\. \*\*", post, re.M)) == 10


def test_a_failing_model_falls_back_to_the_extractive_text_and_says_so(tmp_path: Path) -> None:
    with FakeAnthropic(responder=lambda body: error_reply(529, "overloaded_error")) as server:
        done = tweetpulse(
            "run", "--input", str(SAMPLE), "--site", str(tmp_path), "--writer", "anthropic",
            env=_env(server),
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert len(server.messages) > 1, "529 is retried"
    assert re.search(r"model\s+2026-01-02: fallback", done.stdout), done.stdout
    post = (tmp_path / "_posts" / POST_NAME).read_text(encoding="utf-8")
    assert "抽取" in post
    assert len(re.findall(r"^\d+\. \*\*", post, re.M)) == 10


def test_map_reduce_is_switched_on_from_the_environment(tmp_path: Path) -> None:
    from tests.unit.test_model_writer_map_reduce import responder

    with FakeAnthropic(responder=responder()) as server:
        done = tweetpulse(
            "run", "--input", str(SAMPLE), "--site", str(tmp_path), "--writer", "anthropic",
            env={**_env(server), "TWEETPULSE_ANTHROPIC__STRATEGY": "map_reduce"},
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    tools = [m.body["tools"][0]["name"] for m in server.messages]
    assert tools[-1] == "write_report" and set(tools[:-1]) == {"write_notes"}, tools
    assert len(tools) >= 3
    post = (tmp_path / "_posts" / POST_NAME).read_text(encoding="utf-8")
    assert "条经核验的要点，再据此汇总撰写" in post
    assert len(re.findall(r"^\d+\. \*\*", post, re.M)) == 10


def test_an_openai_compatible_model_writes_the_report(tmp_path: Path) -> None:
    from tests.fakes.openai_server import FakeOpenAI, as_messages_body, completion_reply

    def answer(body):
        return completion_reply(good_answer(as_messages_body(body)), model="qwen-test")

    with FakeOpenAI(responder=answer) as server:
        done = tweetpulse(
            "run", "--input", str(SAMPLE), "--site", str(tmp_path), "--writer", "openai",
            env={
                "TWEETPULSE_OPENAI__BASE_URL": server.base_url,
                "TWEETPULSE_OPENAI__API_KEY": API_KEY,
                "TWEETPULSE_OPENAI__MODEL": "qwen-test",
            },
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert len(server.messages) == 1
    assert re.search(r"model\s+2026-01-02: model, qwen-test", done.stdout), done.stdout
    post = (tmp_path / "_posts" / POST_NAME).read_text(encoding="utf-8")
    assert "本报告由模型 qwen-test" in post
    assert len(re.findall(r"^\d+\. \*\*", post, re.M)) == 10


def test_the_openai_writer_without_a_model_is_a_clear_error(tmp_path: Path) -> None:
    done = tweetpulse(
        "run", "--input", str(SAMPLE), "--site", str(tmp_path), "--writer", "openai",
    )  # fmt: skip
    assert done.returncode == 2
    assert "TWEETPULSE_OPENAI__MODEL is not set" in done.stderr
