"""Cells printed blank in section 三, which plain pdftotext drops (it prints nothing for an
empty cell): put back where the table's arithmetic allows, never given a number
(ogi.parse.blanks for a column's run one number short, ogi.parse.pools for a band of one row
one number short, columns.implied for the identities through a blank). The fixtures are
poppler's pdftotext of zoo reports (seed 0) with the fault ``blank_cells``; their truth is
the generator's, a blank cell's truth None."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ogi.build import parse_file
from ogi.parse.blanks import Gap, fills, place
from ogi.parse.columns import consistent, implied
from ogi.parse.digits import Cell
from ogi.parse.pools import solve_pools
from ogi.synth import zoo

FIXTURES = Path(__file__).parent / "fixtures" / "pdftotext"
RESULTS = (["a", "b", "c"], "total")  # three result rows and their total, no balance
NO_BALANCE: tuple[list[str], list[str]] = ([], [])


def _row(*values: int | None) -> list[Cell | None]:
    return [Cell(v, "" if v is None else str(v), n, n) for n, v in enumerate(values)]


def _values(row: list[Cell | None]) -> list[Any]:
    return ["unread" if c is None else c.value for c in row]


def _s3(name: str) -> tuple[dict[tuple[str, str], dict[str, Any]], list[dict[str, Any]]]:
    _, parsed = parse_file(FIXTURES / name)
    cells = {
        (c["indicator"], c["column"]): c
        for c in parsed.statistics
        if c["indicator"] and ".s3." in c["indicator"]
    }
    notes = [n for n in parsed.notes if n["check"] == "column_order" and n["subject"] == "g3.s3"]
    return cells, notes


def test_implied_checks_a_column_through_a_blank() -> None:
    # b's middle cell is blank: its row implies 4 (4 - 0), so column 1's identity is
    # computable (2 + 4 + 0 = 6) where before it could not be
    cells = {
        "a": _row(1, 2, 3),
        "b": _row(0, None, 4),
        "c": _row(2, 0, 2),
        "total": _row(3, 6, 9),
    }
    assert _values(implied(cells)["b"]) == [0, 4, 4]
    assert _values(cells["b"]) == [0, None, 4]  # the cells themselves are not changed
    assert consistent(cells, NO_BALANCE, RESULTS)
    broken = {**cells, "total": _row(3, 7, 10)}  # 7: the report's own arithmetic fails there
    assert not consistent(broken, NO_BALANCE, RESULTS)
    two = {**cells, "b": _row(None, None, 4)}  # two blanks in a row: nothing is implied
    assert _values(implied(two)["b"]) == [None, None, 4]
    # b's other cells are over its total (2 > 1): no number in its blank makes it add up,
    # though every identity that can be computed holds
    over = {"a": _row(1, 2, 3), "b": _row(2, None, 1), "total": _row(3, 1, 4)}
    assert not consistent(over, NO_BALANCE, (["a", "b"], "total"))
    assert consistent(
        {**over, "b": _row(2, None, 2), "total": _row(3, 2, 5)}, NO_BALANCE, (["a", "b"], "total")
    )


def test_a_column_one_number_short_puts_its_blank_where_the_arithmetic_allows() -> None:
    cells = {
        "a": _row(1, None, 3),
        "b": _row(0, None, 4),
        "c": _row(2, None, 2),
        "total": _row(3, 6, 9),
    }
    gap = Gap([("a", 1), ("b", 1), ("c", 1)], [Cell(2, "2", 10, 11), Cell(0, "0", 12, 13)])
    assert _values(place(cells, gap, 0)["a"]) == [1, None, 3]  # the blank first
    (reading,) = fills(cells, [gap], set(), NO_BALANCE, RESULTS)
    # a blank first, or last, breaks b's or c's row total: it is b's
    assert [_values(reading[c])[1] for c in "abc"] == [2, None, 0]
    assert reading["b"][1] is not None and reading["b"][1].text == ""  # printed blank
    # rows not yet placed (a pool) are left out of the identities: a, b and c all unplaced
    # leave nothing to check, so every slot is kept
    assert len(fills(cells, [gap], {"a", "b", "c"}, NO_BALANCE, RESULTS)) == 3


def test_a_one_row_band_one_number_short_has_its_blank_in_any_column() -> None:
    # row b's band of one row printed 3 and 0 (order unknown) and a blank: b is 0 3 <blank>
    # in the report, total 6 = 3 + 3 (its blank total implied 3). 0 <blank> 3 fits too (the
    # blank's implied 3 adds up in column 1): the arithmetic cannot tell, both are found
    cells = {
        "a": _row(1, 2, 3),
        "b": [Cell(3, "3", 20, 21), Cell(0, "0", 22, 23), None],
        "c": _row(0, 0, 0),
        "total": _row(1, 5, 6),
    }
    got = solve_pools(cells, {0: ["b"]}, NO_BALANCE, RESULTS)
    assert got is not None
    assert sorted(str(_values(r["b"])) for r in got) == ["[0, 3, None]", "[0, None, 3]"]
    # four columns, b 1 2 0 <blank> (its total 3), printed 2 0 1: a blank anywhere else
    # breaks a column (in column 1 its row implies 1, not 2) or the totals' column
    wide = {
        "a": _row(1, 1, 1, 3),
        "b": [Cell(2, "2", 20, 21), Cell(0, "0", 22, 23), Cell(1, "1", 24, 25), None],
        "total": _row(2, 3, 1, 6),
    }
    got = solve_pools(wide, {0: ["b"]}, NO_BALANCE, (["a", "b"], "total"))
    assert got is not None and [_values(r["b"]) for r in got] == [[1, 2, 0, None]]


def test_a_blank_a_row_printed_out_of_order_is_flagged_not_given_a_number() -> None:
    """zoo_01035 prints three cells blank. 其他 of 申请人无正当理由逾期不补正's band of one row
    is one (so its band is a number short), and pdftotext prints that row's first number
    after the others (0 0 3 2 7 2, for 2 <blank> 0 0 3 2 7). When the short row's numbers
    were taken in printed order, the reading that gave the row's blank a 0 (and 逾期未缴费's
    0 a blank) was the only one left, and the zoo counted a wrong value. Drawn as a pool,
    both readings are found, and the cells they differ in are flagged."""
    truth = zoo.report(1035).truth
    cells, notes = _s3("zoo_01035_gen3_blank.txt")
    read = {k: c["value"] for k, c in cells.items() if c["value"] is not None}
    assert all(truth[k] == v for k, v in read.items())
    assert len(cells) == 175 and len(read) == 161
    assert cells[("g3.s3.other.no_correction", "commercial")]["value"] is None
    assert {k: c["value_status"] for k, c in cells.items() if truth[k] is None} == {
        ("g3.s3.refused.three_safeties", "natural_person"): "ambiguous",
        ("g3.s3.refused.internal_affairs", "natural_person"): "blank",
        ("g3.s3.other.no_correction", "commercial"): "ambiguous",
    }
    # the cells the readings have apart are listed with their candidates
    assert (
        "13 of its 175 cells are left empty: the table's arithmetic does not confirm them. "
        "The readings that fit differ in 13: “属于国家秘密” × 自然人: 0 or blank; "
    ) in notes[0]["message"]
    assert notes[0]["message"].endswith("; and 7 more.")


def test_a_search_too_big_to_finish_relies_on_no_reading() -> None:
    """zoo_00331's readings (three blanks, four pools of one-row bands, rows under the header
    interleaved) take more than the table's budget of steps to search. A reading left
    unsearched may be the report's, so none of those found is relied on: the table falls
    back to its numbers as printed, of which the arithmetic confirms 22; the rest is
    flagged and the check says why."""
    truth = zoo.report(331).truth
    cells, notes = _s3("zoo_00331_gen3_blank.txt")
    read = {k: c["value"] for k, c in cells.items() if c["value"] is not None}
    assert all(truth[k] == v for k, v in read.items())
    assert len(read) == 22
    assert "too many ways to search them all" in notes[0]["message"]


@st.composite
def _tables(draw: st.DrawFn) -> tuple[dict[str, list[Cell | None]], list[str], dict[str, Any]]:
    """A small section 三: result rows of nonnegative cells and their row totals, a total
    row; some rows printed as one-row bands (their numbers shuffled), one of them perhaps a
    blank cell short; the report's own rows (the truth) beside."""
    width = draw(st.integers(2, 4))
    n = draw(st.integers(2, 4))
    truth: dict[str, Any] = {}
    for r in range(n):
        row = [draw(st.integers(0, 3)) for _ in range(width - 1)]
        truth[f"r{r}"] = [*row, sum(row)]
    truth["total"] = [sum(truth[f"r{r}"][j] for r in range(n)) for j in range(width)]
    pooled = draw(
        st.lists(st.sampled_from(sorted(truth)[:-1]), min_size=1, max_size=2, unique=True)
    )
    short = draw(st.sampled_from([None, *pooled]))
    cells: dict[str, list[Cell | None]] = {}
    for code, values in truth.items():
        if code not in pooled:
            cells[code] = [Cell(v, str(v), 0, 0) for v in values]
            continue
        numbers = list(values)
        if code == short:  # its blank: a cell printed empty (its value unknown to the reader)
            at = draw(st.integers(0, width - 1))
            truth[code] = [*values[:at], None, *values[at + 1 :]]
            numbers.pop(at)
        printed = draw(st.permutations(numbers))
        row: list[Cell | None] = [
            Cell(v, str(v), 10 * k, 10 * k + 1) for k, v in enumerate(printed)
        ]
        cells[code] = row + [None] * (width - len(row))
    return cells, pooled, truth


@settings(max_examples=80, deadline=None)
@given(_tables())
def test_the_pool_solver_finds_exactly_the_readings_that_fit(
    table: tuple[dict[str, list[Cell | None]], list[str], dict[str, Any]],
) -> None:
    """Every reading the solver gives fits, it gives every one that fits (a brute force over
    every order of every pooled row's numbers, a blank in any place), and the report's own
    is among them: pruning, the order of the columns and the memo lose nothing."""
    cells, pooled, truth = table
    results = (sorted(c for c in cells if c != "total"), "total")
    pools = {-1 - n: [code] for n, code in enumerate(pooled)}
    got = solve_pools(cells, pools, NO_BALANCE, results)
    assert got is not None
    found = {tuple(tuple(_values(r[c])) for c in pooled) for r in got}
    options = []
    for code in pooled:
        numbers = [c.value for c in cells[code] if c is not None]
        ways = set(itertools.permutations(numbers))
        if len(numbers) < len(cells[code]):  # a number short: the blank in any place
            ways = {(*w[:at], None, *w[at:]) for w in ways for at in range(len(numbers) + 1)}
        options.append(sorted(ways, key=str))
    fit = set()
    for combo in itertools.product(*options):
        trial = {**cells}
        for code, values in zip(pooled, combo, strict=True):
            trial[code] = [Cell(v, "", 0, 0) for v in values]
        if consistent(trial, NO_BALANCE, results):
            fit.add(tuple(tuple(v) for v in combo))
    assert found == fit
    assert tuple(tuple(truth[c]) for c in pooled) in found


def test_the_prose_picks_among_the_readings_only_the_figure_it_states() -> None:
    """zoo_00735's rows 本年新收 and 上年结转 stand under the header, their numbers one pool,
    and every identity is the same with the two rows traded (一 + 二 = 七 + 四): the readings
    that fit have both rows apart, candidates listed in the check (the first six). The prose states 本年度共
    收到政府信息公开申请 27 件, one of 本年新收 总计's candidates (27 or 117): that cell is
    kept, settled by the prose, printed where the readings that have it put it; the rest of
    both rows stays flagged (the prose states nothing of them)."""
    truth = zoo.report(735).truth
    cells, notes = _s3("zoo_00735_gen3.txt")
    read = {k: c["value"] for k, c in cells.items() if c["value"] is not None}
    assert all(truth[k] == v for k, v in read.items())
    got = cells[("g3.s3.received", "total")]
    assert (got["value"], got["settled_by"], got["value_text"]) == (27, "prose", "27")
    assert cells[("g3.s3.carried_in", "total")]["value"] is None
    assert {k[0] for k, c in cells.items() if c["value"] is None} == {
        "g3.s3.received",
        "g3.s3.carried_in",
    }
    message = notes[0]["message"]
    assert "differ in 14: “本年新收政府信息公开申请数量” × 自然人: 9 or 95; " in message
    assert message.endswith("the prose states the same figure for 1: kept, settled by the prose.")


def test_the_prose_settles_no_candidate_it_does_not_state() -> None:
    from types import SimpleNamespace

    from ogi.parse.ordered import settle_by_prose

    def cell(indicator: str) -> dict[str, Any]:
        return {
            "indicator": indicator,
            "column": "total",
            "value": None,
            "value_text": "",
            "value_status": "ambiguous",
            "settled_by": None,
            "start": 0,
            "end": 0,
        }

    two = [Cell(27, "27", 100, 102), Cell(117, "117", 200, 203)]
    table = SimpleNamespace(
        cells=[cell("g3.s3.received"), cell("g3.s3.carried_in"), cell("g3.s3.total")],
        candidates={
            ("g3.s3.received", "total"): two,
            ("g3.s3.carried_in", "total"): two,
            ("g3.s3.total", "total"): two,
        },
    )
    note = {"check": "column_order", "subject": "g3.s3", "status": "ambiguous", "message": "…"}
    stated = {
        ("g3.s3.received", "total"): {117},  # one of the candidates: kept, where it stands
        ("g3.s3.carried_in", "total"): {30},  # none of them: the prose and the table disagree
        ("g3.s3.total", "total"): {27, 117},  # two figures stated: which is not known
    }
    settle_by_prose([table], [note], stated)
    assert [(c["value"], c["value_text"], c["start"]) for c in table.cells] == [
        (117, "117", 200),
        (None, "", 0),
        (None, "", 0),
    ]
