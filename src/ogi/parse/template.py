"""The fixed tables of generations 2 and 3 (sections 二, 三, 四), read from any flattening.

One idea, in one module: a generation 2/3 table read as its template says — the finding of
rows, the reading of their numbers and the choice among digit splits are one procedure
whose parts share the template's state, so it is kept whole.

The tables are templates (``formats/gen23.yml``): their rows and columns are known. The
reader finds each section by its fixed heading, each row by its label (in order; white space,
line breaks and quote marks between characters allowed), and reads the numbers between one
row's label and the next. Numbers separated by anything (spaces, tabs, pipes, line breaks)
are printed cells; numbers run together are split by :mod:`ogi.parse.digits`, keeping only
the splits that satisfy the table's arithmetic (row totals, the column identities, the
section 四 totals). One split left is ``inferred``; several leave the cells empty
(``ambiguous``) and a ``digit_split`` check lists the candidates.

>>> t = "三、收到和处理政府信息公开申请情况 一、本年新收政府信息公开申请数量 5 0 0 0 0 0 5 四、政府信息公开行政复议、行政诉讼情况"
>>> tables, _ = read_template_tables(t, "r", 3, 0)
>>> [(c["indicator"], c["column"], c["value"]) for c in tables[0].cells][-1]
('g3.s3.received', 'total', 5)
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from .. import formats
from . import blanks, columns, header_columns, numerals, ordered
from .digits import LIMIT, Cell, Prune, _always, block_totals, fit, splits, tokens
from .headings import QUOTES as _QUOTES
from .headings import flex, section_re
from .lines import fold_text
from .pools import TABLE_NODES, solve_pools
from .tables import Table

MAX_DIGITS = 12  # a cell of a statistics table holds at most this many characters of number
CANDIDATES = 6  # cells a column_order message lists with their candidates, at most
_SPACES = re.compile(r"\s+")  # a label's line breaks, left out where it is quoted
_ORDINAL = re.compile(
    r"^(?:[一二三四五六七八九十]+、|[(（][一二三四五六七八九十]+[)）]|\d+[.、．])"
)


def anchor_of(row: dict[str, Any]) -> str:
    """The text a row is found by: its ``anchor``, else its label without the ordinal; and
    its ``variants`` as printed in the wild (typos), without their ordinals, after a ``|``.

    >>> anchor_of({"label": "2.其他", "variants": ["2.其它"]})
    '其他|其它'
    """
    first = str(row.get("anchor") or _ORDINAL.sub("", row["label"]))
    return "|".join([first, *(_ORDINAL.sub("", v) for v in row.get("variants", []))])


@cache
def _spec() -> dict[str, Any]:
    return formats.gen23()  # type: ignore[no-any-return]


def find_sections(folded: str, start: int = 0) -> dict[int, tuple[int, int]]:
    """Positions of the fixed headings 一 … 六 (ordinal → (start, end)), found in order."""
    found: dict[int, tuple[int, int]] = {}
    pos = start
    for sec in _spec()["sections"]:
        m = section_re(sec["ordinal"]).search(folded, pos)
        if m:
            found[sec["ordinal"]] = (m.start(), m.end())
            pos = m.end()
    return found


def detect_generation(folded: str) -> int | None:
    """2 or 3 from the header words of section 二's table, None when neither is there."""
    hits = {g: sum(1 for w in words if w in folded) for g, words in _spec()["detect"].items()}
    best = max(hits, key=lambda g: hits[g])
    return int(best) if hits[best] else None


# --- reading rows ---------------------------------------------------------------------------

# an empty line, then text: the label's block has ended before any number (a converter that
# prints a table column by column puts headers and other rows' labels there)
_PAST_BLOCK = re.compile(r"\n[ \t]*\n\s*[^\s\d|\-+—–－/／]")
# the characters a row's printed numbers are made of; a value written in Chinese (二) only
# as a cell of its own between pipes (elsewhere it would be the next row's numbering)
_VALUE_CHARS = re.compile(
    rf"(?:\|[ \t]*[{numerals.spec()['chars']}]+[ \t]*(?=\|)"
    rf"|[\d\s|.,\-+—–－/／{numerals.spec()['zw_class'][1:-1]}]|万元|亿元|元)*+"
)
_LEAD_JUNK = re.compile(r"^[^\d\-+—–－/／|\t]*")


def _value_text(folded: str, start: int, end: int) -> tuple[int, int]:
    """The span of a row's printed numbers inside ``folded[start:end]``: after the rest of
    the label (an aside in brackets, wrapped words) up to the first character that cannot be
    part of a number (the next group label, a caption, a header). When the next label stands
    on the span's last line behind a pipe (``| 二、上年结转…``), that line is not part of it."""
    region = folded[start:end]
    lead = _LEAD_JUNK.match(region)
    i = lead.end() if lead else 0
    values = _VALUE_CHARS.match(region, i)
    j = values.end() if values else i
    last = region.rfind("\n", i, j)
    next_on_line = j == len(region) or region[j] != "\n"  # the next label follows on that line
    if last >= 0 and next_on_line and not region[last:j].strip(" \t|\n"):
        j = last
    return start + i, start + j


@dataclass
class RowRead:
    """What was read for one template row: its label as printed and its candidate splits."""

    code: str
    label: str
    label_start: int
    kinds: list[str]
    subject: str = ""  # what a digit_split check about this row is about
    text: str = ""
    start: int = 0
    candidates: list[list[Cell]] = field(default_factory=list)
    printed: bool = False  # every cell was printed apart: no split was needed
    too_many: bool = False
    unreadable: bool = False
    label_end: int = 0
    stacked: bool = False  # its table is printed column by column: its numbers are not known
    placed: str = ""  # its label was not found: where the row was placed by its position
    short: int = 0  # numbers printed apart (by pipes or tabs), when fewer than its columns

    def read(self, raw: str, prune: Prune = _always, sum_width: int | None = None) -> RowRead:
        """Take the row's candidate splits from its printed value text (folded; ``self.start``
        is where it stands in the source)."""
        chunks = tokens(_no_footers(raw), self.start)
        if chunks is None or sum(len(c.text) for c in chunks) > MAX_DIGITS * len(self.kinds):
            self.unreadable = True  # not numbers, or far more digits than its cells can hold
            return self
        chunks = fit(chunks, len(self.kinds))
        self.printed = len(chunks) == len(self.kinds)
        if ("|" in raw or "\t" in raw) and 0 < len(chunks) < len(self.kinds):
            self.short = len(chunks)  # a column lost from the row, or two cells run together
        for n, cand in enumerate(splits(chunks, self.kinds, prune, sum_width)):
            if n >= LIMIT:
                self.too_many, self.candidates = True, []
                break
            self.candidates.append(cand)
        return self


@cache
def _footer_line() -> re.Pattern[str]:
    return re.compile(rf"(?m)^[ \t]*(?:{formats.layout()['page_footer']})[ \t]*$")


def _no_footers(raw: str) -> str:
    """A row's value text with the page footers left inside it (— 4 — on a line of its own)
    blanked, offsets kept.

    >>> _no_footers("| 1 | 2 |\\n— 4 —\\n| 3 |")
    '| 1 | 2 |\\n     \\n| 3 |'
    """
    if "\n" not in raw:
        return raw
    return _footer_line().sub(lambda m: " " * len(m.group()), raw)


def _read_row(
    text: str,
    folded: str,
    code: str,
    label_span: tuple[int, int],
    end: int,
    kinds: list[str],
    next_ordinal: str | None,
    prune: Prune | None = None,
) -> RowRead:
    line_start = folded.rfind("\n", 0, label_span[0]) + 1
    if folded[line_start : label_span[0]].lstrip().startswith("|"):  # a pipe row: one line
        line_end = folded.find("\n", label_span[1])
        end = min(end, line_end if line_end >= 0 else end)
    s, e = _value_text(folded, label_span[1], end)
    raw = folded[s:e].rstrip(" \r\n")
    if _PAST_BLOCK.search(folded, label_span[1], s):
        # other text past an empty line: not this row's cells (read as unreadable)
        s, raw = label_span[1], folded[label_span[1] : s].rstrip(" \r\n")
    if next_ordinal:  # the next row's ordinal sticks to this row's digits: …00000002.其他…
        after = folded[s + len(raw) : end].lstrip()
        if raw.endswith(next_ordinal + ".") and len(raw) > len(next_ordinal) + 1:
            raw = raw[: -len(next_ordinal) - 1]
        elif (
            raw.endswith(next_ordinal) and after[:1] in ("、", ".") and len(raw) > len(next_ordinal)
        ):
            raw = raw[: -len(next_ordinal)]
    raw = raw.rstrip(" \r\n")
    row = RowRead(
        code,
        " ".join(text[label_span[0] : label_span[1]].split()),
        label_span[0],
        kinds,
        text=text[s : s + len(raw)],
        start=s,
        label_end=label_span[1],
    )
    return row.read(raw, prune or _always, len(kinds) if prune else None)


def _find(folded: str, anchor: str, pos: int, end: int) -> tuple[int, int] | None:
    m = _anchor_re(anchor).search(folded, pos, end)
    if m is None:  # the label wrapped around its numbers: tried where its first words stand
        lead, wrapped = _wrapped_re(anchor)
        for c in lead.finditer(folded, pos, end):
            m = wrapped.match(folded, c.start(), end)
            if m:
                break
    return (m.start(), m.end()) if m else None


_RULE = r"(?:[ \t]*\|[-| :]*\n)"  # a markdown rule line (| --- | --- |)


@cache
def _wrapped_re(anchor: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The label printed in two parts around the row's numbers, as a text laid out like the
    page prints a wrapped label cell (``一、本年新收政府信息公开申请   49 13 … 97`` then
    ``数量`` on the next line; in pipe rows too): the first part, when the numbers and then
    the rest follow."""
    chars = [c for c in formats.fold(anchor) if c not in _QUOTES and not c.isspace()]
    alts = [
        flex("".join(chars[:k]))
        + rf"(?=[ \t|]+[\d.\-—–－ \t|]*\d[ \t|]*\n{_RULE}?[ \t]*{flex(''.join(chars[k:]))})"
        for k in range(len(chars) - 1, 1, -1)
    ]
    return re.compile(flex("".join(chars[:2]))), re.compile("|".join(alts) or r"(?!)")


@cache
def _anchor_re(anchor: str) -> re.Pattern[str]:
    return re.compile("(?:" + "|".join(flex(a) for a in anchor.split("|")) + f")[{_QUOTES}]*")


def _ordinal_text(label: str) -> str | None:
    m = re.match(r"^(\d+)[.、．]", label)
    return m.group(1) if m else None


# --- the three tables ----------------------------------------------------------------------


def _s3_rows(gen: int) -> list[dict[str, Any]]:
    return [r for r in _spec()["tables"]["s3"]["rows"] if gen in r.get("generations", [2, 3])]


def _s2_blocks(gen: int) -> list[dict[str, Any]]:
    return _spec()["tables"]["s2"]["by_generation"][gen]["blocks"]  # type: ignore[no-any-return]


def _kind(col: dict[str, Any]) -> str:
    return "signed" if col.get("signed") else "decimal" if col.get("decimal") else "int"


def _rows_in(
    text: str,
    folded: str,
    rows: list[tuple[str, str, list[str], str | None]],
    start: int,
    end: int,
    prune: Prune | None = None,
) -> list[RowRead | None]:
    """Find each (code, anchor, kinds, ordinal) row in order; None for a row not found."""
    spans: list[tuple[int, int] | None] = []
    pos = start
    for _, anchor, _, _ in rows:
        span = _find(folded, anchor, pos, end)
        spans.append(span)
        if span:
            pos = span[1]
    out: list[RowRead | None] = []
    for i, ((code, _, kinds, _), span) in enumerate(zip(rows, spans, strict=True)):
        if span is None:
            out.append(None)
            continue
        nxt = next((sp for sp in spans[i + 1 :] if sp), None)
        stop = nxt[0] if nxt else end
        next_ord = next((rows[k][3] for k in range(i + 1, len(rows)) if spans[k]), None)
        out.append(_read_row(text, folded, code, span, stop, kinds, next_ord, prune))
    _out_of_order(text, folded, rows, spans, out, start, end, prune)
    _by_position(text, folded, rows, spans, out, prune)
    return out


# what may stand before a row's label on its line: a pipe, an ordinal (not a sentence)
_LINE_LEAD = re.compile(r"[ \t|]*(?:\d{1,2}[.、．]|[（(][一二三四五六七八九十]+[)）])?[ \t]*")
# a row's values right after its label: a number standing alone (not a list number: 1.申请人…)
_VALUES_NEXT = re.compile(r"[ \t|]*(?:[-+]?\d[\d,]*(?:\.\d+)?|——|—|–|－|/|／)(?=[ \t|]|\n|$)")


def _out_of_order(
    text: str,
    folded: str,
    rows: list[tuple[str, str, list[str], str | None]],
    spans: list[tuple[int, int] | None],
    out: list[RowRead | None],
    start: int,
    end: int,
    prune: Prune | None,
) -> None:
    """Rows not found in template order (a converter printed a block of the table after
    the next one): the one place in the table where the row's label opens a line, outside the
    rows found, with its values right after it on the same line."""
    taken = [(r.label_start, r.start + len(r.text)) for r in out if r is not None]
    labels = sorted(sp[0] for sp in spans if sp)
    for i, (code, anchor, kinds, _) in enumerate(rows):
        if out[i] is not None:
            continue
        hits = [
            m
            for m in _anchor_re(anchor).finditer(folded, start, end)
            if not any(a <= m.start() < b for a, b in taken)
            and _VALUES_NEXT.match(folded, m.end(), end)
            and _LINE_LEAD.fullmatch(folded, folded.rfind("\n", 0, m.start()) + 1, m.start())
        ]
        if len(hits) != 1:
            continue
        span = (hits[0].start(), hits[0].end())
        stop = next((a for a in labels if a > span[1]), end)
        line_end = folded.find("\n", span[1])
        stop = min(stop, line_end if line_end >= 0 else end)
        spans[i] = span
        read = _read_row(text, folded, code, span, stop, kinds, None, prune)
        out[i] = read
        taken.append((span[0], read.start + len(read.text)))


_PIPE_LINE = re.compile(r"(?m)^[ \t]*\|.*$")
_NUMBER_CELL = re.compile(r"-?\d[\d,]*(?:\.\d+)?|——|—|–|－|-|/|／|")


def _by_position(
    text: str,
    folded: str,
    rows: list[tuple[str, str, list[str], str | None]],
    spans: list[tuple[int, int] | None],
    out: list[RowRead | None],
    prune: Prune | None,
) -> None:
    """Rows whose label was not found (a converter cut it up, moved it, or left it out),
    placed by position: between two rows that were found, markdown pipe rows holding exactly a
    row's cells and nothing but a label before them, as many as the rows missing there, are
    those rows in template order (their cells as printed; ``placed`` says how)."""
    found = [i for i, r in enumerate(out) if r is not None]
    for a, b in zip(found, found[1:], strict=False):
        missing = list(range(a + 1, b))
        before, after = out[a], spans[b]
        if not missing or before is None or after is None:
            continue
        n = len(rows[missing[0]][2])
        if any(len(rows[i][2]) != n for i in missing):
            continue
        gap_start = before.start + len(before.text)
        gap_end = folded.rfind("\n", 0, after[0]) + 1
        lines = [m for m in _PIPE_LINE.finditer(folded, gap_start, gap_end)]
        value_rows = [v for v in (_value_cells(m.group(), m.start(), n) for m in lines) if v]
        if len(value_rows) != len(missing):
            continue
        for k, (i, (label, at, values)) in enumerate(zip(missing, value_rows, strict=True)):
            code, anchor, kinds, _ = rows[i]
            raw = folded[values[0] : values[1]]
            read = RowRead(
                code,
                label or anchor.split("|")[0],
                at,
                kinds,
                text=text[values[0] : values[1]],
                start=values[0],
                label_end=values[0],
                placed=f"value row {k + 1} of the {len(missing)} printed between "
                f"“{before.label}” and “{text[after[0] : after[1]]}”, where {len(missing)} "
                "rows are missing",
            )
            out[i] = read.read(raw, prune or _always, len(kinds) if prune else None)


def _value_cells(line: str, at: int, n: int) -> tuple[str, int, tuple[int, int]] | None:
    """(printed label, where it starts, span of the values) of a pipe row whose last ``n``
    cells are numbers (or blank) and whose cells before them are not; None for another line
    (a rule line, a header, a row of another width)."""
    cells = [(m.start(1), m.group(1)) for m in re.finditer(r"\|([^|]*)", line)]
    if cells and not cells[-1][1].strip():
        cells = cells[:-1]  # the pipe that closes the row
    if len(cells) < n:
        return None
    head, tail = cells[:-n], cells[-n:]
    if not all(_NUMBER_CELL.fullmatch(c.strip()) for _, c in tail):
        return None
    if any(_NUMBER_CELL.fullmatch(c.strip()) for _, c in head):
        return None
    if all(not c.strip() for _, c in tail):
        return None
    label = " ".join(c.strip() for _, c in head if c.strip())
    label_at = at + (head[0][0] if head else tail[0][0])
    return label, label_at, (at + tail[0][0] - 1, at + len(line.rstrip()))


@dataclass
class TemplateResult:
    """Tables read plus the digit-split findings (rows of the ``checks`` resource)."""

    tables: list[Table] = field(default_factory=list)
    checks: list[dict[str, Any]] = field(default_factory=list)


def read_template_tables(
    text: str, report_id: str, gen: int, start: int
) -> tuple[list[Table], list[dict[str, Any]]]:
    """Sections 二, 三, 四 of a generation-2/3 report: (tables, digit_split checks)."""
    folded = fold_text(text)
    secs = find_sections(folded, start)
    order = sorted(secs)
    bounds = {
        k: (secs[k][1], secs[order[i + 1]][0] if i + 1 < len(order) else len(text))
        for i, k in enumerate(order)
    }
    result = TemplateResult()
    for section, reader in ((2, _read_s2), (3, _read_s3), (4, _read_s4)):
        if section in bounds:
            reader(text, folded, report_id, gen, bounds[section], result)
    return result.tables, result.checks


def _record(
    report_id: str,
    gen: int,
    table: str,
    row_no: int,
    code: str,
    label: str,
    col: dict[str, Any],
    cell: Cell | None,
    status: str,
    unit: str | None,
    fallback: tuple[str, int, int],
) -> dict[str, Any]:
    text, start, end = (cell.text, cell.start, cell.end) if cell else fallback
    value = cell.value if cell and status in ("printed", "inferred") else None
    if cell and cell.value is None:
        status = "blank"
    cell_unit = next((u for u in ("万元", "亿元", "元") if cell and cell.text.endswith(u)), None)
    return {
        "report_id": report_id,
        "table": table,
        "row": row_no,
        "column": col["key"],
        "indicator": f"g{gen}.{table}.{code}",
        "label": label,
        "column_label": col["label"],
        "parent_row": None,
        "value": value,
        "value_text": text,
        "value_status": status,
        "unit": cell_unit or col.get("unit") or unit,
        "line": None,  # numbered in ogi.parse
        "start": start,
        "end": end,
    }


def _emit(
    result: TemplateResult,
    table: Table,
    report_id: str,
    gen: int,
    row_no: int,
    row: RowRead,
    cols: list[dict[str, Any]],
    chosen: list[Cell] | None,
    status: str,
    unit: str | None,
) -> None:
    for i, col in enumerate(cols):
        cell = chosen[i] if chosen else None
        table.cells.append(
            _record(
                report_id,
                gen,
                table.table,
                row_no,
                row.code,
                row.label,
                col,
                cell,
                status,
                unit,
                (row.text, row.start, row.start + len(row.text)),
            )
        )


def _fmt(cells: list[Cell]) -> str:
    def one(v: int | float | None) -> str:
        if v is None:
            return "blank"
        return f"{v:.6f}".rstrip("0").rstrip(".") if isinstance(v, float) else str(v)

    return ", ".join(one(c.value) for c in cells)


def _split_check(
    result: TemplateResult,
    row: RowRead,
    status: str,
    survivors: list[list[Cell]],
    why: str,
) -> None:
    subject = row.subject
    where = f"{row.label} printed as “{row.text}” (offset {row.start})"
    what = (
        f"only {row.short} numbers are printed apart for its {len(row.kinds)} columns (a "
        "column lost from the row, or two cells' digits run together in one)"
        if row.short
        else "the digits run together"
    )
    if status == "inferred":
        message = f"{where}: {what}; only one split fits {why}: {_fmt(survivors[0])}."
        st = "pass"
    elif status == "ambiguous":
        shown = " | ".join(_fmt(c) for c in survivors[:12])
        more = f" and {len(survivors) - 12} more" if len(survivors) > 12 else ""
        message = (
            f"{where}: {what} and {len(survivors)} splits fit {why}: {shown}{more}; "
            "the cells are left empty."
        )
        st = "ambiguous"
    else:
        message = f"{where}: {why}; the cells are left empty."
        st = "not_assessable"
    result.checks.append(
        {
            "check": "digit_split",
            "subject": subject,
            "status": st,
            "severity": "warning",
            "expected": None,
            "observed": None,
            "message": message,
            "start": row.start,
        }
    )


def decide(
    result: TemplateResult,
    row: RowRead,
    survivors: list[list[Cell]],
    why: str,
) -> tuple[list[Cell] | None, str]:
    """The cells to publish for a row and their status, recording a digit_split check (and,
    for a row placed by its position, a row_by_position check saying where)."""
    if row.placed:
        result.checks.append(
            {
                "check": "row_by_position",
                "subject": row.subject,
                "status": "pass",
                "severity": "warning",
                "expected": None,
                "observed": None,
                "message": f"{row.label} printed as “{row.text}” (offset {row.start}): its "
                f"label is not printed whole before it; the row is placed by its position: "
                f"{row.placed}.",
                "start": row.start,
            }
        )
    if row.stacked:
        why = (
            "the table is printed column by column (row labels stand one after another, the"
            " numbers elsewhere), so which numbers are this row's is not known"
        )
        _split_check(result, row, "unreadable", [], why)
        return None, "ambiguous"
    # numbers printed that cannot be placed leave the cells unknown (ambiguous), not blank
    unknown = "ambiguous" if re.search(r"\d", row.text) else "blank"
    if row.unreadable:
        _split_check(
            result,
            row,
            "unreadable",
            [],
            "something other than numbers is printed there",
        )
        return None, unknown
    if row.too_many:
        _split_check(result, row, "unreadable", [], f"more than {LIMIT} splits are possible")
        return None, "ambiguous"
    if row.printed and len(row.candidates) == 1:
        return row.candidates[0], "printed"
    if not survivors:
        reason = (
            "no split of its digits into its cells satisfies the table's arithmetic"
            if row.candidates
            else "its numbers do not make one value per column"
        )
        _split_check(result, row, "unreadable", [], reason)
        return None, "ambiguous" if row.candidates else unknown
    if len(survivors) == 1:
        _split_check(result, row, "inferred", survivors, why)
        return survivors[0], "inferred"
    _split_check(result, row, "ambiguous", survivors, why)
    return None, "ambiguous"


def _read_s2(
    text: str,
    folded: str,
    report_id: str,
    gen: int,
    bounds: tuple[int, int],
    result: TemplateResult,
) -> None:
    table = Table(f"gen{gen}", "s2", bounds[0], bounds[1])
    specs = []
    for block in _s2_blocks(gen):
        kinds = [_kind(c) for c in block["columns"]]
        for row in block["rows"]:
            specs.append((row, block["columns"], kinds))
    reads = _rows_in(
        text, folded, [(r["code"], anchor_of(r), k, None) for r, _, k in specs], *bounds
    )
    mark_stacked(folded, reads)
    for row_no, ((spec, cols, _), read) in enumerate(zip(specs, reads, strict=True), start=1):
        if read is None:
            continue
        read.subject = f"g{gen}.s2.{read.code}"
        chosen, status = decide(
            result,
            read,
            read.candidates,
            "one valid number per column (section 二 has no identity to tell splits apart)",
        )
        _emit(result, table, report_id, gen, row_no, read, cols, chosen, status, spec.get("unit"))
    _tighten(table, reads)
    if not any(c["value"] is not None for c in table.cells):
        table = _s2_by_columns(text, folded, report_id, gen, bounds, result) or table
    if table.cells:
        result.tables.append(table)


def _s2_by_columns(
    text: str,
    folded: str,
    report_id: str,
    gen: int,
    bounds: tuple[int, int],
    result: TemplateResult,
) -> Table | None:
    """Section 二 printed column by column (:func:`header_columns.read_column_blocks`), read
    when its rows gave no value: each column's numbers after its label, in its block; the
    columns after the first that breaks that order are left ambiguous."""
    blocks = _s2_blocks(gen)
    read = header_columns.read_column_blocks(
        text,
        folded,
        *bounds,
        [(b["caption"], [c["label"] for c in b["columns"]], len(b["rows"])) for b in blocks],
    )
    if not read:
        return None
    whole = {  # rows whose every column was read: the row reader's checks are dropped
        f"g{gen}.s2.{row['code']}"
        for i, b in enumerate(blocks)
        for row in b["rows"]
        if all((i, j) in read for j in range(len(b["columns"])))
    }
    result.checks[:] = [c for c in result.checks if c["subject"] not in whole]
    table = Table(
        f"gen{gen}", "s2", bounds[0], max(c.end for cells in read.values() for c in cells)
    )
    row_no = cells = 0
    for i, block in enumerate(blocks):
        for k, row in enumerate(block["rows"]):
            row_no += 1
            for j, col in enumerate(block["columns"]):
                cell = read[i, j][k] if (i, j) in read else None
                rec = _record(
                    report_id, gen, "s2", row_no, row["code"], row["label"], col, cell,
                    "printed" if cell else "ambiguous", row.get("unit"),
                    (cell.text, cell.start, cell.end) if cell else ("", bounds[0], bounds[0]),
                )  # fmt: skip
                if cell:
                    rec["settled_by"] = "order"
                table.cells.append(rec)
                cells += 1
    unread = cells - sum(len(v) for v in read.values())
    _column_order(
        result,
        f"g{gen}.s2",
        unread,
        "The table is printed column by column (each column's numbers after its "
        "label, block by block): its numbers are read as the column labels printed before "
        "them; section 二 has no arithmetic to confirm them"
        + (
            "."
            if not unread
            else f". {unread} of its {cells} cells are left empty: from there on a "
            "column's numbers are not printed after its label in its block."
        ),
        bounds[0],
    )
    return table


_STACKED_GAP = re.compile(r"[ \r]*\n[ \r\n]*")


def mark_stacked(folded: str, reads: list[RowRead | None]) -> None:
    """When two rows' labels stand one after another on their own lines with nothing between
    them (not even a blank mark, a pipe or a tab), the table was printed column by column
    (plain pdftotext): the numbers after a label are not its own, so no row is read from
    them (section 三 is then read by :mod:`ogi.parse.columns`)."""
    found = [r for r in reads if r is not None]
    stacked = any(
        _STACKED_GAP.fullmatch(folded, a.label_end, b.label_start)
        for a, b in zip(found, found[1:], strict=False)
    )
    if stacked:
        for r in found:
            r.stacked = True


def _tighten(table: Table, reads: list[RowRead | None]) -> None:
    """The table's span: from the first row's label to the end of the last row's numbers."""
    found = [r for r in reads if r is not None]
    if found:
        table.start = min(r.label_start for r in found)
        table.end = max(r.start + len(r.text) for r in found)


def _read_s3(
    text: str,
    folded: str,
    report_id: str,
    gen: int,
    bounds: tuple[int, int],
    result: TemplateResult,
) -> None:
    spec = _spec()["tables"]["s3"]
    cols = spec["columns"]
    kinds = ["int"] * len(cols)
    rows = _s3_rows(gen)

    def read_rows(rows: list[dict[str, Any]]) -> list[RowRead | None]:
        return _rows_in(
            text,
            folded,
            [(r["code"], anchor_of(r), kinds, _ordinal_text(r["label"])) for r in rows],
            *bounds,
            block_totals(len(cols)),
        )

    reads = read_rows(rows)
    for stand_in in formats.stand_ins(gen):  # its sub-rows not printed: read it in their place
        subs = [i for i, r in enumerate(rows) if r.get("group") == stand_in["code"]]
        if subs and all(reads[i] is None for i in subs):
            again = [*rows[: subs[0]], stand_in, *rows[subs[-1] + 1 :]]
            again_reads = read_rows(again)
            if again_reads[subs[0]] is not None:
                rows, reads = again, again_reads
    mark_stacked(folded, reads)
    if any(r is not None and r.stacked for r in reads):  # printed column by column
        _s3_by_columns(text, folded, report_id, gen, bounds, rows, reads, result)
        return
    # Row totals first, then the column identities across rows for what is still open.
    per_row: dict[str, list[list[Cell]]] = {}
    for r, read in zip(rows, reads, strict=True):
        if read is not None:
            per_row[r["code"]] = [c for c in read.candidates if _row_total_ok(c)]
    chosen_sets = _solve_columns(rows, per_row)
    table = Table(f"gen{gen}", "s3", bounds[0], bounds[1])
    for row_no, (r, read) in enumerate(zip(rows, reads, strict=True), start=1):
        if read is None:
            continue
        read.subject = f"g{gen}.s3.{read.code}"
        survivors = chosen_sets.get(r["code"], per_row.get(r["code"], []))
        why = (
            "the row total"
            if survivors == per_row.get(r["code"])
            else "the row total and the column identities"
        )
        chosen, status = decide(result, read, survivors, why)
        _emit(result, table, report_id, gen, row_no, read, cols, chosen, status, "件")
    _tighten(table, reads)
    if table.cells:
        result.tables.append(table)


def _s3_by_columns(
    text: str,
    folded: str,
    report_id: str,
    gen: int,
    bounds: tuple[int, int],
    rows: list[dict[str, Any]],
    reads: list[RowRead | None],
    result: TemplateResult,
) -> None:
    """Section 三 printed column by column (:mod:`ogi.parse.columns`): each run of labels'
    numbers placed by order, a value kept where the table's arithmetic confirms it."""
    cols = _spec()["tables"]["s3"]["columns"]
    found = [(r, read) for r, read in zip(rows, reads, strict=True) if read is not None]
    spans = [(read.label_start, read.label_end) for _, read in found]
    ident = _spec()["identities"]
    balance = (ident["balance"]["left"], ident["balance"]["right"])
    results = ([r["code"] for r in rows if r.get("result")], ident["results"]["total"])
    Option = tuple[
        dict[str, list[Cell | None]], dict[int, list[str]], list[list[Cell]], list[blanks.Gap]
    ]
    options: list[list[Option]] = []
    problems = []
    for n, run in enumerate(columns.label_runs(folded, spans)):
        nxt = run[-1] + 1
        end = spans[nxt][0] if nxt < len(spans) else bounds[1]
        got, problem = columns.read_runs(
            text, folded, len(run), len(cols), spans[run[-1]][1], end, top=n == 0
        )
        if problem:
            problems.append(f"the {len(run)} rows from “{found[run[0]][1].label}”: {problem}")
        codes = [found[i][0]["code"] for i in run]
        options.append(
            [
                (
                    dict(zip(codes, b.cells, strict=True)),
                    _pools(codes, b.pools, n),
                    b.runs,
                    [blanks.Gap([(codes[r], c) for r, c in at], nums) for at, nums in b.gaps],
                )
                for b in got
            ]
            or [({c: [None] * len(cols) for c in codes}, {}, [], [])]
        )
    readings, printed, pooled = [], [], set()
    spent, unfinished = [TABLE_NODES], False  # a search not finished: readings not all known
    for combo in itertools.islice(itertools.product(*options), 64):
        cells = {k: v for part, _, _, _ in combo for k, v in part.items()}
        pools = {k: v for _, part, _, _ in combo for k, v in part.items()}
        runs = [run for _, _, got_runs, _ in combo for run in got_runs]
        gaps = [gap for _, _, _, got_gaps in combo for gap in got_gaps]
        in_pools = {code for codes in pools.values() for code in codes}
        pooled |= in_pools | {code for gap in gaps for code, _ in gap.slots}  # placed by sums
        printed.append(cells)
        for filled in blanks.fills(cells, gaps, in_pools, balance, results):
            if not pools:
                readings += [filled] if columns.consistent(filled, balance, results) else []
                continue
            solved = solve_pools(filled, pools, balance, results, runs, spent)
            unfinished |= solved is None
            readings += [{**filled, **placed} for placed in solved or []]
    if unfinished:  # a reading not searched may be the report's: none is relied on
        readings = []
        problems.append("its pooled numbers can be drawn in too many ways to search them all")
    apart: dict[tuple[str, int], list[Cell]] = {}
    if readings:
        cells = columns.agreed(readings)
        ok = columns.confirmed_in_every(readings, balance, results)
        apart = columns.candidates(readings)
    else:  # the report breaks its arithmetic: its numbers as printed
        cells = printed[0] if len(printed) == 1 else columns.agreed(printed)
        ok = columns.confirmed(cells, balance, results)
    table = Table(f"gen{gen}", "s3", spans[0][0], spans[-1][1])
    table.candidates = {
        (f"g{gen}.s3.{code}", cols[j]["key"]): values for (code, j), values in apart.items()
    }
    for row_no, (r, read) in enumerate(zip(rows, reads, strict=True), start=1):
        if read is None:
            continue
        for j, col in enumerate(cols):
            cell, good = cells[r["code"]][j], ok[r["code"]][j]
            blank = cell is not None and cell.value is None
            rec = _record(
                report_id,
                gen,
                "s3",
                row_no,
                r["code"],
                read.label,
                col,
                cell,  # unconfirmed: its number in place kept as value_text, value empty
                "printed" if good else "blank" if blank else "ambiguous",
                "件",
                ("", read.label_end, read.label_end),
            )
            if good:
                by_sum = r["code"] in pooled or len(printed) > 1
                rec["settled_by"] = "identity" if by_sum and readings else "order"
            table.cells.append(rec)
            table.end = max(table.end, cell.end if cell else 0)
    unread = sum(
        not v and not (c is not None and c.value is None)
        for code, row in ok.items()
        for v, c in zip(row, cells[code], strict=True)
    )
    why = "; ".join(problems) or "the table's arithmetic does not confirm them"
    _column_order(
        result,
        f"g{gen}.s3",
        unread,
        "The table is printed column by column (row labels one after another, "
        "each column's numbers in a run of its own): its numbers are placed by their order"
        + (
            ", and the table's arithmetic confirms every one."
            if not unread
            else f"; {unread} of its {len(cells) * len(cols)} cells are left empty: {why}."
        )
        + _candidates(apart, {r["code"]: read.label for r, read in found}, cols),
        spans[0][0],
    )
    result.tables.append(table)


def _candidates(
    apart: dict[tuple[str, int], list[Cell]], labels: dict[str, str], cols: list[dict[str, Any]]
) -> str:
    """The cells the readings of a table have apart, with their candidates, for its check's
    message (the first CANDIDATES of them)."""
    if not apart:
        return ""
    shown = [
        f"“{_SPACES.sub('', labels[code])}” × {cols[j]['label']}: "
        + " or ".join("blank" if c.value is None else str(c.value) for c in values)
        for (code, j), values in itertools.islice(apart.items(), CANDIDATES)
    ]
    more = f"; and {len(apart) - CANDIDATES} more" if len(apart) > CANDIDATES else ""
    return f" The readings that fit differ in {len(apart)}: {'; '.join(shown)}{more}."


def _pools(codes: list[str], pools: list[int | None], run: int) -> dict[int, list[str]]:
    """Pool → its rows (rows placed by order in none), pools of label run ``run``."""
    out: dict[int, list[str]] = {}
    for code, pool in zip(codes, pools, strict=True):
        if pool is not None:
            out.setdefault(run * 1_000_000 + pool, []).append(code)
    return out


def _row_total_ok(cells: list[Cell]) -> bool:
    values = [c.value for c in cells]
    if values[-1] is None or any(v is None for v in values[:-1]):
        return True  # a blank cell: the row total cannot be checked, so it cannot rule out
    return sum(values[:-1]) == values[-1]  # type: ignore[arg-type]


def _solve_columns(
    rows: list[dict[str, Any]], per_row: dict[str, list[list[Cell]]]
) -> dict[str, list[list[Cell]]]:
    """Narrow rows with several candidates using the per-column identities of section 三:
    一 + 二 = （七） + 四, and （七） = sum of the results. Returns the surviving candidates of
    the rows that were narrowed (bounded search; rows left as they were when it is too big)."""
    open_rows = [code for code, cands in per_row.items() if len(cands) > 1]
    if not open_rows:
        return {}
    space = 1
    for code in open_rows:
        space *= len(per_row[code])
    if space > LIMIT:
        return {}
    ident = _spec()["identities"]
    results = [r["code"] for r in rows if r.get("result")]
    fixed = {code: cands[0] for code, cands in per_row.items() if len(cands) == 1}
    survivors: dict[str, list[list[Cell]]] = {code: [] for code in open_rows}
    for combo in itertools.product(*(per_row[c] for c in open_rows)):
        cells = {**fixed, **dict(zip(open_rows, combo, strict=True))}
        if _columns_hold(
            cells,
            ident["balance"]["left"],
            ident["balance"]["right"],
            results,
            ident["results"]["total"],
        ):
            for code, cand in zip(open_rows, combo, strict=True):
                if cand not in survivors[code]:
                    survivors[code].append(cand)
    if not any(survivors.values()):  # the report breaks its arithmetic: nothing to narrow by
        return {}
    return survivors


def _columns_hold(
    cells: dict[str, list[Cell]], left: list[str], right: list[str], results: list[str], total: str
) -> bool:
    ncols = len(next(iter(cells.values())))
    for j in range(ncols):

        def v(code: str, col: int = j) -> int | float | None:
            return cells[code][col].value if code in cells else None

        lhs, rhs = _known([v(c) for c in left]), _known([v(c) for c in right])
        if lhs is not None and rhs is not None and sum(lhs) != sum(rhs):
            return False
        parts, whole = _known([v(c) for c in results if c in cells]), v(total)
        if whole is not None and parts and sum(parts) != whole:
            return False
    return True


def _known(values: list[int | float | None]) -> list[int | float] | None:
    """The values when none is missing, else None."""
    return None if any(x is None for x in values) else [x for x in values if x is not None]


_NUMBERS_LINE = re.compile(r"^[ \t|]*\d[\d \t|.,\-—–－/／]*$", re.M)


def _values_after_totals(folded: str, start: int, end: int, blocks: int) -> int | None:
    """Where the values start when the header's words are cut apart (a layout that prints
    each header cell's lines side by side: 结果 / 维持): the first line of numbers only after
    the header has named 总计 once a block."""
    for m in _NUMBERS_LINE.finditer(folded, start, end):
        if folded.count("总计", start, m.start()) >= blocks:
            return m.start()
    return None


def _read_s4(
    text: str,
    folded: str,
    report_id: str,
    gen: int,
    bounds: tuple[int, int],
    result: TemplateResult,
) -> None:
    spec = _spec()["tables"]["s4"]
    cols, rows = spec["columns"], spec["rows"]
    words = sorted({*spec["header_words"], *(c["label"] for c in cols)}, key=len, reverse=True)
    header = re.compile("|".join(flex(w) for w in words))
    start, end = bounds
    # the values follow the header: the longest chain of header words with no digit between
    best: tuple[int, int, int] = (0, start, start)  # (words, chain start, chain end)
    chain_start, chain_end, count = start, start, 0
    for m in header.finditer(folded, start, end):
        if count and not re.search(r"\d", folded[chain_end : m.start()]):
            chain_end, count = m.end(), count + 1
        else:
            chain_start, chain_end, count = m.start(), m.end(), 1
        if count > best[0]:
            best = (count, chain_start, chain_end)
    last = best[2]
    line_end = folded.find("\n", last, end)
    if line_end >= 0 and not folded[last:line_end].strip(" \t|"):  # the values start a new line
        last = line_end + 1
    if best[0] < len(cols) or not re.match(r"[\s|]*\d", folded[last:end]):
        found = _values_after_totals(folded, start, end, len(rows))
        if found is None:
            _s4_under_headers(text, folded, report_id, gen, start, result)
            return
        best, last = (best[0], best[1] if best[0] else found, found), found
    values = re.compile(r"[\d\s|.,\-—–－/／]*").match(folded, last, end)
    stop = values.end() if values else last
    lead = len(folded[last:stop]) - len(folded[last:stop].lstrip())
    span = (last + lead, last + lead + len(folded[last + lead : stop].rstrip()))
    label = "行政复议 / 行政诉讼"
    n = len(cols) * len(rows)
    read = RowRead(
        "",
        label,
        last,
        ["int"] * n,
        subject=f"g{gen}.s4",
        text=text[span[0] : span[1]],
        start=span[0],
    )
    read.read(folded[span[0] : span[1]].rstrip(), block_totals(len(cols)), len(cols))
    width = len(cols)
    survivors = [
        c
        for c in read.candidates
        if all(_row_total_ok(c[b * width : (b + 1) * width]) for b in range(len(rows)))
    ]
    chosen, status = decide(result, read, survivors, "the three 总计 totals")
    table = Table(f"gen{gen}", "s4", best[1], span[1])
    for row_no, r in enumerate(rows, start=1):
        part = chosen[(row_no - 1) * width : row_no * width] if chosen else None
        sub = RowRead(r["code"], r["label"], read.start, [], text=read.text, start=read.start)
        _emit(result, table, report_id, gen, row_no, sub, cols, part, status, "件")
    if table.cells and read.text:
        result.tables.append(table)


def _s4_under_headers(
    text: str, folded: str, report_id: str, gen: int, start: int, result: TemplateResult
) -> None:
    """Section 四 printed column by column (:mod:`ogi.parse.header_columns`): each number read
    as the header cell's printed before it, a group's values kept where its total confirms them.
    Its blocks may stand after the next sections' prose, so the rest of the text is read."""
    spec = _spec()["tables"]["s4"]
    cols, rows = spec["columns"], spec["rows"]
    labels = [c["label"] for c in cols]
    cells = header_columns.read_under_headers(
        text, folded, start, len(text), labels, spec["header_words"], len(rows)
    )
    if cells is None:
        return
    table = Table(f"gen{gen}", "s4", start, max(c.end for c in cells))
    width, unread = len(cols), 0
    for row_no, r in enumerate(rows, start=1):
        part = cells[(row_no - 1) * width : row_no * width]
        good = _row_total_ok(part)
        unread += 0 if good else width
        for col, cell in zip(cols, part, strict=True):
            rec = _record(
                report_id, gen, "s4", row_no, r["code"], r["label"], col,
                cell if good else None, "printed" if good else "ambiguous", "件",
                (cell.text, cell.start, cell.end),
            )  # fmt: skip
            if good:
                rec["settled_by"] = "order"
            table.cells.append(rec)
    _column_order(
        result,
        f"g{gen}.s4",
        unread,
        "The table is printed column by column (each header cell's numbers "
        "after its words): its numbers are read as the header cells printed before them"
        + (
            ", and each group's 总计 confirms its four outcomes."
            if not unread
            else f"; {unread} of its {len(cells)} cells are left empty: their group's "
            "总计 is not the sum of its four outcomes."
        ),
        start,
    )
    result.tables.append(table)


def _column_order(
    result: TemplateResult, subject: str, unread: int, message: str, start: int
) -> None:
    """The check of a table read column by column (:func:`ogi.parse.ordered.order_check`)."""
    result.checks.append(ordered.order_check(subject, unread, message, start))
