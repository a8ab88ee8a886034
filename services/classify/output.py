"""What ``tweetpulse classify`` prints for one tweet: a flat JSON-ready summary."""

from __future__ import annotations

from shared.models import TweetClassified


def summary_json(c: TweetClassified) -> dict[str, object]:
    """The one-line summary of a classified tweet (ids and labels, entities, sentiment, terms).

    ``id`` is always the id of the input row, so a caller can join the output to its input: a
    row read as a retweet travels as its original (``TweetIngested``), but prints under its own
    id, with ``retweet_of`` naming the original it stands for (``None`` for any other row).
    """
    via = c.tweet.via_retweet
    return {
        "id": via.retweet_id if via is not None else c.tweet.tweet_id,
        "retweet_of": c.tweet.tweet_id if via is not None else None,
        "categories": list(c.categories),
        "subtopics": [s.id for s in c.subtopics],
        "subtopic_labels": [s.label for s in c.subtopics],
        "entities": c.entities.model_dump(mode="json"),
        "sentiment": c.sentiment,
        "terms": list(c.terms),
    }
