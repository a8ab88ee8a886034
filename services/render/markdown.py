"""Turns the report's plain text into markdown that Jekyll shows as exactly that text.

Everything a tweet or a writer says passes through :func:`text` before it reaches the post. A post
goes through three interpreters in turn: Liquid (Jekyll renders it first), then kramdown (GFM or
kramdown input), then the browser (HTML). So every character that means something to one of them
becomes a numeric HTML entity: Liquid sees no ``{{``/``{%``, kramdown sees no emphasis, link, table,
math or raw-HTML marker, and the browser sees ``&lt;`` where the tweet had ``<``. kramdown turns
the harmless entities back into characters in the HTML, so readers see the original text.

Line structure is ours alone: text is collapsed onto one line, so nothing in it can start a list,
heading, quote or code block on a line of its own; the markers that act at the start of a line are
also escaped, because every piece we emit may land at one.

:class:`Md` marks strings that are already safe; the template's finalize hook escapes any other.
"""

from __future__ import annotations

import re
from urllib.parse import quote

__all__ = ["Md", "bold", "emit", "italic", "join", "link", "safe_url", "text", "truncate"]


class Md(str):
    """A string of markdown that is safe to put in the post as it is."""

    __slots__ = ()


# One entity per character that Liquid, kramdown (either input) or HTML would act on.
_ENTITIES: dict[str, str] = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&quot;",
    "'": "&#39;",
    "{": "&#123;",
    "}": "&#125;",
    "\\": "&#92;",
    "`": "&#96;",
    "*": "&#42;",
    "_": "&#95;",
    "[": "&#91;",
    "]": "&#93;",
    "#": "&#35;",
    "|": "&#124;",
    "~": "&#126;",
    "!": "&#33;",
    "$": "&#36;",
    "^": "&#94;",
}
_TABLE = str.maketrans(_ENTITIES)

# kramdown's typographic symbols: "--" and "---" become dashes, "..." an ellipsis.
_DASH_RUN = re.compile(r"-(?=-)")
_DOT_RUN = re.compile(r"\.(?=\.)")
# Markers that only act at the start of a line: list items, definitions, setext underlines.
_LEADING_MARK = re.compile(r"^[-+:=]")
_LEADING_ORDINAL = re.compile(r"^(\d+)([.)])")
# C0/C1 controls, and the bidi overrides that could make a quoted tweet display out of order.
_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

_TRUSTED_SCHEME = "https://"
# Characters kept as they are in a link target; everything else is percent-encoded, so neither
# a ')' nor a '{{' nor a space can end the markdown link or open a Liquid tag.
_URL_SAFE = "/?#[]@!$&'*+,;=%-._~:"


def _collapse(value: str) -> str:
    return " ".join(_INVISIBLE.sub("", value).split())


def text(value: str) -> Md:
    """Escape plain text for one line of the post: shown as written, never as markup."""
    flat = _collapse(value).translate(_TABLE)
    # after the table, which would escape these entities' own '&'
    flat = _DASH_RUN.sub("&#45;", flat)
    flat = _DOT_RUN.sub("&#46;", flat)
    match = _LEADING_ORDINAL.match(flat)
    if match:
        flat = f"{match.group(1)}&#{ord(match.group(2))};{flat[match.end() :]}"
    elif _LEADING_MARK.match(flat):
        flat = f"&#{ord(flat[0])};{flat[1:]}"
    return Md(flat)


def emit(value: object) -> object:
    """The template's finalize hook: pass :class:`Md` and numbers, escape every other string."""
    if isinstance(value, Md) or not isinstance(value, str):
        return value
    return text(value)


def truncate(value: str, limit: int) -> str:
    """Plain text cut to at most ``limit`` characters, with an ellipsis when cut."""
    flat = _collapse(value)
    if len(flat) <= limit:
        return flat
    return flat[: max(limit - 1, 0)].rstrip() + "…"


def safe_url(url: str | None) -> str | None:
    """The url, percent-encoded for a markdown link target, or None unless it is https."""
    if not url:
        return None
    url = url.strip()
    if url[: len(_TRUSTED_SCHEME)].lower() != _TRUSTED_SCHEME or len(url) == len(_TRUSTED_SCHEME):
        return None
    # brackets are legal in a url but end a link early in some parsers
    return quote(url, safe=_URL_SAFE).replace("[", "%5B").replace("]", "%5D")


def link(label: str, url: str | None) -> Md:
    """A markdown link with an escaped label, or the label alone when the url is not trusted."""
    target = safe_url(url)
    shown = text(label)
    if target is None:
        return shown
    return Md(f"[{shown}]({target})")


def bold(value: str) -> Md:
    """Escaped text in strong emphasis; empty text stays empty."""
    escaped = text(value)
    return Md(f"**{escaped}**") if escaped else Md("")


def italic(value: str) -> Md:
    """Escaped text in emphasis; empty text stays empty."""
    escaped = text(value)
    return Md(f"*{escaped}*") if escaped else Md("")


def join(parts: list[Md], sep: str) -> Md:
    """Join safe pieces with a separator, itself escaped but keeping its spaces."""
    return Md(sep.translate(_TABLE).join(parts))
