"""The word cloud: which font draws it, which terms may appear in it, and the JPEG itself.

Terms arrive already segmented, but render filters them again because the image is the one part
of the post that no escaping protects: a URL, an @handle, a bare number, a markdown mark or a
character the font cannot draw (a tofu box) would be printed into the picture as it is.
"""

from __future__ import annotations

import io
import logging
import math
import re
import shutil
import subprocess
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from random import Random
from typing import TYPE_CHECKING, Any, Protocol

from shared.errors import ConfigError
from shared.models import TermWeight

if TYPE_CHECKING:
    from PIL.ImageFont import FreeTypeFont

log = logging.getLogger(__name__)

KNOWN_FONT_PATHS: tuple[Path, ...] = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"),
    Path("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc"),
    Path("/System/Library/Fonts/PingFang.ttc"),
    Path("/Library/Fonts/Arial Unicode.ttf"),
)
"""Where the Debian packages fonts-wqy-microhei / fonts-wqy-zenhei / fonts-noto-cjk (and macOS) put
a font that draws Chinese, in order of preference."""

FONT_HELP = (
    "no font that can draw Chinese was found for the word cloud: run `make system-deps` "
    "(it installs the Debian package fonts-wqy-microhei; fonts-noto-cjk works too), "
    "or set TWEETPULSE_RENDER__FONT_PATH to a .ttf/.ttc/.otf font with CJK glyphs"
)

_STOPWORD_TEXT = """
    的 了 是 在 和 与 及 或 也 就 都 而 着 被 把 让 对 从 到 为 以 于 之 其 这 那 有 没 不 很 还 又
    我 你 他 她 它 我们 你们 他们 她们 它们 自己 这个 那个 这些 那些 这样 那样 什么 怎么 为什么
    一个 一些 没有 可以 可能 已经 因为 所以 但是 如果 虽然 而且 并且 然后 还是 或者 以及 就是
    不是 只是 还有 这种 那种 通过 进行 表示 认为 今天 现在 目前 非常 更加 一下 一样 这里 那里
    a an the and or but if then so of to in on at by for with from as is are was were be been
    being am do does did done have has had having it its it's this that these those there here
    i me my we our you your he him his she her they them their what which who whom whose when
    where why how all any both each few more most other some such no nor not only own same than
    too very can will just don't should now would could also about into over after before under
    again further once up down out off get got make made like one two new via rt amp http https
    www com co t.co lol im i'm u ur yes yeah oh ok okay thing things really still even much many
    way well going know think see say said people time day today year years
"""
STOPWORDS: frozenset[str] = frozenset(_STOPWORD_TEXT.split())
"""Words too common to mean anything in a cloud, Chinese and English (casefolded)."""

_URL = re.compile(
    r"://|^www\.|/|\.(?:com|org|net|cn|ly|gg|xyz|info)\b",
    re.IGNORECASE,
)
# A number with at most a unit: "14B", "1.5M", "3x", "2026年", "140亿美元", "+124%".
_NUMBER = re.compile(r"[+\-]?[\d.,]+(?:[A-Za-z]{1,2}|[%万亿千百十个年月日号倍元美刀块]+)?")
# Inside a term only letters, marks, digits and a few joiners may appear ("GPT-4", "Node.js",
# "AT&T", "C++", "it's", "machine learning"); anything else is markup or noise.
_JOINERS = frozenset(" -.'’&+·")
_MIN_LEN = 2
_MAX_LEN = 30

_PALETTE = (
    "#1f4e79",
    "#2e75b6",
    "#c0392b",
    "#548235",
    "#b9770e",
    "#7030a0",
    "#d35400",
    "#16a085",
    "#34495e",
)


class CloudRenderer(Protocol):
    """Draws a word cloud: JPEG bytes, or None when no term can be drawn."""

    def __call__(self, terms: Sequence[TermWeight]) -> bytes | None:
        """Draw the cloud for these weights."""
        ...


def _fc_list_zh() -> list[str]:
    """Font files fontconfig says support Chinese; empty without fontconfig."""
    exe = shutil.which("fc-list")
    if exe is None:
        return []
    try:
        done = subprocess.run(  # noqa: S603  (fixed arguments, no shell)
            [exe, ":lang=zh", "--format", "%{file}\n"],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        log.warning("fc-list failed: %s", exc)
        return []
    return [line.strip() for line in done.stdout.splitlines() if line.strip()]


def find_font(
    configured: Path | None,
    *,
    fc_list: Callable[[], list[str]] = _fc_list_zh,
    known: Sequence[Path] = KNOWN_FONT_PATHS,
) -> Path:
    """The font to draw with: the configured one, else one fontconfig or a known path offers."""
    if configured is not None:
        if not configured.is_file():
            raise ConfigError(f"render.font_path {configured} is not a font file; {FONT_HELP}")
        return configured
    listed = [Path(p) for p in fc_list() if p.lower().endswith((".ttf", ".ttc", ".otf"))]
    listed_set = set(listed)
    # prefer a font we know draws both scripts well, then whatever fontconfig lists first
    for path in known:
        if path in listed_set and path.is_file():
            return path
    for path in sorted(listed):
        if path.is_file():
            return path
    for path in known:
        if path.is_file():
            return path
    raise ConfigError(FONT_HELP)


class GlyphCheck:
    """Tells whether a font has a real glyph for every character of a term.

    Pillow has no cmap lookup, so a character counts as missing when it renders exactly like a
    private-use code point, i.e. like the font's ``.notdef`` glyph (the tofu box).
    """

    _PROBE = "\ue000"

    def __init__(self, font: FreeTypeFont) -> None:
        self._font = font
        self._notdef = self._shape(self._PROBE)
        self._known: dict[str, bool] = {}

    def _shape(self, char: str) -> tuple[tuple[int, int], bytes]:
        mask = self._font.getmask(char)
        return mask.size, bytes(mask)

    def has(self, char: str) -> bool:
        """True when the font draws this character with a glyph of its own."""
        if char.isspace():
            return True
        hit = self._known.get(char)
        if hit is None:
            hit = self._shape(char) != self._notdef
            self._known[char] = hit
        return hit

    def __call__(self, term: str) -> bool:
        """True when the font draws every character of the term."""
        return all(self.has(char) for char in term)


def normalize_term(raw: str) -> str | None:
    """The term as it may appear in the cloud, or None when it must not appear at all."""
    term = " ".join(unicodedata.normalize("NFKC", raw).split())
    if not term or term.startswith("@") or _URL.search(term):
        return None
    # hashtags, cashtags, quotes and markdown marks around a word: keep the word
    while term and unicodedata.category(term[0])[0] in "PS":
        term = term[1:]
    while term and unicodedata.category(term[-1])[0] in "PS" and term[-1] != "+":
        term = term[:-1]
    term = term.strip()
    if not _MIN_LEN <= len(term) <= _MAX_LEN:
        return None
    if _NUMBER.fullmatch(term) or not any(unicodedata.category(c)[0] == "L" for c in term):
        return None  # bare numbers, percentages, money
    if any(unicodedata.category(c)[0] not in "LMN" and c not in _JOINERS for c in term):
        return None
    if term.casefold() in STOPWORDS:
        return None
    return term


def clean_terms(
    terms: Iterable[TermWeight],
    *,
    limit: int,
    drawable: Callable[[str], bool] = lambda _term: True,
) -> list[tuple[str, float]]:
    """The terms fit to draw, heaviest first, at most ``limit``; case variants are merged.

    Aliases and plurals are merged where terms are made (``services/classify/aliases.py``) and
    weighed in summarize (``services/summarize/terms.py``): what arrives is one term per thing."""
    merged: dict[str, tuple[str, float, float]] = {}  # casefold -> (shown, its weight, total)
    for item in terms:
        if not math.isfinite(item.weight) or item.weight <= 0:
            continue
        term = normalize_term(item.term)
        if term is None:
            continue
        key = term.casefold()
        shown, best, total = merged.get(key, (term, 0.0, 0.0))
        if item.weight > best or (item.weight == best and term < shown):
            shown, best = term, item.weight
        merged[key] = (shown, best, total + item.weight)
    ranked = sorted(((s, total) for s, _b, total in merged.values()), key=lambda t: (-t[1], t[0]))
    kept: list[tuple[str, float]] = []
    for term, weight in ranked:
        if len(kept) >= limit:
            break
        if drawable(term):
            kept.append((term, weight))
        else:
            log.debug("word cloud: font cannot draw %r, dropped", term)
    return kept


def _palette_color(
    word: str,
    font_size: int,
    position: tuple[int, int],
    orientation: Any,
    random_state: Random | None = None,
    **_: Any,
) -> str:
    rng = random_state if random_state is not None else Random(word)  # noqa: S311
    return rng.choice(_PALETTE)


class WordCloudRenderer:
    """Draws the cloud with the ``wordcloud`` package into a JPEG; same input, same bytes."""

    def __init__(
        self,
        font_path: Path,
        *,
        width: int,
        height: int,
        max_words: int,
        quality: int = 90,
        seed: int = 20260102,
    ) -> None:
        from PIL import ImageFont  # Pillow loads the font here, never at import

        try:
            probe = ImageFont.truetype(str(font_path), 24)
        except OSError as exc:
            raise ConfigError(f"cannot load font {font_path}: {exc}; {FONT_HELP}") from exc
        self.glyphs = GlyphCheck(probe)
        if not self.glyphs("中文"):
            raise ConfigError(f"font {font_path} has no Chinese glyphs; {FONT_HELP}")
        self.font_path = font_path
        self.width = width
        self.height = height
        self.max_words = max_words
        self.quality = quality
        self.seed = seed

    def terms(self, terms: Iterable[TermWeight]) -> list[tuple[str, float]]:
        """The terms this renderer would draw, heaviest first."""
        return clean_terms(terms, limit=self.max_words, drawable=self.glyphs)

    def __call__(self, terms: Sequence[TermWeight]) -> bytes | None:
        """JPEG bytes of the cloud, or None when no term survives filtering."""
        kept = self.terms(terms)
        if not kept:
            return None
        from wordcloud import WordCloud  # numpy + matplotlib: only when a cloud is drawn

        cloud = WordCloud(
            font_path=str(self.font_path),
            width=self.width,
            height=self.height,
            background_color="white",
            random_state=self.seed,
            max_words=len(kept),
            prefer_horizontal=0.9,
            relative_scaling=0.5,
            min_font_size=8,
            margin=4,
            color_func=_palette_color,
            collocations=False,
            normalize_plurals=False,
            include_numbers=True,
        )
        cloud.generate_from_frequencies(dict(kept))
        buf = io.BytesIO()
        cloud.to_image().convert("RGB").save(buf, "JPEG", quality=self.quality, optimize=True)
        return buf.getvalue()
