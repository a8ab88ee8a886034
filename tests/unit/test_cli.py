"""The CLI's own logic as plain calls: options, preflight, progress, the summary, exit codes."""

from __future__ import annotations

import io
import time
from argparse import Namespace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.cli import (
    EXIT_FAILED,
    EXIT_OK,
    Progress,
    _outcome,
    _parser,
    _preflight,
    _print_summary,
    _unwritable,
)
from services.embedded import RunSummary
from shared.models import (
    ModelUsage,
    PostRendered,
    Report,
    ReportReady,
    Window,
    WindowStats,
)
from shared.settings import OpenAICompatSettings, RenderSettings, ReportSettings, Settings


class Terminal(io.StringIO):
    """A stream that says it is a terminal, as stderr is when a person runs the command."""

    def isatty(self) -> bool:
        return True


def summary(read: int = 0, total: int = 0, done: int = 0) -> RunSummary:
    s = RunSummary(started=time.monotonic() - 10)
    s.ingest.read = s.ingest.published = read
    s.bytes_read, s.bytes_total = done, total
    return s


def test_map_repeats_and_the_comma_form_stays() -> None:
    args = _parser().parse_args(
        ["run", "-i", "t.csv", "--map", "text=body", "--map", "created_at=when,id=tweet_id"]
    )
    from services.cli import _mapping

    assert _mapping(args) == {"text": "body", "created_at": "when", "id": "tweet_id"}


@pytest.mark.parametrize(
    "argv",
    [["-v", "run", "-i", "t.csv"], ["run", "-i", "t.csv", "-v"], ["run", "--verbose", "-i", "x"]],
)
def test_verbose_goes_before_or_after_the_subcommand(argv: list[str]) -> None:
    assert _parser().parse_args(argv).verbose is True
    assert _parser().parse_args(["run", "-i", "t.csv"]).verbose is False


def test_version_prints_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        _parser().parse_args(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith("tweetpulse 0.")


def test_help_documents_the_exit_codes() -> None:
    text = _parser().format_help()
    assert "exit codes:" in text and "130" in text and "--strict" in text


# ---------------------------------------------------------------------------- preflight


def _args(**kw: object) -> Namespace:
    return Namespace(site=kw.get("site"), writer=kw.get("writer"))


def test_a_site_under_a_file_cannot_be_written(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("x")
    assert _unwritable(tmp_path / "a-file" / "site") == f"{tmp_path / 'a-file'} is not a directory"
    assert _unwritable(tmp_path / "new" / "site") is None  # its nearest parent is writable
    assert list(tmp_path.iterdir()) == [tmp_path / "a-file"], "the probe left something behind"


def test_preflight_names_what_the_run_would_fail_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "f").write_text("x")
    bad_site = Settings(render=RenderSettings(site_dir=tmp_path / "f" / "site"))
    assert _preflight(_args(site=tmp_path), bad_site) == (
        f"cannot write the site {tmp_path / 'f' / 'site'} (--site): {tmp_path / 'f'} is not a "
        "directory"
    )
    site = RenderSettings(site_dir=tmp_path / "site")
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "TWEETPULSE_ANTHROPIC__API_KEY"):
        monkeypatch.delenv(name, raising=False)
    claude = Settings(render=site, report=ReportSettings(writer="anthropic"))
    assert _preflight(_args(writer="anthropic"), claude) == (
        "--writer anthropic needs an API key: set TWEETPULSE_ANTHROPIC__API_KEY "
        "(or ANTHROPIC_API_KEY)"
    )
    assert (_preflight(_args(), claude) or "").startswith(
        "TWEETPULSE_REPORT__WRITER=anthropic needs"
    )
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
    assert _preflight(_args(), claude) is None
    own = Settings(render=site, report=ReportSettings(writer="openai"))
    assert "TWEETPULSE_OPENAI__MODEL is not set" in (_preflight(_args(), own) or "")
    served = own.model_copy(update={"openai": OpenAICompatSettings(model="qwen", base_url="")})
    assert "TWEETPULSE_OPENAI__BASE_URL is empty" in (_preflight(_args(), served) or "")


# ---------------------------------------------------------------------------- progress


def test_on_a_terminal_progress_is_a_bar_by_bytes_with_percentage_and_eta() -> None:
    out = Terminal()
    progress = Progress(out, quiet=False, every_s=5)
    assert progress.every_s == 0.2
    progress(summary(read=1200, total=4_000_000, done=1_000_000), False)
    progress(summary(read=4800, total=4_000_000, done=4_000_000), True)
    text = out.getvalue()
    assert "reading:  25%" in text and "100%" in text
    assert "<" in text  # tqdm's elapsed<remaining
    assert "1,200 records, 1,200 tweets, 0 rejected" in text


def test_off_a_terminal_progress_is_plain_periodic_lines() -> None:
    out = io.StringIO()
    progress = Progress(out, quiet=False, every_s=7)
    assert progress.every_s == 7
    progress(summary(read=500, total=2_000_000, done=500_000), False)
    progress(summary(read=2000, total=2_000_000, done=2_000_000), True)
    (line,) = out.getvalue().splitlines()
    assert line.startswith("… 25% of 2.0 MB, ETA 0:30, 500 records, 500 tweets, 0 rejected")
    assert "\r" not in out.getvalue()


def test_quiet_and_live_sources(tmp_path: Path) -> None:
    out = Terminal()
    Progress(out, quiet=True, every_s=1)(summary(read=5, total=100, done=50), False)
    assert out.getvalue() == ""
    plain = io.StringIO()
    Progress(plain, quiet=False, every_s=1)(summary(read=5), False)  # the X API: no size
    assert plain.getvalue().startswith("… 5 records, 5 tweets")


# ---------------------------------------------------------------------------- summary and exit


def _ready(categories: dict[str, int], usage: ModelUsage | None = None) -> ReportReady:
    when = datetime(2026, 1, 2, tzinfo=UTC)
    return ReportReady(
        window=Window(id="2026-01-02", start=when, end=when, timezone="UTC"),
        built_at=when,
        final=True,
        writer="extractive",
        stats=WindowStats(tweets=5, retweets=3, categories=categories),
        report=Report.model_construct(),  # type: ignore[call-arg]  # render never reads it
        model_usage=usage,
    )


def _post() -> PostRendered:
    when = datetime(2026, 1, 2, tzinfo=UTC)
    return PostRendered(
        window_id="2026-01-02", title="t", post_path="_posts/p.md", image_path=None,
        rendered_at=when, report_built_at=when, tweets=5, sha256="0" * 64,
    )  # fmt: skip


def test_the_category_line_counts_tweets_as_the_posts_do() -> None:
    s = summary()
    s.categories.update({"ai": 8, "none": 1})  # messages: each retweet once more
    s.reports = [_ready({"ai": 5, "finance": 1, "crypto": 0, "none": 0})]
    out = io.StringIO()
    _print_summary(s, out)
    assert (
        "categories  ai 5, finance 1, crypto 0, none 0  "
        "(tweets as the posts count them, retweets folded)"
    ) in out.getvalue()


def test_notes_are_listed_with_their_lines() -> None:
    s = summary()
    s.ingest.noted.update({"no username: author unknown": 7})
    s.ingest.noted_lines["no username: author unknown"] = [2, 3, 4, 5, 6]
    out = io.StringIO()
    _print_summary(s, out)
    assert "     7  no username: author unknown (line 2, 3, 4, 5, 6, …)" in out.getvalue()


def test_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    s = summary()
    assert _outcome(s, strict=False) == EXIT_FAILED
    assert "no post written" in capsys.readouterr().err
    s.posts = [_post()]
    s.reports = [_ready({"ai": 1})]
    assert _outcome(s, strict=True) == EXIT_OK
    s.reports = [_ready({"ai": 1}, ModelUsage(model="m", mode="fallback"))]
    assert _outcome(s, strict=False) == EXIT_OK
    assert capsys.readouterr().err == (
        "tweetpulse: warning: the model writer fell back to the extractive writer for "
        "2026-01-02 (--strict makes this an error)\n"
    )
    assert _outcome(s, strict=True) == EXIT_FAILED
    s.reports = [_ready({"ai": 1}, ModelUsage(model="m", mode="model", fallback_sections=["x"]))]
    assert _outcome(s, strict=True) == EXIT_FAILED
