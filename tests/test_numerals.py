"""Numbers as written: Chinese numerals, lists, signs and zero-width characters, in the prose
and in table cells. The parser yields exactly the values the text says, or nothing — never a
number that is not in the text (issue 11, item 7).

The Chinese numerals are written by a renderer of this test's own (not the parser's grammar
read backwards): the standard form with 零 for skipped places, 两 for 2 before a unit and 〇
for 零 as variants.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ogi.parse.digits import splits, tokens
from ogi.parse.figures import find_figures
from ogi.parse.numerals import read
from ogi.parse.tables import read_number

DIGITS = "零一二三四五六七八九"
SMALL = ["", "十", "百", "千"]
BIG = ["", "万", "亿"]
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\ufeff", "\u2060"]
MEASURES = ["条", "件", "个", "次"]


def _group(g: int, liang: bool) -> str:
    """0 < g < 10000 in the standard form (1005 一千零五, 1050 一千零五十)."""
    out, pending, started = "", False, False
    for p in (3, 2, 1, 0):
        d = g // 10**p % 10
        if d == 0:
            pending = pending or started
            continue
        if pending:
            out += "零"
            pending = False
        out += ("两" if liang and d == 2 and p >= 2 else DIGITS[d]) + SMALL[p]
        started = True
    return out


def render(n: int, liang: bool = False, ling: str = "零", short_ten: bool = True) -> str:
    """n (0 ≤ n < 10^12) as a Chinese numeral."""
    if n == 0:
        return ling
    groups = [n // 10**8, n // 10**4 % 10**4, n % 10**4]
    out, pending = "", False
    for g, big in zip(groups, ("亿", "万", ""), strict=True):
        if g == 0:
            pending = pending or bool(out)
            continue
        if out and (pending or g < 1000):
            out += "零"
        out += _group(g, liang) + big
        pending = False
    if short_ten and out.startswith("一十"):
        out = out[1:]  # 十二, 十万
    return out.replace("零", ling)


NUMBERS = st.integers(min_value=0, max_value=10**12 - 1)
SMALL_NUMBERS = st.integers(min_value=0, max_value=10**7)


def figures_of(text: str) -> list[int | float]:
    return [f["value"] for f in find_figures(text, 0, len(text), [])]


# --- the examples of the issue, exactly -------------------------------------------------


@pytest.mark.parametrize(
    "text, values",
    [
        ("共受理一百二十三条。", [123]),
        ("共办结一千零五件。", [1005]),
        ("三年分别公开152，216，307条。", [152, 216, 307]),
        ("三年分别公开152、216、307条。", [152, 216, 307]),
        ("本年增减−5件。", [-5]),
        ("本年增减-5件。", [-5]),
        ("本年增减－5件。", [-5]),
        ("主动公开1\u200b234条。", [1234]),
        ("主动公开两千三百条。", [2300]),
        ("主动公开两千三条。", [2300]),
        ("受理三万件。", [30000]),
        ("满意率百分之九十五。", [95]),
        ("满意率百分之九十九点五。", [99.5]),
        ("行政诉讼零件。", []),  # 零件 are parts
        ("行政诉讼〇件。", [0]),
        ("行政诉讼零条。", [0]),
        ("访问量3万次。", [30000]),
        ("访问量1.2万次。", [12000]),
        ("访问量3万5千人次。", [35000]),
        ("粉丝总量近 45.9 万人；", [459000]),
        ("实现1200一网通办", [1200]),
        ("收费12.5 万元。", [12.5]),
        ("收费12.5万元。", [12.5]),  # 万元 is the unit money is kept in
        ("采购1亿2千万元。", [120000000]),
        ("主动公开1,234条。", [1234]),
        ("三年分别公开152,216,307条。", []),  # cannot be told: flagged
        ("三年公开152, 216, 307条。", [152, 216, 307]),
        ("公开12,3456条。", [12, 3456]),
        ("数十个", []),
        ("十五六个", []),
        ("三四个", []),
        ("一两个", []),
        ("第三次", []),
        ("一千五十件", []),  # a skipped place without 零
        ("3万5件", []),  # 30005 or 35000
        ("2019-2020年", [2019]),
        ("增长-5%", [-5]),
    ],
)
def test_prose_examples(text: str, values: list[int | float]) -> None:
    assert figures_of(text) == values


def test_a_real_report_s_sentences() -> None:
    """上海市人民政府办公厅 2025 (shared/corpus/real/sh_szfbgt_2025_gen3.txt), as extracted
    from its PDF: 万 after a space is still part of the number (536 was read before)."""
    text = (
        "发布各类信息 13528 条，总浏览量为 536 万，同比显著增长\n82%，其中 47%来自海外；"
        "社交媒体账号粉丝总量近 45.9 万人；\n“上海发布”在海内外 15 个平台粉丝\n数累积超 3170 万，"
        "其中，微信公众号粉丝达 1360 万，海外平台\n粉丝突破 300 万。"
    )
    got = [(f["value"], f["unit"]) for f in find_figures(text, 0, len(text), [])]
    assert got == [
        (13528, "条"),
        (5_360_000, None),
        (82, "%"),
        (47, "%"),
        (459_000, "人"),
        (15, "个"),
        (31_700_000, None),
        (13_600_000, None),
        (3_000_000, None),
    ]


def test_a_list_announced_with_grouped_commas_is_flagged() -> None:
    notes: list[dict[str, object]] = []
    text = "三年分别公开152,216,307条。"
    assert find_figures(text, 0, len(text), [], notes) == []
    (note,) = notes
    assert (note["check"], note["subject"], note["status"]) == (
        "figure_ambiguous",
        "prose@6",
        "ambiguous",
    )
    assert note["message"] == (
        "“152,216,307条” (offset 6): its commas may group the thousands of one number "
        "(152216307) or separate 3 (152, 216, 307), as the clause announces a list; "
        "no figure is taken."
    )


def test_figure_records_keep_the_printed_text() -> None:
    text = "本年增减−5件，办结一千零五件，约1\u200b234条。"
    got = [
        (f["value"], f["value_text"], f["unit"], f["numeral"], f["approx"])
        for f in find_figures(text, 0, len(text), [])
    ]
    assert got == [
        (-5, "−5件", "件", "arabic", None),
        (1005, "一千零五件", "件", "chinese", None),
        (1234, "约1\u200b234条", "条", "arabic", "约"),
    ]
    for f in find_figures(text, 0, len(text), []):
        assert text[f["start"] : f["end"]] == f["value_text"]


@pytest.mark.parametrize(
    "cell, value",
    [("−1", -1), ("－1", -1), ("二", 2), ("20\u200b080", 20080), ("一百零五", 105), ("零", 0)],
)
def test_table_cells_examples(cell: str, value: int) -> None:
    assert read_number(cell) == (value, "printed", "")


def test_template_row_cells_examples() -> None:
    chunks = tokens("| −1 | 二 | 20\u200b080 |".replace("−", "-"), 0)
    assert chunks is not None
    assert [[c.value for c in s] for s in splits(chunks, ["signed", "int", "int"])] == [
        [-1, 2, 20080]
    ]


@pytest.mark.parametrize(
    "numeral, value",
    [
        ("一百二十三", 123),
        ("两千三百", 2300),
        ("三万", 30000),
        ("零", 0),
        ("〇", 0),
        ("3万", 30000),
        ("1.2万", 12000),
        ("十二", 12),
        ("一万五", 15000),
        ("三亿五千万", 350_000_000),
        ("一万零五百", 10500),
        ("一点五亿", 150_000_000),
    ],
)
def test_numeral_examples(numeral: str, value: int) -> None:
    assert read(numeral) == value


@pytest.mark.parametrize(
    "numeral",
    ["十五六", "三四", "二〇一九", "一千五十", "三亿五千", "百", "一百十", "零五", "3万5"],
)
def test_numerals_that_are_not_one_number(numeral: str) -> None:
    assert read(numeral) is None


# --- properties --------------------------------------------------------------------------


@given(NUMBERS, st.booleans(), st.sampled_from(["零", "〇"]), st.booleans())
@settings(max_examples=300)
def test_chinese_numerals_read_as_their_value(
    n: int, liang: bool, ling: str, short_ten: bool
) -> None:
    assert read(render(n, liang, ling, short_ten)) == n


@given(NUMBERS, st.sampled_from(MEASURES), st.booleans())
@settings(max_examples=300)
def test_a_chinese_numeral_with_its_measure_word_is_one_figure(
    n: int, unit: str, liang: bool
) -> None:
    numeral = render(n, liang)
    text = f"今年共办理{numeral}{unit}。"
    expected = [] if numeral + unit == "零件" else [n]  # 零件 is a word
    assert figures_of(text) == expected


@given(st.lists(SMALL_NUMBERS, min_size=2, max_size=6), st.data(), st.sampled_from(MEASURES))
def test_a_list_is_several_figures(numbers: list[int], data: st.DataObject, unit: str) -> None:
    seps = [data.draw(st.sampled_from(["，", "、"])) for _ in numbers[1:]]
    body = str(numbers[0]) + "".join(s + str(n) for s, n in zip(seps, numbers[1:], strict=True))
    text = f"近年分别公开{body}{unit}。"
    assert figures_of(text) == numbers


@given(SMALL_NUMBERS.filter(bool), st.sampled_from(["-", "−", "－"]), st.sampled_from(MEASURES))
def test_the_sign_is_kept(n: int, sign: str, unit: str) -> None:
    assert figures_of(f"本年增减{sign}{n}{unit}。") == [-n]
    assert read_number(f"{sign}{n}") == (-n, "printed", "")


@given(st.integers(min_value=10, max_value=10**9), st.data(), st.sampled_from(MEASURES))
def test_zero_width_characters_inside_a_number_are_no_separator(
    n: int, data: st.DataObject, unit: str
) -> None:
    digits = str(n)
    cuts = data.draw(st.sets(st.integers(min_value=1, max_value=len(digits) - 1), min_size=1))
    printed = "".join(
        (data.draw(st.sampled_from(ZERO_WIDTH)) if i in cuts else "") + d
        for i, d in enumerate(digits)
    )
    assert figures_of(f"主动公开{printed}{unit}。") == [n]
    assert read_number(printed) == (n, "printed", "")


@given(NUMBERS, st.booleans())
def test_chinese_table_cells_are_printed_values(n: int, liang: bool) -> None:
    assert read_number(render(n, liang)) == (n, "printed", "")


# Pieces of prose that hold no number (set phrases, vague quantities, ordinals, numerals that
# cannot be told) and pieces that hold exactly one.
NOISE = [
    "三四个",
    "十五六个",
    "数十个",
    "几十条",
    "十几个",
    "一两个",
    "第三次",
    "十四五规划",
    "一窗受理",
    "零件",
    "二〇一九年",
    "一次性",
    "数百个",
    "三亿五千条",
    "一千五十件",
    "3万5件",
    "分别为152,216,307条",
    "。",
    "，",
]


@st.composite
def _piece(draw: st.DrawFn) -> tuple[str, list[int]]:
    if draw(st.booleans()):
        return draw(st.sampled_from(NOISE)), []
    n = draw(st.integers(min_value=1, max_value=10**9))
    unit = draw(st.sampled_from(MEASURES))
    how = draw(st.sampled_from(["chinese", "arabic", "grouped", "signed", "zero_width"]))
    if how == "chinese":
        return render(n, draw(st.booleans())) + unit, [n]
    if how == "grouped":
        return f"{n:,}{unit}", [n]
    if how == "signed":
        return draw(st.sampled_from(["-", "−", "－"])) + f"{n}{unit}", [-n]
    if how == "zero_width" and n >= 10:
        s = str(n)
        return s[0] + draw(st.sampled_from(ZERO_WIDTH)) + s[1:] + unit, [n]
    return f"{n}{unit}", [n]


@given(st.lists(_piece(), max_size=12))
@settings(max_examples=300)
def test_the_prose_never_yields_a_number_that_is_not_in_it(
    pieces: list[tuple[str, list[int]]],
) -> None:
    text = "本年度共" + "其中".join(p for p, _ in pieces) + "。"
    assert figures_of(text) == [v for _, vs in pieces for v in vs]


# --- whole reports -------------------------------------------------------------------------


def _parse_text(text: str):  # type: ignore[no-untyped-def]
    import hashlib

    from ogi.acquire import Source
    from ogi.extract import extract
    from ogi.parse import parse

    data = text.encode("utf-8")
    return parse(extract(Source("t", "t.txt", data, hashlib.sha256(data).hexdigest())))


def test_chinese_signed_and_zero_width_cells_of_a_template_table() -> None:
    import random

    from ogi.synth import report

    syn = report(random.Random(3), 2, "markdown", None, "x.txt")
    row = "| （一）予以公开 | 19 | 0 | 2 | 0 | 0 | 0 | 21 |"
    assert row in syn.text
    parsed = _parse_text(
        syn.text.replace(row, "| （一）予以公开 | 十九 | 0 | 二 | 0 | 0 | 〇 | 2\u200b1 |")
    )
    got = [
        (c["value"], c["value_status"])
        for c in parsed.statistics
        if c["indicator"] == "g2.s3.granted"
    ]
    assert got == [(19, "printed"), (0, "printed"), (2, "printed")] + [(0, "printed")] * 3 + [
        (21, "printed")
    ]


def test_zero_width_characters_in_a_real_table_change_nothing() -> None:
    """平潭 2016: the appendix's digits run together; a zero-width character put inside each
    run reads as the run without it (the same values, the same ambiguity)."""
    from pathlib import Path

    real = Path(__file__).parent / "fixtures" / "real" / "pingtan_2016_gen1.txt"
    text = real.read_text(encoding="utf-8")
    runs = ["346085376", "3460853762"]
    assert all(r in text for r in runs)

    def values(parsed) -> list[tuple[object, ...]]:  # type: ignore[no-untyped-def]
        return [
            (c["indicator"], c["column"], c["value"], c["value_status"], c["settled_by"])
            for c in parsed.statistics
        ]

    plain = values(_parse_text(text))
    # inside the runs, and just before the list number stuck to the website run's digits
    for at in (2, -1):
        marked = text
        for r in runs:
            marked = marked.replace(r, r[:at] + "\u200b" + r[at:])
        assert values(_parse_text(marked)) == plain, at


def test_numbers_that_cannot_be_told_are_checks_of_a_built_report(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Two of them in one report: two check rows, and the report is built."""
    import csv
    import random

    from ogi.build import build
    from ogi.synth import report

    syn = report(random.Random(3), 2, "markdown", None, "x.txt")
    head, sep, rest = syn.text.partition("一、总体情况")
    assert sep
    text = head + sep + "\n三年分别公开152,216,307条，依次受理1,234,567件。" + rest
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "x.txt").write_text(text, encoding="utf-8")
    result = build([raw], tmp_path / "out", jobs=1)
    assert not result.rejected
    with open(tmp_path / "out" / "data" / "checks.csv", encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["check"] == "figure_ambiguous"]
    assert [(r["subject"], r["status"]) for r in rows] == [
        (f"prose@{text.index('152,')}", "ambiguous"),
        (f"prose@{text.index('1,234')}", "ambiguous"),
    ]
