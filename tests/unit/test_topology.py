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
    with pytest.raises(ValueError, match="one of ingest, classify, summarize, render"):
        topology.by_name("notify")


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
class _Notify:
    """What a fifth service's deps might be: here, where it records the posts it saw."""

    seen: list[str] = field(default_factory=list)


def _notify(msg: PostRendered, *, deps: _Notify) -> list[Contract]:
    deps.seen.append(msg.window_id)
    return []


def test_a_fifth_service_is_one_more_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    notify = Consumer(
        name="notify",
        reads=PostRendered,
        group="notify",
        build_deps=lambda settings, store: _Notify(),
        handle=_notify,
    )
    monkeypatch.setattr(topology, "CONSUMERS", (*topology.CONSUMERS, notify))
    monkeypatch.setattr(topology, "SERVICES", (*topology.SERVICES, notify))

    assert topology.by_name("notify") is notify
    assert _parser().parse_args(["worker", "notify"]).service == "notify"
    assert "render -- posts.rendered --> notify" in topology_docs.mermaid()
    assert "other teams" not in topology_docs.mermaid()
    assert "| render | notify (`notify`) |" in topology_docs.topic_table()
    settings = Settings(render=RenderSettings(site_dir=tmp_path / "site"))
    wiring = Wiring(settings, MemoryStore())
    wiring.provide(topology.RENDER, render_bootstrap.build_deps(settings, cloud=FakeCloud()))
    source = build_source("file", settings=settings, store=wiring.store, inputs=[SAMPLE])
    run_embedded(source, settings, wiring=wiring)
    assert wiring.deps(notify).seen == ["2026-01-02"]
