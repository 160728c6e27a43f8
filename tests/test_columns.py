"""Tables printed column by column, as plain pdftotext prints them (ogi.parse.columns,
g1_columns, g1n_columns). The fixtures are poppler's pdftotext of four zoo reports (seed 0:
LibreOffice's PDF of ogi.synth's office document), one of each family; their truth is the
generator's. A value is kept only where the table's arithmetic confirms its place, so every
value read is the truth's and the rest are flagged."""

from __future__ import annotations

from pathlib import Path

import pytest

from ogi.build import parse_file
from ogi.parse.columns import confirmed, layouts, number_runs
from ogi.parse.digits import Cell
from ogi.synth import zoo

FIXTURES = Path(__file__).parent / "fixtures" / "pdftotext"
# fixture → (its zoo report, cells read, cells with a value)
CASES = {
    "zoo_00001_gen1_national.txt": (1, 58, 58),
    "zoo_00002_gen2.txt": (2, 183, 121),  # its results do not add up: those cells flagged
    "zoo_00004_gen1.txt": (4, 30, 30),
    "zoo_00007_gen3.txt": (7, 185, 175),  # section 二 and 四 are not read from this form
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
    check = next(n for n in parsed.notes if n["check"] == "column_order")
    assert check["status"] == "pass"


def test_a_report_that_breaks_its_arithmetic_is_flagged_not_corrected() -> None:
    _, parsed = parse_file(FIXTURES / "zoo_00002_gen2.txt")
    cells = {(c["indicator"], c["column"]): c for c in parsed.statistics}
    assert cells[("g2.s3.total", "natural_person")]["value"] is None
    assert cells[("g2.s3.total", "natural_person")]["value_status"] == "ambiguous"
    check = next(n for n in parsed.notes if n["check"] == "column_order")
    assert check["status"] == "ambiguous" and "40 of its 161 cells" in check["message"]


def test_layouts_of_runs() -> None:
    # two rows under the header (one-row bands), then a band of two rows
    assert len(layouts([1, 1, 3, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2], 4, 7)) >= 1
    # a band of three rows: seven runs of three, read by order
    ((band),) = layouts([3] * 7, 3, 7, top=False)
    assert band[0] == (0, 3, 6, 9, 12, 15, 18)
    # a blank cell dropped: the short column is unread, the others are placed
    ((band),) = layouts([3, 2, 3, 3, 3, 3, 3], 3, 7, top=False)
    assert band[0][1] is None and band[0][0] == 0
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
