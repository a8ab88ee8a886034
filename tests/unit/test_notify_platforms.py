"""Each platform's payload, escaping, size limit and reading of answers, as plain function calls.

What the platforms accept is checked against the fakes of ``tests/fakes/chat_servers.py`` (their
validators are plain functions too); the sockets are in ``test_notify_delivery.py``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import replace
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from services.notify.digest import Digest, digest_of
from services.notify.platforms import PLATFORMS, Target
from services.notify.platforms.base import retry_after
from services.notify.platforms.dingtalk import DingTalk
from services.notify.platforms.feishu import Feishu
from services.notify.platforms.slack import Slack
from services.notify.platforms.telegram import Telegram
from services.notify.platforms.webhook import Webhook
from services.notify.platforms.wecom import WeCom
from tests.fakes.chat_servers import WEBHOOK_KEYS, slack_text_problem, telegram_html
from tests.unit.test_notify_handler import make_post
from tests.unit.test_render_post import HOSTILE

NOW = datetime(2026, 1, 2, 4, 0, tzinfo=UTC)
HOSTILE_TITLES = [*HOSTILE, "<!channel> <@U123> <https://evil.example|click> &amp;", "@all <@all>"]


def hostile_digest(n: int = 3) -> Digest:
    return digest_of(make_post(core_points=HOSTILE_TITLES[:n]), top=n)


def target(name: str, **kw) -> Target:
    return Target(name=name, url=f"https://{name}.example/hook?key=k", chat_id="@c", **kw)


# ---------------------------------------------------------------------------- the digest


def test_the_digest_has_the_window_title_line_top_points_link_and_cloud():
    digest = digest_of(make_post(), top=3)
    assert digest.headline == "Twitter Ai 报告 (2026-01-02 至 2026-01-02)"
    assert digest.summary == "窗口 2026-01-02 · 推文 1,127 条"
    assert digest.points == ("要点1", "要点2", "要点3")
    assert digest.url is not None and digest.url.endswith("twitter_ai_20260102_20260102.html")
    assert digest.image_url is not None and digest.image_url.endswith(".jpg")


def test_titles_are_one_clean_line_cut_before_a_word():
    title = "Line\none\u202e reversed\u200b " + "word " * 30
    [point] = digest_of(make_post(core_points=[title]), top=1).points
    assert "\n" not in point and "\u202e" not in point and "\u200b" not in point
    assert len(point) <= 60 and point.endswith("word…")


def test_only_http_links_reach_a_reader():
    digest = digest_of(make_post(url="javascript:alert(1)", image_url="ftp://x/y.jpg"), top=3)
    assert digest.url is None and digest.image_url is None


def test_the_content_hash_follows_what_the_digest_shows():
    a = digest_of(make_post(), top=3)
    b = digest_of(make_post(tweets=9999, core_points=["要点1", "要点2", "要点3", "别的"]), top=3)
    c = digest_of(make_post(core_points=["要点2", "要点1", "要点3"]), top=3)
    assert a.content_hash == b.content_hash != c.content_hash
    assert digest_of(make_post(), top=4).content_hash != a.content_hash


# ---------------------------------------------------------------------------- escaping per dialect


def test_telegram_html_shows_every_hostile_title_as_written():
    digest = hostile_digest(len(HOSTILE_TITLES))
    payload = Telegram().payload(digest, target("telegram"))
    assert payload["parse_mode"] == "HTML"
    shown = telegram_html(payload["text"])  # raises on anything Telegram would refuse
    for title in digest.points:
        assert title in shown
    assert payload["link_preview_options"] == {"url": digest.image_url, "prefer_large_media": True}
    no_images = Telegram().payload(digest, target("telegram", images=False))
    assert no_images["link_preview_options"] == {"is_disabled": True}


def test_slack_keeps_tweet_text_in_escaped_plain_text_and_only_our_link_in_mrkdwn():
    digest = hostile_digest(len(HOSTILE_TITLES))
    payload = Slack().payload(digest, target("slack"))
    assert slack_text_problem(payload["text"], mrkdwn=True) is None
    mrkdwn = []
    for block in payload["blocks"]:
        obj = block.get("text")
        if obj is None:
            continue
        assert slack_text_problem(obj["text"], mrkdwn=obj["type"] == "mrkdwn") is None
        if obj["type"] == "mrkdwn":
            mrkdwn.append(obj["text"])
        else:
            assert obj["emoji"] is False
    assert mrkdwn == [f"<{digest.url}|阅读全文>"]
    section = payload["blocks"][1]["text"]["text"]
    assert "&lt;!channel&gt; &lt;@U123&gt;" in section  # no mention, no link from a tweet
    assert {"type": "image", "image_url": digest.image_url, "alt_text": "词云图"} in payload[
        "blocks"
    ]


@pytest.mark.parametrize("platform", [DingTalk(), WeCom()], ids=["dingtalk", "wecom"])
def test_markdown_dialects_without_escapes_get_tweet_markup_made_full_width(platform):
    digest = hostile_digest(len(HOSTILE_TITLES))
    payload = platform.payload(digest, target(platform.name))
    text = payload["markdown"].get("text") or payload["markdown"]["content"]
    ours = [f"[阅读全文]({digest.url})"]
    if platform.name == "dingtalk":
        ours.append(f"![词云图]({digest.image_url})")
    else:
        assert "![" not in text  # WeCom's markdown has no images
    rest = text
    for piece in ours:
        assert piece in rest
        rest = rest.replace(piece, "")
    lines = rest.splitlines()
    assert lines[0].startswith("#### ") and lines[2].startswith("> ")
    body = "\n".join(line.split(". ", 1)[-1] for line in lines[4:])
    for char in "\\*_~`#[]<>|&":
        assert char not in body, char
    assert "＜script＞alert(1)＜/script＞" in body and "＊＊bold＊＊" in body


def test_feishu_post_elements_carry_tweet_text_literally():
    digest = hostile_digest(len(HOSTILE_TITLES))
    payload = Feishu().payload(digest, target("feishu"))
    post = payload["content"]["post"]["zh_cn"]
    assert payload["msg_type"] == "post" and post["title"] == digest.headline
    texts = [e["text"] for line in post["content"] for e in line]
    for n, title in enumerate(digest.points, 1):
        assert f"{n}. {title}" in texts
    assert post["content"][-1] == [{"tag": "a", "text": "阅读全文", "href": digest.url}]


def test_the_generic_webhook_is_the_documented_schema():
    digest = digest_of(make_post(), top=3)
    payload = Webhook().payload(digest, target("webhook"))
    assert set(payload) == WEBHOOK_KEYS and payload["schema_version"] == 1
    assert payload["core_points"] == ["要点1", "要点2", "要点3"]
    assert Webhook().payload(digest, target("webhook", images=False))["image_url"] is None


# ---------------------------------------------------------------------------- size limits


def huge() -> Digest:
    return replace(digest_of(make_post(), top=3), points=tuple("长" * 2000 for _ in range(10)))


def test_each_payload_keeps_within_its_platforms_documented_size():
    big = huge()
    body = (
        Feishu()
        .request(target("feishu", secret="s"), Feishu().payload(big, target("feishu")), NOW)
        .body
    )
    assert len(body) <= 20 * 1024
    wecom = WeCom().payload(big, target("wecom"))["markdown"]["content"]
    assert len(wecom.encode("utf-8")) <= 4096
    ding = DingTalk().payload(big, target("dingtalk"))["markdown"]["text"]
    assert len(ding.encode("utf-8")) <= 4000
    text = Telegram().payload(big, target("telegram"))["text"]
    assert len(telegram_html(text).encode("utf-16-le")) // 2 <= 4096
    blocks = Slack().payload(big, target("slack"))["blocks"]
    assert len(blocks[0]["text"]["text"]) <= 150 and len(blocks[1]["text"]["text"]) <= 3000


def test_a_slack_cut_never_splits_an_entity():
    digest = replace(digest_of(make_post(), top=3), headline="&" * 200)
    header = Slack().payload(digest, target("slack"))["blocks"][0]["text"]["text"]
    assert len(header) <= 150 and slack_text_problem(header, mrkdwn=False) is None


# ---------------------------------------------------------------------------- signatures


def test_feishu_signs_in_the_body_as_documented():
    request = Feishu().request(target("feishu", secret="s3cret"), {"msg_type": "text"}, NOW)
    body = json.loads(request.body)
    stamp = int(NOW.timestamp())
    key = f"{stamp}\ns3cret".encode()
    assert body["timestamp"] == str(stamp)
    assert body["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert "sign" not in json.loads(Feishu().request(target("feishu"), {}, NOW).body)


def test_dingtalk_signs_in_the_query_url_encoded_as_documented():
    request = DingTalk().request(target("dingtalk", secret="SECabc"), {"msgtype": "text"}, NOW)
    query = parse_qs(urlsplit(request.url).query)
    stamp = int(NOW.timestamp() * 1000)
    mac = hmac.new(b"SECabc", f"{stamp}\nSECabc".encode(), hashlib.sha256).digest()
    assert query["key"] == ["k"] and query["timestamp"] == [str(stamp)]
    assert query["sign"] == [base64.b64encode(mac).decode()]  # decoded back: it was encoded
    assert "+" not in request.url.split("sign=")[1] and "/" not in request.url.split("sign=")[1]


def test_the_webhook_signs_timestamp_and_body():
    request = Webhook().request(target("webhook", secret="w"), {"a": 1}, NOW)
    stamp = request.headers["X-Tweetpulse-Timestamp"]
    expected = hmac.new(b"w", f"{stamp}.".encode() + request.body, hashlib.sha256).hexdigest()
    assert request.headers["X-Tweetpulse-Signature"] == f"sha256={expected}"


# ---------------------------------------------------------------------------- answers


@pytest.mark.parametrize(
    ("name", "status", "headers", "body", "ok", "retry", "after"),
    [
        ("feishu", 200, {}, {"code": 0, "msg": "success"}, True, False, None),
        ("feishu", 200, {}, {"StatusCode": 0}, True, False, None),
        ("feishu", 200, {}, {"code": 19021, "msg": "sign match fail"}, False, False, None),
        ("feishu", 200, {}, {"code": 11232, "msg": "frequency limited"}, False, True, None),
        ("dingtalk", 200, {}, {"errcode": 0, "errmsg": "ok"}, True, False, None),
        ("dingtalk", 200, {}, {"errcode": 310000, "errmsg": "sign not match"}, False, False, None),
        ("dingtalk", 200, {}, {"errcode": 130101, "errmsg": "send too fast"}, False, True, 600.0),
        (
            "wecom",
            200,
            {},
            {"errcode": 45009, "errmsg": "api freq out of limit"},
            False,
            True,
            None,
        ),
        ("wecom", 200, {}, {"errcode": 93000, "errmsg": "invalid webhook url"}, False, False, None),
        ("telegram", 200, {}, {"ok": True, "result": {}}, True, False, None),
        (
            "telegram",
            429,
            {},
            {"ok": False, "error_code": 429, "parameters": {"retry_after": 7}},
            False,
            True,
            7.0,
        ),
        (
            "telegram",
            400,
            {},
            {"ok": False, "error_code": 400, "description": "chat not found"},
            False,
            False,
            None,
        ),
        ("telegram", 502, {}, "Bad Gateway", False, True, None),
        ("slack", 200, {}, "ok", True, False, None),
        ("slack", 429, {"Retry-After": "3"}, "rate_limited", False, True, 3.0),
        ("slack", 400, {}, "invalid_blocks", False, False, None),
        ("slack", 503, {}, "", False, True, None),
        ("webhook", 202, {}, "", True, False, None),
        ("webhook", 408, {}, "", False, True, None),
        ("webhook", 410, {}, "gone", False, False, None),
    ],
)
def test_answers_mean_what_the_platform_documents(name, status, headers, body, ok, retry, after):
    raw = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    verdict = PLATFORMS[name].verdict(status, headers, raw)
    assert (verdict.ok, verdict.retry, verdict.retry_after_s) == (ok, retry, after)
    assert verdict.ok or verdict.reason


def test_retry_after_reads_seconds_and_http_dates():
    assert retry_after({"retry-after": "12"}) == 12.0
    assert retry_after({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0  # in the past
    assert retry_after({"Retry-After": "soon"}) is None and retry_after({}) is None
