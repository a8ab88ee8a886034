"""docker-compose.yml, the Dockerfile and .dockerignore, read as data (no Docker engine here).

What a `docker compose up` would trip over is checked without running it: every service and its
health check, start order on healthy dependencies, declared volumes, Kafka in KRaft mode on the
official image, the commands and the settings every process gets.
"""

from __future__ import annotations

import fnmatch
import os
import re
import shlex
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from pydantic import ValidationError

from shared.settings import Settings, unknown_variables

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"

WORKERS = ("ingest", "classify", "summarize", "render", "notify")
CELERY = ("celery-worker", "celery-beat")
CELERY_APP = "services.summarize.tasks"
CELERY_QUEUE = "summarize"
# Service-level keys of the Compose Specification that this file may use: a misspelt key
# (healtcheck) would otherwise be dropped by a reader that ignores it, or fail only at `up`.
SERVICE_KEYS = {
    "build",
    "command",
    "container_name",
    "depends_on",
    "entrypoint",
    "environment",
    "healthcheck",
    "hostname",
    "image",
    "init",
    "ports",
    "profiles",
    "restart",
    "stop_grace_period",
    "user",
    "volumes",
    "working_dir",
}
HEALTHCHECK_KEYS = {"test", "interval", "timeout", "retries", "start_period", "start_interval"}
RESTART_POLICIES = {"no", "always", "on-failure", "unless-stopped"}
CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}

Service = dict[str, Any]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text("utf-8"))
    return loaded


@pytest.fixture(scope="module")
def services(compose) -> dict[str, Service]:
    found: dict[str, Service] = compose["services"]
    return found


def _interpolate(value: str) -> str:
    """Compose's ${VAR:-default} and ${VAR-default}, with VAR unset, as on a fresh machine."""
    return re.sub(r"\$\{[A-Za-z_][A-Za-z0-9_]*:?-([^}]*)\}", r"\1", str(value))


def _env(service: Service) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: _interpolate(str(v)) for k, v in env.items()}


def _argv(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return shlex.split(value) if isinstance(value, str) else [str(v) for v in value]


def _mounts(service: Service) -> dict[str, str]:
    """Container path -> source (a named volume or a host path) of each short-syntax volume."""
    found = {}
    for spec in service.get("volumes", []):
        source, target, *_ = str(spec).split(":")
        found[target] = source
    return found


# ---------------------------------------------------------------------------- services


def test_every_process_of_the_pipeline_is_a_service(services) -> None:
    assert set(services) == {"kafka", "redis", *WORKERS, *CELERY}


def test_services_use_only_known_keys(services) -> None:
    for name, service in services.items():
        unknown = set(service) - SERVICE_KEYS
        assert not unknown, f"{name}: unknown keys {unknown}"
        assert service["restart"] in RESTART_POLICIES, name


def test_every_service_has_a_health_check(services) -> None:
    for name, service in services.items():
        check = service.get("healthcheck")
        assert check, f"{name} has no healthcheck"
        assert set(check) <= HEALTHCHECK_KEYS, f"{name}: {set(check) - HEALTHCHECK_KEYS}"
        assert check["test"][0] in ("CMD", "CMD-SHELL"), name
        assert check.get("start_period"), f"{name}: checks count as failures from the first second"


def test_workers_check_healthz_on_their_health_port(services) -> None:
    for name in (*WORKERS, "celery-worker"):
        service = services[name]
        port = _env(service)["TWEETPULSE_WORKER__HEALTH_PORT"]
        probe = " ".join(service["healthcheck"]["test"])
        assert f"http://127.0.0.1:{port}/healthz" in probe, name


def test_every_dependency_waits_for_a_healthy_service(services) -> None:
    for name, service in services.items():
        for target, rule in service.get("depends_on", {}).items():
            assert target in services, f"{name} depends on unknown {target}"
            assert rule["condition"] in CONDITIONS, name
            assert rule["condition"] == "service_healthy", f"{name} -> {target}"
            assert "healthcheck" in services[target], f"{target} can never become healthy"


def test_start_order_follows_what_each_process_talks_to(services) -> None:
    for name in (*WORKERS, "celery-worker"):
        assert set(services[name]["depends_on"]) == {"kafka", "redis"}, name
    assert set(services["celery-beat"]["depends_on"]) == {"redis"}
    assert "depends_on" not in services["kafka"] and "depends_on" not in services["redis"]


def test_named_volumes_are_declared_and_data_lands_on_them(compose, services) -> None:
    declared = set(compose.get("volumes") or {})
    used = set()
    for service in services.values():
        for source in _mounts(service).values():
            if not source.startswith((".", "/")):
                used.add(source)
    assert used == declared, f"used {used}, declared {declared}"
    kafka = services["kafka"]
    assert _mounts(kafka)[_env(kafka)["KAFKA_LOG_DIRS"]] in declared, "Kafka data is not kept"
    assert _mounts(services["redis"])["/data"] in declared, "Redis data is not kept"
    render = services["render"]
    assert _mounts(render)[_env(render)["TWEETPULSE_RENDER__SITE_DIR"]] in declared


def test_ingest_reads_a_sample_that_exists_read_only(services) -> None:
    ingest = services["ingest"]
    argv = _argv(ingest["command"])
    source = Path(argv[argv.index("--input") + 1])
    mounts = [str(v).split(":") for v in ingest["volumes"]]
    (host, target, mode) = next(m for m in mounts if source.is_relative_to(m[1]))
    assert mode == "ro"
    on_host = ROOT / host / source.relative_to(target)
    assert on_host.is_file(), f"{on_host.relative_to(ROOT)} is not in the repository"


# ---------------------------------------------------------------------------- settings


def test_settings_accept_every_variable_a_service_gets(services, monkeypatch) -> None:
    for name in (*WORKERS, *CELERY):
        env = {k: v for k, v in _env(services[name]).items() if k.startswith("TWEETPULSE_")}
        unknown = unknown_variables(sorted(env))
        assert not unknown, f"{name}: no Settings field for {unknown}"
        with monkeypatch.context() as patch:
            for key in list(os.environ):
                if key.startswith("TWEETPULSE_"):
                    patch.delenv(key)
            for key, value in env.items():
                patch.setenv(key, value)
            try:
                settings = Settings()
            except ValidationError as exc:
                pytest.fail(f"{name}: Settings rejects its environment:\n{exc}")
        assert settings.mode == "distributed", name
        assert (
            settings.anthropic.api_key is None or not settings.anthropic.api_key.get_secret_value()
        )


def test_the_key_comes_from_the_host_with_an_empty_default(services) -> None:
    raw = services["summarize"]["environment"]["TWEETPULSE_ANTHROPIC__API_KEY"]
    assert re.fullmatch(r"\$\{[A-Z_]+:-\}", raw), f"{raw!r}: a committed key, or no default"


def test_notify_is_opt_in_and_takes_every_target_from_the_host(services) -> None:
    notify = services["notify"]
    assert notify["profiles"] == ["notify"], "a compose up without targets must not start it"
    raw = notify["environment"]
    targets = {
        k: v for k, v in raw.items() if k.startswith("TWEETPULSE_NOTIFY__") and k.count("__") == 2
    }
    names = {k.split("__")[1].lower() for k in targets}
    assert names == {"feishu", "dingtalk", "wecom", "telegram", "slack", "webhook"}
    for key, value in targets.items():
        assert value == f"${{{key}:-}}", f"{key}: {value!r} is committed, not read from the host"
    assert unknown_variables(sorted(raw)) == []
    for name, service in services.items():
        if name != "notify":
            assert not [k for k in _env(service) if k.startswith("TWEETPULSE_NOTIFY__")], name


def test_workers_reach_kafka_and_redis_by_service_name(services) -> None:
    for name in (*WORKERS, *CELERY):
        env = _env(services[name])
        host, port = env["TWEETPULSE_KAFKA__BOOTSTRAP_SERVERS"].split(":")
        assert host in services and host == "kafka", name
        advertised = _env(services["kafka"])["KAFKA_ADVERTISED_LISTENERS"]
        assert f"://{host}:{port}" in advertised, f"{name}: Kafka does not advertise {host}:{port}"
        url = urlsplit(env["TWEETPULSE_REDIS__URL"])
        assert url.scheme == "redis" and url.hostname == "redis", name


# ---------------------------------------------------------------------------- kafka, redis


def test_kafka_is_the_official_image_at_4x_in_kraft_mode(services) -> None:
    kafka = services["kafka"]
    image, tag = kafka["image"].split(":")
    assert image == "apache/kafka"
    assert re.fullmatch(r"4\.\d+\.\d+", tag), tag
    env = _env(kafka)
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    node = str(env["KAFKA_NODE_ID"])
    controller = env["KAFKA_CONTROLLER_LISTENER_NAMES"]
    listeners = dict(
        (lst.split("://")[0], lst.split(":")[-1]) for lst in env["KAFKA_LISTENERS"].split(",")
    )
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == f"{node}@kafka:{listeners[controller]}"
    protocols = dict(p.split(":") for p in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(","))
    assert set(listeners) <= set(protocols)
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", env["CLUSTER_ID"]), "not a base64 UUID"
    # One broker: internal topics cannot have more replicas than that.
    assert env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == "1"
    assert env["KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR"] == "1"
    check = " ".join(kafka["healthcheck"]["test"])
    assert "/opt/kafka/bin/kafka-broker-api-versions.sh" in check


def test_kafka_partitions_match_the_settings(services) -> None:
    partitions = _env(services["kafka"])["KAFKA_NUM_PARTITIONS"]
    for name in WORKERS:
        assert _env(services[name])["TWEETPULSE_KAFKA__PARTITIONS"] == partitions, name


def test_redis_keeps_an_append_only_file_and_answers_ping(services) -> None:
    redis = services["redis"]
    assert re.fullmatch(r"redis:7(\.\d+)*(-\S+)?", redis["image"]), redis["image"]
    argv = _argv(redis["command"])
    assert argv[argv.index("--appendonly") + 1] == "yes"
    assert redis["healthcheck"]["test"][-2:] == ["redis-cli", "ping"]


# ---------------------------------------------------------------------------- commands


def test_workers_run_their_own_subcommand_on_the_image_entrypoint(services) -> None:
    images = {services[n]["image"] for n in (*WORKERS, *CELERY)}
    assert len(images) == 1, f"one image for every process, not {images}"
    for name in WORKERS:
        service = services[name]
        assert "entrypoint" not in service, name
        assert _argv(service["command"])[:2] == ["worker", name]
        assert service.get("build") == ".", name


def test_celery_runs_the_summarize_app(services) -> None:
    worker, beat = services["celery-worker"], services["celery-beat"]
    for service in (worker, beat):
        assert _argv(service["entrypoint"]) == ["celery"]
        assert _argv(service["command"])[:2] == ["-A", CELERY_APP]
    argv = _argv(worker["command"])
    assert argv[2] == "worker" and argv[argv.index("-Q") + 1] == CELERY_QUEUE
    argv = _argv(beat["command"])
    assert argv[2] == "beat"
    schedule = argv[argv.index("-s") + 1]
    assert schedule.startswith("/tmp/"), "beat needs a writable schedule file"
    assert schedule in " ".join(beat["healthcheck"]["test"])


def test_long_running_workers_restart_and_get_time_to_stop(services) -> None:
    for name in (*WORKERS, *CELERY):
        service = services[name]
        grace = re.fullmatch(r"(\d+)s", service["stop_grace_period"])
        assert grace and int(grace[1]) >= 20, name
        expected = "on-failure" if name == "ingest" else "unless-stopped"
        assert service["restart"] == expected, name


# ---------------------------------------------------------------------------- the image


def _instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text("utf-8"))
    lines = [ln.strip() for ln in text.splitlines()]
    return [
        (ln.split(None, 1)[0].upper(), ln.split(None, 1)[1])
        for ln in lines
        if ln and not ln.startswith("#")
    ]


def _ignored(path: str) -> bool:
    """Whether .dockerignore keeps `path` out of the build context (last matching rule wins)."""
    rules = [
        ln.strip()
        for ln in DOCKERIGNORE.read_text("utf-8").splitlines()
        if ln.strip() and not ln.startswith("#")
    ]
    parts = Path(path).parts
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    ignored = False
    for rule in rules:
        keep = rule.startswith("!")
        pattern = rule.lstrip("!").rstrip("/")
        bare = pattern.removeprefix("**/")
        for candidate in candidates:
            tail = candidate.rsplit("/", 1)[-1]
            if fnmatch.fnmatch(candidate, pattern) or (
                pattern.startswith("**/") and fnmatch.fnmatch(tail, bare)
            ):
                ignored = not keep
    return ignored


def test_the_image_is_python_311_slim_with_a_cjk_font_as_a_non_root_user() -> None:
    steps = _instructions()
    assert steps[0] == ("FROM", "python:3.11-slim")
    runs = " ".join(arg for op, arg in steps if op == "RUN")
    assert "fonts-wqy-microhei" in runs and "--no-install-recommends" in runs
    assert "pip install ." in runs
    users = [arg for op, arg in steps if op == "USER"]
    assert users and users[-1].split(":")[0] not in ("0", "root")
    assert [arg for op, arg in steps if op == "ENTRYPOINT"] == ['["tweetpulse"]']


def test_everything_the_image_copies_is_in_the_build_context() -> None:
    sources = []
    for op, arg in _instructions():
        if op == "COPY" and "--from" not in arg:
            *srcs, _dest = arg.split()
            sources += [s for s in srcs if not s.startswith("--")]
    assert sources
    for source in sources:
        assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
        assert not _ignored(source), f"COPY {source}: excluded by .dockerignore"


def test_the_build_context_leaves_out_local_state() -> None:
    for path in (".venv", ".git", ".services", "site", "deploy/kafka/lib", "tests"):
        assert _ignored(path), f"{path} would be sent to the Docker daemon"
    for path in ("shared/settings.py", "services/cli.py", "pyproject.toml"):
        assert not _ignored(path), path
    assert _ignored("shared/__pycache__/settings.cpython-311.pyc")
