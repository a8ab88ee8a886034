"""The segmenter (rjieba, jieba-rs) cuts Chinese as jieba does, and reads jieba's user dictionaries."""

from __future__ import annotations

import csv
import logging
from pathlib import Path

import jieba
import pytest

from services.classify.segment import Segmenter, load_jieba
from services.classify.taxonomy import BUNDLED_USER_DICT, load_taxonomy
from services.classify.text import HAN
from shared.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
TEXTS = (ROOT / "samples" / "tweets-2026-01-02.csv", ROOT / "tests" / "fixtures" / "zh_finance.csv")


def _runs() -> list[str]:
    runs: set[str] = set()
    for path in TEXTS:
        with path.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                runs.update(r for r in HAN.findall(row.get("text") or "") if len(r) >= 2)
    return sorted(runs)


def test_cuts_every_han_run_of_the_sample_as_jieba_does() -> None:
    words = tuple(load_taxonomy().han_terms())
    ours = Segmenter(load_jieba([BUNDLED_USER_DICT], words))
    jieba.setLogLevel(logging.WARNING)
    reference = jieba.Tokenizer()
    reference.load_userdict(str(BUNDLED_USER_DICT))
    for word in words:
        if not reference.FREQ.get(word):
            reference.add_word(word)
    runs = _runs()
    assert len(runs) > 300
    differ = [r for r in runs if ours.cut(r) != reference.lcut(r, HMM=True)]
    assert differ == []


def test_runs_cut_together_give_each_run_s_words() -> None:
    seg = Segmenter(load_jieba([BUNDLED_USER_DICT], tuple(load_taxonomy().han_terms())))
    for path in TEXTS:
        with path.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                runs = HAN.findall(row.get("text") or "")
                if not runs:
                    continue
                alone = [w for r in runs for w in seg.cut(r) if len(w) >= 2]
                assert [w for w in seg.cut_runs(runs) if len(w) >= 2] == alone, runs


def test_hmm_keeps_words_the_dictionary_lacks() -> None:
    seg = Segmenter(load_jieba())
    assert "吴恩达" in seg.cut("吴恩达发布了新课程")


def test_user_dictionary_word_with_or_without_frequency_is_kept_whole(tmp_path: Path) -> None:
    extra = tmp_path / "dict.txt"
    extra.write_text("\ufeff鲲鹏智算 5000 n\n\n星河算力\n天工平台 nz\n", encoding="utf-8")
    seg = Segmenter(load_jieba([extra]))
    assert {"鲲鹏智算", "星河算力", "天工平台"} <= set(
        seg.cut("鲲鹏智算和星河算力都接入了天工平台")
    )


def test_taxonomy_words_are_added_when_missing() -> None:
    assert "星河算力" not in Segmenter(load_jieba()).cut("星河算力上线")
    assert "星河算力" in Segmenter(load_jieba(words=["星河算力"])).cut("星河算力上线")


@pytest.mark.parametrize("line", ["鲲鹏 5000 n extra", "鲲鹏 n 5000", "鲲鹏 n nz"])
def test_a_bad_user_dictionary_line_is_a_config_error(tmp_path: Path, line: str) -> None:
    bad = tmp_path / "dict.txt"
    bad.write_text(f"大模型 2000 n\n{line}\n", encoding="utf-8")
    with pytest.raises(
        ConfigError, match=r"dict\.txt, line 2: expected 'word \[frequency\] \[tag\]'"
    ):
        load_jieba([bad])


def test_an_unreadable_user_dictionary_is_a_config_error(tmp_path: Path) -> None:
    bad = tmp_path / "dict.txt"
    bad.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(ConfigError, match=r"jieba user dictionary .*dict\.txt"):
        load_jieba([bad])
