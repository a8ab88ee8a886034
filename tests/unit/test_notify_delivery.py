"""HttpDeliver against local chat-platform servers on real sockets (``tests/fakes/chat_servers``).

Each fake checks the payload's shape and the signature as its platform documents them; here the
real adapter sends to them: every platform accepts our digest, a 429 is waited out for exactly
the time asked, a target that is down fails alone while the others succeed, a rate limit is kept,
and no failure's reason shows a key or token.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator

import pytest

from services.notify.bootstrap import build_deps
from services.notify.delivery import HttpDeliver, Push, RateLimiter
from services.notify.digest import digest_of
from services.notify.handler import handle
from services.notify.platforms import PLATFORMS, Target
from shared.settings import NotifySettings, Settings
from shared.store import MemoryStore
from tests.fakes.chat_servers import (
    FakeFeishu,
    FakeSlack,
    FakeTelegram,
    FakeWebhook,
    Fleet,
    closed_port_url,
)
from tests.fakes.replies import Reply
from tests.unit.test_notify_handler import make_post


class Sleeps:
    """A fake ``sleep`` that records what it was asked to wait and waits not at all, and the
    clock it moves (for the rate limiters): both go to HttpDeliver, as ``sleep`` and ``clock``."""

    def __init__(self) -> None:
        self.waits: list[float] = []
        self.now = 0.0
        self._lock = threading.Lock()

    def __call__(self, seconds: float) -> None:
        with self._lock:
            self.waits.append(round(seconds, 3))
            self.now += seconds

    def clock(self) -> float:
        return self.now


def fake_time_deliver(settings: NotifySettings | None = None) -> tuple[HttpDeliver, Sleeps]:
    sleeps = Sleeps()
    return HttpDeliver(settings or NotifySettings(), sleep=sleeps, clock=sleeps.clock), sleeps


@pytest.fixture
def fleet() -> Iterator[Fleet]:
    with Fleet() as fleet:
        yield fleet


def settings_for(fleet: Fleet, **notify) -> Settings:
    env = {k.removeprefix("TWEETPULSE_NOTIFY__").lower(): v for k, v in fleet.env().items()}
    nested: dict[str, dict[str, str]] = {}
    for key, value in env.items():
        section, field = key.split("__")
        nested.setdefault(section, {})[field] = value
    return Settings(notify=NotifySettings(**nested, **notify))


def push(target: Target, **post) -> Push:
    platform = PLATFORMS[target.name]
    digest = digest_of(make_post(**post), top=3)
    return Push(target, platform, platform.payload(digest, target), "2026-01-02")


def test_every_platform_accepts_the_digest_as_it_documents_it(fleet):
    deps = build_deps(settings_for(fleet), store=MemoryStore())
    assert [t.name for t in deps.targets] == list(PLATFORMS)
    assert handle(make_post(), deps=deps) == []
    assert fleet.problems() == {}
    for name, server in fleet.all().items():
        assert len(server.accepted) == 1, name
        assert deps.stats.get(name, "sent") == 1
    # what a reader sees, platform by platform
    assert fleet.feishu.lines(fleet.feishu.accepted[0])[:3] == [
        "Twitter Ai 报告 (2026-01-02 至 2026-01-02)",
        "窗口 2026-01-02 · 推文 1,127 条",
        "1. 要点1",
    ]
    assert "3. 要点3\n\n阅读全文" in fleet.telegram.shown[0]
    assert (
        "[阅读全文](https://blog.example.test/2026/01/02/"
        in fleet.dingtalk.accepted[0].body["markdown"]["text"]
    )
    assert fleet.webhook.accepted[0].body["core_points"] == ["要点1", "要点2", "要点3"]


def test_the_fakes_refuse_a_wrong_signature(fleet):
    """The signature checks above can fail: a bot whose secret differs is refused, not retried."""
    wrong = Target(name="feishu", url=fleet.feishu.url, secret="not-the-secret")
    deliver, _ = fake_time_deliver()
    [result] = deliver([push(wrong)])
    assert not result.ok and result.attempts == 1 and "19021" in result.reason
    ding = Target(name="dingtalk", url=fleet.dingtalk.url, secret="SECwrong")
    [result] = deliver([push(ding)])
    assert not result.ok and "310000" in result.reason
    hook = Target(name="webhook", url=fleet.webhook.url, secret="wrong")
    [result] = deliver([push(hook)])
    assert not result.ok and "401" in result.reason
    assert fleet.feishu.problems == ["bad sign"] and fleet.dingtalk.problems == ["bad sign"]


def test_a_429_is_retried_after_exactly_the_time_asked():
    with (
        FakeSlack([Reply(status=429, body="rate_limited", headers={"Retry-After": "7"})]) as slack,
        FakeTelegram([FakeTelegram.flood(4)]) as tg,
    ):
        deliver, sleeps = fake_time_deliver()
        results = deliver(
            [
                push(Target(name="slack", url=slack.url)),
                push(
                    Target(
                        name="telegram",
                        url=f"{tg.origin}/bot{tg.token}/sendMessage",
                        chat_id=tg.chat_id,
                    )
                ),
            ]
        )
        assert [(r.ok, r.attempts) for r in results] == [(True, 2), (True, 2)]
        assert sorted(sleeps.waits) == [4.0, 7.0]
        assert len(slack.requests) == 2 and len(slack.accepted) == 1
        assert len(tg.accepted) == 1 and slack.problems == tg.problems == []


def test_5xx_backs_off_doubling_and_fails_after_its_tries():
    with FakeWebhook(Reply(status=503, body="") for _ in range(10)) as hook:
        deliver, sleeps = fake_time_deliver(NotifySettings(max_attempts=4, retry_base_s=0.5))
        [result] = deliver([push(Target(name="webhook", url=hook.url))])
    assert not result.ok and result.attempts == 4 and "HTTP 503" in result.reason
    assert sleeps.waits == [0.5, 1.0, 2.0] and len(hook.requests) == 4


def test_a_retry_after_longer_than_retry_max_fails_at_once():
    with FakeTelegram([FakeTelegram.flood(3600)]) as tg:
        deliver, _ = fake_time_deliver(NotifySettings(retry_max_s=60))
        target = Target(
            name="telegram", url=f"{tg.origin}/bot{tg.token}/sendMessage", chat_id=tg.chat_id
        )
        [result] = deliver([push(target)])
    assert not result.ok and result.attempts == 1
    assert "asked to wait 3600 s, more than retry_max_s 60" in result.reason


def test_a_target_that_is_down_fails_alone_and_the_others_are_not_held_up(fleet):
    down = Target(name="slack", url=closed_port_url("/services/T/B/secret-key-0123456789"))
    deliver, _ = fake_time_deliver(NotifySettings(max_attempts=3))
    feishu = Target(name="feishu", url=fleet.feishu.url, secret=fleet.feishu.secret)
    wecom = Target(name="wecom", url=fleet.wecom.url)
    results = deliver([push(down), push(feishu), push(wecom)])
    assert [(r.target, r.ok) for r in results] == [
        ("slack", False),
        ("feishu", True),
        ("wecom", True),
    ]
    assert results[0].attempts == 3 and "ConnectError" in results[0].reason
    assert "secret-key-0123456789" not in results[0].reason and "127.0.0.1" not in results[0].reason


def test_the_handler_dead_letters_the_down_target_and_pushes_the_rest(fleet):
    settings = settings_for(fleet, max_attempts=2)
    slack = settings.notify.slack.model_copy(update={"url": closed_port_url("/services/x/y/z")})
    settings = settings.model_copy(
        update={"notify": settings.notify.model_copy(update={"slack": slack})}
    )
    deliver, _ = fake_time_deliver(settings.notify)
    deps = build_deps(settings, store=MemoryStore(), deliver=deliver)
    [letter] = handle(make_post(), deps=deps)
    assert letter.key == "slack:2026-01-02" and letter.reason.startswith("slack: ")
    assert all(len(s.accepted) == 1 for n, s in fleet.all().items() if n != "slack")
    assert deps.stats.get("slack", "failed") == 1 and deps.stats.get("slack", "retries") == 1


def test_a_redelivered_post_reaches_no_platform_twice(fleet):
    deps = build_deps(settings_for(fleet), store=MemoryStore())
    handle(make_post(), deps=deps)
    handle(make_post(), deps=deps)
    assert {n: len(s.requests) for n, s in fleet.all().items()} == dict.fromkeys(PLATFORMS, 1)


def test_feishus_frequency_limit_is_retried_and_every_try_is_signed_afresh():
    limited = Reply(body={"code": 11232, "msg": "frequency limited"})
    with FakeFeishu([limited], secret="s") as feishu:
        deliver, _ = fake_time_deliver()
        [result] = deliver([push(Target(name="feishu", url=feishu.url, secret="s"))])
    assert result.ok and result.attempts == 2 and feishu.problems == []


def test_the_rate_limiter_keeps_to_every_window():
    now = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(((5, 1.0), (20, 60.0)), clock=lambda: now[0], sleep=sleep)
    times = []
    for _ in range(21):
        limiter.acquire()
        times.append(now[0])
    assert times[:5] == [0.0] * 5 and times[5] == pytest.approx(1.0)
    assert times[20] == pytest.approx(60.0)  # the 21st waits for the minute's window
    assert all(b >= a for a, b in itertools.pairwise(times))


def test_slack_is_kept_to_one_message_a_second_on_real_time():
    with FakeSlack() as slack:
        deliver = HttpDeliver(NotifySettings())
        target = Target(name="slack", url=slack.url)
        started = time.monotonic()
        results = deliver([push(target), push(target, core_points=["b"])])
        took = time.monotonic() - started
    assert all(r.ok for r in results) and slack.problems == []
    assert took >= 0.95
