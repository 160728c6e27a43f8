"""The cells printed blank in section 三 that plain ``pdftotext`` drops, put back where the
table's arithmetic allows.

An empty cell prints nothing, so the run of numbers of its column in a band of several rows
is one number short (:mod:`ogi.parse.columns` marks it a *gap*; a band of one row one number
short is drawn with its blank by :mod:`ogi.parse.pools`).
Any slot of a gap may be the blank one; the numbers fill the others in their order. A slot is
kept when every identity that can be computed holds with it (the rows whose numbers are not
yet placed, the one-row bands' pools, and the other gaps left unread): a number moved one
row up or down breaks its row's total, or its column's identity, unless it equals the one it
displaces. The table is then read once for every combination of the slots kept (at most
FILLS), and the caller checks each reading whole; where two readings put the blank in two
places, the cells they differ in are left unread (:func:`ogi.parse.columns.agreed`), so a
number never stands in a blank's place, nor a blank in a number's.

>>> n = [Cell(v, str(v), i, i + 1) for i, v in enumerate((3, 4))]
>>> cells = {"a": [None, None, None]}
>>> [c.value if c else c for c in place(cells, Gap([("a", 0), ("a", 1), ("a", 2)], n), 1)["a"]]
[3, None, 4]
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from . import columns
from .digits import Cell

FILLS = 64  # readings of the gaps' slots tried at most (else the gaps stay unread)

Cells = dict[str, list[Cell | None]]


@dataclass(frozen=True)
class Gap:
    """A run one number short: its slots (row code, column) in order, the numbers that fill
    all but one of them, in that order."""

    slots: list[tuple[str, int]]
    numbers: list[Cell]


def place(cells: Cells, gap: Gap, at: int) -> Cells:
    """The cells with ``gap``'s slot ``at`` blank and its numbers in the other slots."""
    out = {code: list(row) for code, row in cells.items()}
    numbers = iter(gap.numbers)
    for n, (code, col) in enumerate(gap.slots):
        if n == at:
            where = gap.numbers[at].start if at < len(gap.numbers) else gap.numbers[-1].end
            out[code][col] = Cell(None, "", where, where)  # printed blank: no text
        else:
            out[code][col] = next(numbers)
    return out


def fills(
    cells: Cells,
    gaps: list[Gap],
    unplaced: set[str],
    balance: tuple[list[str], list[str]],
    results: tuple[list[str], str],
) -> list[Cells]:
    """The readings of ``cells`` with every gap's blank in a slot the arithmetic allows
    (``unplaced``: rows whose cells are not yet placed, left out of the identities); a gap
    with no such slot, or gaps with too many, stay unread."""
    if not gaps:
        return [cells]
    width = len(next(iter(cells.values())))
    unread: list[Cell | None] = [None] * width
    bare = {code: list(unread) if code in unplaced else row for code, row in cells.items()}
    kept: list[list[int | None]] = []
    for gap in gaps:
        ok: list[int | None] = [
            at
            for at in range(len(gap.slots))
            if columns.consistent(place(bare, gap, at), balance, results)
        ]
        kept.append(ok or [None])
    if math.prod(len(k) for k in kept) > FILLS:
        return [cells]
    out = []
    for ats in itertools.product(*kept):
        got = cells
        for gap, at in zip(gaps, ats, strict=True):
            got = got if at is None else place(got, gap, at)
        out.append(got)
    return out
