"""The bundled sample corpus and the bench generator produce what the demo and benches rely on."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import pytest

from bench import gen_tweets

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "tweets-2026-01-02.csv"
README = ROOT / "samples" / "README.md"
COLUMNS = [
    "id",
    "created_at",
    "username",
    "name",
    "text",
    "lang",
    "like_count",
    "retweet_count",
    "reply_count",
    "quote_count",
    "view_count",
]
DAY_START = datetime(2026, 1, 1, 16, 0, 0, tzinfo=UTC)  # 2026-01-02 00:00 Asia/Shanghai
DAY_END = datetime(2026, 1, 2, 15, 59, 59, tzinfo=UTC)
CJK = re.compile(r"[\u4e00-\u9fff]")
CRYPTO = re.compile(
    r"\b(bitcoin|btc|eth|ether|ethereum|crypto\w*|coin\w*|\w*coin|tokens?|tokeni\w*|web3|nfts?"
    r"|blockchain|defi|solana|doge\w*|airdrop\w*|hodl|binance|satoshi)\b"
    r"|比特币|加密|币|区块链|以太坊|代币|挖矿",
    re.IGNORECASE,
)
HOSTILE = (
    "{{ site.time }}",
    "{% include evil.html %}",
    '<script>alert("x")</script>',
    "<img src=x onerror=alert(1)>",
    "[click me](javascript:alert(1))",
)
BROKEN_KINDS = {
    "empty text",
    "unparseable date",
    "non-numeric like_count",
    "control characters",
    "duplicate id",
    "too few columns",
    "missing id",
}


def _records(data: str) -> list[tuple[int, list[str]]]:
    """(first physical line, fields) of each data record."""
    reader = csv.reader(io.StringIO(data, newline=""))
    assert next(reader) == COLUMNS
    out = []
    start = reader.line_num + 1
    for fields in reader:
        out.append((start, fields))
        start = reader.line_num + 1
    return out


def _kind(fields: list[str], seen: set[str]) -> str:
    """What is wrong with a record, or '' for a well-formed one."""
    if len(fields) != len(COLUMNS):
        return "too few columns" if len(fields) < len(COLUMNS) else "too many columns"
    row = dict(zip(COLUMNS, fields, strict=True))
    if not row["id"]:
        return "missing id"
    if row["id"] in seen:
        return "duplicate id"
    if not row["text"]:
        return "empty text"
    try:
        datetime.fromisoformat(row["created_at"])
    except ValueError:
        return "unparseable date"
    if not row["like_count"].isdigit():
        return "non-numeric like_count"
    if any((ord(c) < 32 and c != "\n") or ord(c) == 127 for c in row["text"]):
        return "control characters"
    if len(row["text"]) > 25_000:
        return "oversized text"
    return ""


def _classify(data: str) -> tuple[list[dict[str, str]], list[tuple[int, str]]]:
    """Well-formed rows as dicts, and (line, kind) of each broken one."""
    good: list[dict[str, str]] = []
    broken: list[tuple[int, str]] = []
    seen: set[str] = set()
    for line, fields in _records(data):
        kind = _kind(fields, seen)
        if kind:
            broken.append((line, kind))
        else:
            good.append(dict(zip(COLUMNS, fields, strict=True)))
        if fields and fields[0]:
            seen.add(fields[0])
    return good, broken


@pytest.fixture(scope="module")
def sample_text() -> str:
    return SAMPLE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def sample(sample_text: str) -> tuple[list[dict[str, str]], list[tuple[int, str]]]:
    return _classify(sample_text)


def _created(row: dict[str, str]) -> datetime:
    return datetime.fromisoformat(row["created_at"])


# ----------------------------------------------------------------------------- the sample


def test_committed_sample_is_what_the_script_makes(make_sample: ModuleType) -> None:
    assert make_sample.render() == SAMPLE.read_bytes(), (
        "samples/tweets-2026-01-02.csv drifted from samples/make_sample.py: "
        "run `python samples/make_sample.py`"
    )


def test_committed_story_labels_are_what_the_script_makes(make_sample: ModuleType) -> None:
    labels = SAMPLE.with_name("stories-2026-01-02.csv")
    assert make_sample.render_stories() == labels.read_bytes(), (
        "samples/stories-2026-01-02.csv is stale: run python samples/make_sample.py"
    )


def test_every_well_formed_row_has_a_story_and_retweets_share_their_originals(
    make_sample: ModuleType,
) -> None:
    labels = SAMPLE.with_name("stories-2026-01-02.csv")
    with labels.open(encoding="utf-8", newline="") as f:
        story = {row["id"]: row["story"] for row in csv.DictReader(f)}
    with SAMPLE.open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r.get("id") in story]
    assert len(rows) >= 470
    by_text = {r["text"]: story[r["id"]] for r in rows if not r["text"].startswith("RT @")}
    for r in rows:
        if r["text"].startswith("RT @"):
            body = r["text"].split(": ", 1)[1]
            if body in by_text:
                assert story[r["id"]] == by_text[body], r["text"]
    named = {s for s in story.values() if not s.startswith("solo:")}
    assert {"bytedance-h200", "claude-skills", "memory-stocks", "spam-giveaway"} <= named


def test_sample_has_enough_well_formed_rows(sample) -> None:
    good, _ = sample
    assert len(good) >= 350


def test_every_row_falls_on_2026_01_02_in_shanghai(sample) -> None:
    good, _ = sample
    outside = [r["created_at"] for r in good if not DAY_START <= _created(r) <= DAY_END]
    assert outside == []
    assert all(r["created_at"].endswith("Z") for r in good)


def test_ids_are_19_digits_and_unique(sample) -> None:
    good, _ = sample
    assert all(re.fullmatch(r"\d{19}", r["id"]) for r in good)
    assert len({r["id"] for r in good}) == len(good)


def test_both_languages_are_present(sample) -> None:
    good, _ = sample
    cjk = sum(bool(CJK.search(r["text"])) for r in good)
    langs = Counter(r["lang"] for r in good)
    assert cjk / len(good) >= 0.25
    assert langs["en"] / len(good) >= 0.5
    assert langs["zh"] == cjk


def test_retweets_look_like_exports_and_viral_ones_repeat(sample) -> None:
    good, _ = sample
    retweets = [r for r in good if r["text"].startswith("RT @")]
    assert len(retweets) / len(good) >= 0.15
    assert all(r["like_count"] == "0" and int(r["retweet_count"]) > 0 for r in retweets)
    retweeted = Counter(r["text"].split(":", 1)[0] for r in retweets)
    assert sum(n >= 3 for n in retweeted.values()) >= 5


def test_retweets_of_tweets_in_the_file_match_their_original(sample) -> None:
    good, _ = sample
    originals = {(r["username"], r["text"]): r for r in good if not r["text"].startswith("RT @")}
    matched = 0
    for r in good:
        m = re.match(r"RT @(\w+): (.*)", r["text"], re.DOTALL)
        if not m:
            continue
        body = m[2].removesuffix("…")
        for (user, text), orig in originals.items():
            if user == m[1] and text.startswith(body):
                assert r["retweet_count"] == orig["retweet_count"]
                assert orig["created_at"] <= r["created_at"]
                matched += 1
                break
    assert matched >= 80


def test_engagement_has_a_few_viral_tweets_and_a_long_tail(sample) -> None:
    good, _ = sample
    likes = sorted(int(r["like_count"]) for r in good if not r["text"].startswith("RT @"))
    assert likes[len(likes) // 2] < 20
    assert sum(n >= 1000 for n in likes) >= 10


def test_noise_is_present(sample) -> None:
    good, _ = sample
    texts = [r["text"] for r in good]
    assert sum(t.startswith("@") for t in texts) >= 10  # replies
    assert sum(t.endswith("…") for t in texts) >= 3  # cut retweets
    assert sum("https://t.co/" in t for t in texts) >= 50
    assert any("#followback" in t for t in texts)  # spam
    assert any("火锅" in t for t in texts) and any("Snow day" in t for t in texts)  # off-topic
    assert any("\n" in t for t in texts)  # multi-line tweets survive quoting


def test_seed_events_are_covered(sample) -> None:
    text = "\n".join(r["text"] for r in sample[0])
    for needle in (
        "Claude Skills",
        "39",
        "Learn Your Way",
        "78%",
        "67%",
        "IQuest",
        "40B",
        "DeepSeek",
        "Code Wiki",
        "AGI Mobile",
        "$14B",
        "140亿美元",
        "H200",
        "2 million",
        "100B+",
        "+124%",
        "+280%",
        "+76%",
        "Kospi",
        "semantic collapse",
        "语义崩溃",
        "recursive language models",
        "IMO",
        "Closed wins early. Open wins eventually.",
        "A year in AI is a decade",
        "$NVDA",
        "$MU",
        "$TSM",
        "bubble",
        "tripled ARR",
    ):
        assert needle in text, needle


def test_no_crypto_anywhere(sample_text: str) -> None:
    assert CRYPTO.findall(sample_text) == []


@pytest.mark.parametrize("payload", HOSTILE)
def test_hostile_texts_are_present(sample, payload: str) -> None:
    assert any(payload in r["text"] for r in sample[0])


def test_markdown_lookalike_tweets_are_present(sample) -> None:
    texts = [r["text"] for r in sample[0]]
    assert any(t.startswith("# ") and "**" in t for t in texts)
    assert any(t.startswith("---\n") for t in texts)


def test_each_kind_of_broken_row_is_present_once_mid_file(sample, sample_text: str) -> None:
    _, broken = sample
    kinds = [kind for _, kind in broken]
    assert sorted(kinds) == sorted(BROKEN_KINDS)
    lines = sample_text.count("\n")
    assert all(0.25 * lines < line < 0.75 * lines for line, _ in broken)
    assert "\x00" not in sample_text  # git would call the file binary


def test_readme_table_lists_the_broken_lines(sample) -> None:
    _, broken = sample
    readme = README.read_text(encoding="utf-8")
    table = [(int(n), kind) for n, kind in re.findall(r"^\| (\d+) \| ([^|]+?) \|", readme, re.M)]
    assert table == broken


# ----------------------------------------------------------------------------- the generator


def _generate(count: int, seed: int = gen_tweets.SEED) -> str:
    buf = io.StringIO(newline="")
    assert gen_tweets.write(buf, count, seed=seed) == count
    return buf.getvalue()


def test_generator_makes_exactly_n_rows_deterministically() -> None:
    first = _generate(1200)
    assert first == _generate(1200)
    assert first != _generate(1200, seed=7)
    assert len(_records(first)) == 1200
    assert _generate(0).count("\n") == 1


def test_generator_rows_are_one_day_bilingual_with_retweets_and_no_crypto() -> None:
    data = _generate(3000)
    good, broken = _classify(data)
    assert all(DAY_START <= _created(r) <= DAY_END for r in good)
    assert [r["created_at"] for r in good] == sorted(r["created_at"] for r in good)
    assert 0.25 <= sum(bool(CJK.search(r["text"])) for r in good) / len(good) <= 0.5
    assert 0.15 <= sum(r["text"].startswith("RT @") for r in good) / len(good) <= 0.3
    assert {kind for _, kind in broken} == BROKEN_KINDS | {"oversized text"}
    assert CRYPTO.findall(data) == []


def test_generator_vocabulary_keeps_growing_with_n() -> None:
    def distinct(count: int) -> tuple[int, int]:
        good, _ = _classify(_generate(count))
        return len({r["text"] for r in good}), len({w for r in good for w in r["text"].split()})

    small_texts, small_words = distinct(1000)
    big_texts, big_words = distinct(8000)
    assert big_texts > 6 * small_texts
    assert big_words > 3 * small_words


def test_generator_cli_writes_the_file(tmp_path: Path) -> None:
    out = tmp_path / "data" / "tweets-50.csv"
    assert gen_tweets.main(["--count", "50", "--out", str(out)]) == 0
    assert out.read_bytes() == _generate(50).encode("utf-8")
