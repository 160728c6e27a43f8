"""Property tests: invariants of the parser on random and mutated input."""

from __future__ import annotations

import hashlib

from conftest import SEED
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ogi import formats
from ogi.acquire import Source
from ogi.check import run_checks
from ogi.errors import InputError
from ogi.extract import extract
from ogi.parse import parse
from ogi.parse.figures import find_figures
from ogi.parse.lines import (
    MAX_SENTENCE,
    Sentences,
    fold_text,
    sentence_at,
    sentences,
    split_lines,
)
from ogi.parse.outline import chinese_number
from ogi.parse.tables import read_number
from ogi.summarise import summarise

CN = "零一二三四五六七八九"


def to_chinese(n: int) -> str:
    tens, ones = divmod(n, 10)
    return (("" if tens == 1 else CN[tens]) + "十" if tens else "") + (CN[ones] if ones else "")


@given(st.integers(min_value=1, max_value=99))
def test_chinese_numerals_round_trip(n: int) -> None:
    assert chinese_number(to_chinese(n)) == n


@given(st.text())
def test_fold_preserves_length_and_is_idempotent(s: str) -> None:
    folded = formats.fold(s)
    assert len(folded) == len(s)
    assert formats.fold(folded) == folded


# text made of what the whole-text readers of ogi.parse.lines split and fold: line breaks of
# every kind, blanks, sentence ends, full-width characters
TEXT_BITS = st.lists(
    st.sampled_from(list("a。！？!?\n\r\t \x0c\x85\u2028\u3000\xa0|１（") + ["\r\n"]), max_size=60
).map("".join)


@given(TEXT_BITS, st.integers(min_value=1, max_value=9000))
def test_fold_text_folds_like_fold(s: str, repeat: int) -> None:
    text = (s * repeat)[:20_000]  # over several of the stretches it is folded by
    assert fold_text(text) == formats.fold(text)


@given(TEXT_BITS, st.data())
def test_lines_are_the_lines_with_text_numbered_from_the_top(s: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(min_value=0, max_value=len(s)))
    expected, pos, no = [], start, s.count("\n", 0, start) + 1
    for raw in s[start:].splitlines(keepends=True):
        body = raw.rstrip("\r\n")
        if body.strip():
            expected.append((no, pos, pos + len(body), body))
        pos, no = pos + len(raw), no + 1
    assert [(ln.no, ln.start, ln.end, ln.text) for ln in split_lines(s, start)] == expected


@given(TEXT_BITS)
def test_sentences_found_once_are_the_sentences_found_around_each_point(s: str) -> None:
    found = Sentences(s)
    for pos in range(len(s) + 1):
        start, end = sentence_at(s, pos)
        if end - start > MAX_SENTENCE:
            start = max(start, pos - MAX_SENTENCE // 2)
            end = min(end, start + MAX_SENTENCE)
        assert found.at(pos) == (start, end)


@given(TEXT_BITS, st.data())
def test_sentences_of_a_stretch_end_at_each_sentence_end(s: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(min_value=0, max_value=len(s)))
    end = data.draw(st.integers(min_value=start, max_value=len(s)))
    expected, i = [], start
    while i < end:  # character by character: up to 。！？!? (kept) or a line break (not)
        j = i
        while j < end and s[j] not in "。！？!?\n":
            j += 1
        stop = j + 1 if j < end and s[j] != "\n" else j
        first = next((k for k in range(i, stop) if not s[k].isspace()), stop)
        if first < stop:
            expected.append((first, stop))
        i = j + 1
    assert sentences(s, start, end) == expected


@given(st.integers(min_value=0, max_value=10**9))
def test_cells_read_plain_and_grouped_numbers(n: int) -> None:
    assert read_number(str(n)) == (n, "printed", "")
    assert read_number(f"{n:,}") == (n, "printed", "")
    assert (
        read_number(
            formats.fold(str(n)).translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})
        )[0]
        == n
    )


UNITS = sorted({u for us in formats.prose()["units"].values() for u in us} - {"年", "月", "日"})


@given(st.integers(min_value=0, max_value=10**7), st.sampled_from(UNITS), st.booleans())
def test_a_number_with_its_unit_is_one_figure(n: int, unit: str, approx: bool) -> None:
    text = f"今年共完成{'约' if approx else ''}{n}{unit}。"
    (fig,) = find_figures(text, 0, len(text), [])
    assert (fig["value"], fig["unit"], fig["approx"]) == (n, unit, "约" if approx else None)
    assert text[fig["start"] : fig["end"]] == fig["value_text"]


PIECES = st.sampled_from(
    [
        "一、",
        "二、",
        "(一)",
        "（二）",
        "1.",
        "2、",
        "(3)",
        "其中:",
        "。",
        "，",
        ",",
        "\n",
        "\n",
        " |",
        "|",
        "共",
        "件",
        "条",
        "%",
        "约",
        "余",
        "12345",
        "2018年",
        "192",
        "3.5",
        "《条例》",
        "榕政办〔2017〕366号",
        "扫一扫在手机上查看当前页面",
        "指 标 名 称 |\n单位 |\n2018年 |\n历年累计 |\n",
        "行政复议数 |\n件 |\n5 |\n25 |\n",
        "我区",
        "福州市晋安区",
        "满意率99.66%",
        "受理政府信息公开申请总数 |\n条 |\n",
        "-",
        "—",
        "\t",
        "　",
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(PIECES, st.text(max_size=6)), max_size=60))
def test_parser_never_crashes_and_every_offset_points_at_its_text(pieces: list[str]) -> None:
    text = "政府信息公开工作年度报告 主动公开 依申请公开\n" + "".join(pieces)
    data = text.encode("utf-8")
    try:
        parsed = parse(extract(Source("p.txt", "p.txt", data, hashlib.sha256(data).hexdigest())))
    except InputError:  # the documented rejection (binary, no report year …)
        return
    src = parsed.text
    for fig in parsed.figures:
        assert src[fig["start"] : fig["end"]] == fig["value_text"]
    for cell in parsed.statistics:
        assert src[cell["start"] : cell["end"]] == cell["value_text"]
    for cite in parsed.citations:
        assert src[cite["start"] : cite["end"]] == cite["text"]
    spans = sorted((s["start"], s["end"]) for s in parsed.sections)
    assert all(0 <= a <= b <= len(src) for a, b in spans)
    assert all(e1 <= s2 for (_, e1), (s2, _) in zip(spans, spans[1:], strict=False))
    for check in run_checks(parsed):
        assert (
            check["status"] in {"pass", "fail", "not_assessable", "ambiguous"} and check["message"]
        )
    summarise(parsed)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_mutated_seed_parses_without_crashing(data: st.DataObject) -> None:
    text = SEED.read_text(encoding="utf-8")
    lines = text.splitlines()
    for _ in range(data.draw(st.integers(min_value=1, max_value=8))):
        i = data.draw(st.integers(min_value=0, max_value=len(lines) - 1))
        op = data.draw(st.sampled_from(["drop", "dup", "cut", "digits"]))
        if op == "drop":
            lines.pop(i)
        elif op == "dup":
            lines.insert(i, lines[i])
        elif op == "cut":
            lines[i] = lines[i][: len(lines[i]) // 2]
        else:
            lines[i] = lines[i].replace("0", "")
    mutated = "\n".join(lines).encode("utf-8")
    try:
        parsed = parse(
            extract(Source("m.txt", "m.txt", mutated, hashlib.sha256(mutated).hexdigest()))
        )
    except InputError:  # a mutation may take away what makes it a report (its year, its words)
        return
    for cell in parsed.statistics:
        assert parsed.text[cell["start"] : cell["end"]] == cell["value_text"]
    run_checks(parsed)
