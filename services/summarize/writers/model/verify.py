"""The claim verifier: a model-written sentence stays only if its ids, numbers and names check out.

A *claim* is a core point (title and body), a paragraph or a bullet, with the tweet ids it cites.
It is rejected when:

- it cites an id the model was not given;
- it states a number (a percentage, an amount, a count) that appears in none of its cited tweets
  (their text, figures, engagement, repeat count) nor in the statistics the model was given.
  A claim's figure compares with its unit applied, so ``140亿美元`` matches a tweet's ``$14B``
  but ``$5B`` does not match a count of 5; years (``2026年``, or a bare 1900-2100), dates,
  times and ordinals are not figures and are not checked;
- it names an entity (a model, company, ticker or coin known to this window) that appears in none
  of its cited tweets; a ticker and its company count as one entity. The overview, and any claim
  citing nothing, may also name the entities the statistics list. Names in more than half of the
  window's tweets (and generic words such as "AI") tell nothing apart and are not checked.

Entities outside the window's vocabulary cannot be recognised, so they pass: the check catches
misattribution within the data, not every invention.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from services.summarize.view import WindowView, entity_key
from services.summarize.writers.model.prompt import Item

GENERIC = frozenset({"ai", "agi", "llm", "llms", "genai", "aigc", "ml"})

_MULTIPLIERS = {
    "%": 1.0,
    "％": 1.0,
    "k": 1e3,
    "thousand": 1e3,
    "千": 1e3,
    "万": 1e4,
    "m": 1e6,
    "mn": 1e6,
    "million": 1e6,
    "百万": 1e6,
    "千万": 1e7,
    "亿": 1e8,
    "b": 1e9,
    "bn": 1e9,
    "billion": 1e9,
    "十亿": 1e9,
    "百亿": 1e10,
    "千亿": 1e11,
    "t": 1e12,
    "trillion": 1e12,
    "万亿": 1e12,
}
_NUMBER = re.compile(
    r"(?<![A-Za-z0-9.,])(?P<num>\d+(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?P<unit>\s*(?:%|％|万亿|千亿|百亿|十亿|千万|百万|亿|万|千)"
    r"|\s?(?:thousand|million|billion|trillion)\b|(?:bn|mn|[kKmMbBtT])(?![A-Za-z]))?"
    r"(?P<after>[年月日号点时:：]?)",
    re.IGNORECASE,
)
_ORDINAL_BEFORE = ("第", "No.", "#")
_HANDLE = re.compile(r"@\w+")
_URL = re.compile(r"https?://\S+")
_HAS_CJK = re.compile(r"[\u3400-\u9fff]")


def _values(num: str, unit: str) -> tuple[float, float]:
    """The number as written, and with its unit applied."""
    raw = float(num.replace(",", ""))
    mult = _MULTIPLIERS.get(unit.strip().casefold(), 1.0)
    return _key(raw), _key(raw * mult)


def _key(value: float) -> float:
    return float(f"{value:.6g}")


def numbers(text: str, *, checked_only: bool = False) -> list[tuple[str, float, float]]:
    """The numbers in ``text`` as ``(as written, value as written, value with its unit)``.

    With ``checked_only``, years, dates, times and ordinals are left out (they are not figures).
    """
    out = []
    for m in _NUMBER.finditer(text):
        num, unit, after = m.group("num"), m.group("unit") or "", m.group("after")
        if checked_only:
            before = text[max(0, m.start() - 3) : m.start()]
            if after or before.endswith(_ORDINAL_BEFORE) or re.search(r"\d:$", before):
                continue  # a date, a time ("10:05"), an ordinal
            if not unit and "." not in num and 1900 <= int(num.replace(",", "")) <= 2100:
                continue  # a year written without 年
        out.append((m.group(0).strip(), *_values(num, unit)))
    return out


def _walk_numbers(value: Any, into: set[float]) -> None:
    if isinstance(value, bool):
        return
    if isinstance(value, int | float):
        into |= {_key(float(value))}
    elif isinstance(value, str):
        for _, raw, scaled in numbers(value):
            into |= {raw, scaled}
    elif isinstance(value, Mapping):
        for v in value.values():
            _walk_numbers(v, into)
    elif isinstance(value, list | tuple):
        for v in value:
            _walk_numbers(v, into)


@dataclass(frozen=True)
class _Entity:
    name: str
    group: str
    pattern: re.Pattern[str]


def _pattern(name: str, *, ticker: bool) -> re.Pattern[str] | None:
    if ticker:
        if len(name) < 3:
            return re.compile(rf"\${re.escape(name)}(?![A-Za-z0-9])")
        return re.compile(rf"(?<![A-Za-z0-9])\$?{re.escape(name)}(?![A-Za-z0-9])")
    key = entity_key(name)
    if not key:
        return None
    if _HAS_CJK.search(name):
        return re.compile(re.escape(name.casefold()).replace("\\ ", r"\s*"), re.IGNORECASE)
    # Spellings differ in case and separators: GPT-5, gpt5 and GPT 5 are one name.
    body = r"[\s\-_.]?".join(re.escape(ch) for ch in key)
    return re.compile(rf"(?<![A-Za-z0-9]){body}(?![A-Za-z0-9])", re.IGNORECASE)


@dataclass
class Verifier:
    """Checks claims against the tweets and statistics one model request carried."""

    items: Mapping[str, Item]
    stats: Mapping[str, Any]
    view: WindowView
    rejected: list[str] = field(default_factory=list)
    """Why each rejected claim was rejected, in order (for logs and tests)."""

    def __post_init__(self) -> None:
        self._aggregate_numbers: set[float] = set()
        _walk_numbers(self.stats, self._aggregate_numbers)
        self._entities = self._vocabulary()
        self._aggregate_groups = self._stats_groups()
        self._tweet_numbers: dict[str, set[float]] = {}
        self._tweet_groups: dict[str, set[str]] = {}
        for tweet_id, item in self.items.items():
            found: set[float] = set()
            _walk_numbers({k: v for k, v in item.payload.items() if k != "id"}, found)
            self._tweet_numbers[tweet_id] = found
            self._tweet_groups[tweet_id] = self._groups_of(item)

    # ------------------------------------------------------------------------ vocabulary

    def _group(self, name: str) -> str:
        return self._links.get(entity_key(name), entity_key(name))

    def _vocabulary(self) -> list[_Entity]:
        view = self.view
        # A ticker and the company it belongs to are one entity.
        self._links: dict[str, str] = {}
        for s in view.stats.tickers:
            if s.name:
                self._links[entity_key(s.name)] = entity_key(s.symbol)
        exempt = set(GENERIC)
        half = view.stats.tweets / 2
        exempt |= {c.key for c in (*view.models, *view.companies) if c.count > half}
        exempt |= {
            entity_key(s.symbol)
            for s in (*view.stats.tickers, *view.stats.coins)
            if s.mentions > half
        }
        names: dict[str, bool] = {}
        for c in (*view.models, *view.companies):
            names.setdefault(c.label, False)
        for s in view.stats.tickers:
            names[s.symbol] = True
            if s.name:
                names.setdefault(s.name, False)
        for s in view.stats.coins:
            names[s.symbol] = True
        for item in self.items.values():
            doc = item.doc
            for n in (*doc.models, *doc.companies):
                names.setdefault(n, False)
            for n in (*doc.tickers, *doc.coins):
                names[n] = True
        out = []
        for name, ticker in names.items():
            if entity_key(name) in exempt or self._group(name) in exempt:
                continue
            pattern = _pattern(name, ticker=ticker)
            if pattern is not None:
                out.append(_Entity(name=name, group=self._group(name), pattern=pattern))
        # Longest names first, so "GPT-4o" is found (and removed) before "GPT-4".
        out.sort(key=lambda e: -len(e.name))
        return out

    def _stats_groups(self) -> set[str]:
        st = self.stats
        names = [e.get("name", "") for e in st.get("models", [])]
        names += [e.get("name", "") for e in st.get("companies", [])]
        for key in ("tickers", "coins"):
            for e in st.get(key, []):
                names += [e.get("symbol", ""), e.get("name", "")]
        return {self._group(n) for n in names if n}

    def _groups_of(self, item: Item) -> set[str]:
        doc = item.doc
        groups = {self._group(n) for n in (*doc.models, *doc.companies, *doc.tickers, *doc.coins)}
        text = item.payload.get("text", "")
        groups |= {e.group for e in self._entities if e.pattern.search(text)}
        return groups

    # ------------------------------------------------------------------------ checks

    def check(self, text: str, cite: Sequence[str], *, stats_entities: bool = False) -> str | None:
        """Why the claim must go, or None when it checks out."""
        unknown = [i for i in cite if i not in self.items]
        if unknown:
            return f"cites unknown tweet id {unknown[0]}"
        allowed_groups = set().union(*(self._tweet_groups[i] for i in cite)) if cite else set()
        if stats_entities or not cite:
            allowed_groups |= self._aggregate_groups
        stripped = _URL.sub(" ", _HANDLE.sub(" ", text))
        for entity in self._entities:
            if entity.pattern.search(stripped) is None:
                continue
            if entity.group not in allowed_groups:
                return f"names {entity.name}, absent from its cited tweets"
            stripped = entity.pattern.sub(" ", stripped)
        allowed_numbers = set(self._aggregate_numbers)
        for i in cite:
            allowed_numbers |= self._tweet_numbers[i]
        for written, _, value in numbers(stripped, checked_only=True):
            # A claim's figure counts with its unit ("$5B" is not 5), evidence counts either way.
            if value not in allowed_numbers:
                return f"states {written}, found in none of its cited tweets nor the statistics"
        return None

    def keep(
        self, text: str, cite: Sequence[str], *, where: str, stats_entities: bool = False
    ) -> bool:
        """True if the claim checks out; otherwise records why it was rejected."""
        reason = self.check(text, cite, stats_entities=stats_entities)
        if reason is None:
            return True
        self.rejected.append(f"{where}: {reason}")
        return False

    def refs(self, ids: Iterable[str]) -> list[Any]:
        """The citations of ``ids`` (known ones, first occurrence order)."""
        return [self.items[i].doc.ref for i in dict.fromkeys(ids) if i in self.items]
