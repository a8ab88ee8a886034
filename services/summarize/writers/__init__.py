"""Report writers: turn a :class:`~services.summarize.view.WindowView` into a Report.

What every writer shares lives here: the :class:`ReportWriter` protocol and what a write returns
(:class:`Written`, the report with its model usage), the :class:`SectionWriter` protocol another
writer falls back to section by section, and the report's fixed shape (:data:`CORE_POINTS`,
:data:`EVENT_TITLES`).

A writer reads the view and never publishes. :class:`~.extractive.ExtractiveWriter` (offline,
the window's stories told in Chinese, quoting their tweets) is the default and touches nothing else. The model
writers (``model/``) also use the state store, through their governor: the input-hash cache of
answers, each window's last run (the interval between runs) and the token calibration.
``phrasing`` holds the Chinese phrasing both kinds write with.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from services.summarize.view import WindowView
from shared.models import Block, CorePoint, ModelUsage, Report, TweetRef

CORE_POINTS = 10
"""Core points in a report (the seed's ten), fewer only when the window has fewer stories."""

EVENT_TITLES = ("模型发布与技术突破", "新应用与工具发布", "产业合作与投资", "学术研究进展")
"""The fixed sub-sections of 关键事件与发展, in order."""


@dataclass(frozen=True)
class Written:
    """What one :meth:`ReportWriter.write` produced: the report, and how a model wrote it."""

    report: Report
    usage: ModelUsage | None
    """How a model was used (None for a writer without one); ``ReportReady.model_usage``."""


class ReportWriter(Protocol):
    """Writes the report text for one window."""

    name: str
    """Recorded in ``ReportReady.writer``, e.g. ``"extractive"``."""

    def write(self, view: WindowView) -> Written:
        """The report for ``view`` and its usage; every figure in it must come from the view."""
        ...


class SectionWriter(ReportWriter, Protocol):
    """A writer whose sections (named after the :class:`~shared.models.Report` fields) can each
    be written on its own: what a model writer falls back to for a section it cannot write."""

    def overview(self, view: WindowView) -> tuple[list[str], list[TweetRef]]:
        """The overview paragraphs and the tweets they cite."""
        ...

    def core_points(self, view: WindowView) -> list[CorePoint]:
        """At most :data:`CORE_POINTS` points, each leading with a different tweet."""
        ...

    def insights(self, view: WindowView, *, avoid: set[str] | None = None) -> list[Block]:
        """Opinion blocks, leading with none of the ``avoid`` tweet ids where it can."""
        ...

    def events(self, view: WindowView) -> list[Block]:
        """One block per :data:`EVENT_TITLES` entry, in order."""
        ...

    def markets(self, view: WindowView) -> list[Block]:
        """Stocks, then crypto."""
        ...

    def ai_analysis(self, view: WindowView) -> list[Block]:
        """The AI analysis blocks."""
        ...

    def finance_analysis(self, view: WindowView) -> list[Block]:
        """The finance analysis blocks."""
        ...

    def footer_notes(self, view: WindowView, *, core_points: int | None = None) -> list[str]:
        """How the report was made; the first note names the writer, the others hold for any."""
        ...


__all__ = ["CORE_POINTS", "EVENT_TITLES", "ReportWriter", "SectionWriter", "Written"]
