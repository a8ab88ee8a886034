"""Benchmark: how much of the day the model reads per report: tweets, one request vs map/reduce,
and stories, the tweet input vs the story input.

Runs the embedded pipeline (extractive writer, no model) on the real 3,000-tweet CSV and on a
generated day, then plans the model writer's input for the busiest window at several input token
budgets, both ways: ``single`` (one request) and ``map_reduce`` (a request per sub-topic group,
then one over the findings). Prints lines read of the candidates (tweets, or with stories, story
and tweet lines), estimated input tokens of all requests, and the map/reduce to single ratio.

The second table is the story coverage: of the window's reported stories (all of them, not only
the ``report_stories`` a report lists), how many have at least one tweet in the prompt, for the
tweet input (the window's stories left out, as before the story layer), the story input as the
writer builds it (the listed stories, then the tweet fill), and the story input were every story
listed. A tweet's story is found in that last view, built with every member kept (the writer's
view keeps ``MEMBERS_KEPT`` per story), the same for every column; the "every story listed"
column's stories are built the same way, so its lines may quote members a report would not keep. Planning is
deterministic: no repeats needed, and no request is sent.

    python -m bench.bench_model_input [--budgets 40000,80000,160000] [--generated 20000]
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
from pathlib import Path

from bench.gen_tweets import write
from services.embedded import run_embedded
from services.ingest.sources import build_source
from services.summarize import stories as story_layer
from services.summarize.keys import scope_for
from services.summarize.view import WindowView, load_view, view_from_snapshot
from services.summarize.writers.model.prompt import Prompts
from services.summarize.writers.model.writer import main_allowance, map_reduce_input, single_input
from shared.errors import ConfigError
from shared.settings import AnthropicSettings, Settings
from shared.store import MemoryStore

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "data" / "chatgpt-tweets-2023-04-27.csv"


def busiest_views(path: Path) -> tuple[WindowView, WindowView]:
    """The window with the most tweets after an embedded run over ``path``: its view as the
    writer gets it, and the same with every reported story listed."""
    with tempfile.TemporaryDirectory() as site:
        settings = Settings(render={"site_dir": site})
        store = MemoryStore()
        source = build_source("file", settings=settings, store=store, inputs=[path])
        summary = run_embedded(source, settings, store=store)
        views = [load_view(store, p.window_id, settings.report) for p in summary.posts]
        view = max(views, key=lambda v: v.stats.tweets)
        # Every story, each with every member, so that a tweet's story is always known.
        kept, story_layer.MEMBERS_KEPT = story_layer.MEMBERS_KEPT, 1_000_000
        try:
            every = view_from_snapshot(
                store.snapshot(scope_for(view.window.id)),
                view.window,
                built_at=view.built_at,
                cloud_terms=settings.report.cloud_terms,
                report_stories=1_000_000,
            )
        finally:
            story_layer.MEMBERS_KEPT = kept
    return view, every


def busiest_view(path: Path) -> WindowView:
    """The view of the window with the most tweets after an embedded run over ``path``."""
    return busiest_views(path)[0]


def coverage(
    view: WindowView, every: WindowView, budget: int, settings: AnthropicSettings
) -> tuple[str, ...]:
    """Stories with a tweet in the single request: tweet input, story input, all listed."""
    s = settings.model_copy(update={"input_token_budget": budget})
    prompts = Prompts()
    allowance = main_allowance(s, prompts)
    story_of: dict[str, str] = {}
    for story in every.stories:
        for doc in (*story.members, *(d for ds in story.representatives.values() for d in ds)):
            story_of.setdefault(doc.id, story.id)

    def covered(v: WindowView) -> tuple[int, int]:
        plan = single_input(v, prompts, s, allowance)
        return len(plan.items), len({story_of[i] for i in plan.items if i in story_of})

    before = covered(dataclasses.replace(view, stories=[]))
    after = covered(view)
    listed = covered(every)
    total = len(every.stories)
    return (
        f"{budget:,}",
        f"{total:,} ({sum(1 for st in every.stories if st.tweets <= 1):,} of one tweet)",
        f"{before[1]} ({before[0]} lines)",
        f"{after[1]} ({after[0]} lines)",
        f"{listed[1]} ({listed[0]} lines)",
        f"{after[1] / max(1, before[1]):.2f}",
    )


def plan(view: WindowView, budget: int, settings: AnthropicSettings) -> tuple[str, ...]:
    s = settings.model_copy(update={"input_token_budget": budget})
    prompts = Prompts()
    allowance = main_allowance(s, prompts)
    single = single_input(view, prompts, s, allowance)
    try:
        mr = map_reduce_input(view, prompts, s, allowance)
    except ConfigError:
        mr_cells = ("does not fit", "", "")
    else:
        mr_cells = (
            f"{len(mr.items)} in {len(mr.maps)} maps",
            f"{mr.tokens:,}",
            f"{len(mr.items) / max(1, len(single.items)):.2f}",
        )
    return (
        f"{budget:,}",
        f"{len(single.items)}/{single.considered}",
        f"{single.tokens:,}",
        *mr_cells,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--budgets", default="40000,80000,160000")
    parser.add_argument("--generated", type=int, default=20_000)
    args = parser.parse_args()
    budgets = [int(b) for b in args.budgets.split(",")]

    inputs: list[tuple[str, Path]] = []
    if REAL.exists():
        inputs.append(("real 3,000-tweet CSV", REAL))
    with tempfile.TemporaryDirectory() as tmp:
        generated = Path(tmp) / "generated.csv"
        with generated.open("w", newline="", encoding="utf-8") as out:
            write(out, args.generated)
        inputs.append((f"generated {args.generated:,}-tweet day", generated))
        settings = AnthropicSettings()
        print(
            "| input | window tweets | budget | single: lines read | single: tokens |"
            " map/reduce: lines read | map/reduce: tokens | ratio |"
        )
        print("| --- | --- | --- | --- | --- | --- | --- | --- |")
        views = [(name, *busiest_views(path)) for name, path in inputs]
        for name, view, _ in views:
            for budget in budgets:
                row = (name, f"{view.stats.tweets:,}", *plan(view, budget, settings))
                print("| " + " | ".join(row) + " |")
        print()
        print(
            f"| input | budget | reported stories | tweet input: stories covered |"
            f" story input ({settings.story_full} full, {settings.story_chars} chars;"
            " listed + fill): covered | every story listed: covered | story / tweet |"
        )
        print("| --- | --- | --- | --- | --- | --- | --- |")
        for name, view, every in views:
            for budget in budgets:
                print("| " + " | ".join((name, *coverage(view, every, budget, settings))) + " |")


if __name__ == "__main__":
    main()
