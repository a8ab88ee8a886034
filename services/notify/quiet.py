"""Quiet hours: a daily span in the report time zone when nothing is pushed.

``23:00-08:00`` crosses midnight; ``12:00-13:00`` does not; equal ends mean none. Pushes that fall
inside wait for the span's end (see ``handler``), when they go out as if they had just arrived.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class QuietHours:
    """A daily span ``[start, end)`` of local time in ``zone``."""

    start: time
    end: time
    zone: ZoneInfo

    @classmethod
    def parse(cls, spec: str, zone: ZoneInfo) -> QuietHours | None:
        """``HH:MM-HH:MM`` (already checked by the settings); None for an empty or empty span."""
        if not spec:
            return None
        first, last = (time.fromisoformat(part) for part in spec.split("-"))
        return None if first == last else cls(first, last, zone)

    def contains(self, moment: datetime) -> bool:
        """Whether ``moment`` (aware) falls in the span, in the span's zone."""
        now = moment.astimezone(self.zone).time()
        if self.start < self.end:
            return self.start <= now < self.end
        return now >= self.start or now < self.end

    def end_after(self, moment: datetime) -> datetime:
        """When the span that ``moment`` falls in ends (aware, in the span's zone)."""
        local = moment.astimezone(self.zone)
        end = datetime.combine(local.date(), self.end, tzinfo=self.zone)
        if end <= local:
            end += timedelta(days=1)
        # a wall time the clocks skip (or repeat) resolves through UTC, like every other time here
        return end.astimezone(self.zone)
