"""What ``tweetpulse classify`` prints for one tweet: a flat JSON-ready summary."""

from __future__ import annotations

from shared.models import TweetClassified


def summary_json(c: TweetClassified) -> dict[str, object]:
    """The one-line summary of a classified tweet (ids and labels, entities, sentiment, terms)."""
    return {
        "id": c.tweet.tweet_id,
        "categories": list(c.categories),
        "subtopics": [s.id for s in c.subtopics],
        "subtopic_labels": [s.label for s in c.subtopics],
        "entities": c.entities.model_dump(mode="json"),
        "sentiment": c.sentiment,
        "terms": list(c.terms),
    }
