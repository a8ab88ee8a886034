"""``tweetpulse run --notify`` as a user runs it: the posts are written, then pushed to every
configured platform (local fakes on real sockets), and the summary says what went where."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.test_cli import SAMPLE, tweetpulse
from tests.fakes.chat_servers import Fleet

pytestmark = pytest.mark.e2e

SITE_URL = "https://blog.example.test/blog"
POST_URL = f"{SITE_URL}/2026/01/02/twitter_ai_20260102_20260102.html"


@pytest.fixture
def fleet() -> Iterator[Fleet]:
    with Fleet() as fleet:
        yield fleet


def run(site: Path, env: dict[str, str], *extra: str):
    return tweetpulse(
        "run", "--input", str(SAMPLE), "--site", str(site), "--quiet", *extra, env=env
    )


def test_run_notify_pushes_each_post_to_every_platform_and_says_so(tmp_path, fleet):
    env = {**fleet.env(), "TWEETPULSE_RENDER__SITE_URL": SITE_URL}
    done = run(tmp_path / "site", env, "--notify")
    assert done.returncode == 0, done.stderr
    assert fleet.problems() == {}
    for name, server in fleet.all().items():
        assert len(server.accepted) == 1, name
        assert re.search(
            rf"^(notify)?\s+{name}: 1 sent, 0 failed, 0 duplicate$", done.stdout, re.M
        ), done.stdout
    # the link is the one Jekyll will serve the written post at, and the digest names its points
    post = (tmp_path / "site" / "_posts" / "2026-01-02-twitter_ai_20260102_20260102.md").read_text(
        encoding="utf-8"
    )
    hook = fleet.webhook.accepted[0].body
    assert hook["url"] == POST_URL and hook["window_id"] == "2026-01-02"
    assert len(hook["core_points"]) == 3
    for title in hook["core_points"]:
        assert title.rstrip("…") in post
    assert POST_URL in fleet.telegram.accepted[0].body["text"]


def test_without_notify_nothing_is_pushed(tmp_path, fleet):
    done = run(tmp_path / "site", fleet.env())
    assert done.returncode == 0, done.stderr
    assert not re.search(r"^notify ", done.stdout, re.M)
    assert all(not s.requests for s in fleet.all().values())


def test_notify_without_a_target_is_a_usage_error(tmp_path):
    done = run(tmp_path / "site", {}, "--notify")
    assert done.returncode == 2
    assert "notify has no target" in done.stderr


def test_in_quiet_hours_the_digests_wait_and_the_summary_says_so(tmp_path, fleet):
    local = datetime.now(ZoneInfo("Asia/Shanghai"))
    span = f"{(local - timedelta(hours=1)):%H:%M}-{(local + timedelta(hours=1)):%H:%M}"
    env = {**fleet.env(), "TWEETPULSE_NOTIFY__QUIET_HOURS": span}
    done = run(tmp_path / "site", env, "--notify")
    assert done.returncode == 0, done.stderr
    assert all(not s.requests for s in fleet.all().values())
    assert "slack: 0 sent, 0 failed, 0 duplicate, 1 deferred (quiet hours)" in done.stdout
