"""The records of one model-written report, passed from orchestration to assembly and back out.

- :class:`ModelRun`: what the run did (strategy, requests, tokens, cost, fallbacks, rejected
  claims). Orchestration (``writer``) fills it as it plans and sends; assembly (``assemble``)
  reads it for the footer; :meth:`ModelRun.usage` is the part ``ReportReady`` carries.
- :class:`Answer`: the model's validated sections, the JSON the input-hash cache keeps.
- :class:`ModelWritten`: what :meth:`ModelWriter.write` returns, the report with both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from services.summarize.writers import Written
from shared.models import ModelUsage

Mode = Literal["model", "cache", "not_due", "fallback"]


@dataclass
class ModelRun:
    """How one report was written: for the run summary, the footer, the metrics and the tests."""

    window_id: str
    model: str
    mode: Mode = "model"
    """``model`` (a fresh answer), ``cache`` (an earlier answer to the same input), ``not_due``
    (the interval has not passed: extractive) or ``fallback`` (the model failed: extractive)."""
    requests: int = 0
    retries: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = 0.0
    """US dollars spent by this run (0 for a cache hit; None when the model has no price)."""
    prompt_tokens: int = 0
    """Estimated input tokens of the main request."""
    budget_spent: int = 0
    """Estimated input tokens of every distinct request sent (the budget's measure)."""
    tweets_in_prompt: int = 0
    tweets_dropped: int = 0
    stories_in_prompt: int = 0
    """Listed stories with a line in the prompt (story input only)."""
    rejected_claims: int = 0
    rejections: list[str] = field(default_factory=list)
    fallback_sections: list[str] = field(default_factory=list)
    """Report fields written by the extractive writer (``core_points`` when any point was)."""
    repaired: bool = False
    error: str | None = None
    strategy: Literal["single", "map_reduce"] = "single"
    map_calls: int = 0
    """Map requests answered (map_reduce only)."""
    findings: int = 0
    """Map-stage findings that passed verification and went to the reduce request."""
    map_rejections: list[str] = field(default_factory=list)

    def usage(self) -> ModelUsage:
        """The run as the report carries it: the :class:`ModelUsage` fields, same names."""
        return ModelUsage(**{name: getattr(self, name) for name in ModelUsage.model_fields})


@dataclass
class Answer:
    """The model's validated sections (as JSON data) and the sections it failed."""

    sections: dict[str, Any]
    failed: list[str]
    map_rejections: list[str] = field(default_factory=list)
    """Map-stage findings the verifier rejected (map_reduce only)."""
    findings: int = 0

    def to_json(self) -> dict[str, Any]:
        """The answer as the cache stores it."""
        return {
            "sections": self.sections,
            "failed": self.failed,
            "map_rejections": self.map_rejections,
            "findings": self.findings,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Answer:
        """An answer read back from the cache (missing fields empty)."""
        return cls(
            sections=dict(data.get("sections") or {}),
            failed=list(data.get("failed") or []),
            map_rejections=[str(r) for r in data.get("map_rejections") or []],
            findings=int(data.get("findings") or 0),
        )


@dataclass(frozen=True)
class ModelWritten(Written):
    """A model writer's :class:`~services.summarize.writers.Written`, with its whole run record."""

    run: ModelRun


__all__ = ["Answer", "Mode", "ModelRun", "ModelWritten"]
