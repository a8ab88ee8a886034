"""The post's front matter beyond the seed's four fields: description, excerpt, image and tags.

The seed's fields (``layout``, ``title``, ``date``, ``posttime``) hold only our own text. The new
ones feed jekyll-feed (each entry's ``<summary>`` and thumbnail), jekyll-seo-tag (the meta
description and ``og:image``), the index page and link previews, and the description comes from
a tweet-fed overview. So every value is built here twice safe:

- the text is escaped as for the page body (:func:`services.render.markdown.text`: every character
  Liquid, kramdown or HTML would act on becomes a numeric entity). Front matter is not Liquid, but
  themes print ``page.description`` unescaped, jekyll-seo-tag markdownifies it and jekyll-feed puts
  it in an HTML summary; an entity reads as its character in all three and acts in none;
- the escaped text is written as a YAML double-quoted scalar (:func:`yaml_str`), so no quote,
  colon, ``#``, ``{{`` or line break can end the value or start another key.
"""

from __future__ import annotations

import re

from . import markdown as md

DESCRIPTION_CHARS = 160
"""A description longer than this is cut at a word or clause boundary, with an ellipsis."""

# A sentence ends at Chinese end punctuation, or Western followed by a space or the end (so
# "v1.5" and "e.g" do not end one); closing quotes and brackets stay with it.
_SENTENCE = re.compile(r"^(.+?(?:[。！？]|[.!?](?=[\s”’\"')）\]】」』]|$))[”’\"')）\]】」』]*)")
_BREAK = re.compile(r"[\s，、；：,;:]")

# YAML 1.1's printable characters (Psych, which Jekyll uses, reads YAML 1.1), less the ones that
# read as line breaks inside a scalar (NEL, LS, PS) and the BOM.
_PRINTABLE = re.compile(
    "[\t\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)


def yaml_str(value: str) -> str:
    """``value`` as a YAML double-quoted scalar that any YAML 1.1 or 1.2 reader gives back whole."""
    out = []
    for char in value:
        if char in '"\\':
            out.append("\\" + char)
        elif _PRINTABLE.fullmatch(char):
            out.append(char)
        elif 0xD800 <= ord(char) <= 0xDFFF:
            out.append("\\ufffd")  # a lone surrogate cannot be encoded at all
        elif ord(char) <= 0xFFFF:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    return '"' + "".join(out) + '"'


def yaml_list(values: list[str]) -> str:
    """A YAML flow sequence of double-quoted scalars."""
    return "[" + ", ".join(yaml_str(v) for v in values) + "]"


def first_sentence(paragraphs: list[str], *, limit: int = DESCRIPTION_CHARS) -> str:
    """The first sentence of the first non-empty paragraph, as plain text on one line.

    A sentence longer than ``limit`` is cut at the last space or clause mark before it (never
    inside a Latin word) and ends with an ellipsis; a paragraph without end punctuation counts
    as one sentence.
    """
    for paragraph in paragraphs:
        flat = " ".join(paragraph.split())
        if not flat:
            continue
        found = _SENTENCE.match(flat)
        sentence = found.group(1) if found else flat
        if len(sentence) <= limit:
            return sentence
        head = sentence[: limit - 1]
        breaks = [m.start() for m in _BREAK.finditer(head)]
        cut = breaks[-1] if breaks and breaks[-1] >= limit // 2 else None
        if cut is None and re.search(r"[A-Za-z0-9]$", head) and sentence[limit - 1].isalnum():
            # inside a Latin word or a number, with no break to go back to: drop the word
            word = re.search(r"[A-Za-z0-9]+$", head)
            cut = word.start() if word and word.start() > 0 else None
        return (head if cut is None else head[:cut]).rstrip(" ，、；：,;:") + "…"
    return ""


def escaped(value: str) -> str:
    """Plain text escaped for the page (see the module doc), then quoted for YAML."""
    return yaml_str(md.text(value))


def post_tags(categories: dict[str, int]) -> list[str]:
    """The post's tags: the report categories the window has tweets in, in a fixed order."""
    return [name for name in ("ai", "finance", "crypto") if categories.get(name, 0) > 0]
