"""The notify handler: one PostRendered in, its digest pushed to every target, dead letters out.

For each post it builds the digest (``digest``), and for each configured target asks the ledger
(``ledger``) whether to push: never the same digest to the same target twice (a redelivery, or a
refresh whose title line and top points did not change), at most ``daily_limit`` pushes per
target per window per report day, and nothing in quiet hours. Then it hands the pushes to
``deps.deliver`` and returns one DeadLetter (on ``posts.rendered.dlq``, keyed and explained by the
target) for each push that failed for good; the others' readers were told.

Why a ``Deliver`` port in the deps, not an intent event: notify is the pipeline's sink, and its
effect is the push itself. An intent on a topic would need a topic only notify reads, and a
commit between deciding and sending, which is just where at-most-once needs nothing between
claim and send. So the handler decides (pure functions over the ledger's answers and the clock)
and sends through the port; the adapter (``delivery.HttpDeliver``) owns HTTP, retries, backoff
and rate limits, and tests pass a recording fake, keeping handler tests plain function calls.

At least once from Kafka, at most once to a reader: the push is claimed in the ledger *before* it
is sent. A crash between claim and send loses that push (the next changed post, or the
dead-letter topic, makes up for it) rather than pushing it twice; a reader who gets the same
digest twice learns to mute the bot, one who misses a refresh gets the next.

Quiet hours defer rather than drop: a post arriving then is kept as its window's latest, and
:func:`release_deferred` (run by both runners every ``tick_s``) pushes it when they end, unless a
newer post of the window was handled meanwhile. Dropping would lose the day's last digest, since
a window typically closes at night and no later post of it comes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from shared.errors import PipelineError
from shared.models import DeadLetter, PostRendered, dead_letter, utcnow

from .delivery import Deliver, Push
from .digest import digest_of
from .ledger import Claim, Ledger
from .platforms import Platform, Target
from .quiet import QuietHours
from .stats import NotifyStats

log = logging.getLogger(__name__)


class DeliveryFailed(PipelineError):
    """A push a target refused or never answered, after its tries: names its dead letter."""


@dataclass(frozen=True)
class NotifyDeps:
    """What notify needs: its targets and their platforms, the delivery port, the ledger, the
    counters, the report time zone and quiet hours, the limits, and a clock."""

    targets: tuple[Target, ...]
    platforms: Mapping[str, Platform]
    deliver: Deliver
    ledger: Ledger
    stats: NotifyStats
    zone: ZoneInfo
    quiet: QuietHours | None = None
    top_points: int = 3
    daily_limit: int = 3
    clock: Callable[[], datetime] = utcnow
    lock: threading.Lock = field(default_factory=threading.Lock, compare=False)
    """Serialises the handler and the deferred-push tick, which a worker runs on two threads."""


def handle(msg: PostRendered, *, deps: NotifyDeps) -> list[DeadLetter]:
    """Push ``msg``'s digest to every target that is due; a dead letter per failed push."""
    with deps.lock:
        now = deps.clock()
        if deps.quiet is not None and deps.quiet.contains(now):
            until = deps.quiet.end_after(now)
            deps.ledger.defer(msg, until)
            for target in deps.targets:
                deps.stats.add(target.name, "deferred")
            log.info("notify: window %s arrived in quiet hours; due at %s", msg.window_id, until)
            return []
        return _notify(msg, now, deps)


def release_deferred(deps: NotifyDeps) -> list[DeadLetter]:
    """Push the deferred posts whose quiet hours are over (both runners call it now and then)."""
    with deps.lock:
        now = deps.clock()
        if deps.quiet is not None and deps.quiet.contains(now):
            return []
        letters: list[DeadLetter] = []
        for msg in deps.ledger.due(now):
            log.info("notify: quiet hours over, pushing window %s", msg.window_id)
            letters += _notify(msg, now, deps)
        return letters


def _notify(msg: PostRendered, now: datetime, deps: NotifyDeps) -> list[DeadLetter]:
    digest = digest_of(msg, top=deps.top_points)
    day = now.astimezone(deps.zone).date().isoformat()
    pushes: list[Push] = []
    for target in deps.targets:
        claim = deps.ledger.claim(
            target.name, msg.window_id, digest.content_hash, day=day, limit=deps.daily_limit
        )
        if claim is not Claim.CLAIMED:
            deps.stats.add(target.name, claim.value)
            log.info("notify %s: window %s not pushed: %s", target.name, msg.window_id, claim.value)
            continue
        platform = deps.platforms[target.name]
        pushes.append(Push(target, platform, platform.payload(digest, target), msg.window_id))
    deps.ledger.mark_done(msg)
    results = deps.deliver(pushes) if pushes else []
    letters = []
    for result in results:
        deps.stats.add(result.target, "retries", result.attempts - 1)
        if result.ok:
            deps.stats.add(result.target, "sent")
            continue
        deps.stats.add(result.target, "failed")
        log.warning("notify %s: window %s failed: %s", result.target, msg.window_id, result.reason)
        letters.append(_dead_letter(msg, result.target, result.reason))
    return letters


def _dead_letter(msg: PostRendered, target: str, reason: str) -> DeadLetter:
    """The failed push's dead letter: keyed ``<target>:<window>``, the post as its payload."""
    return dead_letter(
        source_topic=PostRendered.TOPIC,
        error=DeliveryFailed(f"{target}: {reason}"),
        payload=msg.model_dump_json(),
        key=f"{target}:{msg.window_id}",
    )
