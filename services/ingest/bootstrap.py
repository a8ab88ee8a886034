"""Build the ingest handler's dependencies from the settings; tests pass their own store."""

from __future__ import annotations

from services.ingest.handler import IngestDeps
from shared.settings import Settings
from shared.store import StateStore


def build_deps(settings: Settings, *, store: StateStore) -> IngestDeps:
    """The ingest deps: the shared state store (for dedup) and the ingest settings."""
    return IngestDeps(store=store, settings=settings.ingest)
