"""Notify's counts on the worker's ``/metrics``, per target.

=================================  ====================================================
``tweetpulse_notify_sent_total``       pushes a target accepted
``tweetpulse_notify_failed_total``     pushes that failed for good (each one dead-lettered)
``tweetpulse_notify_suppressed_total`` pushes not made, ``reason`` ``duplicate`` (a redelivered
                                       or unchanged post) or ``daily_limit``
``tweetpulse_notify_deferred_total``   posts that arrived in quiet hours, per target
``tweetpulse_notify_retries_total``    tries beyond the first
=================================  ====================================================

Every series is labelled ``service`` and ``target``; the configured targets show from the start,
at zero.
"""

from __future__ import annotations

import threading

from prometheus_client import Counter

from shared.telemetry import Telemetry

from .handler import NotifyDeps

SUPPRESSED = ("duplicate", "daily_limit")


def export(deps: NotifyDeps, telemetry: Telemetry) -> None:
    """Serve ``deps.stats`` on ``telemetry``'s /metrics (read at each scrape)."""
    labels = ["service", "target"]

    def counter(name: str, doc: str, extra: tuple[str, ...] = ()) -> Counter:
        return Counter(name, doc, [*labels, *extra], registry=telemetry.registry)

    plain = {
        "sent": counter("tweetpulse_notify_sent", "Pushes a target accepted"),
        "failed": counter("tweetpulse_notify_failed", "Pushes that failed for good"),
        "deferred": counter("tweetpulse_notify_deferred", "Posts deferred by quiet hours"),
        "retries": counter("tweetpulse_notify_retries", "Tries beyond the first"),
    }
    suppressed = counter("tweetpulse_notify_suppressed", "Pushes not made, by reason", ("reason",))
    service = telemetry.service
    for target in deps.targets:
        for metric in plain.values():
            metric.labels(service, target.name)
        for reason in SUPPRESSED:
            suppressed.labels(service, target.name, reason)
    exported: dict[tuple[str, str], int] = {}
    lock = threading.Lock()  # scrapes are answered on the server's threads

    def read() -> None:
        with lock:
            _read()

    def _read() -> None:
        for (target, outcome), count in deps.stats.snapshot().items():
            delta = count - exported.get((target, outcome), 0)
            if delta <= 0:
                continue
            exported[(target, outcome)] = count
            if outcome in SUPPRESSED:
                suppressed.labels(service, target, outcome).inc(delta)
            else:
                plain[outcome].labels(service, target).inc(delta)

    telemetry.before_scrape.append(read)
