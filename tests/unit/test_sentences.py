"""Where a quote may be cut: whole sentences, never inside a word, a bracket or a quote, and at a
line break, which ends a tweet's thought as a full stop does (shared.sentences)."""

from __future__ import annotations

import pytest

from shared.sentences import excerpt, flat, lines, sentence_ends, uncut


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("Short tweet.", 200, "Short tweet."),
        ("One sentence here. Another one is long enough to be cut off.", 30, "One sentence here."),
        (
            "斯坦福研究提出语义崩溃。知识库规模超过临界点后检索失效。",
            20,
            "斯坦福研究提出语义崩溃。",
        ),
        ("Wild stat that keeps on going without any end at all", 20, "Wild stat that…"),
        ("Supercalifragilisticexpialidocious is long", 10, "Supercalifragilisticexpialidocious…"),
        ("Version 3.5 beats 3.4 by a lot and then some more", 14, "Version 3.5…"),
    ],
)
def test_excerpt_cuts_at_a_sentence_or_between_words(text: str, limit: int, expected: str) -> None:
    assert excerpt(text, limit) == expected


def test_a_cut_never_splits_a_latin_word() -> None:
    text = "The 4 best performing S&P 500 stocks of 2025 were all memory/storage makers " * 4
    for limit in range(10, len(text), 7):
        cut = excerpt(text, limit)
        if cut.endswith("…"):
            head = cut[:-1]
            assert text.startswith(head)
            following = text[len(head)]
            assert not (head[-1].isalnum() and following.isalnum()), cut


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # X cut the post inside a word: the quote ends at the last whole sentence.
        (
            "ChatGPT-4 is insanely powerful. But most people don't know how to use it. Insid…",
            "ChatGPT-4 is insanely powerful. But most people don't know how to use it.",
        ),
        # No sentence to end at: whole words, and the mark says it is cut.
        (
            "Чтобы соответствовать ChatGPT, Google продолжает совершенствовать Bard полон решимо…",
            "Чтобы соответствовать ChatGPT, Google продолжает совершенствовать Bard полон…",
        ),
        ("发布会上宣布的新模型在多个基准上超过了…", "发布会上宣布的新模型在多个基准上超过了…"),
        ("今天发布了新模型。细节还要等官方博客…", "今天发布了新模型。"),
        # Cut at a sentence's end: nothing to drop.
        ("The model is out. The weights are too.…", "The model is out. The weights are too."),
    ],
)
def test_a_text_its_source_cut_is_quoted_to_its_last_whole_sentence_or_word(
    text: str, expected: str
) -> None:
    assert uncut(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # An exclamation inside 「」 ends no sentence, nor does one its sentence goes on from:
        # the quote ends at the last line the cut left whole, with every bracket closed.
        (
            "ChatGPTくんは、存在しないモノを平然と「ありますねえ！」って出してくるので\n\n"
            "「ChatGPTで調べたけどなかったです」より\n「ChatGPTが言うので信じま…",
            "ChatGPTくんは、存在しないモノを平然と「ありますねえ！」って出してくるので\n\n"
            "「ChatGPTで調べたけどなかったです」より",
        ),
        # A script without sentence marks (Thai): its last whole line, not a word's fragment.
        (
            "ใช้งาน ChatGPT+GPT4 แบบไม่เสียเงิน\nมันคือ ChatGPT ทั้งใช้ฟรีด้วย\n- ไม่ใช่ตัว official…",
            "ใช้งาน ChatGPT+GPT4 แบบไม่เสียเงิน\nมันคือ ChatGPT ทั้งใช้ฟรีด้วย",
        ),
        # 。 inside “” is the quoted speaker's; the sentence around it ends later.
        (
            "他说“模型已经开源。”随后公布了权重。细节要等官方博…",
            "他说“模型已经开源。”随后公布了权重。",
        ),
    ],
)
def test_a_cut_ends_at_a_line_or_a_sentence_outside_any_bracket(text: str, expected: str) -> None:
    assert uncut(text) == expected


def test_a_sentence_ends_after_its_closing_marks_not_inside_them() -> None:
    text = "「完全に無料である。」しかも速い。"
    assert sentence_ends(text) == [len("「完全に無料である。」"), len(text)]
    # An unclosed bracket hides the ends after it, up to the line's end.
    assert sentence_ends("Note (draft. Not final.\nNext.") == [len("Note (draft. Not final.\n")]
    # A closer with no opener ("1)") closes nothing that a later opener needs.
    assert sentence_ends("1) one. 2) two. ") == [7, 15]


def test_a_long_text_is_cut_at_its_last_line_that_fits() -> None:
    text = "8 huge announcements in AI:\n- Apple Enters AI\n- Replit a Unicorn\n- Mobile apps keep on coming"
    assert excerpt(text, 70) == "8 huge announcements in AI:\n- Apple Enters AI\n- Replit a Unicorn"


def test_lines_and_flat_normalise_space() -> None:
    assert lines("  a   b \n\n\t c  \n") == "a b\nc"
    assert flat("a \n b\t\tc") == "a b c"


def test_kana_may_be_cut_between_characters_like_han() -> None:
    text = "これはとても長い日本語の文章でありまして句読点がないままずっと続いていきます"
    cut = excerpt(text, 12)
    assert cut.endswith("…") and text.startswith(cut[:-1]) and len(cut) <= 13
