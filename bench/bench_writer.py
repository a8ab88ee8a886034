"""Benchmark: how the extractive writer's post reads on the bundled sample (issue 9).

Runs ``tweetpulse run`` (embedded, extractive writer) on ``samples/tweets-2026-01-02.csv``, or
reads a post already written (``--post``, e.g. one from an older build, for a before/after), and
prints, from the post as a reader sees it:

- how often "互动量" appears (a statistics dump says it on every line);
- quotes cut inside a word ("It will…", "Wild sta…"), checked against the sample's tweets;
- the most core points that share one sentence template (a sentence with its quotes, handles,
  numbers, Latin words and 「labels」 blanked out), and that template;
- links to tweets and the distinct tweets they point to;
- which of the issue's 13 named sample stories appear as a core point or a key event.

    python -m bench.bench_writer [--post PATH] [--input CSV]
"""

from __future__ import annotations

import argparse
import csv
import html
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "tweets-2026-01-02.csv"

STORIES: tuple[tuple[str, str], ...] = (
    ("Claude Skills (39 guides)", r"Claude Skills"),
    ("Learn Your Way (78% vs 67%)", r"Learn Your Way"),
    ("IQuest's 40B code model", r"IQuest"),
    ("DeepSeek's Transformer work", r"DeepSeek[^\n]{0,60}(Transformer|残差|residual)"),
    ("Gemini Code Wiki", r"Code Wiki"),
    ("AGI Mobile", r"AGI Mobile"),
    ("MIT CSAIL's RLM", r"RLM|递归语言模型|recursive language model"),
    ("semantic collapse", r"semantic collapse|语义崩溃"),
    ("the IMO hints", r"\bIMO\b|数学奥林匹克|Olympiad"),
    (
        "ByteDance's $14B H200 budget",
        r"(ByteDance|字节跳动)[^\n]{0,80}(14B|140 ?亿)|(14B|140 ?亿)[^\n]{0,80}(ByteDance|字节跳动)",
    ),
    (
        "the 2 million H200 orders",
        r"(2M|2 million|200 ?万|two million)[^\n]{0,40}H200|H200[^\n]{0,60}(2M|2 million|200 ?万)",
    ),
    ("Korea's 100B+ models", r"100B\+"),
    ("Samsung +124% / SK Hynix +280% / Kospi +76%", r"124%|280%|Kospi|KOSPI"),
)

_QUOTE = re.compile(r"“(.*?)”")
_BLOCKQUOTE = re.compile(r"^\s*> (.*?)（[^（]*）\s*$", re.M)
_LINK = re.compile(r"\]\((https://x\.com/[^)\s]+/status/(\d+))\)")
_POINT = re.compile(r"^(\d+)\. \*\*(.*)\*\*\s*$")


_CLI = (sys.executable, "-m", "services.cli", "run")


def write_post(input_csv: Path) -> str:
    """The post ``tweetpulse run`` writes for ``input_csv`` (one window)."""
    with tempfile.TemporaryDirectory() as site:
        subprocess.run(
            [*_CLI, "--input", str(input_csv), "--site", site, "--quiet"],
            check=True,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        [post] = sorted(Path(site, "_posts").glob("*.md"))
        return post.read_text(encoding="utf-8")


def tweet_texts(input_csv: Path) -> list[str]:
    """The sample's tweet texts, one line each, links out (as quotes carry them)."""
    with input_csv.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    texts = []
    for row in rows:
        text = re.sub(r"https?://\S+", " ", row.get("text") or "")
        texts.append(" ".join(re.sub(r"^RT @\w+:\s*", "", text).split()))
    return texts


def section(post: str, start: str, end: str) -> str:
    """The post's text between two headings."""
    head = post.split(start, 1)
    return head[1].split(end, 1)[0] if len(head) == 2 else ""


def core_points(post: str) -> list[tuple[str, str]]:
    """``(title, body)`` of each core point."""
    text = section(post, "### 核心信息", "## 详细分析部分")
    points: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        found = _POINT.match(line)
        if found:
            points.append((found.group(2), []))
        elif points and line.strip() and not line.strip().startswith(("来源：", ">")):
            points[-1][1].append(line.strip())
    return [(html.unescape(t), html.unescape(" ".join(b))) for t, b in points]


def mid_word_cuts(post: str, texts: list[str]) -> list[str]:
    """Quotes that end "…" where the tweet goes on inside the same word."""
    plain = html.unescape(post)
    quotes = _QUOTE.findall(plain) + _BLOCKQUOTE.findall(plain)
    cuts = []
    for q in quotes:
        if not q.endswith("…"):
            continue
        head = q[:-1]
        for text in texts:
            at = text.find(head)
            if at < 0 or at + len(head) >= len(text):
                continue
            after = text[at + len(head)]
            if head[-1:].isalnum() and after.isalnum() and head[-1:].isascii() and after.isascii():
                cuts.append(q[-30:])
            break
    return cuts


def skeleton(sentence: str) -> str:
    """A sentence with what changes from story to story blanked out."""
    s = re.sub(r"“.*?”|※", "〃", sentence)
    s = re.sub(r"「[^」]*」", "「」", s)
    s = re.sub(r"@\w+", "@", s)
    s = re.sub(r"[A-Za-z][\w'.&-]*(?:\s+[A-Za-z][\w'.&-]*)*", "W", s)
    s = re.sub(r"[+-]?\d+(?:[.,]\d+)*%?", "N", s)
    return re.sub(r"\s+", "", s)


def template_reuse(points: list[tuple[str, str]]) -> tuple[int, str]:
    """The most core points one sentence template appears in, and the template."""
    seen: Counter[str] = Counter()
    for _, body in points:
        blanked = re.sub(r"“.*?”", "※", body)
        sentences = {skeleton(s) for s in re.split(r"(?<=[。！？])", blanked) if s.strip()}
        seen.update(sentences)
    if not seen:
        return 0, ""
    template, n = seen.most_common(1)[0]
    return n, template


def links(post: str) -> tuple[int, int]:
    """Links to tweets, and the distinct tweets they point to."""
    found = _LINK.findall(post)
    return len(found), len({tweet_id for _, tweet_id in found})


def named_stories(post: str, points: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Each named story and where it appears: ``core point N``, ``key event`` or ``missing``."""
    events = html.unescape(section(post, "### 关键事件与发展", "### 个股与数字货币"))
    bullets = "\n".join(ln for ln in events.splitlines() if ln.startswith("- "))
    out = []
    for name, pattern in STORIES:
        where = [
            f"core point {n}"
            for n, (title, body) in enumerate(points, 1)
            if re.search(pattern, f"{title}\n{body}", re.I)
        ]
        if not where and re.search(pattern, bullets, re.I):
            where = ["key event"]
        out.append((name, ", ".join(where[:3]) or "missing"))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--post", type=Path, help="measure this post instead of writing one")
    parser.add_argument("--input", type=Path, default=SAMPLE)
    args = parser.parse_args()
    post = args.post.read_text(encoding="utf-8") if args.post else write_post(args.input)
    points = core_points(post)
    cuts = mid_word_cuts(post, tweet_texts(args.input))
    reuse, template = template_reuse(points)
    n_links, n_tweets = links(post)
    stories = named_stories(post, points)
    print(f"core points                  {len(points)}")
    print(f'"互动量" in the post          {post.count("互动量")}')
    print(f"quotes cut mid-word          {len(cuts)}" + (f"  e.g. {cuts[0]!r}" if cuts else ""))
    print(f"max core points per template {reuse}  ({template})")
    print(f"links to tweets              {n_links} links, {n_tweets} distinct tweets")
    present = sum(1 for _, where in stories if where != "missing")
    print(f"named sample stories         {present}/{len(stories)}")
    for name, where in stories:
        print(f"  {name:<46} {where}")


if __name__ == "__main__":
    main()
