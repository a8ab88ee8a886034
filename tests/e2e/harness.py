"""Runs the distributed pipeline for real: every worker its own process on Kafka and Redis.

``make e2e`` calls :func:`main`: it replays the sample through the ingest, classify, summarize and
render workers and Celery's worker and beat, waits for the post, prints the counts and the post's
path, and exits 0 only when the counts (and the stories' ids and sizes) equal the embedded run's
on the same input; then once more with ingest killed (kill -9) three times mid-stream and
restarted (:meth:`Cluster.ingest_with_kills`), which must end equal too. The fault tests
in ``tests/integration/test_distributed.py`` and the benchmark ``bench/bench_distributed.py``
drive the same :class:`Cluster`, and look inside it through the broker (records, end offsets,
committed offsets, group members) and each worker's ``/metrics``.

Each run gets its own topic prefix, consumer groups, Redis key prefix, Celery queue and site, so
runs never see each other's data on a shared broker; :func:`cluster` deletes them afterwards.

For the fault tests that take a service away, :class:`PrivateRedis` runs a redis-server of the
test's own on a free port (optionally TLS-only, with a password), so the shared one is never
stopped; :func:`free_port` and :func:`make_certificates` (a CA and a server certificate for
127.0.0.1, by openssl) serve the TLS tests.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from shared.models import ReportReady, TweetIngested, WindowStats

if TYPE_CHECKING:
    from shared.kafka_bus import KafkaBus, TopicRecord
    from shared.settings import KafkaSettings, RedisSettings

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "tweets-2026-01-02.csv"
WORKERS = ("classify", "summarize", "render")
KAFKA_SERVICES = ("ingest", "classify", "summarize", "render")
_PORT_LINE = re.compile(r"(\w+) worker: /healthz and /metrics on port (\d+)")
_TWEET_COUNT = re.compile(r"本期统计推文 ([\d,]+) 条")


@dataclass
class Cluster:
    """The processes of one distributed run and the settings they share."""

    root: Path
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    logs: dict[str, IO[bytes]] = field(default_factory=dict)
    extra_env: dict[str, str] = field(default_factory=dict)
    process_env: dict[str, dict[str, str]] = field(default_factory=dict)
    """Settings of one service's processes only, by service (``{"ingest": {...}}``)."""
    log_marks: dict[str, int] = field(default_factory=dict)
    """Where each process's latest incarnation starts in its (appended) log."""
    read_error: str | None = None
    """Why the last read of reports.ready failed, if it did (for failure messages)."""
    _bus: KafkaBus | None = None
    _admin: Any = None

    # ------------------------------------------------------------------ settings

    @property
    def site(self) -> Path:
        """Where render writes."""
        return self.root / "site"

    @property
    def prefix(self) -> str:
        """This run's name on the shared services: topic, group, Redis and queue prefix."""
        return f"e2e{self.run_id}"

    @property
    def bootstrap(self) -> str:
        """The broker this run talks to."""
        name = "TWEETPULSE_KAFKA__BOOTSTRAP_SERVERS"
        return self.extra_env.get(name) or os.environ.get(name) or "127.0.0.1:9092"

    @property
    def redis_url(self) -> str:
        """The Redis this run uses."""
        name = "TWEETPULSE_REDIS__URL"
        return self.extra_env.get(name) or os.environ.get(name) or "redis://127.0.0.1:6379/0"

    @property
    def env(self) -> dict[str, str]:
        """The environment every process of this run gets."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("TWEETPULSE_")}
        env.update(
            {
                "TWEETPULSE_MODE": "distributed",
                "TWEETPULSE_LOG_LEVEL": "INFO",
                "TWEETPULSE_KAFKA__TOPIC_PREFIX": f"{self.prefix}.",
                "TWEETPULSE_KAFKA__GROUP_PREFIX": self.prefix,
                "TWEETPULSE_KAFKA__PARTITIONS": "4",
                "TWEETPULSE_REDIS__PREFIX": self.prefix,
                "TWEETPULSE_REDIS__CELERY_QUEUE": f"{self.prefix}.summarize",
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

    def env_of(self, name: str) -> dict[str, str]:
        """The environment of process ``name`` (``classify-2`` is a ``classify``)."""
        return {**self.env, **self.process_env.get(name.split("-")[0], {})}

    def kafka_settings(self) -> KafkaSettings:
        """The broker settings the processes get (address, TLS, SASL), for the harness's clients."""
        from shared.settings import KafkaSettings

        return KafkaSettings(**_section(self.env, "KAFKA"))

    def redis_settings(self, name: str = "summarize") -> RedisSettings:
        """The Redis settings process ``name`` gets."""
        from shared.settings import RedisSettings

        return RedisSettings(**_section(self.env_of(name), "REDIS"))

    def group(self, service: str) -> str:
        """The consumer group id of ``service`` (``classify``, ``summarize``, ``render``)."""
        return f"{self.prefix}.{service}"

    def physical(self, topic: str) -> str:
        """The broker's name for this run's ``topic``."""
        return f"{self.prefix}.{topic}"

    # ------------------------------------------------------------------ processes

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        """Start one process; ``name`` is its key (``classify``, ``classify-2``, ``beat``…)."""
        service = name.split("-")[0]
        if service == "celery":
            cmd = [
                sys.executable, "-m", "celery", "-A", "services.summarize.tasks", "worker",
                "-Q", self.env["TWEETPULSE_REDIS__CELERY_QUEUE"], "--pool", "solo",
                "--loglevel", "INFO", "--without-heartbeat", "--without-mingle", "--without-gossip",
                *args,  # e.g. "--pool", "prefork": the last --pool given wins
            ]  # fmt: skip
        elif service == "beat":
            cmd = [
                sys.executable, "-m", "celery", "-A", "services.summarize.tasks", "beat",
                "--loglevel", "INFO", "-s", str(self.root / f"beat-{self.run_id}"),
            ]  # fmt: skip
        else:
            cmd = [sys.executable, "-m", "services.cli", "worker", service, *args]
        path = self.root / f"{name}.log"
        log = self.logs.get(name)
        if log is None or log.closed:
            log = open(path, "ab")  # noqa: SIM115 - closed by stop_all
            self.logs[name] = log
        self.log_marks[name] = path.stat().st_size
        env = self.env_of(name)
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
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

    def log(self, name: str, *, latest: bool = False) -> str:
        """What one process printed so far (``latest``: only its current incarnation)."""
        path = self.root / f"{name}.log"
        if not path.exists():
            return ""
        with path.open("rb") as f:
            if latest:
                f.seek(self.log_marks.get(name, 0))
            return f.read().decode("utf-8", errors="replace")

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

    def check_alive(self, *, but: tuple[str, ...] = ("ingest",)) -> None:
        """Raise with its log if a process (other than those in ``but``) has exited."""
        for name, proc in self.procs.items():
            if name not in but and proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}:\n{self.log(name)}")

    # ------------------------------------------------------------------ workers' telemetry

    def port(self, name: str, *, timeout_s: float = 60) -> int:
        """The /healthz and /metrics port of a worker's current incarnation (Celery's too)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = _PORT_LINE.search(self.log(name, latest=True))
            if found:
                return int(found.group(2))
            if self.procs[name].poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError(f"{name} never said which port it serves:\n{self.log(name)}")

    def http_get(self, name: str, path: str) -> tuple[int, str]:
        """GET ``path`` from a worker's telemetry port: status and body."""
        import httpx

        response = httpx.get(f"http://127.0.0.1:{self.port(name)}{path}", timeout=5)
        return response.status_code, response.text

    def ready(self, name: str) -> bool:
        """Whether the worker's /healthz answers 200 (ready), rather than 503."""
        return self.http_get(name, "/healthz")[0] == 200

    def metrics(self, name: str) -> dict[tuple[str, str], float]:
        """A worker's Prometheus samples, by (sample name, service label)."""
        from prometheus_client.parser import text_string_to_metric_families

        status, body = self.http_get(name, "/metrics")
        if status != 200:
            raise RuntimeError(f"{name} /metrics answered {status}")
        return {
            (sample.name, sample.labels.get("service", "")): sample.value
            for family in text_string_to_metric_families(body)
            for sample in family.samples
        }

    def processed(self, name: str) -> float:
        """``tweetpulse_messages_processed`` of a worker (0 before its first message)."""
        service = name.split("-")[0]
        return self.metrics(name).get(("tweetpulse_messages_processed_total", service), 0.0)

    # ------------------------------------------------------------------ the broker's view

    def bus(self) -> KafkaBus:
        """A KafkaBus on this run's topics (reading, poison messages), closed by ``cleanup``."""
        if self._bus is None:
            from shared.kafka_bus import KafkaBus

            self._bus = KafkaBus(
                self.kafka_settings().model_copy(update={"partitions": 4}),
                topic_prefix=f"{self.prefix}.",
                group_prefix=self.prefix,
            )
        return self._bus

    def admin(self) -> Any:
        """A kafka-python admin client (offsets, groups), closed by ``cleanup``."""
        if self._admin is None:
            from kafka import KafkaAdminClient

            from shared.kafka_bus import client_options

            self._admin = KafkaAdminClient(
                **client_options(self.kafka_settings()), client_id=f"{self.prefix}-harness"
            )
        return self._admin

    def read(self, topic: str, *, timeout_s: float = 30) -> list[TopicRecord]:
        """Every record on this run's ``topic``, by partition and offset."""
        return self.bus().read_topic(topic, timeout_s=timeout_s)

    def end_offsets(self, topic: str) -> dict[int, int]:
        """The end offset of each partition of this run's ``topic``."""
        from kafka import KafkaConsumer, TopicPartition

        from shared.kafka_bus import client_options

        physical = self.physical(topic)
        consumer = KafkaConsumer(**client_options(self.kafka_settings()), group_id=None)
        try:
            parts = consumer.partitions_for_topic(physical) or set()
            tps = [TopicPartition(physical, p) for p in sorted(parts)]
            return {tp.partition: off for tp, off in consumer.end_offsets(tps).items()}
        finally:
            consumer.close()

    def committed(self, service: str, topic: str) -> dict[int, int]:
        """The offsets ``service``'s group has committed on ``topic``, by partition."""
        physical = self.physical(topic)
        offsets = self.admin().list_group_offsets(self.group(service)).get(self.group(service), {})
        return {
            tp.partition: meta.offset
            for tp, meta in offsets.items()
            if tp.topic == physical and meta.offset >= 0
        }

    def lag(self, service: str, topic: str) -> int:
        """Records on ``topic`` that ``service``'s group has not committed yet."""
        done = self.committed(service, topic)
        return sum(end - done.get(p, 0) for p, end in self.end_offsets(topic).items())

    def members(self, service: str) -> dict[str, set[int]]:
        """Each live member of ``service``'s group and the partitions assigned to it."""
        group = self.group(service)
        described = self.admin().describe_groups([group]).get(group) or {}
        if described.get("group_state") != "Stable":
            return {}
        out: dict[str, set[int]] = {}
        for member in described.get("members") or []:
            assignment = member.get("member_assignment") or {}
            out[member["member_id"]] = {
                p
                for entry in assignment.get("assigned_partitions") or []
                for p in entry["partitions"]
            }
        return out

    # ------------------------------------------------------------------ reports and posts

    def reports(self) -> list[ReportReady]:
        """Every ReportReady published on this run's ``reports.ready``, oldest first."""
        records = self.read(ReportReady.TOPIC, timeout_s=5)
        return [ReportReady.model_validate_json(r.value) for r in records if r.value]

    def wait_for_stats(
        self,
        expected: WindowStats,
        *,
        timeout_s: float = 180,
        stories: list[StorySize] | None = None,
    ) -> ReportReady | None:
        """The first report whose stats equal ``expected`` and whose post is on disk, or None.

        With ``stories`` (:func:`story_sizes` of the embedded report), its stories' ids and sizes
        must equal them too.
        """
        from shared.errors import BrokerUnavailable

        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                reports = self.reports()
            except BrokerUnavailable as exc:
                self.read_error = f"{type(exc).__name__}: {exc}"
                reports = []  # the broker is restarting; ask again
            for report in reversed(reports):
                if (
                    report.stats == expected
                    and (stories is None or story_sizes(report) == stories)
                    and self._post_shows(report)
                ):
                    return report
            self.check_alive()
            time.sleep(1)
        return None

    def published_ids(self) -> list[str]:
        """The record id of every tweet on this run's ``tweets.raw`` (a retweet's own id), in
        partition and offset order, repeats included."""
        return [
            record_id(TweetIngested.model_validate_json(r.value))
            for r in self.read(TweetIngested.TOPIC, timeout_s=60)
            if r.value
        ]

    def _checkpoints(self) -> dict[str, str]:
        """This run's ingest file checkpoints in Redis: key -> records published."""
        from shared.redis_store import redis_client

        client = redis_client(self.redis_settings("ingest"), socket_timeout=2)
        try:
            keys = sorted(client.scan_iter(match=f"*{self.prefix}*checkpoint*", count=1000))
            return {str(k): str(client.get(k)) for k in keys}
        finally:
            client.close()

    def ingest_with_kills(
        self, path: Path, *args: str, kills: int, every: int, timeout_s: float = 300
    ) -> list[Kill]:
        """Run the ingest worker over ``path`` and kill -9 it ``kills`` times, each time once it
        has put ``every`` more records on tweets.raw, restarting it with the same arguments; the
        last one runs to the end (exit 0 is required). Returns what each kill found."""
        done: list[Kill] = []
        deadline = time.monotonic() + timeout_s
        mark = 0
        saved = self._checkpoints()
        proc = self.ingest(path, *args, wait=False)
        while len(done) < kills:
            started = time.monotonic()
            # Kill once it has put ``every`` more records out and moved its checkpoint (it
            # settles once a second): on a loaded machine it could otherwise publish them all
            # between two settles, and every restart would rightly read from line 1.
            while (
                on_topic := total(self.end_offsets(TweetIngested.TOPIC))
            ) < mark + every or self._checkpoints() == saved:
                if proc.poll() is not None:
                    raise RuntimeError(
                        f"ingest ended (rc={proc.returncode}) before kill {len(done) + 1}:\n"
                        f"{self.log('ingest', latest=True)[-4000:]}"
                    )
                if time.monotonic() > deadline:
                    raise TimeoutError(f"ingest stuck at {on_topic} records on tweets.raw")
                time.sleep(0.05)
            self.kill("ingest", signal.SIGKILL)
            resumed = _RESUMED.search(self.log("ingest", latest=True))
            done.append(
                Kill(
                    on_topic=on_topic,
                    after_s=time.monotonic() - started,
                    resumed_after=int(resumed.group(1)) if resumed else 0,
                )
            )
            mark = on_topic
            saved = self._checkpoints()
            proc = self.ingest(path, *args, wait=False)
        if proc.wait(timeout=max(1.0, deadline - time.monotonic())) != 0:
            raise RuntimeError(f"ingest failed:\n{self.log('ingest', latest=True)[-4000:]}")
        last = _RESUMED.search(self.log("ingest", latest=True))
        done.append(
            Kill(
                on_topic=total(self.end_offsets(TweetIngested.TOPIC)),
                after_s=0.0,
                resumed_after=int(last.group(1)) if last else 0,
            )
        )
        return done

    def _post_shows(self, report: ReportReady) -> bool:
        posts = list((self.site / "_posts").glob(f"{report.window.id}-*.md"))
        return bool(posts) and report.built_at.isoformat() in posts[0].read_text(encoding="utf-8")

    def post_tweet_count(self) -> int | None:
        """The tweet count the post on disk states ("本期统计推文 N 条"), None before a post."""
        for post in (self.site / "_posts").glob("*.md"):
            found = _TWEET_COUNT.search(post.read_text(encoding="utf-8", errors="replace"))
            if found:
                return int(found.group(1).replace(",", ""))
        return None

    # ------------------------------------------------------------------ clean-up

    def cleanup(self) -> None:
        """Delete this run's topics, consumer groups and Redis keys (best effort)."""
        from kafka.errors import KafkaError

        with suppress(KafkaError, OSError, RuntimeError):
            admin = self.admin()
            topics = [t for t in admin.list_topics() if t.startswith(f"{self.prefix}.")]
            if topics:
                admin.delete_topics(topics, timeout_ms=15_000)
            groups = [
                g["group_id"]
                for g in admin.list_groups()
                if str(g.get("group_id", "")).startswith(f"{self.prefix}.")
            ]
            if groups:
                admin.delete_groups(groups)
        from shared.redis_store import redis_client

        for name in {"summarize", *self.process_env}:
            with suppress(Exception):
                client = redis_client(self.redis_settings(name), socket_timeout=2)
                keys = list(client.scan_iter(match=f"*{self.prefix}*", count=1000))
                if keys:
                    client.delete(*keys)
                client.close()
        for attr in ("_bus", "_admin"):
            handle = getattr(self, attr)
            setattr(self, attr, None)
            if handle is not None:
                with suppress(Exception):
                    handle.close()


@dataclass(frozen=True)
class Kill:
    """One kill -9 of ingest (:meth:`Cluster.ingest_with_kills`); the last entry is the run
    that finished."""

    on_topic: int
    """Records on tweets.raw when it was killed (at the end, for the last)."""
    after_s: float
    """How long that incarnation ran before the kill."""
    resumed_after: int
    """Records its checkpoint let it pass over when it started."""


_RESUMED = re.compile(r"resuming after (\d+) records")

StorySize = tuple[str, int, int]
"""A story as the harness compares it: id, tweets, retweets."""


def story_sizes(report: ReportReady) -> list[StorySize]:
    """The ids and sizes of a report's stories, in its order (empty when it has none)."""
    return [(story.id, story.tweets, story.retweets) for story in report.stories]


def record_id(tweet: TweetIngested) -> str:
    """The id of the record a tweet came from: a retweet's own id, else the tweet's."""
    return tweet.via_retweet.retweet_id if tweet.via_retweet else tweet.tweet_id


def _section(env: dict[str, str], section: str) -> dict[str, str]:
    """The ``TWEETPULSE_<SECTION>__*`` variables of ``env`` as the section's field values."""
    prefix = f"TWEETPULSE_{section}__"
    return {k[len(prefix) :].lower(): v for k, v in env.items() if k.startswith(prefix)}


def free_port() -> int:
    """A TCP port nothing listens on right now, on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class Certificates:
    """A test CA and a certificate it signed for 127.0.0.1 and localhost (PEM files)."""

    ca: Path
    cert: Path
    key: Path
    keystore: Path
    """Key (PKCS#8) and certificate in one file, as Kafka's PEM keystore reads it."""


def make_certificates(directory: Path) -> Certificates:
    """Make a CA and a server (and client) certificate with openssl, valid for two days."""
    directory.mkdir(parents=True, exist_ok=True)

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=directory, check=True, capture_output=True)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key",
            "-out", "ca.pem", "-days", "2", "-subj", "/CN=tweetpulse test CA",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")  # fmt: skip
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key",
            "-out", "server.csr", "-subj", "/CN=localhost")  # fmt: skip
    (directory / "server.ext").write_text(
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
        "keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n",
        encoding="ascii",
    )
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "server.ext")  # fmt: skip
    openssl("pkcs8", "-topk8", "-nocrypt", "-in", "server.key", "-out", "server.pk8")
    keystore = directory / "server-keystore.pem"
    keystore.write_bytes(
        (directory / "server.pk8").read_bytes() + (directory / "server.pem").read_bytes()
    )
    return Certificates(
        ca=directory / "ca.pem",
        cert=directory / "server.pem",
        key=directory / "server.key",
        keystore=keystore,
    )


class PrivateRedis:
    """A redis-server of the test's own, on a free port, with its data (AOF) in ``directory``.

    ``kill`` and ``start`` again on the same data is a Redis crash and restart (a kill -9 loses
    no acknowledged write: the AOF is written before Redis answers, and only a machine crash
    loses what was not fsynced yet). ``tls`` serves TLS only
    (no plain port), with the given certificates; ``password`` sets ``requirepass``.
    """

    def __init__(
        self,
        directory: Path,
        *,
        port: int | None = None,
        appendfsync: str = "everysec",
        tls: Certificates | None = None,
        password: str | None = None,
    ) -> None:
        self.directory = directory
        self.port = port or free_port()
        self.appendfsync = appendfsync
        self.tls = tls
        self.password = password
        self.proc: subprocess.Popen[bytes] | None = None
        directory.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        """Its URL, without the password (the settings carry that)."""
        scheme = "rediss" if self.tls else "redis"
        return f"{scheme}://127.0.0.1:{self.port}/0"

    def env(self) -> dict[str, str]:
        """The ``TWEETPULSE_REDIS__*`` settings that reach it."""
        env = {"TWEETPULSE_REDIS__URL": self.url}
        if self.password:
            env["TWEETPULSE_REDIS__PASSWORD"] = self.password
        if self.tls:
            env["TWEETPULSE_REDIS__SSL_CA_CERTS"] = str(self.tls.ca)
        return env

    def start(self, *, timeout_s: float = 30) -> None:
        """Start it (on the data it already has) and wait until it answers PING."""
        cmd = [
            "redis-server", "--bind", "127.0.0.1", "--dir", str(self.directory),
            "--save", "", "--appendonly", "yes", "--appendfsync", self.appendfsync,
            "--logfile", str(self.directory / "redis.log"),
        ]  # fmt: skip
        if self.tls:
            cmd += [
                "--port", "0", "--tls-port", str(self.port),
                "--tls-cert-file", str(self.tls.cert), "--tls-key-file", str(self.tls.key),
                "--tls-ca-cert-file", str(self.tls.ca), "--tls-auth-clients", "no",
            ]  # fmt: skip
        else:
            cmd += ["--port", str(self.port)]
        if self.password:
            cmd += ["--requirepass", self.password]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(f"redis on {self.port} answers", self.answers, timeout_s=timeout_s)

    def answers(self) -> bool:
        """Whether it answers PING (over TLS and with the password when it has them)."""
        from shared.redis_store import redis_client
        from shared.settings import RedisSettings

        settings = RedisSettings(**_section(self.env(), "REDIS"))
        client = redis_client(settings, socket_timeout=1, socket_connect_timeout=1)
        try:
            return bool(client.ping())
        except Exception:
            return False
        finally:
            client.close()

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Send ``sig`` (SIGKILL: a crash; SIGTERM: a clean shutdown) and wait for the exit."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=60)

    def stop(self) -> None:
        """Shut it down, however it is (for clean-up)."""
        self.kill(signal.SIGTERM)


def wait_until(
    what: str, check: Callable[[], bool], *, timeout_s: float, every_s: float = 0.2
) -> float:
    """Poll ``check`` until it is true; the seconds it took. ``TimeoutError`` naming ``what``."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > timeout_s:
            raise TimeoutError(f"{what}: not after {timeout_s:.0f}s")
        time.sleep(every_s)
    return time.monotonic() - started


def total(offsets: dict[int, int]) -> int:
    """The sum over partitions of ``end_offsets`` or ``committed``."""
    return sum(offsets.values())


def generate_tweets(out: Path, count: int, *, seed: int | None = None) -> Path:
    """Write ``count`` generated tweets for one day to ``out`` (``bench.gen_tweets``)."""
    cmd = [sys.executable, "-m", "bench.gen_tweets", "--count", str(count), "--out", str(out)]
    if seed is not None:
        cmd += ["--seed", str(seed)]
    subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return out


def stats_diff(got: WindowStats, expected: WindowStats) -> list[str]:
    """One line per field of ``got`` that differs from ``expected``."""
    lines = []
    for name in type(got).model_fields:
        mine, theirs = getattr(got, name), getattr(expected, name)
        if mine != theirs:
            lines.append(f"{name}: distributed {mine!r} != embedded {theirs!r}")
    return lines


def embedded_report(path: Path) -> ReportReady:
    """The report the embedded mode makes of ``path`` (one window expected)."""
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
    return summary.reports[0]


def embedded_stats(path: Path) -> WindowStats:
    """The window stats the embedded mode gets from ``path`` (one window expected)."""
    return embedded_report(path).stats


def embedded_ids(path: Path) -> set[str]:
    """The record ids of the distinct tweets the embedded ingest publishes from ``path``."""
    from services.ingest.bootstrap import build_deps
    from services.ingest.handler import handle
    from services.ingest.readers import iter_records
    from shared.models import TweetIngested
    from shared.settings import Settings
    from shared.store import MemoryStore

    settings = Settings()
    deps = build_deps(settings, store=MemoryStore())
    return {
        record_id(event)
        for record in iter_records(path, settings=settings.ingest)
        for event in handle(record, deps=deps)
        if isinstance(event, TweetIngested)
    }


@contextmanager
def cluster(root: Path | None = None, *, keep: bool = False) -> Iterator[Cluster]:
    """A Cluster in a temporary directory, stopped and cleaned up however the block ends.

    ``keep`` leaves its topics, groups and Redis keys on the services for a post-mortem.
    """
    with tempfile.TemporaryDirectory(prefix="tweetpulse-e2e-") as tmp:
        c = Cluster(root=root or Path(tmp))
        c.root.mkdir(parents=True, exist_ok=True)
        try:
            yield c
        finally:
            c.stop_all()
            if not keep:
                c.cleanup()


def _round(name: str, keep: Path, embedded: ReportReady, *, kills: int) -> int:
    """One distributed run of the sample, its ingest killed ``kills`` times; 0 if it matches."""
    expected, stories = embedded.stats, story_sizes(embedded)
    with cluster(keep / name.replace(" ", "-")) as c:
        started = time.monotonic()
        if kills:
            # The restarts stretch the stream over minutes: rebuilding every 2 s would queue
            # more posts than render writes, and the exact report would wait behind them.
            c.extra_env["TWEETPULSE_REPORT__REFRESH_DEBOUNCE_S"] = "15"
        c.start_all()
        if kills:
            rounds = c.ingest_with_kills(SAMPLE, "--rate", "20", kills=kills, every=80)
            seen = ", ".join(str(k.on_topic) for k in rounds[:-1])
            resumed = ", ".join(str(k.resumed_after) for k in rounds[1:])
            print(f"{name}: ingest killed {kills} times, tweets.raw at each kill: {seen}; the "
                  f"restarts resumed after {resumed} records; {rounds[-1].on_topic} at the end")  # fmt: skip
        else:
            c.ingest(SAMPLE, "--rate", "200")
        report = c.wait_for_stats(expected, stories=stories, timeout_s=420 if kills else 180)
        elapsed = time.monotonic() - started
        if report is None:
            last = c.reports()[-1:]
            print(f"FAILED ({name}): no report matched the embedded run within the time")
            if last:
                for line in stats_diff(last[0].stats, expected):
                    print(f"  {line}")
                if story_sizes(last[0]) != stories:
                    print(f"  stories: distributed {story_sizes(last[0])} != embedded {stories}")
            else:
                print("  no report was published")
            print(f"logs in {keep / name.replace(' ', '-')}")
            return 1
        stats = report.stats
        post = next((c.site / "_posts").glob("*.md"))
        print(f"{name}: {stats.tweets} tweets, {stats.retweets} retweets, "
              f"categories {stats.categories}, {len(report.stories)} stories")  # fmt: skip
        print(f"{name}: matches the embedded run; post after {elapsed:.1f} s: {post}")
    return 0


def main() -> int:
    """Replay the sample through the distributed workers and compare with the embedded run:
    once as it is, once with ingest killed (kill -9) three times mid-stream and restarted."""
    embedded = embedded_report(SAMPLE)
    expected = embedded.stats
    print(f"embedded run: {expected.tweets} tweets, {expected.retweets} retweets, "
          f"{len(embedded.stories)} stories")  # fmt: skip
    keep = ROOT / "out" / "e2e"
    keep.mkdir(parents=True, exist_ok=True)
    return _round("distributed run", keep, embedded, kills=0) or _round(
        "ingest kill -9 round", keep, embedded, kills=3
    )


if __name__ == "__main__":
    sys.exit(main())
