"""The process's long-lived objects, set aside from the cyclic garbage collector.

A service builds its deps once (the taxonomy's lexicon, jieba's dictionary, the model's tables,
the summarizer's background: hundreds of thousands of objects) and keeps them for the life of
the process. The collector would walk every one of them on each full collection while the stream
allocates; :func:`freeze_built` moves everything alive now into its permanent generation, so it
walks only what the stream allocates (about a tenth of the classify handler's time on
all-distinct text, ``bench_classify``). Reference counting still frees what the stream drops.

Called once, after the deps are built, by a worker process and by ``tweetpulse run``; the
benchmarks call it as they do. Not for a process that builds deps again and again (tests): a
frozen cycle is never collected.
"""

from __future__ import annotations

import gc


def freeze_built() -> None:
    """Collect the garbage of building, then freeze every object still alive."""
    gc.collect()
    gc.freeze()
