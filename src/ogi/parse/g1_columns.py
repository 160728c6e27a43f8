"""The generation-1 provincial table printed column by column, as plain ``pdftotext`` prints
an office PDF's table: the header's first cell (指标名称), the row labels one a line, then
each column as a block — its header (单位, 2016 年, 历年累计) and one line a row — and, after
a page break, the rows left in the same shape without the headers.

The rows are the labels recognised (``formats/gen1.yml``); a column's lines are the rows'
cells in order when there are exactly as many as labels, and its cells are left unread
otherwise (pdftotext drops a blank cell: which row it was is not known). The values are
kept (``settled_by`` order) where the table's checks confirm them (:func:`arithmetic`: the
identities of ``gen1.yml`` the cells allow, 其中 rows within their parents, 历年累计 not
below the year). When every check holds, every value is kept. When the checks that fail
all read one cell in common and at least two others hold (one figure the report got
wrong, say a channel more than 收到申请数 allows), only the failing checks' cells are left
empty: whether the report's own error or a number out of place broke them is not known,
and numbers out of place would break more than one check. Otherwise the whole table is
left empty. The ``column_order`` check says which and why (:func:`unconfirmed`).

>>> t = "指标名称\\n行政复议数\\n行政诉讼数\\n\\n单位\\n件\\n件\\n\\n2018 年\\n5\\n6\\n\\n历年累计\\n25\\n26\\n"
>>> tables, checks = read_g1_columns(t, "r", 0)
>>> [(c["indicator"], c["column"], c["value"]) for c in tables[0].cells][:3]
[('g1.reconsiderations', 'year', 5), ('g1.reconsiderations', 'cumulative', 25), ('g1.lawsuits', 'year', 6)]
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import islice
from typing import Any

from .. import formats
from . import ordered
from .columns import number_runs
from .lines import fold_text
from .tables import Table, match_indicator

_LINE = re.compile(r"[^\n]*")
_FILLED = re.compile(r"^[^\S\n]*(\S[^\n]*)", re.M)  # a line that is not blank
# The lines a table printed column by column is read within, its header's first cell first:
# a provincial table is some 150 lines, page breaks and all; a text of ten million blank lines
# after the header is not read to its end.
TABLE_LINES = 5000


def lines_of(folded: str, start: int, limit: int | None = None) -> list[tuple[int, str]]:
    """(offset, stripped text) of every line from ``start`` (the first ``limit``); an empty
    line is ''."""
    found = (
        (m.start() + len(m.group()) - len(m.group().lstrip()), m.group().strip())
        for m in _LINE.finditer(folded, start)
        if m.start() == 0 or folded[m.start() - 1] == "\n"
    )
    return list(islice(found, limit))


@lru_cache(maxsize=64)
def _normalised(words: tuple[str, ...]) -> frozenset[str]:
    return frozenset(formats.normalise_label(w) for w in words)


def is_header(line: str, words: list[str]) -> bool:
    return bool(line) and formats.normalise_label(line) in _normalised(tuple(words))


def table_lines(folded: str, start: int, words: list[str]) -> list[tuple[int, str]]:
    """The lines of a table printed column by column, from the first line from ``start`` that
    is one of ``words`` (its header's first cell, 指标名称), at most :data:`TABLE_LINES`; []
    when no line is. Blank lines are skipped in the search without being looked at."""
    for m in _FILLED.finditer(folded, start):
        if is_header(m.group(1).strip(), words):
            return lines_of(folded, m.start(), TABLE_LINES)
    return []


def _column(header: str) -> dict[str, Any] | None:
    norm = formats.normalise_label(header)
    family = formats.gen1()["families"]["g1_provincial"]
    return next((c for c in family["columns"] if re.match(c["pattern"], norm)), None)


# the units a cell of the unit column holds
UNITS = {
    "万元",
    "人次",
    "条",
    "件",
    "元",
    "个",
    "人",
    "次",
    "项",
    "份",
    "期",
    "场",
    "篇",
    "家",
    "户",
}


def read_g1_columns(
    text: str, report_id: str, start: int
) -> tuple[list[Table], list[dict[str, Any]]]:
    """The provincial table when it is printed column by column: (tables, checks)."""
    folded = fold_text(text)
    family = formats.gen1()["families"]["g1_provincial"]
    lines = table_lines(folded, start, family["header"]["label"])
    if not lines:
        return [], []
    at = 0
    rows: list[tuple[dict[str, Any], int, str]] = []  # (indicator, offset, label as printed)
    columns: list[tuple[str, str]] = []  # (key, header as printed)
    cells: dict[tuple[int, str], Any] = {}  # (row index, column key) → Cell
    units: dict[int, str] = {}
    problems: list[str] = []
    i, end_of_table = at + 1, lines[at][0]
    while i < len(lines):
        labels = []
        while i < len(lines) and (ind := match_indicator(lines[i][1])) is not None:
            labels.append((ind, lines[i][0], text[lines[i][0] : lines[i][0] + len(lines[i][1])]))
            i += 1
        if not labels:
            break
        first, k = len(rows), len(labels)
        rows += labels
        order: list[str | None] = []  # the blocks after the labels: "unit", a column key
        while i < len(lines):
            s = lines[i][1]
            if not s or s.startswith("\f"):
                i += 1
                continue
            if is_header(s, family["header"]["unit"]):
                order.append("unit")
                i += 1
            elif (col := _column(s)) is not None and first == 0:
                columns.append((col["key"], text[lines[i][0] : lines[i][0] + len(s)]))
                order.append(col["key"])
                i += 1
            elif s in UNITS or number_runs(s, s, 0, len(s)):
                if first == 0 or len(order) > len(columns):
                    break  # a block with no header where headers are printed
                order.append(None)
            else:
                break
            lines_in, i = block(lines, i)
            key = order[-1] if order[-1] is not None else _nth_key(order, columns)
            if key == "unit":
                if len(lines_in) == k and all(s in UNITS for _, s in lines_in):
                    units.update({first + r: s for r, (_, s) in enumerate(lines_in)})
                continue
            got = (
                number_runs(text, folded, lines_in[0][0], lines_in[-1][0] + len(lines_in[-1][1]))
                if lines_in
                else []
            )
            flat = [c for run in got for c in run]
            if key is None or len(flat) != k or len(flat) != len(lines_in):
                problems.append(f"a column holds {len(flat)} numbers for {k} rows")
                continue
            for r, cell in enumerate(flat):
                cells[(first + r, key)] = cell
            end_of_table = max(end_of_table, flat[-1].end)
    if not rows or not columns:
        return [], []
    failed, held = arithmetic(rows, cells, [k for k, _ in columns])
    doubt = unconfirmed(failed, held)
    table = Table("g1_provincial", "appendix", lines[at][0], end_of_table, columns)
    parent_of: dict[str, int] = {}
    for n, (ind, offset, label) in enumerate(rows, start=1):
        parent_of.setdefault(ind["code"], n)
        for key, header in columns:
            placed = cells.get((n - 1, key))
            kept = doubt is not None and (n - 1, key) not in doubt
            value = placed.value if placed is not None and kept else None
            table.cells.append(
                {
                    "report_id": report_id,
                    "table": "appendix",
                    "row": n,
                    "column": key,
                    "indicator": ind["code"],
                    "label": label,
                    "column_label": header,
                    "parent_row": parent_of.get(ind.get("parent") or ""),
                    "value": value,
                    "value_text": placed.text if placed is not None else "",
                    "value_status": "printed" if value is not None else "ambiguous",
                    "settled_by": "order" if value is not None else None,
                    "unit": units.get(n - 1),
                    "line": None,
                    "start": placed.start if placed is not None else offset,
                    "end": placed.end if placed is not None else offset,
                }
            )
    what = (
        "The table is printed column by column (row labels one after another, each column's "
        "cells in a block of its own): its numbers are placed by their order"
    )
    start = lines[at][0]
    return [table], [
        order_check(report_id, "g1.appendix", table.cells, what, problems, failed, doubt, start)
    ]


def block(lines: list[tuple[int, str]], i: int) -> tuple[list[tuple[int, str]], int]:
    """The lines from ``i`` up to the next empty line."""
    j = i
    while j < len(lines) and lines[j][1] and not lines[j][1].startswith("\f"):
        j += 1
    return lines[i:j], j


def _nth_key(order: list[str | None], columns: list[tuple[str, str]]) -> str | None:
    """The column a headerless block stands for: the first page's blocks, in their order."""
    keys = ["unit", *[k for k, _ in columns]]
    return keys[len(order) - 1] if len(order) <= len(keys) else None


Placed = dict[tuple[int, str], Any]  # (row index, column key) → Cell
Failure = tuple[str, frozenset[tuple[int, str]]]  # (why, the cells the check reads)


def arithmetic(
    rows: list[tuple[dict[str, Any], int, str]], cells: Placed, keys: list[str]
) -> tuple[list[Failure], int]:
    """The table's checks on the cells placed (the identities, 其中 rows within their parents,
    历年累计 not below the year), each where every cell it reads is placed: (the checks that
    fail, each with why and its cells; how many hold)."""
    at = {ind["code"]: n for n, (ind, _, _) in enumerate(rows)}
    failed: list[Failure] = []
    held = 0

    def check(why: str, used: list[tuple[int, str]], ok: Any) -> None:
        nonlocal held
        if all(c in cells for c in used):
            if ok(*(cells[c].value for c in used)):
                held += 1
            else:
                failed.append((why, frozenset(used)))

    for ident in formats.gen1()["identities"]:
        parts = [at[p] for p in ident["parts"] if p in at]
        if ident["total"] not in at or not parts:
            continue
        for key in keys:
            used = [(at[ident["total"]], key), *((p, key) for p in parts)]
            check(
                f"{ident['title_en']} does not hold ({key})",
                used,
                lambda whole, *vals: sum(vals) == whole,
            )
    for n, (ind, _, _) in enumerate(rows):
        parent = str(ind.get("parent") or "")
        if parent in at:
            for key in keys:
                why = f"{ind['code']} is more than its parent ({key})"
                check(why, [(n, key), (at[parent], key)], lambda v, p: v <= p)
        if "year" in keys and "cumulative" in keys:
            why = f"{ind['code']}: 历年累计 below the year"
            check(why, [(n, "year"), (n, "cumulative")], lambda y, c: c >= y)
    return failed, held


def order_check(
    report_id: str,
    subject: str,
    cells: list[dict[str, Any]],
    what: str,
    problems: list[str],
    failed: list[Failure],
    doubt: frozenset[tuple[int, str]] | None,
    start: int,
) -> dict[str, Any]:
    """The ``column_order`` check of a table placed by order (``what`` says how it is
    printed): whether every cell was placed, and why those left empty were."""
    unread = sum(c["value"] is None for c in cells)
    reasons = "; ".join([*problems, *(why for why, _ in failed)])
    if not unread:
        tail = ", and the table's arithmetic holds."
    elif doubt:
        tail = (
            f"; {unread} of its {len(cells)} cells are left empty: {reasons}, and whether "
            "by the report's own figure or by a number out of place is not known (the "
            "table's other checks hold)."
        )
    else:
        tail = f"; {unread} of its {len(cells)} cells are left empty: {reasons}."
    return {"report_id": report_id, **ordered.order_check(subject, unread, what + tail, start)}


def unconfirmed(failed: list[Failure], held: int) -> frozenset[tuple[int, str]] | None:
    """The cells the arithmetic leaves unconfirmed: none when every check holds; when the
    checks that fail all read one cell in common (one number the report got wrong explains
    them all) and at least two others hold, the failing checks' cells (which of them is the
    report's error, or misplaced, is not known); else None: the whole table (numbers put in
    the wrong places break more than one check)."""
    if not failed:
        return frozenset()
    common = frozenset.intersection(*(used for _, used in failed))
    if common and held >= 2:
        return frozenset().union(*(used for _, used in failed))
    return None
