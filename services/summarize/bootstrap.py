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
    """Summarize's dependencies, with the writer ``settings.report.writer`` names."""
    return SummarizeDeps(
        store=store,
        settings=settings.report,
        writer=writer if writer is not None else build_writer(settings, store=store),
        clock=utcnow,
    )


def build_writer(settings: Settings, *, store: StateStore) -> ReportWriter:
    """The configured writer: ``extractive`` (offline), ``anthropic`` (Claude) or ``openai`` (an
    OpenAI-compatible endpoint); a model writer falls back to the extractive one by section."""
    if settings.report.writer == "anthropic":
        from services.summarize.writers.model.writer import AnthropicWriter

        return AnthropicWriter(settings.anthropic, store)
    if settings.report.writer == "openai":
        from services.summarize.writers.model.openai_compat import OpenAICompatWriter

        return OpenAICompatWriter(settings.openai, store)
    return ExtractiveWriter()
