"""The rows of section 三 whose numbers plain ``pdftotext`` printed as a *pool*, placed where
the table's arithmetic allows.

A band of one row prints its numbers in runs of any length, and the rows under the header
interleave theirs (:mod:`ogi.parse.columns`): which numbers are whose, and in which columns,
is not known. :func:`solve_pools` draws each row's cells from its pool, column by column, and
keeps every drawing in which each row's total holds and no column identity that can be
computed fails. A row one number short (pdftotext prints nothing for a blank cell) has its
blank in any column: each is tried, the identities through it checked at the end with the
number its row implies (:func:`ogi.parse.columns.implied`).
"""

from __future__ import annotations

import itertools
from typing import Any

from .columns import consistent, implied, signed
from .digits import Cell

NODES = 20_000  # steps of one search before it is called too big to finish
TABLE_NODES = 100_000  # steps of all the searches of one table
SHORT = 2  # rows a number short in one table at most (each multiplies the searches by 7)

Cells = dict[str, list[Cell | None]]


def solve_pools(
    cells: Cells,
    pools: dict[int, list[str]],
    balance: tuple[list[str], list[str]],
    results: tuple[list[str], str],
    runs: list[list[Cell]] = [],  # noqa: B006 (read only)
    spent: list[int] | None = None,
) -> list[Cells] | None:
    """The rows of one-row bands (``pools``: pool → its rows; the rows' numbers, as printed,
    make the pool; a row with one cell None is a number short) placed where the arithmetic
    allows: every way of drawing each row's cells from its pool, column by column, so that
    each row's total holds and no column identity that can be computed fails, the number
    printed first being the first row's (pdftotext reads a page from the top) and the numbers
    of one run (of ``runs``) one row's cells side by side, in order. None when the search is
    too big to finish (NODES steps a search; ``spent``: the steps left for every search of
    one table, shared by its calls)."""
    spent = [TABLE_NODES] if spent is None else spent
    rows = [code for codes in pools.values() for code in codes]
    short = [code for code in rows if sum(c is None for c in cells[code]) == 1]
    width = len(cells[rows[0]])
    if len(short) > SHORT:
        return None
    found: list[Cells] = []
    for at in itertools.product(range(width), repeat=len(short)):
        got = _solve(cells, pools, balance, results, runs, spent, dict(zip(short, at, strict=True)))
        if got is None:
            return None
        found += got
    return found


def _solve(
    cells: Cells,
    pools: dict[int, list[str]],
    balance: tuple[list[str], list[str]],
    results: tuple[list[str], str],
    runs: list[list[Cell]],
    spent: list[int],
    blank_at: dict[str, int],
) -> list[Cells] | None:
    """:func:`solve_pools` with the blank of each row a number short in a given column
    (``blank_at``: row → column)."""
    rows = [code for codes in pools.values() for code in codes]
    pool_of = {code: key for key, codes in pools.items() for code in codes}
    width = len(cells[rows[0]])
    cells = {
        **implied({c: r for c, r in cells.items() if c not in pool_of}),
        **{c: cells[c] for c in rows},
    }
    left: dict[int, list[Cell]] = {}
    for key, codes in pools.items():
        got = [c for code in codes for c in cells[code] if c is not None and c.value is not None]
        if len(got) < sum(width - (code in blank_at) for code in codes):
            return None  # a blank mark or unread cells in the pool: nothing to sum
        left[key] = got
    first = {key: got[0] for key, got in left.items()}  # printed first: the first row's
    mine = {id(c) for got in left.values() for c in got}
    together = [run for run in runs if len(run) > 1 and all(id(c) in mine for c in run)]
    touching = [
        (ident, fixed)
        for ident, fixed in _fixed(cells, pool_of, balance, results, width)
        if any(c in ident for c in rows)
    ]
    # the columns whose identities can all be computed first (they prune), then those with a
    # blank, the total last
    order = sorted(
        range(width - 1),
        key=lambda j: j in blank_at.values() or any(f[j] is None for _, f in touching),
    )
    order.append(width - 1)
    placed: dict[str, list[Cell]] = {code: [] for code in rows}  # in ``order``
    found: list[Cells] = []
    budget = [min(NODES, spent[0])]

    def column_holds(k: int) -> bool:
        j = order[k]
        for ident, fixed in touching:
            mine = [c for c in rows if c in ident]
            if fixed[j] is None or any(placed[c][k].value is None for c in mine):
                continue
            if fixed[j] + sum(ident[c] * placed[c][k].value for c in mine):  # type: ignore[operator,misc]
                return False
        return True

    # per identity, the pool rows in it, in the order drawn, and what is left after each
    members = [
        [(n, c, ident[c]) for n, c in enumerate(rows) if c in ident] for ident, _ in touching
    ]
    signs_after = [[{s for m, _, s in mine if m > n} for n in range(len(rows))] for mine in members]

    def partial_ok(k: int, r: int) -> bool:
        """Every identity through row ``r``'s cell just drawn can still hold: the numbers
        left to draw are not negative, so a sum past the column's total is already lost."""
        j = order[k]
        for (_, fixed), mine, after in zip(touching, members, signs_after, strict=True):
            if fixed[j] is None or not any(n == r for n, _, _ in mine):
                continue
            drawn = [(placed[c][k].value, s) for n, c, s in mine if n <= r]
            if any(v is None for v, _ in drawn) or any(
                blank_at.get(c) == j for n, c, _ in mine if n > r
            ):
                continue
            acc = fixed[j] + sum(s * v for v, s in drawn)  # type: ignore[operator,misc]
            rest = after[r]
            if (not rest and acc) or (rest == {-1} and acc < 0) or (rest == {1} and acc > 0):
                return False
        return True

    def done() -> None:
        got = {code: _in_columns(v, order) for code, v in placed.items()}
        if not all(any(c is first[key] for c in placed[codes[0]]) for key, codes in pools.items()):
            return
        if not _side_by_side(got, together):
            return
        if blank_at and not consistent({**cells, **got}, balance, results):  # type: ignore[dict-item]
            return  # the identities through a blank, with the number its row implies
        found.append(got)  # type: ignore[arg-type]

    leaders = {codes[0] for codes in pools.values()}  # each pool's first row
    blank_cols = sorted(set(blank_at.values()), key=order.index)
    dead: set[Any] = set()  # states no drawing from which is a solution

    def state(k: int) -> Any:
        """What the rest of the search depends on, entering column ``order[k]``: the numbers
        left in each pool (and whether its first is), each row's sum so far, and the
        columns with a blank (checked at the end)."""
        return (
            k,
            tuple(tuple(sorted(c.value for c in left[key])) for key in pools),  # type: ignore[type-var]
            tuple(left[key][:1] == [first[key]] for key in pools),
            tuple(sum(c.value for c in placed[c_] if c.value is not None) for c_ in rows),  # type: ignore[misc]
            tuple(
                placed[c_][order.index(b)].value
                for b in blank_cols
                if order.index(b) < k
                for c_ in rows
            ),
        )

    def step(k: int, r: int) -> bool:
        if r or together:  # (runs side by side: the end depends on more than the state)
            return explore(k, r)
        key = state(k)
        if key in dead:
            return True
        before = len(found)
        finished = explore(k, r)
        if finished and len(found) == before:
            dead.add(key)
        return finished

    def explore(k: int, r: int) -> bool:
        budget[0] -= 1
        if budget[0] < 0:
            return False
        if r == len(rows):
            if not column_holds(k):
                return True
            if k + 1 == width:
                done()
                return True
            return step(k + 1, 0)
        code, j = rows[r], order[k]
        pool = left[pool_of[code]]
        numbers = [c.value for c in placed[code] if c.value is not None]
        # a row other than its pool's first takes the last of equal numbers: the first one
        # printed is the first row's, and equal numbers stand in for one another
        last = code not in leaders
        if blank_at.get(code) == j:
            options = [-1]  # -1: the blank
        elif k + 1 == width and code in blank_at:  # a total over a blank: any number
            options = _distinct(pool, None, last)
        elif k + 1 == width:  # the total: the sum of the row's other cells
            same = [n for n, c in enumerate(pool) if c.value == sum(numbers)]
            options = same[-1:] if last else same[:1]
        else:  # a cell is at most the total (the pool's largest) less the row's others
            total_blank = blank_at.get(code) == width - 1
            room = None if total_blank else max(c.value for c in pool) - sum(numbers)  # type: ignore[type-var,operator]
            options = _distinct(pool, room, last)
        at = first[pool_of[code]].start  # a blank printed nothing: where its pool begins
        for n in options:
            if n >= 0 and last and pool[n] is first[pool_of[code]]:
                continue  # the first number printed is not this row's
            cell = pool.pop(n) if n >= 0 else Cell(None, "", at, at)
            placed[code].append(cell)
            ok = step(k, r + 1) if partial_ok(k, r) else True
            placed[code].pop()
            if n >= 0:
                pool.insert(n, cell)
            if not ok:
                return False
        return True

    finished = step(0, 0)
    spent[0] -= min(NODES, spent[0]) - max(budget[0], 0)
    return found if finished else None


def _fixed(
    cells: Cells,
    pool_of: dict[str, int],
    balance: tuple[list[str], list[str]],
    results: tuple[list[str], str],
    width: int,
) -> list[tuple[dict[str, int], list[Any]]]:
    """Each column identity with, per column, the signed sum of its rows not in a pool (None
    where one of them is unread or blank)."""
    out = []
    for ident in signed(balance, results):
        fixed: list[Any] = []
        for j in range(width):
            acc: Any = 0
            for code, sign in ident.items():
                if code in pool_of:
                    continue
                cell = cells.get(code, [None] * width)[j]
                ok = acc is not None and cell is not None and cell.value is not None
                acc = acc + sign * cell.value if ok else None  # type: ignore[union-attr,operator]
            fixed.append(acc)
        out.append((ident, fixed))
    return out


def _side_by_side(placed: dict[str, list[Cell]], together: list[list[Cell]]) -> bool:
    """Every run's numbers stand in one row, in consecutive columns, in order (by value:
    equal numbers are one another's stand-ins)."""
    rows = [[c.value for c in row if c.value is not None] for row in placed.values()]
    for run in together:  # (a blank printed nothing: its neighbours stand side by side)
        want, n = [c.value for c in run], len(run)
        if not any(row[j : j + n] == want for row in rows for j in range(len(row) - n + 1)):
            return False
    return True


def _distinct(pool: list[Cell], room: Any, last: bool = False) -> list[int]:
    """The pool's numbers (by index), one of each value (its first, or ``last``), at most
    ``room`` (None: any)."""
    at: dict[Any, int] = {}
    for n, c in enumerate(pool):
        if (room is None or c.value <= room) and (last or c.value not in at):  # type: ignore[operator]
            at[c.value] = n
    return sorted(at.values())


def _in_columns(cells: list[Cell], order: list[int]) -> list[Cell]:
    """Cells placed in ``order`` (column indexes), back in the columns' order."""
    out: list[Any] = [None] * len(order)
    for cell, j in zip(cells, order, strict=True):
        out[j] = cell
    return out
