"""The generation-1 national-style table (统计指标 · 单位 · 统计数) printed column by column,
as plain ``pdftotext`` prints an office PDF's table: the row labels one a line (a heading row
such as 一、主动公开情况 among them), then blocks of units and blocks of numbers, a band of rows
at a time, the heading rows' —— in both.

Per run of labels (a page's), the units in their blocks, in order, are the rows' units and the
numbers in theirs, in order, the rows' values — only when there are exactly as many of each
as rows that are not headings and the —— are exactly the headings' (two each). The values
are kept (``settled_by`` order) where the table's arithmetic confirms them, as for the
provincial table (:func:`ogi.parse.g1_columns.unconfirmed`: a check that fails leaves its
own cells empty when one figure explains it and the other checks hold); the
``column_order`` check says why any cell is empty.

>>> t = "统计指标\\n三、依申请公开情况\\n（一）收到申请数\\n其中：1.当面申请数\\n\\n单位\\n——\\n件\\n件\\n\\n统计数\\n——\\n5\\n5\\n"
>>> [(c["indicator"], c["value"]) for c in read_g1n_columns(t, "r", 0)[0][0].cells]
[('g1n.requests_received', 5), ('g1n.requests_in_person', 5)]
"""

from __future__ import annotations

from typing import Any

from .. import formats
from .columns import number_runs
from .g1_columns import UNITS, arithmetic, block, is_header, order_check, table_lines, unconfirmed
from .lines import fold_text
from .tables import Table, group_of, match_indicator

FAMILY = "g1_national"
DASHES = {"——", "—", "--", "-"}

Label = tuple[dict[str, Any] | None, int, str]  # (indicator, None for a heading; offset; label)


def _label(lines: list[tuple[int, str]], i: int, group: int | None) -> tuple[Label, int] | None:
    """The row label at line ``i`` (perhaps wrapped onto the next line): (label, next line)."""
    off, s = lines[i]
    if not s:
        return None
    g = group_of(s)
    if g is not None:  # a group's first row: a heading (no value), or a total of its own
        return (match_indicator(s, FAMILY, g), off, s), i + 1
    ind = match_indicator(s, FAMILY, group)
    if ind is not None:
        return (ind, off, s), i + 1
    if i + 1 < len(lines) and lines[i + 1][1]:
        ind = match_indicator(s + lines[i + 1][1], FAMILY, group)
        if ind is not None:
            return (ind, off, s + lines[i + 1][1]), i + 2
    return None


def read_g1n_columns(
    text: str, report_id: str, start: int
) -> tuple[list[Table], list[dict[str, Any]]]:
    """The national-style table when it is printed column by column: (tables, checks)."""
    folded = fold_text(text)
    family = formats.gen1()["families"][FAMILY]
    lines = table_lines(folded, start, family["header"]["label"])
    if not lines:
        return [], []
    at = 0
    rows: list[Label] = []
    units: dict[int, str] = {}
    cells: dict[tuple[int, str], Any] = {}
    problems: list[str] = []
    header, i, group, end = "统计数", at + 1, None, lines[at][0]
    while i < len(lines):
        labels: list[Label] = []
        while i < len(lines) and (got := _label(lines, i, group)) is not None:
            (ind, off, s), i = got
            group = group_of(s) or group
            labels.append((ind, off, s))
        if not labels:
            break
        first = len(rows)
        rows += labels
        words: list[tuple[int, str]] = []
        numbers: list[Any] = []
        dashes = 0
        while i < len(lines):
            s = lines[i][1]
            if not s:
                i += 1
                continue
            if is_header(s, family["header"]["unit"]):
                i += 1
                continue
            if any(is_header(s, [w]) for w in ("统计数", "数量", "数值", "合计")):
                header, i = text[lines[i][0] : lines[i][0] + len(s)], i + 1
                continue
            if _label(lines, i, group) is not None:
                break
            found, j = block(lines, i)
            if not all(x in UNITS or x in DASHES or number_runs(x, x, 0, len(x)) for _, x in found):
                break  # prose: the table has ended
            for off, x in found:
                if x in DASHES:
                    dashes += 1
                elif x in UNITS:
                    words.append((off, x))
                else:
                    numbers += number_runs(text, folded, off, off + len(x))[0]
            i = j
        plain = [n for n, (ind, _, _) in enumerate(labels) if ind is not None]
        headings = len(labels) - len(plain)
        if len(words) != len(plain) or len(numbers) != len(plain) or dashes != 2 * headings:
            problems.append(
                f"{len(labels)} rows ({headings} headings) but {len(words)} units, "
                f"{len(numbers)} numbers and {dashes} dashes"
            )
            continue
        for r, (w, cell) in enumerate(zip(words, numbers, strict=True)):
            units[first + plain[r]] = w[1]
            cells[(first + plain[r], "value")] = cell
            end = max(end, cell.end)
    plain_rows = [(ind, off, s) for ind, off, s in rows if ind is not None]
    if not plain_rows:
        return [], []
    index = {n: k for k, n in enumerate(n for n, r in enumerate(rows) if r[0] is not None)}
    placed = {(index[n], key): c for (n, key), c in cells.items()}
    failed, held = arithmetic(plain_rows, placed, ["value"])  # type: ignore[arg-type]
    doubt = unconfirmed(failed, held)
    table = Table(FAMILY, "appendix", lines[at][0], end, [("value", header)])
    for n, (ind, off, label) in enumerate(rows, start=1):
        if ind is None:
            continue
        cell = cells.get((n - 1, "value"))
        kept = doubt is not None and (index[n - 1], "value") not in doubt
        value = cell.value if cell is not None and kept else None
        table.cells.append(
            {
                "report_id": report_id,
                "table": "appendix",
                "row": n,
                "column": "value",
                "indicator": ind["code"],
                "label": label,
                "column_label": header,
                "parent_row": None,
                "value": value,
                "value_text": cell.text if cell is not None else "",
                "value_status": "printed" if value is not None else "ambiguous",
                "settled_by": "order" if value is not None else None,
                "unit": units.get(n - 1),
                "line": None,
                "start": cell.start if cell is not None else off,
                "end": cell.end if cell is not None else off,
            }
        )
    what = (
        "The table is printed column by column (row labels one after another, then blocks "
        "of units and of numbers): its numbers are placed by their order"
    )
    start = lines[at][0]
    return [table], [
        order_check(report_id, "g1n.appendix", table.cells, what, problems, failed, doubt, start)
    ]
