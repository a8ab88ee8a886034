"""Report writers: turn a :class:`~services.summarize.view.WindowView` into a Report.

A writer only reads the view; it never touches the store or the bus. :class:`ExtractiveWriter`
(offline, template sentences over the aggregates) is the default, and its public per-section
methods (named after the :class:`~shared.models.Report` fields) are what another writer falls
back to for a section it cannot write.
"""

from __future__ import annotations

from typing import Protocol

from services.summarize.view import WindowView
from shared.models import ModelUsage, Report


class ReportWriter(Protocol):
    """Writes the report text for one window."""

    name: str
    """Recorded in ``ReportReady.writer``, e.g. ``"extractive"``."""

    def write(self, view: WindowView) -> Report:
        """The report for ``view``; every figure in it must come from the view."""
        ...

    def usage(self) -> ModelUsage | None:
        """How the last :meth:`write` used a model (None for a writer without one)."""
        ...


__all__ = ["ReportWriter"]
