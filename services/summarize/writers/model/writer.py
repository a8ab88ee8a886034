"""The model writer: Claude writes the report's Chinese text, every claim is checked, and what
cannot be trusted is written by the extractive writer instead.

A report is written by one of two strategies, within ``input_token_budget`` for all its calls:

- *single*: one forced ``write_report`` tool call over the bounded input (see ``prompt``);
- *map_reduce*: one ``write_notes`` call per sub-topic group, whose findings are verified, then one
  ``write_report`` call over the statistics and the findings (see ``mapreduce``).

*single* is the default: every map request re-sends its framing and the reduce reads the
findings again, so for the same budget map/reduce reads fewer tweets (about a third as many at the
default 40,000 tokens; see ``bench/bench_model_input.py``); it buys a focused pass per sub-topic
and more output room in total. Either way the ``write_report`` answer gets at most one repair
round for sections that fail validation; it carries only the failed sections and their errors,
not the tweets, and the main requests are sized to leave room for it.

What is published is never empty or cut short: a section that is missing, invalid after repair,
cut off by ``max_tokens`` or left empty by the verifier comes from
:class:`~services.summarize.writers.extractive.ExtractiveWriter`, and the footer says which.
Rejected core points are replaced by extractive ones so there are still ten.
"""

from __future__ import annotations

import json
import logging
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel

from services.summarize.view import WindowView
from services.summarize.writers.extractive import CORE_POINTS, ExtractiveWriter, finish, num
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
    Prompts,
    build_input,
    repair_input,
    request_tokens,
)
from services.summarize.writers.model.schema import (
    EVENT_TITLES,
    SECTIONS,
    DraftBlock,
    DraftPoint,
    tool,
    validate_notes,
    validate_sections,
)
from services.summarize.writers.model.verify import Verifier
from shared.errors import ConfigError, ModelUnavailable
from shared.models import Block, CorePoint, ModelUsage, Report, utcnow
from shared.settings import ModelWriterSettings
from shared.store import StateStore

log = logging.getLogger(__name__)

Mode = Literal["model", "cache", "not_due", "fallback"]

REPAIR_ERRORS_TOKENS = 1_000
"""Room kept for the validation errors in the repair request."""


@dataclass
class ModelRun:
    """How the last report was written: for the run summary, the footer and the metrics."""

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


@dataclass
class _Answer:
    """The model's validated sections (as JSON data) and the sections it failed."""

    sections: dict[str, Any]
    failed: list[str]
    map_rejections: list[str] = field(default_factory=list)
    """Map-stage findings the verifier rejected (map_reduce only)."""
    findings: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "sections": self.sections,
            "failed": self.failed,
            "map_rejections": self.map_rejections,
            "findings": self.findings,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> _Answer:
        return cls(
            sections=dict(data.get("sections") or {}),
            failed=list(data.get("failed") or []),
            map_rejections=[str(r) for r in data.get("map_rejections") or []],
            findings=int(data.get("findings") or 0),
        )


def _dump(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [_dump(v) for v in value]
    return value


class ModelWriter:
    """Writes the report with a model; everything but the transport, which subclasses name.

    ``store`` holds the input-hash cache and each window's last model run; ``clock`` is the time
    the run interval is measured in; ``sleep`` and ``rng`` drive the retry backoff (tests pass
    their own). Subclasses set ``provider`` and ``client_class``: :class:`AnthropicWriter` here,
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
        fallback: ExtractiveWriter | None = None,
        prompts_dir: Path = PROMPTS_DIR,
    ) -> None:
        self.name = f"{self.provider}:{settings.model}"
        self._settings = settings
        self._governor = Governor(settings, store, clock)
        self._client = type(self).client_class(settings, sleep=sleep, rng=rng)
        self._extractive = fallback or ExtractiveWriter()
        self._prompts = Prompts(prompts_dir)
        self.last_result: ModelRun | None = None
        """How the last :meth:`write` went (cost, tokens, rejected claims, fallbacks)."""
        self.total_cost_usd = 0.0
        """US dollars spent by this writer since it was built (priced runs only)."""

    # ------------------------------------------------------------------------ public

    def usage(self) -> ModelUsage | None:
        """The last write's model usage, as the report carries it."""
        run = self.last_result
        if run is None:
            return None
        return ModelUsage(
            model=run.model,
            mode=run.mode,
            requests=run.requests,
            retries=run.retries,
            input_tokens=run.input_tokens,
            output_tokens=run.output_tokens,
            cost_usd=run.cost_usd,
            rejected_claims=run.rejected_claims,
            fallback_sections=list(run.fallback_sections),
        )

    def due(self, window_id: str) -> bool:
        """True when the model may run for ``window_id`` now (``min_interval_s`` has passed)."""
        return self._governor.due(window_id)

    def write(self, view: WindowView) -> Report:
        """The report for ``view``: the model's, a cached one, or the extractive one."""
        s = self._settings
        run = ModelRun(window_id=view.window.id, model=s.model)
        self.last_result = run
        if view.stats.tweets == 0:
            return self._whole_fallback(view, run, "本时段没有推文", mode="fallback")
        calibration = self._governor.calibration()
        allowance = int(self._main_allowance(calibration) / calibration)
        try:
            model_input = build_input(
                view,
                self._prompts,
                allowance=allowance,
                model=s.model,
                max_tokens=s.max_tokens,
            )
        except ConfigError as exc:
            log.error("model writer cannot build its input for %s: %s", view.window.id, exc)
            return self._whole_fallback(view, run, "输入预算过小", error=str(exc))
        plan = self._plan(view, allowance)
        if plan is not None:
            run.strategy = "map_reduce"
            run.prompt_tokens = plan.tokens
            run.tweets_in_prompt = len(plan.items)
            run.tweets_dropped = plan.dropped
            key = plan.key
        else:
            run.prompt_tokens = model_input.tokens
            run.tweets_in_prompt = len(model_input.items)
            run.tweets_dropped = model_input.dropped
            key = model_input.key

        cached = self._governor.cached(key)
        if cached is not None:
            run.mode = "cache"
            answer = _Answer.from_json(cached)
        elif not self._governor.due(view.window.id):
            return self._not_due(view, run)
        else:
            self._governor.mark_run(view.window.id)
            try:
                if plan is not None:
                    answer = self._ask_map_reduce(view, plan, run)
                else:
                    answer = self._ask(model_input, run)
            except (ModelUnavailable, ModelRefused, _OverBudget, _NoFindings) as exc:
                log.error("model writer failed for %s: %s", view.window.id, exc)
                if isinstance(exc, ModelUnavailable):
                    reason = "模型接口多次重试后仍不可用"
                elif isinstance(exc, ModelRefused):
                    reason = "模型接口拒绝了请求"
                elif isinstance(exc, _NoFindings):
                    reason = "分组归纳没有得到可核验的要点"
                else:
                    reason = "超出输入预算"
                return self._whole_fallback(view, run, reason, error=str(exc))
            if answer.sections:  # an answer with nothing usable is worth asking again later
                self._governor.remember(key, answer.to_json())
        if plan is not None:
            model_input = plan.reduce_input(())
        report = self._assemble(view, model_input, answer, run)
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
        return report

    # ------------------------------------------------------------------------ strategy

    def _plan(self, view: WindowView, allowance: int) -> MapReduceInput | None:
        """The map/reduce plan when the strategy asks for one and it fits; else None."""
        s = self._settings
        if s.strategy != "map_reduce":
            return None
        try:
            return build_map_reduce(
                view,
                self._prompts,
                allowance=allowance,
                model=s.model,
                max_tokens=s.max_tokens,
                map_max_tokens=min(s.map_max_tokens, s.max_tokens),
                map_groups=s.map_groups,
                map_notes=s.map_notes,
            )
        except BudgetTooSmall as exc:
            log.warning("map/reduce does not fit for %s (%s): one request", view.window.id, exc)
            return None

    # ------------------------------------------------------------------------ budget

    def _main_allowance(self, calibration: float = 1.0) -> int:
        """Tokens the main request may take: the budget less room for a repair round."""
        s = self._settings
        skeleton = self._prompts.render(
            "repair", errors=[], previous_json="", sections=list(SECTIONS.items())
        )
        repair = request_tokens(
            self._prompts.render("system"), [{"role": "user", "content": skeleton}], [tool()]
        )
        reserve = (
            math.ceil(repair * calibration)
            + REPAIR_ERRORS_TOKENS
            + min(s.max_tokens, s.input_token_budget // 5)
        )
        return s.input_token_budget - reserve

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

    def _ask(self, model_input: ModelInput, run: ModelRun) -> _Answer:
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
        return _Answer(sections={k: _dump(v) for k, v in valid.items()}, failed=failed)

    def _ask_map_reduce(self, view: WindowView, plan: MapReduceInput, run: ModelRun) -> _Answer:
        """The map requests, each finding verified against its group's tweets, then the reduce."""
        findings: list[Finding] = []
        for n, call in enumerate(plan.maps):
            try:
                response = self._send(
                    run,
                    call.system,
                    call.messages(),
                    call.tool,
                    max_tokens=min(self._settings.map_max_tokens, self._settings.max_tokens),
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
                    findings.append(finding(call.label, note))
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

    # ------------------------------------------------------------------------ fallbacks

    def _whole_fallback(
        self,
        view: WindowView,
        run: ModelRun,
        reason: str,
        *,
        mode: Mode = "fallback",
        error: str | None = None,
    ) -> Report:
        run.mode = mode
        run.error = error or run.error
        run.fallback_sections = list(SECTIONS)
        report = self._extractive.write(view)
        notes = [f"模型（{run.model}）未生成本报告（{reason}），全文由抽取式方法生成。"]
        if run.requests:
            notes.append(self._cost_note(run))
        self._count(run)
        return report.model_copy(
            update={"footer_notes": [*report.footer_notes, *map(finish, notes)]}
        )

    def _not_due(self, view: WindowView, run: ModelRun) -> Report:
        run.mode = "not_due"
        run.fallback_sections = list(SECTIONS)
        report = self._extractive.write(view)
        minutes = num(self._settings.min_interval_s / 60)
        when = self._governor.next_run(view.window.id)
        at = f"（下次最早于 {when.astimezone(view.window.start.tzinfo):%H:%M}）" if when else ""
        note = f"模型每个时段至多每 {minutes} 分钟撰写一次{at}，本次更新由抽取式方法生成。"
        return report.model_copy(update={"footer_notes": [*report.footer_notes, finish(note)]})

    def _count(self, run: ModelRun) -> None:
        self.total_cost_usd += run.cost_usd or 0.0

    # ------------------------------------------------------------------------ assembly

    def _assemble(
        self, view: WindowView, model_input: ModelInput, answer: _Answer, run: ModelRun
    ) -> Report:
        if run.mode == "cache":
            run.cost_usd = 0.0
        drafts, _ = validate_sections(answer.sections, tuple(answer.sections))
        verifier = Verifier(items=model_input.items, stats=model_input.stats, view=view)
        ext = self._extractive
        fallbacks: list[str] = []
        notes: list[str] = []

        overview: list[str] = []
        overview_cites: list[str] = []
        for i, claim in enumerate(drafts.get("overview", [])):
            if verifier.keep(claim.text, claim.cite, where=f"overview[{i}]", stats_entities=True):
                overview.append(finish(claim.text))
                overview_cites += claim.cite
        overview_refs = verifier.refs(overview_cites)
        if not overview:
            fallbacks.append("overview")
            overview, overview_refs = ext.overview(view)

        partial: list[str] = []
        points, replaced = self._core_points(view, drafts.get("core_points"), verifier)
        if drafts.get("core_points") is None:
            fallbacks.append("core_points")
        elif replaced:
            partial.append("core_points")
            notes.append(f"核心信息中有 {num(replaced)} 条由抽取式方法补足。")

        leads = {p.citations[0].tweet_id for p in points}
        sections: dict[str, list[Block]] = {}
        for name in ("insights", "markets", "ai_analysis", "finance_analysis"):
            blocks = self._blocks(drafts.get(name, []), verifier, name)
            if not blocks:
                fallbacks.append(name)
                blocks = (
                    ext.insights(view, avoid=leads)
                    if name == "insights"
                    else getattr(ext, name)(view)
                )
            sections[name] = blocks
        events, from_extractive = self._events(view, drafts.get("events"), verifier)
        if drafts.get("events") is None or len(from_extractive) == len(EVENT_TITLES):
            fallbacks.append("events")
        elif from_extractive:
            partial.append("events")
            notes.append(f"关键事件与发展中的“{'”“'.join(from_extractive)}”由抽取式方法生成。")

        run.map_rejections = list(answer.map_rejections)
        run.findings = answer.findings
        run.rejections = [*answer.map_rejections, *verifier.rejected]
        run.rejected_claims = len(run.rejections)
        run.fallback_sections = [n for n in SECTIONS if n in fallbacks or n in partial]
        self._count(run)
        footer = self._footer(
            view, run, len(points), [SECTIONS[n] for n in SECTIONS if n in fallbacks], notes
        )
        return Report(
            overview=overview,
            overview_citations=overview_refs,
            core_points=points,
            insights=sections["insights"],
            events=events,
            markets=sections["markets"],
            ai_analysis=sections["ai_analysis"],
            finance_analysis=sections["finance_analysis"],
            footer_notes=footer,
        )

    def _core_points(
        self, view: WindowView, drafts: Sequence[DraftPoint] | None, verifier: Verifier
    ) -> tuple[list[CorePoint], int]:
        """The model's points that check out, the rest (and any shortfall) extractive."""
        extractive = self._extractive.core_points(view)
        if drafts is None:
            return extractive, 0
        slots: list[CorePoint | None] = []
        for i, d in enumerate(drafts):
            ok = verifier.keep(f"{d.title}。{d.body}", d.cite, where=f"core_points[{i}]")
            slots.append(
                CorePoint(
                    title=finish(d.title), body=finish(d.body), citations=verifier.refs(d.cite)
                )
                if ok
                else None
            )
        used_leads = {p.citations[0].tweet_id for p in slots if p is not None}
        used_titles = {p.title for p in slots if p is not None}
        spare = [
            p
            for p in extractive
            if p.citations[0].tweet_id not in used_leads and p.title not in used_titles
        ]
        replaced = 0
        points: list[CorePoint] = []
        for slot in slots:
            if slot is not None:
                points.append(slot)
            elif spare:
                points.append(spare.pop(0))
                replaced += 1
        while len(points) < CORE_POINTS and spare:
            points.append(spare.pop(0))
            replaced += 1
        return points[:CORE_POINTS], replaced

    def _blocks(self, drafts: Sequence[DraftBlock], verifier: Verifier, where: str) -> list[Block]:
        """The model's blocks with their claims checked; a block left empty is dropped."""
        out = []
        for i, d in enumerate(drafts):
            paragraphs: list[str] = []
            bullets: list[str] = []
            cites: list[str] = []
            for kind, claims, into in (("p", d.paragraphs, paragraphs), ("b", d.bullets, bullets)):
                for j, claim in enumerate(claims):
                    if verifier.keep(claim.text, claim.cite, where=f"{where}[{i}].{kind}{j}"):
                        into.append(finish(claim.text))
                        cites += claim.cite
            if not paragraphs and not bullets:
                continue
            if not verifier.keep(d.title, cites, where=f"{where}[{i}].title", stats_entities=True):
                continue
            out.append(
                Block(
                    title=finish(d.title),
                    paragraphs=paragraphs,
                    bullets=bullets,
                    citations=verifier.refs(cites),
                )
            )
        return out

    def _events(
        self, view: WindowView, drafts: Sequence[DraftBlock] | None, verifier: Verifier
    ) -> tuple[list[Block], list[str]]:
        """The four fixed sub-sections: the model's where it wrote them, else extractive."""
        model = {b.title: b for b in self._blocks(drafts or [], verifier, "events")}
        extractive = {b.title: b for b in self._extractive.events(view)}
        out, from_extractive = [], []
        for title in EVENT_TITLES:
            block = model.get(title)
            if block is None:
                block = extractive.get(title) or Block(
                    title=title, paragraphs=["本时段未见相关推文。"]
                )
                if block.citations:
                    from_extractive.append(title)
            out.append(block)
        if drafts is None or not model:
            from_extractive = list(EVENT_TITLES)
        return out, from_extractive

    # ------------------------------------------------------------------------ footer

    def _footer(
        self,
        view: WindowView,
        run: ModelRun,
        points: int,
        fallback_labels: list[str],
        notes: list[str],
    ) -> list[str]:
        w = view.window
        built = view.built_at.astimezone(w.start.tzinfo)
        budget = self._settings.input_token_budget
        out = [
            f"本报告由模型 {run.model} 依据 {num(view.stats.tweets)} 条 Twitter 公开推文的聚合统计"
            f"与其中 {num(run.tweets_in_prompt)} 条代表性推文撰写，统计时段为 "
            f"{w.start:%Y-%m-%d %H:%M} 至 {w.end:%Y-%m-%d %H:%M}（{w.timezone}），生成于 "
            f"{built:%Y-%m-%d %H:%M}。文中论点均标注所依据的推文，数字与名称经程序核对，"
            "须见于所引推文或统计数据。",
            *self._extractive.footer_notes(view, core_points=points)[1:],
        ]
        if run.tweets_dropped:
            out.append(
                f"受输入预算（约 {num(budget)} tokens）所限，另有 {num(run.tweets_dropped)} 条"
                "候选推文未提供给模型（按互动量由低到高舍去）。"
            )
        if run.strategy == "map_reduce":
            out.append(
                "撰写方式：模型先按子话题分组归纳代表性推文，得到 "
                f"{num(run.findings)} 条经核验的要点，再据此汇总撰写。"
            )
        if fallback_labels:
            out.append("以下部分由抽取式方法生成：" + "、".join(fallback_labels) + "。")
        out += notes
        if run.rejected_claims:
            out.append(
                f"核验：模型撰写的论点中有 {num(run.rejected_claims)} 条因引用了未提供的推文，"
                "或所述数字、名称无法在所引推文与统计数据中找到，已被剔除。"
            )
        else:
            out.append("核验：模型撰写的论点均通过引用、数字与名称核对。")
        out.append(self._cost_note(run))
        return [finish(n) for n in out]

    def _cost_note(self, run: ModelRun) -> str:
        if run.mode == "cache":
            return (
                f"模型：{run.model}；输入与上次相同，沿用缓存的模型结果，本次未调用模型，费用 $0。"
            )
        cost = (
            "费用未知（价格表中没有该模型）"
            if run.cost_usd is None
            else f"费用约 ${run.cost_usd:.4f}"
        )
        retries = f"，重试 {num(run.retries)} 次" if run.retries else ""
        return (
            f"模型：{run.model}，输入 {num(run.input_tokens)} tokens，"
            f"输出 {num(run.output_tokens)} tokens，{cost}{retries}。"
        )


class AnthropicWriter(ModelWriter):
    """Writes the report with Claude through the official ``anthropic`` SDK (``AnthropicSettings``);
    the SDK client is created on the first request."""

    provider = "anthropic"
    client_class = MessagesClient


class _NoFindings(Exception):
    """The map stage returned no finding that passed verification."""


class _OverBudget(Exception):
    def __init__(self, tokens: int) -> None:
        super().__init__(f"request of ~{tokens} tokens over the input budget")
        self.tokens = tokens


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


__all__ = ["AnthropicWriter", "ModelRun", "ModelWriter"]
