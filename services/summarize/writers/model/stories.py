"""The story input: the window's stories as the model reads them, one line per story and language.

When the window has stories (``WindowView.stories``, strongest first), the model reads them in
``<stories>`` instead of single tweets in ``<tweets>``. Each line is one representative tweet of a
story; its ``story`` key (``s1``, ``s2``, … by strength) tells which lines belong together. Lines
are taken in priority order, so the budget covers the strongest stories first and as many stories
as it can:

1. every story's *lead line*: its best representative, with the story's size and breadth (tweets,
   authors, retweets, languages, engagement, reactions) and its kind, entities and figures. The
   ``full`` strongest stories get ``TWEET_CHARS`` of text and all their fields, the rest a compact
   line (``chars`` of text, at most ``COMPACT_ENTITIES`` entities, categories only when not just
   AI); a story of one tweet leaves out the counts (one tweet, one author);
2. the best representative of each of the ``full`` strongest stories' other languages (compact);
3. the tweet input's own candidates that belong to no listed story (a report lists the strongest
   ``report_stories`` only), compact, one per repeated text, none from a story set aside or
   without a category: so the prompt covers at least the stories the tweet input covered;
4. the other stories' other languages, then more of the strongest stories' own tweets (replies,
   reactions, other accounts), one per story per round;
5. the rest of the tweet input's candidates (repeated texts, listed stories' tweets not quoted
   yet), compact, never spam or chatter.

So a story never costs more than one line until every story that fits has its line, and a
window too large for the budget loses its weakest stories' extra lines, then its weakest
stories. Spam and chatter are not in the prompt.

What a claim may cite is a tweet id, as in the tweet input, and the verifier is the same. A line's
evidence is its story: a claim citing any line of a story may use the story's counts, figures and
entities, which the story's lead line states (the lead is always sent before the story's other
lines). That is the ``payload`` of each :class:`~services.summarize.writers.model.prompt.Item`;
its ``line`` is what is sent.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from services.summarize.doc import TweetDoc
from services.summarize.story import Story
from services.summarize.writers.phrasing import SENTIMENT_LABELS, quotable_text
from shared.sentences import sentence_ends

STORY_ENTITIES = 6
"""Lead entities a story line names at most."""
STORY_FIGURES = 6
"""Lead figures a story line states at most."""
COMPACT_ENTITIES = 3
"""Entities a compact line names at most."""
EXTRA_ROUNDS = 3
"""More tweets of a story read at most, beyond its representatives (tier 3)."""

_SPACE = re.compile(r"\s")


def clip(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` characters, cut at a sentence's end, else between words.

    A cut text ends with ``…``; a text with no sentence end or space in its second half (Chinese
    without punctuation) is cut between characters, which in Chinese splits no word's letters.
    """
    if len(text) <= limit:
        return text
    room = text[: limit - 1]
    ends = [end for end in sentence_ends(room) if end >= limit // 2]
    if ends:
        return room[: ends[-1]].rstrip() + "…"
    spaces = [m.start() for m in _SPACE.finditer(room) if m.start() >= limit // 2]
    if spaces:
        return room[: spaces[-1]].rstrip() + "…"
    if re.match(r"[A-Za-z0-9]", text[limit - 1]) and re.search(r"[A-Za-z0-9]$", room):
        # A Latin word with no space to cut at: drop the word's start rather than split it.
        room = re.sub(r"[A-Za-z0-9]+$", "", room) or room
    return room.rstrip() + "…"


@dataclass(frozen=True)
class StoryLine:
    """One line of ``<stories>``: a tweet of a story, what is sent, and what it is evidence of."""

    doc: TweetDoc
    """The tweet the line quotes; a claim cites its id. Its entities include the story's."""
    story: Story
    key: str
    """The story's key in the prompt (``s1`` is the strongest)."""
    sent: dict[str, Any]
    """The fields sent, empty ones left out."""
    evidence: dict[str, Any]
    """What a claim citing this line may state: the sent fields and the story's counts and
    figures."""


def _figures(doc: TweetDoc) -> list[str]:
    return list(dict.fromkeys((*doc.percentages, *doc.money)))


def _entities(doc: TweetDoc) -> list[str]:
    return list(dict.fromkeys((*doc.models, *doc.companies)))


def _story_fields(story: Story) -> dict[str, Any]:
    """The story's size, breadth and reactions; a one-tweet story has none to tell."""
    if story.tweets <= 1 and story.authors <= 1 and not story.retweets:
        return {}
    reactions = {
        SENTIMENT_LABELS[k]: n
        for k in ("bullish", "bearish")
        if (n := story.sentiment.get(k, 0)) > 0
    }
    fields: dict[str, Any] = {
        "tweets": story.tweets,
        "authors": story.authors,
        "retweets": story.retweets,
        "languages": dict(story.languages) if len(story.languages) > 1 else {},
        "reactions": reactions,
    }
    return fields


def _lead(story: Story, key: str, doc: TweetDoc, chars: int, *, full: bool) -> StoryLine:
    """A story's lead line; a compact one (``full`` false) names fewer entities, and its
    categories only when the story is not only about AI."""
    most = STORY_ENTITIES if full else COMPACT_ENTITIES
    figures = list(dict.fromkeys((*_figures(doc), *story.figures[:STORY_FIGURES])))
    entities = list(dict.fromkeys((*_entities(doc)[:most], *story.entities[:most])))[:most]
    categories = list(story.categories) if full or story.categories != ("ai",) else []
    sentiment = doc.sentiment if story.tweets <= 1 and doc.sentiment != "neutral" else ""
    sent: dict[str, Any] = {
        "id": doc.id,
        "story": key,
        "kind": story.kind if story.kind != "other" else "",
        **_story_fields(story),
        "engagement": round(story.engagement),
        "categories": categories,
        "entities": entities,
        "tickers": list(doc.tickers),
        "coins": list(doc.coins),
        "figures": figures,
        "sentiment": SENTIMENT_LABELS.get(sentiment, ""),
        "author": "@" + doc.ref.author,
        # A story in one language says so in its representative's text.
        "lang": doc.ref.lang or "" if len(story.languages) > 1 else "",
        "text": clip(quotable_text(doc.ref.text), chars),
    }
    sent = _compact(sent, keep={"engagement"})
    return StoryLine(
        doc=_with_names(doc, sent), story=story, key=key, sent=sent, evidence=dict(sent)
    )


def _more(story: Story, key: str, doc: TweetDoc, chars: int, lead: StoryLine) -> StoryLine:
    """A further line of a story: the tweet alone; its evidence is the story's lead's too."""
    sent = _compact(
        {
            "id": doc.id,
            "story": key,
            "entities": _entities(doc)[:COMPACT_ENTITIES],
            "tickers": list(doc.tickers),
            "coins": list(doc.coins),
            "figures": _figures(doc),
            "sentiment": SENTIMENT_LABELS.get(doc.sentiment, "")
            if doc.sentiment != "neutral"
            else "",
            "author": "@" + doc.ref.author,
            "lang": doc.ref.lang or "",
            "text": clip(quotable_text(doc.ref.text), chars),
        }
    )
    evidence = {**{k: v for k, v in lead.evidence.items() if k not in sent}, **sent}
    for k in ("entities", "tickers", "coins"):
        names = (*sent.get(k, ()), *lead.evidence.get(k, ()))
        if names:
            evidence[k] = list(dict.fromkeys(names))
    evidence["figures"] = list(
        dict.fromkeys((*sent.get("figures", []), *lead.sent.get("figures", [])))
    )
    return StoryLine(
        doc=_with_names(doc, evidence), story=story, key=key, sent=sent, evidence=evidence
    )


def further_line(lead: StoryLine, doc: TweetDoc, chars: int) -> StoryLine:
    """Another tweet of ``lead``'s story, as a further line of it."""
    return _more(lead.story, lead.key, doc, chars, lead)


def _compact(
    fields: dict[str, Any], keep: set[str] | frozenset[str] = frozenset()
) -> dict[str, Any]:
    """Empty fields left out, but for the line's id, story, text and ``keep``."""
    return {k: v for k, v in fields.items() if v or k in {"id", "story", "text", *keep}}


def _with_names(doc: TweetDoc, evidence: Mapping[str, Any]) -> TweetDoc:
    """The tweet with the names its line is evidence of (its story's lead line's), so that a
    claim citing it may name them."""

    def more(held: tuple[str, ...], *keys: str) -> tuple[str, ...]:
        names = [str(n) for k in keys for n in evidence.get(k, ())]
        return (*held, *(n for n in dict.fromkeys(names) if n not in held))

    return dataclasses.replace(
        doc,
        companies=more((*doc.models, *doc.companies), "entities")[len(doc.models) :],
        tickers=more(doc.tickers, "tickers"),
        coins=more(doc.coins, "coins"),
    )


def _representatives(story: Story) -> list[TweetDoc]:
    """The story's best tweet per language, its main language first, then the others."""
    out: list[TweetDoc] = []
    for lang, _ in story.languages:
        reps = story.representatives.get(lang, ())
        if reps:
            out.append(reps[0])
    for lang in sorted(set(story.representatives) - {lang for lang, _ in story.languages}):
        if story.representatives[lang]:
            out.append(story.representatives[lang][0])
    if not out and story.members:
        out.append(story.members[0])
    return out


@dataclass(frozen=True)
class StoryLines:
    """A window's story lines by priority tier (see the module docstring)."""

    leads: list[StoryLine]
    """Each story's lead line, strongest story first."""
    others: list[StoryLine]
    """The best tweet of each of the ``full`` strongest stories' other languages."""
    extras: list[StoryLine]
    """The other stories' other languages, then more tweets of the strongest stories, one per
    story per round."""

    def ids(self) -> set[str]:
        """The tweets the lines quote."""
        return {line.doc.id for line in (*self.leads, *self.others, *self.extras)}


def story_lines(stories: Sequence[Story], *, full: int, chars: int, long_chars: int) -> StoryLines:
    """Every line the model could read about ``stories`` (strongest first), by tier."""
    leads: list[StoryLine] = []
    others: list[StoryLine] = []
    later: list[StoryLine] = []
    rounds: list[list[StoryLine]] = [[] for _ in range(EXTRA_ROUNDS)]
    seen: set[str] = set()
    for rank, story in enumerate(stories):
        key = f"s{rank + 1}"
        reps = [d for d in _representatives(story) if d.id not in seen]
        if not reps:
            continue
        strong = rank < full
        lead = _lead(story, key, reps[0], long_chars if strong else chars, full=strong)
        leads.append(lead)
        seen.add(reps[0].id)
        for doc in reps[1:]:
            (others if strong else later).append(_more(story, key, doc, chars, lead))
            seen.add(doc.id)
        if not strong:
            continue
        extra = [d for d in story.members if d.id not in seen][:EXTRA_ROUNDS]
        for n, doc in enumerate(extra):
            rounds[n].append(_more(story, key, doc, chars, lead))
            seen.add(doc.id)
    extras = [*later, *(line for r in rounds for line in r)]
    return StoryLines(leads=leads, others=others, extras=extras)
