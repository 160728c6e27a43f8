"""The reader's tables: each statistics table of a report rebuilt as a grid — its rows and
columns as read, each cell as printed, with how its value was settled (``settled_by``) and,
for an ambiguous cell, the candidates its check names — to show beside the text it was
read from (each cell links to its place there).

The grid is rebuilt from the ``statistics`` rows alone: a table is the rows of one
``table`` key, its rows by ``row`` (a 其中 row indented under its ``parent_row``), its
columns in the order they were read. The candidates of an ambiguous cell are those of the
report's ``digit_split`` or ``table_printed_twice`` check printed at the same place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..formats import code_label
from .cells import reader_url

# "…: 8, 9, 8989 | 8, 98, 989 …; the cells are left empty." → the candidates
CANDIDATES = re.compile(r":\s*([^:]*?);\s*the cells? (?:are|is) left empty")
TABLE_TITLES = {
    "appendix": ("附表", "appendix table"),
    "s2": ("第二部分 主动公开", "section 二: proactive disclosure"),
    "s3": ("第三部分 依申请公开", "section 三: requests"),
    "s4": ("第四部分 复议与诉讼", "section 四: reconsiderations and lawsuits"),
}


@dataclass
class Cell:
    value_text: str
    value: float | int | None
    status: str
    settled_by: str
    start: int | None
    end: int | None
    candidates: str = ""


@dataclass
class Row:
    row: int
    label: str
    indicator: str
    depth: int
    cells: dict[str, Cell] = field(default_factory=dict)


@dataclass
class Grid:
    """One table of the report: its columns (key, printed label) and rows in order."""

    table: str
    title: tuple[str, str]
    columns: list[tuple[str, str]]
    rows: list[Row]

    @property
    def start(self) -> int | None:
        """Where its first printed cell is in the source (which section shows it)."""
        starts = [c.start for r in self.rows for c in r.cells.values() if c.start is not None]
        return min(starts) if starts else None


def candidates(message: str) -> str:
    """The candidates an ambiguity check's message names (the whole message when it names
    them otherwise)."""
    found = CANDIDATES.search(message)
    return found.group(1).strip() if found else message


def grids(stats: list[dict[str, Any]], ambiguities: list[dict[str, Any]]) -> list[Grid]:
    """The report's tables, in the order they were read, from its ``statistics`` rows (in
    package order) and its ambiguity checks (rows with ``start`` and ``message``)."""
    at = {a["start"]: candidates(a["message"]) for a in ambiguities if a["start"] is not None}
    tables: dict[str, Grid] = {}
    for s in stats:
        name = s["table"]
        grid = tables.get(name)
        if grid is None:
            grid = tables[name] = Grid(name, TABLE_TITLES.get(name, (name, name)), [], [])
        if s["column"] not in {key for key, _ in grid.columns}:
            grid.columns.append((s["column"], s["column_label"] or s["column"]))
        row = next((r for r in grid.rows if r.row == s["row"]), None)
        if row is None:
            row = Row(s["row"], s["label"], s["indicator"] or "", 0)
            grid.rows.append(row)
        cell = Cell(
            s["value_text"] or "",
            s["value"],
            s["value_status"],
            s["settled_by"] or "",
            s["start"],
            s["end"],
        )
        if cell.status == "ambiguous" and cell.start is not None:
            cell.candidates = at.get(cell.start, "")
        row.cells[s["column"]] = cell
    for grid in tables.values():
        grid.rows.sort(key=lambda r: r.row)
        for row in grid.rows:
            _per_cell(row, [key for key, _ in grid.columns])
        parents = {s["row"]: s["parent_row"] for s in stats if s["table"] == grid.table}
        for row in grid.rows:
            row.depth = _depth(row.row, parents)
    return list(tables.values())


def _per_cell(row: Row, columns: list[str]) -> None:
    """Each cell of a run of digits left ambiguous gets its own candidates: the values the
    splits the check lists give its column (the run's cells share the run's place)."""
    runs: dict[int, list[Cell]] = {}
    for key in columns:
        cell = row.cells.get(key)
        if cell is not None and cell.status == "ambiguous" and cell.start is not None:
            runs.setdefault(cell.start, []).append(cell)
    for cells in runs.values():
        text = cells[0].candidates
        more = re.search(r"\s+and \d+ more$", text)
        splits = [
            [v.strip() for v in s.split(",")]
            for s in text[: more.start() if more else None].split("|")
        ]
        if len(cells) < 2 or not all(len(s) == len(cells) for s in splits):
            continue
        for i, cell in enumerate(cells):
            values = list(dict.fromkeys(s[i] for s in splits))
            cell.candidates = " / ".join(values) + (" …" if more else "")


def _depth(row: int, parents: dict[int, int | None]) -> int:
    depth, seen = 0, {row}
    parent = parents.get(row)
    while parent is not None and parent not in seen:
        depth, seen = depth + 1, seen | {parent}
        parent = parents.get(parent)
    return depth


async def report_grids(db: Any, report_id: str) -> list[Grid]:
    """The grids of report ``report_id`` from the site's database."""
    stats = await db.execute(
        "select [table], row, [column], column_label, indicator, label, parent_row, value, "
        "value_text, value_status, settled_by, start, [end] from statistics "
        "where report_id = :r order by rowid",
        {"r": report_id},
    )
    checks = await db.execute(
        "select start, message from checks where report_id = :r and status = 'ambiguous' "
        "and [check] in ('digit_split', 'table_printed_twice') order by rowid",
        {"r": report_id},
    )
    return grids([dict(r) for r in stats.rows], [dict(r) for r in checks.rows])


def shown(grid: Grid, report_id: str) -> dict[str, Any]:
    """What the reader's template draws of ``grid``: its columns, and each row's cells with
    their text, the link to where they are printed, and how they were settled."""

    def short(code: str, settled: bool) -> str:
        found = code_label("settled_by" if settled else "value_status", code)
        return found[0] if found else code

    def label(column: str, code: str) -> str:
        found = code_label(column, code)
        return f"{found[0]} / {found[1]}" if found else code

    rows = []
    for row in grid.rows:
        cells: list[dict[str, Any] | None] = []
        for key, _ in grid.columns:
            cell = row.cells.get(key)
            if cell is None:
                cells.append(None)
                continue
            how = cell.settled_by or cell.status
            cells.append(
                {
                    "text": cell.value_text if cell.status != "blank" else cell.value_text or "—",
                    "href": reader_url(report_id, start=cell.start, end=cell.end)
                    if cell.start is not None
                    else None,
                    "how": how,
                    "how_label": label("settled_by", how)
                    if cell.settled_by
                    else label("value_status", cell.status),
                    "how_short": short(how, cell.settled_by != ""),
                    "ambiguous": cell.status == "ambiguous",
                    "candidates": cell.candidates,
                }
            )
        rows.append({"row": row.row, "label": row.label, "depth": row.depth, "cells": cells})
    settled: dict[str, int] = {}
    for row in grid.rows:
        for cell in row.cells.values():
            how = cell.settled_by or cell.status
            settled[how] = settled.get(how, 0) + 1
    legend = [
        (how, label("settled_by", how) if how in _SETTLED else label("value_status", how), n)
        for how, n in sorted(settled.items())
    ]
    return {
        "table": grid.table,
        "anchor": f"t-{grid.table}",
        "title": f"{grid.title[0]} / {grid.title[1]}",
        "columns": [text for _, text in grid.columns],
        "rows": rows,
        "legend": legend,
    }


_SETTLED = ("printed", "identity", "prose", "cross_year", "review")
