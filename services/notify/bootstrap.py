"""Builds notify's dependencies from the settings: its targets, the HTTP delivery, the ledger."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlsplit

from shared.errors import ConfigError
from shared.models import utcnow
from shared.settings import NotifySettings, Settings, WebhookTarget
from shared.store import StateStore

from .delivery import Deliver, HttpDeliver
from .handler import NotifyDeps
from .ledger import Ledger
from .platforms import PLATFORMS, Target
from .quiet import QuietHours
from .stats import NotifyStats

log = logging.getLogger(__name__)

WEBHOOKS = ("feishu", "dingtalk", "wecom", "slack", "webhook")
"""The targets configured by a webhook URL (and a secret where they sign)."""


def _secret(value: object) -> str:
    getter = getattr(value, "get_secret_value", None)
    return str(getter() if getter is not None else value or "").strip()


def _checked_url(name: str, url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise ConfigError(f"notify.{name}.url is not an http(s) URL")
    return url


def targets(settings: NotifySettings) -> tuple[Target, ...]:
    """Every configured target, in a fixed order; a half-configured one is a ConfigError."""
    found = []
    for name in WEBHOOKS:
        section: WebhookTarget = getattr(settings, name)
        url = _secret(section.url)
        if not url:
            continue
        found.append(
            Target(
                name=name,
                url=_checked_url(name, url),
                secret=_secret(section.secret) or None,
                images=section.images,
            )
        )
    telegram = settings.telegram
    token, chat = _secret(telegram.token), (telegram.chat_id or "").strip()
    if token or chat:
        if not (token and chat):
            raise ConfigError("notify.telegram needs both token and chat_id")
        base = _checked_url("telegram", telegram.base_url.rstrip("/"))
        url = f"{base}/bot{token}/sendMessage"
        found.append(Target(name="telegram", url=url, images=telegram.images, chat_id=chat))
    return tuple(sorted(found, key=lambda t: list(PLATFORMS).index(t.name)))


def build_deps(
    settings: Settings,
    *,
    store: StateStore,
    deliver: Deliver | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> NotifyDeps:
    """Notify's dependencies; tests pass their own ``deliver`` and ``clock``."""
    notify = settings.notify
    configured = targets(notify)
    if not configured:
        raise ConfigError(
            "notify has no target: set TWEETPULSE_NOTIFY__<PLATFORM>__URL (feishu, dingtalk, "
            "wecom, slack, webhook) or TWEETPULSE_NOTIFY__TELEGRAM__TOKEN and __CHAT_ID"
        )
    if not (settings.render.site_url or "").strip():
        log.warning("notify: TWEETPULSE_RENDER__SITE_URL is unset, so digests carry no link")
    zone = settings.report.zone
    return NotifyDeps(
        targets=configured,
        platforms=PLATFORMS,
        deliver=deliver if deliver is not None else HttpDeliver(notify),
        ledger=Ledger(store, ttl_s=notify.ledger_ttl_s),
        stats=NotifyStats(),
        zone=zone,
        quiet=QuietHours.parse(notify.quiet_hours, zone),
        top_points=notify.top_points,
        daily_limit=notify.daily_limit,
        clock=clock,
    )
