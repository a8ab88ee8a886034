"""The embedded store's seen-sets: membership over 64-bit digests, across merges."""

from __future__ import annotations

import subprocess
import sys

import pytest

from shared.store import DigestSet


@pytest.fixture
def small_merge(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(DigestSet, "MERGE", 7)


def test_membership_and_counts_across_merges(small_merge: None) -> None:
    held = DigestSet()
    added = [held.add(f"tw:user{i}:{i % 5}") for i in range(100)]
    assert all(added) and len(held) == 100
    assert all(f"tw:user{i}:{i % 5}" in held for i in range(100))
    assert not any(f"tw:user{i}:{i % 5}" in held for i in range(100, 200))
    # Again, old (merged into the array) and new (still in the recent set): no longer new.
    assert not held.add("tw:user3:3") and not held.add("tw:user99:4")
    assert len(held) == 100
    assert "" not in held and held.add("") and "" in held
    assert "日本語の id ✓" not in held and held.add("日本語の id ✓") and "日本語の id ✓" in held
    assert 3 not in held  # not a string


def test_a_million_ids_cost_tens_of_bytes_each() -> None:
    code = (
        "import resource\n"
        "from shared.store import DigestSet\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "held = DigestSet(f'tw:user{i}_ab:{i * 2654435761 % 10**16:016x}:7' for i in range(10**6))\n"
        "assert len(held) == 10**6\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    grown_kib = int(out.stdout.strip())
    # A Python set of these strings grows by about 124 MB; the digests by about 20 MB (8 bytes
    # each, the merge's copy and the recent set).
    assert grown_kib < 40 * 1024, grown_kib
