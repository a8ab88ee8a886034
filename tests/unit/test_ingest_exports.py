"""Export readers: twscrape JSON Lines and an X account archive's tweets.js, through the handler."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from services.ingest.exports import TwscrapeReader, XArchiveReader, is_twscrape
from services.ingest.handler import IngestDeps, handle
from services.ingest.readers import READERS, detect_format, iter_records
from services.ingest.record import InputRecord
from shared.errors import InputError
from shared.models import DeadLetter, TweetIngested
from shared.settings import IngestSettings
from shared.store import MemoryStore

SETTINGS = IngestSettings()
Write = Callable[[str, str], Path]


@pytest.fixture
def write(tmp_path: Path) -> Write:
    def _write(name: str, content: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8", newline="")
        return path

    return _write


def read(path: Path, **kwargs: Any) -> list[InputRecord]:
    return list(iter_records(path, settings=SETTINGS, **kwargs))


def ingest(records: list[InputRecord]) -> tuple[list[TweetIngested], list[DeadLetter]]:
    deps = IngestDeps(store=MemoryStore(), settings=SETTINGS)
    events = [e for r in records for e in handle(r, deps=deps)]
    return (
        [e for e in events if isinstance(e, TweetIngested)],
        [e for e in events if isinstance(e, DeadLetter)],
    )


def test_both_readers_are_registered_in_detection_order() -> None:
    assert list(READERS) == ["csv", "jsonl", "json", "x-archive"]
    assert isinstance(READERS["jsonl"], TwscrapeReader)
    assert isinstance(READERS["x-archive"], XArchiveReader)
    assert detect_format(Path("tweets.js"), b"window.YTD.tweets.part0 = [") == "x-archive"
    assert detect_format(Path("dump.txt"), b"window.YTD.tweets.part0 = [\n") == "x-archive"


# ---------------------------------------------------------------------------- twscrape


def tw_user(username: str, **extra: Any) -> dict[str, Any]:
    """A twscrape User as ``Tweet.json()`` writes it (abridged)."""
    return {
        "id": 44196397,
        "id_str": "44196397",
        "url": f"https://x.com/{username}",
        "username": username,
        "displayname": extra.pop("displayname", username.title()),
        "rawDescription": "",
        "created": "2009-06-02 20:12:29+00:00",
        "followersCount": extra.pop("followers", 100),
        "friendsCount": 5,
        "verified": extra.pop("verified", False),
        "blue": extra.pop("blue", False),
        "_type": "snscrape.modules.twitter.User",
        **extra,
    }


def tw_tweet(tweet_id: int, text: str, user: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A twscrape Tweet as ``Tweet.json()`` writes it (abridged; dates are ``str(datetime)``)."""
    return {
        "id": tweet_id,
        "id_str": str(tweet_id),
        "url": f"https://x.com/{user['username']}/status/{tweet_id}",
        "date": extra.pop("date", "2026-01-02 08:30:00+00:00"),
        "user": user,
        "lang": extra.pop("lang", "en"),
        "rawContent": text,
        "replyCount": 2,
        "retweetCount": extra.pop("retweets", 5),
        "likeCount": extra.pop("likes", 40),
        "quoteCount": 1,
        "bookmarkedCount": 3,
        "conversationId": tweet_id,
        "conversationIdStr": str(tweet_id),
        "hashtags": [],
        "cashtags": [],
        "mentionedUsers": [],
        "links": [],
        "media": {"photos": [], "videos": [], "animated": []},
        "viewCount": extra.pop("views", 1234),
        "retweetedTweet": extra.pop("retweetedTweet", None),
        "quotedTweet": None,
        "inReplyToUser": extra.pop("inReplyToUser", None),
        "source": '<a href="https://mobile.twitter.com">Twitter Web App</a>',
        "_type": "snscrape.modules.twitter.Tweet",
        **extra,
    }


def jsonl(*objs: object) -> str:
    return "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objs)


def test_twscrape_lines_carry_author_details(write: Write) -> None:
    karpathy = tw_user("karpathy", displayname="Andrej Karpathy", followers=900_000, blue=True)
    path = write("search.jsonl", jsonl(tw_tweet(1001, "LLM OS, 大模型", karpathy, lang="zh")))
    tweets, dead = ingest(read(path))
    assert dead == []
    [tweet] = tweets
    assert tweet.tweet_id == "1001" and tweet.text == "LLM OS, 大模型"
    assert tweet.author.username == "karpathy" and tweet.author.name == "Andrej Karpathy"
    assert tweet.author.followers == 900_000 and tweet.author.verified is True
    assert tweet.metrics.likes == 40 and tweet.metrics.retweets == 5
    assert tweet.metrics.views == 1234
    assert tweet.created_at.isoformat() == "2026-01-02T08:30:00+00:00"
    assert tweet.lang == "zh" and tweet.source == "file:search.jsonl"


def test_a_twscrape_retweet_folds_into_its_original(write: Write) -> None:
    original = tw_tweet(900, "GPT-5 is out, and long", tw_user("sama"), likes=5000, retweets=800)
    retweet = tw_tweet(
        1002,
        "RT @sama: GPT-5 is out, and long",
        tw_user("fan"),
        likes=0,
        retweetedTweet=original,
        date="2026-01-02 09:00:00+00:00",
    )
    tweets, _ = ingest(read(write("rt.jsonl", jsonl(retweet))))
    [tweet] = tweets
    assert tweet.tweet_id == "900" and tweet.author.username == "sama"
    assert tweet.metrics.likes == 5000 and tweet.metrics.retweets == 800
    assert tweet.via_retweet is not None
    assert tweet.via_retweet.retweet_id == "1002" and tweet.via_retweet.retweeted_by == "fan"
    assert tweet.url == "https://x.com/sama/status/900"


def test_a_twscrape_reply_names_who_it_answers(write: Write) -> None:
    reply_to = {"id": 1, "id_str": "1", "username": "ylecun", "displayname": "Yann LeCun"}
    reply = tw_tweet(1003, "@ylecun not so sure", tw_user("bob"), inReplyToUser=reply_to)
    tweets, _ = ingest(read(write("reply.jsonl", jsonl(reply))))
    assert tweets[0].in_reply_to == "ylecun"


def test_plain_json_lines_beside_twscrape_ones_read_as_before(write: Write) -> None:
    plain = {
        "id": "77",
        "text": "a plain export line",
        "username": "carol",
        "created_at": "2026-01-02T10:00:00Z",
    }
    path = write(
        "mixed.jsonl", jsonl(plain, tw_tweet(78, "twscrape", tw_user("dave"))) + "{broken\n"
    )
    records = read(path)
    assert [r.line for r in records] == [1, 2, 3]
    assert records[0].fields == {
        "id": "77",
        "text": "a plain export line",
        "username": "carol",
        "created_at": "2026-01-02T10:00:00Z",
    }
    assert records[1].fields["name"] == "Dave"
    assert records[2].error is not None and records[2].error.startswith("malformed JSON")


def test_map_wins_over_twscrape_names(write: Write) -> None:
    user = tw_user("erin", displayname="Erin", location="Paris")
    path = write("m.jsonl", jsonl(tw_tweet(79, "hi", user)))
    [record] = read(path, mapping={"name": "user.location"})
    assert record.fields["name"] == "Paris"


def test_is_twscrape_tells_tweets_from_other_objects() -> None:
    assert is_twscrape(tw_tweet(1, "x", tw_user("a")))
    assert is_twscrape({"rawContent": "x", "user": {"username": "a"}})
    assert not is_twscrape({"rawContent": "x", "user": "a"})
    assert not is_twscrape({"text": "x"})
    assert not is_twscrape(["rawContent"])


# ---------------------------------------------------------------------------- X archive

ACCOUNT = """window.YTD.account.part0 = [
  {
    "account" : {
      "email" : "me@example.com",
      "createdVia" : "web",
      "username" : "me_ai",
      "accountId" : "42",
      "createdAt" : "2012-03-04T05:06:07.000Z",
      "accountDisplayName" : "Me 人工智能"
    }
  }
]"""


def archive_tweet(tweet_id: str, text: str, created: str, **extra: str) -> dict[str, Any]:
    return {
        "tweet": {
            "edit_info": {"initial": {"editTweetIds": [tweet_id], "editableUntil": created}},
            "retweeted": False,
            "source": '<a href="https://mobile.twitter.com" rel="nofollow">Twitter Web App</a>',
            "entities": {"hashtags": [], "symbols": [], "user_mentions": [], "urls": []},
            "display_text_range": ["0", str(len(text))],
            "favorite_count": extra.pop("likes", "12"),
            "id_str": tweet_id,
            "truncated": False,
            "retweet_count": extra.pop("retweets", "3"),
            "id": tweet_id,
            "created_at": created,
            "favorited": False,
            "full_text": text,
            "lang": extra.pop("lang", "en"),
            **extra,
        }
    }


def archive(name: str, entries: list[Any], part: int = 0) -> str:
    body = json.dumps(entries, ensure_ascii=False, indent=2).replace('": ', '" : ')
    return f"window.YTD.{name}.part{part} = {body}"


def test_an_archive_reads_with_the_account_as_author(write: Write) -> None:
    write("data/account.js", ACCOUNT)
    path = write(
        "data/tweets.js",
        archive(
            "tweets",
            [
                archive_tweet(
                    "1874", "大模型 are eating software", "Wed Jan 01 10:00:00 +0000 2026"
                ),
                archive_tweet(
                    "1875",
                    "@ylecun agreed",
                    "Thu Jan 01 11:30:00 +0000 2026",
                    in_reply_to_screen_name="ylecun",
                ),
                archive_tweet(
                    "1876", "RT @sama: GPT-5 soon", "Thu Jan 01 12:00:00 +0000 2026", likes="0"
                ),
            ],
        ),
    )
    records = read(path)
    starts = [n for n, line in enumerate(path.read_text().splitlines(), 1) if line == "  {"]
    assert len(starts) == 3 and [r.line for r in records] == starts
    tweets, dead = ingest(records)
    assert dead == []
    own, reply, folded = tweets
    assert own.tweet_id == "1874" and own.author.username == "me_ai"
    assert own.author.name == "Me 人工智能"
    assert own.metrics.likes == 12 and own.metrics.retweets == 3
    assert own.created_at.isoformat() == "2026-01-01T10:00:00+00:00"
    assert own.url == "https://x.com/me_ai/status/1874"
    assert reply.in_reply_to == "ylecun"
    assert folded.author.username == "sama" and folded.text == "GPT-5 soon"
    assert folded.via_retweet is not None and folded.via_retweet.retweeted_by == "me_ai"
    assert all(t.source == "file:tweets.js" for t in tweets)


def test_a_broken_archive_entry_costs_only_itself(write: Write) -> None:
    write("data/account.js", ACCOUNT)
    good = json.dumps(archive_tweet("1", "first", "Wed Jan 01 10:00:00 +0000 2026"))
    later = json.dumps(archive_tweet("3", "third", "Wed Jan 01 10:02:00 +0000 2026"))
    path = write(
        "data/tweets-part1.js",
        f'window.YTD.tweets.part1 = [\n{good},\n{{"tweet": {{"id": "2", oops}}}},\n{later},\n'
        '{"like": {"tweetId": "4"}}\n]',
    )
    records = read(path)
    assert [r.line for r in records] == [2, 3, 4, 5]
    assert [r.fields.get("id") for r in records] == ["1", None, "3", None]
    assert records[1].error is not None and records[1].error.startswith("malformed JSON")
    assert records[3].error == "not a tweet: an archive entry with no tweet"


def test_an_archive_cut_short_reports_where(write: Write) -> None:
    write("data/account.js", ACCOUNT)
    good = json.dumps(archive_tweet("1", "first", "Wed Jan 01 10:00:00 +0000 2026"))
    path = write("data/tweets.js", f"window.YTD.tweets.part0 = [\n{good},\n{good[:40]}")
    records = read(path)
    assert records[0].fields["id"] == "1"
    assert (
        records[-1].error is not None and "the rest of the file was not read" in records[-1].error
    )


def test_an_archive_without_account_js_is_refused(write: Write) -> None:
    path = write(
        "tweets.js",
        archive("tweets", [archive_tweet("1", "x", "Wed Jan 01 10:00:00 +0000 2026")]),
    )
    with pytest.raises(InputError, match=r"account\.js"):
        read(path)


def test_other_archive_files_are_refused_by_name(write: Write) -> None:
    write("data/account.js", ACCOUNT)
    path = write("data/like.js", archive("like", [{"like": {"tweetId": "1", "fullText": "x"}}]))
    with pytest.raises(InputError, match="'like' data, not its tweets"):
        read(path)
    other = write("data/app.js", "console.log('hi')")
    with pytest.raises(InputError, match="not an X archive data file"):
        read(other)
