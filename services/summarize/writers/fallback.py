"""Stories for a view that carries none: a stand-in so the extractive writer tells stories anyway.

The story layer (``services.summarize.stories``) fills ``WindowView.stories``; a view read from a
store written before it, or from a window whose story build found nothing, has none. Then the
writer groups the tweets the view does hold (its top tweets and near-duplicate representatives)
into rough stories: tweets sharing a near-duplicate key, or two or more figures (``78%`` and
``67%``), or a figure and a name, are one story. The counts of such a story are only of the
tweets the view kept, never estimated; a story with no ai/finance/crypto tweet is left out, as
the story layer leaves chatter out. Such a story's id is ``v`` and its earliest tweet's id, so
it cannot be taken for one of the story layer's. Deterministic: the same view gives the same
stories.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable

from services.summarize.doc import TweetDoc
from services.summarize.story import Story
from services.summarize.view import WindowView, entity_key
from shared.models import StoryKind

_KINDS: tuple[tuple[StoryKind, re.Pattern[str]], ...] = (
    (
        "research",
        re.compile(r"\b(paper|arxiv|research\w*|study|studies|preprint)\b|论文|研究", re.I),
    ),
    (
        "funding",
        re.compile(
            r"\b(invest\w*|funding|raise[sd]?|valuation|acqui\w*|budget|spend\w*|orders?)\b|"
            r"融资|投资|估值|收购|订购|预算",
            re.I,
        ),
    ),
    ("market", re.compile(r"\b(stocks?|shares?|index|kospi|nasdaq|s&p)\b|股价|指数|股票|涨", re.I)),
    (
        "tool",
        re.compile(
            r"\b(app|tool|plugin|extension|api|sdk|assistant|wiki|skills?)\b|工具|应用|助手", re.I
        ),
    ),
    (
        "release",
        re.compile(
            r"\b(launch\w*|releas\w*|introduc\w*|announc\w*|unveil\w*|open[- ]?sourc\w*|ships?)\b|"
            r"发布|推出|上线|开源",
            re.I,
        ),
    ),
    (
        "policy",
        re.compile(r"\b(regulat\w*|government|ministry|law|policy|ban)\b|政策|监管|政府", re.I),
    ),
    (
        "opinion",
        re.compile(
            r"\b(i think|imo|should|predict\w*|will|bet|bubble|wrong)\b|[?？]|认为|觉得|预测|泡沫",
            re.I,
        ),
    ),
)
_FIGURE_DIGITS = re.compile(r"\d+(?:\.\d+)?")


def _kind(docs: Iterable[TweetDoc]) -> StoryKind:
    text = " ".join(d.ref.text for d in docs)
    for kind, pattern in _KINDS:
        if pattern.search(text):
            return kind
    return "other"


def _figure_key(figure: str) -> str:
    """``+124%`` and ``124%`` are one figure; so are ``$14B`` and ``$14b``."""
    return figure.lstrip("+").casefold()


def _docs(view: WindowView) -> list[TweetDoc]:
    seen: dict[str, TweetDoc] = {}
    groups: list[Iterable[TweetDoc]] = [
        view.top_all,
        *view.top_by_category.values(),
        *view.top_by_subtopic.values(),
        [c.representative for c in view.clusters if c.representative is not None],
    ]
    for group in groups:
        for doc in group:
            held = seen.get(doc.id)
            if held is None or doc.engagement > held.engagement:
                seen[doc.id] = doc
    return sorted(seen.values(), key=lambda d: (-d.engagement, d.id))


def _groups(docs: list[TweetDoc]) -> list[list[TweetDoc]]:
    parent = list(range(len(docs)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        a, b = root(i), root(j)
        if a != b:
            parent[max(a, b)] = min(a, b)

    figures = [{_figure_key(f) for f in (*d.percentages, *d.money)} for d in docs]
    names = [{entity_key(n) for n in (*d.models, *d.companies)} for d in docs]
    by_key: dict[str, int] = {}
    for i, doc in enumerate(docs):
        if doc.near_dup_key:
            union(by_key.setdefault(doc.near_dup_key, i), i)
        for j in range(i):
            shared = figures[i] & figures[j]
            if len(shared) >= 2 or (shared and names[i] & names[j]):
                union(i, j)
    out: dict[int, list[TweetDoc]] = {}
    for i, doc in enumerate(docs):
        out.setdefault(root(i), []).append(doc)
    return list(out.values())


def _story(view: WindowView, docs: list[TweetDoc]) -> Story:
    sizes = {c.key: c.size for c in view.clusters}
    keys = Counter(d.near_dup_key for d in docs if d.near_dup_key)
    # Copies the view counted but did not keep add to the story; they are in the cluster sizes.
    tweets = len(docs) + sum(max(0, sizes.get(k, 0) - n) for k, n in keys.items())
    langs = Counter(d.ref.lang or "und" for d in docs)
    names: Counter[str] = Counter()
    spelling: dict[str, str] = {}
    figs: Counter[str] = Counter()
    subs: Counter[str] = Counter()
    cats: Counter[str] = Counter()
    for d in docs:
        for n in dict.fromkeys((*d.models, *d.companies)):
            spelling.setdefault(entity_key(n), n)
            names[entity_key(n)] += 1
        figs.update(dict.fromkeys((*d.percentages, *d.money), 1))
        subs.update(d.subtopics)
        cats.update(d.categories)
    by_lang: dict[str, list[TweetDoc]] = {}
    for d in docs:
        by_lang.setdefault(d.ref.lang or "und", []).append(d)
    engagement = sum(d.engagement for d in docs)
    authors = len({d.ref.author.casefold() for d in docs})
    return Story(
        id="v" + min(docs, key=lambda d: (d.ref.created_at, d.id)).id,
        kind=_kind(docs),
        tweets=tweets,
        retweets=0,
        authors=authors,
        languages=tuple(sorted(langs.items(), key=lambda kv: (-kv[1], kv[0]))),
        engagement=engagement,
        first_seen=min(d.ref.created_at for d in docs),
        last_seen=max(d.ref.created_at for d in docs),
        entities=tuple(spelling[k] for k, _ in names.most_common(4)),
        figures=tuple(f for f, _ in figs.most_common(4)),
        subtopics=tuple(s for s, _ in subs.most_common()),
        categories=tuple(c for c, _ in cats.most_common()),
        sentiment=dict(Counter(d.sentiment for d in docs)),
        representatives={lang: tuple(ds[:3]) for lang, ds in by_lang.items()},
        members=tuple(docs),
        score=math.log1p(engagement) * (1 + math.log(authors)) * (1 + 0.5 * (len(langs) - 1)),
    )


def stories_of(view: WindowView) -> list[Story]:
    """The view's stories if it has them, else rough ones from its tweets, strongest first."""
    if view.stories:
        return list(view.stories)
    docs = [d for d in _docs(view) if d.categories]
    stories = [_story(view, group) for group in _groups(docs)]
    stories.sort(key=lambda s: (-s.score, s.id))
    return stories


__all__ = ["stories_of"]
