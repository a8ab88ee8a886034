"""The chat platforms notify pushes to, one module each; ``PLATFORMS`` by target name."""

from __future__ import annotations

from .base import HttpRequest, Platform, Target, Verdict
from .dingtalk import DingTalk
from .feishu import Feishu
from .slack import Slack
from .telegram import Telegram
from .webhook import Webhook
from .wecom import WeCom

PLATFORMS: dict[str, Platform] = {
    p.name: p for p in (Feishu(), DingTalk(), WeCom(), Telegram(), Slack(), Webhook())
}
"""Every platform, by the name of its settings section (``TWEETPULSE_NOTIFY__<NAME>__…``)."""

__all__ = ["PLATFORMS", "HttpRequest", "Platform", "Target", "Verdict"]
