"""The ``tweetpulse`` command: ``run`` (the embedded pipeline) and ``classify`` (tags to stdout)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from pydantic import ValidationError

from shared.errors import PipelineError, RetryableError
from shared.logs import configure
from shared.settings import Settings, unknown_variables

if TYPE_CHECKING:
    from services.embedded import RunSummary

EXIT_USAGE = 2
EXIT_FAILED = 1


def _parser() -> argparse.ArgumentParser:
    from services.topology import SERVICES

    parser = argparse.ArgumentParser(
        prog="tweetpulse",
        description="Turn tweets about AI into a daily Chinese report post for a Jekyll blog.",
    )
    parser.add_argument("--verbose", "-v", action="store_true", help="log what each service does")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser(
        "run",
        help="run the whole pipeline in this process on tweet files",
        description="Read tweet files, classify, aggregate per window, write each window's "
        "Jekyll post and word cloud. Settings come from TWEETPULSE_* variables.",
    )
    _add_input(run, required=False)
    _add_source(run)
    run.add_argument("--site", type=Path, help="Jekyll site directory (default: ./site)")
    run.add_argument("--quiet", action="store_true", help="no progress lines")
    run.add_argument(
        "--writer",
        choices=["extractive", "anthropic", "openai"],
        help="who writes the report text (default: TWEETPULSE_REPORT__WRITER, else extractive)",
    )

    worker = sub.add_parser(
        "worker",
        help="run one service as a distributed worker on Kafka and Redis",
        description="Run one service's handler against Kafka and Redis until SIGTERM; ingest "
        "reads its source and exits when a file source ends. /healthz and /metrics on "
        "TWEETPULSE_WORKER__HEALTH_PORT.",
    )
    worker.add_argument("service", choices=[service.name for service in SERVICES])
    _add_input(worker, required=False)
    _add_source(worker)

    classify = sub.add_parser(
        "classify",
        help="classify tweets from a file and print one JSON object per tweet",
        description="Print id, categories, subtopics, entities and sentiment for every tweet.",
    )
    _add_input(classify)
    return parser


def _add_source(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--source",
        choices=["file", "recent-search", "filtered-stream"],
        default="file",
        help="where tweets come from: the --input files (default), or the X API",
    )
    parser.add_argument(
        "--replay-speed",
        type=float,
        metavar="N",
        help="replay files in event-time order at N times real speed",
    )
    parser.add_argument(
        "--rate", type=float, metavar="R", help="replay files at R tweets per second"
    )


def _add_input(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    parser.add_argument(
        "--input",
        "-i",
        type=Path,
        action="append",
        required=required,
        default=None if required else [],
        help="tweet file: X API v2 JSON/JSONL, CSV or JSONL export (repeatable)",
    )
    parser.add_argument(
        "--map",
        metavar="FIELD=COLUMN[,…]",
        help="override detected columns, e.g. text=body,created_at=when,id=tweet_id",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``tweetpulse`` console script."""
    args = _parser().parse_args(argv)
    unknown = unknown_variables(os.environ)
    if unknown:
        print(
            f"tweetpulse: error: unknown setting {', '.join(unknown)} "
            "(see shared/settings.py for the names)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        settings = Settings()
        if getattr(args, "site", None) is not None:
            render = settings.render.model_copy(update={"site_dir": args.site})
            settings = settings.model_copy(update={"render": render})
        if getattr(args, "writer", None) is not None:
            report = settings.report.model_copy(update={"writer": args.writer})
            settings = settings.model_copy(update={"report": report})
    except ValidationError as exc:
        print(f"tweetpulse: error: bad TWEETPULSE_* setting:\n{exc}", file=sys.stderr)
        return EXIT_USAGE
    # A one-shot command keeps the terminal for its progress and summary unless asked for more.
    chatty = args.verbose or "TWEETPULSE_LOG_LEVEL" in os.environ
    configure(settings.log_level if chatty else "WARNING", json_lines=settings.log_json)
    try:
        if args.command == "run":
            return _run(args, settings)
        if args.command == "worker":
            return _worker(args, settings)
        return _classify(args, settings)
    except RetryableError as exc:
        # A dependency that stayed away (a full disk, Redis): a failure, not a usage error.
        print(f"tweetpulse: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except PipelineError as exc:
        print(f"tweetpulse: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("tweetpulse: interrupted", file=sys.stderr)
        return 130


def _mapping(args: argparse.Namespace) -> dict[str, str] | None:
    from services.ingest.fields import parse_mapping

    return parse_mapping(args.map) if args.map else None


def _run(args: argparse.Namespace, settings: Settings) -> int:
    from services.embedded import run_embedded

    def progress(summary: RunSummary, done: bool) -> None:
        if done or args.quiet:
            return
        ingest = summary.ingest
        print(
            f"… {ingest.read:,} records read, {ingest.published:,} tweets, "
            f"{ingest.rejected:,} rejected ({summary.rate():,.0f} records/s)",
            file=sys.stderr,
            flush=True,
        )

    from services.ingest.sources import build_source
    from shared.store import MemoryStore

    if args.source == "file" and not args.input:
        print(
            "tweetpulse: error: run needs --input FILE, or --source for the X API", file=sys.stderr
        )
        return EXIT_USAGE
    store = MemoryStore()
    source = build_source(
        args.source,
        settings=settings,
        store=store,
        inputs=args.input,
        mapping=_mapping(args),
        replay_speed=args.replay_speed,
        rate=args.rate,
    )
    summary = run_embedded(source, settings, progress=progress, store=store)
    _print_summary(summary, sys.stdout)
    return 0


def _print_summary(s: RunSummary, out: TextIO) -> None:
    ingest = s.ingest
    print(f"read        {ingest.read:,} records in {s.elapsed_s:.1f} s", file=out)
    print(
        f"tweets      {ingest.published:,} published "
        f"({ingest.retweets_folded:,} of them seen through retweets), "
        f"{ingest.duplicates:,} duplicates dropped",
        file=out,
    )
    print(f"rejected    {ingest.rejected:,}", file=out)
    for reason, count in ingest.rejected_by_reason.most_common():
        print(f"            {count:>6,}  {reason}", file=out)
    for letter in ingest.examples:
        where = f"{letter.source_topic} line {letter.line}" if letter.line else letter.source_topic
        print(f"            e.g. {where}: {letter.reason[:120]}", file=out)
    cats = ", ".join(
        f"{name} {s.categories.get(name, 0):,}" for name in ("ai", "finance", "crypto")
    )
    print(f"categories  {cats}, none {s.categories.get('none', 0):,}", file=out)
    for ready in s.reports:
        usage = ready.model_usage
        if usage is None:
            continue
        cost = "unpriced" if usage.cost_usd is None else f"${usage.cost_usd:.4f}"
        print(
            f"model       {ready.window.id}: {usage.mode}, {usage.model}, "
            f"{usage.input_tokens:,} in / {usage.output_tokens:,} out tokens, {cost}, "
            f"{usage.rejected_claims} claims rejected"
            + (
                f", extractive: {', '.join(usage.fallback_sections)}"
                if usage.fallback_sections
                else ""
            ),
            file=out,
        )
    print(f"posts       {len(s.posts)} written", file=out)
    for post in s.posts:
        print(f"            {s.site / post.post_path}  ({post.tweets:,} tweets)", file=out)
        if post.image_path:
            print(f"            {s.site / post.image_path}", file=out)
    if not s.posts:
        print("            none: no tweet fell in any report window", file=out)


def _worker(args: argparse.Namespace, settings: Settings) -> int:
    from services.worker import IngestOptions, run_worker

    if args.service == "ingest" and args.source == "file" and not args.input:
        print("tweetpulse: error: worker ingest needs --input FILE or --source", file=sys.stderr)
        return EXIT_USAGE
    options = IngestOptions(
        inputs=list(args.input),
        mapping=_mapping(args),
        source=args.source,
        replay_speed=args.replay_speed,
        rate=args.rate,
    )
    return run_worker(args.service, settings, ingest=options)


def _classify(args: argparse.Namespace, settings: Settings) -> int:
    from services.classify import bootstrap as classify_bootstrap
    from services.classify import handler as classify
    from services.classify.output import summary_json
    from services.ingest import bootstrap as ingest_bootstrap
    from services.ingest import handler as ingest
    from services.ingest.readers import iter_records
    from shared.models import DeadLetter, TweetIngested
    from shared.store import MemoryStore

    ingest_deps = ingest_bootstrap.build_deps(settings, store=MemoryStore())
    classify_deps = classify_bootstrap.build_deps(settings)
    mapping = _mapping(args)
    written = rejected = 0
    printed: set[str] = set()  # a retweet arrives as its original: print each tweet once
    out = sys.stdout
    for path in args.input:
        for record in iter_records(path, mapping=mapping, settings=settings.ingest):
            for event in ingest.handle(record, deps=ingest_deps):
                if isinstance(event, DeadLetter):
                    rejected += 1
                    print(f"rejected line {event.line}: {event.reason}", file=sys.stderr)
                elif isinstance(event, TweetIngested) and event.tweet_id not in printed:
                    printed.add(event.tweet_id)
                    for tagged in classify.handle(event, deps=classify_deps):
                        out.write(json.dumps(summary_json(tagged), ensure_ascii=False) + "\n")
                        written += 1
    out.flush()
    print(f"classified {written:,} tweets, rejected {rejected:,} records", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
