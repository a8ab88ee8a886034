"""The word cloud: term filtering, font discovery, and a real JPEG drawn with a CJK font."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from PIL import Image, ImageStat

from services.render.cloud import (
    FONT_HELP,
    WordCloudRenderer,
    clean_terms,
    find_font,
    normalize_term,
)
from shared.errors import ConfigError
from shared.models import TermWeight


def tw(term: str, weight: float = 1.0) -> TermWeight:
    return TermWeight(term=term, weight=weight)


@pytest.fixture(scope="module")
def font() -> Path:
    """A real CJK font; missing one fails under CI (make test installs it), else skips."""
    try:
        return find_font(None)
    except ConfigError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must have a CJK font: {exc}")
        pytest.skip(f"no CJK font on this machine ({exc})")


@pytest.fixture(scope="module")
def renderer(font) -> WordCloudRenderer:
    return WordCloudRenderer(font, width=320, height=240, max_words=200)


# ---------------------------------------------------------------------------- terms


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("人工智能", "人工智能"),
        ("ChatGPT", "ChatGPT"),
        ("GPT-4", "GPT-4"),
        ("Node.js", "Node.js"),
        ("AT&T", "AT&T"),
        ("C++", "C++"),
        ("machine  learning", "machine learning"),
        ("#OpenAI", "OpenAI"),
        ("$NVDA", "NVDA"),
        ("“大模型”", "大模型"),
        ("**bold**", "bold"),
        ("> quote", "quote"),
        ("GPT4", "GPT4"),
        ("2026年度", "2026年度"),
        ("ＡＩ芯片", "AI芯片"),  # full-width letters folded
    ],
)
def test_words_are_kept_with_their_wrapping_marks_removed(raw, kept):
    assert normalize_term(raw) == kept


@pytest.mark.parametrize(
    "raw",
    [
        "2023",
        "+124%",
        "4.0",
        "$14B",
        "https://t.co/abc",
        "t.co/abc",
        "www.example.org",
        "openai.com",
        "@sama",
        "＠sama",
        "**",
        "|",
        "---",
        "14B",
        "1.5M",
        "3x",
        "2026年",
        "140亿美元",
        "{{x}}",
        "a|b",
        "<b>",
        "[x](y)",
        "的",
        "我们",
        "the",
        "The",
        "RT",
        "amp",
        "x",
        "",
        "   ",
        "超" * 31,
    ],
)
def test_noise_never_reaches_the_cloud(raw):
    assert normalize_term(raw) is None


def test_case_variants_merge_under_the_heaviest_spelling_and_limit_applies():
    terms = [tw("AI", 5), tw("ai", 2), tw("Ai", 1), tw("大模型", 7), tw("2023", 99), tw("代理", 1)]
    assert clean_terms(terms, limit=10) == [("AI", 8.0), ("大模型", 7.0), ("代理", 1.0)]
    assert clean_terms(terms, limit=2) == [("AI", 8.0), ("大模型", 7.0)]


def test_infinite_weights_are_dropped():
    assert clean_terms([tw("AI", float("inf")), tw("大模型", 1)], limit=5) == [("大模型", 1.0)]


def test_terms_the_font_cannot_draw_are_dropped(renderer):
    kept = renderer.terms([tw("中文词", 3), tw("English", 2), tw("😀😀", 9), tw("\ue000\ue001", 8)])
    assert kept == [("中文词", 3.0), ("English", 2.0)]


# ---------------------------------------------------------------------------- fonts


def test_no_font_anywhere_names_the_fix():
    with pytest.raises(ConfigError) as info:
        find_font(None, fc_list=lambda: [], known=(Path("/nonexistent/wqy-microhei.ttc"),))
    message = str(info.value)
    assert message == FONT_HELP
    assert "make system-deps" in message
    assert "fonts-wqy-microhei" in message and "fonts-noto-cjk" in message
    assert "TWEETPULSE_RENDER__FONT_PATH" in message


def test_a_configured_font_that_is_missing_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match=r"render.font_path .*missing.ttf is not a font file"):
        find_font(tmp_path / "missing.ttf")


def test_the_configured_font_wins(tmp_path):
    mine = tmp_path / "mine.ttf"
    mine.write_bytes(b"x")
    assert find_font(mine, fc_list=lambda: ["/other.ttf"]) == mine


def test_fontconfig_is_asked_and_known_fonts_preferred(tmp_path):
    first, known = tmp_path / "a.otf", tmp_path / "wqy.ttc"
    first.write_bytes(b"x")
    known.write_bytes(b"x")
    listed = [str(first), str(known), str(tmp_path / "gone.ttf"), "/x/readme.txt"]
    assert find_font(None, fc_list=lambda: listed, known=(known,)) == known
    assert find_font(None, fc_list=lambda: listed, known=()) == first
    assert find_font(None, fc_list=lambda: [], known=(tmp_path / "no.ttc", known)) == known


def test_a_font_without_chinese_glyphs_is_refused():
    latin = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    if not latin.is_file():
        pytest.skip("DejaVuSans (fonts-dejavu-core) is not installed")
    with pytest.raises(ConfigError, match="has no Chinese glyphs"):
        WordCloudRenderer(latin, width=200, height=200, max_words=10)


def test_a_file_that_is_no_font_is_refused(tmp_path):
    bogus = tmp_path / "bogus.ttf"
    bogus.write_bytes(b"not a font")
    with pytest.raises(ConfigError, match="cannot load font"):
        WordCloudRenderer(bogus, width=200, height=200, max_words=10)


# ---------------------------------------------------------------------------- the image


def test_the_cloud_is_a_real_jpeg_of_the_configured_size_and_not_blank(renderer):
    terms = [tw(t, w) for t, w in [("人工智能", 30), ("ChatGPT", 25), ("大模型", 20), ("开源", 9)]]
    data = renderer(terms)
    assert data is not None and data[:3] == b"\xff\xd8\xff"
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    assert image.size == (320, 240)
    gray = image.convert("L")
    dark = sum(gray.histogram()[:200])
    assert dark > 0.02 * 320 * 240, dark  # words were drawn, not just a white page
    assert ImageStat.Stat(gray).mean[0] > 150  # on a white background


def test_the_same_terms_draw_the_same_bytes(renderer):
    terms = [tw(f"词语{i}", i + 1) for i in range(40)] + [tw("OpenAI", 50)]
    assert renderer(terms) == renderer(list(reversed(terms)))


def test_nothing_drawable_means_no_image(renderer):
    assert renderer([]) is None
    assert renderer([tw("2023"), tw("https://t.co/x"), tw("@a"), tw("😀😀")]) is None


def test_two_hundred_terms_draw_within_a_few_seconds(renderer):
    import time

    terms = [tw(f"术语{i}" if i % 2 else f"term{i}x", 200 - i) for i in range(200)]
    started = time.perf_counter()
    data = renderer(terms)
    assert data is not None
    assert time.perf_counter() - started < 10


def test_plurals_are_left_to_classify() -> None:
    # One rule in one place: classify's aliases.py makes "models" "模型" and "GPUs" "GPU"; render
    # merges case variants only, so a plural that reaches it is drawn as it came.
    terms = [tw("model", 5), tw("Model", 4), tw("models", 2), tw("GPUs", 3)]
    assert clean_terms(terms, limit=10) == [("model", 9.0), ("GPUs", 3.0), ("models", 2.0)]
