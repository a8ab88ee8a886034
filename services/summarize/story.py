"""What a story is, as the report writers read it: the decoded, typed side of the story layer.

A story is the set of a window's tweets that report one event, claim or debate, whatever their
wording or language. ``services.summarize.stories`` builds them from the window's aggregates (its
docstring says how they stay bounded and order-free); this module only names what a built story
holds, so that the writers depend on this shape and not on how it is computed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from shared.models import SetAside, StoryKind

if TYPE_CHECKING:
    from services.summarize.doc import TweetDoc

MARKET_KINDS: frozenset[StoryKind] = frozenset(("market", "funding"))
"""The kinds of story that are about a traded company or market: told with market words
(看涨/看跌), titled by a stock, listed under the market section."""


@dataclass(frozen=True)
class Story:
    """One story of a window, with everything a writer says about it."""

    id: str
    """Stable across rebuilds of the window (derived from its earliest tweet)."""
    kind: StoryKind
    tweets: int
    """Distinct tweets; a retweet or a copy counts toward its story, not as a new tweet."""
    retweets: int
    authors: int
    """Distinct authors."""
    languages: tuple[tuple[str, int], ...]
    """``(lang, tweets)``, most tweets first."""
    engagement: float
    """Summed over the story's tweets (each tweet's highest engagement seen)."""
    first_seen: datetime
    last_seen: datetime
    entities: tuple[str, ...]
    """Lead names (companies, models, products, institutions), canonical spelling, most named
    first."""
    figures: tuple[str, ...]
    """Lead figures as written in its tweets (``+124%``, ``$14B``, ``140亿美元``), most named
    first."""
    subtopics: tuple[str, ...]
    """Sub-topic ids, most common first (labels: ``WindowView.label``)."""
    categories: tuple[str, ...]
    sentiment: Mapping[str, int]
    """Tweets per sentiment (``bullish``, ``bearish``, ``neutral``)."""
    representatives: Mapping[str, tuple[TweetDoc, ...]]
    """Per language, its best tweets, best first (substantial text, then engagement)."""
    members: tuple[TweetDoc, ...]
    """The story's tweets the window keeps (bounded), best first; replies and reactions among
    them."""
    score: float
    """Strength (see ``services.summarize.stories.score``); core points are the highest."""
    set_aside: SetAside | None = None
    """Why it is not reported, if it is not."""
    entity_labels: Mapping[str, str] = field(default_factory=dict)
    """A lead entity's Chinese name, where one is known (``SK Hynix`` → ``SK海力士``)."""

    @property
    def reported(self) -> bool:
        """Whether the report may tell this story (not spam, not chatter)."""
        return self.set_aside is None


@dataclass(frozen=True)
class SetAsideCounts:
    """What the window set aside and did not report, for the footer."""

    spam_stories: int = 0
    spam_tweets: int = 0
    chatter_stories: int = 0
    chatter_tweets: int = 0
