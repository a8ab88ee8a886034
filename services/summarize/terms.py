"""Word-cloud weights: a window's term counts against a background, so the day's words stand out.

The raw tally (``aggregate``'s ``terms``: how many tweets of the window used each term, in
classify's one form per term) is dominated by the words every day of an AI stream uses ("AI",
"模型", "公司"). :func:`weigh_terms` gives each term

    weight = sqrt(tweets) * specificity ** 2    (times ONE_TWEET for a term only one tweet used)

where ``specificity`` (0..1, 1 = as specific as a word gets) is the lowest that three
backgrounds give it:

- everyday English: ``wordfreq``'s small English list (the 29,000 words of Zipf 3 or more),
  ``1 - zipf / 8`` for a single Latin word ("company" 0.30, "model" 0.36); a rarer word ("H200",
  "Kospi") is 1.0, and so is a phrase such as "Claude Skills": a name that wordfreq does not
  count, which only the stream background below judges;
- everyday words of the other languages a stream of tweets is written in (``OTHER_LANGUAGES``:
  Spanish, Portuguese, French, German, …; wordfreq's small lists), the same way, for a plain
  lower-case word only: classify writes a plain word in lower case and a name as its name, so
  "herramienta" (Zipf 4.6 in Spanish) and "estoy" sink, while "Llama" and "Claude", which are
  everyday words in Spanish and French, keep their weight as the names they are here;
- everyday Chinese: jieba's IDF table (``jieba/analyse/idf.txt``), ``idf / max idf`` for a
  term with Han characters ("公司" 0.25, "模型" 0.49); a word rarer than ``IDF_KEEP`` or one
  jieba does not know is 1.0 (only the 44,000 commoner words are kept in memory);
- this stream's everyday words: ``background.tsv`` beside this module, how many of 1,757 real
  AI tweets (ChatGPT tweets of 2023-04-27, a retweet with its original) used each term, ``ln((N+1)/(df+1)) / ln(N+1)``
  ("AI" is in one tweet in six). It is derived from the tweets by the command in its header,
  through ``tweetpulse classify``, so its terms are in the same forms as a window's.

The square root keeps one word's burst from drowning the rest; the square on specificity lets the
backgrounds decide the order among frequent terms; a word only one tweet used is that tweet's,
not the day's (on the sample 1,278 of 1,790 terms are such), so it ranks below a word two tweets
share, and below "AI". Both were chosen on the bundled sample, where
they put the day's names (H200, ByteDance, Claude Skills, SK Hynix) above "AI", "模型" and "公司"
(``tests/unit/test_summarize_terms.py``). The function is pure: the same terms and background give
the same list, heaviest first, ties by term. The backgrounds are loaded once, on first use.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import TextIO

from shared.models import TermWeight

ZIPF_TOP = 8.0
"""Zipf frequency of the commonest English words ("the" is 7.7): specificity 0 there."""
FLOOR = 0.02
"""The least specificity a term keeps (weights stay positive)."""
IDF_KEEP = 10.0
"""jieba words rarer than this (in fewer than one document in 22,000) count as never seen."""
ONE_TWEET = 0.25
"""The factor on a term that only one tweet of the window used."""
MIN_DF = 3
"""Terms in fewer stream-background tweets than this are left out of background.tsv."""
BACKGROUND_FILE = "background.tsv"
OTHER_LANGUAGES = ("es", "pt", "fr", "de", "it", "nl", "tr", "id", "pl", "ca", "sv")
"""Latin-script languages whose everyday words a plain word is also judged by (wordfreq codes)."""
OTHER_ZIPF = 3.5
"""Words of ``OTHER_LANGUAGES`` rarer than this Zipf frequency are not kept (about half of their
lists, 25 MB less in memory): at 3.5 a word's specificity is already 0.56."""


def _has_han(term: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" for ch in term)


@dataclass(frozen=True)
class Background:
    """What is everyday: English word frequencies, Chinese IDF, and the stream's own tweets."""

    english: Mapping[str, float]
    """Lower-cased word -> frequency (a share of all words)."""
    chinese_idf: Mapping[str, float]
    stream_df: Mapping[str, int]
    """Case-folded term -> how many background tweets used it."""
    stream_tweets: int
    chinese_top: float = 0.0
    """The largest IDF of the whole table (the kept part may lack it); 0: the kept part's."""
    others: Mapping[str, float] = field(default_factory=dict)
    """Lower-case word -> its frequency in the ``OTHER_LANGUAGES`` language that uses it most,
    kept only where that is more than its English frequency."""

    def __post_init__(self) -> None:
        if self.chinese_top <= 0:
            top = max(self.chinese_idf.values(), default=0.0)
            object.__setattr__(self, "chinese_top", top)

    def specificity(self, term: str) -> float:
        """How specific a term is, from FLOOR (everyday) to 1 (never seen in any background)."""
        general = 1.0
        if _has_han(term):
            idf = self.chinese_idf.get(term)
            if idf is not None and self.chinese_top > 0:
                general = min(1.0, idf / self.chinese_top)
        elif " " not in term:
            freq = self.english.get(term.lower(), 0.0)
            if term.islower():
                freq = max(freq, self.others.get(term, 0.0))  # a plain word, not a name
            if freq > 0:
                general = 1.0 - max(0.0, math.log10(freq * 1e9)) / ZIPF_TOP
        stream = 1.0
        df = self.stream_df.get(term.casefold())
        if df is not None and self.stream_tweets > 0:
            n = self.stream_tweets
            stream = math.log((n + 1) / (df + 1)) / math.log(n + 1)
        return min(1.0, max(FLOOR, min(general, stream)))


def weigh_terms(
    terms: Sequence[TermWeight], background: Background | None = None
) -> list[TermWeight]:
    """The terms reweighted against the background (see the module docstring), heaviest first."""
    bg = background if background is not None else bundled_background()
    out = [
        TermWeight(
            term=t.term,
            weight=math.sqrt(t.weight)
            * bg.specificity(t.term) ** 2
            * (ONE_TWEET if t.weight < 2 else 1.0),
        )
        for t in terms
    ]
    out.sort(key=lambda t: (-t.weight, t.term))
    return out


# ---------------------------------------------------------------------------- loading


def read_stream_background(lines: Iterable[str]) -> tuple[dict[str, int], int]:
    """``background.tsv``: ``# tweets N`` then ``term<TAB>df`` rows (other ``#`` lines are notes)."""
    df: dict[str, int] = {}
    tweets = 0
    for line in lines:
        line = line.rstrip("\n")
        if line.startswith("# tweets "):
            tweets = int(line.split()[2])
        elif line and not line.startswith("#"):
            term, _, count = line.rpartition("\t")
            df[term] = int(count)
    if tweets <= 0:
        raise ValueError(f"{BACKGROUND_FILE}: no '# tweets N' line")
    return df, tweets


def _jieba_idf(keep: float = IDF_KEEP) -> tuple[dict[str, float], float]:
    """jieba's words with an IDF up to ``keep``, and the table's largest IDF."""
    idf: dict[str, float] = {}
    top = 0.0
    # Found from the jieba package, not by importing jieba.analyse: that import loads the whole
    # table into a TFIDF object of its own (about 100 MB).
    idf_txt = resources.files("jieba").joinpath("analyse", "idf.txt")
    with idf_txt.open(encoding="utf-8") as f:
        for line in f:
            word, _, value = line.rstrip("\n").rpartition(" ")
            if not word:
                continue
            v = float(value)
            top = max(top, v)
            if v <= keep:
                idf[word] = v
    return idf, top


@lru_cache(maxsize=1)
def bundled_background() -> Background:
    """The shipped backgrounds (wordfreq's English and ``OTHER_LANGUAGES`` lists, jieba's IDF,
    background.tsv), loaded once."""
    from wordfreq import get_frequency_dict  # loaded on first use, never at import

    here = resources.files("services.summarize").joinpath(BACKGROUND_FILE)
    df, tweets = read_stream_background(here.read_text(encoding="utf-8").splitlines())
    idf, top = _jieba_idf()
    english = get_frequency_dict("en", "small")
    others: dict[str, float] = {}
    least = 10 ** (OTHER_ZIPF - 9)
    for lang in OTHER_LANGUAGES:
        for word, freq in get_frequency_dict(lang, "small").items():
            if freq >= least and freq > max(others.get(word, 0.0), english.get(word, 0.0)):
                others[word] = freq
    return Background(
        english=english,
        chinese_idf=idf,
        stream_df=df,
        stream_tweets=tweets,
        chinese_top=top,
        others=others,
    )


# ---------------------------------------------------------------------------- deriving


def derive(lines: Iterable[str], out: TextIO, *, drop: Sequence[str] = ()) -> int:
    """Write background.tsv from ``tweetpulse classify`` output: per term, how many distinct
    tweets used it (a retweet counts once, with its original). Returns the tweet count.

    ``drop`` names terms left out whatever their count: the word a corpus was collected by
    (every tweet of the bundled one says ChatGPT, which says nothing about ChatGPT).
    """
    seen: set[str] = set()
    df: Counter[str] = Counter()
    dropped = {d.casefold() for d in drop}
    for line in lines:
        if not line.strip():
            continue
        row = json.loads(line)
        key = row.get("retweet_of") or row["id"]
        if key in seen:
            continue
        seen.add(key)
        df.update({str(t).casefold() for t in row.get("terms", [])} - dropped)
    out.write(
        f"# The word cloud's stream background (services/summarize/terms.py).\n"
        f"# From ../shared/data/chatgpt-tweets-2023-04-27.csv (MIT, (c) 2023 Alberto Martínez "
        f"Lara), made by:\n"
        f"#   tweetpulse classify --input ../shared/data/chatgpt-tweets-2023-04-27.csv |\n"
        f"#     python -m services.summarize.terms derive --drop ChatGPT > "
        f"services/summarize/{BACKGROUND_FILE}\n"
        f"# Terms in {MIN_DF} tweets or more; columns: case-folded term, tweets that used it.\n"
        f"# tweets {len(seen)}\n"
    )
    for term, n in sorted(df.items(), key=lambda kv: (-kv[1], kv[0])):
        if n >= MIN_DF and "\t" not in term:
            out.write(f"{term}\t{n}\n")
    return len(seen)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m services.summarize.terms derive``: background.tsv from classify's output."""
    parser = argparse.ArgumentParser(prog="python -m services.summarize.terms")
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("derive", help="background.tsv from `tweetpulse classify` on stdin")
    make.add_argument("--drop", action="append", default=[], help="a term to leave out")
    args = parser.parse_args(argv)
    tweets = derive(sys.stdin, sys.stdout, drop=args.drop)
    print(f"{tweets:,} tweets", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
