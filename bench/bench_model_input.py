"""Benchmark: how many tweets the model reads per report, one request vs map/reduce.

Runs the embedded pipeline (extractive writer, no model) on the real 3,000-tweet CSV and on a
generated day, then plans the model writer's input for the busiest window at several input token
budgets, both ways: ``single`` (one request) and ``map_reduce`` (a request per sub-topic group,
then one over the findings). Prints tweets read of the candidates, estimated input tokens of all
requests, and the map/reduce to single ratio. Planning is deterministic: no repeats needed, and
no request is sent.

    python -m bench.bench_model_input [--budgets 40000,80000,160000] [--generated 20000]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from bench.gen_tweets import write
from services.embedded import run_embedded
from services.ingest.sources import build_source
from services.summarize.view import WindowView, load_view
from services.summarize.writers.model.prompt import Prompts
from services.summarize.writers.model.writer import main_allowance, map_reduce_input, single_input
from shared.errors import ConfigError
from shared.settings import AnthropicSettings, Settings
from shared.store import MemoryStore

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "data" / "chatgpt-tweets-2023-04-27.csv"


def busiest_view(path: Path) -> WindowView:
    """The view of the window with the most tweets after an embedded run over ``path``."""
    with tempfile.TemporaryDirectory() as site:
        settings = Settings(render={"site_dir": site})
        store = MemoryStore()
        source = build_source("file", settings=settings, store=store, inputs=[path])
        summary = run_embedded(source, settings, store=store)
        views = [load_view(store, p.window_id, settings.report) for p in summary.posts]
    return max(views, key=lambda v: v.stats.tweets)


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
            "| input | window tweets | budget | single: tweets read | single: tokens |"
            " map/reduce: tweets read | map/reduce: tokens | ratio |"
        )
        print("| --- | --- | --- | --- | --- | --- | --- | --- |")
        for name, path in inputs:
            view = busiest_view(path)
            for budget in budgets:
                row = (name, f"{view.stats.tweets:,}", *plan(view, budget, settings))
                print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
