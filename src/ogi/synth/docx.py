"""A generated report as an office document (``.docx``, python-docx), laid out as offices lay
them out: a centred title, bold headings, indented body paragraphs, and the statistics tables
with the national template's merged cells — header cells spanning rows and columns (the five
法人或其他组织 columns under one header), group rows (三、本年度办理结果) merged across the
table, two-line header labels (商业 / 企业) — in a CJK font (WenQuanYi Zen Hei, Debian's
fonts-wqy-zenhei, the font LibreOffice then renders it with).

The file is byte-identical for the same document: the zip's member dates and the document's
core properties are fixed.

>>> from ogi.synth.model import Doc
>>> data = to_docx(Doc("某区2021年政府信息公开工作年度报告", [("p", "正文。")]))
>>> data[:2], data == to_docx(Doc("某区2021年政府信息公开工作年度报告", [("p", "正文。")]))
(b'PK', True)
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

from .model import Doc, Head, Row, Table

FONT = "WenQuanYi Zen Hei"
_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def _font(run_or_style: Any, size: float | None = None, bold: bool = False) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    font = run_or_style.font
    font.name = FONT
    if size:
        font.size = Pt(size)
    font.bold = bold or None
    rpr = run_or_style.element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), FONT)


def _grid(table: Table) -> tuple[int, list[list[tuple[str, Head | None]]]]:
    """The table as rows of cells: ("head", Head) at the top-left of a header cell (spans
    kept), ("span", None) where a span covers, ("cell", Head) for a body cell, ("group",
    Head) for a group row's single label."""
    width = max(
        max(sum(h.colspan for h in hrow) for hrow in table.header),
        *(len(_body(r)) for r in table.rows),
    )
    rows: list[list[tuple[str, Head | None]]] = []
    taken: set[tuple[int, int]] = set()

    def header(hrows: list[list[Head]]) -> None:
        for hrow in hrows:
            r = len(rows)
            line: list[tuple[str, Head | None]] = [("span", None)] * width
            c = 0
            for h in hrow:
                while (r, c) in taken:
                    c += 1
                if c >= width:
                    break
                line[c] = ("head", h)
                for dr in range(h.rowspan):
                    for dc in range(h.colspan):
                        taken.add((r + dr, c + dc))
                c += h.colspan
            rows.append(line)

    header(table.header)
    for i, row in enumerate(table.rows):
        if i in table.caption_rows:
            header(table.caption_rows[i])
        if not row.values:
            rows.append(
                [("group", Head(row.label, colspan=width))] + [("span", None)] * (width - 1)
            )
            continue
        cells: list[tuple[str, Head | None]] = [("cell", Head(c or "")) for c in _body(row)]
        rows.append(cells + [("cell", Head(""))] * (width - len(cells)))
    return width, rows


def _body(row: Row) -> list[str | None]:
    return [
        *([row.label] if row.label else []),
        *([row.unit] if row.unit is not None else []),
        *row.values,
    ]


def _write_cell(cell: Any, text: str, head: bool, narrow: bool) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    par = cell.paragraphs[0]
    if head:
        par.alignment = WD_ALIGN_PARAGRAPH.CENTER
    # a four-character header of a narrow column is set on two lines (商业 / 企业), as the
    # template does
    parts = [text[:2], text[2:]] if head and narrow and len(text) == 4 else [text]
    for k, part in enumerate(parts):
        run = par.add_run(part)
        _font(run, 9)
        if k < len(parts) - 1:
            run.add_break()


def _add_table(document: Any, table: Table) -> None:
    from docx.shared import Cm

    width, grid = _grid(table)
    t = document.add_table(rows=len(grid), cols=width)
    t.style = "Table Grid"
    t.autofit = False
    label_w = 5.0 if width > 4 else 7.0
    if width > 10:  # section 四: fifteen value columns, no label column
        label_w = 16.0 / width
    rest = (16.0 - label_w) / max(width - 1, 1)
    for c, col in enumerate(t.columns):
        col.width = Cm(label_w if c == 0 else rest)
    # the cells taken once, before any merge (Table.cell walks the whole table each call);
    # spans do not overlap, so the corners of each span stay where they were
    cells = [row.cells for row in t.rows]
    merges = []
    for r, line in enumerate(grid):
        for c, (kind, h) in enumerate(line):
            cells[r][c].width = Cm(label_w if c == 0 else rest)
            if h is None:
                continue
            _write_cell(cells[r][c], h.text, kind == "head", narrow=width > 4)
            if h.rowspan > 1 or h.colspan > 1:
                end = cells[min(r + h.rowspan, len(grid)) - 1][min(c + h.colspan, width) - 1]
                merges.append((cells[r][c], end))
    for start, end in merges:
        start.merge(end)


def to_docx(doc: Doc) -> bytes:
    """The report as a ``.docx`` file."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    document = Document()
    _font(document.styles["Normal"], 10.5)
    props = document.core_properties
    props.author = props.last_modified_by = "ogi-reports synthetic corpus"
    props.title = doc.title or ""
    props.created = props.modified = _EPOCH.replace(tzinfo=None)
    props.revision = 1
    if doc.title:
        par = document.add_paragraph()
        par.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(par.add_run(doc.title), 16, bold=True)
    for kind, payload in doc.blocks:
        if kind == "table":
            assert isinstance(payload, Table)
            _add_table(document, payload)
            document.add_paragraph()
        elif kind == "h":
            _font(document.add_paragraph().add_run(str(payload)), 12, bold=True)
        else:
            par = document.add_paragraph()
            par.paragraph_format.first_line_indent = Pt(21)
            _font(par.add_run(str(payload)), 10.5)
    out = io.BytesIO()
    document.save(out)
    return _fixed_zip(out.getvalue())


def _fixed_zip(data: bytes) -> bytes:
    """The same zip with every member dated 1980-01-01 (python-docx stamps the time)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, (1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()
