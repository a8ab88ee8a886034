"""Assembly: the model's validated answer, the verifier's verdicts and the extractive sections,
made into the :class:`~shared.models.Report` a reader gets.

It owns what the reader sees of a model run: every claim goes through the
:class:`~services.summarize.writers.model.verify.Verifier` and stays only if it checks out; a
section left empty (missing, invalid after repair, cut off, or emptied by the verifier) is the
fallback writer's; rejected core points are replaced by the fallback's so there are still ten;
and the footer says how the report was made (the model, the budget, the strategy, which sections
are extractive, what the verifier removed, what it cost). It also makes the report of a run that
never reached the model (failed, or not due).

It sends nothing and reads no store: orchestration (``writer``) hands it the answer and the run
record, and records the verdicts :func:`assemble` returns.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from services.summarize.view import WindowView
from services.summarize.writers import CORE_POINTS, EVENT_TITLES, SectionWriter
from services.summarize.writers.model.prompt import ModelInput
from services.summarize.writers.model.run import Answer, ModelRun
from services.summarize.writers.model.schema import (
    SECTIONS,
    DraftBlock,
    DraftPoint,
    validate_sections,
)
from services.summarize.writers.model.verify import Verifier
from services.summarize.writers.phrasing import NO_DATA, finish, num
from shared.models import Block, CorePoint, Report


@dataclass(frozen=True)
class Assembled:
    """The report, and the verdicts behind it for the run record."""

    report: Report
    fallback_sections: list[str]
    """Report fields the fallback wrote, wholly or in part, in the seed's order."""
    rejections: list[str]
    """Why each rejected claim went: the map stage's first, then the report's."""


def assemble(
    view: WindowView,
    model_input: ModelInput,
    answer: Answer,
    run: ModelRun,
    *,
    fallback: SectionWriter,
    budget: int,
) -> Assembled:
    """The report from ``answer``, its claims checked against what ``model_input`` carried."""
    drafts, _ = validate_sections(answer.sections, tuple(answer.sections))
    verifier = Verifier(items=model_input.items, stats=model_input.stats, view=view)
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
        overview, overview_refs = fallback.overview(view)

    partial: list[str] = []
    points, replaced, repeats = _core_points(
        view, drafts.get("core_points"), verifier, fallback, model_input.stories
    )
    if drafts.get("core_points") is None:
        fallbacks.append("core_points")
    elif replaced:
        partial.append("core_points")
        notes.append(f"核心信息中有 {num(replaced)} 条由抽取式方法补足。")
    if repeats:
        notes.append(f"模型有 {num(repeats)} 个核心信息点重复了前面的故事，已换成其他故事。")

    leads = {p.citations[0].tweet_id for p in points}
    sections: dict[str, list[Block]] = {}
    for name in ("insights", "markets", "ai_analysis", "finance_analysis"):
        blocks = _blocks(drafts.get(name, []), verifier, name)
        if not blocks:
            fallbacks.append(name)
            blocks = _fallback_blocks(fallback, name, view, leads)
        sections[name] = blocks
    events, from_extractive = _events(view, drafts.get("events"), verifier, fallback)
    if drafts.get("events") is None or len(from_extractive) == len(EVENT_TITLES):
        fallbacks.append("events")
    elif from_extractive:
        partial.append("events")
        notes.append(f"关键事件与发展中的“{'”“'.join(from_extractive)}”由抽取式方法生成。")

    rejections = [*answer.map_rejections, *verifier.rejected]
    fallback_labels = [SECTIONS[n] for n in SECTIONS if n in fallbacks]
    footer = _footer(
        view,
        run,
        fallback,
        points=len(points),
        budget=budget,
        rejected=len(rejections),
        fallback_labels=fallback_labels,
        notes=notes,
    )
    report = Report(
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
    return Assembled(
        report=report,
        fallback_sections=[n for n in SECTIONS if n in fallbacks or n in partial],
        rejections=rejections,
    )


def whole_fallback(
    view: WindowView, run: ModelRun, reason: str, *, fallback: SectionWriter
) -> Report:
    """The fallback's report of a run the model did not write, and a footer note saying why."""
    report = fallback.write(view).report
    notes = [f"模型（{run.model}）未生成本报告（{reason}），全文由抽取式方法生成。"]
    if run.requests:
        notes.append(cost_note(run))
    return report.model_copy(update={"footer_notes": [*report.footer_notes, *map(finish, notes)]})


def not_due(
    view: WindowView,
    *,
    fallback: SectionWriter,
    interval_s: float,
    next_run: datetime | None,
) -> Report:
    """The fallback's report while the model's interval has not passed, and when it may run."""
    report = fallback.write(view).report
    minutes = num(interval_s / 60)
    at = f"（下次最早于 {next_run.astimezone(view.window.start.tzinfo):%H:%M}）" if next_run else ""
    note = f"模型每个时段至多每 {minutes} 分钟撰写一次{at}，本次更新由抽取式方法生成。"
    return report.model_copy(update={"footer_notes": [*report.footer_notes, finish(note)]})


def cost_note(run: ModelRun) -> str:
    """The footer's last note: the model, its tokens, what it cost, how often it was retried."""
    if run.mode == "cache":
        return f"模型：{run.model}；输入与上次相同，沿用缓存的模型结果，本次未调用模型，费用 $0。"
    cost = (
        "费用未知（价格表中没有该模型）" if run.cost_usd is None else f"费用约 ${run.cost_usd:.4f}"
    )
    retries = f"，重试 {num(run.retries)} 次" if run.retries else ""
    return (
        f"模型：{run.model}，输入 {num(run.input_tokens)} tokens，"
        f"输出 {num(run.output_tokens)} tokens，{cost}{retries}。"
    )


# ---------------------------------------------------------------------------- sections


def _fallback_blocks(
    fallback: SectionWriter, name: str, view: WindowView, leads: set[str]
) -> list[Block]:
    """The fallback's blocks of section ``name``; its insights avoid the core points' leads."""
    if name == "insights":
        return fallback.insights(view, avoid=leads)
    if name == "markets":
        return fallback.markets(view)
    if name == "ai_analysis":
        return fallback.ai_analysis(view)
    return fallback.finance_analysis(view)


def _core_points(
    view: WindowView,
    drafts: Sequence[DraftPoint] | None,
    verifier: Verifier,
    fallback: SectionWriter,
    stories: Mapping[str, str],
) -> tuple[list[CorePoint], int, int]:
    """The model's points that check out, the rest (and any shortfall) the fallback's; and how
    many of them were replaced, of which how many because they repeated a story.

    A point tells the story of its first cited line that belongs to one (``stories``: tweet id to
    story id); a later point on the same story is replaced, as a failed one is.
    """
    extractive = fallback.core_points(view)
    if drafts is None:
        return extractive, 0, 0
    slots: list[CorePoint | None] = []
    told: set[str] = set()
    repeats = 0
    for i, d in enumerate(drafts):
        if not verifier.keep(f"{d.title}。{d.body}", d.cite, where=f"core_points[{i}]"):
            slots.append(None)
            continue
        story_id = next((stories[c] for c in d.cite if c in stories), None)
        if story_id is not None and story_id in told:
            repeats += 1
            slots.append(None)
            continue
        if story_id is not None:
            told.add(story_id)
        slots.append(
            CorePoint(
                title=finish(d.title),
                body=finish(d.body),
                citations=verifier.refs(d.cite),
                story_id=story_id,
            )
        )
    used_leads = {p.citations[0].tweet_id for p in slots if p is not None}
    used_titles = {p.title for p in slots if p is not None}

    def spare_story(p: CorePoint) -> str | None:
        return p.story_id or stories.get(p.citations[0].tweet_id)

    spare = [
        p
        for p in extractive
        if p.citations[0].tweet_id not in used_leads
        and p.title not in used_titles
        and spare_story(p) not in told
    ]
    replaced = 0
    points: list[CorePoint] = []
    for slot in slots:
        if slot is not None:
            points.append(slot)
        elif spare:
            points.append(_spare(spare, told, spare_story))
            replaced += 1
    while len(points) < CORE_POINTS and spare:
        points.append(_spare(spare, told, spare_story))
        replaced += 1
    return points[:CORE_POINTS], replaced, repeats


def _spare(
    spare: list[CorePoint], told: set[str], story_of: Callable[[CorePoint], str | None]
) -> CorePoint:
    """The next spare point, its story then told (so no later spare repeats it)."""
    point = spare.pop(0)
    story_id = story_of(point)
    if story_id is not None:
        told.add(story_id)
        spare[:] = [p for p in spare if story_of(p) != story_id]
    return (
        point
        if point.story_id or story_id is None
        else point.model_copy(update={"story_id": story_id})
    )


def _blocks(drafts: Sequence[DraftBlock], verifier: Verifier, where: str) -> list[Block]:
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
    view: WindowView,
    drafts: Sequence[DraftBlock] | None,
    verifier: Verifier,
    fallback: SectionWriter,
) -> tuple[list[Block], list[str]]:
    """The four fixed sub-sections: the model's where it wrote them, else the fallback's."""
    model = {b.title: b for b in _blocks(drafts or [], verifier, "events")}
    extractive = {b.title: b for b in fallback.events(view)}
    out, from_extractive = [], []
    for title in EVENT_TITLES:
        block = model.get(title)
        if block is None:
            block = extractive.get(title) or Block(title=title, paragraphs=[NO_DATA])
            if block.citations:
                from_extractive.append(title)
        out.append(block)
    if drafts is None or not model:
        from_extractive = list(EVENT_TITLES)
    return out, from_extractive


# ---------------------------------------------------------------------------- footer


def _footer(
    view: WindowView,
    run: ModelRun,
    fallback: SectionWriter,
    *,
    points: int,
    budget: int,
    rejected: int,
    fallback_labels: list[str],
    notes: list[str],
) -> list[str]:
    w = view.window
    built = view.built_at.astimezone(w.start.tzinfo)
    stories = f"（涉及 {num(run.stories_in_prompt)} 个故事）" if run.stories_in_prompt else ""
    out = [
        f"本报告由模型 {run.model} 依据 {num(view.stats.tweets)} 条 Twitter 公开推文的聚合统计"
        f"与其中 {num(run.tweets_in_prompt)} 条代表性推文{stories}撰写，统计时段为 "
        f"{w.start:%Y-%m-%d %H:%M} 至 {w.end:%Y-%m-%d %H:%M}（{w.timezone}），生成于 "
        f"{built:%Y-%m-%d %H:%M}。文中论点均标注所依据的推文，数字与名称经程序核对，"
        "须见于所引推文或统计数据。",
        *fallback.footer_notes(view, core_points=points)[1:],
    ]
    if run.tweets_dropped:
        out.append(
            f"受输入预算（约 {num(budget)} tokens）所限，另有 {num(run.tweets_dropped)} 条"
            + (
                "候选推文未提供给模型（先舍去故事的补充推文与未列入故事的推文，再舍去较弱的故事）。"
                if view.stories
                else "候选推文未提供给模型（按互动量由低到高舍去）。"
            )
        )
    if run.strategy == "map_reduce":
        out.append(
            f"撰写方式：模型先按子话题分组归纳{'各故事' if view.stories else '代表性推文'}，得到 "
            f"{num(run.findings)} 条经核验的要点，再据此汇总撰写。"
        )
    if fallback_labels:
        out.append("以下部分由抽取式方法生成：" + "、".join(fallback_labels) + "。")
    out += notes
    if rejected:
        out.append(
            f"核验：模型撰写的论点中有 {num(rejected)} 条因引用了未提供的推文，"
            "或所述数字、名称无法在所引推文与统计数据中找到，已被剔除。"
        )
    else:
        out.append("核验：模型撰写的论点均通过引用、数字与名称核对。")
    out.append(cost_note(run))
    return [finish(n) for n in out]


__all__ = ["Assembled", "assemble", "cost_note", "not_due", "whole_fallback"]
