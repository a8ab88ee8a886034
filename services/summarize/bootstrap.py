"""Wiring for summarize: the real writer by default, anything else passed in by tests."""

from __future__ import annotations

from services.summarize.handler import SummarizeDeps
from services.summarize.writers import ReportWriter
from services.summarize.writers.extractive import ExtractiveWriter
from shared.models import utcnow
from shared.settings import Settings
from shared.store import StateStore


def build_deps(
    settings: Settings, *, store: StateStore, writer: ReportWriter | None = None
) -> SummarizeDeps:
    """Summarize's dependencies; the extractive writer unless another is given."""
    return SummarizeDeps(
        store=store,
        settings=settings.report,
        writer=writer if writer is not None else ExtractiveWriter(),
        clock=utcnow,
    )
