"""Where a tweet's text may be cut: its sentence ends, and excerpts that keep whole sentences.

One rule for every service that shortens a quote (summarize's writers, render's lead quote, the
model writer's prompt): a sentence ends at 。！？!? (with the closing marks after it), at . ; … before
a space, and at a line break, which in a tweet ends a thought as a full stop does. An end inside
an open bracket or quote is no end (「ありますねえ！」 is one quoted exclamation), nor is a quoted
exclamation or question that its sentence goes straight on from (「ありますねえ！」って出してくる,
“太好了！”他说); a quoted full stop ends the sentence around it (「完全に無料である。」しかも…).
"""

from __future__ import annotations

import re

_CLOSERS = "”’\"'）)」』】"
_END = re.compile(rf"[。！？!?]+[{_CLOSERS}]*|[.;；…]+[{_CLOSERS}]*(?=\s)|\n")
_PAIRS = {"“": "”", "「": "」", "『": "』", "（": "）", "(": ")", "【": "】"}
_OPENERS = {close: open_ for open_, close in _PAIRS.items()}
_BRACKETS = re.compile("[" + re.escape("".join(_PAIRS) + "".join(_OPENERS)) + "]")
_EXCLAIM = "！？!?"
_GOES_ON = re.compile(r"[^\s。，,.]")
_CLAUSE_END = re.compile(r"[，、：；,:;—]+\s*|\s+")
_TRIM = " ，、：；,:;—"

SPACELESS = r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]"
"""A character of a script written without spaces (Han, kana): a text may be cut between two."""
_SPACELESS = re.compile(SPACELESS)

CUT_MARK = "…"
"""What ends a text cut between words."""
_SOURCE_CUT = re.compile(r"\s*(?:…|\.{3})$")


def lines(text: str) -> str:
    """``text`` as its non-empty lines, each stripped and with its runs of spaces made one, so
    that a cut may end at a line and the caller may then flatten it with ``flat``."""
    return "\n".join(filter(None, (" ".join(line.split()) for line in text.splitlines())))


def flat(text: str) -> str:
    """``text`` on one line, its runs of spaces (and line breaks) made one space."""
    return " ".join(text.split())


def sentence_ends(text: str, stop: int | None = None) -> list[int]:
    """The offsets just past each sentence end that lies wholly within ``text[:stop]``."""
    stop = len(text) if stop is None else stop
    ends = []
    depth = 0  # brackets and quotes open where the scan stands (a line break closes them all)
    scanned = 0
    for m in _END.finditer(text, 0, stop):
        for b in _BRACKETS.finditer(text, scanned, m.start()):
            depth = max(0, depth + _step(b.group()))
        scanned = m.start()
        if m.group() == "\n":
            depth = 0
            ends.append(m.end())
            continue
        end = m.end()
        closing = sum(_step(b.group()) for b in _BRACKETS.finditer(text, m.start(), end))
        if depth + closing > 0:
            continue  # inside a bracket or quote
        if (
            closing < 0
            and m.group()[0] in _EXCLAIM
            and end < len(text)
            and _GOES_ON.match(text, end)
        ):
            continue  # "！」って…": the quoted exclamation is inside a sentence that goes on
        ends.append(end)
    return ends


def _step(mark: str) -> int:
    """What ``mark`` does to the bracket depth: an opener adds one, a closer takes one away."""
    return 1 if mark in _PAIRS else -1


def excerpt(text: str, limit: int) -> str:
    """``text`` whole if it fits in ``limit`` characters; else its sentences that fit, or, when
    the first sentence alone is longer, its words that fit; never cut inside a word.

    Whole sentences need no mark; a text cut between words ends with "…". A single word longer
    than ``limit`` is kept whole. Line breaks are kept, to be flattened by the caller.
    """
    if len(text) <= limit:
        return text
    ends = sentence_ends(text, limit)
    if ends:
        return text[: ends[-1]].rstrip()
    # Between two Han or kana characters is a word boundary too; inside a Latin word is not.
    cut = 0
    for m in _CLAUSE_END.finditer(text, 0, limit):
        cut = m.start()
    for i in range(limit - 1, cut, -1):
        if _SPACELESS.match(text[i - 1]) and (_SPACELESS.match(text[i]) or not text[i].isalnum()):
            cut = i
            break
    if cut == 0:
        end = _CLAUSE_END.search(text, limit)
        return text if end is None else text[: end.start()] + CUT_MARK
    return text[:cut].rstrip(_TRIM) + CUT_MARK


def uncut(text: str) -> str:
    """A text its source cut short, as a quote may carry it: up to its last whole sentence, or,
    with none, its whole words and a "…"; never the fragment of a word the cut left
    ("That's why I built a free guide. Insid…" → "That's why I built a free guide.")."""
    marked = _SOURCE_CUT.search(text) is not None
    body = _SOURCE_CUT.sub("", text)
    ends = sentence_ends(body + " ")
    if ends and ends[-1] < len(body):
        return body[: ends[-1]].rstrip()
    if ends:
        return body  # the cut fell at a sentence's end
    if marked and body[-1:].isalnum() and not _SPACELESS.match(body[-1]):
        # The cut fell inside a Latin (or Cyrillic, Greek, Thai…) word: drop the fragment.
        words = body.rsplit(None, 1)
        if len(words) == 2:
            body = words[0].rstrip(_TRIM)
    return body + CUT_MARK


__all__ = ["CUT_MARK", "SPACELESS", "excerpt", "flat", "lines", "sentence_ends", "uncut"]
