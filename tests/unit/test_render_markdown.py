"""Escaping plain text for Liquid + kramdown + HTML, and which links are trusted."""

from __future__ import annotations

import html

import pytest

from services.render import markdown as md


@pytest.mark.parametrize(
    ("plain", "escaped"),
    [
        ("多模态交互成为焦点。", "多模态交互成为焦点。"),
        ("GPT-4 (2023) at 50% off", "GPT-4 (2023) at 50% off"),
        ("{{ site.time }}", "&#123;&#123; site.time &#125;&#125;"),
        ("{% include x %}", "&#123;% include x %&#125;"),
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("[click](javascript:alert(1))", "&#91;click&#93;(javascript:alert(1))"),
        ("**bold** _it_ `code`", "&#42;&#42;bold&#42;&#42; &#95;it&#95; &#96;code&#96;"),
        ("# heading", "&#35; heading"),
        ("| a | b |", "&#124; a &#124; b &#124;"),
        ("- item", "&#45; item"),
        ("+ item", "&#43; item"),
        ("1. item", "1&#46; item"),
        ("12) item", "12&#41; item"),
        ("> quote", "&gt; quote"),
        (": definition", "&#58; definition"),
        ("a -- b --- c ... d", "a &#45;- b &#45;&#45;- c &#46;&#46;. d"),
        ("$$x$$ ~~s~~ ^ !", "&#36;&#36;x&#36;&#36; &#126;&#126;s&#126;&#126; &#94; &#33;"),
        ('it\'s "quoted" \\n', "it&#39;s &quot;quoted&quot; &#92;n"),
        ("&amp; stays text", "&amp;amp; stays text"),
        ("  line one\n- line two\n\n    code  ", "line one - line two code"),
        ("bidi\u202eevil\u0000", "bidievil"),
        ("   ", ""),
    ],
)
def test_text_escapes_every_mark_and_keeps_the_text(plain, escaped):
    out = md.text(plain)
    assert out == escaped
    assert isinstance(out, md.Md)


@pytest.mark.parametrize("plain", ["{{ x }}", "<b>&</b>", "- a -- b ... c", "1. x", "\u4e2d [^1]"])
def test_escaped_text_reads_back_as_the_original(plain):
    assert html.unescape(md.text(plain)) == plain


@pytest.mark.parametrize(
    ("url", "target"),
    [
        ("https://x.com/sam_altman/status/1", "https://x.com/sam_altman/status/1"),
        ("HTTPS://x.com/a", "HTTPS://x.com/a"),
        ("https://e.x/a b)c(d", "https://e.x/a%20b%29c%28d"),
        ('https://e.x/{{site.time}}|<x>"`', "https://e.x/%7B%7Bsite.time%7D%7D%7C%3Cx%3E%22%60"),
        ("https://e.x/[x]", "https://e.x/%5Bx%5D"),
        ("  https://e.x/trim  ", "https://e.x/trim"),
        ("http://e.x/", None),
        ("javascript:alert(1)", None),
        (" javascript:alert(1)//https://", None),
        ("data:text/html,<script>", None),
        ("https://", None),
        ("", None),
        (None, None),
    ],
)
def test_only_https_urls_are_trusted_and_they_cannot_break_the_link(url, target):
    assert md.safe_url(url) == target


def test_link_escapes_its_label_and_drops_an_untrusted_target():
    assert md.link("@a_b", "https://x.com/a_b") == "[@a&#95;b](https://x.com/a_b)"
    assert md.link("@x]", "javascript:alert(1)") == "@x&#93;"


def test_bold_italic_and_join():
    assert md.bold("**x**") == "**&#42;&#42;x&#42;&#42;**"
    assert md.italic("注") == "*注*"
    assert md.bold(" ") == "" and md.italic("") == ""
    assert md.join([md.Md("a"), md.Md("b")], " · ") == "a · b"
    assert md.join([md.Md("a"), md.Md("b")], " | ") == "a &#124; b"


def test_truncate_cuts_on_characters_and_marks_the_cut():
    assert md.truncate("短文本", 10) == "短文本"
    assert md.truncate("一二三四五六", 4) == "一二三…"
    assert md.truncate("a\n\nb", 10) == "a b"


def test_emit_escapes_what_is_not_already_markdown():
    assert md.emit("<b>") == "&lt;b&gt;"
    assert md.emit(md.Md("<b>")) == "<b>"
    assert md.emit(10) == 10
