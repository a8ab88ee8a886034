"""Plain text as notify receives it, made safe and short before any platform's markup.

Every string that came from a tweet or a writer (the core points' titles, the description) goes
through :func:`plain` first: one line, no control or direction-override characters. Each
platform then escapes it for its own dialect (``platforms/``); the helpers they share are here.
"""

from __future__ import annotations

import re
from urllib.parse import quote

# C0/C1 controls, zero-width space, the bidi marks and overrides (a title could otherwise make
# the digest display out of order), and the BOM. The zero-width joiner stays: emoji need it.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
)
_WORD_END = re.compile(r"[A-Za-z0-9]+$")

# Markdown that DingTalk's and WeCom's bot dialects act on. Neither documents a way to escape it
# (no backslash escapes, no entities in their published syntax), so the characters become their
# full-width forms, which read the same in a Chinese digest and are markup in no dialect.
_FULLWIDTH = str.maketrans({c: chr(ord(c) + 0xFEE0) for c in "\\*_~`#[]<>|&"})

_URL_SAFE = "/?#@!$&'*+,;=%-._~:"
"""Kept as is in a link target; brackets, parentheses, quotes, spaces and the rest are encoded."""


def plain(value: str | None) -> str:
    """``value`` on one line, without invisible characters; empty for None."""
    return " ".join(_INVISIBLE.sub("", value or "").split())


def cut(value: str, limit: int) -> str:
    """``value`` in at most ``limit`` characters: cut before a Latin word it would split, with an
    ellipsis when cut."""
    if len(value) <= limit:
        return value
    head = value[: max(limit - 1, 0)]
    if head and value[len(head)].isalnum():
        word = _WORD_END.search(head)
        if word is not None and word.start() > 0:
            head = head[: word.start()]
    return head.rstrip() + "…"


def fit_bytes(value: str, limit: int) -> str:
    """``value`` cut so its UTF-8 encoding takes at most ``limit`` bytes (whole characters)."""
    data = value.encode("utf-8")
    if len(data) <= limit:
        return value
    return data[:limit].decode("utf-8", "ignore")


def fullwidth(value: str) -> str:
    """Plain text for a markdown dialect without escapes: its markup characters made full-width."""
    return value.translate(_FULLWIDTH)


def link_target(url: str) -> str:
    """A URL safe inside a markdown link's parentheses: nothing in it can end the link."""
    return quote(url, safe=_URL_SAFE)


def utf16_len(value: str) -> int:
    """Length in UTF-16 code units, the unit Telegram counts in."""
    return len(value.encode("utf-16-le")) // 2
