"""Splitting runs of digits: the truth is always among the splits, the fast path for sums
finds exactly what the plain search finds, and printed cells are never re-split."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ogi.check.cross_year import check_cross_year
from ogi.parse.digits import _always, block_totals, splits, tokens

ROW = st.lists(st.integers(min_value=0, max_value=120), min_size=6, max_size=6).map(
    lambda v: [*v, sum(v)]
)


def values(cands) -> set[tuple]:
    return {tuple(c.value for c in cand) for cand in cands}


@settings(max_examples=200, deadline=None)
@given(ROW)
def test_the_printed_row_is_among_the_splits(row: list[int]) -> None:
    run = "".join(map(str, row))
    found = values(splits(tokens(run, 0), ["int"] * 7, block_totals(7), 7))
    assert tuple(row) in found
    assert all(sum(v[:6]) == v[6] for v in found)


BLOCK = st.lists(st.integers(min_value=0, max_value=12), min_size=4, max_size=4).map(
    lambda v: [*v, sum(v)]
)


@settings(max_examples=60, deadline=None)
@given(st.lists(BLOCK, min_size=1, max_size=2))
def test_the_fast_path_for_sums_finds_what_the_plain_search_finds(blocks: list[list[int]]) -> None:
    run = "".join(str(v) for b in blocks for v in b)
    n = 5 * len(blocks)
    ok = block_totals(5)
    fast = values(splits(tokens(run, 0), ["int"] * n, ok, 5))
    plain = values(
        c
        for c in splits(tokens(run, 0), ["int"] * n, _always)
        if all(ok(c[: 5 * (k + 1)]) for k in range(len(blocks)))
    )
    assert fast == plain and tuple(v for b in blocks for v in b) in fast


def test_cells_printed_apart_stand_even_when_they_do_not_add_up() -> None:
    (only,) = splits(tokens("5 1 0 0 0 0 9", 0), ["int"] * 7, block_totals(7), 7)
    assert [c.value for c in only] == [5, 1, 0, 0, 0, 0, 9]


def test_cross_year_compares_consecutive_years_of_one_body() -> None:
    rows = [
        {
            "report_id": "a",
            "issuer": "甲区人民政府",
            "year": 2020,
            "carried_in": 0,
            "carried_over": 3,
            "start": 1,
        },
        {
            "report_id": "b",
            "issuer": "甲区人民政府",
            "year": 2021,
            "carried_in": 3,
            "carried_over": 1,
            "start": 2,
        },
        {
            "report_id": "c",
            "issuer": "甲区人民政府",
            "year": 2022,
            "carried_in": 2,
            "carried_over": 0,
            "start": 3,
        },
        {
            "report_id": "d",
            "issuer": "乙区人民政府",
            "year": 2022,
            "carried_in": 5,
            "carried_over": 0,
            "start": 4,
        },
        {
            "report_id": "e",
            "issuer": "乙区人民政府",
            "year": 2024,
            "carried_in": None,
            "carried_over": 0,
            "start": 5,
        },
    ]
    got = [
        (c["report_id"], c["subject"], c["status"], c["expected"], c["observed"])
        for c in check_cross_year(rows)
    ]
    assert got == [("b", "2020→2021", "pass", 3, 3), ("c", "2021→2022", "fail", 1, 2)]
    (fail,) = [c for c in check_cross_year(rows) if c["status"] == "fail"]
    assert fail["message"] == (
        "甲区人民政府: 上年结转 in the 2022 report is 2; 结转下年度 in the 2021 report "
        "(report b) is 1; they differ."
    )
