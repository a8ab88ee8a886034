"""Text clean-up, tokenization and the figure patterns shared by the classifier.

Every pattern here is compiled once at import (cheap; nothing is loaded). The classifier works on
``clean`` text: URLs, @handles and the ``RT @x:`` prefix replaced by spaces, and Twitter's
truncation ``…`` dropped. HTML entities are not decoded here: ingest decoded them once, and a
``&lt;`` left in ``TweetIngested.text`` is what the tweet says.
"""

from __future__ import annotations

import hashlib
import re

_LATIN = "0-9A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"

NOISE = re.compile(
    r"(?=[\sRhwt@])"  # what a match can begin with: the engine skips other positions at once
    r"(?:^\s*RT\b:?\s*(?:@[A-Za-z0-9_]+:?)?"  # retweet prefix
    r"|https?:/*\S*"  # URLs, also cut ones like "https:/…"
    r"|\bhttps?…"
    r"|\bwww\.\S+"
    r"|\bt\.co/\S*"
    r"|@[A-Za-z0-9_]+)"  # @handles (ASCII only: "@一个好友" is Chinese text)
)
"""What never counts as content: URLs, @handles, the retweet prefix."""

_NOISE_UNPREFIXED = re.compile(
    r"(?=[hwt@])(?:https?:/*\S*|\bhttps?…|\bwww\.\S+|\bt\.co/\S*|@[A-Za-z0-9_]+)"
)
"""``NOISE`` for a text with no retweet prefix: without that branch no match begins with a
space or an R, and the engine skips every space at once."""
_RT_PREFIX = re.compile(r"\s*RT\b")

TRUNCATED_TAIL = re.compile(rf"[{_LATIN}'’]*…\s*$")
"""A trailing ellipsis from truncation, with the half word before it."""

TOKEN = re.compile(rf"[{_LATIN}]+(?:'[{_LATIN}]+)*")
"""A Latin word (letters and digits, inner apostrophes); '#', '$', '-', '.' split words."""

NON_LATIN = re.compile(r"[\u0370-\u1fff\u2e80-\ud7ff\uf900-\ufaff\uff00-\uffef]")
"""A letter of a non-Latin script (Greek to Arabic, CJK, kana, Hangul, full-width forms), not
punctuation or emoji: only texts with one need the substring terms and the segmenter."""

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
"""A run of Han characters, handed to the segmenter."""

CASHTAG = re.compile(r"(?<![A-Za-z0-9_$])\$([A-Za-z]{1,6}(?:[._][A-Za-z]{1,2})?)(?![A-Za-z0-9_])")
"""``$NVDA`` → ``NVDA``; never ``$100``."""

_EXCHANGES = (
    "NYSE|NYSEAMERICAN|NASDAQ|Nasdaq(?:GS|GM|CM)?|AMEX|OTC|OTCPK|OTCQX|TSX|TSXV|CNSX|ASX|NZSE|"
    "LSE|LON|AIM|AMS|ENXTAM|EPA|ENXTPA|EBR|ENXTBR|ELI|ENXTLS|BIT|BME|ETR|XTRA|FRA|DB|SWX|VTX|WBAG|STO|OM|OB|"
    "OSE|CPSE|HLSE|ICSE|WSE|IST|JSE|TASE|SEHK|HKG|HKEX|TSE|TYO|KOSE|KOSDAQ|KRX|TWSE|TPEX|NSEI|"
    "NSE|BSE|SGX|SET|IDX|KLSE|SHSE|SZSE|SHA|SHE|BOVESPA|BMV|BVL|BCBA"
)
LISTING = re.compile(rf"\((?:{_EXCHANGES})\s?:\s?([A-Z0-9]{{1,6}}(?:[. ][A-Z0-9]{{1,3}})?)\)")
"""A ticker written with its exchange, as listings and news feeds do: ``Koninklijke DSM N.V.
(AMS:DSM)``, ``Apple (NASDAQ:AAPL)`` → ``DSM``, ``AAPL``. It is a market mention as a cashtag is
(but it is not a cashtag: a message's ``cashtags`` are only the ``$`` ones)."""

HASHTAG = re.compile(r"(?<![\w&#])#(\w*[^\W\d_]\w*)")
"""``#AI`` → ``AI``; a hashtag has at least one letter."""

# Each pattern below opens with a lookahead on the characters a match can begin with: the
# engine then skips every other position at once instead of trying each branch there (the same
# matches, two to three times faster on a tweet).
PERCENT = re.compile(r"(?=[+\-−±~\d])(?<![A-Za-z0-9.])[+\-−±~]?\d{1,5}(?:[.,]\d+)?\s?[%％]")
"""A percentage as written: ``+124%``, ``76%``, ``3.5 %``."""

_NUM = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_SCALE_EN = r"(?:trillion|billion|million|thousand|tn|bn|mn|[kmbt])(?![A-Za-z])"
_SCALE_ZH = r"(?:万亿|千亿|百亿|十亿|亿|千万|百万|万|千)"
_CURRENCY_ZH = r"(?:美元|美金|欧元|日元|英镑|港元|港币|韩元|人民币|块钱|元|円|ドル)"
_CURRENCY_EN = r"(?:dollars?|usd|euros?|eur|rmb|yuan|pounds?|yen|won)(?![A-Za-z])"
_MONEY_FIRST = r"(?=[\d$€£¥￥₩uhnacser零一二三四五六七八九十百千两数几])"
"""What a money match can begin with: a digit, a currency sign, a letter of a currency prefix
(US, USD, HK, NT, A, C, S, usd, eur, rmb, cny; the pattern ignores case) or a Chinese numeral."""
_MONEY_BODY = (
    "(?:"
    rf"(?<![A-Za-z0-9])(?:US|USD|HK|NT|A|C|S)?[$€£¥￥₩]\s?{_NUM}(?:\s?{_SCALE_EN}|{_SCALE_ZH})?"
    rf"|(?<![A-Za-z0-9])(?:usd|eur|rmb|cny)\s?{_NUM}(?:\s?{_SCALE_EN})?"
    rf"|(?<![A-Za-z0-9.]){_NUM}\s?(?:{_SCALE_EN}\s?)?{_CURRENCY_EN}"
    rf"|(?<![A-Za-z0-9.])(?:{_NUM}\s?{_SCALE_ZH}?|[零一二三四五六七八九十百千两数几]+{_SCALE_ZH}){_CURRENCY_ZH}"
    ")"
)
MONEY = re.compile(_MONEY_FIRST + _MONEY_BODY, re.IGNORECASE)
"""A money amount as written: ``$14B``, ``$14 billion``, ``€5M``, ``140亿美元``, ``2000亿元``."""

_MONEY_UNPREFIXED = re.compile(
    r"(?=[\d$€£¥￥₩零一二三四五六七八九十百千两数几])" + _MONEY_BODY, re.IGNORECASE
)
"""``MONEY`` where no match can begin with a letter: it skips the letters at once (a third of
English text begins a prefix's letter), and finds the same amounts in a text that
``_may_be_prefixed`` clears."""

_SIGNS = "$€£¥￥₩"


def _may_be_prefixed(clean: str, lower: str) -> bool:
    """Whether a money amount in the text may begin with a letter: a currency sign right after
    a letter ("US$5", "HK$3"), or a currency code ("USD 5"). Case-folding letters that match a
    prefix's letter (ſ, the Kelvin sign) count too."""
    if "usd" in lower or "eur" in lower or "rmb" in lower or "cny" in lower:
        return True
    if not clean.isascii() and ("ſ" in clean or "\u212a" in clean):
        return True
    for sign in _SIGNS:
        i = clean.find(sign)
        while i != -1:
            if i > 0 and clean[i - 1].isalpha():
                return True
            i = clean.find(sign, i + 1)
    return False


def find_money(clean: str, lower: str) -> list[str]:
    """Every money amount in a text, as written, once each in order (see ``MONEY``)."""
    pattern = MONEY if _may_be_prefixed(clean, lower) else _MONEY_UNPREFIXED
    return list(dict.fromkeys(m.strip() for m in pattern.findall(clean)))


MONEY_HINTS = ("$", "€", "£", "¥", "￥", "₩", "元", "円", "ドル")
MONEY_WORDS = ("dollar", "usd", "eur", "rmb", "cny", "yuan", "pound", "yen", "won")

_NEAR_DUP_DROP = re.compile(r"[\W\d_]+")
_ASCII_NON_LETTERS = bytes(c for c in range(128) if not chr(c).isalpha())
_NEAR_DUP_CHARS = 64
_NEAR_DUP_CHARS_CJK = 32


def strip_noise(text: str) -> tuple[str, str]:
    """The text with URLs, @handles and the RT prefix removed, and the word that truncation may
    have cut ("" if none).

    The trailing "…" itself is dropped; the word before it stays in the text, because a whole
    word ("…about ChatGPT…") still says what the tweet is about, but the caller keeps a cut
    word out of the word cloud and out of the near-duplicate key.
    """
    if "’" in text:
        text = text.replace("’", "'")
    text = (NOISE if _RT_PREFIX.match(text) else _NOISE_UNPREFIXED).sub(" ", text)
    cut = ""
    if "…" in text:
        tail = TRUNCATED_TAIL.search(text)
        if tail is not None:
            cut = tail.group().rstrip().rstrip("…")
            text = text[: tail.start()] + cut + " "
    return text, cut


def near_dup_key(lower_clean: str, *, has_han: bool, raw: str) -> str:
    """A key equal for near-duplicate texts, from the lower-cased clean text.

    Only letters count (no digits, punctuation or spaces), and only the first 64 of them (32 for
    Chinese, which packs more in a character): a tweet, its retweet cut to 140 characters with
    "…", and a copy with another link or number all get the same key. A text with no letters
    at all falls back to its raw form, so only exact copies of it cluster.
    """
    limit = _NEAR_DUP_CHARS_CJK if has_han else _NEAR_DUP_CHARS
    if lower_clean.isascii():
        # the letters the pattern keeps, ten times faster: bytes.translate deletes the rest
        letters = lower_clean.encode("ascii").translate(None, _ASCII_NON_LETTERS)[:limit]
    else:
        letters = _NEAR_DUP_DROP.sub("", lower_clean)[:limit].encode("utf-8")
    basis = letters or ("\x00" + " ".join(raw.split())).encode("utf-8")
    return hashlib.blake2b(basis, digest_size=8).hexdigest()
