"""The trained model beside the rules: finance relevance and bullish / bearish / neutral sentiment.

Two linear models over the hashed features of ``features.py`` (logistic regression for finance,
multinomial for sentiment), trained by ``python -m services.classify.train`` on the labelled sets
and shipped as ``model.npz``: plain numpy arrays, read with ``allow_pickle=False``, so loading a
weights file can never run code. The file also holds its thresholds and the figures it scored
on the held-back data (``meta``).

Scoring is plain Python over ``array`` tables, no numpy per message: a word's own features
(unigram and character n-grams) are summed once and cached (the cache is a memo of a pure
function, so it never changes a result), and a bigram costs two integer operations and one table
read. That keeps the model to a few microseconds a tweet.
"""

from __future__ import annotations

import json
import math
import zipfile
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from services.classify import features
from services.classify.features import MASK, marker_id, word_hash, word_ids, word_key
from shared.errors import ConfigError

HERE = Path(__file__).resolve().parent
BUNDLED_MODEL = HERE / "model.npz"
SENTIMENTS = ("bullish", "bearish", "neutral")
_CACHE_MAX = 50_000
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)

# A cached word: (its hash, its feature count, its finance sum, its three sentiment sums).
_Entry = tuple[int, int, float, float, float, float]


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Where the model's probabilities become decisions (chosen by training, stored in the file).

    ``finance``: P(finance) at or above which a text the rules left alone is a market text.
    ``side``: P(side) at or above which a market text is bullish or bearish (else neutral).
    ``lean``: what the rules' own side (their lexicon count with negation, signed percentages)
    adds to that side's probability before the ``side`` test; 0 leaves the model alone, 1 or
    more lets the rules decide wherever they speak (a file without it behaves so).
    """

    finance: float
    side: float
    lean: float = 1.0


Side = Literal["bullish", "bearish", "neutral"]


def rules_side(rule_score: int) -> Side:
    """The side the rules' count gives alone (hits that cancel out are neutral)."""
    if rule_score:
        return "bullish" if rule_score > 0 else "bearish"
    return "neutral"


def side_of(
    bull: float, bear: float, rule_score: int, thresholds: Thresholds, *, rules_decide: bool
) -> Side:
    """The side of a text from the model's P(bullish), P(bearish) and the rules' count.

    Where the rules decide alone (a negated lexicon hit: a bag of words reads "isn't falling"
    backwards) their count is the answer. Else the rules' side gets ``thresholds.lean`` added
    to its probability; then the side whose probability reaches ``thresholds.side`` and beats
    the other is the answer, else neutral.
    """
    if rules_decide:
        return rules_side(rule_score)
    if rule_score > 0:
        bull += thresholds.lean
    elif rule_score < 0:
        bear += thresholds.lean
    if bull >= thresholds.side and bull > bear:
        return "bullish"
    if bear >= thresholds.side and bear > bull:
        return "bearish"
    return "neutral"


def _table(values: np.ndarray[Any, Any]) -> array[float]:
    return array("f", np.ascontiguousarray(values, dtype="<f4").tobytes())


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


class Model:
    """Loaded weights; ``finance`` and ``sentiment`` score one text's words and markers."""

    def __init__(
        self,
        finance: np.ndarray[Any, Any],
        finance_bias: float,
        sentiment: np.ndarray[Any, Any],
        sentiment_bias: Sequence[float],
        thresholds: Thresholds,
        meta: dict[str, Any] | None = None,
    ) -> None:
        if finance.shape != (features.DIM,) or sentiment.shape != (len(SENTIMENTS), features.DIM):
            raise ConfigError(
                f"model weights have shapes {finance.shape} and {sentiment.shape}, "
                f"the featurizer needs ({features.DIM},) and (3, {features.DIM})"
            )
        self.thresholds = thresholds
        self.meta = meta or {}
        self._fin = _table(finance)
        self._bull = _table(sentiment[0])
        self._bear = _table(sentiment[1])
        self._neu = _table(sentiment[2])
        self._fin_bias = float(finance_bias)
        self._sent_bias = tuple(float(b) for b in sentiment_bias)
        self._cache: dict[str, _Entry] = {}
        self._markers: dict[str, int] = {}

    def _entry(self, word: str) -> _Entry:
        key = word_key(word)
        ids = word_ids(key)
        fin, bull, bear, neu = self._fin, self._bull, self._bear, self._neu
        entry = (
            word_hash(key),
            len(ids),
            sum(fin[i] for i in ids),
            sum(bull[i] for i in ids),
            sum(bear[i] for i in ids),
            sum(neu[i] for i in ids),
        )
        if len(self._cache) >= _CACHE_MAX:
            self._cache.clear()
        self._cache[word] = entry
        return entry

    def _marker(self, name: str) -> int:
        slot = self._markers.get(name)
        if slot is None:
            slot = self._markers[name] = marker_id(name)
        return slot

    def finance(self, words: Sequence[str], marks: Sequence[str]) -> float:
        """P(finance) of a text (0.5 for a text with no features)."""
        cache = self._cache
        fin = self._fin
        n = 0
        total = 0.0
        prev = -1
        for word in words:
            entry = cache.get(word) or self._entry(word)
            h = entry[0]
            n += entry[1]
            total += entry[2]
            if prev >= 0:
                # features.bigram_id, inlined: this loop runs for every word of every tweet
                b = (prev * 0x9E3779B1 + h) & 0xFFFFFFFF
                total += fin[(b ^ (b >> 15)) & MASK]
                n += 1
            prev = h
        for m in marks:
            total += fin[self._marker(m)]
            n += 1
        if not n:
            return 0.5
        return _sigmoid(self._fin_bias + total / math.sqrt(n))

    def sentiment(self, words: Sequence[str], marks: Sequence[str]) -> tuple[float, float, float]:
        """(P(bullish), P(bearish), P(neutral)) of a text."""
        cache = self._cache
        bull_t, bear_t, neu_t = self._bull, self._bear, self._neu
        n = 0
        bull = bear = neu = 0.0
        prev = -1
        for word in words:
            entry = cache.get(word) or self._entry(word)
            h = entry[0]
            n += entry[1]
            bull += entry[3]
            bear += entry[4]
            neu += entry[5]
            if prev >= 0:
                b = (prev * 0x9E3779B1 + h) & 0xFFFFFFFF
                b = (b ^ (b >> 15)) & MASK
                bull += bull_t[b]
                bear += bear_t[b]
                neu += neu_t[b]
                n += 1
            prev = h
        for m in marks:
            i = self._marker(m)
            bull += bull_t[i]
            bear += bear_t[i]
            neu += neu_t[i]
            n += 1
        scale = 1 / math.sqrt(n) if n else 0.0
        zs = (
            self._sent_bias[0] + bull * scale,
            self._sent_bias[1] + bear * scale,
            self._sent_bias[2] + neu * scale,
        )
        top = max(zs)
        ex = [math.exp(z - top) for z in zs]
        s = sum(ex)
        return ex[0] / s, ex[1] / s, ex[2] / s


def load_model(path: Path = BUNDLED_MODEL) -> Model:
    """Read a weights file written by ``write_model`` (no pickle, so no code runs)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            version = meta.get("feature_version")
            if version != features.VERSION or meta.get("bits") != features.BITS:
                raise ConfigError(
                    f"model {path} was trained with features v{version} "
                    f"({meta.get('bits')} bits); this code computes v{features.VERSION} "
                    f"({features.BITS} bits): retrain with python -m services.classify.train"
                )
            return Model(
                data["finance"],
                float(data["finance_bias"][0]),
                data["sentiment"],
                [float(b) for b in data["sentiment_bias"]],
                Thresholds(**meta["thresholds"]),
                meta,
            )
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise ConfigError(f"model {path}: cannot load it: {exc}") from exc


def write_model(path: Path, arrays: dict[str, np.ndarray[Any, Any]], meta: dict[str, Any]) -> None:
    """Write a weights file: an ``.npz`` whose bytes depend only on its arrays and meta."""
    entries = {**arrays, "meta": np.array(json.dumps(meta, sort_keys=True, ensure_ascii=False))}
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name + ".npy", date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            with zf.open(info, "w") as fh:
                np.lib.format.write_array(fh, np.asarray(entries[name]), allow_pickle=False)
    tmp.replace(path)
