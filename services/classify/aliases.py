"""One name per thing in the word cloud: aliases across languages and forms, and English plurals.

Every term a tweet gives the cloud (``TweetClassified.terms``) passes through :class:`TermForms`,
so that the window's tally, the weighting in summarize and the picture all see one term where
tweets wrote several. The rule, in one place:

- a company or a coin shows as its taxonomy ``name`` whatever alias a tweet used, in any
  language ("SK海力士", "海力士" and "Hynix" are "SK Hynix", "字节跳动" is "ByteDance"): the name
  the tweet's entities carry and the post prints;
- a word in one of the taxonomy's ``cloud_aliases`` lists shows as the list's first form
  ("model", "models" and "AI models" are "模型");
- an English plural shows as its singular: a lower-case word ending in ``s`` whose singular is a
  common English word (``wordfreq``'s small English list, Zipf 3 or more: "companies" is
  "company", "caches" is "cache"), else, when the word itself is not a common one, without its
  ``s`` ("hyperscalers", "milliers"); "analysis", "status" and "canvas" stay; the last word of a
  lower-case phrase likewise, and an acronym's plural its acronym ("LLMs", "GPUs"). Words that only look
  plural ("news", "physics") are listed in ``_NOT_PLURAL``;
- the Latin letters of a Chinese alias ("SK" of "SK海力士") are not a term of their own.

Names keep their case: only plain lower-case words (and acronyms written with a lower-case ``s``)
are singularised, so "Claude Skills" stays a name.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from functools import lru_cache

from services.classify.lexicon import is_latin, term_tokens
from services.classify.taxonomy import Taxonomy, Terms
from services.classify.text import HAN

_MEMO_CAP = 200_000
COMMON_ZIPF = 3.0
"""A singular is a real word when it is at least this common (Zipf scale, wordfreq)."""

_NOT_PLURAL = frozenset(
    {
        "news",
        "goods",
        "means",
        "arms",
        "series",
        "species",
        "always",
        "perhaps",
        "towards",
        "afterwards",
        "sometimes",
        "whereas",
        "physics",
        "economics",
        "politics",
        "ethics",
        "mathematics",
        "analytics",
        "graphics",
        "statistics",
        "electronics",
        "logistics",
        "semantics",
        "dynamics",
        "mechanics",
        "robotics",
        "genetics",
        "linguistics",
        "aesthetics",
        "optics",
        "thanks",
        "lots",
    }
)


@lru_cache(maxsize=1)
def common_english() -> frozenset[str]:
    """English words common enough to be a plural's singular (wordfreq's small list, Zipf >= 3)."""
    from wordfreq import get_frequency_dict  # loaded at bootstrap, never at import

    floor = 10 ** (COMMON_ZIPF - 9)
    return frozenset(w for w, f in get_frequency_dict("en", "small").items() if f >= floor)


def singular(word: str, common: frozenset[str]) -> str:
    """The singular of an English plural, or the word itself when it is none (or a name)."""
    if len(word) <= 2 or word[-1] != "s" or not word.isascii():
        return word
    stem = word[:-1]
    if stem.isupper() and stem.isalnum() and len(stem) >= 2:
        return stem  # an acronym's plural: LLMs, GPUs, H200s
    if len(word) <= 3 or not word.isalpha() or not word.islower():
        return word
    if word in _NOT_PLURAL or word.endswith(("ss", "us", "is")):
        return word
    candidates = [stem]
    if word.endswith("es"):
        candidates.append(word[:-2])
    if word.endswith("ies"):
        candidates.append(word[:-3] + "y")
    known = next((c for c in candidates if c in common), None)
    if known is not None:
        return known
    # A word no list knows ("hyperscalers", "millier"s) takes the regular rule; a common word
    # whose singular is not one ("canvas", "atlas") is no plural.
    return word if word in common else stem


def _key(term: str) -> str:
    """The form two spellings of one term share: NFKC, case-folded, tokens as a text is cut."""
    folded = unicodedata.normalize("NFKC", term).casefold()
    if is_latin(folded):
        return " ".join(term_tokens(folded)) or folded
    return " ".join(folded.split())


class TermForms:
    """The word cloud's one form per term, compiled from a taxonomy (see the module docstring)."""

    def __init__(self, taxonomy: Taxonomy, *, common: frozenset[str] | None = None) -> None:
        self._common = common if common is not None else common_english()
        shown: dict[str, str] = {}
        for group in taxonomy.cloud_aliases:
            for form in group:
                shown.setdefault(_key(form), group[0])
        # Entities last: their name wins over a cloud list that named one of their aliases.
        for co in taxonomy.companies:
            for alias in (*co.aliases.en, *co.aliases.zh):
                shown[_key(alias)] = co.name
        for coin in taxonomy.coins:
            for alias in (*coin.aliases.en, *coin.aliases.zh):
                shown[_key(alias)] = coin.name
        self._shown: Mapping[str, str] = shown
        # A Chinese alias mixing scripts leaves pieces behind: its Latin letters as a token
        # ("SK" of "SK海力士", "AI" of "智谱AI") and its Han run as a word ("公司" of
        # "OpenAI公司"). They belong to the name, unless they are a name of the same thing.
        fragments: dict[str, tuple[str, frozenset[str]]] = {}
        named: list[tuple[str, Terms]] = [(c.name, c.aliases) for c in taxonomy.companies]
        named += [(c.name, c.aliases) for c in taxonomy.coins]
        for name, aliases in named:
            own = {_key(a) for a in (*aliases.en, *aliases.exact, *aliases.zh)}
            own.add(_key(name))
            for alias in aliases.zh:
                latin = [t.casefold() for t in term_tokens(alias)]
                han = HAN.findall(alias)
                if latin and han:
                    pieces = frozenset({*latin, *han} - own)
                    fragments[alias.lower()] = (name, pieces)
        self.fragments: Mapping[str, tuple[str, frozenset[str]]] = fragments
        # Terms repeat from tweet to tweet: each is worked out once (the rule is pure).
        self._memo: dict[str, str] = {}
        """A mixed-script Chinese alias (lower-cased) -> (its name, the pieces it leaves)."""

    def shown(self, term: str) -> str:
        """The form the cloud shows for one term."""
        memo = self._memo.get(term)
        if memo is None:
            if len(self._memo) >= _MEMO_CAP:
                self._memo.clear()  # bounded: a stream's vocabulary has no end
            memo = self._memo[term] = self._shown_uncached(term)
        return memo

    def _shown_uncached(self, term: str) -> str:
        hit = self._shown.get(_key(term))
        if hit is not None:
            return hit
        words = term.split(" ")
        last = singular(words[-1], self._common)
        if last == words[-1]:
            return term
        if len(words) > 1 and not words[-1].islower():
            return term  # a name that ends in a plural ("Claude Skills")
        one = " ".join([*words[:-1], last])
        return self._shown.get(_key(one), one)

    def finish(self, terms: Iterable[str], dropped: Iterable[str] = ()) -> list[str]:
        """A tweet's terms in their shown forms, each once, first seen first; ``dropped`` holds
        the case-folded Latin letters of the Chinese aliases the text matched."""
        drop = set(dropped)
        out: dict[str, None] = {}
        known = self._memo.get
        for term in terms:
            if drop and term.casefold() in drop:
                continue
            out[known(term) or self.shown(term)] = None
        return list(out)
