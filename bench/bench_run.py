"""Benchmark: ``tweetpulse run`` on generated one-day inputs of growing size.

Prints wall time, records/s and peak RSS for each size (median of ``--repeat`` runs), and the
RSS ratio between the largest and smallest input: the aggregates are bounded, so RSS should stay
flat while the input grows. Targets: 100,000 tweets in 60 s or less, peak RSS 1 GB or less.

    python -m bench.bench_run [--sizes 20000,50000,100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "data"


def _generate(count: int) -> Path:
    path = DATA / f"tweets-{count}.csv"
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "bench.gen_tweets", "--count", str(count), "--out", str(path)],
            check=True,
            cwd=ROOT,
        )
    return path


_CHILD = (
    "import resource, sys\n"
    "from services.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "print('peak_rss_kib', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def _one_run(path: Path) -> tuple[float, int]:
    """Wall seconds and peak RSS in bytes of one ``tweetpulse run`` in its own process."""
    with tempfile.TemporaryDirectory() as site:
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, "run", "--input", str(path), "--site", site, "--quiet"],
            check=True,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "TWEETPULSE_LOG_LEVEL": "WARNING"},
        )
        wall = time.perf_counter() - start
    line = [ln for ln in done.stderr.splitlines() if ln.startswith("peak_rss_kib")][-1]
    return wall, int(line.split()[1]) * 1024


def main() -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="20000,50000,100000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))

    print(f"tweetpulse run, embedded, one day; median of {args.repeat} runs per size")
    print(f"{'tweets':>8}  {'wall s':>7}  {'records/s':>10}  {'peak RSS MB':>11}")
    rss_by_size = {}
    for count in sizes:
        path = _generate(count)
        walls, peaks = [], []
        for _ in range(args.repeat):
            wall, peak = _one_run(path)
            walls.append(wall)
            peaks.append(peak)
        wall = statistics.median(walls)
        rss_by_size[count] = max(peaks)
        print(f"{count:>8,}  {wall:>7.1f}  {count / wall:>10,.0f}  {max(peaks) / 2**20:>11.0f}")
    small, large = sizes[0], sizes[-1]
    print(
        f"input x{large / small:.1f} -> peak RSS x{rss_by_size[large] / rss_by_size[small]:.2f} "
        "(flat means the aggregates are bounded)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
