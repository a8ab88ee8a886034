"""deploy/k8s/base, rendered with the real kustomize and checked object by object.

Every built-in object is validated against the Kubernetes OpenAPI schemas that the
kubernetes-validate package ships, in strict mode (an unknown or misspelt field fails), for the
oldest and the newest Kubernetes version we support. KEDA ScaledObjects have no schema there, so
their fields are checked here, and so is every reference between objects: scale targets, selectors,
ConfigMap, Secret and claims. kustomize comes from deploy/local/kustomize.sh (built with Go once
per machine); when it or the validator cannot be had, these tests skip, except under CI where they
fail.
"""

from __future__ import annotations

import importlib
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn
from urllib.parse import urlsplit

import pytest
import yaml
from pydantic import ValidationError

from shared.models import ReportReady, TweetClassified, TweetIngested
from shared.settings import Settings, unknown_variables

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "deploy" / "k8s" / "base"
README = ROOT / "deploy" / "k8s" / "README.md"
INSTALLER = ROOT / "deploy" / "local" / "kustomize.sh"

# The oldest Kubernetes we promise to run on, and the newest the validator knows.
K8S_VERSIONS = ("1.30.0", "1.37.0")

WORKERS = ("ingest", "classify", "summarize", "render", "notify")
CELERY = ("celery-worker", "celery-beat")
CELERY_APP = "services.summarize.tasks"
CELERY_QUEUE = "summarize"
HEALTH_PORT = 8000
# consumer group and input topic of each Kafka-scaled worker
KAFKA_INPUTS = {
    "classify": ("tweetpulse.classify", TweetIngested.TOPIC),
    "summarize": ("tweetpulse.summarize", TweetClassified.TOPIC),
}
RENDER_INPUT = ("tweetpulse.render", ReportReady.TOPIC)

Obj = dict[str, Any]


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"{reason} (CI=true: a missing renderer or validator fails, never skips)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def kustomize() -> Path:
    try:
        done = subprocess.run(
            ["bash", str(INSTALLER)],
            capture_output=True,
            text=True,
            timeout=900,
            check=True,
        )
    except subprocess.CalledProcessError as exc:
        _unavailable(f"kustomize could not be installed by {INSTALLER.name}: {exc.stderr[-800:]}")
    except (OSError, subprocess.TimeoutExpired) as exc:
        _unavailable(f"kustomize could not be installed by {INSTALLER.name}: {exc}")
    path = Path(done.stdout.strip().splitlines()[-1])
    assert path.is_file(), f"{INSTALLER.name} printed {path}, which is no file"
    return path


@pytest.fixture(scope="module")
def validator() -> ModuleType:
    try:
        return importlib.import_module("kubernetes_validate")
    except ImportError:
        _unavailable("kubernetes-validate is not installed (it is a dev dependency)")


def _build(kustomize: Path, directory: Path) -> list[Obj]:
    done = subprocess.run(
        [str(kustomize), "build", str(directory)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"kustomize build {directory} failed:\n{done.stderr}"
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc is not None]


@pytest.fixture(scope="module")
def objects(kustomize: Path) -> list[Obj]:
    return _build(kustomize, BASE)


def _of(objects: list[Obj], kind: str) -> dict[str, Obj]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def _one(objects: list[Obj], kind: str) -> Obj:
    found = list(_of(objects, kind).values())
    assert len(found) == 1, f"expected one {kind}, found {len(found)}"
    return found[0]


def _containers(deployment: Obj) -> list[Obj]:
    containers: list[Obj] = deployment["spec"]["template"]["spec"]["containers"]
    return containers


def _component(deployment: Obj) -> str:
    label: str = deployment["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/component"]
    return label


def _by_component(objects: list[Obj]) -> dict[str, Obj]:
    return {_component(d): d for d in _of(objects, "Deployment").values()}


def _selects(selector: dict[str, str], deployment: Obj) -> bool:
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    return all(labels.get(k) == v for k, v in selector.items())


def _selected(objects: list[Obj], selector: dict[str, str]) -> list[str]:
    return [n for n, d in _of(objects, "Deployment").items() if _selects(selector, d)]


def _config(objects: list[Obj]) -> dict[str, str]:
    data: dict[str, str] = _one(objects, "ConfigMap")["data"]
    return data


def _min_replicas(objects: list[Obj], deployment: str) -> int:
    for scaled in _of(objects, "ScaledObject").values():
        if scaled["spec"]["scaleTargetRef"]["name"] == deployment:
            return int(scaled["spec"].get("minReplicaCount", 0))
    return int(_of(objects, "Deployment")[deployment]["spec"].get("replicas", 1))


# ---------------------------------------------------------------------------- schemas


def test_renders_every_expected_object(objects) -> None:
    kinds = {(o["kind"], o["metadata"]["name"]) for o in objects}
    expected = {("Deployment", f"tweetpulse-{n}") for n in WORKERS + CELERY}
    expected |= {("Service", f"tweetpulse-{n}-metrics") for n in (*WORKERS, "celery-worker")}
    expected |= {("ScaledObject", f"tweetpulse-{n}") for n in ("classify", "summarize")}
    expected |= {("ScaledObject", "tweetpulse-celery-worker")}
    expected |= {("PodDisruptionBudget", f"tweetpulse-{n}") for n in ("classify", "summarize")}
    expected |= {("ConfigMap", "tweetpulse-config"), ("Secret", "tweetpulse-secrets")}
    expected |= {("PersistentVolumeClaim", "tweetpulse-site")}
    expected |= {("NetworkPolicy", f"tweetpulse-{n}") for n in WORKERS + CELERY}
    assert expected <= kinds, f"missing: {sorted(expected - kinds)}"
    assert len(kinds) == len(objects), "two objects share a kind and a name"


@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_every_builtin_object_is_valid_for_kubernetes(objects, validator, version) -> None:
    problems = []
    for obj in objects:
        if obj["apiVersion"].startswith("keda.sh/"):
            continue  # a CRD: checked field by field below
        where = f"{obj['kind']}/{obj['metadata']['name']}"
        try:
            validator.validate(obj, version, strict=True)
        except validator.ValidationError as exc:
            path = "/".join(str(p) for p in exc.absolute_path)
            problems.append(f"{where} at {path or '(root)'}: {exc.message}")
        except validator.SchemaNotFoundError:
            problems.append(f"{where}: no {obj['apiVersion']} schema in Kubernetes {version}")
    assert not problems, "\n".join(problems)


def test_the_strict_validator_rejects_a_misspelt_field(objects, validator) -> None:
    """The check above is only worth something if a typo in a pod spec fails it."""
    deployment = next(iter(_of(objects, "Deployment").values()))
    broken = yaml.safe_load(yaml.safe_dump(deployment))
    _containers(broken)[0]["resource"] = _containers(broken)[0].pop("resources")
    with pytest.raises(validator.ValidationError):
        validator.validate(broken, K8S_VERSIONS[-1], strict=True)


def test_the_base_is_namespace_free_and_labelled(objects) -> None:
    for obj in objects:
        meta = obj["metadata"]
        assert "namespace" not in meta, f"{obj['kind']}/{meta['name']} sets a namespace"
        assert meta.get("labels", {}).get("app.kubernetes.io/part-of") == "tweetpulse"


def test_images_are_pinned(objects) -> None:
    for deployment in _of(objects, "Deployment").values():
        for container in _containers(deployment):
            image = container["image"]
            assert re.fullmatch(r"tweetpulse:\d+\.\d+\.\d+\S*", image), image


# ---------------------------------------------------------------------------- deployments


def test_every_container_requests_and_limits_resources(objects) -> None:
    for name, deployment in _of(objects, "Deployment").items():
        for container in _containers(deployment):
            resources = container.get("resources", {})
            for key in ("cpu", "memory"):
                assert key in resources.get("requests", {}), f"{name}: no {key} request"
            assert "memory" in resources.get("limits", {}), f"{name}: no memory limit"


# Readiness follows the dependencies (/healthz: 503 while Redis, Kafka or the disk is away);
# start-up and liveness only the loop (/livez), so an outage never gets a pod restarted.
PROBE_PATHS = {"startupProbe": "/livez", "readinessProbe": "/healthz", "livenessProbe": "/livez"}


def test_workers_probe_health_on_the_metrics_port(objects) -> None:
    for component in (*WORKERS, "celery-worker"):
        deployment = _by_component(objects)[component]
        (container,) = _containers(deployment)
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        assert ports == {"metrics": HEALTH_PORT}
        for probe, path in PROBE_PATHS.items():
            get = container[probe]["httpGet"]
            assert get["path"] == path, (component, probe)
            assert get["port"] in ("metrics", HEALTH_PORT), (component, probe)


def test_the_health_server_binds_an_address_probes_reach(objects) -> None:
    assert _config(objects)["TWEETPULSE_WORKER__HEALTH_HOST"] == "0.0.0.0"  # noqa: S104


def test_celery_containers_run_the_app_module(objects) -> None:
    components = _by_component(objects)
    worker = _containers(components["celery-worker"])[0]
    beat = _containers(components["celery-beat"])[0]
    for container in (worker, beat):
        assert container["command"] == ["celery"]
        assert container["args"][:2] == ["-A", CELERY_APP]
    assert worker["args"][2] == "worker"
    assert worker["args"][worker["args"].index("-Q") + 1] == CELERY_QUEUE
    assert "ports" not in beat and "httpGet" not in beat.get("livenessProbe", {}), (
        "beat serves no HTTP"
    )
    assert beat["args"][2] == "beat"
    schedule = beat["args"][beat["args"].index("-s") + 1]
    mounts = {m["mountPath"] for m in beat["volumeMounts"]}
    assert any(schedule.startswith(f"{m}/") for m in mounts), "beat's schedule is not writable"


def test_workers_run_their_own_subcommand(objects) -> None:
    for component in WORKERS:
        (container,) = _containers(_by_component(objects)[component])
        assert "command" not in container, "the image's entrypoint is tweetpulse"
        assert container["args"][:2] == ["worker", component]


def test_every_container_reads_the_configmap_and_secret_of_the_render(objects) -> None:
    configmaps, secrets = _of(objects, "ConfigMap"), _of(objects, "Secret")
    for name, deployment in _of(objects, "Deployment").items():
        for container in _containers(deployment):
            refs = container.get("envFrom", [])
            maps = [r["configMapRef"]["name"] for r in refs if "configMapRef" in r]
            keys = [r["secretRef"]["name"] for r in refs if "secretRef" in r]
            assert maps and all(m in configmaps for m in maps), f"{name}: envFrom {maps}"
            assert keys and all(k in secrets for k in keys), f"{name}: envFrom {keys}"


def test_settings_accept_every_variable_the_pods_get(objects, monkeypatch) -> None:
    env = dict(_config(objects))
    env.update(_one(objects, "Secret").get("stringData", {}))
    for deployment in _of(objects, "Deployment").values():
        for container in _containers(deployment):
            env.update({e["name"]: e.get("value", "") for e in container.get("env", [])})
    ours = {k: v for k, v in env.items() if k.startswith("TWEETPULSE_")}
    assert ours, "no TWEETPULSE_* variable at all"
    unknown = unknown_variables(sorted(ours))
    assert not unknown, f"no Settings field for {unknown}"
    for key in list(os.environ):
        if key.startswith("TWEETPULSE_"):
            monkeypatch.delenv(key)
    for key, value in ours.items():
        monkeypatch.setenv(key, value)
    try:
        settings = Settings()
    except ValidationError as exc:
        pytest.fail(f"Settings rejects the ConfigMap/Secret variables:\n{exc}")
    assert settings.mode == "distributed"
    assert settings.worker.health_port == HEALTH_PORT


CREDENTIAL = re.compile(r"PASSWORD|TOKEN|API_KEY|SECRET|SASL_USERNAME|CREDENTIAL", re.IGNORECASE)


def test_every_credential_comes_from_the_secret_never_the_configmap(objects) -> None:
    config = _config(objects)
    leaked = sorted(k for k in config if CREDENTIAL.search(k))
    assert not leaked, f"credentials in the ConfigMap: {leaked}"
    for key, value in config.items():
        if "://" in str(value):
            url = urlsplit(str(value))
            assert url.password is None and url.username is None, f"{key} carries userinfo"
    secret = _one(objects, "Secret")["stringData"]
    for key in (
        "TWEETPULSE_REDIS__PASSWORD",
        "TWEETPULSE_KAFKA__SASL_USERNAME",
        "TWEETPULSE_KAFKA__SASL_PASSWORD",
        "TWEETPULSE_ANTHROPIC__API_KEY",
        "TWEETPULSE_X_API__BEARER_TOKEN",
    ):
        assert key in secret, f"{key} is not in the Secret"
    # Every secret setting the application has is a key of the Secret, so none is ever put in the
    # ConfigMap for want of a place.
    secret_fields = _secret_settings()
    assert secret_fields <= set(secret), f"not in the Secret: {sorted(secret_fields - set(secret))}"


def _secret_settings() -> set[str]:
    """``TWEETPULSE_*`` names of every SecretStr setting (the key-file password aside)."""
    from pydantic import BaseModel, SecretStr

    names = set()
    for section, field in Settings.model_fields.items():
        model = field.annotation
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            continue
        for name, inner in model.model_fields.items():
            if SecretStr in getattr(inner.annotation, "__args__", (inner.annotation,)):
                names.add(f"TWEETPULSE_{section.upper()}__{name.upper()}")
    # A client key's passphrase goes with the key file, mounted from a Secret volume.
    names.discard("TWEETPULSE_KAFKA__SSL_KEY_PASSWORD")
    return names


def test_the_secret_holds_placeholders_only(objects) -> None:
    secret = _one(objects, "Secret")
    assert "data" not in secret, "the base Secret carries encoded values"
    values = secret["stringData"]
    assert values, "the Secret names no key"
    assert all(v == "" for v in values.values()), "a real value was committed in secret.yaml"


def test_notifys_credentials_are_in_the_secret_and_never_in_a_configmap(objects) -> None:
    secret = _one(objects, "Secret")["stringData"]
    credentials = {
        f"TWEETPULSE_NOTIFY__{platform}__{field}"
        for platform, fields in {
            "FEISHU": ("URL", "SECRET"),
            "DINGTALK": ("URL", "SECRET"),
            "WECOM": ("URL",),
            "TELEGRAM": ("TOKEN", "CHAT_ID"),
            "SLACK": ("URL",),
            "WEBHOOK": ("URL", "SECRET"),
        }.items()
        for field in fields
    }
    assert credentials <= set(secret), sorted(credentials - set(secret))
    assert unknown_variables(sorted(credentials)) == []
    for configmap in _of(objects, "ConfigMap").values():
        leaked = [
            k
            for k in configmap["data"]
            if k in credentials
            or (
                k.startswith("TWEETPULSE_NOTIFY__") and k.endswith(("__URL", "__TOKEN", "__SECRET"))
            )
        ]
        assert not leaked, leaked
    notify = _by_component(objects)["notify"]
    (container,) = _containers(notify)
    assert container["args"] == ["worker", "notify"]
    assert "env" not in container, "credentials come through envFrom the Secret only"
    refs = [r["secretRef"]["name"] for r in container["envFrom"] if "secretRef" in r]
    assert refs == ["tweetpulse-secrets"]


def test_pods_run_as_non_root_on_a_read_only_root(objects) -> None:
    for name, deployment in _of(objects, "Deployment").items():
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["automountServiceAccountToken"] is False, name
        volumes = {v["name"]: v for v in pod["volumes"]}
        for container in pod["containers"]:
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True, name
            assert security["allowPrivilegeEscalation"] is False, name
            assert security["capabilities"]["drop"] == ["ALL"], name
            tmp = [m for m in container["volumeMounts"] if m["mountPath"] == "/tmp"]
            assert tmp and "emptyDir" in volumes[tmp[0]["name"]], f"{name}: no writable /tmp"


def test_pods_get_time_to_finish_their_batch(objects) -> None:
    for name, deployment in _of(objects, "Deployment").items():
        grace = deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
        assert grace >= 30, f"{name}: {grace} s"


def test_singletons_run_one_replica_and_are_recreated(objects) -> None:
    components = _by_component(objects)
    for component in ("ingest", "render", "celery-beat"):
        spec = components[component]["spec"]
        assert spec["replicas"] == 1, component
        assert spec["strategy"]["type"] == "Recreate", component


def test_volumes_name_claims_of_the_render(objects) -> None:
    claims = _of(objects, "PersistentVolumeClaim")
    for name, deployment in _of(objects, "Deployment").items():
        for volume in deployment["spec"]["template"]["spec"].get("volumes", []):
            if "persistentVolumeClaim" in volume:
                claim = volume["persistentVolumeClaim"]["claimName"]
                assert claim in claims, f"{name} mounts unknown claim {claim}"


def test_render_writes_the_site_claim_where_settings_point(objects) -> None:
    site_dir = _config(objects)["TWEETPULSE_RENDER__SITE_DIR"]
    render = _by_component(objects)["render"]
    pod = render["spec"]["template"]["spec"]
    claims = {
        v["name"]: v["persistentVolumeClaim"]["claimName"]
        for v in pod["volumes"]
        if "persistentVolumeClaim" in v
    }
    mounts = {m["mountPath"]: m for m in pod["containers"][0]["volumeMounts"]}
    assert site_dir in mounts, f"render does not mount {site_dir}"
    assert not mounts[site_dir].get("readOnly", False)
    claim = _of(objects, "PersistentVolumeClaim")[claims[mounts[site_dir]["name"]]]
    assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]


def test_ingest_reads_its_input_from_a_mounted_volume(objects) -> None:
    (container,) = _containers(_by_component(objects)["ingest"])
    source = container["args"][container["args"].index("--input") + 1]
    mounts = [m["mountPath"] for m in container["volumeMounts"]]
    assert any(source.startswith(f"{m}/") for m in mounts), f"{source} is on no volume"


# ---------------------------------------------------------------------------- network policies


def _policies(objects: list[Obj]) -> dict[str, Obj]:
    return _of(objects, "NetworkPolicy")


def _egress_ports(policy: Obj) -> set[tuple[int, str]]:
    return {
        (int(p["port"]), p.get("protocol", "TCP"))
        for rule in policy["spec"].get("egress", [])
        for p in rule.get("ports", [])
    }


def test_every_workload_has_exactly_one_network_policy(objects) -> None:
    policies = _policies(objects)
    for name, deployment in _of(objects, "Deployment").items():
        selecting = [
            n
            for n, p in policies.items()
            if _selects(p["spec"]["podSelector"]["matchLabels"], deployment)
        ]
        assert len(selecting) == 1, f"{name} is selected by {selecting}"
    for name, policy in policies.items():
        assert set(policy["spec"]["policyTypes"]) == {"Ingress", "Egress"}, name
        assert _selected(objects, policy["spec"]["podSelector"]["matchLabels"]), f"{name}: no pod"


def test_policies_open_only_the_metrics_port_and_the_dependencies(objects) -> None:
    by_component = _by_component(objects)
    needs = {
        "ingest": {9092, 6379, 443},
        "classify": {9092},
        "summarize": {9092, 6379},
        "render": {9092},
        "notify": {9092, 6379, 443},
        "celery-worker": {9092, 6379, 443},
        "celery-beat": {6379},
    }
    dns = {(53, "UDP"), (53, "TCP")}
    for name, policy in _policies(objects).items():
        (component,) = [
            c
            for c, d in by_component.items()
            if _selects(policy["spec"]["podSelector"]["matchLabels"], d)
        ]
        ports = _egress_ports(policy)
        assert dns <= ports, f"{name}: no DNS"
        assert {p for p, _ in ports - dns} == needs[component], name
        for rule in policy["spec"].get("egress", []):
            assert "to" not in rule, f"{name}: egress by address (Kafka may be anywhere)"
        ingress = policy["spec"].get("ingress", [])
        opened = {int(p["port"]) for rule in ingress for p in rule.get("ports", [])}
        containers = _containers(by_component[component])
        serves = {p["containerPort"] for c in containers for p in c.get("ports", [])}
        assert opened == serves, f"{name}: opens {opened}, the pod serves {serves}"
        assert all(rule.get("ports") for rule in ingress), (
            f"{name}: an ingress rule opens every port"
        )


# ---------------------------------------------------------------------------- services, budgets


def test_metrics_services_select_one_deployment_on_its_metrics_port(objects) -> None:
    services = _of(objects, "Service")
    assert len(services) == len(WORKERS) + 1  # and the Celery worker's
    for name, service in services.items():
        selected = _selected(objects, service["spec"]["selector"])
        assert len(selected) == 1, f"{name} selects {selected}"
        (port,) = service["spec"]["ports"]
        assert port["name"] == "metrics" and port["port"] == HEALTH_PORT, name
        (container,) = _containers(_of(objects, "Deployment")[selected[0]])
        assert port["targetPort"] in {p["name"] for p in container["ports"]}, name
        notes = service["metadata"]["annotations"]
        assert notes["prometheus.io/scrape"] == "true", name
        assert notes["prometheus.io/port"] == str(HEALTH_PORT), name
        assert notes["prometheus.io/path"] == "/metrics", name


def test_disruption_budgets_select_one_deployment_and_let_a_drain_through(objects) -> None:
    budgets = _of(objects, "PodDisruptionBudget")
    assert budgets
    for name, budget in budgets.items():
        selected = _selected(objects, budget["spec"]["selector"]["matchLabels"])
        assert len(selected) == 1, f"{name} selects {selected}"
        floor = _min_replicas(objects, selected[0])
        # minAvailable equal to the replica floor would block every voluntary eviction.
        assert budget["spec"]["minAvailable"] < floor, f"{name}: drains would hang"


# ---------------------------------------------------------------------------- KEDA

SCALED_OBJECT_SPEC = {
    "scaleTargetRef",
    "pollingInterval",
    "cooldownPeriod",
    "initialCooldownPeriod",
    "idleReplicaCount",
    "minReplicaCount",
    "maxReplicaCount",
    "fallback",
    "advanced",
    "triggers",
}
TRIGGER_FIELDS = {"type", "name", "metadata", "authenticationRef", "metricType", "useCachedMetrics"}
REQUIRED_METADATA = {
    "kafka": {"bootstrapServers", "consumerGroup", "topic", "lagThreshold"},
    "redis": {"address", "listName", "listLength"},
}


def _triggers(objects: list[Obj]) -> Iterator[tuple[str, Obj]]:
    for scaled in _of(objects, "ScaledObject").values():
        target = scaled["spec"]["scaleTargetRef"]["name"]
        component = _component(_of(objects, "Deployment")[target])
        for trigger in scaled["spec"]["triggers"]:
            yield component, trigger


def test_scaled_objects_are_well_formed_and_target_a_deployment(objects) -> None:
    deployments = _of(objects, "Deployment")
    for name, scaled in _of(objects, "ScaledObject").items():
        assert scaled["apiVersion"] == "keda.sh/v1alpha1", name
        spec = scaled["spec"]
        assert set(spec) <= SCALED_OBJECT_SPEC, f"{name}: unknown {set(spec) - SCALED_OBJECT_SPEC}"
        target = spec["scaleTargetRef"]
        assert set(target) <= {"name", "kind", "apiVersion", "envSourceContainerName"}, name
        assert target.get("kind", "Deployment") == "Deployment", name
        assert target["name"] in deployments, f"{name} scales unknown {target['name']}"
        assert "replicas" not in deployments[target["name"]]["spec"], (
            f"{target['name']} sets replicas, which every apply would reset under KEDA's HPA"
        )
        for key in ("minReplicaCount", "maxReplicaCount", "pollingInterval", "cooldownPeriod"):
            assert isinstance(spec[key], int), f"{name}: {key}"
        assert 1 <= spec["minReplicaCount"] <= spec["maxReplicaCount"], name
        assert spec["triggers"], name
        for trigger in spec["triggers"]:
            assert set(trigger) <= TRIGGER_FIELDS, f"{name}: {set(trigger) - TRIGGER_FIELDS}"
            metadata = trigger["metadata"]
            # The CRD types metadata as map[string]string: a bare number is rejected.
            assert all(isinstance(v, str) for v in metadata.values()), f"{name}: {metadata}"
            missing = REQUIRED_METADATA[trigger["type"]] - set(metadata)
            assert not missing, f"{name}: {trigger['type']} trigger lacks {missing}"


def test_kafka_triggers_watch_each_workers_group_and_topic(objects) -> None:
    config = _config(objects)
    seen = {}
    for component, trigger in _triggers(objects):
        if trigger["type"] != "kafka":
            continue
        metadata = trigger["metadata"]
        seen[component] = (metadata["consumerGroup"], metadata["topic"])
        assert metadata["bootstrapServers"] == config["TWEETPULSE_KAFKA__BOOTSTRAP_SERVERS"]
        assert int(metadata["lagThreshold"]) > 0
    assert seen == KAFKA_INPUTS
    assert RENDER_INPUT[1] not in {t for _, t in seen.values()}, "render is a singleton"


def test_kafka_scaling_stops_at_the_partition_count(objects) -> None:
    partitions = int(_config(objects)["TWEETPULSE_KAFKA__PARTITIONS"])
    for scaled in _of(objects, "ScaledObject").values():
        if any(t["type"] == "kafka" for t in scaled["spec"]["triggers"]):
            assert scaled["spec"]["maxReplicaCount"] <= partitions


def test_the_redis_trigger_watches_the_celery_queue_on_the_broker_db(objects) -> None:
    url = urlsplit(_config(objects)["TWEETPULSE_REDIS__URL"])
    triggers = [(c, t) for c, t in _triggers(objects) if t["type"] == "redis"]
    assert [c for c, _ in triggers] == ["celery-worker"]
    metadata = triggers[0][1]["metadata"]
    assert metadata["listName"] == CELERY_QUEUE
    assert metadata["address"] == f"{url.hostname}:{url.port or 6379}"
    assert metadata.get("databaseIndex", "0") == (url.path.strip("/") or "0")
    assert int(metadata["listLength"]) > 0


# ---------------------------------------------------------------------------- overlays


def _overlay(tmp_path: Path, body: str) -> Path:
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    base = os.path.relpath(BASE, overlay)
    (overlay / "kustomization.yaml").write_text(body.replace("../../base", base), "utf-8")
    return overlay


def test_a_name_prefix_renames_scale_targets_too(kustomize, tmp_path) -> None:
    overlay = _overlay(
        tmp_path, "namePrefix: prod-\nnamespace: tweetpulse\nresources:\n  - ../../base\n"
    )
    objects = _build(kustomize, overlay)
    deployments = _of(objects, "Deployment")
    assert all(name.startswith("prod-") for name in deployments)
    for scaled in _of(objects, "ScaledObject").values():
        assert scaled["spec"]["scaleTargetRef"]["name"] in deployments
    for deployment in deployments.values():
        for container in _containers(deployment):
            assert all(
                ref.get("configMapRef", ref.get("secretRef", {}))["name"].startswith("prod-")
                for ref in container["envFrom"]
            )


def test_the_readme_overlay_example_renders_and_replaces_the_secret(kustomize, tmp_path) -> None:
    blocks = re.findall(r"```yaml\n(.*?)```", README.read_text("utf-8"), flags=re.DOTALL)
    (example,) = [b for b in blocks if "secretGenerator" in b]
    overlay = _overlay(tmp_path, example)
    (overlay / "secrets.env").write_text("TWEETPULSE_ANTHROPIC__API_KEY=not-a-real-key\n", "utf-8")
    objects = _build(kustomize, overlay)
    secret = _one(objects, "Secret")
    assert "stringData" not in secret and secret["data"]["TWEETPULSE_ANTHROPIC__API_KEY"]
    servers = _config(objects)["TWEETPULSE_KAFKA__BOOTSTRAP_SERVERS"]
    for _, trigger in _triggers(objects):
        if trigger["type"] == "kafka":
            assert trigger["metadata"]["bootstrapServers"] == servers
    assert all(o["metadata"].get("namespace") for o in objects)


def test_the_readme_tls_overlay_renders_and_mounts_the_ca_where_the_settings_say(
    kustomize, tmp_path, monkeypatch
) -> None:
    blocks = re.findall(r"```yaml\n(.*?)```", README.read_text("utf-8"), flags=re.DOTALL)
    (example,) = [b for b in blocks if "SECURITY_PROTOCOL" in b]
    objects = _build(kustomize, _overlay(tmp_path, example))
    config = _config(objects)
    assert config["TWEETPULSE_KAFKA__SECURITY_PROTOCOL"] == "SASL_SSL"
    assert not [k for k in config if CREDENTIAL.search(k)], "a credential moved to the ConfigMap"
    env = {**config, **_one(objects, "Secret")["stringData"]}
    env |= {  # what an operator puts in the Secret
        "TWEETPULSE_KAFKA__SASL_USERNAME": "tweetpulse",
        "TWEETPULSE_KAFKA__SASL_PASSWORD": "not-a-real-password",
    }
    for key in list(os.environ):
        if key.startswith("TWEETPULSE_"):
            monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    settings = Settings()
    assert settings.kafka.tls and settings.redis.tls
    ca = {str(settings.kafka.ssl_cafile), str(settings.redis.ssl_ca_certs)}
    (ca_file,) = ca
    for name, deployment in _of(objects, "Deployment").items():
        (container,) = _containers(deployment)
        mounts = [m["mountPath"] for m in container["volumeMounts"]]
        assert any(ca_file.startswith(f"{m}/") for m in mounts), f"{name}: no CA at {ca_file}"
        refs = [r["configMapRef"]["name"] for r in container["envFrom"] if "configMapRef" in r]
        assert refs == [_one(objects, "ConfigMap")["metadata"]["name"]], name
    for policy in _policies(objects).values():
        assert {9093, 6380} <= {p for p, _ in _egress_ports(policy)}
