"""Ingest readers: each format's records, their line numbers, and whole-file errors."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from services.ingest import jsonstream
from services.ingest.readers import detect_format, iter_records
from services.ingest.record import InputRecord
from shared.errors import InputError
from shared.settings import IngestSettings

SETTINGS = IngestSettings()
Write = Callable[[str, "str | bytes"], Path]


@pytest.fixture
def write(tmp_path: Path) -> Write:
    def _write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8", newline="")
        else:
            path.write_bytes(content)
        return path

    return _write


def read(path: Path, **kwargs: object) -> list[InputRecord]:
    settings = kwargs.pop("settings", SETTINGS)
    return list(iter_records(path, settings=settings, **kwargs))  # type: ignore[arg-type]


def x_api_response() -> dict[str, object]:
    """A recent-search page: an original, a retweet with its original included, one without."""
    return {
        "data": [
            {
                "id": "1001",
                "text": "Agents are here &amp; now",
                "author_id": "1",
                "created_at": "2023-04-27T17:00:00.000Z",
                "lang": "en",
                "public_metrics": {
                    "retweet_count": 5,
                    "reply_count": 2,
                    "like_count": 40,
                    "quote_count": 1,
                    "impression_count": 900,
                },
                "edit_history_tweet_ids": ["1001"],
            },
            {
                "id": "1002",
                "text": "RT @sama: GPT-5 soon, and a much longer text than the…",
                "author_id": "2",
                "created_at": "2023-04-27T17:05:00.000Z",
                "lang": "en",
                "referenced_tweets": [{"type": "retweeted", "id": "900"}],
                "public_metrics": {"retweet_count": 300, "like_count": 0},
            },
            {
                "id": "1003",
                "text": "RT @ghost: an original the page did not include",
                "author_id": "2",
                "created_at": "2023-04-27T17:06:00.000Z",
                "referenced_tweets": [{"type": "retweeted", "id": "901"}],
            },
            {
                "id": "1004",
                "text": "@sama 大模型的进展太快了",
                "author_id": "1",
                "in_reply_to_user_id": "3",
                "created_at": "2023-04-27T17:07:00.000Z",
            },
        ],
        "includes": {
            "users": [
                {
                    "id": "1",
                    "username": "alice",
                    "name": "Alice",
                    "verified": False,
                    "public_metrics": {"followers_count": 10},
                },
                {"id": "2", "username": "bob", "name": "Bob"},
                {"id": "3", "username": "sama", "name": "Sam Altman", "verified": True},
            ],
            "tweets": [
                {
                    "id": "900",
                    "text": "GPT-5 soon, and a much longer text than the retweet shows",
                    "author_id": "3",
                    "created_at": "2023-04-26T10:00:00.000Z",
                    "lang": "en",
                    "public_metrics": {"retweet_count": 300, "like_count": 5000},
                }
            ],
        },
        "meta": {"result_count": 4, "newest_id": "1004"},
    }


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


# ---------------------------------------------------------------------------- X API v2


def test_x_api_response_document(write: Write) -> None:
    text = json.dumps(x_api_response(), indent=2, ensure_ascii=False)
    records = read(write("page.json", text))
    assert [r.error for r in records] == [None] * 4
    first, retweet, orphan, reply = records
    assert first.source == "file:page.json"
    # Each record starts on the line of its opening brace, just above its "id".
    assert first.line == line_of(text, '"id": "1001"') - 1
    assert reply.line == line_of(text, '"id": "1004"') - 1
    assert first.fields["username"] == "alice"
    assert first.fields["followers"] == 10
    assert first.fields["likes"] == 40
    assert first.fields["views"] == 900
    assert json.loads(first.raw)["id"] == "1001"
    assert retweet.fields["retweet_of"] == "900"
    assert retweet.original is not None
    assert retweet.original["username"] == "sama"
    assert retweet.original["text"] == "GPT-5 soon, and a much longer text than the retweet shows"
    assert retweet.original["likes"] == 5000
    assert orphan.fields["retweet_of"] == "901"
    assert orphan.original is None
    assert reply.fields["in_reply_to"] == "sama"


@pytest.mark.parametrize("chunk", [1, 2, 7, 37])
def test_x_api_document_streams_across_chunk_boundaries(
    write: Write, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    page = x_api_response()
    for tweet in page["data"]:  # type: ignore[attr-defined]
        tweet["text"] += ' ]}[{ "quoted" \\ \\\\ \\" 中文 😀'
    path = write("page.json", json.dumps(page, indent=2, ensure_ascii=False))
    whole = read(path)
    assert len(whole) == 4 and all(r.error is None for r in whole)
    monkeypatch.setattr(jsonstream, "CHUNK", chunk)
    assert read(path) == whole


def test_x_api_responses_one_per_line(write: Write) -> None:
    page = x_api_response()
    streamed = {"data": page["data"][0], "includes": page["includes"]}  # type: ignore[index]
    text = json.dumps(page) + "\n\n" + json.dumps(streamed) + "\n"
    records = read(write("stream.jsonl", text))
    assert [r.line for r in records] == [1, 1, 1, 1, 3]
    assert records[4].fields["username"] == "alice"
    assert records[4].raw == json.dumps(streamed)
    assert json.loads(records[1].raw)["id"] == "1002"


def test_one_tweet_object_per_line_in_a_json_file(write: Write) -> None:
    tweets = x_api_response()["data"]
    text = "\n".join(json.dumps(t) for t in tweets)  # type: ignore[attr-defined]
    path = write("tweets.json", text)
    records = read(path)
    assert [r.line for r in records] == [1, 2, 3, 4]
    assert records[0].fields["text"] == "Agents are here &amp; now"
    assert "username" not in records[0].fields  # no includes to find it in
    assert records[0].fields["author_id"] == "1"
    assert records[1].fields["retweet_of"] == "900"


def test_array_of_tweets_and_concatenated_documents(write: Write) -> None:
    page = x_api_response()
    array = json.dumps([{"id": "1", "text": "a", "user": "x", "date": "2023-04-27"}], indent=1)
    text = array + "\n" + json.dumps(page, indent=1)
    records = read(write("pages.json", text))
    assert [r.error for r in records] == [None] * 5
    assert records[0].fields == {
        "id": "1",
        "text": "a",
        "username": "x",
        "created_at": "2023-04-27",
    }
    assert records[1].fields["username"] == "alice"  # the second document's includes


def test_v1_statuses_with_retweeted_status(write: Write) -> None:
    status = {
        "id": 1002,
        "id_str": "1002",
        "full_text": "RT @sama: GPT-5 soon",
        "created_at": "Thu Apr 27 17:05:00 +0000 2023",
        "user": {"screen_name": "bob", "name": "Bob", "followers_count": 3},
        "retweet_count": 300,
        "favorite_count": 0,
        "retweeted_status": {
            "id_str": "900",
            "full_text": "GPT-5 soon",
            "created_at": "Wed Apr 26 10:00:00 +0000 2023",
            "user": {"screen_name": "sama", "verified": True},
            "favorite_count": 5000,
            "retweet_count": 300,
        },
    }
    (record,) = read(write("statuses.jsonl", json.dumps(status) + "\n"))
    assert record.fields["id"] == "1002"
    assert record.fields["username"] == "bob"
    assert record.fields["followers"] == 3
    assert record.fields["retweet_of"] == "900"
    assert record.original is not None
    assert record.original["username"] == "sama"
    assert record.original["likes"] == 5000


@pytest.mark.parametrize("chunk", [1 << 20, 50, 7])
def test_bad_elements_of_a_json_document_are_skipped(
    write: Write, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(jsonstream, "CHUNK", chunk)
    tricky = 'brackets ]}[{ in "quotes" and \\ backslashes\\'
    big = json.dumps({"id": "2", "text": tricky + "x" * 500})
    last = json.dumps({"id": "3", "text": tricky, "user": "a", "date": "2023-04-27"})
    text = (
        '{"data": [\n'
        '  {"id": "1", "text": "fine", "user": "a", "date": "2023-04-27"},\n'
        '  {"id": "bad", "text": },\n'
        f"  {big},\n"
        "  42,\n"
        f"  {last}\n"
        "]}\n"
    )
    settings = IngestSettings(max_line_bytes=200)
    records = read(write("mixed.json", text), settings=settings)
    assert [(r.line, (r.error or "ok").split(":")[0]) for r in records] == [
        (2, "ok"),
        (3, "malformed JSON"),
        (4, "oversized line"),
        (5, "not a tweet"),
        (6, "ok"),
    ]
    assert records[1].raw == '{"id": "bad", "text": }'
    assert records[4].fields["text"] == tricky


def test_a_json_document_broken_beyond_repair_reports_once_and_stops(write: Write) -> None:
    text = '{"data": [\n {"id": "1", "text": "ok"}\n "no comma"\n]}'
    records = read(write("broken.json", text))
    assert records[0].error is None
    assert len(records) == 2
    assert records[1].line == 3
    assert records[1].error is not None
    assert records[1].error.startswith("malformed JSON: expected ']'")
    assert "the rest of the file was not read" in records[1].error


# ---------------------------------------------------------------------------- JSON Lines


def test_json_lines_bad_lines_become_errors_and_reading_goes_on(write: Write) -> None:
    good = json.dumps({"id": "1", "text": "ok", "username": "a", "created_at": "2023-04-27"})
    content = b"\n".join(
        [
            good.encode(),
            b'{"id": "2", "text": ',
            b"[1, 2]",
            b"",
            b'{"id": "3", "text": "nul \x00 here"}',
            b'{"id": "4", "text": "bad \xff\xfe utf-8"}',
            b'{"id": "5", "text": "' + b"y" * 300 + b'"}',
            good.replace('"1"', '"6"').encode(),
        ]
    )
    settings = IngestSettings(max_line_bytes=200)
    records = read(write("t.jsonl", content), settings=settings)
    assert [(r.line, (r.error or "ok").split(":")[0]) for r in records] == [
        (1, "ok"),
        (2, "malformed JSON"),
        (3, "not a tweet"),
        (5, "binary junk"),
        (6, "binary junk"),
        (7, "oversized line"),
        (8, "ok"),
    ]
    assert records[1].raw == '{"id": "2", "text": '
    assert records[-1].fields["id"] == "6"


def test_generic_jsonl_export_and_map(write: Write) -> None:
    row = {"tweet_id": 7, "body": "hello", "who": {"handle": "carol"}, "when": 1682616929}
    path = write("export.jsonl", json.dumps(row) + "\n" + json.dumps(row) + "\n")
    (first, _) = read(
        path, mapping={"text": "body", "username": "who.handle", "created_at": "when"}
    )
    assert first.fields == {"id": 7, "text": "hello", "username": "carol", "created_at": 1682616929}


# ---------------------------------------------------------------------------- CSV


@pytest.mark.parametrize(
    "header",
    [
        "text,id,created_at,username,like_count,retweet_count,reply_count,quote_count,view_count",
        "full_text,id_str,created,screenName,favoriteCount,retweetCount,replyCount,quoteCount,viewCount",
        "Tweet,ID,Date,user,Likes,Retweets,Replies,Quotes,Views",
        "data,tweet_id,date,screen_name,favorite_count,retweets,replies,quotes,impressions",
    ],
)
def test_csv_header_variants(write: Write, header: str) -> None:
    path = write("t.csv", header + "\r\nhello,42,4/27/2023 17:35:29,gdb,1,2,3,4,5\r\n")
    (record,) = read(path)
    assert record.line == 2
    assert record.fields == {
        "text": "hello",
        "id": "42",
        "created_at": "4/27/2023 17:35:29",
        "username": "gdb",
        "likes": "1",
        "retweets": "2",
        "replies": "3",
        "quotes": "4",
        "views": "5",
    }


def test_csv_bom_missing_values_and_multiline_records(write: Write) -> None:
    content = (
        "\ufefftext,id,created,screenName,replyToSN\r\n"
        '"two\n\nparagraphs ""quoted""",1,4/27/2023 17:35:29,a,#N/A\r\n'
        "one line,2,4/27/2023 17:35:30,b,a\r\n"
    )
    first, second = read(write("t.csv", content))
    assert (first.line, second.line) == (2, 5)
    assert first.fields["text"] == 'two\n\nparagraphs "quoted"'
    assert "in_reply_to" not in first.fields
    assert second.fields["in_reply_to"] == "a"
    assert first.raw == '"two\n\nparagraphs ""quoted""",1,4/27/2023 17:35:29,a,#N/A'


def test_csv_bad_records_keep_their_line_numbers(write: Write) -> None:
    lines = [
        b"text,id,created,screenName",
        b"good,1,4/27/2023 17:00:00,a",  # 2
        b'"nul \x00 byte",2,4/27/2023 17:00:00,a',  # 3
        b"bad \xff utf-8,3,4/27/2023 17:00:00,a",  # 4
        b"long " + b"z" * 300 + b",4,4/27/2023 17:00:00,a",  # 5
        b"too,many,fields,here,and,more",  # 6
        b'"multi',  # 7
        b'line",7,4/27/2023 17:00:00,a',
        b"",  # 9: blank, skipped
        b"last,9,4/27/2023 17:00:00,a",  # 10
    ]
    settings = IngestSettings(max_line_bytes=200)
    records = read(write("t.csv", b"\r\n".join(lines) + b"\r\n"), settings=settings)
    assert [(r.line, (r.error or "ok").split(":")[0]) for r in records] == [
        (2, "ok"),
        (3, "binary junk"),
        (4, "binary junk"),
        (5, "oversized line"),
        (6, "malformed CSV"),
        (7, "ok"),
        (10, "ok"),
    ]
    assert records[5].fields["text"] == "multi\nline"


def test_csv_stray_quote_costs_one_record(write: Write) -> None:
    content = (
        "text,id,created,screenName\n"
        '"never closed,1,4/27/2023 17:00:00,a\n'
        "fine,2,4/27/2023 17:00:00,a\n"
        "fine too,3,4/27/2023 17:00:00,a\n"
    )
    records = read(write("t.csv", content))
    assert [(r.line, r.error) for r in records] == [
        (2, "malformed CSV: the quoted field opened at line 2 never closes"),
        (3, None),
        (4, None),
    ]


def test_csv_runaway_quote_is_cut_at_the_size_limit(write: Write) -> None:
    rows = "".join(f"row {i},{i},4/27/2023 17:00:00,a\n" for i in range(3, 40))
    content = 'text,id,created,screenName\n"opens,2,4/27/2023 17:00:00,a\n' + rows
    records = read(write("t.csv", content), settings=IngestSettings(max_line_bytes=300))
    assert records[0].line == 2
    assert records[0].error is not None and "does not close within 300 bytes" in records[0].error
    assert [r.fields["id"] for r in records[1:]] == [str(i) for i in range(3, 40)]


def test_csv_map_overrides_detection(write: Write) -> None:
    path = write("t.csv", "body,when,who,tid,text\nhello,1682616929,carol,7,ignored\n")
    mapping = {"text": "body", "created_at": "when", "username": "who", "id": "tid"}
    (record,) = read(path, mapping=mapping)
    assert record.fields == {
        "text": "hello",
        "created_at": "1682616929",
        "username": "carol",
        "id": "7",
    }


def test_csv_with_only_a_header_has_no_records(write: Write) -> None:
    assert read(write("t.csv", "text,id,created,screenName\r\n")) == []


# ---------------------------------------------------------------------------- whole-file errors


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.csv: no such file"):
        iter_records(tmp_path / "nope.csv", settings=SETTINGS)


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a directory"):
        iter_records(tmp_path, settings=SETTINGS)


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\n  \r\n"])
@pytest.mark.parametrize("name", ["t.csv", "t.json", "t.jsonl"])
def test_empty_files(write: Write, name: str, content: bytes) -> None:
    with pytest.raises(InputError, match="the file is empty"):
        iter_records(write(name, content), settings=SETTINGS)


def test_csv_without_a_text_column_lists_the_columns_and_suggests_map(write: Write) -> None:
    path = write("t.csv", "message,id,created,screenName\nhello,1,4/27/2023 17:00:00,a\n")
    with pytest.raises(InputError) as err:
        iter_records(path, settings=SETTINGS)
    message = str(err.value)
    assert str(path) in message
    assert "no column recognised as text" in message
    assert "columns found: message, id, created, screenName" in message
    assert "--map text=COLUMN" in message


def test_csv_map_to_an_absent_column(write: Write) -> None:
    path = write("t.csv", "text,id,created,screenName\n")
    with pytest.raises(InputError, match=r"--map text=body: there is no column 'body'"):
        iter_records(path, mapping={"text": "body"}, settings=SETTINGS)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("t.txt", b"just some prose\nwithout structure\n", "unknown format"),
        ("t.json", b"not json at all", "not JSON"),
        ("t.csv", gzip.compress(b"text\nhello\n"), "gzip-compressed: gunzip it first"),
        ("t.csv", "text\nhello\n".encode("utf-16"), "UTF-16"),
    ],
)
def test_unreadable_files(write: Write, name: str, content: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        iter_records(write(name, content), settings=SETTINGS)


def test_format_detection_by_content(write: Write) -> None:
    assert detect_format(Path("x.txt"), b'{"data": []}') == "json"
    assert detect_format(Path("x.txt"), b'{"id": 1}\n{"id": 2}\n') == "json"
    assert detect_format(Path("x"), b"text,id\nhello,1\n") == "csv"
    assert detect_format(Path("x.NDJSON"), b"") == "jsonl"
    records = read(write("t.txt", '{"id": "1", "text": "a"}\n{"id": "2", "text": "b"}\n'))
    assert [r.line for r in records] == [1, 2]


def test_unknown_forced_format(write: Write) -> None:
    with pytest.raises(InputError, match="unknown format 'xml'; known formats: csv, jsonl, json"):
        iter_records(write("t.csv", "text\n"), settings=SETTINGS, fmt="xml")
