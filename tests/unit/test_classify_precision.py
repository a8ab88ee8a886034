"""Words that mean markets only in market context, and the Chinese hand-made set.

Each case is one the issue measured going wrong: "calls" that is not an option, a company in a
research sentence, Gemini the exchange against Gemini the model, GPU mining, agents, phone
memory (内存), and Chinese stock headlines the rules did not see.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from services.classify.bootstrap import build_classifier, bundled_model
from services.classify.classifier import Classification, Classifier
from services.classify.taxonomy import load_taxonomy
from services.classify.text import LISTING

ZH_SET = Path(__file__).resolve().parents[1] / "fixtures" / "zh_finance.csv"


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return build_classifier(load_taxonomy(), model=bundled_model())


def subs(c: Classification) -> list[str]:
    return [s.id for s in c.subtopics]


def test_calls_outside_option_talk_is_not_finance(classifier: Classifier) -> None:
    rlm = classifier.classify(
        "MIT CSAIL's recursive language models (RLM) let a model manage its own context: "
        "it calls itself on slices of a huge input instead of stuffing it all in"
    )
    assert rlm.categories == ["ai"] and "stocks" not in subs(rlm)
    assert rlm.sentiment == "neutral"
    assert "finance" not in classifier.classify("She calls her mom every Sunday").categories
    assert "finance" not in classifier.classify("The API puts a cap on context length").categories
    options = classifier.classify("Loaded up on call options before earnings")
    assert "finance" in options.categories and "stocks" in subs(options)
    assert "finance" in classifier.classify("Bought calls on $NVDA this morning").categories


def test_a_company_in_a_research_sentence_is_no_market_mention(classifier: Classifier) -> None:
    c = classifier.classify("Google Research shows a new way to train sparse transformers")
    assert "finance" not in c.categories
    assert [(co.name, co.ticker) for co in c.entities.companies] == [("Google", None)]
    market = classifier.classify("Google shares jump 6% after strong cloud earnings")
    assert "finance" in market.categories
    assert [(co.name, co.ticker) for co in market.entities.companies] == [("Google", "GOOGL")]
    assert market.sentiment == "bullish"


def test_gemini_the_exchange_is_crypto_and_the_model_is_ai(classifier: Classifier) -> None:
    exchange = classifier.classify("Gemini Earn froze withdrawals again, get your coins out")
    assert "crypto" in exchange.categories and "ai" not in exchange.categories
    assert exchange.entities.models == []
    model = classifier.classify("Gemini 2.5 Pro tops the coding leaderboard")
    assert model.categories == ["ai"] and model.entities.models == ["Gemini 2.5 Pro"]


def test_mining_and_agents_are_crypto_only_in_crypto_context(classifier: Classifier) -> None:
    for text in (
        "GPU mining rigs are being repurposed to train small AI models",
        "Data mining with LLMs: a practical guide",
        "AI agents will book your travel and file your expenses",
        "Multi-agent systems beat single agents on long-horizon tasks",
    ):
        assert "crypto" not in classifier.classify(text).categories, text
    assert "crypto" in classifier.classify("Bitcoin miners sold 5,000 BTC this month").categories
    assert "crypto" in classifier.classify("Hashrate hits a record as miners expand").categories


def test_crypto_hashtags_on_an_ai_tweet_are_not_crypto(classifier: Classifier) -> None:
    c = classifier.classify("Tous les détails du filtre #cryptocurrencies #MachineLearning #AI")
    assert c.categories == ["ai"]
    both = classifier.classify("Solana Labs built a ChatGPT plugin to query the blockchain #AI")
    assert {"ai", "crypto"} <= set(both.categories)


def test_a_wider_coin_list(classifier: Classifier) -> None:
    for text, coin in (
        ("$AAVE looks strong here", "AAVE"),
        ("Still think algorand has it all, ALGO isn't going away", "ALGO"),
        ("$MANA and $SAND pumping on metaverse news", "MANA"),
        ("#BitcoinCash holders, your time is coming", "BCH"),
        ("That's why I don't buy Eth, the gas fees eat everything", "ETH"),
        ("This made me buy monero", "XMR"),
    ):
        c = classifier.classify(text)
        assert "crypto" in c.categories and coin in c.entities.coins, text


def test_phone_memory_is_not_chips_or_markets(classifier: Classifier) -> None:
    c = classifier.classify("新手机配备12GB内存和256GB存储，续航提升")
    assert c.categories == [] and "chips" not in subs(c)
    industry = classifier.classify("SK海力士一年涨了280%，一家内存公司！")
    assert "finance" in industry.categories and "chips" in subs(industry)


def test_lei_jun_buying_xiaomi_shares_is_finance_and_bullish(classifier: Classifier) -> None:
    c = classifier.classify("雷军增持小米260万股")
    assert "finance" in c.categories and c.sentiment == "bullish"
    assert [(co.name, co.ticker) for co in c.entities.companies] == [("Xiaomi", "1810.HK")]
    assert classifier.classify("大股东减持500万股，公司股价承压").sentiment == "bearish"


def test_macro_and_energy_news_is_finance(classifier: Classifier) -> None:
    for text in (
        "A price cap on Russian oil is set to take effect on Monday",
        "Home sales fell sharply in May as mortgage rates climbed",
        "Eurozone inflation eases to 2.4% in November",
    ):
        assert "finance" in classifier.classify(text).categories, text
    # and news with no direction stays neutral
    assert classifier.classify("OPEC+ meets on Sunday to discuss output").sentiment == "neutral"


def test_a_ticker_with_its_exchange_is_a_market_mention(classifier: Classifier) -> None:
    # the way listings and news feeds write a ticker: finance by itself, as a cashtag is
    for text, ticker in (
        ("A Look At The Intrinsic Value Of Koninklijke DSM N.V. (AMS:DSM)", "DSM"),
        (
            "Despite Its High P/E Ratio, Is Lundbergforetagen AB (publ) (STO:LUND B) Undervalued?",
            "LUND B",
        ),
        ("How Good Is CENTROTEC Sustainable AG (ETR:CEV), When It Comes To ROE?", "CEV"),
    ):
        assert LISTING.findall(text) == [ticker]
        c = classifier.classify(text)
        assert "finance" in c.categories, text
        assert c.entities.cashtags == [], text  # a message's cashtags are only the $ ones
    nvda = classifier.classify("Is NVIDIA Corporation (NASDAQ:NVDA) a buy after its run?")
    assert [(co.name, co.ticker) for co in nvda.entities.companies] == [("NVIDIA", "NVDA")]
    # a bracketed acronym or a month is no listing, nor is an exchange name in a sentence
    for text in (
        "Grail and National Health Service (NHS) England complete enrollment in a study",
        "U.S. (MAY) figures due at noon",
        "Flight lands at 9 (AMS: Schiphol, gate D7)",
    ):
        assert "finance" not in classifier.classify(text).categories, text


def test_company_news_opens_the_model_and_chatter_does_not(classifier: Classifier) -> None:
    # company news with none of the market words: the news cues let the model decide
    for text in (
        "Lumentum initiated as positive at Susquehanna, bull case sees more upside",
        "Berenberg bankers weigh a takeover proposal for the embattled retailer",
        "Ford names Jim Farley COO, Hinrichs to retire",
    ):
        assert "finance" in classifier.classify(text).categories, text
    # a cue word in an AI tweet: the rules say AI, and the model is not asked
    for text in (
        "ChatGPT unveils a new voice mode and it is uncanny",
        "Claude Code opens a pull request for every bug it files",
    ):
        assert classifier.classify(text).categories == ["ai"], text


def _zh_rows() -> list[dict[str, str]]:
    with ZH_SET.open(encoding="utf-8", newline="") as fh:
        return [r for r in csv.DictReader(fh) if not r["text"].startswith("#")]


def test_the_chinese_set(classifier: Classifier) -> None:
    rows = _zh_rows()
    assert len(rows) >= 60
    wrong: list[str] = []
    fin_hits = fin_total = sent_hits = sent_total = fp = 0
    for r in rows:
        c = classifier.classify(r["text"])
        is_fin = "finance" in c.categories
        if r["finance"] == "1":
            fin_total += 1
            fin_hits += is_fin
            expected = r["sentiment"] or "neutral"
            sent_total += 1
            sent_hits += c.sentiment == expected
            if not is_fin or c.sentiment != expected:
                wrong.append(f"{r['text']}: {c.categories} {c.sentiment}, expected {expected}")
        elif is_fin:
            fp += 1
            wrong.append(f"{r['text']}: finance, expected none")
        if r["ai"] == "1" and "ai" not in c.categories:
            wrong.append(f"{r['text']}: not ai")
        if r["chips"] == "0" and "chips" in subs(c):
            wrong.append(f"{r['text']}: chips")
    report = "\n  ".join(wrong)
    assert fin_hits / fin_total >= 0.95, report
    assert sent_hits / sent_total >= 0.90, report
    assert fp == 0, report
    assert not [w for w in wrong if w.endswith(("not ai", "chips"))], report
