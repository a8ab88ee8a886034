"""Generate N synthetic tweets for one day (2026-01-02, Asia/Shanghai) in the sample's CSV format.

    python -m bench.gen_tweets --count 100000 --out bench/data/tweets-100k.csv [--seed 7]

Same columns as ``samples/tweets-2026-01-02.csv``, streamed row by row so memory stays flat.
Deterministic: the same ``--count`` and ``--seed`` give the same bytes. About 60% AI tweets
(English and ~35% Chinese), 20% retweets of earlier rows (a few hot originals many times), 6%
near-duplicates, plus replies, off-topic chatter, spam and a handful of broken lines.

Texts are templates over a vocabulary that keeps growing with N: new model, product and company
names are coined as the stream goes on (a Heaps'-law tail behind a popular head), so term tallies
and clusters grow with the input as they would on a real stream. No crypto words are used.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import re
import sys
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from random import Random
from typing import TextIO

SEED = 20260102
COLUMNS = (
    "id",
    "created_at",
    "username",
    "name",
    "text",
    "lang",
    "like_count",
    "retweet_count",
    "reply_count",
    "quote_count",
    "view_count",
)
DAY_START = datetime(2026, 1, 1, 16, 0, 0, tzinfo=UTC)  # 2026-01-02 00:00 in Asia/Shanghai
DAY_MS = 86_400_000
SNOWFLAKE_EPOCH_MS = 1_288_834_974_657
# Activity by Shanghai local hour (English and Chinese combined).
HOURLY = (9, 8, 7, 6, 5, 4, 3, 4, 6, 8, 9, 9, 8, 8, 9, 9, 8, 7, 7, 8, 10, 11, 11, 10)
OVERSIZED_CHARS = 30_000

# Coined names must never spell something the crypto rules would match.
_LINK = re.compile(r"https://t\.co/\w+")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_CRYPTO = re.compile(r"coin|token|eth|btc|nft|web3|chain|defi|sol|doge|dao|swap|mint|stake|mine")

COMPANIES = (
    "OpenAI", "Anthropic", "Google", "DeepMind", "Meta", "Microsoft", "Nvidia", "AMD", "Intel",
    "TSMC", "Samsung", "SK Hynix", "Micron", "ByteDance", "Alibaba", "Tencent", "Baidu",
    "DeepSeek", "Moonshot", "Zhipu", "MiniMax", "Mistral", "Cohere", "xAI", "Apple", "Amazon",
    "Oracle", "IBM", "Naver", "LG AI Research", "Upstage", "Hugging Face", "Perplexity",
    "Databricks", "Salesforce", "ServiceNow", "Broadcom", "ASML", "Arm", "Qualcomm", "Dell",
    "Supermicro", "CoreWeave", "Groq", "Cerebras", "IQuest Labs", "AGI Mobile",
)  # fmt: skip
COMPANIES_ZH = (
    "英伟达", "谷歌", "微软", "字节跳动", "阿里巴巴", "腾讯", "百度", "华为", "三星", "SK海力士",
    "美光", "台积电", "深度求索", "月之暗面", "智谱", "小米", "商汤", "寒武纪", "中芯国际", "联想",
)  # fmt: skip
MODELS = (
    "Claude", "Gemini", "GPT-5", "Llama", "Qwen", "DeepSeek", "Kimi", "GLM", "Mistral", "Grok",
    "Gemma", "EXAONE", "HyperCLOVA X", "Solar Pro", "MiniMax", "Doubao", "ERNIE", "Hunyuan",
)  # fmt: skip
TICKERS = (
    "$NVDA", "$MU", "$TSM", "$AMD", "$AVGO", "$GOOGL", "$MSFT", "$META", "$AMZN", "$AAPL",
    "$ORCL", "$SMCI", "$ASML", "$ARM", "$INTC", "$QCOM", "$SNDK", "$WDC", "$STX", "$PLTR",
)  # fmt: skip
CHIPS = ("H200", "H20", "B200", "GB300", "MI355", "TPU v7", "Ascend 910C", "HBM4", "Trainium")
TOPICS = (
    "agents", "code generation", "inference costs", "open weights", "multimodal models", "RAG",
    "fine-tuning", "evals", "reasoning models", "long context", "robotics", "AI safety",
    "deepfakes", "AI in education", "HBM supply", "data centers", "power demand", "regulation",
    "enterprise adoption", "vibe coding", "small models", "distillation", "synthetic data",
    "world models", "quantization", "benchmarks", "sovereign AI", "AI for science",
    "speculative decoding", "context engineering", "voice assistants", "phone agents",
)  # fmt: skip
TOPICS_ZH = (
    "智能体", "代码生成", "推理成本", "开源模型", "多模态", "检索增强", "微调", "评测", "推理模型",
    "长上下文", "具身智能", "AI安全", "深度伪造", "AI教育", "存储芯片", "数据中心", "算力",
    "监管", "企业落地", "氛围编程", "小模型", "蒸馏", "合成数据", "世界模型", "量化", "主权AI",
    "科学计算", "端侧模型", "手机助手", "上下文工程",
)  # fmt: skip
TASKS = (
    "code review", "SQL", "customer support", "legal docs", "translation", "data cleaning",
    "test writing", "slide decks", "research summaries", "refactoring", "spreadsheets",
    "log analysis", "onboarding docs", "unit tests", "UI mockups", "incident reports",
)  # fmt: skip
TASKS_ZH = (
    "写代码", "做PPT", "翻译", "写周报", "查资料", "改论文", "客服", "数据清洗", "写测试",
    "读合同", "做表格", "写文案", "整理会议纪要", "画原型图",
)  # fmt: skip
VERDICTS = (
    "Surprisingly good.", "Not there yet.", "Better than I expected.", "Mixed results honestly.",
    "It's a different league.", "Fast but sloppy.", "Slow but right.", "Would pay for this.",
    "Hallucinated twice, fixed itself once.", "Solid for the price.", "Game changer for my team.",
)  # fmt: skip
VERDICTS_ZH = (
    "效果出乎意料地好。", "还差点意思。", "比预期强不少。", "一般般吧。", "速度快但是粗糙。",
    "慢但是准。", "值得付费。", "性价比很高。", "团队效率直接翻倍。", "偶尔还是会胡说。",
)  # fmt: skip
OPINIONS = (
    "The gap is closing fast.", "Benchmarks aren't everything.", "Open wins eventually.",
    "Bullish.", "Bearish on the hype, bullish on the tech.", "This changes the pricing math.",
    "Nobody is talking about this enough.", "2026 is going to be wild.", "Still early.",
    "A year in AI is a decade.", "Builders will eat this up.", "Skeptical until I see evals.",
)  # fmt: skip
OPINIONS_ZH = (
    "差距在快速缩小。", "榜单不代表一切。", "开源最终会赢。", "看多。", "这会改变定价逻辑。",
    "讨论度还远远不够。", "2026年会很精彩。", "还早。", "AI的一年相当于十年。", "等评测出来再说。",
)  # fmt: skip
EVENTS = (
    "raised guidance", "missed on margins", "announced a buyback", "signed a cloud deal",
    "cut capex", "raised capex", "won a government contract", "lost a key customer",
    "got export approval", "delayed a product", "beat estimates",
)  # fmt: skip
HASHTAGS = ("#AI", "#LLM", "#GenAI", "#AIagents", "#OpenSource", "#MachineLearning", "#semis")
HASHTAGS_ZH = ("#人工智能", "#大模型", "#AI", "#智能体", "#算力")
SYLLABLES = (
    "ve", "lo", "qua", "ra", "zen", "tri", "nov", "ax", "ka", "ri", "ro", "vex", "lum", "or",
    "pha", "sy", "dra", "mo", "xi", "ne", "tal", "cor", "bri", "flu", "gra", "hel", "ion",
    "jas", "kel", "mar", "nix", "pel", "quo", "ryn", "sta", "tor", "umb", "vi", "wel", "yar",
)  # fmt: skip
PRODUCT_KINDS = ("Studio", "Agent", "Coder", "Vision", "Wiki", "Lens", "Flow", "Pilot", "Forge")
ZH_CHARS = "星天云智灵深玄通启元鸿盘悟问言知极曜川岳澜衡枢阔朗"
ZH_KINDS = ("大模型", "智能体", "助手", "芯片", "编程助手", "推理引擎")

EN_TEMPLATES = (
    "{model} just beat {model2} on {topic} evals. {opinion} {link}",
    "{company} announces {product}, a new tool for {task}. {link}",
    "Spent the weekend testing {model} for {task}. {verdict}",
    "{ticker} {move} after {company} {event}. {opinion}",
    "Hot take: {topic} will matter more than {topic2} in 2026. {tag}",
    "{company} reportedly plans to spend ${amount}B on {chip} chips in 2026 {link}",
    "{company} up {pct}% in 2025 on {topic}. {opinion} {ticker}",
    "New paper on {topic}: {model} with {product} cuts errors by {pct}%. {link}",
    "We switched from {model} to {model2} for {task}. {verdict} {tag}",
    "Thread: what we learned shipping {product} with {model} 🧵",
    "{company} and {company2} are both betting on {topic}. Only one will be right.",
    "Is {topic} a bubble? {opinion}",
    "{product} can now do {task} end to end. {verdict} {link}",
    "Everyone is sleeping on {product}. Tried it for {task}. {verdict}",
    "Reading the {company} {topic} report tonight. {opinion}",
    "{chip} supply is the real story. {ticker} {ticker2} {opinion}",
)
ZH_TEMPLATES = (
    "{model_zh}在{topic_zh}评测上超过了{model2}，{opinion_zh} {link}",
    "{company_zh}发布{product_zh}，主打{topic_zh}。{link}",
    "用{model}{task_zh}，{verdict_zh}",
    "{company_zh}计划2026年投入{amount}0亿美元采购{chip}芯片。{opinion_zh}",
    "{company_zh}去年股价涨了{pct}%，{topic_zh}是主要推手。{opinion_zh}",
    "新论文：{topic_zh}方向，{product_zh}把错误率降低了{pct}%。{link}",
    "从{model}换成{model2}来{task_zh}，{verdict_zh}{tag_zh}",
    "{topic_zh}会不会是2026年最大的机会？{opinion_zh}",
    "{company_zh}和{company}都在押注{topic_zh}，{opinion_zh}",
    "试了{product_zh}，{task_zh}一条龙搞定，{verdict_zh}",
    "今天读了{company}关于{topic_zh}的报告，{opinion_zh}",
)
OFF_TOPIC_EN = (
    "{food} for {meal} again. {mood}",
    "{weather} in {city} today. {mood}",
    "Can't believe that {sport} game last night. {mood}",
    "Day {n} of my new year's resolution: {habit}. {mood}",
)
OFF_TOPIC_ZH = (
    "{city_zh}今天{weather_zh}，{mood_zh}",
    "{meal_zh}吃了{food_zh}，{mood_zh}",
    "新年目标第{n}天：{habit_zh}。{mood_zh}",
)
FOODS = ("Tacos", "Ramen", "Pizza", "Leftover turkey", "Pho", "Oatmeal", "Dumplings", "Curry")
MEALS = ("breakfast", "lunch", "dinner", "a midnight snack")
MOODS = ("No regrets.", "Send help.", "Perfect.", "Classic.", "😅", "❤️", "Ugh.", "Love it.")
WEATHERS = ("Snow", "Freezing rain", "Sunshine", "Fog", "Wind", "Sleet")
CITIES = ("Chicago", "London", "Toronto", "Seattle", "Boston", "Berlin", "Austin", "Denver")
SPORTS = ("football", "basketball", "hockey", "tennis", "cricket")
HABITS = ("no phone after 10pm", "run 5k", "read 20 pages", "drink more water", "learn guitar")
FOODS_ZH = ("火锅", "饺子", "麻辣烫", "螺蛳粉", "煎饼果子", "小笼包", "烤鸭")
MEALS_ZH = ("早饭", "午饭", "晚饭", "夜宵")
MOODS_ZH = ("太幸福了", "冷死了🥶", "开心😄", "有点累", "还行吧", "绝了")
WEATHERS_ZH = ("下雪了", "零下十度", "下小雨", "大晴天", "雾霾严重", "大风降温")
CITIES_ZH = ("北京", "上海", "广州", "深圳", "杭州", "成都", "武汉", "西安")
HABITS_ZH = ("跑步5公里", "早睡早起", "读书20页", "不喝奶茶", "学英语")
SPAM = (
    "🎁 GIVEAWAY 🎁 Win an iPhone 17 Pro! Follow + RT + tag 3 friends #giveaway {link}",
    "Follow back 100% guaranteed!! #followback #F4F",
    "DM me to earn $500/day from home with AI, no experience needed 💰💰 {link}",
    "Get 10K real followers in 24 hours ➡️ {link}",
    "私信我，日赚500+，AI副业，名额有限！！ {link}",
)
REPLIES = (
    "totally agree, {opinion}",
    "source? I tried {model} for {task} and it was not like that at all",
    "this is why we moved to {model2}",
    "{verdict} Same experience here.",
    "同意，{opinion_zh}",
    "求链接🙏",
    "我们用{model}也是这个感觉，{verdict_zh}",
)
TWEAKS = ("Breaking: ", "JUST IN: ", "🚨 ", "Report: ", "")
TWEAKS_ZH = ("据报道，", "快讯：", "🚨 ", "")
LINK_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
BROKEN_KINDS = (
    "empty text",
    "unparseable date",
    "non-numeric like_count",
    "control characters",
    "duplicate id",
    "too few columns",
    "missing id",
    "oversized text",
)


class _Vocab:
    """Named things that keep being coined: a popular head, a long growing tail."""

    def __init__(self, rng: Random, seeds: Sequence[str], fresh: float, make: str) -> None:
        self.rng = rng
        self.items = list(seeds)
        self.fresh = fresh  # chance that a pick coins a new name
        self.make = make

    def pick(self) -> str:
        rng = self.rng
        if not self.items or rng.random() < self.fresh:
            self.items.append(self._new())
            return self.items[-1]
        # Squaring the uniform draw favours early (popular) names.
        return self.items[int(len(self.items) * rng.random() ** 2)]

    def _new(self) -> str:
        rng = self.rng
        while True:
            if self.make == "zh":
                name = rng.choice(ZH_CHARS) + rng.choice(ZH_CHARS)
            else:
                name = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3)))
                if _CRYPTO.search(name):
                    continue
                name = name.capitalize()
            if self.make == "model":
                size = rng.choice((7, 8, 14, 32, 40, 70, 72, 110, 235, 480))
                return f"{name}-{size}B" if rng.random() < 0.6 else f"{name} {rng.randint(1, 5)}"
            if self.make == "product":
                return f"{name} {rng.choice(PRODUCT_KINDS)}"
            if self.make == "zh":
                return name + rng.choice(ZH_KINDS)
            return name + rng.choice(("", " AI", " Labs", " Systems", " Robotics"))


class Generator:
    """Yields the rows of one synthetic day, in time order."""

    def __init__(self, count: int, seed: int = SEED) -> None:
        self.count = count
        self.rng = rng = Random(seed)
        self.models = _Vocab(rng, MODELS, 0.04, "model")
        self.products = _Vocab(rng, (), 0.12, "product")
        self.companies = _Vocab(rng, COMPANIES, 0.03, "company")
        self.zh_products = _Vocab(rng, (), 0.12, "zh")
        self.authors_en = [f"user{n}_{rng.choice(SYLLABLES)}" for n in range(max(50, count // 4))]
        self.authors_zh = [f"yonghu{n}_{rng.choice(SYLLABLES)}" for n in range(max(30, count // 8))]
        self.recent: list[list[str]] = []  # originals retweets and near-duplicates draw from
        self.hot: list[list[str]] = []  # a few originals that get retweeted a lot
        self.last_valid: list[str] | None = None
        cumulative = []
        total = 0
        for weight in HOURLY:
            total += weight
            cumulative.append(total)
        self._hour_cdf = [c / total for c in cumulative]
        n_bad = 0 if count < 50 else min(len(BROKEN_KINDS), max(1, count // 100)) + count // 20_000
        self.broken = {(k + 1) * count // (n_bad + 1): k % len(BROKEN_KINDS) for k in range(n_bad)}

    # -------------------------------------------------------------- pieces

    def _ms(self, i: int) -> int:
        """Millisecond offset into the day of row ``i``: rows are spread by hourly activity."""
        u = (i + self.rng.random()) / self.count
        hour = bisect.bisect_right(self._hour_cdf, u)
        lo = self._hour_cdf[hour - 1] if hour else 0.0
        within = (u - lo) / (self._hour_cdf[hour] - lo)
        return int((hour + within) * 3_600_000)

    def _link(self) -> str:
        return "https://t.co/" + "".join(self.rng.choices(LINK_ALPHABET, k=10))

    def _slots(self) -> dict[str, str]:
        rng = self.rng
        return {
            "model": self.models.pick(),
            "model2": self.models.pick(),
            "model_zh": self.models.pick(),
            "product": self.products.pick(),
            "product_zh": self.zh_products.pick(),
            "company": self.companies.pick(),
            "company2": self.companies.pick(),
            "company_zh": rng.choice(COMPANIES_ZH),
            "topic": rng.choice(TOPICS),
            "topic2": rng.choice(TOPICS),
            "topic_zh": rng.choice(TOPICS_ZH),
            "task": rng.choice(TASKS),
            "task_zh": rng.choice(TASKS_ZH),
            "verdict": rng.choice(VERDICTS),
            "verdict_zh": rng.choice(VERDICTS_ZH),
            "opinion": rng.choice(OPINIONS),
            "opinion_zh": rng.choice(OPINIONS_ZH),
            "ticker": rng.choice(TICKERS),
            "ticker2": rng.choice(TICKERS),
            "chip": rng.choice(CHIPS),
            "event": rng.choice(EVENTS),
            "move": rng.choice(("rips", "slides", "jumps 4%", "drops 3%", "flat", "up again")),
            "amount": str(rng.randint(2, 30)),
            "pct": str(rng.choice((12, 24, 38, 45, 67, 76, 124, 180, 280))),
            "tag": rng.choice(HASHTAGS) if rng.random() < 0.5 else "",
            "tag_zh": rng.choice(HASHTAGS_ZH) if rng.random() < 0.4 else "",
            "link": self._link(),
        }

    def _off_topic(self, zh: bool) -> str:
        rng = self.rng
        if zh:
            return rng.choice(OFF_TOPIC_ZH).format(
                city_zh=rng.choice(CITIES_ZH),
                weather_zh=rng.choice(WEATHERS_ZH),
                mood_zh=rng.choice(MOODS_ZH),
                meal_zh=rng.choice(MEALS_ZH),
                food_zh=rng.choice(FOODS_ZH),
                habit_zh=rng.choice(HABITS_ZH),
                n=rng.randint(1, 3),
            )
        return rng.choice(OFF_TOPIC_EN).format(
            food=rng.choice(FOODS),
            meal=rng.choice(MEALS),
            mood=rng.choice(MOODS),
            weather=rng.choice(WEATHERS),
            city=rng.choice(CITIES),
            sport=rng.choice(SPORTS),
            habit=rng.choice(HABITS),
            n=rng.randint(1, 3),
        )

    def _counts(self) -> list[str]:
        rng = self.rng
        likes = min(int(rng.lognormvariate(1.2, 1.5)), 20_000)
        if rng.random() < 0.002:
            likes = rng.randint(2_000, 40_000)
        return [
            str(likes),
            str(int(likes * rng.uniform(0.02, 0.25))),
            str(int(likes * rng.uniform(0.0, 0.12))),
            str(int(likes * rng.uniform(0.0, 0.04))),
            str(int(likes * rng.uniform(35, 140)) + rng.randint(12, 600)),
        ]

    def _row(self, i: int, text: str, lang: str, counts: list[str] | None = None) -> list[str]:
        rng = self.rng
        ms = self._ms(i)
        created = DAY_START + timedelta(milliseconds=ms)
        # Time order plus the row number in the low bits keeps ids unique without a set.
        snowflake = ((int(DAY_START.timestamp() * 1000) + ms - SNOWFLAKE_EPOCH_MS) << 22) | (
            (rng.getrandbits(10) << 12) | (i & 0xFFF)
        )
        pool = self.authors_zh if lang == "zh" else self.authors_en
        user = pool[int(len(pool) * rng.random() ** 1.5)]
        return [
            str(snowflake),
            created.strftime("%Y-%m-%dT%H:%M:%SZ"),
            user,
            user.split("_")[0].capitalize(),
            text,
            lang,
            *(counts or self._counts()),
        ]

    # -------------------------------------------------------------- rows

    def _valid(self, i: int) -> list[str]:
        rng = self.rng
        roll = rng.random()
        zh = rng.random() < 0.35
        lang = "zh" if zh else "en"
        source = self.hot if self.hot and rng.random() < 0.5 else self.recent
        if roll < 0.20 and source:
            orig = rng.choice(source)
            text = f"RT @{orig[2]}: {orig[4]}"
            if len(text) > 140 and rng.random() < 0.3:
                text = text[:139].rstrip() + "…"
            return self._row(i, text, orig[5], ["0", orig[7], "0", "0", "0"])
        if roll < 0.26 and self.recent:
            orig = rng.choice(self.recent)
            text = _LINK.sub(self._link(), orig[4])
            text = rng.choice(TWEAKS_ZH if orig[5] == "zh" else TWEAKS) + text
            return self._row(i, text, orig[5])
        if roll < 0.35:
            return self._row(i, self._off_topic(zh), lang)
        if roll < 0.37:
            text = rng.choice(SPAM).replace("{link}", self._link())
            return self._row(i, text, "zh" if "私信" in text else "en")
        if roll < 0.40 and self.recent:
            to = rng.choice(self.recent)
            reply = rng.choice(REPLIES).format_map(self._slots())
            return self._row(i, f"@{to[2]} {reply}", "zh" if _CJK.search(reply) else "en")
        template = rng.choice(ZH_TEMPLATES if zh else EN_TEMPLATES)
        text = template.format_map(self._slots()).strip()
        row = self._row(i, text, lang)
        self.recent.append(row)
        if len(self.recent) > 500:
            del self.recent[:250]
        if int(row[6]) > 1000 or (len(self.hot) < 5 and rng.random() < 0.01):
            self.hot.append(row)
            if len(self.hot) > 12:
                self.hot.pop(0)
        return row

    def _broken(self, i: int, kind: int) -> list[str]:
        row = self._row(i, "Nvidia H200 demand is not slowing down", "en")
        name = BROKEN_KINDS[kind]
        if name == "empty text":
            row[4] = ""
        elif name == "unparseable date":
            row[1] = "yesterday"
        elif name == "non-numeric like_count":
            row[6] = "lots"
        elif name == "control characters":
            row[4] = "\x07\x1b[31mBREAKING\x1b[0m\x08 SK Hynix HBM4 \x01\x02\x7f"
        elif name == "duplicate id" and self.last_valid is not None:
            return list(self.last_valid)
        elif name == "too few columns":
            return row[:5]
        elif name == "missing id":
            row[0] = ""
        elif name == "oversized text":
            row[4] = ("AI agents everywhere. " * (OVERSIZED_CHARS // 22 + 1))[:OVERSIZED_CHARS]
        return row

    def __iter__(self) -> Iterator[list[str]]:
        for i in range(self.count):
            kind = self.broken.get(i)
            if kind is not None:
                yield self._broken(i, kind)
                continue
            row = self._valid(i)
            self.last_valid = row
            yield row


def write(out: TextIO, count: int, *, seed: int = SEED) -> int:
    """Write the header and ``count`` rows to ``out`` (opened with ``newline=''``)."""
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    n = 0
    for row in Generator(count, seed):
        writer.writerow(row)
        n += 1
    return n


def main(argv: Sequence[str] | None = None) -> int:
    """CLI: ``--count N --out PATH [--seed S]``."""
    parser = argparse.ArgumentParser(description="Generate a synthetic one-day tweets CSV.")
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    if args.count < 0:
        parser.error("--count must be >= 0")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with args.out.open("w", encoding="utf-8", newline="") as f:
        n = write(f, args.count, seed=args.seed)
    took = time.perf_counter() - start
    print(f"{args.out}: {n} rows in {took:.2f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
