"""Every state-store name summarize writes, spelt here and nowhere else.

Scopes (aggregates):

- ``summarize:<window id>``: one window's aggregates (``aggregate``, ``view``).

Key-value entries, per window:

- ``summarize:dirty:<id>``: the latest change mark (time and event id), rewritten on every change;
- ``summarize:built:<id>``: the mark the last *published* report was built from;
- ``summarize:building:<id>``: the mark the build in hand read, until it is published;
- ``summarize:last-build:<id>``: when the schedule last took a build of the window (debounce);
- ``summarize:final:<id>``: when the schedule took its final build (the window had closed).

And the model writers' (``writers/model/governor``): ``summarize:model:cache:<input hash>``,
``summarize:model:last:<id>`` (the per-window interval) and ``summarize:model:calibration:<model>``.
"""

from __future__ import annotations

SCOPE_PREFIX = "summarize:"
"""Window scopes are ``summarize:<window id>``."""

MODEL_CACHE_PREFIX = "summarize:model:cache:"
"""A model answer, under the hash of its input."""
MODEL_LAST_RUN_PREFIX = "summarize:model:last:"
"""When the model last wrote a window's report."""
MODEL_CALIBRATION_PREFIX = "summarize:model:calibration:"
"""A model's measured tokens per estimated token."""


def scope_for(window_id: str) -> str:
    """The store scope holding one window's aggregates."""
    return SCOPE_PREFIX + window_id


def is_window_scope(scope: str) -> bool:
    """Whether ``scope`` holds a window's aggregates (the store holds other services' too)."""
    return scope.startswith(SCOPE_PREFIX)


def window_of(scope: str) -> str:
    """The window id of a window scope."""
    if not is_window_scope(scope):
        raise ValueError(f"{scope!r} is not a window scope")
    return scope[len(SCOPE_PREFIX) :]


def dirty(window_id: str) -> str:
    """Key-value entry holding a window's latest change mark."""
    return f"summarize:dirty:{window_id}"


def built(window_id: str) -> str:
    """Key-value entry holding the change mark a window's last published report was built from."""
    return f"summarize:built:{window_id}"


def building(window_id: str) -> str:
    """Key-value entry holding the change mark the build in hand read."""
    return f"summarize:building:{window_id}"


def last_build(window_id: str) -> str:
    """Key-value entry holding when the schedule last took a build of the window."""
    return f"summarize:last-build:{window_id}"


def final(window_id: str) -> str:
    """Key-value entry holding when the schedule took the window's final build."""
    return f"summarize:final:{window_id}"
