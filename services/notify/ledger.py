"""The notification ledger: every state-store name notify writes, and what they mean.

- scope ``notify:claims:<window>``: one event per push ever claimed, id ``<target>:<content
  hash>`` (``StateStore.apply`` is atomic and once-only per id, so two consumers can never both
  claim one push), counting ``pushes:<day>`` per target (the day in the report time zone);
  expires ``ledger_ttl_s`` after the window's last push;
- key ``notify:claimed:<target>:<window>:<content hash>``: the same claim, readable (a scope's
  event ids are not), written right after it;
- scope ``notify:deferred``: ranking ``due`` of windows whose post arrived in quiet hours, score
  the end of those hours (Unix seconds), document the latest such PostRendered;
- key ``notify:done:<window>``: the ``rendered_at`` of the newest post of the window notify has
  acted on, so a deferred post older than one handled since is dropped, and one released is not
  released twice.

Names are spelt here and nowhere else; summarize's scopes start with ``summarize:``, so the two
services can share one store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from shared.models import PostRendered
from shared.store import Delta, Ranked, StateStore

DEFERRED = "notify:deferred"
DUE = "due"
DEFERRED_CAP = 10_000


class Claim(Enum):
    """What asking to push a digest to a target gave."""

    CLAIMED = "claimed"
    """Push it: the ledger now says it was pushed."""
    DUPLICATE = "duplicate"
    """This digest went to this target before (a redelivery, or an unchanged refresh)."""
    DAILY_LIMIT = "daily_limit"
    """The target had its pushes for this window today."""


def claims(window_id: str) -> str:
    """The scope of a window's claimed pushes."""
    return f"notify:claims:{window_id}"


def claimed_key(target: str, window_id: str, content_hash: str) -> str:
    """The readable record of one claimed push."""
    return f"notify:claimed:{target}:{window_id}:{content_hash}"


def done_key(window_id: str) -> str:
    """The newest post of the window notify acted on."""
    return f"notify:done:{window_id}"


@dataclass(frozen=True)
class Ledger:
    """Claims, daily counts and deferred posts, over a StateStore."""

    store: StateStore
    ttl_s: int

    def claim(
        self, target: str, window_id: str, content_hash: str, *, day: str, limit: int
    ) -> Claim:
        """Claim one push unless it was pushed before or the target had ``limit`` today.

        The claim is written before the push is sent: a crash between the two loses that push
        rather than sending it twice (see ``handler``).
        """
        readable = claimed_key(target, window_id, content_hash)
        if self.store.get(readable) is not None:
            return Claim.DUPLICATE
        scope = claims(window_id)
        counted = self.store.snapshot(scope).counters.get(f"pushes:{day}", {})
        if counted.get(target, 0) >= limit:
            return Claim.DAILY_LIMIT
        delta = Delta(counters={f"pushes:{day}": {target: 1.0}})
        if not self.store.apply(scope, f"{target}:{content_hash}", delta):
            return Claim.DUPLICATE  # claimed meanwhile by another consumer, or before the key
        self.store.expire(scope, self.ttl_s)
        self.store.put(readable, day, ttl_s=self.ttl_s)
        return Claim.CLAIMED

    def defer(self, msg: PostRendered, until: datetime) -> None:
        """Keep ``msg`` as its window's post to push at ``until`` (the latest deferred one wins)."""
        entry = Ranked(member=msg.window_id, score=until.timestamp(), doc=msg.model_dump_json())
        delta = Delta(rankings={DUE: [entry]}, ranking_caps={DUE: DEFERRED_CAP})
        self.store.apply(DEFERRED, f"{msg.window_id}:{msg.rendered_at.isoformat()}", delta)
        self.store.expire(DEFERRED, self.ttl_s)

    def due(self, now: datetime | None) -> list[PostRendered]:
        """Deferred posts whose time has come (every one still waiting, for None) and that no
        newer post of their window has replaced, oldest window first."""
        out = []
        for entry in self.store.snapshot(DEFERRED).rankings.get(DUE, []):
            if entry.doc is None or (now is not None and entry.score > now.timestamp()):
                continue
            msg = PostRendered.model_validate_json(entry.doc)
            if not self.acted_on(msg):
                out.append(msg)
        return sorted(out, key=lambda m: m.window_id)

    def acted_on(self, msg: PostRendered) -> bool:
        """Whether notify has acted on ``msg`` or a newer post of its window."""
        done = self.store.get(done_key(msg.window_id))
        return done is not None and datetime.fromisoformat(done) >= msg.rendered_at

    def mark_done(self, msg: PostRendered) -> None:
        """Record that notify acted on ``msg`` (unless it has on a newer one)."""
        if not self.acted_on(msg):
            self.store.put(done_key(msg.window_id), msg.rendered_at.isoformat(), ttl_s=self.ttl_s)
