"""Value parsing for ingest: dates, counts, flags, ids, text checks and a cheap language guess.

Every parser takes a value as a reader found it (a CSV cell is a ``str``, a JSON value may be
anything) and returns the typed value or raises :class:`InvalidMessage` whose reason starts with
a short kind (``bad date:``, ``wrong type:``, ``binary junk:``) that the run summary groups by.
"""

from __future__ import annotations

import html
import re
import unicodedata
from datetime import UTC, datetime, timedelta
from hashlib import sha1

from shared.errors import InvalidMessage

# X began in 2006; anything outside this range is a broken value, not an old tweet.
_MIN_YEAR, _MAX_YEAR = 2006, 2100
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Day and month as numbers, in either order: 4/27/2023 17:35:29, 09-06-2018 06:32, 27.04.23 5 PM.
_NUMERIC_DATE = re.compile(
    r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?"
    r"\s*([AaPp][Mm])?)?"
)
_EPOCH_TEXT = re.compile(r"\d{9,13}(?:\.\d+)?")
_V1_FORMAT = "%a %b %d %H:%M:%S %z %Y"  # the v1.1 API's "Thu Apr 27 17:35:29 +0000 2023"
_date_cache: dict[tuple[str, str | None], datetime] = {}
_DATE_CACHE_SIZE = 20_000

DAY_FIRST = "day-first"
MONTH_FIRST = "month-first"
"""The two orders of a numeric date (``shared.settings.normalize_date_format`` spells them)."""

SNOWFLAKE_EPOCH_MS = 1_288_834_974_657
"""X's id epoch: an id's top bits count milliseconds since 2010-11-04 01:42:54.657 UTC."""

MAX_ID_DIGITS = 20
"""Digits of the largest 64-bit id; a longer number is not a snowflake."""

MAX_COUNT = 2**63 - 1
"""The largest count accepted (likes, views, followers): a signed 64-bit integer, as X stores
them; a larger number is a broken value, and Python would refuse one of 4,300 digits anyway."""


def short(value: object, limit: int = 60) -> str:
    """``repr`` of a value, cut for a reason string."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _from_epoch(seconds: float, original: object) -> datetime:
    if seconds > 1e11:  # milliseconds: 1e11 seconds would be the year 5138
        seconds /= 1000.0
    try:
        return _EPOCH + timedelta(seconds=seconds)
    except (OverflowError, ValueError) as exc:  # ValueError: NaN
        raise InvalidMessage(f"bad date: {short(original)} is out of range") from exc


def _as_float(value: int | float) -> float:
    """An epoch number as a float; a JSON integer too large for one is out of range."""
    try:
        return float(value)
    except OverflowError as exc:
        raise InvalidMessage(f"bad date: {short(value)} is out of range") from exc


def _from_numeric(m: re.Match[str], order: str | None) -> datetime:
    first, second, year = int(m[1]), int(m[3]), int(m[4])
    day, month = (first, second) if order == DAY_FIRST else (second, first)
    if len(m[4]) == 2:  # a spreadsheet's short year: X began in 2006
        year += 2000
    hour = int(m[5] or 0)
    if m[9]:
        if not 1 <= hour <= 12:
            raise ValueError("hour out of range for AM/PM")
        hour = hour % 12 + (12 if m[9].lower() == "pm" else 0)
    micro = int((m[8] or "0").ljust(6, "0"))
    return datetime(year, month, day, hour, int(m[6] or 0), int(m[7] or 0), micro, tzinfo=UTC)


def date_order_evidence(text: str) -> str | None:
    """Which order a numeric date proves (``09-13-2018``: month-first), or None when it proves
    none (both fields 12 or less, or not a numeric date)."""
    m = _NUMERIC_DATE.fullmatch(text.strip())
    if m is None:
        return None
    first, second = int(m[1]), int(m[3])
    if first > 12 >= second >= 1:
        return DAY_FIRST
    if second > 12 >= first >= 1:
        return MONTH_FIRST
    return None


def is_numeric_date(text: str) -> bool:
    """Whether ``text`` is a date with day and month as numbers, whose order matters."""
    return _NUMERIC_DATE.fullmatch(text.strip()) is not None


def _parse_date_text(text: str, date_format: str | None) -> datetime:
    if date_format is not None and date_format not in (DAY_FIRST, MONTH_FIRST):
        try:
            return datetime.strptime(text, date_format)
        except ValueError as exc:
            raise InvalidMessage(
                f"bad date: {short(text)} does not match the date format {date_format!r}"
            ) from exc
    if _EPOCH_TEXT.fullmatch(text):
        return _from_epoch(float(text), text)
    m = _NUMERIC_DATE.fullmatch(text)
    try:
        if m is not None:
            return _from_numeric(m, date_format)
        if text[:1].isdigit():
            return datetime.fromisoformat(text)
        return datetime.strptime(text, _V1_FORMAT)
    except ValueError as exc:
        order = f" read {date_format}" if m is not None and date_format else ""
        raise InvalidMessage(f"bad date: {short(text)}{order} does not parse") from exc


def parse_datetime(
    value: object, field: str = "created_at", *, date_format: str | None = None
) -> datetime:
    """A timezone-aware UTC datetime from ISO 8601, a numeric date, v1.1 text or epoch.

    A numeric date (``4/27/2023 17:35``, ``09-06-2018 06:32``) is read month-first unless
    ``date_format`` is ``day-first``; any other ``date_format`` is a strptime pattern every
    text value must match.
    """
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InvalidMessage(f"wrong type: {field} is {_kind(value)}, expected a date")
    if isinstance(value, str):
        text = value.strip()
        key = (text, date_format)
        cached = _date_cache.get(key)
        if cached is not None:
            return cached
        when = _parse_date_text(text, date_format)
    else:
        when = _from_epoch(_as_float(value), value)
    # Checked before the zone is applied: 9999-12-31T23:59:59-14:00 (or year 1 east of UTC)
    # has no UTC equivalent, and converting it raises OverflowError. A year either side of the
    # range survives the conversion, which then decides.
    if not _MIN_YEAR - 1 <= when.year <= _MAX_YEAR + 1:
        raise InvalidMessage(f"bad date: {short(value)} is out of range ({when.year})")
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    if not _MIN_YEAR <= when.year <= _MAX_YEAR:
        raise InvalidMessage(f"bad date: {short(value)} is out of range ({when.year})")
    if isinstance(value, str):
        if len(_date_cache) >= _DATE_CACHE_SIZE:
            _date_cache.clear()
        _date_cache[key] = when
    return when


def snowflake_time(tweet_id: str) -> datetime | None:
    """When a tweet was posted, from its id (every id since late 2010 encodes it); None for an id
    that is not such a number."""
    # A snowflake is 64 bits: at most 20 digits (and int() refuses 4,300 and more).
    if not tweet_id.isdigit() or not 15 <= len(tweet_id) <= MAX_ID_DIGITS:
        return None
    when = _EPOCH + timedelta(milliseconds=(int(tweet_id) >> 22) + SNOWFLAKE_EPOCH_MS)
    return when if _MIN_YEAR <= when.year <= _MAX_YEAR else None


_COUNT = re.compile(r"(\d+(?:\.\d+)?)\s*([KkMm]?)")
_COUNT_CHARS = 40  # 2^63 has 19 digits; room for "1,234,567.5 K" spellings, not for junk


def parse_count(value: object, field: str) -> int:
    """A non-negative count from an int, an integral float, or text like ``1,234`` or ``1.2K``."""
    if isinstance(value, bool):
        raise InvalidMessage(f"wrong type: {field} is a boolean, expected a count")
    if isinstance(value, int):
        count = value
    elif isinstance(value, float) and value.is_integer():
        count = int(value)
    elif isinstance(value, str):
        text = value.strip().replace(",", "").replace("_", "")
        if len(text) > _COUNT_CHARS:
            # Before int() and float(): int() refuses 4,300 digits, float() turns more into inf.
            raise InvalidMessage(
                f"number too large: {field} has {len(text):,} characters, more than a count can"
            )
        if text.isdigit():
            count = int(text)
            if count > MAX_COUNT:
                raise InvalidMessage(f"number too large: {field} {short(value)} is over 2^63")
            return count
        m = _COUNT.fullmatch(text)
        if m is None:
            raise InvalidMessage(f"wrong type: {field} {short(value)} is not a count")
        scale = {"": 1, "k": 1_000, "m": 1_000_000}[m[2].lower()]
        number = float(m[1]) * scale
        if not m[2] and not number.is_integer():
            raise InvalidMessage(f"wrong type: {field} {short(value)} is not a whole number")
        count = int(number)
    else:
        raise InvalidMessage(f"wrong type: {field} is {_kind(value)}, expected a count")
    if count < 0:
        raise InvalidMessage(f"wrong type: {field} {short(value)} is negative")
    if count > MAX_COUNT:
        raise InvalidMessage(f"number too large: {field} {short(value)} is over 2^63")
    return count


_TRUE = frozenset({"true", "t", "yes", "y", "1"})
_FALSE = frozenset({"false", "f", "no", "n", "0"})


def parse_bool(value: object, field: str) -> bool:
    """A flag from a bool, 0/1, or text such as ``TRUE``/``false``/``yes``."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise InvalidMessage(f"wrong type: {field} {short(value)} is not true/false")


_SCIENTIFIC = re.compile(r"[0-9.]+[eE][+-]?\d+")


def lost_digits(value: object) -> bool:
    """Whether an id is a spreadsheet's scientific notation (``1.00534E+18``) or a float: the
    tweet's real id cannot be recovered from it."""
    if isinstance(value, float):
        return True
    return isinstance(value, str) and _SCIENTIFIC.fullmatch(value.strip()) is not None


def parse_id(value: object, field: str = "id") -> str:
    """An id as text; refuses floats and spreadsheet scientific notation, which lost digits."""
    if isinstance(value, bool):
        raise InvalidMessage(f"wrong type: {field} is a boolean, expected an id")
    if isinstance(value, int):
        if value.bit_length() > 64:
            raise InvalidMessage(f"wrong type: {field} {short(value)} is not an id")
        return str(value)
    if not isinstance(value, str):
        raise InvalidMessage(f"wrong type: {field} is {_kind(value)}, expected an id")
    text = value.strip()
    if _SCIENTIFIC.fullmatch(text):
        raise InvalidMessage(
            f"wrong type: {field} {short(value)} lost its digits (scientific notation)"
        )
    if not text or len(text) > 64 or any(c.isspace() for c in text):
        raise InvalidMessage(f"wrong type: {field} {short(value)} is not an id")
    return text


_HANDLE = re.compile(r"@?([^\s@]{1,64})")


def parse_username(value: object, field: str = "username") -> str:
    """An @handle without its ``@``."""
    if not isinstance(value, str):
        raise InvalidMessage(f"wrong type: {field} is {_kind(value)}, expected a @handle")
    m = _HANDLE.fullmatch(value.strip())
    if m is None:
        raise InvalidMessage(f"wrong type: {field} {short(value)} is not a @handle")
    return m[1]


def parse_str(value: object, field: str) -> str:
    """A plain string field."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise InvalidMessage(f"wrong type: {field} is {_kind(value)}, expected text")


# NUL and other C0/C1 controls (tab, newline, carriage return allowed), DEL, and lone surrogates,
# which are what undecodable bytes turn into: a tweet never holds them.
_JUNK = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def parse_text(value: object, *, max_chars: int, field: str = "text") -> str:
    """The tweet text, HTML entities decoded; refuses junk bytes and oversized texts.

    This is the one place a tweet's text is decoded: X writes ``&``, ``<`` and ``>`` as
    ``&amp;``, ``&lt;`` and ``&gt;``, and every later stage reads ``TweetIngested.text`` as it
    is, so a tweet that says ``&lt;`` literally (``&amp;lt;`` from X) keeps saying it.
    """
    if value is None:
        raise InvalidMessage(f"no text: the record has no {field}")
    if not isinstance(value, str):
        raise InvalidMessage(f"wrong type: {field} is {_kind(value)}, expected a string")
    junk = _JUNK.search(value)
    if junk is not None:
        raise InvalidMessage(
            f"binary junk: {field} holds control character U+{ord(junk.group()):04X} "
            f"at position {junk.start()}"
        )
    text = html.unescape(value) if "&" in value else value
    if not text.strip():
        raise InvalidMessage(f"no text: {field} is blank")
    if len(text) > max_chars:
        raise InvalidMessage(f"text too long: {len(text)} characters (limit {max_chars})")
    return text


def normalize_for_id(text: str) -> str:
    """Text as compared for a synthetic id: NFC, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def synthetic_id(prefix: str, *parts: str) -> str:
    """A stable id from content: ``prefix`` + the first 16 hex digits of a SHA-1."""
    digest = sha1("\n".join(parts).encode("utf-8"), usedforsecurity=False).hexdigest()
    return prefix + digest[:16]


_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")
_NOT_WORDS = re.compile(r"https?://\S+|[@#]\w+")


def guess_lang(text: str) -> str | None:
    """``zh``, ``ja`` or ``ko`` when the text is mostly CJK; None otherwise (cheap, no model)."""
    if text.isascii():
        return None
    han = len(_HAN.findall(text))
    kana = len(_KANA.findall(text))
    hangul = len(_HANGUL.findall(text))
    cjk = han + kana + hangul
    if cjk == 0:
        return None
    letters = sum(1 for c in _NOT_WORDS.sub(" ", text) if c.isalpha())
    # A CJK character is a word's worth of letters, so 30% of letters already means mostly CJK.
    if cjk * 10 < letters * 3:
        return None
    if kana * 10 >= cjk:
        return "ja"
    if hangul >= han:
        return "ko"
    return "zh"
