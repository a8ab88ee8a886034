"""The Celery worker's task meter: what each outcome counts (the worker itself is tested in
tests/integration/test_worker_telemetry.py, with prefork and solo pools)."""

from __future__ import annotations

from prometheus_client import generate_latest

from services.summarize.celery_telemetry import SERVICE, TaskMeter
from shared.telemetry import Telemetry


def _sample(t: Telemetry, name: str, **labels: str) -> float:
    value = t.registry.get_sample_value(name, {"service": SERVICE, **labels})
    return 0.0 if value is None else value


def test_outcomes_count_as_processed_or_failed_and_by_task() -> None:
    t = Telemetry(SERVICE)
    meter = TaskMeter(t)
    for task_id, task, state in (
        ("a", "tweetpulse.refresh", "succeeded"),
        ("b", "tweetpulse.build", "succeeded"),
        ("c", "tweetpulse.build", "retried"),
        ("d", "tweetpulse.build", "failed"),
    ):
        meter.started(task_id)
        meter.finished(task_id, task, state)
    assert _sample(t, "tweetpulse_messages_processed_total") == 2
    assert _sample(t, "tweetpulse_messages_failed_total") == 2
    assert _sample(t, "tweetpulse_handling_seconds_count") == 4
    build = {"task": "tweetpulse.build"}
    assert _sample(t, "tweetpulse_celery_tasks_total", **build, state="retried") == 1
    assert _sample(t, "tweetpulse_celery_tasks_total", **build, state="failed") == 1
    assert (
        _sample(t, "tweetpulse_celery_tasks_total", task="tweetpulse.refresh", state="succeeded")
        == 1
    )


def test_a_task_never_seen_starting_is_counted_but_not_timed() -> None:
    t = Telemetry(SERVICE)
    TaskMeter(t).finished("x", "tweetpulse.build", "succeeded")
    assert _sample(t, "tweetpulse_messages_processed_total") == 1
    assert _sample(t, "tweetpulse_handling_seconds_count") == 0
    assert b"tweetpulse_celery_tasks_total" in generate_latest(t.exposed)
