"""Benchmark: the classify handler, tweets per second on one core, segmentation included.

Runs the classifier the service builds (rules and the trained model) and, in the same run and
interleaved with it so that the machine's noise falls on both alike, the rules alone. Three
inputs: the real 3,000-tweet CSV at ``../shared/data`` and the bundled sample corpus
(both read here with the csv module, every row with a text, malformed or not), and a generated
mixed set, half Chinese and half English, whose Chinese sentences are assembled from random
clauses (every text distinct, so it measures a first sight of each). Each run starts with the
classifier's memo of recent texts empty and calls ``handle`` on every tweet, jieba segmentation
and the full ``TweetClassified`` included. Prints the median of ``--repeat`` runs, for each input and for the
mixed set's Chinese half alone, with and without the model and their ratio, and how many tweets
of the two corpora got each category. Target: 10,000 tweets/s or more with the model.

    python -m bench.bench_classify [--repeat 5] [--synthetic 5000]
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from services.classify.bootstrap import build_classifier, build_deps
from services.classify.handler import ClassifyDeps, handle
from services.classify.taxonomy import load_taxonomy
from shared.heap import freeze_built
from shared.models import Author, TweetIngested
from shared.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
CSV_PATH = ROOT.parent / "shared" / "data" / "chatgpt-tweets-2023-04-27.csv"
SAMPLE_PATH = ROOT / "samples" / "tweets-2026-01-02.csv"
TARGET = 10_000.0
_NOW = datetime(2026, 1, 2, 8, 0, tzinfo=UTC)

_ZH_SUBJECTS = [
    "英伟达",
    "字节跳动",
    "谷歌",
    "微软",
    "OpenAI",
    "Anthropic",
    "三星",
    "SK海力士",
    "台积电",
    "百度",
    "阿里巴巴",
    "腾讯",
    "深度求索",
    "一家初创公司",
    "韩国科技部",
    "斯坦福大学的研究团队",
    "多位开发者",
    "国内用户",
    "投资者",
    "分析师",
]
_ZH_VERBS = [
    "发布了",
    "推出了",
    "宣布",
    "计划投资",
    "开源了",
    "正在测试",
    "大幅提升了",
    "重新设计了",
    "收购了",
    "下调了",
    "批评了",
    "看好",
    "担心",
    "讨论了",
    "展示了",
    "升级了",
]
_ZH_OBJECTS = [
    "新一代多模态大模型",
    "智能体平台",
    "代码生成工具",
    "长上下文推理能力",
    "AI芯片订单",
    "数据中心扩建计划",
    "开源权重",
    "教育应用",
    "企业级客服系统",
    "人形机器人",
    "算力租赁业务",
    "模型安全评估框架",
    "混合专家架构",
    "量化推理方案",
    "高带宽内存产能",
    "具身智能研究",
    "监管政策草案",
    "比特币挖矿业务",
]
_ZH_TAILS = [
    "股价随之上涨",
    "市场反应平淡",
    "股价大跌",
    "引发广泛讨论",
    "社区评价很高",
    "被认为是重大突破",
    "但成本仍然很高",
    "预计明年落地",
    "推理效率提升三倍",
    "估值超过千亿美元",
    "多家券商上调目标价",
    "开发者纷纷试用",
    "对就业的影响仍有争议",
    "用户体验明显改善",
    "比特币价格创新高",
    "韩国综合指数全年上涨",
]
_ZH_FIGURES = [
    "",
    "",
    "增长76%",
    "融资140亿美元",
    "投入2000亿元",
    "+124%",
    "同比增长3倍",
    "达到280%",
]
_EN_SUBJECTS = [
    "NVIDIA",
    "OpenAI",
    "Google",
    "Anthropic",
    "Microsoft",
    "Meta",
    "Samsung",
    "a YC startup",
    "Researchers at MIT",
    "ByteDance",
    "Tesla",
    "DeepSeek",
    "Apple",
    "Amazon",
    "The EU",
]
_EN_VERBS = [
    "just released",
    "is testing",
    "open-sourced",
    "raised $14B for",
    "unveiled",
    "is rolling out",
    "benchmarked",
    "delayed",
    "plans to spend $2 billion on",
    "warned about",
    "acquired",
]
_EN_OBJECTS = [
    "a new multimodal model",
    "an AI agent framework",
    "GPT-4o level coding assistant",
    "H200 GPUs",
    "a 100B parameter LLM",
    "its AI safety policy",
    "a long-context inference engine",
    "an education app for students",
    "enterprise copilots",
    "a humanoid robot",
    "Claude 3.5 Sonnet",
    "DeepSeek-V3 weights",
    "a Bitcoin trading bot",
    "HBM memory chips",
]
_EN_TAILS = [
    "and the stock surged 8% today",
    "$NVDA $MSFT",
    "shares fell after earnings missed estimates",
    "huge if true",
    "this changes everything for developers",
    "thread below",
    "#AI #LLM",
    "#crypto $BTC pumping",
    "not bullish at all",
    "Kospi up 76% this year",
    "what do you think?",
    "the benchmark results are wild",
    "lol",
    "via @techcrunch",
]


def _msg(tweet_id: str, text: str, username: str = "bench") -> TweetIngested:
    return TweetIngested(
        tweet_id=tweet_id,
        text=text,
        created_at=_NOW,
        observed_at=_NOW,
        author=Author(username=username or "unknown"),
        source="file:bench",
    )


def real_tweets() -> list[TweetIngested] | None:
    """The real CSV's tweets, or None when ``../shared/data`` is absent."""
    if not CSV_PATH.is_file():
        return None
    with CSV_PATH.open(encoding="utf-8-sig", newline="") as fh:
        return [
            _msg(row["id"], row["text"], row["screenName"])
            for row in csv.DictReader(fh)
            if row["text"].strip()
        ]


def sample_tweets() -> list[TweetIngested]:
    """The bundled sample corpus: every row that has a text (its broken rows included)."""
    with SAMPLE_PATH.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))[1:]
    return [_msg(str(i), row[4], row[2]) for i, row in enumerate(rows) if len(row) > 4 and row[4]]


def category_counts(deps: ClassifyDeps, tweets: list[TweetIngested]) -> str:
    """How many tweets got each category, and how many got none."""
    counts: Counter[str] = Counter()
    for msg in tweets:
        cats: list[str] = list(handle(msg, deps=deps)[0].categories)
        counts.update(cats or ["none"])
    return ", ".join(f"{c} {counts[c]}" for c in ("ai", "finance", "crypto", "none"))


def synthetic_tweets(count: int, *, seed: int = 7) -> list[TweetIngested]:
    """A mixed set: half Chinese (several random clauses each), half English."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        if i % 2 == 0:
            clauses = [
                rng.choice(_ZH_SUBJECTS) + rng.choice(_ZH_VERBS) + rng.choice(_ZH_OBJECTS)
                for _ in range(rng.randint(1, 3))
            ]
            text = (
                "，".join(clauses) + rng.choice(_ZH_FIGURES) + "，" + rng.choice(_ZH_TAILS) + "。"
            )
            if rng.random() < 0.5:
                text += " https://t.co/" + "".join(rng.choices("abcdefXYZ0123", k=10))
            if rng.random() < 0.3:
                text = "RT @user" + str(rng.randint(1, 999)) + ": " + text
        else:
            text = " ".join(
                [
                    rng.choice(_EN_SUBJECTS),
                    rng.choice(_EN_VERBS),
                    rng.choice(_EN_OBJECTS),
                    rng.choice(_EN_TAILS),
                ]
            )
            if rng.random() < 0.5:
                text += " https://t.co/" + "".join(rng.choices("abcdefXYZ0123", k=10))
            if rng.random() < 0.2:
                text = "@someone " + text
        out.append(_msg(str(10_000_000 + i), text))
    return out


def measure(
    deps: ClassifyDeps, rules: ClassifyDeps, tweets: list[TweetIngested], repeat: int
) -> tuple[float, float]:
    """Median tweets per CPU second over ``repeat`` runs, with the model and with the rules alone."""
    rates: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for which, d in enumerate((deps, rules)):
            # Each run reads the input as a fresh stream: the classifier's memo of recent texts
            # starts empty, so only a text repeated within the input is answered from it.
            d.classifier.forget()
            # CPU time of this process, not wall time: the machine is shared, and a core lent
            # to another process for a moment is not the handler's cost
            start = time.process_time()
            for msg in tweets:
                handle(msg, deps=d)
            rates[which].append(len(tweets) / (time.process_time() - start))
    return statistics.median(rates[0]), statistics.median(rates[1])


def main() -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--synthetic", type=int, default=5_000, help="Tweets in the mixed set.")
    args = parser.parse_args()

    start = time.perf_counter()
    deps = build_deps(Settings())
    print(
        f"build_deps (taxonomy, jieba dictionary, matchers, model): "
        f"{time.perf_counter() - start:.2f} s"
    )
    rules = ClassifyDeps(classifier=build_classifier(load_taxonomy(), model=None))
    freeze_built()  # as a worker does once its deps are built (shared.heap)

    sets: list[tuple[str, list[TweetIngested]]] = []
    real = real_tweets()
    if real is None:
        print(f"real CSV: skipped, {CSV_PATH} is absent")
    else:
        sets.append((f"real CSV ({len(real)} tweets)", real))
    sample = sample_tweets()
    sets.append((f"sample corpus ({len(sample)} tweets)", sample))
    synthetic = synthetic_tweets(args.synthetic)
    chinese = [m for m in synthetic if not m.text.isascii()]
    sets.append((f"synthetic zh/en ({len(synthetic)} tweets)", synthetic))
    sets.append((f"  its Chinese half ({len(chinese)} tweets)", chinese))

    ok = True
    print(
        f"classify handler, one core, median of {args.repeat} runs "
        f"(target {TARGET:,.0f}/s with the model)"
    )
    print(f"  {'':<36} {'with model':>12} {'rules only':>12} {'ratio':>6}")
    for name, tweets in sets:
        rate, bare = measure(deps, rules, tweets, args.repeat)
        ok = ok and rate >= TARGET
        verdict = "ok" if rate >= TARGET else "BELOW TARGET"
        print(f"  {name:<36} {rate:>12,.0f} {bare:>12,.0f} {rate / bare:>6.2f}  {verdict}")
    print("categories")
    for name, tweets in sets[:-2]:
        print(f"  {name:<36} {category_counts(deps, tweets)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
