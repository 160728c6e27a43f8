"""Tables printed column by column, as plain pdftotext prints them (ogi.parse.columns,
g1_columns, g1n_columns). The fixtures are poppler's pdftotext of four zoo reports (seed 0:
LibreOffice's PDF of ogi.synth's office document), one of each family; their truth is the
generator's. A value is kept only where the table's arithmetic confirms its place, so every
value read is the truth's and the rest are flagged."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from ogi.build import parse_file
from ogi.parse.columns import (
    GAP,
    agreed,
    confirmed,
    confirmed_in_every,
    layouts,
    number_runs,
)
from ogi.parse.digits import Cell
from ogi.parse.g1_columns import arithmetic, unconfirmed
from ogi.parse.header_columns import read_column_blocks
from ogi.parse.ordered import settle_by_prose
from ogi.synth import zoo

FIXTURES = Path(__file__).parent / "fixtures" / "pdftotext"
# fixture → (its zoo report, cells read, cells with a value)
CASES = {
    "zoo_00001_gen1_national.txt": (1, 58, 58),
    # its results do not add up: those cells flagged; of section 二 only the first column is
    # read (generation 2's blocks print their later columns after the next blocks' captions)
    "zoo_00002_gen2.txt": (2, 198, 138),
    "zoo_00004_gen1.txt": (4, 30, 30),
    "zoo_00007_gen3.txt": (7, 200, 200),  # every cell
}


@pytest.fixture(scope="module")
def items() -> list[zoo.ZooReport]:
    return zoo.reports(8, 0)


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_read_are_the_truth(name: str, items: list[zoo.ZooReport]) -> None:
    index, cells, values = CASES[name]
    truth = items[index].truth
    _, parsed = parse_file(FIXTURES / name)
    got = [c for c in parsed.statistics if c["indicator"]]
    assert (len(got), sum(c["value"] is not None for c in got)) == (cells, values)
    wrong = [
        (c["indicator"], c["column"], c["value"], truth.get((c["indicator"], c["column"])))
        for c in got
        if c["value"] is not None and c["value"] != truth.get((c["indicator"], c["column"]))
    ]
    assert wrong == []
    assert {c["settled_by"] for c in got if c["value"] is not None} <= {"order", "identity"}


def test_the_first_rows_cells_printed_last_are_placed() -> None:
    """pdftotext prints the cells under header cells that span rows (其他, 总计) after the
    rest of the table's first band: 13 and 146 stand last, and are the first row's."""
    _, parsed = parse_file(FIXTURES / "zoo_00007_gen3.txt")
    row = {c["column"]: c["value"] for c in parsed.statistics if c["indicator"] == "g3.s3.received"}
    assert row == {
        "natural_person": 106,
        "commercial": 2,
        "research": 1,
        "public_interest": 10,
        "legal_services": 14,
        "other_org": 13,
        "total": 146,
    }
    check = _check(parsed.notes, "g3.s3")
    assert check["status"] == "pass"


def test_a_report_that_breaks_its_arithmetic_is_flagged_not_corrected() -> None:
    _, parsed = parse_file(FIXTURES / "zoo_00002_gen2.txt")
    cells = {(c["indicator"], c["column"]): c for c in parsed.statistics}
    assert cells[("g2.s3.total", "natural_person")]["value"] is None
    assert cells[("g2.s3.total", "natural_person")]["value_status"] == "ambiguous"
    check = _check(parsed.notes, "g2.s3")
    assert check["status"] == "ambiguous" and "40 of its 161 cells" in check["message"]


def _check(notes: list[dict[str, Any]], subject: str) -> dict[str, Any]:
    (check,) = [n for n in notes if n["check"] == "column_order" and n["subject"] == subject]
    return check


def _cells(parsed: Any, table: str) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (c["indicator"], c["column"]): c
        for c in parsed.statistics
        if (c["indicator"] or "").split(".")[1:2] == [table]
    }


def test_section_four_is_read_under_its_header_cells(items: list[zoo.ZooReport]) -> None:
    """Section 四 printed block by block: 结果/维持, 结果/纠正, 行政/复议/其他/结果, then 6, 0,
    0; 尚未审结 and 总计, then 0, 6; … the lawsuits' last blocks after sections 五 and 六."""
    _, parsed = parse_file(FIXTURES / "zoo_00007_gen3.txt")
    cells = _cells(parsed, "s4")
    truth = {k: v for k, v in items[7].truth.items() if ".s4." in k[0]}
    assert {k: c["value"] for k, c in cells.items()} == truth
    assert {c["settled_by"] for c in cells.values()} == {"order"}
    assert cells[("g3.s4.lawsuit_direct", "total")]["value_text"] == "5"
    assert _check(parsed.notes, "g3.s4")["status"] == "pass"


def test_a_section_four_group_that_does_not_add_up_is_flagged(tmp_path: Path) -> None:
    text = (FIXTURES / "zoo_00007_gen3.txt").read_text()
    # the lawsuits filed directly: 4 + 0 + 0 + 1 = 5; printed 7, the group is not confirmed
    at = text.index("六、其他需要报告的事项")
    (tmp_path / "r.txt").write_text(text[:at] + text[at:].replace("总计\n5", "总计\n7", 1))
    _, parsed = parse_file(tmp_path / "r.txt")
    cells = _cells(parsed, "s4")
    direct = {col: c["value"] for (ind, col), c in cells.items() if ind.endswith("lawsuit_direct")}
    assert direct == dict.fromkeys(("upheld", "corrected", "other", "pending", "total"))
    assert {c["value_status"] for (ind, _), c in cells.items() if ind.endswith("direct")} == {
        "ambiguous"
    }
    assert cells[("g3.s4.reconsideration", "total")]["value"] == 6  # the other groups hold
    check = _check(parsed.notes, "g3.s4")
    assert check["status"] == "ambiguous" and "5 of its 15 cells" in check["message"]


def test_section_two_is_read_column_by_column(items: list[zoo.ZooReport]) -> None:
    """Generation 3's blocks: each column's numbers after its label (本年制发件数 2826, 0;
    信息内容 规章 行政规范性文件; 本年废止件数 5, 1157; …), row labels between them."""
    _, parsed = parse_file(FIXTURES / "zoo_00007_gen3.txt")
    cells = _cells(parsed, "s2")
    truth = {k: v for k, v in items[7].truth.items() if ".s2." in k[0]}
    assert {k: c["value"] for k, c in cells.items()} == truth
    assert cells[("g3.s2.fees", "fee_amount")]["unit"] == "万元"
    assert _check(parsed.notes, "g3.s2")["status"] == "pass"


def test_section_two_is_read_until_a_column_leaves_its_block(
    items: list[zoo.ZooReport],
) -> None:
    """Generation 2's pdftotext prints （一）'s first column (本年新制作数量 0, 1), then the next
    blocks' captions and first columns, and （一）'s other columns after them: the first column
    is read, and from the caption that comes too early on, nothing by order."""
    _, parsed = parse_file(FIXTURES / "zoo_00002_gen2.txt")
    cells = _cells(parsed, "s2")
    read = {k: c["value"] for k, c in cells.items() if c["value"] is not None}
    truth = items[2].truth
    assert read == {
        k: truth[k]
        for k in (("g2.s2.rules", "new_made"), ("g2.s2.normative_documents", "new_made"))
    }
    assert {c["value_status"] for c in cells.values() if c["value"] is None} == {"ambiguous"}
    check = _check(parsed.notes, "g2.s2")
    assert check["status"] == "ambiguous" and "20 of its 22 cells" in check["message"]


def test_read_column_blocks_wants_each_column_named_alone() -> None:
    blocks = [("第一块", ["甲", "乙"], 2)]
    good = "第一块\n甲\n1\n2\n乙\n3\n4\n"
    read = read_column_blocks(good, good, 0, len(good), blocks)
    assert read is not None and [c.value for c in read[0, 1]] == [3, 4]
    for bad in (
        "第一块\n甲\n乙\n1\n2\n3\n4\n",  # two labels, then the numbers: whose is whose?
        "第一块\n乙\n1\n2\n甲\n3\n4\n",  # the columns out of their order
        "第一块\n甲\n1\n2\n3\n乙\n4\n",  # a column with more numbers than rows
        "甲\n1\n2\n乙\n3\n4\n",  # no caption
    ):
        assert read_column_blocks(bad, bad, 0, len(bad), blocks) == {}, bad
    # the columns before the first that breaks the order are read, the rest not
    two = [("第一块", ["甲", "乙"], 2), ("第二块", ["丙"], 1)]
    early = "第一块\n甲\n1\n2\n第二块\n丙\n5\n乙\n3\n4\n"
    assert [k for k in read_column_blocks(early, early, 0, len(early), two)] == [(0, 0)]
    short = "第一块\n甲\n1\n2\n乙\n3\n"  # the last column's numbers did not all come
    assert [k for k in read_column_blocks(short, short, 0, len(short), blocks)] == [(0, 0)]


def test_layouts_of_runs() -> None:
    # two rows under the header (one-row bands), then a band of two rows
    assert len(layouts([1, 1, 3, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2], 4, 7)) >= 1
    # a band of three rows: seven runs of three, read by order
    ((band),) = layouts([3] * 7, 3, 7, top=False)
    assert band[0] == (0, 3, 6, 9, 12, 15, 18)
    # a blank cell dropped: the short column is a gap (its slots marked GAP less the index
    # of its run's first number, 3: which row's is blank is for the arithmetic to say), the
    # others are placed; a run shorter still is unread
    ((band),) = layouts([3, 2, 3, 3, 3, 3, 3], 3, 7, top=False)
    assert [row[1] for row in band] == [GAP - 3] * 3 and band[0][0] == 0
    ((band),) = layouts([3, 1, 3, 3, 3, 3, 3], 3, 7, top=False)
    assert [row[1] for row in band] == [None] * 3
    # the numbers do not make the rows: no layout at all
    assert layouts([2] * 7, 3, 7, top=False) == set()


def test_number_runs() -> None:
    text = "一、x\n5\n6\n\n商业\n7\n— 3 —\n"
    assert [[c.value for c in r] for r in number_runs(text, text, 0, len(text))] == [[5, 6], [7]]


def test_confirmed_needs_an_identity_that_holds() -> None:
    def row(*values: int) -> list[Cell | None]:
        return [Cell(v, str(v), 0, 1) for v in values]

    cells = {
        "received": row(1, 2, 3),
        "carried_in": row(0, 0, 0),
        "granted": row(1, 1, 2),
        "total": row(1, 2, 3),
        "carried_over": row(0, 0, 0),
    }
    ok = confirmed(
        cells, (["received", "carried_in"], ["total", "carried_over"]), (["granted"], "total")
    )
    # column 0 and the total column hold; column 1: granted (1) is not the results total (2)
    assert ok["received"] == [True, True, True]
    assert ok["granted"] == [True, False, False]
    assert ok["total"] == [True, False, False]


# a report that breaks its arithmetic in one place: the cells of the checks that fail
# (fixture → its zoo report, cells the checks leave, of them settled by the prose, table,
# some of those cells' rows)
FAULTY = {
    # 历年累计 of 行政诉讼数 printed below the year's: that row's two cells; the prose states
    # the year's lawsuits
    "zoo_00000_gen1_fault.txt": (0, 2, 1, "g1.appendix", ["g1.lawsuits"]),
    # a channel 1–9 more than 收到申请数 allows: the total and its four channels; the prose
    # states the total (2017 年共收到政府信息公开申请 359 件)
    "zoo_00005_gen1_national_fault.txt": (5, 5, 1, "g1n.appendix", ["g1n.requests_online"]),
    # … and the channel now more than its parent too: two checks, one number in common
    "zoo_00041_gen1_national_fault.txt": (41, 5, 1, "g1n.appendix", ["g1n.requests_online"]),
    # the provincial table's channels: the year's total and its three channels; the prose
    # states the total and its online channel
    "zoo_00164_gen1_fault.txt": (164, 4, 2, "g1.appendix", ["g1.requests_in_person"]),
}


@pytest.mark.parametrize("name", sorted(FAULTY))
def test_a_check_that_fails_leaves_its_own_cells_empty(name: str) -> None:
    """A table placed by order whose arithmetic fails in one place: the cells of the checks
    that fail are left empty (the report's error or a number out of place: not known) but
    where the prose states the number in place, every other cell is the truth's, and the
    column_order check names what failed."""
    index, unread, by_prose, subject, among = FAULTY[name]
    truth = zoo.reports(index + 1, 0)[index].truth
    _, parsed = parse_file(FIXTURES / name)
    got = [c for c in parsed.statistics if c["indicator"]]
    empty = [c for c in got if c["value"] is None]
    assert len(empty) == unread - by_prose and {c["value_status"] for c in empty} == {"ambiguous"}
    assert set(among) <= {c["indicator"] for c in empty}
    assert all(c["value_text"] for c in empty)  # the number as printed is kept beside
    assert sum(c["settled_by"] == "prose" for c in got) == by_prose
    assert [
        c["indicator"]
        for c in got
        if c["value"] is not None and c["value"] != truth[(c["indicator"], c["column"])]
    ] == []
    check = _check(parsed.notes, subject)
    assert check["status"] == "ambiguous"
    assert f"{unread} of its {len(got)} cells are left empty" in check["message"]
    assert "the table's other checks hold" in check["message"]
    assert f"the prose states the same figure for {by_prose}: kept" in check["message"]


def _placed(values: list[int], *parents: str | None) -> tuple[Any, Any]:
    rows = [({"code": f"r{n}", "parent": p}, 0, f"r{n}") for n, p in enumerate(parents)]
    cells = {(n, "value"): Cell(v, str(v), 0, 1) for n, v in enumerate(values)}
    return rows, cells


def test_one_failure_is_localised_only_where_one_number_explains_it() -> None:
    # r1, r2 within r0 (a parent check each); r3 within r2
    rows, cells = _placed([5, 3, 4, 1], None, "r0", "r0", "r2")
    failed, held = arithmetic(rows, cells, ["value"])
    assert failed == [] and held == 3 and unconfirmed(failed, held) == frozenset()
    rows, cells = _placed([5, 3, 4, 9], None, "r0", "r0", "r2")  # r3 > r2: one failure
    failed, held = arithmetic(rows, cells, ["value"])
    assert held == 2 and unconfirmed(failed, held) == {(3, "value"), (2, "value")}
    rows, cells = _placed([5, 6, 4, 9], None, "r0", "r0", "r2")  # r1 > r0 too: no common cell
    failed, held = arithmetic(rows, cells, ["value"])
    assert len(failed) == 2 and unconfirmed(failed, held) is None
    rows, cells = _placed([5, 3, 9], None, "r0", "r1")  # one failure, one check held
    failed, held = arithmetic(rows, cells, ["value"])
    assert held == 1 and unconfirmed(failed, held) is None


def test_readings_that_share_two_rows_numbers_two_ways_keep_the_columns() -> None:
    """zoo_00023: 其他处理's first two rows print 0 0 0 3 0 0 3 and 0 0 0 0 0 3 3, one-row
    bands whose numbers' order is not trusted: the 3 under 社会公益组织 may be either row's
    (and the one under 其他 the other's). Those four cells are left empty; the two columns'
    other cells stay confirmed, their identity holding in every reading."""
    truth = zoo.reports(24, 0)[23].truth
    _, parsed = parse_file(FIXTURES / "zoo_00023_gen3.txt")
    cells = _cells(parsed, "s3")
    empty = sorted(k for k, c in cells.items() if c["value"] is None)
    assert empty == [
        (f"g3.s3.other.{row}", col)
        for row in ("no_correction", "unpaid_fee")
        for col in ("other_org", "public_interest")
    ]
    assert {k: c["value"] for k, c in cells.items() if c["value"] is not None} == {
        k: v for k, v in truth.items() if ".s3." in k[0] and k not in empty
    }


def test_confirmed_in_every_reading() -> None:
    def row(*values: int) -> list[Cell | None]:
        return [Cell(v, str(v), 0, 1) for v in values]

    base = {
        "received": row(3, 3, 6),
        "carried_in": row(0, 0, 0),
        "total": row(3, 3, 6),
        "carried_over": row(0, 0, 0),
        "granted": row(1, 1, 2),
    }
    one = {**base, "a": row(2, 0, 2), "b": row(0, 2, 2)}
    two = {**base, "a": row(0, 2, 2), "b": row(2, 0, 2)}
    idents = (
        (["received", "carried_in"], ["total", "carried_over"]),
        (["granted", "a", "b"], "total"),
    )
    ok = confirmed_in_every([one, two], *idents)
    assert ok["a"] == [False, False, True] and ok["b"] == [False, False, True]
    assert ok["granted"] == [True, True, True]
    # as one agreed reading: the first two columns' identities cannot be computed
    assert confirmed(agreed([one, two]), *idents)["granted"] == [False, False, True]


def test_a_row_whose_total_holds_confirms_its_last_cell() -> None:
    """Column 1's identity cannot be computed (b's cell there is blank), so a's cell in it
    is confirmed by a's total alone: 4 = 1 + 3, every other cell of a confirmed."""

    def row(*values: int | None) -> list[Cell | None]:
        return [Cell(v, str(v) if v is not None else "", 0, 1) for v in values]

    cells = {
        "received": row(2, 3, 5),
        "carried_in": row(0, 0, 0),
        "total": row(2, 3, 5),
        "carried_over": row(0, 0, 0),
        "a": row(1, 3, 4),
        "b": row(1, None, 1),
    }
    ok = confirmed(
        cells, (["received", "carried_in"], ["total", "carried_over"]), (["a", "b"], "total")
    )
    assert ok["a"] == [True, True, True]
    # b's total cannot be checked (a blank): its cells stand on their columns' identities
    assert ok["b"] == [True, False, True]
    assert ok["total"] == [True, True, True]  # so is the total row's: 5 = 2 + 3


def test_a_one_row_band_a_number_short_is_a_pool_with_a_blank() -> None:
    # three one-row bands of 3 columns, one number a run: 8 numbers, a blank cell dropped
    assert layouts([1] * 8, 3, 3, top=False) == set()
    found = layouts([1] * 8, 3, 3, top=False, short=True)
    # whose it was is not known: any of the three rows is the pool of its two numbers and a
    # blank (None), in a column the arithmetic is to find (ogi.parse.pools)
    assert sorted(tuple(n for n, row in enumerate(band) if row[-1] is None) for band in found) == [
        (0,),
        (1,),
        (2,),
    ]
    short = next(band for band in found if band[0][-1] is None)
    assert short[0] == (-1, 0, 1, None) and short[1] == (-3, 2, 3, 4)


def test_the_blanks_dropped_in_zoo_00087_are_found() -> None:
    """zoo_00087 prints two cells blank: 部分公开 under 商业企业 and 逾期未缴费's total, so
    that one-row band is a number short. Before stop 22 no layout fitted and nothing was read;
    in stop 22 the short row was left unread, and with it every results identity, so only the
    28 cells of the balance rows were read. Now the short row is a pool with a blank
    (ogi.parse.pools), the blank's column found by the arithmetic, and the identities through
    the two blanks are checked with the numbers their rows imply (columns.implied): every
    other cell is read, and the two blanks are read as blanks."""
    truth = zoo.report(87).truth
    _, parsed = parse_file(FIXTURES / "zoo_00087_gen3_blank.txt")
    cells = _cells(parsed, "s3")
    read = {k: c["value"] for k, c in cells.items() if c["value"] is not None}
    assert all(truth[k] == v for k, v in read.items())
    assert len(read) == sum(v is not None for k, v in truth.items() if ".s3." in k[0]) == 173
    assert {k: c["value_status"] for k, c in cells.items() if c["value"] is None} == {
        ("g3.s3.partial", "commercial"): "blank",
        ("g3.s3.other.unpaid_fee", "total"): "blank",
    }


def test_the_prose_settles_an_unconfirmed_cell_only_when_it_states_that_number() -> None:
    def cell(indicator: str, text: str) -> dict[str, Any]:
        return {
            "indicator": indicator,
            "column": "total",
            "value": None,
            "value_text": text,
            "value_status": "ambiguous",
            "settled_by": None,
        }

    table = SimpleNamespace(
        cells=[
            cell("g3.s3.received", "１２"),
            cell("g3.s3.granted", "5"),
            cell("g3.s3.total", "7"),
        ],
        candidates={},
    )
    note = {"check": "column_order", "subject": "g3.s3", "status": "ambiguous", "message": "…"}
    stated = {
        ("g3.s3.received", "total"): {12},  # the same number (printed full-width)
        ("g3.s3.granted", "total"): {6},  # another: the prose and the table disagree
        ("g3.s3.total", "total"): {7, 8},  # two figures stated: which is not known
    }
    settle_by_prose([table], [note], stated)
    assert [(c["value"], c["settled_by"]) for c in table.cells] == [
        (12, "prose"),
        (None, None),
        (None, None),
    ]
    assert note["status"] == "ambiguous"
    assert note["message"].endswith(
        "the prose states the same figure for 1: kept, settled by the prose."
    )
    other = {**note, "subject": "g3.s2", "message": "…"}  # not a table placed by order
    fresh = SimpleNamespace(cells=[cell("g3.s2.rules", "12")], candidates={})
    settle_by_prose([fresh], [other], {("g3.s2.rules", "total"): {12}})
    assert fresh.cells[0]["value"] is None
