"""The notify handler as plain function calls: which pushes go out, which are suppressed, when.

A recording fake stands in for the delivery port; the ledger is a real MemoryStore. The PostRendered
factory here (``make_post``) is shared by the other notify tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from services.notify.bootstrap import build_deps, targets
from services.notify.delivery import Push, Result
from services.notify.handler import NotifyDeps, handle, release_deferred
from services.notify.ledger import Ledger
from services.notify.platforms import PLATFORMS, Target
from services.notify.quiet import QuietHours
from services.notify.stats import NotifyStats
from shared.errors import ConfigError
from shared.models import DeadLetter, PostRendered
from shared.settings import NotifySettings, Settings, TelegramTarget, WebhookTarget
from shared.store import MemoryStore

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOON = datetime(2026, 1, 2, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
RENDERED = datetime(2026, 1, 2, 3, 55, tzinfo=UTC)


def make_post(**overrides: Any) -> PostRendered:
    """A PostRendered for the window 2026-01-02 with ten core points and public URLs."""
    fields: dict[str, Any] = {
        "window_id": "2026-01-02",
        "title": "twitter_ai_20260102_20260102",
        "post_path": "_posts/2026-01-02-twitter_ai_20260102_20260102.md",
        "image_path": "assets/images/wordcloud_twitter_ai_20260102_20260102.jpg",
        "rendered_at": RENDERED,
        "report_built_at": RENDERED - timedelta(minutes=1),
        "tweets": 1127,
        "sha256": "0" * 64,
        "headline": "Twitter Ai 报告 (2026-01-02 至 2026-01-02)",
        "description": "人工智能领域呈现高速发展态势。",
        "core_points": [f"要点{n}" for n in range(1, 11)],
        "digest_hash": "1" * 64,
        "url": "https://blog.example.test/2026/01/02/twitter_ai_20260102_20260102.html",
        "image_url": "https://blog.example.test/assets/images/wordcloud_twitter_ai_20260102_20260102.jpg",
    }
    fields.update(overrides)
    return PostRendered(**fields)


@dataclass
class RecordingDeliver:
    """The delivery port, faked: records every push and answers as scripted per target."""

    pushes: list[Push] = field(default_factory=list)
    failing: dict[str, str] = field(default_factory=dict)
    crash: bool = False

    def __call__(self, pushes):
        if self.crash:
            raise RuntimeError("the process died mid-send")
        self.pushes += pushes
        return [
            Result(
                p.target.name,
                p.target.name not in self.failing,
                1,
                self.failing.get(p.target.name, ""),
            )
            for p in pushes
        ]

    def sent(self, target: str | None = None) -> list[Push]:
        return [p for p in self.pushes if target is None or p.target.name == target]


class Clock:
    """A settable clock."""

    def __init__(self, now: datetime = NOON) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


TARGETS = (
    Target(name="slack", url="https://hooks.slack.test/services/T/B/x"),
    Target(name="telegram", url="https://api.telegram.test/botX/sendMessage", chat_id="@c"),
)


def make_deps(
    *,
    store: MemoryStore | None = None,
    deliver: RecordingDeliver | None = None,
    clock: Clock | None = None,
    quiet: str = "",
    daily_limit: int = 3,
) -> NotifyDeps:
    return NotifyDeps(
        targets=TARGETS,
        platforms=PLATFORMS,
        deliver=deliver if deliver is not None else RecordingDeliver(),
        ledger=Ledger(store if store is not None else MemoryStore(), ttl_s=86_400),
        stats=NotifyStats(),
        zone=SHANGHAI,
        quiet=QuietHours.parse(quiet, SHANGHAI),
        daily_limit=daily_limit,
        clock=clock if clock is not None else Clock(),
    )


def deliver_of(deps: NotifyDeps) -> RecordingDeliver:
    assert isinstance(deps.deliver, RecordingDeliver)
    return deps.deliver


# ---------------------------------------------------------------------------- pushes


def test_a_post_is_pushed_once_to_every_target_with_its_top_three_points():
    deps = make_deps()
    assert handle(make_post(), deps=deps) == []
    sent = deliver_of(deps).sent()
    assert [p.target.name for p in sent] == ["slack", "telegram"]
    text = sent[1].payload["text"]
    assert "1. 要点1" in text and "3. 要点3" in text and "要点4" not in text
    assert deps.stats.get("slack", "sent") == deps.stats.get("telegram", "sent") == 1


def test_a_redelivered_post_is_not_pushed_twice():
    deps = make_deps()
    handle(make_post(), deps=deps)
    handle(make_post(), deps=deps)
    assert len(deliver_of(deps).sent("slack")) == 1
    assert deps.stats.get("slack", "duplicate") == 1


def test_a_refresh_that_changed_nothing_shown_is_not_pushed_but_new_points_are():
    deps = make_deps()
    handle(make_post(), deps=deps)
    later = RENDERED + timedelta(minutes=20)
    # more tweets, other bodies (another digest_hash), points 4-10 moved: the digest reads the same
    same = make_post(
        rendered_at=later,
        tweets=2000,
        digest_hash="2" * 64,
        core_points=["要点1", "要点2", "要点3", "新的要点"],
    )
    handle(same, deps=deps)
    assert len(deliver_of(deps).sent("slack")) == 1
    changed = make_post(
        rendered_at=later + timedelta(minutes=20),
        core_points=["突发：新模型发布", "要点1", "要点2"],
    )
    handle(changed, deps=deps)
    slack = deliver_of(deps).sent("slack")
    assert len(slack) == 2
    assert "突发：新模型发布" in str(slack[1].payload)


def test_refreshes_are_pushed_at_most_daily_limit_times_per_window_per_day():
    clock = Clock()
    deps = make_deps(clock=clock, daily_limit=2)
    for n in range(4):
        handle(
            make_post(core_points=[f"第{n}版要点"], rendered_at=RENDERED + timedelta(minutes=n)),
            deps=deps,
        )
    assert len(deliver_of(deps).sent("slack")) == 2
    assert deps.stats.get("slack", "daily_limit") == 2
    # the next report day (Shanghai) has its own allowance, and the post held back then goes out
    clock.now = NOON + timedelta(days=1)
    handle(
        make_post(core_points=["第3版要点"], rendered_at=RENDERED + timedelta(hours=2)), deps=deps
    )
    assert len(deliver_of(deps).sent("slack")) == 3


def test_the_report_day_is_the_report_time_zones():
    clock = Clock(datetime(2026, 1, 2, 15, 30, tzinfo=UTC))  # 23:30 in Shanghai, Jan 2
    deps = make_deps(clock=clock, daily_limit=1)
    handle(make_post(core_points=["a"]), deps=deps)
    clock.now = datetime(
        2026, 1, 2, 16, 30, tzinfo=UTC
    )  # 00:30 in Shanghai, Jan 3; UTC: still Jan 2
    handle(make_post(core_points=["b"], rendered_at=RENDERED + timedelta(hours=1)), deps=deps)
    assert len(deliver_of(deps).sent("slack")) == 2


def test_a_failed_push_is_a_dead_letter_per_target_and_the_others_go_out():
    deliver = RecordingDeliver(failing={"slack": "HTTP 500: boom (try 5)"})
    deps = make_deps(deliver=deliver)
    post = make_post()
    [letter] = handle(post, deps=deps)
    assert isinstance(letter, DeadLetter)
    assert letter.topic == "posts.rendered.dlq"
    assert letter.key == "slack:2026-01-02"
    assert letter.reason == "slack: HTTP 500: boom (try 5)"
    assert letter.error_class == "DeliveryFailed"
    assert PostRendered.model_validate_json(letter.payload) == post
    assert deps.stats.get("slack", "failed") == 1 and deps.stats.get("telegram", "sent") == 1


def test_a_crash_between_claim_and_send_errs_on_the_side_of_not_pushing_twice():
    store = MemoryStore()
    crashing = make_deps(store=store, deliver=RecordingDeliver(crash=True))
    with pytest.raises(RuntimeError, match="died"):
        handle(make_post(), deps=crashing)
    # the worker restarts and Kafka delivers the post again: it was claimed, so it is not re-sent
    restarted = make_deps(store=store)
    assert handle(make_post(), deps=restarted) == []
    assert deliver_of(restarted).sent() == []
    assert restarted.stats.get("slack", "duplicate") == 1


def test_two_consumers_on_one_store_push_a_post_once():
    store = MemoryStore()
    one, two = make_deps(store=store), make_deps(store=store)
    handle(make_post(), deps=one)
    handle(make_post(), deps=two)
    assert len(deliver_of(one).sent()) + len(deliver_of(two).sent()) == 2  # one per target


# ---------------------------------------------------------------------------- quiet hours


def test_quiet_hours_defer_a_post_to_their_end_in_the_report_time_zone():
    clock = Clock(datetime(2026, 1, 2, 15, 0, tzinfo=UTC))  # 23:00 in Shanghai
    deps = make_deps(clock=clock, quiet="22:30-07:30")
    assert handle(make_post(), deps=deps) == []
    assert deliver_of(deps).sent() == []
    assert deps.stats.get("slack", "deferred") == 1
    clock.now = datetime(2026, 1, 2, 23, 29, tzinfo=UTC)  # 07:29: still quiet
    assert release_deferred(deps) == [] and deliver_of(deps).sent() == []
    clock.now = datetime(2026, 1, 2, 23, 31, tzinfo=UTC)  # 07:31
    release_deferred(deps)
    assert [p.target.name for p in deliver_of(deps).sent()] == ["slack", "telegram"]
    release_deferred(deps)  # released once
    assert len(deliver_of(deps).sent()) == 2


def test_the_latest_post_deferred_in_one_night_is_the_one_pushed():
    clock = Clock(datetime(2026, 1, 2, 15, 0, tzinfo=UTC))
    deps = make_deps(clock=clock, quiet="23:00-08:00")
    handle(make_post(core_points=["旧要点"]), deps=deps)
    handle(make_post(core_points=["新要点"], rendered_at=RENDERED + timedelta(hours=1)), deps=deps)
    clock.now = datetime(2026, 1, 3, 0, 1, tzinfo=UTC)  # 08:01
    release_deferred(deps)
    [push] = deliver_of(deps).sent("slack")
    assert "新要点" in str(push.payload) and "旧要点" not in str(push.payload)


def test_a_newer_post_handled_after_quiet_hours_replaces_the_deferred_one():
    clock = Clock(datetime(2026, 1, 2, 15, 0, tzinfo=UTC))
    deps = make_deps(clock=clock, quiet="23:00-08:00")
    handle(make_post(core_points=["夜间要点"]), deps=deps)
    clock.now = datetime(2026, 1, 3, 0, 30, tzinfo=UTC)  # 08:30, before any tick
    handle(
        make_post(core_points=["早间要点"], rendered_at=RENDERED + timedelta(hours=9)), deps=deps
    )
    release_deferred(deps)
    [push] = deliver_of(deps).sent("slack")
    assert "早间要点" in str(push.payload)


def test_quiet_hours_within_one_day_and_across_a_dst_change():
    noon = QuietHours.parse("12:00-13:30", SHANGHAI)
    assert noon is not None
    assert noon.contains(datetime(2026, 1, 2, 4, 30, tzinfo=UTC))  # 12:30
    assert not noon.contains(datetime(2026, 1, 2, 5, 30, tzinfo=UTC))  # 13:30
    assert noon.end_after(datetime(2026, 1, 2, 4, 30, tzinfo=UTC)) == datetime(
        2026, 1, 2, 13, 30, tzinfo=SHANGHAI
    )
    assert (
        QuietHours.parse("", SHANGHAI) is None and QuietHours.parse("08:00-08:00", SHANGHAI) is None
    )
    berlin = ZoneInfo("Europe/Berlin")
    night = QuietHours.parse("22:00-07:00", berlin)
    assert night is not None
    # the night the clocks go forward (2026-03-29, 02:00 -> 03:00): eight hours, not nine
    end = night.end_after(datetime(2026, 3, 28, 21, 30, tzinfo=UTC))  # 22:30 CET
    assert end.utcoffset() == timedelta(hours=2) and (end.hour, end.minute) == (7, 0)


# ---------------------------------------------------------------------------- bootstrap


def test_targets_come_from_the_settings_and_half_a_telegram_target_is_an_error():
    settings = NotifySettings(
        slack=WebhookTarget(url="https://hooks.slack.com/services/T/B/x"),
        feishu=WebhookTarget(url="", secret="unused"),
        telegram=TelegramTarget(token="1:abc", chat_id="@c"),
    )
    found = targets(settings)
    assert [t.name for t in found] == ["telegram", "slack"]
    assert found[0].url == "https://api.telegram.org/bot1:abc/sendMessage"
    assert "1:abc" not in repr(found) and "hooks.slack" not in repr(found)
    with pytest.raises(ConfigError, match="telegram needs both"):
        targets(NotifySettings(telegram=TelegramTarget(token="1:abc")))
    with pytest.raises(ConfigError, match=r"notify\.slack\.url"):
        targets(NotifySettings(slack=WebhookTarget(url="hooks.slack.com/x")))


def test_notify_without_a_target_refuses_to_start():
    with pytest.raises(ConfigError, match="notify has no target"):
        build_deps(Settings(), store=MemoryStore())


def test_bad_quiet_hours_are_refused_by_the_settings():
    from pydantic import ValidationError

    for bad in ("25:00-07:00", "22:00", "10-12", "22:00 - 07:00"):
        with pytest.raises(ValidationError):
            NotifySettings(quiet_hours=bad)
