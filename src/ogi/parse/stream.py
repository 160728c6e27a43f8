"""Generation-1 provincial tables flattened without one cell per line: cells separated by
spaces or tabs, or by nothing at all (``主动公开文件数条346085376其中：1、政府网站公开数条…``).

After the header (指标名称 · 单位 · 2016年度 · 历年累计, read as in ``formats/gen1.yml``), the
text is cut into runs of words and runs of digits. A run of words is a row label ending with
its unit; the digits after it are the row's values. A list number stuck to the previous
row's digits (``…853762、政府公报公开数``) is taken off them. Values run together are split
by :mod:`ogi.parse.digits`, keeping the splits that satisfy the table's arithmetic
(历年累计 ≥ the year, 其中 rows within their parent, the identities of ``gen1.yml``): one
left is inferred, several leave the cells empty and a digit_split check lists them. The
header printed again (the table printed twice, the first time cut short) is passed over and
each indicator read once, from its fullest printing, as in :mod:`ogi.parse.tables`.

>>> t = "指标名称 单位 2018年 历年累计\\n行政复议数 件 5 25\\n行政诉讼数 件 5 26\\n"
>>> [(c["indicator"], c["column"], c["value"]) for c in read_stream_tables(t, "r", 0)[0][0].cells][:2]
[('g1.reconsiderations', 'year', 5), ('g1.reconsiderations', 'cumulative', 25)]
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from .. import formats
from . import numerals, years
from .digits import LIMIT, Cell
from .lines import fold_text
from .tables import Table, match_indicator, printed_twice
from .template import RowRead, TemplateResult, decide, flex

_UNITS = [
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
]
_ZW = numerals.spec()["zw_class"][1:-1]  # zero-width: inside a number, no separator
_NUM = re.compile(rf"\d+(?:[{_ZW}]+\d+|[.,]\d+)*")
_BLANK = re.compile(r"——|—|–|－|-|/|／")
_SEP = re.compile(rf"[\s|{_ZW}]+")
_WORDS = re.compile(rf"[.．]?[^\d\s|.,—–－\-/／{_ZW}]+(?:[.,](?!\d)[^\d\s|.,—–－\-/／{_ZW}]*)*")
_CHILD = re.compile(r"^(?:其中[:：]?)?\s*(\d{1,2})\s*[、.．]")


@cache
def _header() -> tuple[re.Pattern[str], dict[str, Any]]:
    family = formats.gen1()["families"]["g1_provincial"]
    labels = "|".join(flex(w) for w in family["header"]["label"])
    units = "|".join(flex(w) for w in sorted(family["header"]["unit"], key=len, reverse=True))
    col = r"(?:\d{4}\s*年\s*度?|本\s*年\s*度?|当\s*年|历\s*年\s*累\s*计|累\s*计)"
    # one \s* a run of white space (``\s*\|?\s*`` took minutes on a header then blank lines)
    return re.compile(
        rf"(?:{labels})\s*(?:\|\s*)?(?:(?:{units})\s*)?(?:\|\s*)?"
        rf"(?P<cols>(?:{col}\s*(?:\|\s*)?){{1,3}})"
    ), family


@dataclass
class _Row:
    label: str
    label_start: int
    unit: str | None
    ordinal: int | None
    values: str
    values_start: int
    again: _Row | None = None  # the same row printed again with other numbers


def _rows(text: str, folded: str, start: int, end: int) -> list[_Row]:
    """The rows after the header: word runs (labels with units) and the numbers after each.
    The header printed again (the table printed a second time) is passed over."""
    rows: list[_Row] = []
    pos = start
    pending: tuple[int, int] | None = None  # an ordinal waiting for its label
    header_re = _header()[0]
    while pos < end:
        sep = _SEP.match(folded, pos, end)
        if sep:
            pos = sep.end()
            continue
        again = header_re.match(folded, pos, end)
        if again:
            pos, pending = again.end(), None
            continue
        words = _WORDS.match(folded, pos, end)
        if words:
            word = folded[words.start() : words.end()]
            if "。" in word or len(word) > 40:  # prose: the table has ended
                break
            if word in ("其中:", "其中：", "其中") and rows is not None:
                pos = words.end()
                pending = (words.start(), -1)
                continue
            if word in _UNITS and rows and rows[-1].unit is None and not rows[-1].values:
                rows[-1].unit = word  # the unit, in its own cell
                pos = words.end()
                continue
            label_start = pending[0] if pending else words.start()
            ordinal = pending[1] if pending and pending[1] >= 0 else None
            label = word.lstrip("、.．")
            unit = next((u for u in _UNITS if label.endswith(u) and len(label) > len(u)), None)
            if unit:
                label = label[: -len(unit)]
            printed = text[label_start : words.end() - (len(unit) if unit else 0)]
            rows.append(
                _Row(" ".join(printed.split()), label_start, unit, ordinal, "", words.end())
            )
            pending = None
            pos = words.end()
            continue
        num = _NUM.match(folded, pos, end) or _BLANK.match(folded, pos, end)
        if not num:
            break
        run_end = num.end()
        nxt = folded[run_end : run_end + 1]
        digits = numerals.strip_zero_width(folded[num.start() : run_end])
        if nxt in ("、", ".", "．") and digits.isdigit() and rows:
            # a list number before the next label: alone (… 0\n2.政府公报公开数) or stuck to
            # this row's digits (…853762、政府公报公开数)
            expected = (rows[-1].ordinal or 0) + 1
            alone = num.start() == 0 or folded[num.start() - 1] in " \t\n\r\f|"
            if pending and pending[1] == -1:  # 其中：1、 — the whole run is the number
                pending = (pending[0], int(digits))
                pos = run_end
                continue
            if alone and len(digits) <= 2:
                pending = (num.start(), int(digits))
                pos = run_end
                continue
            tail = str(expected)
            if folded.endswith(tail, 0, run_end) and len(digits) > len(tail):
                _extend(rows[-1], text, num.start(), run_end - len(tail))
                pending = (run_end - len(tail), expected)
                pos = run_end
                continue
        if pending and pending[1] == -1:  # 其中: then digits: a list number
            pending = (pending[0], int(digits) if digits.isdigit() else -1)
            pos = run_end
            continue
        if rows:
            _extend(rows[-1], text, num.start(), run_end)
        pos = run_end
    return rows


def _unique(rows: list[_Row]) -> list[_Row]:
    """One row per indicator, where the table is printed more than once (cut short, then
    printed whole): the printing with the most digits stays, of printings as long the first
    (marked when the other one has other numbers)."""
    out: list[_Row | None] = []
    where: dict[str, int] = {}
    for row in rows:
        ind = match_indicator(row.label)
        code = ind["code"] if ind else None
        if code is None or code not in where:
            if code:
                where[code] = len(out)
            out.append(row)
            continue
        first = out[where[code]]
        assert first is not None
        mine, theirs = _digits(row.values), _digits(first.values)
        if len(mine) > len(theirs):
            out[where[code]] = None
            where[code] = len(out)
            out.append(row)
        elif len(mine) == len(theirs) and mine != theirs:
            first.again = row
    return [r for r in out if r is not None]


def _digits(values: str) -> str:
    return "".join(values.split())


def _extend(row: _Row, text: str, start: int, end: int) -> None:
    """Add printed value text to a row (keeping what separates the pieces)."""
    if not row.values:
        row.values_start = start
        row.values = text[start:end]
    else:
        row.values = text[row.values_start : end]


Evidence = dict[tuple[str, str], set[float]]  # (indicator, column) → values the prose states


def read_stream_tables(
    text: str,
    report_id: str,
    start: int,
    evidence: Evidence | None = None,
    neighbours: years.Neighbours | None = None,
) -> tuple[list[Table], list[dict[str, Any]]]:
    """The provincial table, when it is flattened without one cell per line. ``evidence``:
    values the report's own prose states for cells (``ogi.parse`` links them); a row whose
    digits split several ways keeps the splits that agree with it (``settled_by`` prose).
    ``neighbours``: what the same body's neighbouring years say (:mod:`ogi.parse.years`); a
    row left with several splits keeps the one that continues them (``cross_year``)."""
    folded = fold_text(text)
    header_re, family = _header()
    m = header_re.search(folded, start)
    if not m:
        return [], []
    cols_text = m.group("cols")
    columns: list[tuple[str, str]] = []
    rows_start = m.end()
    for piece in re.finditer(
        r"\d{4}\s*年\s*度?|本\s*年\s*度?|当\s*年|历\s*年\s*累\s*计|累\s*计", cols_text
    ):
        label = re.sub(r"\s+", "", piece.group(0))
        col = next((c for c in family["columns"] if re.match(c["pattern"], label)), None)
        if col and any(key == col["key"] for key, _ in columns):
            rows_start = m.start("cols") + piece.start()  # a second year: text after the header
            break
        if col:
            columns.append(
                (col["key"], text[m.start("cols") + piece.start() : m.start("cols") + piece.end()])
            )
    if not columns:
        return [], []
    rows = _unique(_rows(text, folded, rows_start, len(text)))
    if not rows:
        return [], []
    kinds = ["decimal"] * len(columns)
    keys = [k for k, _ in columns]
    reads: list[RowRead] = []
    for n, row in enumerate(rows, start=1):
        ind = match_indicator(row.label)
        code = ind["code"] if ind else None
        read = RowRead(
            code or "",
            row.label,
            row.label_start,
            kinds,
            subject=code or f"g1.appendix.row{n}",
            text=row.values.strip(),
            start=row.values_start,
        )
        if row.values and row.again is None:
            read.read(formats.fold(row.values), _year_within(keys))
        reads.append(read)
    survivors, by_prose, by_years = _solve(reads, rows, keys, evidence or {}, neighbours)
    result = TemplateResult()
    table = Table(
        "g1_provincial",
        "appendix",
        m.start(),
        max(r.values_start + len(r.values) for r in rows),
        columns,
    )
    parent_of: dict[str, int] = {}
    last_top: int | None = None
    for n, (row, read) in enumerate(zip(rows, reads, strict=True), start=1):
        ind = match_indicator(row.label)
        if ind and ind.get("parent") in parent_of:
            parent_row: int | None = parent_of[ind["parent"]]
        elif (row.ordinal or _CHILD.match(row.label)) and last_top is not None:
            parent_row = last_top
        else:
            parent_row = None
        if parent_row is None:
            last_top = n
        if ind:
            parent_of.setdefault(ind["code"], n)
        if not read.candidates and not read.unreadable and not read.text:
            continue  # a label with no values: a heading row
        why = "历年累计 ≥ the year, 其中 rows within their parent and the table's identities"
        if row.again:  # printed twice with other numbers: neither is taken
            other = row.again
            result.checks.append(
                printed_twice(
                    read.subject,
                    row.label,
                    " ".join(row.values.split()),
                    " ".join(other.values.split()),
                    row.values_start,
                    other.values_start,
                )
            )
            chosen, status = None, "ambiguous"
        else:
            if n - 1 in by_prose:
                why = f"the report's prose ({by_prose[n - 1]}) and {why}"
            if n - 1 in by_years:
                why = f"{by_years[n - 1]} and {why}"
            chosen, status = decide(result, read, survivors[n - 1], why)
        settled = None
        if status == "inferred":
            settled = "cross_year" if n - 1 in by_years else "prose" if n - 1 in by_prose else None
        for i, (key, header) in enumerate(columns):
            cell = chosen[i] if chosen else None
            value = cell.value if cell and status in ("printed", "inferred") else None
            table.cells.append(
                {
                    "report_id": report_id,
                    "table": "appendix",
                    "row": n,
                    "column": key,
                    "indicator": ind["code"] if ind else None,
                    "label": row.label,
                    "column_label": header,
                    "parent_row": parent_row,
                    "value": value,
                    "value_text": cell.text if cell else read.text,
                    "value_status": "blank" if cell and cell.value is None else status,
                    "settled_by": settled if value is not None else None,
                    "unit": row.unit,
                    "line": None,  # numbered in ogi.parse
                    "start": cell.start if cell else read.start,
                    "end": cell.end if cell else read.start + len(read.text),
                }
            )
    checks = [{"report_id": report_id, **c} for c in result.checks]
    return ([table] if table.cells else []), checks


def _year_within(keys: list[str]) -> Callable[[list[Cell]], bool]:
    """A prune: once a row's cells are all chosen, 历年累计 must not be below the year."""
    if "year" not in keys or "cumulative" not in keys:
        return lambda cells: True
    y, c = keys.index("year"), keys.index("cumulative")

    def ok(cells: list[Cell]) -> bool:
        if len(cells) < len(keys):
            return True
        yv, cv = cells[y].value, cells[c].value
        return yv is None or cv is None or cv >= yv

    return ok


def _by_evidence(
    per_row: list[list[list[Cell]]], codes: list[str], keys: list[str], evidence: Evidence
) -> dict[int, str]:
    """Narrow, in place, the rows left with several splits to the splits whose cells agree
    with what the prose states; where none agrees the row stays as it was (the prose and the
    table disagree: prose_vs_table says so). Returns, per narrowed row, what the prose said."""
    said: dict[int, str] = {}
    for i, cands in enumerate(per_row):
        if len(cands) < 2 or not codes[i]:
            continue
        stated = [(j, key, evidence.get((codes[i], key), set())) for j, key in enumerate(keys)]
        stated = [(j, key, vals) for j, key, vals in stated if vals]
        agree = [c for c in cands if all(c[j].value in vals for j, _, vals in stated)]
        if stated and agree and len(agree) < len(cands):
            per_row[i] = agree
            said[i] = ", ".join(
                f"{key} " + " or ".join(f"{v:g}" for v in sorted(vals)) for _, key, vals in stated
            )
    return said


def _solve(
    reads: list[RowRead],
    rows: list[_Row],
    keys: list[str],
    evidence: Evidence,
    neighbours: years.Neighbours | None = None,
) -> tuple[list[list[list[Cell]]], dict[int, str], dict[int, str]]:
    """Candidates per row that satisfy 历年累计 ≥ year and the identities across rows; of rows
    still left with several, those agreeing with the prose, then the one continuing the
    neighbouring years (with what each said, per row), the identities again after each (a
    row settled so may settle its parts)."""
    year = keys.index("year") if "year" in keys else None
    cum = keys.index("cumulative") if "cumulative" in keys else None

    def row_ok(cells: list[Cell]) -> bool:
        if year is None or cum is None:
            return True
        y, c = cells[year].value, cells[cum].value
        return y is None or c is None or c >= y

    per_row = [[c for c in r.candidates if row_ok(c)] for r in reads]
    codes = [r.code for r in reads]
    parents = {
        i: next(
            (
                j
                for j, c in enumerate(codes)
                if c and c == (match_indicator(rows[i].label) or {}).get("parent")
            ),
            None,
        )
        for i in range(len(rows))
    }
    _by_identities(per_row, codes, parents, len(keys))
    by_prose = _by_evidence(per_row, codes, keys, evidence)
    if by_prose:
        _by_identities(per_row, codes, parents, len(keys))
    by_years = years.narrow(per_row, codes, keys, neighbours) if neighbours else {}
    if by_years:
        _by_identities(per_row, codes, parents, len(keys))
    return per_row, by_prose, by_years


def _by_identities(
    per_row: list[list[list[Cell]]],
    codes: list[str],
    parents: dict[int, int | None],
    ncols: int,
) -> None:
    """Narrow, in place, the rows left with several splits to those the identities allow
    together with the other rows' candidates."""
    open_rows = [i for i, cands in enumerate(per_row) if len(cands) > 1]
    if not open_rows:
        return
    spec = formats.gen1()
    fixed = {i: c[0] for i, c in enumerate(per_row) if len(c) == 1}
    for component in _components(open_rows, codes, parents, spec):
        space = 1
        for i in component:
            space *= len(per_row[i])
        if space > LIMIT:
            continue  # too many ways to try: the rows stay as they are
        keep: dict[int, list[list[Cell]]] = {i: [] for i in component}
        for combo in itertools.product(*(per_row[i] for i in component)):
            cells = {**fixed, **dict(zip(component, combo, strict=True))}
            if _consistent(cells, codes, parents, spec, ncols):
                for i, cand in zip(component, combo, strict=True):
                    if cand not in keep[i]:
                        keep[i].append(cand)
        if any(keep.values()):  # else the report breaks its arithmetic: nothing to narrow by
            for i in component:
                per_row[i] = keep[i]


def _components(
    open_rows: list[int], codes: list[str], parents: dict[int, int | None], spec: dict[str, Any]
) -> list[list[int]]:
    """The open rows grouped by the rules that tie them (a part and its total, a 其中 row and
    its parent), so that each group is searched on its own."""
    link = {i: i for i in range(len(codes))}

    def root(i: int) -> int:
        while link[i] != i:
            i = link[i]
        return i

    def join(a: int, b: int) -> None:
        link[root(a)] = root(b)

    index = {code: i for i, code in enumerate(codes) if code}
    for i, p in parents.items():
        if p is not None:
            join(i, p)
    for ident in spec["identities"]:
        members = [index[c] for c in (ident["total"], *ident["parts"]) if c in index]
        for m in members[1:]:
            join(members[0], m)
    groups: dict[int, list[int]] = {}
    for i in open_rows:
        groups.setdefault(root(i), []).append(i)
    return list(groups.values())


def _consistent(
    cells: dict[int, list[Cell]],
    codes: list[str],
    parents: dict[int, int | None],
    spec: dict[str, Any],
    ncols: int,
) -> bool:
    index = {code: i for i, code in enumerate(codes) if code}
    for j in range(ncols):

        def v(i: int | None, col: int = j) -> int | float | None:
            return cells[i][col].value if i is not None and i in cells else None

        for i, p in parents.items():
            child, parent = v(i), v(p)
            if child is not None and parent is not None and child > parent:
                return False
        for ident in spec["identities"]:
            total = v(index.get(ident["total"]))
            parts = [v(index[c]) for c in ident["parts"] if c in index]
            known = [x for x in parts if x is not None]
            if (
                total is not None
                and parts
                and len(known) == len(parts)
                and abs(sum(known) - total) > 1e-9
            ):
                return False
    return True
