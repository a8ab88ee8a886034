"""The classifier: one tweet's text in, its categories, sub-topics, entities, sentiment, terms out.

Compiled once from a taxonomy (``bootstrap.build_classifier``), then pure: the same text always
gives the same result, which is what makes redelivered messages harmless.

Rules beyond plain term hits:
- an AI model name puts a tweet in ``ai``, a coin in ``crypto``, any other cashtag in ``finance``
  (when the taxonomy has that category), and so does a ticker written with its exchange
  ("Koninklijke DSM N.V. (AMS:DSM)");
- a category's context words ("benchmark", "latency") only add it when ``context_min`` different
  ones occur together;
- a company stands for the sub-topics the taxonomy gives it (NVIDIA for chips), whether it is
  named, given by ticker or by cashtag;
- a listed company with a price move is a market tweet (``finance``): with a signed percentage
  ("Samsung +124%"), a money amount in millions or more ("$14B on Nvidia H200s") or one of
  finance's context words ("bullish", "涨幅");
- a finance cue word beside an amount in millions or more is a market tweet ("raises $21m");
- a sub-topic with ``requires_category`` is only kept when the tweet has its category;
- sentiment is only read where there is a market signal (finance or crypto, a cashtag or a
  coin), so "usage surges" in a product tweet stays neutral; a signed percentage counts there as
  a move up or down;
- a listed company keeps its ticker only in a market tweet (finance, a cashtag or a ticker with
  its exchange): "Google Research" in a research tweet is the company, not a GOOGL market
  mention;
- an AI tweet whose crypto words are all hashtags (#AI #ML #Web3) is not crypto;
- a tweet with enough different spam phrases (giveaways, follow-for-follow, "DM me to earn") gets
  no category, no sub-topic and no word-cloud terms: it is bait, whatever it names;
- word-cloud terms are in one form per thing (``aliases.py``): a company's name for any alias,
  a ``cloud_aliases`` list's first form, an English plural's singular.

The trained model (``model.py``, optional: without it the rules decide alone) and the rules:
- the rules decide where they are sure: a finance, AI or crypto term, a cashtag, a coin, a model
  name, a listed company with a move. The model never removes what they found;
- finance for the rest: an English text (no Han characters: there is no labelled Chinese to
  train on, so Chinese is the lexicon's) of three words or more that the rules put in no
  category and that has a cue (the taxonomy's ``finance.cues`` or ``finance.news_cues``, a
  percentage or an amount of money) is finance when the model's P(finance) reaches its
  trained threshold;
- sentiment of a market tweet: for Chinese (no model input), the rules' count (lexicon hits
  with negation, signed percentages; hits that cancel out are neutral). For English, the
  model's P(bullish) and P(bearish), the rules' side leaning its own by the trained ``lean``
  (the model also sees the lexicon's hits as features), and a side only where it reaches the
  trained ``side`` threshold, else neutral: news with no direction stays neutral.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

import ahocorasick_rs

from services.classify.aliases import TermForms
from services.classify.features import markers
from services.classify.lexicon import (
    BEAR,
    BULL,
    CAT,
    COIN,
    COMPANY,
    CTX,
    SPAM,
    SUB,
    Entry,
    Lexicon,
    Target,
    fold,
)
from services.classify.model import Model, rules_side, side_of
from services.classify.segment import Segmenter
from services.classify.taxonomy import ModelSpec, Taxonomy, Terms
from services.classify.text import (
    CASHTAG,
    HAN,
    HASHTAG,
    LISTING,
    MONEY_HINTS,
    MONEY_WORDS,
    NON_LATIN,
    PERCENT,
    TOKEN,
    find_money,
    near_dup_key,
    strip_noise,
)
from shared.memo import RecentMemo
from shared.models import CATEGORIES, Category, Company, Entities, Sentiment, SubtopicTag

_EMPTY_ENTITIES = Entities()
_ELISIONS = frozenset({"l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu"})
_ZH_NUMERALS = frozenset("零〇一二三四五六七八九十百千万亿两几")
_MAX_TERM_CHARS = 30
_NEGATION_WINDOW = 3
_SIGNS = {"+": 1, "-": -1, "−": -1}
# Fewer words than this say too little for the model to call a text finance.
_MODEL_MIN_WORDS = 3
# A text the rules already place in one of these is theirs: the model adds finance to none of
# them (AI or crypto talk that is also market talk names its market words, which the rules see).
_RULES_DECIDE = frozenset({"finance", "ai", "crypto"})
# A money amount in millions or more: corporate spending, not a subscription price.
_SCALED_MONEY = re.compile(
    r"\d\s?(?:trillion|billion|million|tn|bn|mn|[mbt](?![a-z]))|亿|千万|百万", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class Classification:
    """What the classifier found in one text."""

    categories: list[Category]
    subtopics: list[SubtopicTag]
    entities: Entities
    sentiment: Sentiment
    terms: list[str]
    near_dup_key: str


@dataclass(frozen=True, slots=True)
class ModelInput:
    """What the trained model scores: the text's lower-cased Latin words and its markers."""

    words: list[str]
    marks: list[str]


@dataclass(frozen=True, slots=True)
class _Model:
    spec: ModelSpec
    regex: re.Pattern[str]
    triggers: tuple[str, ...]

    def names(self, lower: str) -> Iterable[tuple[str, str]]:
        """Each model name in the text: (display name, the text it matched)."""
        for m in self.regex.finditer(lower):
            ver = m.groupdict().get("ver")
            if ver:
                ver = " ".join(ver.split())
                case = self.spec.version_case
                if case == "upper":
                    ver = ver.upper()
                elif case == "lower":
                    ver = ver.lower()
                elif case == "title":
                    ver = ver.title()
                yield self.spec.format.format(name=self.spec.name, ver=ver), m.group()
            else:
                yield self.spec.name, m.group()


@dataclass(slots=True)
class _Found:
    """What one text's scan has found so far."""

    cats: set[str] = field(default_factory=set)
    subs: set[str] = field(default_factory=set)
    companies: dict[str, None] = field(default_factory=dict)
    coins: dict[str, None] = field(default_factory=dict)
    models: dict[str, None] = field(default_factory=dict)
    model_words: set[str] = field(default_factory=set)
    terms: dict[str, None] = field(default_factory=dict)
    dropped: set[str] = field(default_factory=set)  # pieces of mixed-script aliases (aliases.py)
    context: set[str] = field(default_factory=set)
    spam: set[str] = field(default_factory=set)
    score: int = 0
    words: list[str] = field(default_factory=list)
    lex: list[str] = field(default_factory=list)  # the sentiment lexicon's hits, as markers
    negated: bool = False  # a lexicon hit was negated ("isn't falling")

    def add(self, targets: tuple[Target, ...], negated: bool) -> None:
        for kind, key in targets:
            if kind == CAT:
                self.cats.add(key)
            elif kind == SUB:
                self.subs.add(key)
            elif kind == CTX:
                self.context.add(key)
            elif kind == SPAM:
                self.spam.add(key)
            elif kind == COMPANY:
                self.companies[key] = None
            elif kind == COIN:
                self.coins[key] = None
            elif kind == BULL:
                self.negated |= negated
                self.score += -1 if negated else 1
                self.lex.append("lex-" if negated else "lex+")
            elif kind == BEAR:
                self.negated |= negated
                self.score += 1 if negated else -1
                self.lex.append("lex+" if negated else "lex-")


@dataclass(slots=True)
class _Tags:
    """Cashtags, hashtags and figures, found by pattern."""

    cashtags: dict[str, None]
    hashtags: dict[str, None]
    percentages: list[str]
    money: list[str]
    listings: dict[str, None]
    """Tickers written with their exchange ("(AMS:DSM)"): market mentions, not cashtags."""

    @classmethod
    def of(cls, clean: str, lower: str) -> _Tags:
        # Each pattern only runs when a cheap substring test says it may match.
        cashtags = {t.upper(): None for t in CASHTAG.findall(clean)} if "$" in clean else {}
        hashtags = dict.fromkeys(HASHTAG.findall(clean)) if "#" in clean else {}
        percentages: list[str] = []
        if "%" in clean or "％" in clean:
            percentages = list(dict.fromkeys(m.strip() for m in PERCENT.findall(clean)))
        money: list[str] = []
        if any(h in clean for h in MONEY_HINTS) or any(w in lower for w in MONEY_WORDS):
            money = find_money(clean, lower)
        listings = dict.fromkeys(LISTING.findall(clean)) if ":" in clean and "(" in clean else {}
        return cls(cashtags, hashtags, percentages, money, listings)

    def __bool__(self) -> bool:
        return bool(
            self.cashtags or self.hashtags or self.percentages or self.money or self.listings
        )


def _fix_apostrophe(raw: str) -> str:
    head, _, tail = raw.partition("'")
    if tail.lower() == "s":
        return head  # possessive: NVIDIA's
    if head.lower() in _ELISIONS and tail and tail.lower() != "ai":
        return tail  # French/Italian elision: l'IA, d'Nvidia (but j'ai stays a stopword)
    return raw


_SENTENCE_ENDS = ("。", "！", "？", "!", "?", "\n", "；", ";")

_TokenHit = tuple[tuple[Target, ...], bool, str, bool]
"""A token on its own: its targets, whether one is a sentiment, its word-cloud form, and whether
it may start a phrase (then the words after it are looked at first)."""
_TOKENS_KEPT = 50_000
_NO_WORDS: frozenset[str] = frozenset()

MEMO_SIZE = 8192
"""How many recent texts' classifications a classifier keeps (see ``Classifier.classify``)."""


class Classifier:
    """A compiled taxonomy; ``classify(text)`` is pure and fast."""

    def __init__(
        self,
        taxonomy: Taxonomy,
        segmenter: Segmenter,
        *,
        stopwords: frozenset[str],
        model: Model | None = None,
        forms: TermForms | None = None,
    ) -> None:
        self.taxonomy = taxonomy
        self._model = model
        self._forms = forms if forms is not None else TermForms(taxonomy)
        self._seg = segmenter
        self._lex = Lexicon()
        self._defined: frozenset[str] = frozenset(taxonomy.categories)
        self._subtopics = [SubtopicTag(id=s.id, label=s.label) for s in taxonomy.subtopics]
        self._sub_spec = {s.id: s for s in taxonomy.subtopics}
        self._sub_order = {s.id: i for i, s in enumerate(taxonomy.subtopics)}
        self._companies: dict[str, Company] = {}
        self._unlisted: dict[str, Company] = {}
        self._tickers: dict[str, str] = {}
        self._coins: set[str] = set()
        stop = set(stopwords)
        stop.update(w.lower() for w in taxonomy.stopwords.en + taxonomy.stopwords.zh)
        self._stop = frozenset(stop)
        self._proper_exact = frozenset(taxonomy.proper_names)
        self._neg_en = frozenset(w.lower() for w in taxonomy.sentiment.negators.en)
        self._emphatic_en = frozenset(
            tuple(w.lower().split()) for w in taxonomy.sentiment.emphatic.en if w.strip()
        )
        self._emphatic_len = sorted({len(e) for e in self._emphatic_en}, reverse=True)
        neg_zh = [w for w in taxonomy.sentiment.negators.zh if w]
        self._neg_zh1 = frozenset(w for w in neg_zh if len(w) == 1)
        self._neg_zh2 = frozenset(w for w in neg_zh if len(w) == 2)
        self._contrast_zh = tuple(w for w in taxonomy.sentiment.contrast.zh if w)
        self._models = [
            _Model(
                spec=m,
                regex=re.compile(rf"(?<![a-z0-9])(?:{m.pattern})(?![a-z0-9])", re.IGNORECASE),
                triggers=tuple(m.trigger_words()),
            )
            for m in taxonomy.models
        ]
        # One scan (an Aho–Corasick automaton, overlapping matches) finds every trigger in the
        # text, "gpt" inside "chatgpt" too; a model is tried when one of its triggers is found.
        triggers = sorted({t for m in self._models for t in m.triggers})
        self._triggers = (
            ahocorasick_rs.AhoCorasick(triggers, implementation=ahocorasick_rs.Implementation.DFA)
            if triggers
            else None
        )
        self._triggered = {
            found: frozenset(i for i, m in enumerate(self._models) if found in m.triggers)
            for found in triggers
        }
        self._company_subs = {co.name: tuple(co.subtopics) for co in taxonomy.companies}
        self._context_min: dict[str, int] = {
            cat: spec.context_min for cat, spec in taxonomy.categories.items() if spec.context
        }
        self._spam_min = taxonomy.spam.min_hits
        fin = taxonomy.categories.get("finance")
        self._cues = frozenset(w.lower() for w in fin.cues) if fin else frozenset()
        self._model_cues = self._cues | (
            frozenset(w.lower() for w in fin.news_cues) if fin else frozenset()
        )
        self._memo: RecentMemo[str, Classification] = RecentMemo(MEMO_SIZE)
        self._tokens: dict[str, _TokenHit] = {}
        self._han_kept: dict[str, bool] = {}
        self._compile()

    # ------------------------------------------------------------------ building

    def _compile(self) -> None:
        lex = self._lex
        tax = self.taxonomy
        # Entities first: their canonical names win as the display of shared words.
        for co in tax.companies:
            label = _chinese_label(co.aliases.zh)
            self._companies[co.name] = Company(name=co.name, ticker=co.ticker, label=label)
            self._unlisted[co.name] = Company(name=co.name, label=label)
            target: Target = (COMPANY, co.name)
            self._add_terms(co.aliases.en, target, "en", co.name)
            self._add_terms(co.aliases.exact, target, "exact", co.name)
            self._add_terms(co.aliases.zh, target, "zh", co.name)
            self._add_terms([co.name], target, "exact", co.name)
            if co.ticker:
                self._tickers[co.ticker] = co.name
                if co.ticker.isalpha() and len(co.ticker) >= 2:
                    self._add_terms([co.ticker], target, "exact", co.name)
        for coin in tax.coins:
            self._coins.add(coin.symbol)
            ctarget: Target = (COIN, coin.symbol)
            self._add_terms(coin.aliases.en, ctarget, "en", coin.name)
            self._add_terms(coin.aliases.exact, ctarget, "exact", coin.name)
            self._add_terms(coin.aliases.zh, ctarget, "zh", coin.name)
            self._add_terms([coin.symbol], ctarget, "exact", coin.name)
        for cat, spec in tax.categories.items():
            self._add_all(spec.terms.en, spec.terms.zh, spec.terms.exact, (CAT, cat))
            self._add_keyed(spec.context, CTX, f"{cat}\x00")
        self._add_keyed(tax.spam.terms, SPAM, "")
        for sub in tax.subtopics:
            self._add_all(sub.terms.en, sub.terms.zh, sub.terms.exact, (SUB, sub.id))
        sent = tax.sentiment
        self._add_all(sent.bullish.en, sent.bullish.zh, sent.bullish.exact, (BULL, ""))
        self._add_all(sent.bearish.en, sent.bearish.zh, sent.bearish.exact, (BEAR, ""))
        for name in tax.proper_names:
            lex.add(name, None, mode="en", display=name)
        for mode, terms in (
            ("en", tax.ignore.en),
            ("exact", tax.ignore.exact),
            ("zh", tax.ignore.zh),
        ):
            for term in terms:
                lex.add(term, None, mode=mode, display=None, inert=True)
        lex.finish()
        # The first two words of every phrase: a token that may start one is looked at in its
        # context only when the next word continues one (rarely: "ai" starts "AI agents").
        self._exact_pairs = frozenset(" ".join(k.split(" ")[:2]) for k in lex.exact.phrases)
        self._lower_pairs = frozenset(" ".join(k.split(" ")[:2]) for k in lex.lower.phrases)
        # Each Chinese term's targets, split once: the sentiment ones depend on where the term
        # stands (negation, a conceded clause), the rest do not, so a repeated term adds them once.
        sentiment = (BULL, BEAR)
        self._zh_plain = {
            key: tuple(t for t in targets if t[0] not in sentiment)
            for key, targets in lex.zh.items()
        }
        self._zh_sides = {
            key: sides
            for key, targets in lex.zh.items()
            if (sides := tuple(t for t in targets if t[0] in sentiment))
        }
        self._zh_sentiment = frozenset(self._zh_sides)

    def _add_terms(
        self, terms: Iterable[str], target: Target, mode: str, display: str | None
    ) -> None:
        for term in terms:
            self._lex.add(term, target, mode=mode, display=display)

    def _add_keyed(self, terms: Terms, kind: int, prefix: str) -> None:
        # Each word gets its own key: what is counted is how many different words occur.
        for mode, words in (("en", terms.en), ("exact", terms.exact), ("zh", terms.zh)):
            for term in words:
                self._lex.add(term, (kind, prefix + fold(term)), mode=mode, display=None)

    def _add_all(self, en: list[str], zh: list[str], exact: list[str], target: Target) -> None:
        self._add_terms(en, target, "en", None)
        self._add_terms(exact, target, "exact", None)
        self._add_terms(zh, target, "zh", None)

    # ------------------------------------------------------------------ classifying

    def classify(self, text: str) -> Classification:
        """Classify one tweet's text.

        The answer is a pure function of the text, so the last :data:`MEMO_SIZE` texts' answers
        are kept and shared (:class:`shared.memo.RecentMemo`). The answer is frozen; its lists are
        not to be changed.
        """
        return self._memo(text, lambda: self._classify(text))

    def forget(self) -> None:
        """Drop the memo: the next texts are classified as if never seen (for benchmarks)."""
        self._memo.clear()

    def _classify(self, text: str) -> Classification:
        clean, cut_word = strip_noise(text)
        lower = clean.lower()
        found = _Found()
        has_han = self._scan(clean, cut_word, lower, found)
        tags = _Tags.of(clean, lower)
        spam = len(found.spam) >= self._spam_min
        model_in = None if spam else self._model_input(clean, found, tags, has_han)
        cats, subtopics = self._categorize(found, tags, model_in)
        if (
            "crypto" in cats
            and "ai" in cats
            and tags.hashtags
            and not self._coins.intersection(tags.cashtags)  # a coin's cashtag is no hashtag
            and self._crypto_only_tagged(clean)
        ):
            cats.discard("crypto")
            subtopics = [s for s in subtopics if self._sub_spec[s.id].category != "crypto"]

        sentiment: Sentiment = "neutral"
        market = "finance" in cats or bool(tags.cashtags) or bool(tags.listings)
        if spam:
            cats, subtopics = set(), []
        elif market or "crypto" in cats or found.coins:
            sentiment = self._sentiment(found, tags, model_in)

        if found.companies or found.coins or found.models or tags:
            entities = Entities(
                cashtags=list(tags.cashtags),
                coins=list(found.coins),
                # a ticker only where the tweet is about the market: "Google Research" in a
                # research tweet is the company, not a GOOGL market mention
                companies=[
                    self._companies[c] if market else self._unlisted[c] for c in found.companies
                ],
                models=list(found.models),
                percentages=tags.percentages,
                money=tags.money,
                hashtags=list(tags.hashtags),
            )
        else:
            entities = _EMPTY_ENTITIES

        return Classification(
            categories=[c for c in CATEGORIES if c in cats],
            subtopics=subtopics,
            entities=entities,
            sentiment=sentiment,
            # bait is not the day's talk: it gives the word cloud nothing
            terms=[] if spam else self._forms.finish(found.terms, found.dropped),
            near_dup_key=near_dup_key(
                clean[: len(clean) - len(cut_word) - 1].lower() if cut_word else lower,
                has_han=has_han,
                raw=text,
            ),
        )

    def _scan(self, clean: str, cut_word: str, lower: str, found: _Found) -> bool:
        """Every term scan of a text; whether it has Han characters."""
        self._find_models(lower, found)
        self._scan_latin(clean, cut_word, found)
        for name in found.models:
            found.terms[name] = None
        if not clean.isascii() and NON_LATIN.search(clean):
            return self._scan_non_latin(clean, lower, found)
        return False

    def _read(self, text: str) -> tuple[str, _Found, _Tags, bool]:
        """A text's cleaned form, every term scan of it, its tags, whether it has Han; for the
        methods training calls (``classify`` keeps the pieces it needs itself)."""
        clean, cut_word = strip_noise(text)
        lower = clean.lower()
        found = _Found()
        has_han = self._scan(clean, cut_word, lower, found)
        return clean, found, _Tags.of(clean, lower), has_han

    def model_input(self, text: str) -> ModelInput | None:
        """What the model scores for a text (its words and markers), or None if it scores none.

        Training builds its matrix from this, so the model is trained on exactly what it sees.
        """
        clean, found, tags, has_han = self._read(text)
        return self._model_input(clean, found, tags, has_han, force=True)

    def _model_input(
        self, clean: str, found: _Found, tags: _Tags, has_han: bool, *, force: bool = False
    ) -> ModelInput | None:
        # The model was trained on English only: Chinese text is left to the rules.
        if (self._model is None and not force) or has_han or not found.words:
            return None
        signs = [p[0] for p in tags.percentages if p[0] in _SIGNS]
        marks = markers(clean, cashtags=len(tags.cashtags), percent_signs=signs)
        return ModelInput(found.words, marks + found.lex if found.lex else marks)

    def _open_to_model(
        self, cats: set[str], found: _Found, tags: _Tags, model_in: ModelInput
    ) -> bool:
        """Whether the model decides finance for this text: the rules left it in no category,
        it has enough words, and it has a cue (a market or company-news word, a percentage, an
        amount of money).

        A listed company is no cue: "Google Research published a paper" reads like a headline.
        """
        if cats & _RULES_DECIDE or "finance" not in self._defined:
            return False
        if len(model_in.words) < _MODEL_MIN_WORDS:
            return False
        if tags.percentages or tags.money or found.lex:
            return True
        return not self._model_cues.isdisjoint(model_in.words)

    def model_decides_finance(self, text: str) -> bool:
        """Whether the model (had it one) would decide if this text is finance; for training."""
        clean, found, tags, has_han = self._read(text)
        if len(found.spam) >= self._spam_min:
            return False
        model_in = self._model_input(clean, found, tags, has_han, force=True)
        if model_in is None:
            return False
        cats, _ = self._categorize(found, tags, None)
        return self._open_to_model(cats, found, tags, model_in)

    def _sentiment(self, found: _Found, tags: _Tags, model_in: ModelInput | None) -> Sentiment:
        """A market text's side: the rules' count (the lexicon with negation, signed percentages;
        hits that cancel out count 0) where there is no model input (Chinese) or a lexicon hit
        is negated (a bag of words cannot read "isn't falling"), else the model's
        probabilities with the rules' side leaning them by the trained ``lean``."""
        score = self.rule_score(found, tags)
        if self._model is None or model_in is None:
            return rules_side(score)
        bull, bear, _ = self._model.sentiment(model_in.words, model_in.marks)
        return side_of(bull, bear, score, self._model.thresholds, rules_decide=found.negated)

    @staticmethod
    def rule_score(found: _Found, tags: _Tags) -> int:
        """The rules' sentiment count: lexicon hits (negation applied) plus signed percentages."""
        return found.score + sum(_SIGNS[p[0]] for p in tags.percentages if p[0] in _SIGNS)

    def rule_side(self, text: str) -> tuple[int, bool]:
        """The rules' sentiment count of a text, and whether the rules decide it alone (a
        negated lexicon hit); for training the ``lean``."""
        _, found, tags, _ = self._read(text)
        return self.rule_score(found, tags), found.negated

    def _find_models(self, lower: str, found: _Found) -> None:
        # A regex per family, tried only when one of its triggers occurs in the text.
        if self._triggers is None:
            return
        hits = self._triggers.find_matches_as_strings(lower, overlapping=True)
        if not hits:
            return
        tried = frozenset().union(*(self._triggered[h] for h in hits))
        for i, model in enumerate(self._models):
            if i in tried:
                for name, matched in model.names(lower):
                    found.models[name] = None
                    found.model_words.update(TOKEN.findall(matched))

    def _scan_latin(self, clean: str, cut_word: str, found: _Found) -> None:
        """Latin tokens: term hits (longest phrase first), negation, word-cloud terms."""
        raws = TOKEN.findall(clean)
        if "'" in clean:
            raws = [_fix_apostrophe(r) if "'" in r else r for r in raws]
        lows = [r.lower() for r in raws]
        if not clean.isascii():
            # "İ".lower() is "i" plus a combining dot, which no term or stopword has.
            lows = [w.replace("\u0307", "") if "\u0307" in w else w for w in lows]
        found.words = lows
        n = len(raws)
        # A word cut by truncation ("…pour l…") is matched but never becomes a term.
        term_limit = n - 1 if cut_word and raws and cut_word.endswith(raws[-1]) else n
        terms = found.terms
        model_words = found.model_words
        memo = self._tokens
        skip = 0  # tokens left inside the phrase just read
        # A negator negates the first sentiment word after it, not the next ones in its window:
        # "won't hinder PayPal's growth" negates "hinder", and "growth" stays growth.
        after = 0  # where a negator for the next sentiment word may stand
        for i, raw in enumerate(raws):
            if skip:
                skip -= 1
                continue
            hit = memo.get(raw) or self._token(raw, lows[i])
            targets, sides, term, phrased = hit
            if phrased and i + 1 < n and self._starts_phrase(raws, lows, i):
                phrase = self._longest_phrase(raws, lows, i)
                if phrase is not None:
                    span, ptargets, display = phrase
                    if ptargets:
                        found.add(ptargets, self._negated_en(lows, i, ptargets, after))
                        if self._has_side(ptargets):
                            after = i + span
                    if display:
                        terms[display] = None
                    skip = span - 1
                    continue
            # no phrase here: what the token stands for is a function of the token
            if targets:
                found.add(targets, sides and self._negated_before(lows, i, after))
                if sides:
                    after = i + 1
            if term and i < term_limit and lows[i] not in model_words:
                terms[term] = None

    def _starts_phrase(self, raws: list[str], lows: list[str], i: int) -> bool:
        """Whether tokens ``i`` and ``i + 1`` open one of the lexicon's phrases (either side)."""
        return (
            f"{raws[i]} {raws[i + 1]}" in self._exact_pairs
            or f"{lows[i]} {lows[i + 1]}" in self._lower_pairs
        )

    def _longest_phrase(
        self, raws: list[str], lows: list[str], i: int
    ) -> tuple[int, tuple[Target, ...], str | None] | None:
        """The longest phrase starting at token ``i`` (exact case first; the same length in
        lower case adds its targets): (tokens spanned, targets, display), or None."""
        best = self._phrase(self._lex.exact.words.get(raws[i]), raws, i, exact=True)
        lower = self._phrase(self._lex.lower.words.get(lows[i]), lows, i, exact=False)
        if lower is None:
            return best
        if best is None or lower[0] > best[0]:
            return lower
        if lower[0] == best[0]:
            return best[0], best[1] + tuple(t for t in lower[1] if t not in best[1]), best[2]
        return best

    def _token(self, raw: str, low: str) -> _TokenHit:
        """What one token stands for where no phrase starts at it (see :data:`_TokenHit`);
        remembered per token."""
        exact_entry = self._lex.exact.words.get(raw)
        entry = self._lex.lower.words.get(low)
        phrased = (exact_entry is not None and exact_entry.max_phrase > 1) or (
            entry is not None and entry.max_phrase > 1
        )
        targets: tuple[Target, ...] = ()
        display: str | None = None
        if exact_entry is not None and exact_entry.targets:
            targets, display = exact_entry.targets, exact_entry.display
        if entry is not None and entry.targets:
            if not targets:
                targets, display = entry.targets, entry.display
            else:
                targets += tuple(t for t in entry.targets if t not in targets)
        if not targets and entry is not None:
            display = entry.display
        sides = any(kind in (BULL, BEAR) for kind, _ in targets)
        hit = (targets, sides, self._latin_term(raw, low, display, _NO_WORDS), phrased)
        if len(self._tokens) >= _TOKENS_KEPT:
            self._tokens.clear()  # bounded: a stream's vocabulary has no end
        self._tokens[raw] = hit
        return hit

    def _negated_before(self, lows: list[str], i: int, after: int) -> bool:
        """Whether a negator stands up to ``_NEGATION_WINDOW`` words before token ``i``, at or
        after token ``after`` (past the sentiment word before, which it negated), and the words
        right before ``i`` are no emphatic phrase such as "never been this"."""
        start = max(after, i - _NEGATION_WINDOW)
        if not any(w in self._neg_en for w in lows[start:i]):
            return False
        return not any(
            n <= i and tuple(lows[i - n : i]) in self._emphatic_en for n in self._emphatic_len
        )

    def _negated_en(self, lows: list[str], i: int, targets: tuple[Target, ...], after: int) -> bool:
        return self._has_side(targets) and self._negated_before(lows, i, after)

    @staticmethod
    def _has_side(targets: tuple[Target, ...]) -> bool:
        return any(kind in (BULL, BEAR) for kind, _ in targets)

    def _latin_term(
        self, raw: str, low: str, display: str | None, model_words: AbstractSet[str]
    ) -> str:
        """The word-cloud form of one token, or "" when it is not a content word."""
        if low in model_words:
            return ""  # the model's full name is added instead
        if raw in self._proper_exact:
            return raw
        if low in self._stop or len(low) < 2 or len(low) > _MAX_TERM_CHARS or low[0].isdigit():
            return ""
        if display is not None:
            return display
        if raw[-1] == "s" and raw[:-1].isupper():
            return raw[:-1]  # an acronym's plural (H200s, APIs): the acronym
        # Capitals and camel case are names or acronyms; anything else is a plain word.
        return raw if (raw.isupper() or not raw[1:].islower()) else low

    def _scan_non_latin(self, clean: str, lower: str, found: _Found) -> bool:
        """Substring terms (Chinese and other scripts), and Han words for the cloud; has Han?"""
        finder = self._lex.zh_finder
        if finder is not None:
            sentiment = self._zh_sentiment
            keys = dict.fromkeys(finder.find_strings(lower))
            placed: list[tuple[str, int]] = []  # sentiment terms and where they start
            if not sentiment.isdisjoint(keys):
                names = finder.keys
                placed = [
                    (names[index], start)
                    for index, start, _ in finder.find(lower)
                    if names[index] in sentiment
                ]
            fragments = self._forms.fragments
            plain = self._zh_plain
            add = found.add
            for key in keys:
                targets = plain[key]
                if targets:
                    if key in fragments:
                        self._add_fragment(fragments[key], found)
                    add(targets, False)
            if placed:
                self._zh_sentiment_hits(lower, placed, found)
        runs = HAN.findall(clean)
        if not runs:
            return False
        kept = self._han_kept
        terms = found.terms
        for word in self._seg.cut_runs(runs):
            keep = kept.get(word)
            if keep is None:
                keep = self._han_keep(word)
            if keep:
                terms[word] = None
        return True

    def _han_keep(self, word: str) -> bool:
        """Whether a Han word is a word-cloud term (two characters or more, no stopword, not
        only numerals); remembered per word (bounded)."""
        keep = len(word) >= 2 and word not in self._stop and not _ZH_NUMERALS.issuperset(word)
        if len(self._han_kept) >= _TOKENS_KEPT:
            self._han_kept.clear()
        self._han_kept[word] = keep
        return keep

    @staticmethod
    def _add_fragment(mixed: tuple[str, frozenset[str]] | None, found: _Found) -> None:
        if mixed is not None:
            found.terms[mixed[0]] = None
            found.dropped.update(mixed[1])

    def _zh_sentiment_hits(self, lower: str, placed: list[tuple[str, int]], found: _Found) -> None:
        """Each sentiment term where it stands: negated by the word before it, and no side at
        all inside a clause the text concedes ("泡沫？也许，但…")."""
        conceded = self._conceded_zh(lower)
        for key, start in placed:
            if conceded[0] <= start < conceded[1]:
                continue
            if not self._zh_plain[key]:
                self._add_fragment(self._forms.fragments.get(key), found)
            negated = (
                lower[start - 1 : start] in self._neg_zh1
                or lower[max(0, start - 2) : start] in self._neg_zh2
            )
            found.add(self._zh_sides[key], negated)

    def _conceded_zh(self, lower: str) -> tuple[int, int]:
        """The span a Chinese text concedes: from the start of the sentence holding its last
        contrast word up to that word ("泡沫？也许，但订单是真的" concedes "也许", not the
        sentence before). Empty when there is no contrast word; "不但" is "not only", none."""
        probe = lower.replace("不但", "  ") if "不但" in lower else lower
        turn = max((probe.rfind(w) for w in self._contrast_zh), default=-1)
        if turn < 0:
            return (0, 0)
        start = max(lower.rfind(end, 0, turn) for end in _SENTENCE_ENDS) + 1
        return (start, turn)

    def _categorize(
        self, found: _Found, tags: _Tags, model_in: ModelInput | None
    ) -> tuple[set[str], list[SubtopicTag]]:
        cats = found.cats
        if tags.cashtags or tags.listings:
            self._add_tickers(found, tags)
        if found.models:
            cats.add("ai")
        if found.coins:
            cats.add("crypto")
        for company in found.companies:
            found.subs.update(self._company_subs[company])
        if found.context:
            self._add_context(found, cats)
        if "finance" not in cats and (
            self._listed_company_moves(found, tags) or self._cue_with_money(found, tags)
        ):
            cats.add("finance")
        if (
            self._model is not None
            and model_in is not None
            and self._open_to_model(cats, found, tags, model_in)
            and self._model.finance(model_in.words, model_in.marks)
            >= self._model.thresholds.finance
        ):
            cats.add("finance")
        chosen: list[str] = []
        spec = self._sub_spec
        # Sub-topics that add their category first, then those that need it.
        for sid in found.subs:
            if not spec[sid].requires_category:
                chosen.append(sid)
                cats.add(spec[sid].category)
        for sid in found.subs:
            if spec[sid].requires_category and spec[sid].category in cats:
                chosen.append(sid)
        chosen.sort(key=self._sub_order.__getitem__)
        cats &= self._defined
        return cats, [self._subtopics[self._sub_order[s]] for s in chosen]

    def _add_tickers(self, found: _Found, tags: _Tags) -> None:
        """Cashtags and tickers with their exchange: a coin's is crypto, any other a market
        signal (a stock, or a token we do not know), and a known ticker names its company."""
        stocks = [tag for tag in tags.cashtags if tag not in self._coins]
        found.coins.update((tag, None) for tag in tags.cashtags if tag in self._coins)
        stocks += tags.listings
        if stocks:
            found.cats.add("finance")
        for tag in stocks:
            if tag in self._tickers:
                found.companies[self._tickers[tag]] = None

    def _add_context(self, found: _Found, cats: set[str]) -> None:
        """Each category whose context words occur often enough (different words) joins."""
        counts: dict[str, int] = {}
        for key in found.context:
            cat = key.partition("\x00")[0]
            counts[cat] = counts.get(cat, 0) + 1
        for cat, count in counts.items():
            if count >= self._context_min.get(cat, 2):
                cats.add(cat)

    def _cue_with_money(self, found: _Found, tags: _Tags) -> bool:
        """A finance cue word beside an amount in millions or more ("raises $21m")."""
        return any(_SCALED_MONEY.search(m) for m in tags.money) and not self._cues.isdisjoint(
            found.words
        )

    def _crypto_only_tagged(self, clean: str) -> bool:
        """Whether an AI tweet's crypto words are all in its hashtags (#AI #ML #Web3 #NFT ...).

        A hashtag list is reach-seeking, not a subject; only the rare AI-and-crypto tweet
        with hashtags pays for this second scan.
        """
        bare = HASHTAG.sub(" ", clean)
        lower = bare.lower()
        found = _Found()
        self._scan(bare, "", lower, found)
        cats, _ = self._categorize(found, _Tags.of(bare, lower), None)
        return "crypto" not in cats

    def _listed_company_moves(self, found: _Found, tags: _Tags) -> bool:
        """A listed company with a signed percentage, big money or a market word beside it."""
        if not any(self._companies[c].ticker for c in found.companies):
            return False
        return (
            any(p[0] in _SIGNS for p in tags.percentages)
            or any(_SCALED_MONEY.search(m) for m in tags.money)
            or any(key.startswith("finance\x00") for key in found.context)
        )

    def _phrase(
        self, entry: Entry | None, tokens: list[str], i: int, *, exact: bool
    ) -> tuple[int, tuple[Target, ...], str | None] | None:
        """The longest phrase of one case side starting at token ``i``, or None."""
        if entry is None or entry.max_phrase < 2:
            return None
        phrases = self._lex.exact.phrases if exact else self._lex.lower.phrases
        for length in range(min(entry.max_phrase, len(tokens) - i), 1, -1):
            phrase = phrases.get(" ".join(tokens[i : i + length]))
            if phrase is not None:
                return length, phrase.targets, phrase.display
        return None


_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def _chinese_label(names: Sequence[str]) -> str | None:
    """The first Chinese alias that is a name of its own, not a Latin name plus 公司."""
    for name in names:
        if _HAN.search(name) and not (name.endswith("公司") and not _HAN.search(name[:-2])):
            return name
    return None
