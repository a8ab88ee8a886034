"""The model writer's orchestration: the budget and the plan, the requests and their one repair
round, the input-hash cache, the per-window run interval and the usage accounting.

A report is written by one of two strategies, within ``input_token_budget`` for all its calls:

- *single*: one forced ``write_report`` tool call over the bounded input (see ``prompt``: the
  window's stories, one line per story and language, when it has them; see ``stories``);
- *map_reduce*: one ``write_notes`` call per sub-topic group (a story's lines never split across
  groups), whose findings are verified, then one ``write_report`` call over the statistics and
  the findings (see ``mapreduce``).

*single* is the default: every map request re-sends its framing and the reduce reads the
findings again, so for the same budget map/reduce reads fewer tweets (about a third as many at the
default 40,000 tokens; see ``bench/bench_model_input.py``); it buys a focused pass per sub-topic
and more output room in total. Either way the ``write_report`` answer gets at most one repair
round for sections that fail validation; it carries only the failed sections and their errors,
not the tweets, and the main requests are sized to leave room for it.

What the answer becomes is ``assemble``'s: a section that is missing, invalid after repair, cut
off by ``max_tokens`` or left empty by the verifier comes from the fallback writer
(:class:`~services.summarize.writers.extractive.ExtractiveWriter` by default), and so does the
whole report when the model fails or is not due. Every :meth:`ModelWriter.write` returns its own
run record; the writer keeps nothing of it but the running cost.
"""

from __future__ import annotations

import json
import logging
import math
import random
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel

from services.summarize.view import WindowView
from services.summarize.writers import SectionWriter
from services.summarize.writers.extractive import ExtractiveWriter
from services.summarize.writers.model.assemble import assemble, not_due, whole_fallback
from services.summarize.writers.model.client import (
    MessagesClient,
    ModelRefused,
    Response,
    RetryingClient,
)
from services.summarize.writers.model.governor import Governor, cost_usd
from services.summarize.writers.model.mapreduce import (
    Finding,
    MapReduceInput,
    build_map_reduce,
    finding,
)
from services.summarize.writers.model.prompt import (
    PROMPTS_DIR,
    BudgetTooSmall,
    ModelInput,
    Plan,
    Prompts,
    build_input,
    repair_input,
    request_tokens,
)
from services.summarize.writers.model.run import Answer, ModelRun, ModelWritten
from services.summarize.writers.model.schema import (
    SECTIONS,
    tool,
    validate_notes,
    validate_sections,
)
from services.summarize.writers.model.verify import Verifier
from shared.errors import ConfigError, ModelUnavailable
from shared.models import Report, utcnow
from shared.settings import ModelWriterSettings
from shared.store import StateStore

log = logging.getLogger(__name__)

REPAIR_ERRORS_TOKENS = 1_000
"""Room kept for the validation errors in the repair request."""


class _NoFindings(Exception):
    """The map stage returned no finding that passed verification."""


class _OverBudget(Exception):
    """A request that would take the run's estimated input over ``input_token_budget``."""

    def __init__(self, tokens: int) -> None:
        super().__init__(f"request of ~{tokens} tokens over the input budget")
        self.tokens = tokens


_FAILURES: dict[type[Exception], str] = {
    ModelUnavailable: "模型接口多次重试后仍不可用",
    ModelRefused: "模型接口拒绝了请求",
    _NoFindings: "分组归纳没有得到可核验的要点",
    _OverBudget: "超出输入预算",
}
"""The failures after which the fallback writes the whole report, and the reason its footer gives."""
_FAILURE_TYPES = tuple(_FAILURES)


# ---------------------------------------------------------------------------- budget and plan


def main_allowance(
    settings: ModelWriterSettings, prompts: Prompts, calibration: float = 1.0
) -> int:
    """Tokens the main request may take: the budget less room for a repair round."""
    skeleton = prompts.render(
        "repair", errors=[], previous_json="", sections=list(SECTIONS.items())
    )
    repair = request_tokens(
        prompts.render("system"), [{"role": "user", "content": skeleton}], [tool()]
    )
    reserve = (
        math.ceil(repair * calibration)
        + REPAIR_ERRORS_TOKENS
        + min(settings.max_tokens, settings.input_token_budget // 5)
    )
    return settings.input_token_budget - reserve


def map_max_tokens(settings: ModelWriterSettings) -> int:
    """Output tokens of a map request: ``map_max_tokens``, never more than ``max_tokens``."""
    return min(settings.map_max_tokens, settings.max_tokens)


def single_input(
    view: WindowView, prompts: Prompts, settings: ModelWriterSettings, allowance: int
) -> ModelInput:
    """The one ``write_report`` request for ``view`` within ``allowance`` tokens."""
    return build_input(
        view,
        prompts,
        allowance=allowance,
        model=settings.model,
        max_tokens=settings.max_tokens,
        story_full=settings.story_full,
        story_chars=settings.story_chars,
    )


def map_reduce_input(
    view: WindowView, prompts: Prompts, settings: ModelWriterSettings, allowance: int
) -> MapReduceInput:
    """The map/reduce plan for ``view`` within ``allowance`` tokens (raises ``BudgetTooSmall``)."""
    return build_map_reduce(
        view,
        prompts,
        allowance=allowance,
        model=settings.model,
        max_tokens=settings.max_tokens,
        map_max_tokens=map_max_tokens(settings),
        map_groups=settings.map_groups,
        map_notes=settings.map_notes,
        story_full=settings.story_full,
        story_chars=settings.story_chars,
    )


# ---------------------------------------------------------------------------- the writer


class ModelWriter:
    """Writes the report with a model; everything but the transport, which subclasses name.

    ``store`` holds the input-hash cache and each window's last model run; ``clock`` is the time
    the run interval is measured in; ``sleep`` and ``rng`` drive the retry backoff (tests pass
    their own); ``fallback`` writes what the model does not. Subclasses set ``provider`` and
    ``client_class``: :class:`AnthropicWriter` here,
    :class:`~services.summarize.writers.model.openai_compat.OpenAICompatWriter` for
    OpenAI-compatible endpoints.
    """

    provider: ClassVar[str]
    client_class: ClassVar[Callable[..., RetryingClient]]

    def __init__(
        self,
        settings: ModelWriterSettings,
        store: StateStore,
        *,
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        fallback: SectionWriter | None = None,
        prompts_dir: Path = PROMPTS_DIR,
    ) -> None:
        self.name = f"{self.provider}:{settings.model}"
        self._settings = settings
        self._governor = Governor(settings, store, clock)
        self._client = type(self).client_class(settings, sleep=sleep, rng=rng)
        self._fallback: SectionWriter = fallback or ExtractiveWriter()
        self._prompts = Prompts(prompts_dir)
        self.total_cost_usd = 0.0
        """US dollars spent by this writer since it was built (priced runs only)."""

    # ------------------------------------------------------------------------ public

    def due(self, window_id: str) -> bool:
        """True when the model may run for ``window_id`` now (``min_interval_s`` has passed)."""
        return self._governor.due(window_id)

    def write(self, view: WindowView) -> ModelWritten:
        """The report for ``view`` (the model's, a cached one, or the fallback's) and its run."""
        run = ModelRun(window_id=view.window.id, model=self._settings.model)
        report = self._write(view, run)
        self.total_cost_usd += run.cost_usd or 0.0
        return ModelWritten(report=report, usage=run.usage(), run=run)

    # ------------------------------------------------------------------------ the run

    def _write(self, view: WindowView, run: ModelRun) -> Report:
        s = self._settings
        if view.stats.tweets == 0:
            return self._whole_fallback(view, run, "本时段没有推文")
        calibration = self._governor.calibration()
        allowance = int(main_allowance(s, self._prompts, calibration) / calibration)
        try:
            model_input = single_input(view, self._prompts, s, allowance)
        except ConfigError as exc:
            log.error("model writer cannot build its input for %s: %s", view.window.id, exc)
            return self._whole_fallback(view, run, "输入预算过小", error=str(exc))
        plan = self._map_reduce_plan(view, allowance)
        planned: Plan = model_input if plan is None else plan
        run.strategy = "single" if plan is None else "map_reduce"
        run.prompt_tokens = planned.tokens
        run.tweets_in_prompt = len(planned.items)
        run.tweets_dropped = planned.dropped
        run.stories_in_prompt = planned.covered

        cached = self._governor.cached(planned.key)
        if cached is not None:
            run.mode = "cache"
            run.cost_usd = 0.0
            answer = Answer.from_json(cached)
        elif not self._governor.due(view.window.id):
            run.mode = "not_due"
            run.fallback_sections = list(SECTIONS)
            return not_due(
                view,
                fallback=self._fallback,
                interval_s=s.min_interval_s,
                next_run=self._governor.next_run(view.window.id),
            )
        else:
            self._governor.mark_run(view.window.id)
            try:
                if plan is not None:
                    answer = self._ask_map_reduce(view, plan, run)
                else:
                    answer = self._ask(model_input, run)
            except _FAILURE_TYPES as exc:
                log.error("model writer failed for %s: %s", view.window.id, exc)
                reason = next(r for kind, r in _FAILURES.items() if isinstance(exc, kind))
                return self._whole_fallback(view, run, reason, error=str(exc))
            if answer.sections:  # an answer with nothing usable is worth asking again later
                self._governor.remember(planned.key, answer.to_json())
        if plan is not None:
            model_input = plan.reduce_input(())
        run.map_rejections = list(answer.map_rejections)
        run.findings = answer.findings
        assembled = assemble(
            view, model_input, answer, run, fallback=self._fallback, budget=s.input_token_budget
        )
        run.rejections = assembled.rejections
        run.rejected_claims = len(assembled.rejections)
        run.fallback_sections = assembled.fallback_sections
        log.info(
            "model report for %s (%s): %s in / %s out tokens, $%s, %s rejected, fallback %s",
            view.window.id,
            run.mode,
            run.input_tokens,
            run.output_tokens,
            "?" if run.cost_usd is None else f"{run.cost_usd:.4f}",
            run.rejected_claims,
            run.fallback_sections or "none",
        )
        return assembled.report

    def _map_reduce_plan(self, view: WindowView, allowance: int) -> MapReduceInput | None:
        """The map/reduce plan when the strategy asks for one and it fits; else None."""
        if self._settings.strategy != "map_reduce":
            return None
        try:
            return map_reduce_input(view, self._prompts, self._settings, allowance)
        except BudgetTooSmall as exc:
            log.warning("map/reduce does not fit for %s (%s): one request", view.window.id, exc)
            return None

    def _whole_fallback(
        self, view: WindowView, run: ModelRun, reason: str, *, error: str | None = None
    ) -> Report:
        run.mode = "fallback"
        run.error = error or run.error
        run.fallback_sections = list(SECTIONS)
        return whole_fallback(view, run, reason, fallback=self._fallback)

    # ------------------------------------------------------------------------ requests

    def _send(
        self,
        run: ModelRun,
        system: str,
        messages: list[dict[str, Any]],
        req_tool: dict[str, Any],
        max_tokens: int | None = None,
    ) -> Response:
        estimate = math.ceil(
            request_tokens(system, messages, [req_tool]) * self._governor.calibration()
        )
        if run.budget_spent + estimate > self._settings.input_token_budget:
            raise _OverBudget(estimate)
        before_attempts, before_retries = self._client.attempts, self._client.retries
        try:
            response = self._client.create(
                system=system, messages=messages, tool=req_tool, max_tokens=max_tokens
            )
        finally:
            run.requests += self._client.attempts - before_attempts
            run.retries += self._client.retries - before_retries
        self._governor.calibrate(estimate, response.input_tokens)
        run.budget_spent += max(estimate, response.input_tokens)
        run.input_tokens += response.input_tokens
        run.output_tokens += response.output_tokens
        return response

    def _ask(self, model_input: ModelInput, run: ModelRun) -> Answer:
        try:
            response = self._send(run, model_input.system, model_input.messages(), model_input.tool)
        finally:
            self._price(run)
        raw = _as_object(response.tool_input)
        valid, errors = validate_sections(raw)
        _distrust_cut_off(response, raw, valid, errors)
        repairable = {
            name: errs
            for name, errs in errors.items()
            if isinstance(raw, dict) and raw.get(name) is not None
        }
        if repairable:
            self._repair(model_input, run, raw, repairable, valid)
        failed = [name for name in SECTIONS if name not in valid]
        return Answer(sections={k: _dump(v) for k, v in valid.items()}, failed=failed)

    def _ask_map_reduce(self, view: WindowView, plan: MapReduceInput, run: ModelRun) -> Answer:
        """The map requests, each finding verified against its group's tweets, then the reduce."""
        findings: list[Finding] = []
        for n, call in enumerate(plan.maps):
            try:
                response = self._send(
                    run,
                    call.system,
                    call.messages(),
                    call.tool,
                    max_tokens=map_max_tokens(self._settings),
                )
            finally:
                self._price(run)
            run.map_calls += 1
            notes, errors = validate_notes(_as_object(response.tool_input), plan.max_notes)
            if response.stop_reason == "max_tokens" and notes:
                errors.append(f"notes[{len(notes) - 1}]: cut off at max_tokens")
                notes.pop()
            if errors:
                log.warning("map %s (%s): %s", n, call.label, "; ".join(errors))
            verifier = Verifier(items=call.items, stats=plan.stats, view=view)
            for i, note in enumerate(notes):
                if verifier.keep(note.text, note.cite, where=f"map[{n}].notes[{i}]"):
                    findings.append(finding(call.label, note, call.items))
            run.map_rejections += verifier.rejected
        run.findings = len(findings)
        log.info(
            "map stage for %s: %s groups, %s findings kept, %s rejected",
            view.window.id,
            len(plan.maps),
            len(findings),
            len(run.map_rejections),
        )
        if not findings:
            raise _NoFindings(f"no verified findings from {len(plan.maps)} map requests")
        answer = self._ask(plan.reduce_input(findings), run)
        answer.map_rejections = list(run.map_rejections)
        answer.findings = len(findings)
        return answer

    def _repair(
        self,
        model_input: ModelInput,
        run: ModelRun,
        raw: object,
        errors: dict[str, list[str]],
        valid: dict[str, Any],
    ) -> None:
        previous = raw if isinstance(raw, dict) else {}
        user, repair_tool = repair_input(
            self._prompts, system=model_input.system, errors=errors, previous=previous
        )
        names = tuple(name for name in SECTIONS if name in errors)
        log.warning("model answer invalid in %s; one repair round", ", ".join(names))
        try:
            response = self._send(
                run, model_input.system, [{"role": "user", "content": user}], repair_tool
            )
        except _OverBudget as exc:
            log.warning("no repair round: it needs ~%s tokens over the budget", exc.tokens)
            return
        except (ModelUnavailable, ModelRefused) as exc:
            log.warning("repair round failed: %s", exc)
            run.error = str(exc)
            return
        finally:
            self._price(run)
        run.repaired = True
        fixed_raw = _as_object(response.tool_input)
        fixed, still = validate_sections(fixed_raw, names)
        _distrust_cut_off(response, fixed_raw, fixed, still)
        valid.update(fixed)
        if still:
            log.warning(
                "still invalid after repair: %s", "; ".join(e for v in still.values() for e in v)
            )

    def _price(self, run: ModelRun) -> None:
        run.cost_usd = cost_usd(
            run.model, self._settings.prices, run.input_tokens, run.output_tokens
        )


class AnthropicWriter(ModelWriter):
    """Writes the report with Claude through the official ``anthropic`` SDK (``AnthropicSettings``);
    the SDK client is created on the first request."""

    provider = "anthropic"
    client_class = MessagesClient


def _dump(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [_dump(v) for v in value]
    return value


def _as_object(value: object) -> object:
    """A tool input sent as a JSON string is read as the object it spells."""
    if isinstance(value, str):
        try:
            parsed: object = json.loads(value)
        except ValueError:
            return value
        return parsed
    return value


def _distrust_cut_off(
    response: Response, raw: object, valid: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    """An answer stopped by ``max_tokens``: the last section written may be cut short."""
    if response.stop_reason != "max_tokens":
        return
    if isinstance(raw, dict):
        present = [k for k in raw if k in SECTIONS]
        if present:
            last = present[-1]
            valid.pop(last, None)
            errors.setdefault(last, []).append(f"{last}: cut off at max_tokens")


__all__ = [
    "AnthropicWriter",
    "ModelRun",
    "ModelWriter",
    "ModelWritten",
    "main_allowance",
    "map_max_tokens",
    "map_reduce_input",
    "single_input",
]
