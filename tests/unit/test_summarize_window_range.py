"""Issue 12: an instant whose report window Python's dates cannot hold is the message's fault.

A schema-valid ``observed_at: 9999-12-31T23:59:59Z`` crash-looped summarize (the window arithmetic
overflowed); now it is an ``InvalidMessage`` with the reason, which the bus dead-letters, and
nothing of it reaches the store, where it would break every later tick of the schedule.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.summarize import handler
from services.summarize.aggregate import deltas_for
from services.summarize.schedule import due
from shared.errors import InvalidMessage
from shared.settings import ReportSettings
from shared.store import MemoryStore
from tests.unit.test_summarize_factories import T0, classified
from tests.unit.test_summarize_handler import make_deps

# The instants of the issue: the message's, and the two edges its files carried.
EDGES = ["9999-12-31T23:59:59+00:00", "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"]


@pytest.mark.parametrize("instant", EDGES)
@pytest.mark.parametrize("timezone", ["Asia/Shanghai", "UTC", "America/New_York"])
@pytest.mark.parametrize("window_days", [1, 7])
def test_an_instant_without_a_window_is_an_invalid_message(
    instant: str, timezone: str, window_days: int
) -> None:
    settings = ReportSettings(timezone=timezone, window_days=window_days)
    msg = classified(at=T0, via="rt1", via_at=datetime.fromisoformat(instant))
    with pytest.raises(InvalidMessage, match=r"observed_at .* has no report window"):
        deltas_for(msg, settings)


def test_nothing_of_it_reaches_the_store_and_the_schedule_still_runs() -> None:
    deps = make_deps(store=MemoryStore(), settings=ReportSettings(timezone="UTC"))
    late = classified("2", via="rt2", via_at=datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC))
    with pytest.raises(InvalidMessage):
        handler.handle(late, deps=deps)
    handler.handle(classified("1"), deps=deps)
    assert handler.window_ids(deps.store) == ["2026-01-02"]
    # The tick that builds windows computes each window's close: it must not overflow.
    assert [b.window_id for b in due(deps.store, T0, deps.settings, drain=True)] == ["2026-01-02"]


def test_the_last_day_that_has_a_window_is_still_counted() -> None:
    settings = ReportSettings(timezone="UTC")
    msg = classified(via="rt3", via_at=datetime(9999, 12, 30, 12, 0, tzinfo=UTC))
    [(scope, _, _), _] = deltas_for(msg, settings)
    assert scope.endswith("9999-12-30")
