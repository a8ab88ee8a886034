"""Chinese word segmentation: jieba's dictionary and algorithm, run by jieba-rs, on Han runs only.

The segmenter is ``rjieba`` (the Python binding of jieba-rs, the Rust port of jieba by the
author of maturin): the same prefix dictionary (jieba's ``dict.txt``, embedded), the same DAG and
route, the same HMM for words the dictionary lacks, compiled. It gives jieba's words: on every
distinct Han run of the sample, the real CSV, the mixed benchmark set and the 20,000-tweet bench
file (5,776 runs) the two agree word for word, and on 20,000 random strings of dictionary
characters they differ once (a run of numerals). It cuts about twenty times faster than jieba's
pure-Python loop (which was half of classify's time on a Chinese tweet) and loads its dictionary
in a fifth of the time. jieba itself stays a dependency for its IDF table (the word cloud's
Chinese background, ``services/summarize/terms.py``).

Latin text is tokenized by regex elsewhere; the segmenter only sees the Han runs, which keeps its
cost to the Chinese part of a tweet. HMM stays on: without it every word missing from the
simplified-Chinese dictionary falls apart into single characters (吴恩达, 微信, and nearly all
traditional-Chinese and Japanese words), which the word cloud then loses.

User dictionaries are in jieba's format, one word per line: ``word [frequency] [tag]``. A word
without a frequency gets the one that makes the segmenter keep it whole (jieba's
``suggest_freq``), as do the taxonomy's Chinese terms that the dictionary lacks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from shared.errors import ConfigError

_ENTRY = re.compile(r"^(\S+)(?:\s+(\d+))?(?:\s+([^\s\d]\S*))?$")
"""A user dictionary line as jieba reads it: ``word [frequency] [tag]``."""


def _entries(path: Path) -> Iterable[tuple[str, int | None, str | None]]:
    """The ``(word, frequency, tag)`` lines of a jieba user dictionary; a bad line is an error."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"jieba user dictionary {path}: {exc}") from exc
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        entry = _ENTRY.match(line.strip())
        if entry is None:
            raise ConfigError(
                f"jieba user dictionary {path}, line {number}: expected 'word [frequency] [tag]',"
                f" got {line.strip()!r}"
            )
        word, freq, tag = entry.groups()
        yield word, (int(freq) if freq else None), tag


def load_jieba(user_dicts: Iterable[Path] = (), words: Iterable[str] = ()) -> Any:
    """A fresh segmenter with jieba's dictionary, then the user dictionaries and words."""
    import rjieba  # imported here: the dictionary is built on first use

    tokenizer = rjieba.Jieba()
    for path in user_dicts:
        for word, freq, tag in _entries(path):
            tokenizer.add_word(word, freq, tag)
    for word in words:
        if not tokenizer.has_word(word):
            tokenizer.add_word(word, None, None)
    return tokenizer


class Segmenter:
    """Cuts a run of Han characters into words."""

    def __init__(self, tokenizer: Any, *, hmm: bool = True) -> None:
        self._tokenizer = tokenizer
        self._hmm = hmm

    def cut(self, run: str) -> list[str]:
        """The words of a run of Han characters."""
        words: list[str] = self._tokenizer.cut(run, self._hmm)
        return words

    def cut_runs(self, runs: list[str]) -> list[str]:
        """The words of several runs of Han characters, in order, in one call.

        The runs are joined by "，", which is no word character to jieba: it cuts each side on
        its own, as it would each run, and gives the comma back as a one-character word of its
        own (a caller that keeps words of two characters or more never sees it). One call
        instead of one per run: a Chinese tweet has four or five runs between its punctuation,
        figures and Latin names.
        """
        if len(runs) == 1:
            return self.cut(runs[0])
        return self.cut("，".join(runs))
