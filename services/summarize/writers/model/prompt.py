"""The bounded model input: what the model may read about a window, and the prompts around it.

The model never sees the raw stream. It reads the window's exact statistics (counts, shares
computed here, tickers, coins, entity counts, repeated texts) and a selection of representative
tweets: the most engaging ones overall, per category and per sub-topic, the representatives of
near-duplicate clusters and of tickers and coins. Each tweet is one JSON line with its id, author,
engagement, sub-topics, entities and figures; all of it sits inside ``<stats>`` and ``<tweets>``
and the system prompt says that content there is data, never instructions.

The whole request (system prompt, user prompt, tool schema, the API's tool overhead) must fit the
allowance it is given, in estimated tokens (see ``tokens``). Tweets are taken in priority order:
first every group's best tweet, then every group's second, and so on, the most engaging first
within a tier; so when the window is too large, the lowest-engagement tweets of the deepest tiers
are the ones left out, and every sub-topic keeps its best tweets.

When the window has stories, the model reads them instead, in ``<stories>``: one line per story
and language with the story's size and breadth, strongest stories first (see ``stories``), so the
same budget covers more of the day; after them come the tweet input's own candidates outside the
listed stories, compact. The statistics then count what was set aside as spam or chatter instead
of listing repeated texts. A window without stories keeps the tweet input.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from services.summarize.doc import TweetDoc
from services.summarize.story import Story
from services.summarize.view import WindowView
from services.summarize.writers.model.schema import SECTIONS, tool
from services.summarize.writers.model.stories import (
    COMPACT_ENTITIES,
    StoryLine,
    clip,
    further_line,
    story_lines,
)
from services.summarize.writers.model.tokens import REQUEST_OVERHEAD, estimate_tokens
from services.summarize.writers.phrasing import (
    CATEGORY_LABELS,
    SENTIMENT_LABELS,
    quotable_text,
    share,
)
from shared.errors import ConfigError

PROMPTS_DIR = Path(__file__).resolve().parents[2] / "prompts"
PROMPT_VERSION = "1"
"""Part of the cache key: bump it when the prompts or the input format change meaning."""

TWEET_CHARS = 400
"""A tweet's text is cut to this many characters in the prompt."""
STORY_FULL = 20
"""Strongest stories whose lead line carries ``TWEET_CHARS`` of text (settings: ``story_full``)."""
STORY_CHARS = 120
"""Text of every other story line, cut at a sentence's end (settings: ``story_chars``)."""

STAT_LIMITS = {"tickers": 15, "coins": 10, "models": 15, "companies": 15, "hashtags": 10}
REPEATED = 10
_SLOT_MARK = "\x00SLOT\x00"


class BudgetTooSmall(ConfigError):
    """The statistics and prompts alone do not fit the input token budget."""


def dumps(value: Any) -> str:
    # "<" and ">" are escaped so that no tweet can close the <tweets> wrapper.
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e")


class Prompts:
    """The jinja2 templates of ``services/summarize/prompts``; built by the writer, not at import."""

    def __init__(self, directory: Path = PROMPTS_DIR) -> None:
        if not directory.is_dir():
            raise ConfigError(f"prompt templates not found in {directory}")
        self._env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(directory),
            undefined=jinja2.StrictUndefined,
            autoescape=jinja2.select_autoescape(enabled_extensions=("html", "xml")),
            keep_trailing_newline=False,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def render(self, name: str, **context: Any) -> str:
        """Render ``<name>.j2``."""
        try:
            return self._env.get_template(f"{name}.j2").render(**context).strip()
        except jinja2.TemplateError as exc:
            raise ConfigError(f"prompt template {name}.j2: {exc}") from exc


@dataclass(frozen=True)
class Item:
    """One line the model reads: a tweet, or a story's representative (see ``stories``)."""

    doc: TweetDoc
    payload: dict[str, Any]
    """What a claim citing it may state: the line's fields, and for a story's line its story's."""
    line: str
    tokens: int
    story: Story | None = None
    """The story the line belongs to (story input only)."""


@dataclass(frozen=True)
class Plan:
    """What a report's requests carry, whichever the strategy: the statistics and the tweets
    the model reads (what its claims may cite), their estimated input and the cache key."""

    stats: dict[str, Any]
    items: dict[str, Item]
    considered: int
    """Candidate tweets there were to choose from."""
    tokens: int
    """Estimated input tokens of every request of the plan."""
    key: str
    stories: Mapping[str, str] = field(default_factory=dict, kw_only=True)
    """Tweet id to story id, for the lines read that belong to a story (story input only)."""

    @property
    def covered(self) -> int:
        """Distinct stories with at least one line in the requests."""
        return len(set(self.stories.values()))

    @property
    def dropped(self) -> int:
        """Candidate tweets left out to fit the budget."""
        return self.considered - len(self.items)


@dataclass(frozen=True)
class ModelInput(Plan):
    """One ``write_report`` request (the single strategy's only one, or map/reduce's reduce)."""

    system: str
    user: str
    tool: dict[str, Any]

    def messages(self) -> list[dict[str, Any]]:
        """The ``messages`` parameter."""
        return [{"role": "user", "content": self.user}]


MESSAGE_OVERHEAD = 10
"""Tokens of a message's role and framing."""


def request_tokens(system: str, messages: Sequence[Mapping[str, Any]], tools: Iterable[Any]) -> int:
    """Estimated input tokens of one request: its texts, the tools as JSON, the API's overhead."""
    total = estimate_tokens(system) + estimate_tokens(dumps(list(tools))) + REQUEST_OVERHEAD
    for message in messages:
        content = message.get("content", "")
        if isinstance(content, list):
            content = "".join(
                b.get("text", "") if b.get("type") == "text" else dumps(b) for b in content
            )
        total += estimate_tokens(str(content)) + MESSAGE_OVERHEAD
    return total


# ---------------------------------------------------------------------------- statistics


def stats_payload(view: WindowView) -> dict[str, Any]:
    """The window's exact statistics as the model reads them, shares computed here."""
    st = view.stats
    total = st.tweets
    w = view.window
    out: dict[str, Any] = {
        "window": {
            "id": w.id,
            "start": w.start.isoformat(),
            "end": w.end.isoformat(),
            "timezone": w.timezone,
        },
        "tweets": total,
        "retweets": st.retweets,
        "categories": [
            {"key": k, "label": CATEGORY_LABELS.get(k, k), "count": n, "share": share(n, total)}
            for k, n in st.categories.items()
            if n
        ],
        "sentiment": [
            {"label": SENTIMENT_LABELS.get(k, k), "count": n, "share": share(n, total)}
            for k, n in st.sentiment.items()
        ],
        "subtopics": [
            {
                "id": s.key,
                "label": s.label,
                "count": s.count,
                "share": share(s.count, total),
                **({"retweets": r} if (r := view.subtopic_retweets.get(s.key)) else {}),
            }
            for s in st.subtopics
        ],
        "tickers": [
            {
                "symbol": s.symbol,
                **({"name": s.name} if s.name else {}),
                "mentions": s.mentions,
                "bullish": s.bullish,
                "bearish": s.bearish,
            }
            for s in st.tickers[: STAT_LIMITS["tickers"]]
        ],
        "coins": [
            {"symbol": s.symbol, "mentions": s.mentions, "bullish": s.bullish, "bearish": s.bearish}
            for s in st.coins[: STAT_LIMITS["coins"]]
        ],
        "models": [
            {"name": c.label, "count": c.count} for c in view.models[: STAT_LIMITS["models"]]
        ],
        "companies": [
            {"name": c.label, "count": c.count} for c in view.companies[: STAT_LIMITS["companies"]]
        ],
        "hashtags": [
            {"tag": c.label, "count": c.count} for c in view.hashtags[: STAT_LIMITS["hashtags"]]
        ],
        "languages": [
            {"lang": c.key, "count": c.count, "share": share(c.count, total)}
            for c in view.langs[:3]
        ],
        "repeated_texts": [
            {"size": c.size, "tweet": c.representative.id}
            for c in view.clusters
            if c.size >= 2 and c.representative is not None
        ][:REPEATED],
    }
    if view.stories:
        # Stories supersede the repeated texts: a copy counts toward its story.
        del out["repeated_texts"]
        if stories := _story_stats(view):
            out["set_aside"] = stories
    return {k: v for k, v in out.items() if v or k in {"tweets", "retweets"}}


def _story_stats(view: WindowView) -> dict[str, Any]:
    """What the window set aside as spam or chatter (stories and tweets), not reported."""
    sa = view.set_aside
    out: dict[str, Any] = {}
    if sa.spam_stories:
        out["spam"] = {"stories": sa.spam_stories, "tweets": sa.spam_tweets}
    if sa.chatter_stories:
        out["chatter"] = {"stories": sa.chatter_stories, "tweets": sa.chatter_tweets}
    return out


# ---------------------------------------------------------------------------- tweets


def candidates(view: WindowView) -> list[TweetDoc]:
    """Every tweet the model could read, best first: by tier (rank in its best group), then
    engagement (highest first), then id."""
    groups: list[Sequence[TweetDoc]] = [view.top_all, *view.top_by_category.values()]
    groups += [
        view.top_by_subtopic[s.key] for s in view.stats.subtopics if s.key in view.top_by_subtopic
    ]
    groups += [
        docs for key, docs in view.top_by_subtopic.items() if key not in view.subtopic_labels
    ]
    groups.append([c.representative for c in view.clusters if c.size >= 2 and c.representative])
    groups.append(
        [view.ticker_docs[s.symbol] for s in view.stats.tickers if s.symbol in view.ticker_docs]
    )
    groups.append(
        [view.coin_docs[s.symbol] for s in view.stats.coins if s.symbol in view.coin_docs]
    )
    tier: dict[str, int] = {}
    best: dict[str, TweetDoc] = {}
    for group in groups:
        for rank, doc in enumerate(group):
            if doc.id not in tier or rank < tier[doc.id]:
                tier[doc.id] = rank
            held = best.get(doc.id)
            if held is None or doc.engagement > held.engagement:
                best[doc.id] = doc
    return sorted(best.values(), key=lambda d: (tier[d.id], -d.engagement, d.id))


def item_payload(doc: TweetDoc, cluster_sizes: Mapping[str, int]) -> dict[str, Any]:
    """One tweet as the model reads it; empty fields left out."""
    text = quotable_text(doc.ref.text)
    if len(text) > TWEET_CHARS:
        text = text[: TWEET_CHARS - 1] + "…"
    payload: dict[str, Any] = {
        "id": doc.id,
        "author": "@" + doc.ref.author,
        "engagement": round(doc.engagement),
        "subtopics": list(doc.subtopics),
        "categories": list(doc.categories),
        "entities": list(dict.fromkeys((*doc.models, *doc.companies))),
        "tickers": list(doc.tickers),
        "coins": list(doc.coins),
        "figures": list(dict.fromkeys((*doc.percentages, *doc.money))),
        "repeated": cluster_sizes.get(doc.near_dup_key, 0),
        "sentiment": SENTIMENT_LABELS.get(doc.sentiment, "") if doc.sentiment != "neutral" else "",
        "text": text,
    }
    return {k: v for k, v in payload.items() if v or k in {"id", "engagement", "text"}}


def candidate_items(
    view: WindowView, *, story_full: int = STORY_FULL, story_chars: int = STORY_CHARS
) -> list[Item]:
    """Every line the model could read, in priority order: the story input when the window has
    stories (see ``stories``), else its representative tweets."""
    sizes = {c.key: c.size for c in view.clusters if c.size >= 2}
    if view.stories:
        lines = story_lines(
            view.stories, full=story_full, chars=story_chars, long_chars=TWEET_CHARS
        )
        fill, rest = _unlisted(view, lines.ids())
        leads = {line.story.id: line for line in lines.leads}
        story_of = {
            d.id: story.id
            for story in view.stories
            for d in (*story.members, *(r for docs in story.representatives.values() for r in docs))
        }

        def rest_item(doc: TweetDoc) -> Item:
            lead = leads.get(story_of.get(doc.id, ""))
            if lead is None:
                return _tweet_item(doc, sizes, story_chars)
            return _story_item(further_line(lead, doc, story_chars))

        return [
            *(_story_item(line) for line in (*lines.leads, *lines.others)),
            *(_tweet_item(d, sizes, story_chars) for d in fill),
            *(_story_item(line) for line in lines.extras),
            *(rest_item(d) for d in rest),
        ]
    out = []
    for doc in candidates(view):
        payload = item_payload(doc, sizes)
        line = dumps(payload)
        out.append(Item(doc=doc, payload=payload, line=line, tokens=estimate_tokens(line + "\n")))
    return out


def _unlisted(view: WindowView, sent: set[str]) -> tuple[list[TweetDoc], list[TweetDoc]]:
    """The tweet input's candidates outside the listed stories, then the rest of them: never a
    tweet of a story set aside or without a category (chatter); a repeated text, or a listed
    story's tweet its lines do not quote, is left for the rest."""
    aside = {
        d.id
        for story in view.set_aside_stories
        for d in (*story.members, *(r for docs in story.representatives.values() for r in docs))
    }
    listed = set(sent)
    for story in view.stories:
        listed |= {d.id for d in story.members}
        listed |= {d.id for docs in story.representatives.values() for d in docs}
    first: list[TweetDoc] = []
    rest: list[TweetDoc] = []
    repeats: set[str] = set()
    for doc in candidates(view):
        if doc.id in aside or doc.id in sent or not doc.categories:
            continue
        if doc.id in listed or (doc.near_dup_key and doc.near_dup_key in repeats):
            rest.append(doc)
            continue
        if doc.near_dup_key:
            repeats.add(doc.near_dup_key)
        first.append(doc)
    return first, rest


_NOT_IN_FILL = frozenset({"subtopics", "categories"})
"""Left out of a fill line (the statistics carry them); it is one of many, kept compact."""


def _tweet_item(doc: TweetDoc, sizes: Mapping[str, int], chars: int) -> Item:
    """A tweet outside the listed stories, as a compact tweet line."""
    payload = {k: v for k, v in item_payload(doc, sizes).items() if k not in _NOT_IN_FILL}
    payload["text"] = clip(quotable_text(doc.ref.text), chars)
    if "entities" in payload:
        payload["entities"] = payload["entities"][:COMPACT_ENTITIES]
    line = dumps(payload)
    return Item(doc=doc, payload=payload, line=line, tokens=estimate_tokens(line + "\n"))


def _story_item(line: StoryLine) -> Item:
    text = dumps(line.sent)
    return Item(
        doc=line.doc,
        payload=line.evidence,
        line=text,
        tokens=estimate_tokens(text + "\n"),
        story=line.story,
    )


def story_map(items: Iterable[Item]) -> dict[str, str]:
    """Tweet id to story id for the items of a story."""
    return {i.doc.id: i.story.id for i in items if i.story is not None}


# ---------------------------------------------------------------------------- the request


def build_input(
    view: WindowView,
    prompts: Prompts,
    *,
    allowance: int,
    model: str,
    max_tokens: int,
    story_full: int = STORY_FULL,
    story_chars: int = STORY_CHARS,
) -> ModelInput:
    """The model request for ``view`` whose estimated size is at most ``allowance`` tokens."""
    stats = stats_payload(view)
    report_tool = tool(tuple(SECTIONS))
    system = prompts.render("system", stories=bool(view.stories))
    items = candidate_items(view, story_full=story_full, story_chars=story_chars)
    head, tail = _frame(prompts, view, stats)
    fixed = request_tokens(system, [{"role": "user", "content": head + tail}], [report_tool])
    if fixed > allowance:
        raise BudgetTooSmall(
            f"the prompt without tweets needs ~{fixed} tokens, over the allowance of {allowance}"
        )
    room = allowance - fixed
    chosen: list[Item] = []
    for item in items:
        if item.tokens > room:
            break
        chosen.append(item)
        room -= item.tokens
    kept = {i.doc.id for i in chosen}
    stats = without_unknown_reps(stats, kept)
    head, tail = _frame(prompts, view, stats)
    user = head + "\n".join(i.line for i in chosen) + tail
    tokens = request_tokens(system, [{"role": "user", "content": user}], [report_tool])
    key = input_key(
        {
            "model": model,
            "max_tokens": max_tokens,
            "system": system,
            "user": user,
            "tool": report_tool,
        }
    )
    return ModelInput(
        system=system,
        user=user,
        tool=report_tool,
        stats=stats,
        items={i.doc.id: i for i in chosen},
        considered=len(items),
        tokens=tokens,
        key=key,
        stories=story_map(chosen),
    )


def render_around(prompts: Prompts, name: str, slot: str, **context: Any) -> tuple[str, str]:
    """``<name>.j2`` rendered in two parts: the text before and after ``{{ slot }}``.

    The lines that go in the slot (tweets, findings) are chosen afterwards, to fit the budget.
    """
    rendered = prompts.render(name, **{**context, slot: _SLOT_MARK})
    head, sep, tail = rendered.partition(_SLOT_MARK)
    if not sep or _SLOT_MARK in tail:
        raise ConfigError(f"{name}.j2 must place {{{{ {slot} }}}} exactly once")
    return head, tail


def input_key(request: Mapping[str, Any]) -> str:
    """The cache key of a report's model input: a hash of all it sends, and the prompt version."""
    return hashlib.sha256(dumps({"version": PROMPT_VERSION, **request}).encode()).hexdigest()


def _frame(prompts: Prompts, view: WindowView, stats: dict[str, Any]) -> tuple[str, str]:
    """The user prompt around the tweets: the text before the first and after the last line."""
    return render_around(
        prompts,
        "report",
        "tweets",
        window=view.window,
        stats_json=dumps(stats),
        sections=SECTIONS,
        stories=bool(view.stories),
    )


def without_unknown_reps(stats: dict[str, Any], kept: set[str]) -> dict[str, Any]:
    """Repeated texts name their representative only when the model can read it."""
    if "repeated_texts" not in stats:
        return stats
    repeated = [r if r["tweet"] in kept else {"size": r["size"]} for r in stats["repeated_texts"]]
    return {**stats, "repeated_texts": repeated}


def repair_input(
    prompts: Prompts,
    *,
    system: str,
    errors: Mapping[str, Sequence[str]],
    previous: Mapping[str, Any],
) -> tuple[str, dict[str, Any]]:
    """The repair request's user prompt and tool: only the failed sections, no tweets."""
    sections = tuple(name for name in SECTIONS if name in errors)
    user = prompts.render(
        "repair",
        errors=[e for name in sections for e in errors[name]],
        previous_json=dumps({name: previous.get(name) for name in sections}),
        sections=[(name, SECTIONS[name]) for name in sections],
    )
    return user, tool(sections)
