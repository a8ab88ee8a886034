"""A conservative local estimate of how many input tokens a text costs.

The budget must hold before a request is sent, and the API's ``count_tokens`` endpoint would
cost a round trip per candidate prompt, so tokens are estimated from characters and rounded up:

- a CJK character (or any other non-ASCII character of the basic plane) counts as 1 token
  (Claude's tokenizer averages well under that for Chinese);
- a character outside the basic plane (emoji) counts as 3;
- ASCII digits count 1/2 each (numbers and tweet ids split into short pieces);
- other ASCII counts 0.4 each (English averages 3 to 4 characters per token; Claude 5's
  tokenizer yields about 30% more tokens than Claude 4's, hence the margin).

Overestimating only makes the model see a few tweets fewer. Should the API's reported usage
ever exceed the estimate, the writer records the ratio and scales later estimates by it.
"""

from __future__ import annotations

import math
import re

REQUEST_OVERHEAD = 500
"""Tokens the API adds to a request that forces a tool (its tool-use system prompt), plus slack."""

_DIGITS = re.compile(r"[0-9]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_ASTRAL = re.compile(r"[\U00010000-\U0010ffff]")


def estimate_tokens(text: str) -> int:
    """Estimated tokens of ``text``, rounded up."""
    if not text:
        return 0
    digits = len(_DIGITS.findall(text))
    non_ascii = len(_NON_ASCII.findall(text))
    astral = len(_ASTRAL.findall(text))
    other = len(text) - digits - non_ascii
    return math.ceil(non_ascii + 2 * astral + digits / 2 + other * 0.4)
