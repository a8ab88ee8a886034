"""HTML entities are decoded once, at ingest, on every path; classify reads the text as it is.

X writes ``&``, ``<`` and ``>`` as ``&amp;``, ``&lt;`` and ``&gt;`` (the API, the archive and
exports of both). A tweet that literally says ``&lt;think&gt;`` therefore arrives as
``&amp;lt;think&amp;gt;``: decoded once it is ``&lt;think&gt;``, what the author typed; decoded
twice it would turn into the tag ``<think>``, which the author never wrote.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from services.classify.bootstrap import build_classifier
from services.classify.handler import ClassifyDeps
from services.classify.handler import handle as classify
from services.classify.taxonomy import load_taxonomy
from services.ingest.handler import IngestDeps, handle
from services.ingest.readers import iter_records
from services.ingest.record import InputRecord
from services.ingest.x_api import payload_records
from shared.models import TweetClassified, TweetIngested
from shared.settings import IngestSettings
from shared.store import MemoryStore
from tests.unit.test_ingest_exports import ACCOUNT, archive, archive_tweet, tw_tweet, tw_user

AS_X_WRITES_IT = "Prompting DeepSeek with &amp;lt;think&amp;gt; tags &amp; more"
AS_TYPED = "Prompting DeepSeek with &lt;think&gt; tags & more"
SETTINGS = IngestSettings()
CREATED = "2026-01-02T08:30:00.000Z"


def ingest(records: list[InputRecord]) -> list[TweetIngested]:
    deps = IngestDeps(store=MemoryStore(), settings=SETTINGS)
    out = [event for record in records for event in handle(record, deps=deps)]
    assert all(isinstance(e, TweetIngested) for e in out), out
    return [e for e in out if isinstance(e, TweetIngested)]


def read(path: Path) -> list[TweetIngested]:
    return ingest(list(iter_records(path, settings=SETTINGS)))


def v2_tweet(tweet_id: str, text: str, **extra: Any) -> dict[str, Any]:
    return {"id": tweet_id, "text": text, "author_id": "7", "created_at": CREATED, **extra}


V2_USERS = {"users": [{"id": "7", "username": "dev_ai", "name": "Dev"}]}


def csv_file(tmp_path: Path) -> Path:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "text", "created_at", "username"])
    writer.writerow(["101", AS_X_WRITES_IT, CREATED, "dev_ai"])
    path = tmp_path / "tweets.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def v2_document(tmp_path: Path) -> Path:
    path = tmp_path / "search.json"
    response = {"data": [v2_tweet("102", AS_X_WRITES_IT)], "includes": V2_USERS}
    path.write_text(json.dumps(response), encoding="utf-8")
    return path


def v2_lines(tmp_path: Path) -> Path:
    path = tmp_path / "stream.jsonl"
    pages = [{"data": v2_tweet(str(n), AS_X_WRITES_IT), "includes": V2_USERS} for n in (103, 104)]
    path.write_text("".join(json.dumps(p) + "\n" for p in pages), encoding="utf-8")
    return path


def twscrape(tmp_path: Path) -> Path:
    path = tmp_path / "scraped.jsonl"
    lines = [tw_tweet(n, AS_X_WRITES_IT, tw_user("dev_ai")) for n in (105, 106)]
    path.write_text("".join(json.dumps(t) + "\n" for t in lines), encoding="utf-8")
    return path


def x_archive(tmp_path: Path) -> Path:
    (tmp_path / "account.js").write_text(ACCOUNT, encoding="utf-8")
    path = tmp_path / "tweets.js"
    entry = archive_tweet("107", AS_X_WRITES_IT, "Fri Jan 02 08:30:00 +0000 2026")
    path.write_text(archive("tweets", [entry]), encoding="utf-8")
    return path


@pytest.mark.parametrize("make", [csv_file, v2_document, v2_lines, twscrape, x_archive])
def test_every_file_format_decodes_the_text_once(make: Any, tmp_path: Path) -> None:
    tweets = read(make(tmp_path))
    assert tweets and {t.text for t in tweets} == {AS_TYPED}


def test_an_x_api_page_decodes_the_text_once() -> None:
    page = {"data": [v2_tweet("108", AS_X_WRITES_IT)], "includes": V2_USERS}
    [tweet] = ingest(payload_records(page, source="x-api:recent", line=1))
    assert tweet.text == AS_TYPED


def test_a_retweets_original_is_decoded_once_on_both_paths(tmp_path: Path) -> None:
    # The API holds the original in includes.tweets; a CSV row only says "RT @who: text".
    original = v2_tweet("200", AS_X_WRITES_IT, author_id="8")
    retweet = v2_tweet(
        "201",
        "RT @orig_ai: " + AS_X_WRITES_IT,
        referenced_tweets=[{"type": "retweeted", "id": "200"}],
    )
    users = {"users": [*V2_USERS["users"], {"id": "8", "username": "orig_ai"}]}
    page = {"data": [retweet], "includes": {**users, "tweets": [original]}}
    [from_api] = ingest(payload_records(page, source="x-api:recent", line=1))

    path = tmp_path / "rt.csv"
    path.write_text(
        f'id,text,created_at,username\n202,"RT @orig_ai: {AS_X_WRITES_IT}",{CREATED},dev_ai\n',
        encoding="utf-8",
    )
    [from_csv] = read(path)
    assert from_api.text == from_csv.text == AS_TYPED
    assert from_api.via_retweet is not None and from_csv.via_retweet is not None


def test_classify_keeps_the_text_as_ingest_published_it(tmp_path: Path) -> None:
    [tweet] = read(csv_file(tmp_path))
    deps = ClassifyDeps(classifier=build_classifier(load_taxonomy()))
    [tagged] = classify(tweet, deps=deps)
    assert isinstance(tagged, TweetClassified)
    assert tagged.tweet.text == AS_TYPED
    # "&lt;think&gt;" is what the tweet says: its words count, and no tag was made of it.
    assert "lt" in tagged.terms and "gt" in tagged.terms
