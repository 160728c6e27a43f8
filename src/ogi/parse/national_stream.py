"""The generation-1 national-style table (统计指标 · 单位 · 统计数) flattened without one cell
per line: cells set apart by spaces (``pdftotext -layout``) or by nothing at all (a crawler's
page: ``（一）主动公开政府信息数条0其中：1.主动公开规范性文件数条0…``).

The rows are cut as in :mod:`ogi.parse.stream` (runs of words ending with a unit, the digits
after them, a list number stuck to them taken off). Each row holds one value; a row whose
digits do not make exactly one number is left empty (ambiguous), never split by a guess. A
heading row (一、主动公开情况 —— ——) opens a group: labels that repeat are told apart by it.

>>> t = "统计指标 单位 统计数\\n三、依申请公开情况 —— ——\\n（一）收到申请数 件 281\\n"
>>> [(c["indicator"], c["value"]) for c in read_national_stream(t, "r", 0)[0][0].cells]
[('g1n.requests_received', 281)]
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from .. import formats
from .digits import BLANKS
from .headings import flex
from .lines import fold_text
from .stream import _rows
from .tables import Table, group_of, match_indicator, read_number

FAMILY = "g1_national"


@cache
def _header() -> tuple[re.Pattern[str], dict[str, Any]]:
    family = formats.gen1()["families"][FAMILY]
    labels = "|".join(flex(w) for w in family["header"]["label"])
    units = "|".join(flex(w) for w in sorted(family["header"]["unit"], key=len, reverse=True))
    words = [w for c in family["columns"] for w in c["pattern"].strip("^$()?:").split("|")]
    cols = "|".join(flex(w) for w in words)
    return re.compile(rf"(?:{labels})[\s|]*(?:{units})[\s|]*(?P<col>{cols})"), family


_RULE = re.compile(r"^(?:\|+|\|?-{3,}\|?)$")  # pipes and markdown rules around the cells
_STUCK = re.compile(r"(\d*)[.、．](?!\d)")
MAX_ORDINAL = 20


def _before_ordinal(
    folded: str, end: int, value: int | float | None
) -> tuple[int | float | None, str]:
    """A value whose digits run into the next row's list number (``件15.不属于…``: 1 and 5.,
    or 15 and a number taken off already) is kept only when one split leaves a list number
    of 1–20: the numbering restarts inside the table, so the next number is not known."""
    m = _STUCK.match(folded, end)
    if not m or not isinstance(value, int):
        return value, "printed"
    start = end
    while start > 0 and folded[start - 1].isdigit():
        start -= 1
    run = folded[start:end] + m.group(1)
    splits = [
        (int(run[:cut]), int(run[cut:]))
        for cut in range(1, len(run))
        if (cut == 1 or run[0] != "0") and run[cut] != "0" and 1 <= int(run[cut:]) <= MAX_ORDINAL
    ]
    if len(splits) == 1:
        return splits[0][0], "printed"
    return None, "ambiguous"


def read_national_stream(
    text: str, report_id: str, start: int
) -> tuple[list[Table], list[dict[str, Any]]]:
    """The national-style table, when it is flattened without one cell per line."""
    folded = fold_text(text)
    header_re, family = _header()
    m = header_re.search(folded, start)
    if not m:
        return [], []
    header = text[m.start("col") : m.end("col")]
    rows = _rows(text, folded, m.end(), len(text))
    table = Table(FAMILY, "appendix", m.start(), m.end(), [("value", header)])
    group: int | None = None
    seen: set[str] = set()
    for n, row in enumerate(rows, start=1):
        group = group_of(row.label) or group
        pieces = [p for p in row.values.split() if not _RULE.match(p)]
        if not pieces or all(formats.fold(p) in BLANKS for p in pieces) and group_of(row.label):
            continue  # a heading row, or a label with no value (a wrapped label's rest)
        label = row.label.lstrip(".、．")  # its list number stuck to the digits before it
        ind = match_indicator(label, FAMILY, group)
        nxt = rows[n] if n < len(rows) else None
        if ind is None and nxt is not None and not nxt.values.strip():
            # a label wrapped onto the next line, after the row's numbers (…在线访谈 次 0 / 次数)
            ind = match_indicator(label + nxt.label, FAMILY, group)
        code = ind["code"] if ind else None
        if code in seen:
            break  # the table printed again: read once
        if code:
            seen.add(code)
        value, status, unit = read_number(pieces[0]) if len(pieces) == 1 else (None, "", "")
        if len(pieces) != 1 or status not in ("printed", "blank"):
            value, status = None, "ambiguous"
        elif status == "printed":
            value, status = _before_ordinal(folded, row.values_start + len(row.values), value)
        table.cells.append(
            {
                "report_id": report_id,
                "table": "appendix",
                "row": n,
                "column": "value",
                "indicator": code,
                "label": row.label,
                "column_label": header,
                "parent_row": None,
                "value": value,
                "value_text": row.values.strip(),
                "value_status": status,
                "unit": unit or row.unit,
                "line": None,  # numbered in ogi.parse
                "start": row.values_start,
                "end": row.values_start + len(row.values),
            }
        )
        table.end = max(table.end, row.values_start + len(row.values))
    return ([table] if table.cells else []), []
