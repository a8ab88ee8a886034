"""The topology table: what both runners subscribe, and what each service says it publishes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from services import topology, topology_docs
from services.cli import _parser
from services.embedded import run_embedded
from services.ingest.sources import build_source
from services.render import bootstrap as render_bootstrap
from services.topology import Consumer, Wiring
from shared.bus import MemoryBus
from shared.models import TOPIC_MODELS, Contract, PostRendered
from shared.settings import RenderSettings, Settings
from shared.store import MemoryStore
from tests.unit.test_render_handler import FakeCloud

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "tweets-2026-01-02.csv"


def test_rows_name_distinct_services_groups_and_known_topics() -> None:
    names = [s.name for s in topology.SERVICES]
    assert len(set(names)) == len(names)
    groups = [c.group for c in topology.CONSUMERS]
    assert len(set(groups)) == len(groups)
    for consumer in topology.CONSUMERS:
        assert TOPIC_MODELS[topology.topic(consumer.reads)] is consumer.reads
    for service in topology.SERVICES:
        assert all(model in TOPIC_MODELS.values() for model in service.publishes)
    assert topology.by_name("render") is topology.RENDER
    assert topology.by_name("notify") is topology.NOTIFY
    with pytest.raises(ValueError, match="one of ingest, classify, summarize, render, notify"):
        topology.by_name("archive")


def test_the_embedded_run_publishes_only_what_the_rows_declare(tmp_path: Path) -> None:
    settings = Settings(render=RenderSettings(site_dir=tmp_path / "site"))
    wiring = Wiring(settings, MemoryStore())
    wiring.provide(topology.RENDER, render_bootstrap.build_deps(settings, cloud=FakeCloud()))
    bus = MemoryBus()
    source = build_source("file", settings=settings, store=wiring.store, inputs=[SAMPLE])
    run_embedded(source, settings, wiring=wiring, bus=bus)
    declared = {topology.topic(m) for s in topology.SERVICES for m in s.publishes}
    published = {topic for topic, n in bus.counts.items() if n and not topic.endswith(".dlq")}
    assert published == declared


@dataclass
class _Archive:
    """What a sixth service's deps might be: here, where it records the posts it saw."""

    seen: list[str] = field(default_factory=list)


def _archive(msg: PostRendered, *, deps: _Archive) -> list[Contract]:
    deps.seen.append(msg.window_id)
    return []


def test_a_sixth_service_is_one_more_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = Consumer(
        name="archive",
        reads=PostRendered,
        group="archive",
        build_deps=lambda settings, store: _Archive(),
        handle=_archive,
    )
    monkeypatch.setattr(topology, "CONSUMERS", (*topology.CONSUMERS, archive))
    monkeypatch.setattr(topology, "SERVICES", (*topology.SERVICES, archive))

    assert topology.by_name("archive") is archive
    assert _parser().parse_args(["worker", "archive"]).service == "archive"
    assert "render -- posts.rendered --> archive" in topology_docs.mermaid()
    assert "render -- posts.rendered --> notify" in topology_docs.mermaid()
    assert "| render | notify (`notify`), archive (`archive`) |" in topology_docs.topic_table()
    settings = Settings(render=RenderSettings(site_dir=tmp_path / "site"))
    wiring = Wiring(settings, MemoryStore())
    wiring.provide(topology.RENDER, render_bootstrap.build_deps(settings, cloud=FakeCloud()))
    source = build_source("file", settings=settings, store=wiring.store, inputs=[SAMPLE])
    # notify is opt-in: without --notify it is not built at all (it has no target here)
    summary = run_embedded(source, settings, wiring=wiring)
    assert wiring.deps(archive).seen == ["2026-01-02"]
    assert summary.notify is None
    assert [p.window_id for p in summary.posts] == ["2026-01-02"]


def test_opt_in_services_run_embedded_only_when_named() -> None:
    assert topology.NOTIFY not in topology.embedded()
    assert topology.NOTIFY in topology.embedded(["notify"])
    assert [c.name for c in topology.embedded()] == ["classify", "summarize", "render"]
    with pytest.raises(ValueError, match="not an opt-in service: render"):
        topology.embedded(["render"])
