"""The taxonomy file: its schema, and loading it (the bundled one or a user's) with clear errors.

The schema is strict (unknown keys are errors) so that a typo in a user's file stops the service
with the field that is wrong instead of silently matching nothing.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from services.classify.text import TOKEN
from shared.errors import ConfigError
from shared.models import Category

HERE = Path(__file__).resolve().parent
BUNDLED_TAXONOMY = HERE / "taxonomy.yaml"
BUNDLED_STOPWORDS = HERE / "stopwords.txt"
BUNDLED_USER_DICT = HERE / "userdict.txt"

_HAN_ONLY = re.compile(r"^[\u4e00-\u9fff]+$")

Term = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class _Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Terms(_Spec):
    """Words to look for: ``en`` whole words (any case), ``zh`` substrings, ``exact`` exact case."""

    en: list[Term] = Field(default_factory=list)
    zh: list[Term] = Field(default_factory=list)
    exact: list[Term] = Field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.en or self.zh or self.exact)

    @model_validator(mode="after")
    def _matchable(self) -> Terms:
        for term in self.en + self.exact:
            if not TOKEN.search(term) and all(ch < "\u0250" for ch in term):
                raise ValueError(f"term {term!r} has no letters or digits to match")
        return self


class CategorySpec(_Spec):
    """One of the report's categories and the terms that put a tweet in it."""

    label: Term
    terms: Terms = Terms()
    context: Terms = Field(
        default_factory=Terms,
        description="Words too common to decide alone: `context_min` different ones add the category.",
    )
    context_min: int = Field(default=2, ge=1, le=10)
    cues: list[Term] = Field(
        default_factory=list,
        description="Single words one of which (or a percentage or an amount of money) a text "
        "needs before the trained model may add the category; finance only.",
    )
    news_cues: list[Term] = Field(
        default_factory=list,
        description="Company-news words (announces, appoints, lawsuit, Inc): like `cues` they "
        "let the trained model decide a text, but unlike `cues` they never make a market text "
        "beside an amount of money; finance only.",
    )


class SubtopicSpec(_Spec):
    """A sub-topic: a stable ascii id, a Chinese label, its category and its terms."""

    id: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
    label: Term
    category: Category
    requires_category: bool = Field(
        default=True, description="Only given to tweets that already have the category."
    )
    terms: Terms


class CompanySpec(_Spec):
    """A company, its ticker if listed, the names it goes by and the sub-topics it stands for."""

    name: Term
    ticker: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9][A-Z0-9.\-]{0,14}$")] | None = None
    aliases: Terms = Terms()
    subtopics: list[str] = Field(
        default_factory=list,
        description="Sub-topic ids that any mention (name, ticker or cashtag) implies.",
    )


class CoinSpec(_Spec):
    """A coin: its symbol, its name and the names it goes by."""

    symbol: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{2,10}$")]
    name: Term
    aliases: Terms = Terms()


class ModelSpec(_Spec):
    """An AI model family, found by a regular expression with an optional ``ver`` group."""

    name: Term
    pattern: Annotated[str, StringConstraints(min_length=1, max_length=1000)]
    triggers: list[Term] = Field(default_factory=list)
    format: Term = "{name}-{ver}"
    version_case: Literal["keep", "upper", "lower", "title"] = "keep"

    @model_validator(mode="after")
    def _compiles(self) -> ModelSpec:
        try:
            compiled = re.compile(self.pattern, re.IGNORECASE)
        except re.error as exc:
            raise ValueError(
                f"pattern {self.pattern!r} is not a valid regular expression: {exc}"
            ) from exc
        if compiled.groupindex.keys() - {"ver"}:
            raise ValueError(f"pattern {self.pattern!r}: the only named group allowed is 'ver'")
        try:
            self.format.format(name=self.name, ver="1")
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(f"format {self.format!r} may only use {{name}} and {{ver}}") from exc
        return self

    def trigger_words(self) -> list[str]:
        """Lower-case substrings, one of which must occur in a text for the pattern to be tried."""
        return [t.lower() for t in self.triggers] or [self.name.lower()]


class SentimentSpec(_Spec):
    """Market-sentiment lexicons, the negators that flip them, the emphatic phrases that hold
    a negator and flip nothing ("never been this bullish"), and the contrast words after which
    a text's point lies (a lexicon hit before the last one does not count)."""

    bullish: Terms = Terms()
    bearish: Terms = Terms()
    negators: Terms = Terms()
    emphatic: Terms = Terms()
    contrast: Terms = Terms()


class SpamSpec(_Spec):
    """Bait phrases: a tweet with ``min_hits`` different ones gets no category or sub-topic."""

    terms: Terms = Terms()
    min_hits: int = Field(default=2, ge=1, le=10)


class Taxonomy(_Spec):
    """A whole taxonomy file."""

    version: Literal[1] = 1
    name: str = ""
    categories: dict[Category, CategorySpec]
    subtopics: list[SubtopicSpec] = Field(default_factory=list)
    companies: list[CompanySpec] = Field(default_factory=list)
    coins: list[CoinSpec] = Field(default_factory=list)
    models: list[ModelSpec] = Field(default_factory=list)
    sentiment: SentimentSpec = SentimentSpec()
    proper_names: list[Term] = Field(default_factory=list)
    ignore: Terms = Field(
        default_factory=Terms,
        description="Phrases holding a term but meaning something else; they count for nothing.",
    )
    spam: SpamSpec = SpamSpec()
    stopwords: Terms = Terms()
    use_bundled_stopwords: bool = True
    cloud_aliases: list[list[Term]] = Field(
        default_factory=list,
        description="Word-cloud terms that are one term across languages and forms, shown as "
        "the first form of each list (companies, coins and models need none: their aliases show "
        "as their name).",
    )

    @field_validator("cloud_aliases")
    @classmethod
    def _one_group_per_form(cls, groups: list[list[str]]) -> list[list[str]]:
        forms: set[str] = set()
        for group in groups:
            if len(group) < 2:
                raise ValueError(f"cloud_aliases {group!r}: a group needs two forms or more")
            for form in group:
                if form.casefold() in forms:
                    raise ValueError(f"cloud_aliases: {form!r} is in two groups")
                forms.add(form.casefold())
        return groups

    @model_validator(mode="after")
    def _consistent(self) -> Taxonomy:
        if not any(spec.terms for spec in self.categories.values()):
            raise ValueError("no category has any terms")
        seen: set[str] = set()
        for sub in self.subtopics:
            if sub.id in seen:
                raise ValueError(f"sub-topic id {sub.id!r} is used twice")
            seen.add(sub.id)
            if sub.category not in self.categories:
                raise ValueError(
                    f"sub-topic {sub.id!r} is in category {sub.category!r}, "
                    "which the file does not define under `categories`"
                )
            if not sub.terms:
                raise ValueError(f"sub-topic {sub.id!r} has no terms")
        for co in self.companies:
            for sid in co.subtopics:
                if sid not in seen:
                    raise ValueError(
                        f"company {co.name!r} names sub-topic {sid!r}, which is not defined"
                    )
        for term in self.ignore.en + self.ignore.exact:
            if len(TOKEN.findall(term)) < 2:
                raise ValueError(f"ignore term {term!r} must be a phrase of two or more words")
        symbols = [c.symbol for c in self.coins]
        if len(symbols) != len(set(symbols)):
            raise ValueError("a coin symbol is listed twice")
        return self

    def han_terms(self) -> list[str]:
        """Every term of two or more Han characters, for the segmenter's dictionary."""
        lists: list[Terms] = [spec.terms for spec in self.categories.values()]
        lists += [spec.context for spec in self.categories.values()]
        lists += [s.terms for s in self.subtopics]
        lists += [c.aliases for c in self.companies] + [c.aliases for c in self.coins]
        lists += [self.sentiment.bullish, self.sentiment.bearish]
        words = {w for terms in lists for w in terms.zh if len(w) >= 2 and _HAN_ONLY.match(w)}
        words.update(w for g in self.cloud_aliases for w in g if len(w) >= 2 and _HAN_ONLY.match(w))
        return sorted(words)


def _describe(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors()[:10]:
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        lines.append(f"  {where}: {err['msg']}")
    more = exc.error_count() - 10
    if more > 0:
        lines.append(f"  … and {more} more")
    return "\n".join(lines)


def load_taxonomy(path: Path | None = None) -> Taxonomy:
    """Read and validate a taxonomy file (the bundled one when ``path`` is None)."""
    source = path or BUNDLED_TAXONOMY
    try:
        raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"taxonomy {source}: cannot read it: {exc}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"taxonomy {source}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(
            f"taxonomy {source}: expected a mapping at the top, got {type(raw).__name__}"
        )
    try:
        return Taxonomy.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"taxonomy {source} is invalid:\n{_describe(exc)}") from exc


def load_stopwords(path: Path = BUNDLED_STOPWORDS) -> frozenset[str]:
    """Read a stopword file: one word a line, ``#`` comments; returned lower-cased."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"stopwords {path}: cannot read it: {exc}") from exc
    words = (line.split("#", 1)[0].strip().lower() for line in text.splitlines())
    return frozenset(w for w in words if w)
