"""Which service reads which topic with which handler: the one table both runners loop over.

Each row names a service, what it reads (a topic's model, or for ingest a source of records), its
consumer group, how its deps are built from the settings and the state store, its handler, and
what it publishes. ``services.embedded`` subscribes every consumer to a ``MemoryBus`` in one
process; ``services.worker`` subscribes the one it is asked for to Kafka. The README's diagram and
topic table are drawn from this table too (``services.topology_docs``, ``make schemas``).

A new service is one more row: its deps builder and handler, the topic it reads, its group.
A row may also name work due by the clock (``tick``, notify's deferred pushes), what the service
counts itself for ``/metrics`` (``observe``), and whether the embedded mode runs it only when
asked (``opt_in``: ``tweetpulse run --notify``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, Protocol, TypeVar, cast

from services.classify import bootstrap as classify_bootstrap
from services.classify import handler as classify
from services.ingest import bootstrap as ingest_bootstrap
from services.ingest import handler as ingest
from services.notify import bootstrap as notify_bootstrap
from services.notify import handler as notify
from services.notify import metrics as notify_metrics
from services.render import bootstrap as render_bootstrap
from services.render import handler as render
from services.summarize import bootstrap as summarize_bootstrap
from services.summarize import handler as summarize
from shared.bus import Bus
from shared.dispatch import Handler
from shared.models import (
    TOPIC_MODELS,
    Contract,
    PostRendered,
    ReportReady,
    TweetClassified,
    TweetIngested,
)
from shared.settings import Settings
from shared.store import StateStore
from shared.telemetry import Telemetry

M = TypeVar("M", bound=Contract)
R = TypeVar("R")
R_contra = TypeVar("R_contra", contravariant=True)
D = TypeVar("D")
D_contra = TypeVar("D_contra", contravariant=True)


class Handle(Protocol[R_contra, D_contra]):
    """A service's pure handler: ``handle(message, *, deps) -> events``."""

    def __call__(self, message: R_contra, /, *, deps: D_contra) -> Sequence[Contract]:
        """The events one message (or input record) gives."""
        ...


class Wrap(Protocol):
    """What a runner puts around each consumer's handler as it subscribes it (telemetry)."""

    def __call__(self, consumer: Consumer[M, Any], handler: Handler[M], /) -> Handler[M]:
        """``handler``, wrapped."""
        ...


@dataclass(frozen=True, kw_only=True)
class Service(Generic[R, D]):
    """One service: its deps, its handler and what it publishes; ``R`` is what it handles."""

    name: str
    build_deps: Callable[[Settings, StateStore], D]
    handle: Handle[R, D]
    publishes: tuple[type[Contract], ...] = ()
    """Topics it writes (summarize: from its scheduled builds, not per message)."""
    keeps: str = ""
    """What it keeps in the state store, for the diagram."""
    writes: str = ""
    """What it writes outside the bus, for the diagram."""


@dataclass(frozen=True, kw_only=True)
class Source(Service[R, D]):
    """A service fed by a source of records rather than a topic (ingest)."""

    reads_from: str
    """Where its records come from, for the diagram."""


@dataclass(frozen=True, kw_only=True)
class Consumer(Service[M, D]):
    """A service that consumes one topic in a consumer group."""

    reads: type[M]
    group: str
    scheduled_by: str = ""
    """What triggers its work besides messages, for the diagram."""
    tick: Callable[[D], Sequence[Contract]] | None = None
    """Work due by the clock, not by a message; both runners call it every ``tick_every_s``."""
    tick_every_s: Callable[[Settings], float] = lambda settings: settings.report.refresh_tick_s
    observe: Callable[[D, Telemetry], None] | None = None
    """Exports to a worker's /metrics what the service counts itself."""
    opt_in: bool = False
    """The embedded mode runs it only when asked (``tweetpulse run --notify``)."""


INGEST = Source(
    name="ingest",
    reads_from="tweet files / X API",
    build_deps=lambda settings, store: ingest_bootstrap.build_deps(settings, store=store),
    handle=ingest.handle,
    publishes=(TweetIngested,),
    keeps="dedup",
)
CLASSIFY = Consumer(
    name="classify",
    reads=TweetIngested,
    group="classify",
    build_deps=lambda settings, store: classify_bootstrap.build_deps(settings),
    handle=classify.handle,
    publishes=(TweetClassified,),
)
SUMMARIZE = Consumer(
    name="summarize",
    reads=TweetClassified,
    group="summarize",
    build_deps=lambda settings, store: summarize_bootstrap.build_deps(settings, store=store),
    handle=summarize.handle,
    publishes=(ReportReady,),
    keeps="window aggregates, caches",
    scheduled_by="Celery beat + worker",
)
RENDER = Consumer(
    name="render",
    reads=ReportReady,
    group="render",
    build_deps=lambda settings, store: render_bootstrap.build_deps(settings),
    handle=render.handle,
    publishes=(PostRendered,),
    writes="site/_posts/*.md<br/>site/assets/images/*.jpg",
)

NOTIFY = Consumer(
    name="notify",
    reads=PostRendered,
    group="notify",
    build_deps=lambda settings, store: notify_bootstrap.build_deps(settings, store=store),
    handle=notify.handle,
    keeps="notification ledger",
    writes="Feishu, DingTalk, WeCom,<br/>Telegram, Slack, webhooks",
    tick=notify.release_deferred,
    tick_every_s=lambda settings: settings.notify.tick_s,
    observe=notify_metrics.export,
    opt_in=True,
)

CONSUMERS: tuple[Consumer[Any, Any], ...] = (CLASSIFY, SUMMARIZE, RENDER, NOTIFY)
"""Every topic consumer, in pipeline order."""
SERVICES: tuple[Service[Any, Any], ...] = (INGEST, *CONSUMERS)
"""Every service, in pipeline order (``tweetpulse worker NAME`` takes their names)."""


def embedded(opted_in: Sequence[str] = ()) -> tuple[Consumer[Any, Any], ...]:
    """The consumers the embedded mode runs: every one, but an opt-in one only when named."""
    unknown = set(opted_in) - {c.name for c in CONSUMERS if c.opt_in}
    if unknown:
        raise ValueError(f"not an opt-in service: {', '.join(sorted(unknown))}")
    return tuple(c for c in CONSUMERS if not c.opt_in or c.name in opted_in)


def topic(model: type[Contract]) -> str:
    """The topic ``model`` is published on."""
    for name, candidate in TOPIC_MODELS.items():
        if candidate is model:
            return name
    raise ValueError(f"{model.__name__} is not a topic model")


def by_name(name: str) -> Service[Any, Any]:
    """The service called ``name``; ``ValueError`` naming the known ones otherwise."""
    for service in SERVICES:
        if service.name == name:
            return service
    raise ValueError(f"unknown service {name!r}; one of {', '.join(s.name for s in SERVICES)}")


class Wiring:
    """Each service's deps for one process, built on first use from the settings and the store.

    Tests :meth:`provide` their own deps (a fake word cloud, a fixed clock) before a run.
    """

    def __init__(self, settings: Settings, store: StateStore) -> None:
        self.settings = settings
        self.store = store
        self._deps: dict[str, object] = {}

    def provide(self, service: Service[R, D], deps: D) -> None:
        """Use ``deps`` for ``service`` instead of building them."""
        self._deps[service.name] = deps

    def deps(self, service: Service[R, D]) -> D:
        """The deps of ``service``, built once."""
        if service.name not in self._deps:
            self._deps[service.name] = service.build_deps(self.settings, self.store)
        # Stored under the service's name by provide() or the line above, both typed D.
        return cast(D, self._deps[service.name])

    def handler(self, service: Service[R, D]) -> Callable[[R], Sequence[Contract]]:
        """The service's handler with its deps bound."""
        return partial(service.handle, deps=self.deps(service))


def _as_is(consumer: Consumer[M, Any], handler: Handler[M]) -> Handler[M]:
    return handler


def subscribe(
    bus: Bus,
    wiring: Wiring,
    consumers: Sequence[Consumer[Any, Any]] | None = None,
    *,
    wrap: Wrap = _as_is,
) -> None:
    """Subscribe each consumer (default: all but the opt-in ones) to its topic in its group,
    wrapped by ``wrap``."""
    for consumer in embedded() if consumers is None else consumers:
        bus.subscribe(
            consumer.reads, wrap(consumer, wiring.handler(consumer)), group=consumer.group
        )
