"""The compiled form of a taxonomy's word lists: what each word or phrase points at.

Latin terms are looked up by token, so a tweet costs one or two dict lookups a word whatever the
size of the taxonomy: unigrams directly, phrases only from a token that starts one. Chinese terms
(and any term with a non-Latin character) are found as substrings by one Aho–Corasick automaton
(``ZhFinder``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

import ahocorasick_rs

from services.classify.text import TOKEN

CAT: Final = 0
SUB: Final = 1
COMPANY: Final = 2
COIN: Final = 3
BULL: Final = 4
BEAR: Final = 5
CTX: Final = 6
SPAM: Final = 7

_CARRIED = frozenset({CAT, COMPANY, COIN, CTX})

Target = tuple[int, str]
"""What a term points at: (kind, key), e.g. (CAT, "ai"), (COMPANY, "NVIDIA"), (BULL, "").

A context word's key is its category and its folded form, (CTX, "ai\x00benchmark"), and a spam
phrase's key its folded form, so that different words are counted and "benchmarks" is not a
second word beside "benchmark".
"""


def fold(term: str) -> str:
    """The form that counts as one word: lower case, a plural ``s`` dropped."""
    low = " ".join(term.lower().split())
    return low[:-1] if len(low) > 3 and low.endswith("s") and not low.endswith("ss") else low


@dataclass(slots=True)
class Entry:
    """A token's entry: its own targets and display, and the longest phrase it starts."""

    targets: tuple[Target, ...] = ()
    display: str | None = None
    max_phrase: int = 1


@dataclass(slots=True)
class Phrase:
    """A multi-word term's targets and display; an ``inert`` one does not stand for its words."""

    targets: tuple[Target, ...] = ()
    display: str | None = None
    inert: bool = False


def term_tokens(term: str) -> list[str]:
    """The tokens of a term, as a text's tokens are cut (so "GPT-4" is ["GPT", "4"])."""
    return TOKEN.findall(term.replace("’", "'"))


def is_latin(term: str) -> bool:
    """Whether a term is matched by tokens (Latin script) rather than as a substring."""
    return all(ch < "\u0250" for ch in term)


@dataclass(slots=True)
class _Side:
    """Token lookups for one case mode: lower-cased (en) or exact."""

    words: dict[str, Entry] = field(default_factory=dict)
    phrases: dict[str, Phrase] = field(default_factory=dict)

    def add(
        self, tokens: list[str], target: Target | None, display: str | None, *, inert: bool
    ) -> None:
        head = self.words.get(tokens[0])
        if head is None:
            head = self.words[tokens[0]] = Entry()
        if len(tokens) == 1:
            if target is not None and target not in head.targets:
                head.targets += (target,)
            if head.display is None:
                head.display = display
            return
        head.max_phrase = max(head.max_phrase, len(tokens))
        key = " ".join(tokens)
        phrase = self.phrases.get(key)
        if phrase is None:
            phrase = self.phrases[key] = Phrase()
        if target is not None and target not in phrase.targets:
            phrase.targets += (target,)
        if phrase.display is None:
            phrase.display = display
        phrase.inert = phrase.inert or inert


class Lexicon:
    """Every term of a taxonomy, ready to match: ``lower`` and ``exact`` token sides, ``zh``."""

    def __init__(self) -> None:
        self.lower = _Side()
        self.exact = _Side()
        self.zh: dict[str, tuple[Target, ...]] = {}
        self._zh_inert: set[str] = set()
        self._zh_finder: ZhFinder | None = None

    def add(
        self,
        term: str,
        target: Target | None,
        *,
        mode: str,
        display: str | None,
        inert: bool = False,
    ) -> None:
        """Add a term; ``mode`` is "en", "exact" or "zh" (a term is moved to the side its script needs).

        An ``inert`` term ("travel agent") is matched like any other, so it hides the terms inside
        it, but it does not stand for them.
        """
        if mode == "zh" and is_latin(term):
            mode = "en"
        elif mode != "zh" and not is_latin(term):
            mode = "zh"
        if mode == "zh":
            key = term.lower()
            old = self.zh.get(key, ())
            if target is not None and target not in old:
                self.zh[key] = (*old, target)
            elif key not in self.zh:
                self.zh[key] = old
            if inert:
                self._zh_inert.add(key)
            self._zh_finder = None
            return
        tokens = term_tokens(term)
        if not tokens:
            raise ValueError(f"term {term!r} has no letters or digits to match")
        shown = display if display is not None else " ".join(term.split())
        if mode == "exact":
            self.exact.add(tokens, target, shown, inert=inert)
        else:
            self.lower.add([t.lower() for t in tokens], target, shown, inert=inert)

    def finish(self) -> None:
        """Complete the tables once every term is in.

        A phrase stands for its words: "AI agents" is a sub-topic phrase, but its "AI" still puts
        the tweet in ``ai``, so each phrase also carries the category, context and entity targets
        of its single words. Sub-topic and sentiment targets are not carried over: that is what
        phrases are for ("machine learning" is not "learning", "bear market" is one signal).
        Chinese terms are found longest first, so "开源模型" carries what "模型" inside it points at.
        """
        for side in (self.lower, self.exact):
            for key, phrase in side.phrases.items():
                if phrase.inert:
                    continue
                for word in key.split(" "):
                    entry = side.words.get(word)
                    if entry is None:
                        continue
                    for target in entry.targets:
                        if target[0] in _CARRIED and target not in phrase.targets:
                            phrase.targets += (target,)
        carried = {
            key: tuple(t for t in targets if t[0] in _CARRIED)
            for key, targets in self.zh.items()
            if any(t[0] in _CARRIED for t in targets)
        }
        for key in self.zh:
            if key in self._zh_inert:
                continue
            extra = [
                t
                for inner, targets in carried.items()
                if inner != key and inner in key
                for t in targets
                if t not in self.zh[key]
            ]
            if extra:
                self.zh[key] += tuple(dict.fromkeys(extra))
        _ = self.zh_finder

    @property
    def zh_finder(self) -> ZhFinder | None:
        """What finds every zh term in a text, or None when there are none."""
        if self._zh_finder is None and self.zh:
            self._zh_finder = ZhFinder(sorted(self.zh))
        return self._zh_finder


class ZhFinder:
    """Finds substring terms in a lower-cased text: leftmost first, the longest term where
    several start at one place ("开源模型" over "开源"), matches never overlapping.

    An Aho–Corasick automaton (ahocorasick_rs, the Rust aho-corasick crate) reads the text once
    whatever the number of terms; a regex alternation of the same terms, even factored as a trie,
    is tried at every position and took six times as long on a Chinese tweet.
    """

    __slots__ = ("_automaton", "keys")

    def __init__(self, keys: list[str]) -> None:
        self.keys = tuple(keys)
        self._automaton = ahocorasick_rs.AhoCorasick(
            self.keys,
            matchkind=ahocorasick_rs.MatchKind.LeftmostLongest,
            implementation=ahocorasick_rs.Implementation.DFA,
        )

    def find(self, lower: str) -> list[tuple[int, int, int]]:
        """(index in ``keys``, start, end) of every term found, in text order."""
        return self._automaton.find_matches_as_indexes(lower)

    def find_strings(self, lower: str) -> list[str]:
        """Every term found, in text order (the same matches as ``find``)."""
        return self._automaton.find_matches_as_strings(lower)
