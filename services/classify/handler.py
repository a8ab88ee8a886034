"""The classify handler: a ``TweetIngested`` in, exactly one ``TweetClassified`` out."""

from __future__ import annotations

from dataclasses import dataclass

from services.classify.classifier import Classifier
from shared.models import TweetClassified, TweetIngested


@dataclass(frozen=True, slots=True)
class ClassifyDeps:
    """What the handler needs: the classifier compiled from the taxonomy (see ``bootstrap``)."""

    classifier: Classifier


def handle(msg: TweetIngested, *, deps: ClassifyDeps) -> list[TweetClassified]:
    """Tag one tweet with categories, sub-topics, entities, sentiment, terms and a near-dup key."""
    found = deps.classifier.classify(msg.text)
    return [
        TweetClassified(
            tweet=msg,
            categories=found.categories,
            subtopics=found.subtopics,
            entities=found.entities,
            sentiment=found.sentiment,
            terms=found.terms,
            near_dup_key=found.near_dup_key,
        )
    ]
