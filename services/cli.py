"""The ``tweetpulse`` command: ``run`` (the embedded pipeline), ``worker``, ``classify`` (tags to
stdout) and ``settings`` (every TWEETPULSE_* variable).

It behaves like a tool to script: problems are one line on stderr (``tweetpulse: error: …``),
``run`` checks what it can before reading anything (the site can be written, the writer has
its key), and the exit code says how it went (:data:`EXIT_CODES`, also in ``--help``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from pydantic import ValidationError
from pydantic_settings import SettingsError

from shared.errors import ConfigError, InputError, PipelineError, RetryableError
from shared.logs import configure
from shared.settings import (
    Settings,
    normalize_date_format,
    settings_error_lines,
    settings_table,
    unknown_setting_message,
    unknown_variables,
)

if TYPE_CHECKING:
    from services.embedded import RunSummary
    from shared.bus import JsonlLog

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

EXIT_CODES = """exit codes:
  0    done: run wrote its posts (a model writer's fallback is only a warning)
  1    failed: no post written, a writer fallback under --strict, or a pipeline error
  2    usage or configuration: a bad option, setting or input file, a --site that cannot be
       written, a writer without its key or model
  130  interrupted (Ctrl-C)"""


def _version() -> str:
    try:
        return version("tweetpulse")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def _add_verbose(parser: argparse.ArgumentParser, *, top: bool) -> None:
    # After the subcommand too; SUPPRESS keeps a subcommand's absent flag from undoing the top's.
    parser.add_argument(
        "--verbose",
        "-v",
        action="store_true",
        default=False if top else argparse.SUPPRESS,
        help="log what each service does",
    )


def _parser() -> argparse.ArgumentParser:
    from services.topology import SERVICES

    parser = argparse.ArgumentParser(
        prog="tweetpulse",
        description="Turn tweets about AI into a daily Chinese report post for a Jekyll blog.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"tweetpulse {_version()}")
    _add_verbose(parser, top=True)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser(
        "run",
        help="run the whole pipeline in this process on tweet files",
        description="Read tweet files, classify, aggregate per window, write each window's "
        "Jekyll post and word cloud. Settings come from TWEETPULSE_* variables "
        "(tweetpulse settings lists them).",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_input(run, required=False)
    _add_source(run)
    run.add_argument("--site", type=Path, help="Jekyll site directory (default: ./site)")
    run.add_argument("--quiet", action="store_true", help="no progress bar or lines")
    run.add_argument(
        "--writer",
        choices=["extractive", "anthropic", "openai"],
        help="who writes the report text (default: TWEETPULSE_REPORT__WRITER, else extractive)",
    )
    run.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 when a model writer fell back to the extractive writer",
    )
    run.add_argument(
        "--notify",
        action="store_true",
        help="push each post's digest to the targets in TWEETPULSE_NOTIFY__* (README: Notify)",
    )
    run.add_argument(
        "--rejected",
        type=Path,
        metavar="FILE",
        help="write every rejected record (a dead letter: reason, line, payload) to FILE as JSON "
        "Lines (default: tweetpulse-rejected-<time>-<pid>.jsonl in the temp directory, made only "
        "when a record is rejected; the summary names it)",
    )
    _add_verbose(run, top=False)

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
    _add_verbose(worker, top=False)

    classify = sub.add_parser(
        "classify",
        help="classify tweets from a file and print one JSON object per tweet",
        description="Print id, categories, subtopics, entities and sentiment for every tweet.",
    )
    _add_input(classify)
    _add_verbose(classify, top=False)

    listing = sub.add_parser(
        "settings",
        help="list every TWEETPULSE_* setting, its default and what it wants",
        description="Every setting is an environment variable; this lists them all.",
    )
    _add_verbose(listing, top=False)
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
        help="tweet file: X API v2 JSON/JSONL (twarc2 pages or flattened), CSV, twscrape JSONL "
        "or an X archive's tweets.js (repeatable)",
    )
    parser.add_argument(
        "--map",
        metavar="FIELD=COLUMN[,…]",
        action="append",
        help="override detected columns, e.g. text=body,created_at=when (repeatable)",
    )
    parser.add_argument(
        "--date-format",
        metavar="ORDER|PATTERN",
        help="how to read dates like 09-06-2018: day-first, month-first, or a strptime pattern "
        "such as '%%d-%%m-%%Y %%H:%%M' (default: each CSV's own dates decide, else month-first)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``tweetpulse`` console script."""
    args = _parser().parse_args(argv)
    if args.command == "settings":
        return _settings(sys.stdout)
    unknown = unknown_variables(os.environ)
    if unknown:
        for name in unknown:
            _error(unknown_setting_message(name))
        return EXIT_USAGE
    try:
        settings = _settings_from(args)
    except (ValidationError, SettingsError) as exc:
        for line in settings_error_lines(exc, os.environ):
            _error(line)
        return EXIT_USAGE
    except ValueError as exc:  # --date-format
        _error(f"--date-format {args.date_format!r}: {exc}")
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
    except (InputError, ConfigError) as exc:
        _error(str(exc))
        return EXIT_USAGE
    except RetryableError as exc:
        # A dependency that stayed away (a full disk, Redis): a failure, not a usage error.
        _error(str(exc))
        return EXIT_FAILED
    except PipelineError as exc:
        _error(str(exc))
        return EXIT_FAILED
    except OSError as exc:  # the site, a cache, a disk that filled up
        where = f" ({exc.filename})" if exc.filename else ""
        _error(f"{exc.strerror or exc}{where}")
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("tweetpulse: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _error(text: str, *, kind: str = "error") -> None:
    print(f"tweetpulse: {kind}: {text}", file=sys.stderr)


def _settings_from(args: argparse.Namespace) -> Settings:
    """The settings from the environment, with this command's options over them."""
    settings = Settings()
    if getattr(args, "site", None) is not None:
        render = settings.render.model_copy(update={"site_dir": args.site})
        settings = settings.model_copy(update={"render": render})
    if getattr(args, "writer", None) is not None:
        report = settings.report.model_copy(update={"writer": args.writer})
        settings = settings.model_copy(update={"report": report})
    if getattr(args, "date_format", None) is not None:
        ingest = settings.ingest.model_copy(
            update={"date_format": normalize_date_format(args.date_format)}
        )
        settings = settings.model_copy(update={"ingest": ingest})
    return settings


def _settings(out: TextIO) -> int:
    for name, default, wants in settings_table():
        print(f"{name}\n    default {default}; wants {wants}", file=out)
    return EXIT_OK


def _mapping(args: argparse.Namespace) -> dict[str, str] | None:
    from services.ingest.fields import parse_mapping

    return parse_mapping(args.map) if args.map else None


# ---------------------------------------------------------------------------- run


def _unwritable(site: Path) -> str | None:
    """Why the site directory cannot be written, or None; nothing is left behind."""
    here = site
    while not here.exists() and here.parent != here:
        here = here.parent
    if not here.is_dir():
        return f"{here} is not a directory"
    try:
        fd, probe = tempfile.mkstemp(prefix=".tweetpulse-probe-", dir=here)
    except OSError as exc:
        return f"{here}: {exc.strerror or exc}"
    os.close(fd)
    os.unlink(probe)
    return None


def _has_anthropic_key(settings: Settings) -> bool:
    key = settings.anthropic.api_key
    if key is not None and key.get_secret_value().strip():
        return True
    # The SDK's own lookup, which the writer falls back to.
    return any(os.environ.get(n, "").strip() for n in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN"))


def _preflight(args: argparse.Namespace, settings: Settings) -> str | None:
    """What would make the run fail or fall back only after reading everything, or None."""
    site = settings.render.site_dir
    why = _unwritable(site)
    if why is not None:
        named = "--site" if args.site is not None else "TWEETPULSE_RENDER__SITE_DIR"
        return f"cannot write the site {site} ({named}): {why}"
    writer = settings.report.writer
    chosen = "--writer " if args.writer is not None else "TWEETPULSE_REPORT__WRITER="
    if writer == "anthropic" and not _has_anthropic_key(settings):
        return (
            f"{chosen}anthropic needs an API key: set TWEETPULSE_ANTHROPIC__API_KEY "
            "(or ANTHROPIC_API_KEY)"
        )
    if writer == "openai":
        if not (settings.openai.base_url or "").strip():
            return f"{chosen}openai: TWEETPULSE_OPENAI__BASE_URL is empty (where is it served?)"
        if not settings.openai.model.strip():
            return f"{chosen}openai: TWEETPULSE_OPENAI__MODEL is not set (the served model's name)"
    return None


class Progress:
    """What ``run`` shows while it reads: a bar by file bytes (percentage, ETA) when stderr is a
    terminal, a plain line every ``every_s`` seconds when it is not, nothing when quiet."""

    def __init__(self, stream: TextIO, *, quiet: bool, every_s: float) -> None:
        self.stream = stream
        self.quiet = quiet
        self.tty = stream.isatty()
        self.every_s = 0.2 if self.tty else every_s
        self._bar: Any = None

    def __call__(self, summary: RunSummary, done: bool) -> None:
        """Show where ``summary`` is; ``done`` closes the bar."""
        if self.quiet:
            return
        ingest = summary.ingest
        counts = (
            f"{ingest.read:,} records, {ingest.published:,} tweets, {ingest.rejected:,} rejected"
        )
        if self.tty and summary.bytes_total:
            self._draw(summary, counts, done)
        elif not done:
            print(f"… {self._where(summary)}{counts} ({summary.rate():,.0f} records/s)",
                  file=self.stream, flush=True)  # fmt: skip

    def _draw(self, summary: RunSummary, counts: str, done: bool) -> None:
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(
                total=summary.bytes_total,
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                desc="reading",
                file=self.stream,
                leave=False,
                dynamic_ncols=True,
            )
        self._bar.n = min(summary.bytes_read, summary.bytes_total)
        self._bar.set_postfix_str(counts, refresh=False)
        self._bar.refresh()
        if done:
            self._bar.close()

    @staticmethod
    def _where(summary: RunSummary) -> str:
        """``37% of 12.0 MB, ETA 0:14, `` from the bytes read so far; "" without a size."""
        total, read = summary.bytes_total, summary.bytes_read
        if not total:
            return ""
        spent = time.monotonic() - summary.started
        share = min(read / total, 1.0)
        text = f"{share:.0%} of {total / 1e6:,.1f} MB"
        if 0 < share < 1:
            left = round(spent * (1 - share) / share)
            text += f", ETA {left // 60}:{left % 60:02d}"
        return text + ", "


def _run(args: argparse.Namespace, settings: Settings) -> int:
    from services.embedded import run_embedded
    from services.ingest.sources import build_source
    from shared.bus import JsonlLog, MemoryBus
    from shared.heap import freeze_built
    from shared.store import MemoryStore

    if args.source == "file" and not args.input:
        _error("run needs --input FILE, or --source for the X API")
        return EXIT_USAGE
    problem = _preflight(args, settings)
    if problem is not None:
        _error(problem)
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
    progress = Progress(sys.stderr, quiet=args.quiet, every_s=settings.ingest.progress_every_s)
    rejected = JsonlLog(args.rejected or _default_rejected())
    try:
        summary = run_embedded(
            source,
            settings,
            progress=progress,
            progress_every_s=progress.every_s,
            store=store,
            bus=MemoryBus(dead_letters=rejected, keep_dead=KEEP_DEAD),
            opt_in=("notify",) if args.notify else (),
            settle=freeze_built,
        )
    finally:
        rejected.close()
    _print_summary(summary, sys.stdout, rejected=rejected)
    sys.stdout.flush()
    return _outcome(summary, strict=args.strict)


KEEP_DEAD = 20
"""Dead letters ``run`` keeps in memory per topic; the rest are counted and in the file."""


def _default_rejected() -> Path:
    """Where ``run`` writes rejected records without ``--rejected``: the temp directory, not
    the site (a Jekyll site publishes what it holds, and these are other people's tweets)."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return Path(tempfile.gettempdir()) / f"tweetpulse-rejected-{stamp}-{os.getpid()}.jsonl"


def _outcome(summary: RunSummary, *, strict: bool) -> int:
    """The exit code of a finished run, with a line on stderr for anything but success."""
    code = EXIT_OK
    if not summary.posts:
        _error("no post written: no tweet fell in any report window")
        code = EXIT_FAILED
    fell = summary.fell_back()
    if fell:
        windows = ", ".join(r.window.id for r in fell)
        text = f"the model writer fell back to the extractive writer for {windows}"
        if strict:
            _error(text)
            code = EXIT_FAILED
        else:
            _error(text + " (--strict makes this an error)", kind="warning")
    return code


def _print_summary(s: RunSummary, out: TextIO, *, rejected: JsonlLog | None = None) -> None:
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
    if rejected is not None and rejected.count:
        print(f"            all {rejected.count:,} dead letters in {rejected.path}", file=out)
    if ingest.noted:
        print("noted       what went in filled in or changed:", file=out)
        for note, count in ingest.noted.most_common():
            lines = ingest.noted_lines.get(note, [])
            more = ", …" if count > len(lines) else ""
            at = f" (line {', '.join(map(str, lines))}{more})" if lines else ""
            print(f"            {count:>6,}  {note}{at}", file=out)
    if s.reports:
        cats, what = s.tweet_categories(), "tweets as the posts count them, retweets folded"
    else:
        cats, what = s.categories, "classified messages, retweets included"
    listed = ", ".join(f"{name} {cats.get(name, 0):,}" for name in ("ai", "finance", "crypto"))
    print(f"categories  {listed}, none {cats.get('none', 0):,}  ({what})", file=out)
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
    if s.notify is not None:
        pushed = [s.notify.line(target) for target in s.notify.targets()] or ["nothing to push"]
        for i, line in enumerate(pushed):
            print(f"{'notify' if i == 0 else '':<12}{line}", file=out)


def _worker(args: argparse.Namespace, settings: Settings) -> int:
    from services.worker import IngestOptions, run_worker

    if args.service == "ingest" and args.source == "file" and not args.input:
        _error("worker ingest needs --input FILE or --source")
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
    from shared.heap import freeze_built
    from shared.models import DeadLetter, TweetIngested
    from shared.store import MemoryStore

    ingest_deps = ingest_bootstrap.build_deps(settings, store=MemoryStore())
    classify_deps = classify_bootstrap.build_deps(settings)
    freeze_built()
    mapping = _mapping(args)
    written = rejected = 0
    out = sys.stdout
    # One line per input row, under the row's own id (summary_json): a retweet arrives as its
    # original, but is printed as itself, naming what it retweets.
    for path in args.input:
        for record in iter_records(path, mapping=mapping, settings=settings.ingest):
            for event in ingest.handle(record, deps=ingest_deps):
                if isinstance(event, DeadLetter):
                    rejected += 1
                    print(f"rejected line {event.line}: {event.reason}", file=sys.stderr)
                elif isinstance(event, TweetIngested):
                    for tagged in classify.handle(event, deps=classify_deps):
                        out.write(json.dumps(summary_json(tagged), ensure_ascii=False) + "\n")
                        written += 1
    out.flush()
    print(f"classified {written:,} tweets, rejected {rejected:,} records", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
