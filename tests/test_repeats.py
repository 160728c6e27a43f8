"""Copied reports: the share of each report's sentences (normalised, numbers masked) that
repeat the same body's previous report, and the share found in other bodies' reports of the
same year — from hashes of sentences (ogi.package.repeats), on pairs built for it."""

from __future__ import annotations

import csv
import re
import sqlite3
from pathlib import Path

from conftest import SEED, SEED_ID
from hypothesis import given
from hypothesis import strategies as st
from test_site import rows_of

from ogi.build import build
from ogi.package.repeats import normalise, repeat_rows, sentences, text_record
from ogi.serve.metadata import site

S = [  # sentences of at least ten Han characters, numbers in them
    "本机关全年主动公开政府信息1200条，全部在门户网站发布。",
    "全年共收到政府信息公开申请35件，均在法定期限内答复。",
    "因政府信息公开被申请行政复议2件，提起行政诉讼1件。",
    "下一步将继续加强政务公开标准化规范化建设工作。",
    "进一步完善依申请公开办理流程和答复文书格式要求。",
    "组织开展政务公开业务培训三次，参训人员一百二十人次。",
    "聚焦重点领域信息公开，及时发布财政预决算信息。",
    "持续做好政府信息公开年度报告的编制与发布工作。",
]


def _record(report_id: str, body: str | None, year: int, *texts: str) -> dict[str, object]:
    return text_record({"report_id": report_id, "issuer_id": body, "year": year}, texts)


def _rows(*records: dict[str, object]) -> dict[str, dict[str, object]]:
    return {r["report_id"]: r for r in repeat_rows(records)}  # type: ignore[misc]


def test_normalised_sentences_mask_numbers_and_skip_headings() -> None:
    assert normalise("全年共收到申请 35 件，答复三十件。") == "全年共收到申请#件答复#件"
    found = sentences(["一、总体情况\n" + S[0].replace("1200", "８７") + S[1]])
    assert found == {normalise(S[0]), normalise(S[1])}  # the heading has too few characters


def test_a_pair_of_one_body_in_consecutive_years_shares_known_sentences() -> None:
    last = _record("a" * 16, "body1", 2020, "\n".join(S[:4]))
    # this year: two of last year's sentences with other numbers, three new ones
    this = _record(
        "b" * 16,
        "body1",
        2021,
        S[0].replace("1200", "1350") + S[1].replace("35", "41") + "\n" + "".join(S[4:7]),
    )
    other = _record("c" * 16, "body2", 2021, S[6] + S[7])
    rows = _rows(last, this, other)
    assert rows["b" * 16] == {
        "report_id": "b" * 16,
        "sentences": 5,
        "previous_report_id": "a" * 16,
        "previous_year": 2020,
        "repeated_previous": 0.4,  # 2 of 5
        "same_year_bodies": 1,
        "repeated_same_year": 0.2,  # S[6], in body2's report
    }
    # no previous report, no other body that year: empty, never 0
    assert rows["a" * 16] == {
        "report_id": "a" * 16,
        "sentences": 4,
        "previous_report_id": None,
        "previous_year": None,
        "repeated_previous": None,
        "same_year_bodies": None,
        "repeated_same_year": None,
    }
    assert (rows["c" * 16]["repeated_previous"], rows["c" * 16]["repeated_same_year"]) == (
        None,
        0.5,
    )


def test_the_previous_report_is_the_latest_earlier_one_and_an_unknown_body_compares_with_none() -> (
    None
):
    rows = _rows(
        _record("a" * 16, "body1", 2018, S[0] + S[1]),
        _record("b" * 16, "body1", 2020, S[0] + S[2]),
        _record("d" * 16, "body1", 2022, S[2] + S[3] + S[4]),
        _record("e" * 16, None, 2022, S[2] + S[3]),
        _record("f" * 16, "body3", 2022, ""),
    )
    assert (rows["d" * 16]["previous_year"], rows["d" * 16]["repeated_previous"]) == (2020, 0.3333)
    assert rows["b" * 16]["repeated_previous"] == 0.5
    assert (
        rows["e" * 16]["previous_report_id"] is None and rows["e" * 16]["same_year_bodies"] is None
    )
    # a report without a sentence: no share; body1's report has nothing in common with it
    assert (rows["f" * 16]["sentences"], rows["f" * 16]["repeated_same_year"]) == (0, None)
    assert (rows["d" * 16]["same_year_bodies"], rows["d" * 16]["repeated_same_year"]) == (1, 0.0)


REPORTS = st.lists(
    st.tuples(
        st.sampled_from(["body1", "body2", "body3"]),
        st.integers(2019, 2022),
        st.sets(st.integers(0, len(S) - 1), max_size=len(S)),
    ),
    max_size=8,
)


@given(REPORTS, st.randoms(use_true_random=False))
def test_shares_are_those_of_the_sets_of_sentences_in_any_order(reports, rnd) -> None:  # type: ignore[no-untyped-def]
    records = [
        _record(f"{i:016x}", body, year, "\n".join(S[j] for j in sorted(picked)))
        for i, (body, year, picked) in enumerate(reports)
    ]
    rows = _rows(*records)
    shuffled = list(records)
    rnd.shuffle(shuffled)
    assert _rows(*shuffled) == rows  # the order of the reports does not matter
    for i, (body, year, picked) in enumerate(reports):
        row = rows[f"{i:016x}"]
        assert row["sentences"] == len(picked)
        earlier = [
            (y, f"{k:016x}", p) for k, (b, y, p) in enumerate(reports) if b == body and y < year
        ]
        if earlier and picked:
            _, prev_id, prev = max(earlier, key=lambda e: (e[0], e[1]))
            assert row["previous_report_id"] == prev_id
            assert row["repeated_previous"] == round(len(picked & prev) / len(picked), 4)
        else:
            assert row["repeated_previous"] is None
        others = [p for b, y, p in reports if b != body and y == year]
        if others and picked:
            shared = picked & set().union(*others)
            assert row["repeated_same_year"] == round(len(shared) / len(picked), 4)
        else:
            assert row["repeated_same_year"] is None
        for share in (row["repeated_previous"], row["repeated_same_year"]):
            assert share is None or 0 <= share <= 1  # type: ignore[operator]


def _read(out: Path) -> list[dict[str, str]]:
    with (out / "data" / "repeats.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_a_report_and_its_copy_a_year_later_built_fully_and_incrementally(tmp_path: Path) -> None:
    """The seed (2018) and the same text as 2019 with three sentences added: 151 of its 154
    sentences repeat the year before. An incremental build that adds the 2019 report
    remakes the 2018 neighbour's comparison and gives the full build's bytes."""
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "a2018.txt").write_bytes(SEED.read_bytes())
    added = (  # three sentences of their own (numbers alone would not tell them apart)
        "\n今年新增的内容用来检验重复文字比例是否精确计算。"
        "\n这句话同样只在这份报告里出现过并且足够长。"
        "\n模板文字与照搬上年的区别就在于比较的对象。"
    )
    later = SEED.read_text(encoding="utf-8").replace("2018", "2019") + added + "\n"
    full, step = tmp_path / "full", tmp_path / "step"
    build([inputs / "a2018.txt"], step)
    assert [r["repeated_previous"] for r in _read(step)] == [""]
    (inputs / "a2019.txt").write_text(later, encoding="utf-8")
    build([inputs], full)
    build([inputs], step)
    rows = _read(full)
    assert [
        (r["report_id"], r["sentences"], r["previous_report_id"], r["repeated_previous"])
        for r in rows
    ] == [
        (SEED_ID, "151", "", ""),
        (rows[1]["report_id"], "154", SEED_ID, "0.9805"),  # 151 / 154
    ]
    assert (step / "data" / "repeats.csv").read_bytes() == (
        full / "data" / "repeats.csv"
    ).read_bytes()
    with sqlite3.connect(step / "build" / "ogi.db") as conn:
        found = conn.execute(
            "select report_id, repeated_previous from repeats order by rowid"
        ).fetchall()
    assert found == [(SEED_ID, None), (rows[1]["report_id"], 0.9805)]


def test_the_canned_query_ranks_the_reports_that_repeat_last_years(built: Path) -> None:
    rows = rows_of(built, "/ogi/repeats_last_year.json", year="", province="", min_share="")
    assert [
        (
            r["report_id"],
            r["previous_report_id"],
            r["previous_year"],
            r["year"],
            r["repeated_previous_pct"],
        )
        for r in rows
    ] == [
        ("cd51d47da3a3e0a1", "624b095ac9a3afcb", 2019, 2021, 15.8),
        ("624b095ac9a3afcb", "a5bf9fcef9ed7ed3", 2016, 2019, 14.8),
        ("d718f32d015baeca", "cd51d47da3a3e0a1", 2021, 2023, 7.9),
    ]
    assert rows[0]["gap"].startswith("相隔2年")
    assert [
        r["report_id"]
        for r in rows_of(built, "/ogi/repeats_last_year.json", year="", province="", min_share="10")
    ] == [
        "cd51d47da3a3e0a1",
        "624b095ac9a3afcb",
    ]


def test_the_dashboard_chart_gives_the_mean_shares_per_year(built: Path) -> None:
    chart = site()["dashboards"]["overview"]["charts"]["repeats-by-year"]
    assert ["repeats-by-year", "repeats-by-year"] in site()["dashboards"]["overview"]["layout"]
    sql = re.sub(r"\[\[.*?\]\]", "", chart["query"])
    with sqlite3.connect(built / "build" / "ogi.db") as conn:
        found = conn.execute(sql).fetchall()
    # 2019: 平潭综合实验区 repeats 14.75% of its 2016 report; it and 平潭综合实验区市场监督管理局
    # share 3.28% and 8% of their sentences with each other; 2021 and 2023 repeat 15.79%, 7.89%
    assert found == [
        (2019, "与同年其他机关相同 / shared with other bodies that year", 5.6, 2),
        (2019, "重复上一份报告 / repeats the previous report", 14.8, 1),
        (2021, "重复上一份报告 / repeats the previous report", 15.8, 1),
        (2023, "重复上一份报告 / repeats the previous report", 7.9, 1),
    ]
