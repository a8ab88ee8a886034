"""Ingest value parsing and column recognition: dates, counts, ids, text checks, --map."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.ingest.convert import (
    guess_lang,
    parse_bool,
    parse_count,
    parse_datetime,
    parse_id,
    parse_text,
    parse_username,
    synthetic_id,
)
from services.ingest.fields import FIELDS, detect_columns, parse_mapping
from shared.errors import InputError, InvalidMessage

WHEN = datetime(2023, 4, 27, 17, 35, 29, tzinfo=UTC)


@pytest.mark.parametrize(
    "value",
    [
        "2023-04-27T17:35:29.000Z",
        "2023-04-27T17:35:29Z",
        "2023-04-27 17:35:29",  # naive: UTC
        "2023-04-28T01:35:29+08:00",
        "4/27/2023 17:35:29",
        "04/27/2023 5:35:29 PM",
        "Thu Apr 27 17:35:29 +0000 2023",
        "1682616929",
        "1682616929000",
        1682616929,
        1682616929000,
        1682616929.0,
    ],
)
def test_dates_in_every_supported_form_are_aware_utc(value: object) -> None:
    when = parse_datetime(value)
    assert when == WHEN
    assert when.tzinfo is UTC


def test_m_d_yyyy_without_seconds() -> None:
    assert parse_datetime("4/27/2023 17:35") == datetime(2023, 4, 27, 17, 35, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("yesterday", "bad date"),
        ("13/45/2023 10:00:00", "bad date"),
        ("2/30/2023 10:00:00", "bad date"),
        ("1/1/1970 00:00:00", "bad date"),  # before X existed
        ("0", "bad date"),
        (True, "wrong type"),
        ([2023], "wrong type"),
    ],
)
def test_bad_dates_are_refused_with_their_kind(value: object, kind: str) -> None:
    with pytest.raises(InvalidMessage) as err:
        parse_datetime(value)
    assert err.value.reason.startswith(kind + ":")


@pytest.mark.parametrize(
    ("value", "count"),
    [("0", 0), ("58", 58), (" 1,234 ", 1234), ("12.0", 12), ("1.2K", 1200), (7, 7), (3.0, 3)],
)
def test_counts(value: object, count: int) -> None:
    assert parse_count(value, "likes") == count


@pytest.mark.parametrize("value", ["lots", "-3", -3, "1.5", True, [1], {"n": 1}])
def test_bad_counts_are_wrong_types(value: object) -> None:
    with pytest.raises(InvalidMessage, match=r"^wrong type: likes"):
        parse_count(value, "likes")


def test_flags_and_ids() -> None:
    assert parse_bool("TRUE", "x") is True
    assert parse_bool("false", "x") is False
    assert parse_bool(1, "x") is True
    with pytest.raises(InvalidMessage, match="wrong type"):
        parse_bool("maybe", "x")
    assert parse_id(1651641228520194048) == "1651641228520194048"
    assert parse_id(" 42 ") == "42"
    with pytest.raises(InvalidMessage, match="scientific notation"):
        parse_id("1.65164E+18")
    with pytest.raises(InvalidMessage, match="wrong type"):
        parse_id(1.6e18)
    assert parse_username("@gdb") == "gdb"
    with pytest.raises(InvalidMessage, match="wrong type"):
        parse_username("two words")


def test_text_is_unescaped_and_kept_with_its_artifacts() -> None:
    assert parse_text("AT&amp;T &lt;3 ?? ok", max_chars=100) == "AT&T <3 ?? ok"
    assert parse_text("line\nbreak\ttab", max_chars=100) == "line\nbreak\ttab"


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (None, "no text"),
        ("   ", "no text"),
        (42, "wrong type"),
        ("a\x00b", "binary junk"),
        ("bell\x07", "binary junk"),
        ("lone \udcff surrogate", "binary junk"),
        ("x" * 11, "text too long"),
    ],
)
def test_bad_texts(value: object, kind: str) -> None:
    with pytest.raises(InvalidMessage) as err:
        parse_text(value, max_chars=10)
    assert err.value.reason.startswith(kind + ":")


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("ChatGPT 真的改变了我们的工作方式 https://t.co/abcdefghij", "zh"),
        ("ChatGPTで仕事のやり方が変わりました", "ja"),
        ("챗GPT가 일하는 방식을 바꿨다", "ko"),
        ("ChatGPT changed how we work", None),
        ("Café au lait with ChatGPT", None),
        ("Learning 中文 with ChatGPT every single day now", None),
    ],
)
def test_language_guess(text: str, lang: str | None) -> None:
    assert guess_lang(text) == lang


def test_synthetic_ids_are_stable_and_prefixed() -> None:
    first = synthetic_id("rt-", "gdb", "ChatGPT as a tool")
    assert first == synthetic_id("rt-", "gdb", "ChatGPT as a tool")
    assert first != synthetic_id("rt-", "gdb", "ChatGPT as a toy")
    assert first.startswith("rt-") and len(first) == 19


def test_parse_mapping() -> None:
    assert parse_mapping("text=body, id=tweet_id,created_at=when") == {
        "text": "body",
        "id": "tweet_id",
        "created_at": "when",
    }
    assert parse_mapping(["text=body", "date=when"]) == {"text": "body", "created_at": "when"}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("colour=body", "unknown field 'colour'; valid fields: " + ", ".join(FIELDS)),
        ("text", "expected FIELD=COLUMN"),
        ("text=", "expected FIELD=COLUMN"),
        ("text=a,text=b", "names 'text' twice"),
    ],
)
def test_parse_mapping_refuses_bad_specs(spec: str, message: str) -> None:
    with pytest.raises(InputError) as err:
        parse_mapping(spec)
    assert message in str(err.value)


def test_column_detection_prefers_the_best_alias_and_map_wins() -> None:
    columns = ["\ufefftext", "full_text", "favoriteCount", "screenName", "created", "Date"]
    found = detect_columns(columns)
    assert found["text"] == "full_text"
    assert found["likes"] == "favoriteCount"
    assert found["username"] == "screenName"
    assert found["created_at"] == "created"
    mapped = detect_columns(columns, {"text": "\ufefftext", "created_at": "date"})
    assert mapped["text"] == "\ufefftext"
    assert mapped["created_at"] == "Date"


def test_column_detection_refuses_a_mapped_column_that_is_absent() -> None:
    with pytest.raises(InputError, match=r"no column 'body'; columns found: a, b"):
        detect_columns(["a", "b"], {"text": "body"})
