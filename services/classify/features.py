"""The model's features: hashed word unigrams, word bigrams, character n-grams and a few markers.

One function, ``feature_ids``, turns a text's words (the lower-cased Latin tokens the classifier
already cut) and markers (cashtag, signed percentage, emoji) into indices of a fixed table of
``2**BITS`` slots. Training builds its matrix with it and the run-time scorer (``model.py``)
computes the same ids, so the two agree exactly; a test checks that they do.

- a word: ``w`` + the word (digits folded to ``0``), hashed with CRC-32 (stable across runs and
  machines, unlike ``hash``), and the character 3- to 5-grams of ``<word>``, which let the model
  see "downgrades" in "downgraded";
- a bigram: the two words' hashes mixed by integer arithmetic, so that at run time a bigram costs
  no string work at all;
- a marker: ``x`` + its name.

Every occurrence counts (a repeated word counts twice), and a text's vector is scaled by
``1/sqrt(occurrences)``, so long and short texts score on one scale.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Sequence
from itertools import pairwise

BITS = 18
DIM = 1 << BITS
MASK = DIM - 1
CHAR_NGRAMS = (3, 4, 5)
VERSION = 1
"""Bumped whenever the ids change; the weights file records it and loading checks it."""

_DIGITS = str.maketrans("123456789", "000000000")
_EMOJI = re.compile("[\u2190-\u21ff\u2300-\u27bf\u2b00-\u2bff\U0001f000-\U0001faff]")


def word_key(word: str) -> str:
    """The form of a word that is hashed: digits folded, so "2023" and "1999" are one word."""
    return word.translate(_DIGITS) if any(c.isdigit() for c in word) else word


def word_hash(key: str) -> int:
    """A word's 32-bit hash (its unigram slot is ``word_hash & MASK``)."""
    return zlib.crc32(b"w" + key.encode("utf-8"))


def word_ids(key: str) -> list[int]:
    """A word's own slots: its unigram and its character n-grams."""
    ids = [word_hash(key) & MASK]
    padded = "<" + key + ">"
    for n in CHAR_NGRAMS:
        if len(padded) < n:
            break
        ids.extend(
            zlib.crc32(b"c" + padded[i : i + n].encode("utf-8")) & MASK
            for i in range(len(padded) - n + 1)
        )
    return ids


def bigram_id(h1: int, h2: int) -> int:
    """The slot of two consecutive words, from their hashes."""
    h = (h1 * 0x9E3779B1 + h2) & 0xFFFFFFFF
    return (h ^ (h >> 15)) & MASK


def marker_id(name: str) -> int:
    """The slot of a marker (``cashtag``, ``pct+``, ``e:🚀``)."""
    return zlib.crc32(b"x" + name.encode("utf-8")) & MASK


def markers(clean: str, *, cashtags: int, percent_signs: Iterable[str]) -> list[str]:
    """The markers of a text: cashtags, signed percentages, emoji (each occurrence)."""
    out = ["cashtag"] * min(cashtags, 3)
    out += ["pct" + s for s in percent_signs]
    if not clean.isascii():
        out += ["e:" + e for e in _EMOJI.findall(clean)]
    return out


def feature_ids(words: Sequence[str], marks: Sequence[str]) -> list[int]:
    """Every feature occurrence of a text, as slots (with repeats); the reference featurizer."""
    ids: list[int] = []
    hashes = []
    for word in words:
        key = word_key(word)
        hashes.append(word_hash(key))
        ids.extend(word_ids(key))
    ids.extend(bigram_id(a, b) for a, b in pairwise(hashes))
    ids.extend(marker_id(m) for m in marks)
    return ids
