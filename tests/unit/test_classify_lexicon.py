"""The lexicon's substring finder: the matches a leftmost-longest scan gives, in text order."""

from __future__ import annotations

import re

from services.classify.lexicon import ZhFinder


def _found(finder: ZhFinder, text: str) -> list[tuple[str, int]]:
    return [(finder.keys[i], start) for i, start, _ in finder.find(text)]


def test_the_longest_term_starting_at_a_place_wins() -> None:
    finder = ZhFinder(sorted(["开源", "开源模型", "模型", "型号"]))
    assert _found(finder, "开源模型型号，模型") == [("开源模型", 0), ("型号", 4), ("模型", 7)]


def test_the_leftmost_term_wins_and_matches_never_overlap() -> None:
    # "bcd" is longer but starts later: the scan takes "ab" and goes on after it
    finder = ZhFinder(sorted(["ab", "bcd", "d"]))
    assert _found(finder, "abcd") == [("ab", 0), ("d", 3)]


def test_offsets_are_characters_not_bytes() -> None:
    finder = ZhFinder(["模型"])
    text = "🚀新模型 and 模型"
    assert [text[s:e] for _, s, e in finder.find(text)] == ["模型", "模型"]


def test_it_finds_what_a_regex_alternation_longest_first_finds() -> None:
    keys = sorted(["芯片", "芯片股", "股价", "价格", "内存", "内存芯片", "涨", "涨停", "停牌"])
    finder = ZhFinder(keys)
    regex = re.compile("|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True)))
    for text in ("内存芯片股价涨停，停牌", "芯片股价格涨", "无关的句子", "涨涨停停牌牌"):
        assert _found(finder, text) == [(m.group(), m.start()) for m in regex.finditer(text)]


def test_find_strings_gives_the_terms_find_gives() -> None:
    finder = ZhFinder(sorted(["开源", "开源模型", "模型", "型号"]))
    text = "开源模型型号，模型"
    assert finder.find_strings(text) == [key for key, _ in _found(finder, text)]
