"""Which windows to build, and when: the one schedule both modes follow.

A *tick* asks :func:`take_due` for the builds due now. In distributed mode Celery beat ticks every
``refresh_tick_s`` (``tasks.refresh``) and a Celery worker runs each build; in embedded mode the
runner ticks after a record once ``refresh_tick_s`` has passed since its last tick (continuous
sources only) and runs the builds in line. A window is due

- *final* when its end plus ``close_grace_s`` has passed and no final build was taken yet, changed
  or not, so its post says it is final;
- *again* when it changed since its last published report and its last build was taken at least
  ``refresh_debounce_s`` ago (or never); it is final if it has closed.

The end of an embedded source is a tick with ``drain``: every changed window is due, whatever its
debounce, since nothing more will come to batch with it and waiting would only delay the post. A
file run therefore builds each window once, at its end. Distributed mode has no such end: there
the first tick after the debounce has run out takes the same builds, ``refresh_debounce_s`` later.

Taking a build records it at once (the ``last-build`` and ``final`` entries of ``keys``), so the
next tick does not take it again while it is queued; two builds of one window at once would be
harmless anyway (render keeps the newest). :func:`publish` runs a build and marks the window clean
only once the report is acknowledged, so a crash in between builds it again (at least once).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from services.summarize import handler, keys
from services.summarize.handler import SummarizeDeps
from shared.bus import Bus
from shared.models import ReportReady
from shared.settings import ReportSettings
from shared.store import StateStore


@dataclass(frozen=True)
class Build:
    """One report build the schedule asks for."""

    window_id: str
    final: bool


def due(
    store: StateStore, now: datetime, settings: ReportSettings, *, drain: bool = False
) -> list[Build]:
    """The builds due at ``now``, oldest window first (see the module doc); changes nothing."""
    out: list[Build] = []
    dirty = set(handler.dirty_windows(store))
    debounce = timedelta(seconds=settings.refresh_debounce_s)
    for window_id in handler.window_ids(store):
        closed = now >= handler.closes_at(window_id, settings)
        if closed and store.get(keys.final(window_id)) is None:
            out.append(Build(window_id, final=True))
        elif window_id in dirty:
            last = _last_build(store, window_id)
            if drain or last is None or now - last >= debounce:
                out.append(Build(window_id, final=closed))
    return out


def take_due(
    store: StateStore, now: datetime, settings: ReportSettings, *, drain: bool = False
) -> list[Build]:
    """The builds due at ``now``, each recorded as taken so that the next tick skips it."""
    builds = due(store, now, settings, drain=drain)
    for build in builds:
        store.put(keys.last_build(build.window_id), now.isoformat())
        if build.final:
            store.put(keys.final(build.window_id), now.isoformat())
    return builds


def publish(build: Build, *, deps: SummarizeDeps, bus: Bus) -> ReportReady:
    """Build the report, publish it, wait for the acknowledgement, then mark the window clean."""
    ready = handler.build_report(build.window_id, deps=deps, final=build.final)
    bus.publish(ready)
    bus.flush()
    handler.mark_clean(deps.store, build.window_id)
    return ready


def _last_build(store: StateStore, window_id: str) -> datetime | None:
    raw = store.get(keys.last_build(window_id))
    return datetime.fromisoformat(raw) if raw else None
