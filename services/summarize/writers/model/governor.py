"""The cost governor: what a run costs, the input-hash cache, and how often a window may run.

- Cost comes from the response usage and the price table of the settings; a dated model id
  (``claude-sonnet-4-5-20250929``) takes the price of its longest listed prefix.
- The cache holds the model's validated answer under the sha256 of the exact model input
  (model, sampling settings, prompts, statistics, tweets), in the state store, so an unchanged
  window costs nothing in this process or any other worker.
- The calibration: should the API ever count more input tokens than the local estimate, the
  ratio is kept per model and later estimates are scaled by it, so the budget holds from then on.
- The interval: a window's model run is recorded in the store when it starts (failed runs
  count, so an outage is not hammered); :meth:`Governor.due` is false until ``min_interval_s``
  has passed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from services.summarize import keys
from shared.settings import ModelPrice, ModelWriterSettings
from shared.store import StateStore

log = logging.getLogger(__name__)

CACHE_PREFIX = keys.MODEL_CACHE_PREFIX
LAST_RUN_PREFIX = keys.MODEL_LAST_RUN_PREFIX
CALIBRATION_PREFIX = keys.MODEL_CALIBRATION_PREFIX
MAX_CALIBRATION = 4.0


def price_for(model: str, prices: Mapping[str, ModelPrice]) -> ModelPrice | None:
    """The price of ``model``: an exact entry, else the longest entry it starts with."""
    if model in prices:
        return prices[model]
    matches = [name for name in prices if model.startswith(name)]
    return prices[max(matches, key=len)] if matches else None


def cost_usd(
    model: str, prices: Mapping[str, ModelPrice], input_tokens: int, output_tokens: int
) -> float | None:
    """US dollars for the tokens, or None when the model has no price."""
    price = price_for(model, prices)
    if price is None:
        return None
    return (input_tokens * price.input_per_mtok + output_tokens * price.output_per_mtok) / 1e6


class Governor:
    """Cache and run interval, kept in the state store shared by the workers."""

    def __init__(
        self, settings: ModelWriterSettings, store: StateStore, clock: Callable[[], datetime]
    ) -> None:
        self._settings = settings
        self._store = store
        self._clock = clock

    def last_run(self, window_id: str) -> datetime | None:
        """When the model last ran for ``window_id``."""
        raw = self._store.get(LAST_RUN_PREFIX + window_id)
        return datetime.fromisoformat(raw) if raw else None

    def next_run(self, window_id: str) -> datetime | None:
        """The earliest time the model may run again for ``window_id`` (None: now)."""
        last = self.last_run(window_id)
        if last is None:
            return None
        return last + timedelta(seconds=self._settings.min_interval_s)

    def due(self, window_id: str) -> bool:
        """True when the model may run for ``window_id`` now."""
        when = self.next_run(window_id)
        return when is None or self._clock() >= when

    def mark_run(self, window_id: str) -> None:
        """Record that the model runs for ``window_id`` now."""
        ttl = max(int(self._settings.min_interval_s) * 2, 24 * 3600)
        self._store.put(LAST_RUN_PREFIX + window_id, self._clock().isoformat(), ttl_s=ttl)

    def calibration(self) -> float:
        """How much to scale local token estimates for the configured model (at least 1)."""
        raw = self._store.get(CALIBRATION_PREFIX + self._settings.model)
        try:
            return min(MAX_CALIBRATION, max(1.0, float(raw))) if raw else 1.0
        except ValueError:
            return 1.0

    def calibrate(self, estimated: int, counted: int) -> None:
        """Record that a request estimated at ``estimated`` tokens was counted as ``counted``."""
        if estimated <= 0 or counted <= estimated:
            return
        ratio = min(MAX_CALIBRATION, self.calibration() * counted / estimated)
        log.warning(
            "the API counted %s input tokens for a request estimated at %s; scaling estimates "
            "for %s by %.2f",
            counted,
            estimated,
            self._settings.model,
            ratio,
        )
        self._store.put(CALIBRATION_PREFIX + self._settings.model, f"{ratio:.4f}")

    def cached(self, key: str) -> dict[str, Any] | None:
        """The answer stored under the input hash ``key``, if any."""
        raw = self._store.get(CACHE_PREFIX + key)
        if raw is None:
            return None
        try:
            value = json.loads(raw)
        except ValueError:
            log.warning("ignoring an unreadable model cache entry %s", key[:12])
            return None
        return value if isinstance(value, dict) else None

    def remember(self, key: str, value: Mapping[str, Any]) -> None:
        """Store an answer under the input hash ``key``."""
        self._store.put(
            CACHE_PREFIX + key,
            json.dumps(value, ensure_ascii=False, separators=(",", ":")),
            ttl_s=self._settings.cache_ttl_s,
        )
