"""Statistics tables flattened into text → one record per cell.

Flattenings read here: one cell per line ending in `` |`` (the seed), and markdown-style
rows (``| a | b | c |``). The table family is recognised from its header cells, as declared
in ``formats/gen1.yml``; rows are matched to indicator codes by their printed labels, and a
row whose label is not recognised is kept with an empty indicator — never dropped (numbers
under an empty label cell belong to no row and are not read). A table
printed more than once (screen and print; cut short, then printed whole) gives one row per
indicator: its fullest printing; a row printed twice with other numbers is left empty
(``ambiguous``) and a ``table_printed_twice`` check shows both printings.

>>> text = "指标名称 |\\n单位 |\\n2018年 |\\n行政复议数 |\\n件 |\\n5 |\\n"
>>> [(c["indicator"], c["column"], c["value"]) for c in read_tables(text, "r")[0].cells]
[('g1.reconsiderations', 'year', 5)]
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from .. import formats
from . import numerals
from .digits import MAX_DIGITS, Cell
from .lines import Line, split_lines


@dataclass(frozen=True)
class RawCell:
    """A printed cell: its text and where it stands in the source."""

    text: str
    start: int
    end: int
    line: int


@dataclass
class Table:
    """A statistics table read from the text."""

    family: str
    table: str
    start: int
    end: int
    columns: list[tuple[str, str]] = field(default_factory=list)  # (key, printed header)
    cells: list[dict[str, Any]] = field(default_factory=list)  # statistics records
    checks: list[dict[str, Any]] = field(default_factory=list)  # made while reading it
    # (indicator, column) → the numbers the readings that fit give a cell they have apart
    # (one of each value; value None: blank), of a table placed by the order of its numbers
    candidates: dict[tuple[str, str], list[Cell]] = field(default_factory=dict)


_PIPE_LINE = re.compile(r"\|\s*$")
_MD_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


def _line_cells(line: Line) -> list[RawCell]:
    """Cells of a pipe-flattened line; offsets point at the trimmed cell text."""
    cells = []
    text = line.text
    pos = 0
    parts = text.split("|")
    if parts and not parts[0].strip() and text.lstrip().startswith("|"):
        pos += len(parts[0]) + 1
        parts = parts[1:]
    for part in parts[:-1]:  # the part after the last pipe is the (empty) line end
        lead = len(part) - len(part.lstrip())
        body = part.strip()
        start = line.start + pos + lead
        cells.append(RawCell(body, start, start + len(body), line.no))
        pos += len(part) + 1
    return cells


@cache
def _footer() -> re.Pattern[str]:
    return re.compile(formats.layout()["page_footer"])


def pipe_blocks(lines: list[Line]) -> list[list[Line]]:
    """Runs of consecutive lines that end with a pipe (markdown rules included); a blank
    line (a gap in the line numbers) ends a run, a page footer (— 4 —) between two rows of a
    table that goes on over the page does not."""
    blocks: list[list[Line]] = []
    current: list[Line] = []
    last = -2
    for line in lines:
        if current and line.no != last + 1:
            blocks.append(current)
            current = []
        last = line.no
        if current and _footer().fullmatch(line.text.strip()):
            continue
        if _PIPE_LINE.search(line.text):
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


# --- numbers ---------------------------------------------------------------------------


@cache
def _number_re() -> re.Pattern[str]:
    """A cell holding a number, optionally followed by a unit printed inside it (12.5万元)."""
    units = [u for us in formats.prose()["units"].values() for u in us]
    alt = "|".join(re.escape(u) for u in sorted(units, key=len, reverse=True))
    return re.compile(rf"^([-+]?\d+(?:,\d{{3}})*(?:\.\d+)?)\s*({alt})?$")


_BLANK = {"", "-", "—", "——", "–", "/", "／", "无", "空"}


def read_number(printed: str) -> tuple[int | float | None, str, str]:
    """A printed cell → (value, status, unit printed inside the cell).

    >>> read_number("1,630"), read_number("—"), read_number("12.5万元")
    ((1630, 'printed', ''), (None, 'blank', ''), (12.5, 'printed', '万元'))
    >>> read_number("−1"), read_number("二"), read_number("20\u200b080")
    ((-1, 'printed', ''), (2, 'printed', ''), (20080, 'printed', ''))
    """
    s = numerals.strip_zero_width(formats.fold(printed)).strip().replace(" ", "")
    if s in _BLANK:
        return None, "blank", ""
    m = _number_re().match(s)
    if not m:
        chinese = numerals.read(s)  # 二, 一百二十: a value written in Chinese
        return (None, "blank", "") if chinese is None else (chinese, "printed", "")
    digits = m.group(1).replace(",", "")
    if len(digits.split(".")[0].lstrip("-")) > MAX_DIGITS:
        return None, "ambiguous", ""  # more digits than any value: not read
    value: int | float = float(digits) if "." in digits else int(digits)
    return value, "printed", m.group(2) or ""


def is_number_cell(printed: str) -> bool:
    """True for a cell that holds a number, a blank or a dash (a value cell)."""
    s = numerals.strip_zero_width(formats.fold(printed)).strip().replace(" ", "")
    return s in _BLANK or bool(_number_re().match(s)) or numerals.read(s) is not None


# --- generation-1 families -------------------------------------------------------------


@cache
def _label_index() -> dict[tuple[str, int | None, str], dict[str, Any]]:
    index: dict[tuple[str, int | None, str], dict[str, Any]] = {}
    for ind in formats.indicators():
        for variant in [ind["label_zh"], *ind.get("variants", [])]:
            index.setdefault(
                (ind["family"], ind.get("group"), formats.normalise_label(variant)), ind
            )
    return index


def match_indicator(
    label: str, family: str = "g1_provincial", group: int | None = None
) -> dict[str, Any] | None:
    """The indicator a printed row label stands for in a table family (and, where labels
    repeat, under a group heading such as 四、行政复议数量), or None when not recognised."""
    norm = formats.normalise_label(label)
    index = _label_index()
    return index.get((family, group, norm)) or index.get((family, None, norm))


_GROUP_MARK = r"([一二三四五六七八九十]+)\s*[、.．]"  # 四、 opening a top-level group
_GROUP = re.compile(r"^\s*" + _GROUP_MARK)


def group_of(label: str) -> int | None:
    """The number of a top-level group heading (四、行政复议数量 → 4), else None."""
    from .outline import chinese_number

    m = _GROUP.match(formats.fold(label))
    return chinese_number(m.group(1)) if m else None


_GROUP_INSIDE = re.compile(_GROUP_MARK)


def heading_inside(label: str, family: str) -> int | None:
    """The group a row label runs into (``(三)其他情形数五、行政诉讼数量``: two lines that OCR or
    a converter joined, a row and the next group's heading) → that group's number, else None.
    Only a heading that is a top-level row of the family counts, not any 三、 in a label."""
    folded = formats.fold(label)
    for m in _GROUP_INSIDE.finditer(folded, 1):
        rest = folded[m.start() :]
        group = group_of(rest)
        ind = match_indicator(rest, family, group) if group is not None else None
        if ind and not ind.get("parent"):
            return group
    return None


_CHILD = re.compile(r"^\s*(?:其中|\d{1,2}\s*[.、．]|[(（]\d{1,2}[)）])")


def _header(
    cells: list[RawCell], family: dict[str, Any]
) -> tuple[int, bool, list[tuple[str, str]]] | None:
    """(cells used by the header, has a unit column, value columns) or None."""
    hdr = family["header"]
    norm = [formats.normalise_label(c.text) for c in cells[:12]]
    if not norm or norm[0] not in hdr["label"]:
        return None
    i = 1
    has_unit = i < len(norm) and norm[i] in hdr["unit"]
    i += has_unit
    columns: list[tuple[str, str]] = []
    while i < len(norm):
        col = next((c for c in family["columns"] if re.match(c["pattern"], norm[i])), None)
        if col is None or any(key == col["key"] for key, _ in columns):
            break  # not a column header, or a second one of a column (the header again)
        columns.append((col["key"], " ".join(cells[i].text.split())))
        i += 1
    return (i, has_unit, columns) if columns else None


def _group_rows(
    body: list[RawCell], width: int, has_unit: bool, family: dict[str, Any]
) -> list[list[RawCell]]:
    """Split the body cells into rows: by position when the shape is regular, else at each
    cell that is a label (neither a number nor the unit following a label). The header
    printed again (over a page, or the table printed twice) is one row of its own."""
    if width and len(body) % width == 0:
        rows = [body[i : i + width] for i in range(0, len(body), width)]
        if all(not is_number_cell(r[0].text) for r in rows):
            return rows
    rows = []
    i = 0
    while i < len(body):
        cell = body[i]
        starts_row = not is_number_cell(cell.text) and not (
            has_unit and rows and len(rows[-1]) == 1
        )
        again = _header(body[i:], family) if starts_row else None
        if again:
            rows.append(body[i : i + again[0]])
            i += again[0]
            continue
        if starts_row or not rows:
            rows.append([cell])
        else:
            rows[-1].append(cell)
        i += 1
    return rows


@dataclass
class _RowCells:
    """A row of a pipe table as read, before its cells are recorded."""

    no: int
    label: str
    ind: dict[str, Any] | None
    unit: str
    values: list[RawCell]
    again: _RowCells | None = None  # printed again with other numbers: the cells stay empty

    @property
    def filled(self) -> int:
        return sum(read_number(c.text)[1] == "printed" for c in self.values)

    @property
    def numbers(self) -> list[int | float | None]:
        return [read_number(c.text)[0] for c in self.values]

    @property
    def printed(self) -> str:
        return " ".join(" ".join(c.text.split()) for c in self.values)


def printed_twice(
    subject: str, label: str, first: str, second: str, first_at: int, second_at: int
) -> dict[str, Any]:
    """The check row for a table row printed twice (the table printed again) with other
    numbers the second time: neither printing is taken, the cells are left empty."""
    return {
        "check": "table_printed_twice",
        "subject": subject,
        "status": "ambiguous",
        "severity": "warning",
        "expected": None,
        "observed": None,
        "message": (
            f"{label} is printed twice with different numbers: “{first}” (offset {first_at}) "
            f"and “{second}” (offset {second_at}); the cells are left empty."
        ),
        "start": first_at,
    }


def _read_g1(
    report_id: str, name: str, family: dict[str, Any], cells: list[RawCell]
) -> Table | None:
    head = _header(cells, family)
    if head is None:
        return None
    used, has_unit, columns = head
    table = Table(name, "appendix", cells[0].start, cells[-1].end, columns)
    rows: list[_RowCells | None] = []
    where: dict[str, int] = {}  # indicator → its row in ``rows``
    group: int | None = None
    marks = {formats.fold(m) for m in family.get("heading_mark", [])}
    for row_no, row in enumerate(_group_rows(cells[used:], used, has_unit, family), start=1):
        label_cell, rest = row[0], row[1:]
        label = " ".join(label_cell.text.split())
        joined = heading_inside(label, name)
        if joined is not None:  # a row run into the next group's heading: neither is read
            group = joined
            rows.append(_RowCells(row_no, label, None, "", rest))
            continue
        group = group_of(label) or group
        if marks and rest and all(formats.fold(c.text).strip() in marks for c in rest):
            continue  # a heading row (一、主动公开情况 | —— | ——): it only opens a group
        if formats.normalise_label(label) in family["header"]["label"]:
            continue  # the header again, where the table goes on over a page
        if not label:
            continue  # numbers under no label (a row cut off): no row to put them in
        unit = ""
        if has_unit and rest and (not is_number_cell(rest[0].text) or len(rest) > len(columns)):
            unit, rest = rest[0].text.strip(), rest[1:]
        ind = match_indicator(label, name, group)
        read = _RowCells(row_no, label, ind, unit, rest[: len(columns)])
        code = ind["code"] if ind else None
        if code and code in where:  # a row read already: the table printed twice
            first = rows[where[code]]
            assert first is not None
            if read.filled > first.filled:  # the first printing was cut short
                rows[where[code]] = None
                where[code] = len(rows)
                rows.append(read)
            elif read.filled == first.filled > 0 and read.numbers != first.numbers:
                first.again = first.again or read
            continue
        if code:
            where[code] = len(rows)
        rows.append(read)
    parent_of: dict[str, int] = {}
    last_top: int | None = None
    for read in (r for r in rows if r is not None):
        ind, row_no, label = read.ind, read.no, read.label
        code = ind["code"] if ind else None
        if ind and ind.get("parent") in parent_of:
            parent_row: int | None = parent_of[ind["parent"]]
        elif _CHILD.match(label) and last_top is not None:
            parent_row = last_top
        else:
            parent_row = None
        if parent_row is None:
            last_top = row_no
        if code:
            parent_of.setdefault(code, row_no)
        if code and read.again:
            again = read.again
            table.checks.append(
                printed_twice(
                    code,
                    label,
                    read.printed,
                    again.printed,
                    read.values[0].start,
                    again.values[0].start,
                )
            )
        for (key, header), cell in zip(columns, read.values, strict=False):
            value, status, cell_unit = read_number(cell.text)
            if read.again and status == "printed":
                value, status = None, "ambiguous"
            table.cells.append(
                {
                    "report_id": report_id,
                    "table": table.table,
                    "row": row_no,
                    "column": key,
                    "indicator": code,
                    "label": label,
                    "column_label": header,
                    "parent_row": parent_row,
                    "value": value,
                    "value_text": cell.text,
                    "value_status": status,
                    "unit": cell_unit or read.unit or None,
                    "line": cell.line,
                    "start": cell.start,
                    "end": cell.end,
                }
            )
    return table


def read_tables(text: str, report_id: str, start: int = 0) -> list[Table]:
    """The statistics table found in ``text[start:]``: one appendix table per report. Where
    it is printed more than once (screen and print, or cut short and printed again), the
    printing with the most numbers is read; of printings as full, the first."""
    best: Table | None = None
    families = formats.gen1()["families"]
    for block in pipe_blocks(split_lines(text, start)):
        rows = _realigned([_line_cells(line) for line in block if not _MD_RULE.match(line.text)])
        cells = [c for row in rows for c in row]
        for name, family in families.items():
            table = _read_g1(report_id, name, family, cells)
            if table is not None:
                if best is None or _filled(table) > _filled(best):
                    best = table
                break
    return [best] if best else []


def _realigned(rows: list[list[RawCell]]) -> list[list[RawCell]]:
    """A grid whose header cells stand one column right of their values (markitdown on a
    PDF: the header row opens with an empty cell, and the column under the label's header
    is empty in every row) has the two half-empty columns made one.

    >>> cell = lambda t: RawCell(t, 0, 0, 0)
    >>> grid = [[cell(t) for t in r] for r in (["", "指标", "单位"], ["数", "", "件"])]
    >>> [[c.text for c in r] for r in _realigned(grid)]
    [['指标', '单位'], ['数', '件']]
    """
    if len(rows) < 2 or len({len(r) for r in rows}) != 1:
        return rows
    head, body = rows[0], rows[1:]
    for k in range(len(head) - 1, 0, -1):
        if head[k - 1].text == "" and head[k].text and all(r[k].text == "" for r in body):
            head = head[: k - 1] + head[k:]
            body = [r[:k] + r[k + 1 :] for r in body]
    return [head, *body]


def _filled(table: Table) -> int:
    return sum(c["value_status"] == "printed" for c in table.cells)
