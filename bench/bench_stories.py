"""Benchmark: story quality on the sample, and classify + summarize speed with and without stories.

    python -m bench.bench_stories [--volume 20000]

1. Pairwise precision and recall of the story clustering against the sample's ground truth
   (``samples/stories-2026-01-02.csv``, written by ``samples/make_sample.py``), over the sample's
   distinct tweets (a retweet row is its original's tweet). Targets: 0.9 each.
2. Tweets per second of classify + summarize's aggregation on one core, over ``--volume``
   generated tweets (``bench.gen_tweets``), with the story table and without it (the story
   fingerprint and its tally left out), and the time of one story build over the full table.
   Target: 5,000 tweets/s with stories. Times are the process's CPU time, so a machine shared
   with other work still measures one core's rate.
"""

from __future__ import annotations

import argparse
import csv
import io
import itertools
import time
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

from services.classify import handler as classify
from services.classify.bootstrap import build_classifier, bundled_model
from services.classify.taxonomy import load_taxonomy
from services.ingest import handler as ingest
from services.ingest.sources import build_source
from services.summarize import aggregate
from services.summarize.aggregate import T_STORIES, deltas_for, identity
from services.summarize.keys import scope_for
from services.summarize.stories import cluster
from services.summarize.stories import forget as forget_fingerprints
from shared.heap import freeze_built
from shared.models import TweetClassified, TweetIngested
from shared.settings import Settings
from shared.store import Delta, MemoryStore

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "tweets-2026-01-02.csv"
TRUTH = ROOT / "samples" / "stories-2026-01-02.csv"


def classified(path: Path, settings: Settings | None = None) -> Iterator[TweetClassified]:
    """Every tweet of a CSV, ingested and classified as the pipeline does."""
    settings = settings or Settings()
    store = MemoryStore()
    source = build_source("file", settings=settings, store=store, inputs=[path])
    ideps = ingest.IngestDeps(store=store, settings=settings.ingest)
    cdeps = classify.ClassifyDeps(
        classifier=build_classifier(load_taxonomy(), model=bundled_model())
    )
    for record in source.records():
        for event in ingest.handle(record, deps=ideps):
            if isinstance(event, TweetIngested):
                yield from classify.handle(event, deps=cdeps)


def aggregate_all(msgs: list[TweetClassified], settings: Settings) -> MemoryStore:
    """A store holding the aggregates of ``msgs``, applied in order."""
    store = MemoryStore()
    for msg in msgs:
        for scope, event_id, delta in deltas_for(msg, settings.report):
            store.apply(scope, event_id, delta)
    return store


def truth_by_identity(msgs: list[TweetClassified]) -> dict[str, str]:
    """Each distinct tweet's (identity's) true story, from the sidecar (by CSV row id)."""
    with TRUTH.open(encoding="utf-8", newline="") as f:
        by_id = {row["id"]: row["story"] for row in csv.DictReader(f)}
    out: dict[str, str] = {}
    for msg in msgs:
        rt = msg.tweet.via_retweet
        row_id = rt.retweet_id if rt is not None else msg.tweet.tweet_id
        if row_id in by_id:
            out.setdefault(identity(msg), by_id[row_id])
    return out


def pairwise(truth: dict[str, str], predicted: dict[str, int]) -> tuple[float, float]:
    """Pairwise precision and recall of ``predicted`` clusters against ``truth`` labels."""
    members = sorted(set(truth) & set(predicted))
    same_pred = same_true = both = 0
    for a, b in itertools.combinations(members, 2):
        p = predicted[a] == predicted[b]
        t = truth[a] == truth[b]
        same_pred += p
        same_true += t
        both += p and t
    return (both / same_pred if same_pred else 1.0, both / same_true if same_true else 1.0)


def sample_quality(settings: Settings | None = None) -> tuple[float, float, dict[str, int]]:
    """Precision, recall, and how many predicted stories each true story was split into."""
    settings = settings or Settings()
    msgs = list(classified(SAMPLE, settings))
    store = aggregate_all(msgs, settings)
    snap = store.snapshot(scope_for("2026-01-02"))
    predicted = {
        it.member: n for n, group in enumerate(cluster(snap.tallies[T_STORIES])) for it in group
    }
    truth = truth_by_identity(msgs)
    precision, recall = pairwise(truth, predicted)
    splits: dict[str, set[int]] = {}
    for member, label in truth.items():
        if member in predicted and not label.startswith("solo:"):
            splits.setdefault(label, set()).add(predicted[member])
    return precision, recall, {k: len(v) for k, v in sorted(splits.items())}


def _without_stories(
    msg: TweetClassified, report: object, real=deltas_for
) -> list[tuple[str, str, Delta]]:
    out = []
    for scope, event_id, delta in real(msg, report):
        tallies = {g: t for g, t in delta.tallies.items() if g != T_STORIES}
        out.append((scope, event_id, Delta(delta.counters, tallies, delta.tally_caps,
                                           delta.rankings, delta.ranking_caps)))  # fmt: skip
    return out


def throughput(volume: int) -> tuple[float, float, float]:
    """Tweets/s of classify + aggregate with stories and without, and one build's seconds."""
    from bench.gen_tweets import main as gen

    path = ROOT / "bench" / "data" / f"tweets-{volume}.csv"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        gen(["--count", str(volume), "--out", str(path)])
    settings = Settings()
    ingested = []
    for msg in classified(path, settings):
        ingested.append(msg.tweet)
    cdeps = classify.ClassifyDeps(
        classifier=build_classifier(load_taxonomy(), model=bundled_model())
    )
    # Warm-up, untimed: imports and the classifier's caches.
    warm = MemoryStore()
    for tweet in ingested[:500]:
        for msg in classify.handle(tweet, deps=cdeps):
            for scope, event_id, delta in deltas_for(msg, settings.report):
                warm.apply(scope, event_id, delta)
    freeze_built()  # as a worker does once its deps are built (shared.heap)
    rates = []
    for stories in (False, True, False):
        store = MemoryStore()
        patch = (
            mock.patch.object(aggregate, "story_doc", lambda msg, fields, encoded=None: "")
            if not stories
            else mock.patch.object(aggregate, "T_CLUSTERS", aggregate.T_CLUSTERS)
        )
        fn = deltas_for if stories else _without_stories
        # Each pass reads the tweets as a fresh stream: the memos of recent texts start empty.
        cdeps.classifier.forget()
        forget_fingerprints()
        with patch:
            start = time.process_time()
            for tweet in ingested:
                for msg in classify.handle(tweet, deps=cdeps):
                    for scope, event_id, delta in fn(msg, settings.report):
                        store.apply(scope, event_id, delta)
            rates.append(len(ingested) / (time.process_time() - start))
        if stories:
            kept = store
    start = time.process_time()
    for scope in kept.scopes():
        cluster(kept.snapshot(scope).tallies.get(T_STORIES, []))
    # Without stories is timed before and after (the machine's pace drifts); its mean is reported.
    return rates[1], (rates[0] + rates[2]) / 2, time.process_time() - start


def main(argv: list[str] | None = None) -> int:
    """Print the quality and speed figures."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--volume", type=int, default=20_000)
    parser.add_argument("--no-speed", action="store_true")
    args = parser.parse_args(argv)
    precision, recall, splits = sample_quality()
    print(f"sample: pairwise precision {precision:.3f}, recall {recall:.3f}")
    out = io.StringIO()
    for label, n in splits.items():
        if n > 1:
            out.write(f"  {label} split into {n} stories\n")
    print(out.getvalue(), end="")
    if not args.no_speed:
        with_s, without_s, build_s = throughput(args.volume)
        print(
            f"classify + summarize on one core, {args.volume} tweets: {with_s:,.0f} tweets/s "
            f"with stories, {without_s:,.0f} without; story build {build_s:.2f} s"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
