"""Tables printed column by column, as plain ``pdftotext`` prints an office PDF's tables.

pdftotext prints a table block by block: the row labels one after another, then the numbers,
one a line, in *runs* (lines of one number each, set apart by an empty line or other text such
as a header cell's words). The rows are a template's, known in order; what is lost is which
numbers are whose. Looking at what pdftotext makes of the national template: the rows of a
*band* (rows standing together between two group labels, a page break, a tall row) print as
one run per column, left to right, each run the band's rows top to bottom; a band of one row
may print its numbers in runs of any length, in the row's order.

:func:`layouts` cuts the runs into bands by their lengths alone, every way that uses every run
and gives exactly the rows labelled. A band of ``k`` rows is ``width`` runs of ``k`` numbers
(a run one number short — pdftotext prints nothing for a blank cell — is a *gap*: its
numbers fill its rows in order but one, which is blank, and the arithmetic is to say which:
:mod:`ogi.parse.blanks`; shorter still, that column of the band is unread). A band of one
row is runs adding up to ``width`` numbers, marked -1 in the layout: its numbers are the
row's, but their order is only as pdftotext printed them, which is not always the columns';
the first row's last numbers may stand after everything else, under header cells that span
rows (:mod:`ogi.parse.pools` places them). Only when no layout fits so, a band of one row
may be one number short (a blank cell dropped): its numbers and a blank, in a column the
arithmetic is to find. The caller keeps a value only where the table's own arithmetic
confirms it (the reader of section 三: :func:`confirmed`, in every reading that fits:
:func:`confirmed_in_every`; through a blank cell with the number its row implies:
:func:`implied`), so a converter that printed a band's runs in another order leaves cells
flagged, never wrong.

>>> sorted(layouts([1, 1, 3, 1, 1, 2, 2, 2, 2, 2, 2, 2], rows=3, width=7))[0]
((-1, 0, 1, 2, 3, 4, 5, 6), (7, 9, 11, 13, 15, 17, 19), (8, 10, 12, 14, 16, 18, 20))
>>> layouts([2, 2, 2, 2, 2, 2, 2], rows=3, width=7)
set()
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .digits import BLANKS, Cell

# one number alone on its line (a count, a signed change, an amount), or a blank mark
_NUMBER = re.compile(r"[ \t]*(?P<n>[-+]?\d[\d,]*(?:\.\d+)?|——|—|–|－|/|／)[ \t]*")
LAYOUTS = 16  # layouts enumerated before the runs are called too ambiguous to place
TOP_ROWS = 2  # rows under the header whose numbers pdftotext may interleave

# row → column → index of its number (None: unread); a row of one-row band is marked by a
# leading -1 (its numbers are the row's, their order is only as pdftotext printed them); the
# slots of a run one number short (a blank cell dropped) are marked GAP - the index of its
# first number: the numbers fill those slots in order, one slot left blank
Layout = tuple[tuple[int | None, ...], ...]
GAP = -2


def number_runs(text: str, folded: str, start: int, end: int) -> list[list[Cell]]:
    """The runs of number lines in ``folded[start:end]``: consecutive lines holding one number
    each (a blank mark is a number whose value is None); anything else ends a run."""
    runs: list[list[Cell]] = []
    run: list[Cell] = []
    pos = start
    while pos < end:
        stop = folded.find("\n", pos, end)
        stop = end if stop < 0 else stop
        m = _NUMBER.fullmatch(folded, pos, stop)
        if m:
            raw = m.group("n")
            run.append(
                Cell(number_value(raw), text[m.start("n") : m.end("n")], m.start("n"), m.end("n"))
            )
        elif run:
            runs.append(run)
            run = []
        pos = stop + 1
    if run:
        runs.append(run)
    return runs


def number_value(raw: str) -> int | float | None:
    """The value of a number as :func:`number_runs` reads it (None: a blank mark)."""
    if raw in BLANKS:
        return None
    plain = raw.replace(",", "")
    return float(plain) if "." in plain else int(plain)


def layouts(
    lengths: list[int], rows: int, width: int, top: bool = True, short: bool = False
) -> set[Layout]:
    """Every way of reading runs of these lengths as bands of ``rows`` rows of ``width``
    columns (at most LAYOUTS + 1 of them); ``top``: the rows stand under the header;
    ``short``: a one-row band may be one number short (a blank cell dropped: the row is left
    unread), tried only when no layout fits without (it makes more layouts fit)."""
    starts = [sum(lengths[:i]) for i in range(len(lengths))]
    found: set[Layout] = set()
    for layout in _cut(lengths, starts, 0 if top else -1, len(lengths), rows, width, short):
        found.add(tuple(layout))
        if len(found) > LAYOUTS:
            break
    return found


def _cut(
    lengths: list[int], starts: list[int], i: int, j: int, rows: int, width: int, short: bool
) -> Iterator[list[tuple[int | None, ...]]]:
    """The layouts of runs ``i`` … ``j - 1`` as ``rows`` rows (``i`` -1: 0, not under the
    header)."""
    if i < 0:
        yield from _cut_from(lengths, starts, 0, j, rows, width, False, short)
        return
    yield from _cut_from(lengths, starts, i, j, rows, width, True, short)


def _cut_from(
    lengths: list[int],
    starts: list[int],
    i: int,
    j: int,
    rows: int,
    width: int,
    top: bool,
    short: bool,
) -> Iterator[list[tuple[int | None, ...]]]:
    if i == j or rows == 0:
        if i == j and rows == 0:
            yield []
        return
    for band, i2, j2 in _bands(lengths, starts, i, j, rows, width, top, short):
        for rest in _cut_from(lengths, starts, i2, j2, rows - len(band), width, False, short):
            yield band + rest


def _bands(
    lengths: list[int],
    starts: list[int],
    i: int,
    j: int,
    rows: int,
    width: int,
    top: bool,
    short: bool,
) -> Iterator[tuple[list[tuple[int | None, ...]], int, int]]:
    """The bands runs ``i`` … ``j - 1`` may begin with: (its rows, the runs left: i2, j2)."""
    runs = lengths[i : min(i + width, j)]
    k = max(runs) if len(runs) == width else 0
    full = sum(n == k for n in runs)
    if k and 1 < k <= rows and 2 * full > width:  # one run a column; a run one short: a
        # blank cell dropped (a gap: which row's is not known); shorter still: unread
        cols: list[Any] = [
            range(starts[i + c], starts[i + c] + k)
            if n == k
            else [GAP - starts[i + c]] * k
            if n == k - 1
            else None
            for c, n in enumerate(runs)
        ]
        yield [tuple(col[r] if col else None for col in cols) for r in range(k)], i + width, j
    if top:  # the rows under the header: their numbers interleaved, some printed last
        yield from _top(lengths, starts, j, rows, width)
        return
    total = 0
    for used in range(1, j - i + 1):  # one row, its numbers in runs
        total += lengths[i + used - 1]
        if short and total == width - 1:  # a blank cell dropped: which one is not known
            yield [(-1 - starts[i], *range(starts[i], starts[i] + width - 1), None)], i + used, j
        if total >= width:
            if total == width:
                yield [(-1 - starts[i], *range(starts[i], starts[i] + width))], i + used, j
            return


def _top(
    lengths: list[int], starts: list[int], j: int, rows: int, width: int
) -> Iterator[tuple[list[tuple[int | None, ...]], int, int]]:
    """The first rows of a region as one-row bands whose numbers are one pool: the region's
    first runs and perhaps its last ones (pdftotext prints the cells under a header cell that
    spans rows after the rest, and interleaves the first rows' runs)."""
    for m in range(1, min(rows, TOP_ROWS) + 1):
        need, head = m * width, 0
        for p in range(1, j + 1):
            head += lengths[p - 1]
            if head > need:
                break
            tail, t = 0, j
            while t > p and head + tail < need:
                t -= 1
                tail += lengths[t]
            if head + tail == need and (p == j or t > p or m == rows):
                idx = (
                    [*range(0, head), *range(starts[t], starts[t] + tail)]
                    if tail
                    else [*range(0, head)]
                )
                yield [(-1, *idx[r * width : (r + 1) * width]) for r in range(m)], p, t


@dataclass
class ByOrder:
    """What a table printed column by column gives for one label run: each row's cells by
    order (None: unread), or why nothing could be placed."""

    cells: list[list[Cell | None]]
    problem: str = ""
    # a row of a one-row band: the pool its numbers are drawn from (rows of one pool share it;
    # which numbers are the row's and in which order is not known); None: placed by order
    pools: list[int | None] = field(default_factory=list)
    runs: list[list[Cell]] = field(default_factory=list)  # the numbers as printed, in runs
    # runs one number short (a blank cell dropped): their slots (row, column) in order, the
    # numbers that fill all but one of them (the slots are None in ``cells``)
    gaps: list[tuple[list[tuple[int, int]], list[Cell]]] = field(default_factory=list)


def read_runs(
    text: str, folded: str, rows: int, width: int, start: int, end: int, top: bool = True
) -> tuple[list[ByOrder], str]:
    """The numbers of ``rows`` rows of ``width`` columns printed column by column in
    ``folded[start:end]``: one reading by order for every layout of their runs that fits
    (none, with the reason, when none does or too many do)."""
    runs = number_runs(text, folded, start, end)
    flat = [c for run in runs for c in run]
    found = layouts([len(r) for r in runs], rows, width, top) or layouts(
        [len(r) for r in runs], rows, width, top, short=True
    )
    if not found:
        shown = " ".join(str(len(r)) for r in runs) or "none"
        return [], (
            f"its {len(flat)} numbers, in runs of {shown}, do not make {rows} rows of "
            f"{width} columns"
        )
    if len(found) > LAYOUTS:
        return [], f"its {len(flat)} numbers make {rows} rows of {width} columns in too many ways"
    out = []
    for layout in sorted(found, key=str):
        pools = [row[0] if len(row) > width else None for row in layout]
        rows_of = [row[1:] if len(row) > width else row for row in layout]
        slots: dict[int, list[tuple[int, int]]] = {}
        for r, row in enumerate(rows_of):
            for c, i in enumerate(row):
                if i is not None and i < 0:
                    slots.setdefault(GAP - i, []).append((r, c))
        cells = [[flat[i] if i is not None and i >= 0 else None for i in r] for r in rows_of]
        gaps = [(where, flat[s : s + len(where) - 1]) for s, where in slots.items()]
        out.append(ByOrder(cells, "", pools, runs, gaps))
    return out, ""


def label_runs(folded: str, spans: list[tuple[int, int]]) -> list[list[int]]:
    """The found rows' labels grouped into runs: consecutive labels (by index into ``spans``,
    each (start, end) of a label) with no number line between them."""
    out: list[list[int]] = []
    for i, (s, _) in enumerate(spans):
        if out and not number_runs(folded, folded, spans[i - 1][1], s):
            out[-1].append(i)
        else:
            out.append([i])
    return out


def confirmed(
    cells: dict[str, list[Cell | None]],
    balance: tuple[list[str], list[str]],
    results: tuple[list[str], str],
) -> dict[str, list[bool]]:
    """Which cells of section 三 read by order the table's arithmetic confirms: the row's
    total holds (where every cell of the row is read) and of the column identities the cell
    is part of (一 + 二 = （七） + 四; （七） = the sum of the results) one can be computed and
    holds, none fails; or its row's total holds and every other cell of the row is confirmed
    so. A blank or unread cell confirms nothing."""
    width = len(next(iter(cells.values()))) if cells else 0
    left, right = balance
    parts, total = results
    ok: dict[str, list[bool]] = {code: [False] * width for code in cells}

    filled = implied(cells)

    def values(codes: list[str], j: int) -> list[Any] | None:
        got = [filled[c][j] if c in filled else None for c in codes]
        vals = [c.value if c else None for c in got]
        return None if any(v is None for v in vals) else vals

    row_ok = {}
    for code, row in cells.items():
        vals = [c.value if c else None for c in row]
        row_ok[code] = (
            None if any(v is None for v in vals) else sum(vals[:-1]) == vals[-1]  # type: ignore[arg-type]
        )
    present_parts = parts
    for j in range(width):
        lhs, rhs = values(left, j), values(right, j)
        holds_balance = None if lhs is None or rhs is None else sum(lhs) == sum(rhs)
        got_parts, whole = values(present_parts, j), values([total], j)
        holds_results = (
            None
            if got_parts is None or whole is None or not present_parts
            else sum(got_parts) == whole[0]
        )
        for code in cells:
            cell = cells[code][j]
            if cell is None or cell.value is None or row_ok[code] is False:
                continue
            mine = [
                h
                for h, member in (
                    (holds_balance, code in left or code in right),
                    (holds_results, code in parts or code == total),
                )
                if member
            ]
            ok[code][j] = any(h is True for h in mine) and not any(h is False for h in mine)
    for code in cells:  # a row whose total holds and all but one cell confirmed: that one
        # is the total less the others, as printed (its column's identity could not be
        # computed: a blank or an unread cell elsewhere in the column)
        if row_ok[code] and sum(not v for v in ok[code]) == 1:
            ok[code] = [True] * width
    return ok


def implied(cells: dict[str, list[Cell | None]]) -> dict[str, list[Cell | None]]:
    """The cells with a cell printed blank read as the number its row's total implies (the
    total less the row's other cells; a blank total: their sum), where it is its row's only
    blank and every other cell is read: so the column identities through it can be checked
    (they hold only if the report's arithmetic does). For the checks only, never a value.

    >>> row = [Cell(v, "", 0, 0) for v in (2, None, 5)]
    >>> [c.value for c in implied({"a": row})["a"]]
    [2, 3, 5]
    """
    out: dict[str, list[Cell | None]] = {}
    for code, row in cells.items():
        out[code] = row
        blank = [j for j, c in enumerate(row) if c is not None and c.value is None]
        if len(blank) != 1 or any(c is None for c in row):
            continue
        j, vals = blank[0], [c.value for c in row if c is not None]
        others = sum(v for k, v in enumerate(vals[:-1]) if k != j)  # type: ignore[misc]
        value = others if j == len(row) - 1 else vals[-1] - others  # type: ignore[operator]
        cell = row[j]
        if value >= 0 and cell is not None:
            out[code] = [*row[:j], Cell(value, cell.text, cell.start, cell.end), *row[j + 1 :]]
    return out


def _overdrawn(row: list[Cell | None]) -> bool:
    """A row with one blank cell whose other cells add up to more than its total: no number
    in the blank makes it hold."""
    vals = [c.value if c else None for c in row]
    if not row or any(c is None for c in row) or vals.count(None) != 1 or vals[-1] is None:
        return False
    return sum(v for v in vals[:-1] if v is not None) > vals[-1]  # type: ignore[operator]


def signed(
    balance: tuple[list[str], list[str]], results: tuple[list[str], str]
) -> list[dict[str, int]]:
    """The column identities as signed sums that are zero: code → its sign (a row that is
    on both sides counts once, on the left)."""
    (left, right), (parts, total) = balance, results
    return [
        {**{c: 1 for c in left}, **{c: -1 for c in right}},
        {total: 1, **{c: -1 for c in parts}},
    ]


def consistent(
    cells: dict[str, list[Cell | None]],
    balance: tuple[list[str], list[str]],
    results: tuple[list[str], str],
) -> bool:
    """No identity that can be computed fails: the rows' totals (a row with one blank cell:
    its other cells not over its total) and the column identities (through a blank cell its
    row implies: :func:`implied`)."""
    if any(_overdrawn(row) for row in cells.values()):
        return False
    cells = implied(cells)
    for row in cells.values():
        vals = [c.value if c else None for c in row]
        if all(v is not None for v in vals) and sum(vals[:-1]) != vals[-1]:  # type: ignore[arg-type]
            return False
    width = len(next(iter(cells.values()))) if cells else 0
    for ident in signed(balance, results):
        for j in range(width):
            got = [cells.get(code, [None] * width)[j] for code in ident]
            vals = [c.value if c else None for c in got]
            terms = zip(ident.values(), vals, strict=True)
            if all(v is not None for v in vals) and sum(s * v for s, v in terms):  # type: ignore[operator,misc]
                return False
    return True


def agreed(readings: list[dict[str, list[Cell | None]]]) -> dict[str, list[Cell | None]]:
    """Each cell as every reading has it (None where two readings differ)."""
    first = readings[0]
    out: dict[str, list[Cell | None]] = {}
    for code, row in first.items():
        out[code] = []
        for j, cell in enumerate(row):
            same = all(_value_of(r[code][j]) == _value_of(cell) for r in readings)
            out[code].append(cell if same else None)
    return out


def candidates(readings: list[dict[str, list[Cell | None]]]) -> dict[tuple[str, int], list[Cell]]:
    """The cells two readings have apart, each with the numbers the readings give it (one of
    each value, smallest first, a blank last), where every reading has a number or a blank
    there."""
    out: dict[tuple[str, int], list[Cell]] = {}
    for code, row in readings[0].items():
        for j in range(len(row)):
            got = [r[code][j] for r in readings]
            if any(c is None for c in got):
                continue
            each = {c.value: c for c in reversed(got) if c is not None}  # the first reading's
            if len(each) > 1:
                out[code, j] = [each[v] for v in sorted(each, key=lambda v: (v is None, v))]
    return out


def confirmed_in_every(
    readings: list[dict[str, list[Cell | None]]],
    balance: tuple[list[str], list[str]],
    results: tuple[list[str], str],
) -> dict[str, list[bool]]:
    """The cells every reading has alike and confirms (:func:`confirmed`). Readings that
    differ only in how two one-row bands share their numbers (a 3 in one column of either
    row) leave those cells unread, while the column's other cells stay confirmed: its
    identity holds in every reading."""
    same = agreed(readings)
    each = [confirmed(r, balance, results) for r in readings]
    return {
        code: [cell is not None and all(ok[code][j] for ok in each) for j, cell in enumerate(row)]
        for code, row in same.items()
    }


def _value_of(cell: Cell | None) -> Any:
    return "unread" if cell is None else cell.value
