"""The classifier on the real 3,000-tweet CSV in ../shared/data (skipped when it is absent)."""

from __future__ import annotations

import csv
import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.classify.bootstrap import build_classifier, bundled_model
from services.classify.handler import ClassifyDeps, handle
from services.classify.taxonomy import load_taxonomy
from shared.models import Author, TweetClassified, TweetIngested

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
CSV_PATH = DATA / "chatgpt-tweets-2023-04-27.csv"

pytestmark = pytest.mark.skipif(
    not CSV_PATH.is_file(), reason=f"real tweets not available: {CSV_PATH} is absent"
)


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    with CSV_PATH.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def classified(rows: list[dict[str, str]]) -> dict[str, TweetClassified]:
    deps = ClassifyDeps(classifier=build_classifier(load_taxonomy(), model=bundled_model()))
    t0 = datetime(2023, 4, 27, 17, 0, tzinfo=UTC)
    out = {}
    for row in rows:
        msg = TweetIngested(
            tweet_id=row["id"],
            text=row["text"],
            created_at=t0,
            observed_at=t0,
            author=Author(username=row["screenName"]),
            source="file:chatgpt-tweets-2023-04-27.csv",
        )
        result = handle(msg, deps=deps)
        assert len(result) == 1
        out[row["id"]] = result[0]
    return out


def test_most_tweets_are_ai(
    classified: dict[str, TweetClassified], rows: list[dict[str, str]]
) -> None:
    assert len(classified) == len(rows) == 3000
    ai = sum("ai" in c.categories for c in classified.values())
    assert ai / len(classified) >= 0.85
    # every tweet that names ChatGPT (not only in an @handle or inside a longer hashtag) is ai
    named = re.compile(r"(?<![@\w])chatgpt(?!\w)|chatgpt4", re.IGNORECASE)
    mentions = [c for c in classified.values() if named.search(c.tweet.text)]
    assert mentions and all("ai" in c.categories for c in mentions)


def test_known_rows(classified: dict[str, TweetClassified]) -> None:
    congress = classified["1651641228520194048"]  # RT @gdb: ChatGPT as a tool for Congress
    assert congress.categories == ["ai"]
    assert [s.id for s in congress.subtopics] == ["policy"]
    assert congress.entities.models == ["ChatGPT"]
    assert congress.terms == ["tool", "Congress", "ChatGPT"]

    brc20 = classified["1651640616873508864"]  # BRC-20 giveaway with $punk $gold $SHIB $love
    assert "crypto" in brc20.categories
    assert brc20.entities.cashtags == ["PUNK", "GOLD", "SHIB", "LOVE"]
    assert brc20.entities.coins == ["SHIB"]
    assert "nft" in [s.id for s in brc20.subtopics]

    # Arabic, about Samsung engineers leaking secrets to ChatGPT
    samsung = classified["1651641199252348947"]
    assert [co.name for co in samsung.entities.companies] == ["Samsung"]

    microsoft = classified["1651640569590947950"]  # 微软 … GPT-3、ChatGPT 和 GPT-4 … 提示工程
    assert microsoft.categories == ["ai"]
    assert "prompting" in [s.id for s in microsoft.subtopics]
    assert microsoft.entities.models == ["ChatGPT", "GPT-3", "GPT-4"]
    assert [co.name for co in microsoft.entities.companies] == ["OpenAI", "Microsoft"]
    assert {"Microsoft", "提示工程", "文档"} <= set(microsoft.terms)  # 微软 shows as its name

    harvey = classified["1651636367863214082"]  # Harvey raises $21m Series A …
    assert "finance" in harvey.categories
    assert "funding" in [s.id for s in harvey.subtopics]
    assert harvey.entities.money == ["$21m", "$2m"]

    rain = classified["1651641123213811717"]  # a love note that only matched the search by accident
    assert rain.categories == []
    assert rain.subtopics == []


def test_retweets_and_their_originals_share_a_near_dup_key(
    classified: dict[str, TweetClassified],
) -> None:
    assert (
        classified["1651636367863214082"].near_dup_key
        == classified["1651640407003127808"].near_dup_key
    )
    by_text: dict[str, set[str]] = {}
    for c in classified.values():
        by_text.setdefault(c.tweet.text, set()).add(c.near_dup_key)
    assert all(len(keys) == 1 for keys in by_text.values())
    clusters = Counter(c.near_dup_key for c in classified.values())
    assert len(clusters) < len(by_text)  # near-duplicates merge beyond identical texts


_BAD_TERM = re.compile(r"^(?:[#@$]|https?|www\.|t\.co)|\?\?|[\d%]|\s{2}|[^\w\s\-.'&]")


def test_terms_are_clean_on_real_tweets(classified: dict[str, TweetClassified]) -> None:
    bad: Counter[str] = Counter()
    for c in classified.values():
        for term in c.terms:
            starts_digit = term[:1].isdigit()
            if (
                starts_digit
                or term.lower() in {"rt", "amp", "https", "http", "via", "the"}
                or (
                    _BAD_TERM.search(term)
                    and not re.fullmatch(r"[A-Za-z][\w\-. ]*\d[\w\-.]*", term)
                )
            ):
                bad[term] += 1
    assert not bad, bad.most_common(20)


def test_crypto_false_positives_on_ai_tweets_by_the_hand_audit(
    classified: dict[str, TweetClassified],
) -> None:
    from services.classify import labelled

    audit = labelled.crypto_audit()
    items = labelled.ai_tweets(CSV_PATH)
    tagged = {i.id: "crypto" in classified[i.id or ""].categories for i in items}
    wrong = [i for i in items if labelled.crypto_false_positive(i, tagged[i.id], audit)]
    # The aim is 1%; 4 of 3,000 when the audit was made (a CV joke listing "NFTs, Web3",
    # a hashtag string with #Web3, two tweets where blockchain is only a job or an account name).
    assert len(wrong) / len(items) <= 0.01, [i.text[:80] for i in wrong]
    assert len(wrong) <= 4
    # And the tweets the audit found about crypto stay tagged.
    about = [i for i in audit if audit[i]]
    assert sum(tagged.get(i, False) for i in about) >= 0.95 * len(about)
