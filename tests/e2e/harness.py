"""Runs the distributed pipeline for real: every worker its own process on Kafka and Redis.

``make e2e`` calls :func:`main`: it replays the sample through the ingest, classify, summarize and
render workers and Celery's worker and beat, waits for the post, prints the counts and the post's
path, and exits 0 only when the counts equal the embedded run's on the same input. The fault tests
in ``tests/integration/test_distributed.py`` drive the same :class:`Cluster`.

Each run gets its own topic prefix, consumer groups, Redis key prefix, Celery queue and site, so
runs never see each other's data on a shared broker.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from shared.models import ReportReady, WindowStats

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "tweets-2026-01-02.csv"
WORKERS = ("classify", "summarize", "render")


@dataclass
class Cluster:
    """The processes of one distributed run and the settings they share."""

    root: Path
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    logs: dict[str, IO[bytes]] = field(default_factory=dict)
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def site(self) -> Path:
        """Where render writes."""
        return self.root / "site"

    @property
    def env(self) -> dict[str, str]:
        """The environment every process of this run gets."""
        prefix = f"e2e{self.run_id}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("TWEETPULSE_")}
        env.update(
            {
                "TWEETPULSE_MODE": "distributed",
                "TWEETPULSE_LOG_LEVEL": "INFO",
                "TWEETPULSE_KAFKA__TOPIC_PREFIX": f"{prefix}.",
                "TWEETPULSE_KAFKA__GROUP_PREFIX": prefix,
                "TWEETPULSE_KAFKA__PARTITIONS": "4",
                "TWEETPULSE_REDIS__PREFIX": prefix,
                "TWEETPULSE_REDIS__CELERY_QUEUE": f"{prefix}.summarize",
                "TWEETPULSE_RENDER__SITE_DIR": str(self.site),
                "TWEETPULSE_WORKER__HEALTH_PORT": "0",
                "TWEETPULSE_REPORT__REFRESH_DEBOUNCE_S": "2",
                "TWEETPULSE_REPORT__REFRESH_TICK_S": "1",
                "PYTHONUNBUFFERED": "1",
            }
        )
        for name in ("TWEETPULSE_KAFKA__BOOTSTRAP_SERVERS", "TWEETPULSE_REDIS__URL"):
            if name in os.environ:
                env[name] = os.environ[name]
        env.update(self.extra_env)
        return env

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        """Start one process; ``name`` is its key (``classify``, ``classify-2``, ``beat``…)."""
        service = name.split("-")[0]
        if service == "celery":
            cmd = [
                sys.executable, "-m", "celery", "-A", "services.summarize.tasks", "worker",
                "-Q", self.env["TWEETPULSE_REDIS__CELERY_QUEUE"], "--pool", "solo",
                "--loglevel", "INFO", "--without-heartbeat", "--without-mingle", "--without-gossip",
            ]  # fmt: skip
        elif service == "beat":
            cmd = [
                sys.executable, "-m", "celery", "-A", "services.summarize.tasks", "beat",
                "--loglevel", "INFO", "-s", str(self.root / f"beat-{self.run_id}"),
            ]  # fmt: skip
        else:
            cmd = [sys.executable, "-m", "services.cli", "worker", service, *args]
        log = self.logs.get(name) or open(self.root / f"{name}.log", "ab")  # noqa: SIM115
        self.logs[name] = log
        proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.procs[name] = proc
        return proc

    def start_all(self) -> None:
        """Classify, summarize and render workers, Celery's worker and beat."""
        for name in (*WORKERS, "celery", "beat"):
            self.start(name)

    def ingest(self, path: Path, *args: str, wait: bool = True) -> subprocess.Popen[bytes]:
        """Run the ingest worker over ``path`` (waits for it unless ``wait`` is False)."""
        proc = self.start("ingest", "--input", str(path), *args)
        if wait and proc.wait(timeout=600) != 0:
            raise RuntimeError(f"ingest failed:\n{self.log('ingest')}")
        return proc

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Send ``sig`` to one process and wait for it."""
        proc = self.procs[name]
        proc.send_signal(sig)
        proc.wait(timeout=60)

    def log(self, name: str) -> str:
        """What one process printed so far."""
        path = self.root / f"{name}.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def stop_all(self) -> None:
        """SIGTERM everything, then SIGKILL what has not exited after 30 s."""
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 30
        for proc in self.procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for log in self.logs.values():
            log.close()

    def reports(self) -> list[ReportReady]:
        """Every ReportReady published on this run's ``reports.ready``, oldest first."""
        from shared.kafka_bus import KafkaBus
        from shared.settings import KafkaSettings

        settings = KafkaSettings(
            bootstrap_servers=self.env.get("TWEETPULSE_KAFKA__BOOTSTRAP_SERVERS", "127.0.0.1:9092")
        )
        bus = KafkaBus(settings, topic_prefix=self.env["TWEETPULSE_KAFKA__TOPIC_PREFIX"])
        try:
            records = bus.read_topic(ReportReady.TOPIC, timeout_s=5)
        finally:
            bus.close()
        return [ReportReady.model_validate_json(r.value) for r in records if r.value]

    def wait_for_stats(
        self, expected: WindowStats, *, timeout_s: float = 180
    ) -> ReportReady | None:
        """The first report whose stats equal ``expected`` and whose post is on disk, or None."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for report in reversed(self.reports()):
                if report.stats == expected and self._post_shows(report):
                    return report
            for name, proc in self.procs.items():
                if name != "ingest" and proc.poll() is not None:
                    raise RuntimeError(f"{name} exited with {proc.returncode}:\n{self.log(name)}")
            time.sleep(1)
        return None

    def _post_shows(self, report: ReportReady) -> bool:
        posts = list((self.site / "_posts").glob(f"{report.window.id}-*.md"))
        return bool(posts) and report.built_at.isoformat() in posts[0].read_text(encoding="utf-8")


def embedded_stats(path: Path) -> WindowStats:
    """The window stats the embedded mode gets from ``path`` (one window expected)."""
    from services.embedded import run_embedded
    from services.ingest.sources import build_source
    from shared.settings import RenderSettings, Settings
    from shared.store import MemoryStore

    with tempfile.TemporaryDirectory() as site:
        settings = Settings(render=RenderSettings(site_dir=Path(site)))
        store = MemoryStore()
        source = build_source("file", settings=settings, store=store, inputs=[path])
        summary = run_embedded(source, settings, store=store)
    if len(summary.reports) != 1:
        raise RuntimeError(f"expected one window, got {len(summary.reports)}")
    return summary.reports[0].stats


@contextmanager
def cluster(root: Path | None = None) -> Iterator[Cluster]:
    """A Cluster in a temporary directory, stopped however the block ends."""
    with tempfile.TemporaryDirectory(prefix="tweetpulse-e2e-") as tmp:
        c = Cluster(root=root or Path(tmp))
        c.root.mkdir(parents=True, exist_ok=True)
        try:
            yield c
        finally:
            c.stop_all()


def main() -> int:
    """Replay the sample through the distributed workers and compare with the embedded run."""
    expected = embedded_stats(SAMPLE)
    print(f"embedded run: {expected.tweets} tweets, {expected.retweets} retweets")
    keep = ROOT / "out" / "e2e"
    keep.mkdir(parents=True, exist_ok=True)
    with cluster(keep) as c:
        started = time.monotonic()
        c.start_all()
        c.ingest(SAMPLE, "--rate", "200")
        report = c.wait_for_stats(expected)
        elapsed = time.monotonic() - started
        if report is None:
            got = [r.stats for r in c.reports()[-1:]]
            print(f"FAILED: no report matched the embedded run within the time; last: {got}")
            print(f"logs in {keep}")
            return 1
        stats = report.stats
        post = next((c.site / "_posts").glob("*.md"))
        print(f"distributed run: {stats.tweets} tweets, {stats.retweets} retweets, "
              f"categories {stats.categories}")  # fmt: skip
        print(f"matches the embedded run; post after {elapsed:.1f} s: {post}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
