"""Printing a generated report as office suites print the national template: its merged
cells laid out as the template draws them (三、本年度办理结果 one cell spanning the rows of the
results, each group — （三）不予公开 … — one cell spanning its sub-rows, 法人或其他组织 over five
columns), then

* as a web page saved from Word (``to_word_html``): ``rowspan``/``colspan``, every text in
  ``<p class=MsoNormal><span …>``, labels split over several spans, ``<o:p> </o:p>`` for an
  empty cell, numbers of the prose in spans of their own, GBK declared as gb2312, the site's
  chrome around;
* as a PDF written by WPS or Word (``to_office_pdf``, printed with reportlab):
  三、本年度办理结果 one character per line in a narrow column, header cells broken into
  single characters, labels at the foot of their cells and values at the top (a value row
  comes before the second line of its label in the text stream), labels printed as their
  declared variants (typos such as 其他法律行政止公开), the header not repeated on a new page,
  a page number (``- 3 -``) at the foot of every page.
"""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass
from functools import cache

from .. import formats
from .model import Doc, Row, Table
from .render import _font

_TOP = re.compile(r"^[一二三四五六七八九十]+、")
RESULTS = "三、本年度办理结果"


@dataclass
class Cell:
    """A cell of the drawn grid at (row, col), spanning rows and columns."""

    row: int
    col: int
    text: str | None
    kind: str  # head | label | vertical | value
    rowspan: int = 1
    colspan: int = 1


def _label_cols(table: Table) -> int:
    return 3 if any(r.label == RESULTS and not r.values for r in table.rows) else 1


def _place_header(rows, cells: list[Cell], top: int, lead: int) -> int:  # type: ignore[no-untyped-def]
    taken: set[tuple[int, int]] = set()
    for i, hrow in enumerate(rows):
        r, c = top + i, 0
        for j, h in enumerate(hrow):
            while (r, c) in taken:
                c += 1
            colspan = h.colspan + (lead - 1 if i == 0 and j == 0 else 0)
            cells.append(Cell(r, c, h.text, "head", h.rowspan, colspan))
            for dr in range(h.rowspan):
                for dc in range(colspan):
                    taken.add((r + dr, c + dc))
            c += colspan
    return top + len(rows)


def _members(rows: list[Row], i: int, ends) -> int:  # type: ignore[no-untyped-def]
    """How many rows with values follow row ``i`` before ``ends`` says a row is outside."""
    n = 0
    for row in rows[i + 1 :]:
        if ends(row):
            break
        n += 1 if row.values else 0
    return n


def grid(table: Table) -> tuple[int, int, list[Cell]]:
    """The table as drawn: (rows, columns, cells)."""
    lead = _label_cols(table)
    cells: list[Cell] = []
    r = _place_header(table.header, cells, 0, lead)
    in_results = False
    group_open = False
    width = 0
    for i, row in enumerate(table.rows):
        if i in table.caption_rows:
            r = _place_header(table.caption_rows[i], cells, r, lead)
        if not row.values:
            if row.label == RESULTS:
                n = _members(table.rows, i, lambda x: bool(_TOP.match(x.label)))
                cells.append(Cell(r, 0, row.label, "vertical", n))
                in_results, group_open = True, False
            elif in_results:
                n = _members(table.rows, i, lambda x: not x.label[:1].isdigit())
                cells.append(Cell(r, 1, row.label, "label", n))
                group_open = True
            else:
                cells.append(Cell(r, 0, row.label, "label", 1, -1))  # spans the table
                r += 1
            continue
        if _TOP.match(row.label):
            in_results = group_open = False
        if group_open and not row.label[:1].isdigit():
            group_open = False
        c = 2 if group_open else 1 if in_results else 0
        labels = ([row.label] if row.label else []) + ([row.unit] if row.unit is not None else [])
        for j, text in enumerate(labels):
            span = lead - c if j == 0 else 1
            cells.append(Cell(r, c, text, "label", 1, span))
            c += span
        for v in row.values:
            cells.append(Cell(r, c, v, "value"))
            c += 1
        width = max(width, c)
        r += 1
    width = max([width, *(x.col + x.colspan for x in cells if x.colspan > 0)])
    for cell in cells:
        if cell.colspan < 0:
            cell.colspan = width - cell.col
    return r, width, cells


# -- Word's web page --------------------------------------------------------------------------

_P = "<p class=MsoNormal align=center style='text-align:center'>"
_SPAN = "<span style='font-size:10.5pt;font-family:宋体'>"
_EMPTY = "<p class=MsoNormal><span lang=EN-US><o:p>&nbsp;</o:p></span></p>"


def _word_text(text: str) -> str:
    """Text as Word writes it: CJK and digits in spans of their own, a long label in two."""
    if len(text) > 8 and not text.isdigit():
        half = len(text) // 2
        return f"{_SPAN}{html.escape(text[:half])}</span>{_SPAN}{html.escape(text[half:])}</span>"
    parts = re.split(r"(\d+)", text)
    return "".join(
        f"<span lang=EN-US>{html.escape(p)}</span>" if p.isdigit() else html.escape(p)
        for p in parts
        if p
    )


def _word_cell(cell: Cell) -> str:
    span = (f" rowspan={cell.rowspan}" if cell.rowspan > 1 else "") + (
        f" colspan={cell.colspan}" if cell.colspan > 1 else ""
    )
    style = " style='border:solid windowtext 1.0pt;padding:0cm 5.4pt 0cm 5.4pt'"
    body = _EMPTY if not cell.text else f"{_P}{_word_text(cell.text)}<o:p></o:p></p>"
    return f"<td valign=middle{span}{style}>{body}</td>"


def _word_table(table: Table) -> str:
    rows, _, cells = grid(table)
    out = ["<table class=MsoNormalTable border=0 cellspacing=0 cellpadding=0>"]
    for r in range(rows):
        tds = [_word_cell(c) for c in sorted(cells, key=lambda c: c.col) if c.row == r]
        out.append(f"<tr style='height:20.0pt'>{''.join(tds)}</tr>")
    out.append("</table>")
    return "\n".join(out)


def to_word_html(doc: Doc, charset: str = "gbk") -> bytes:
    """The report as a page saved from Word and served by a government site."""
    body = []
    for kind, payload in doc.blocks:
        if kind == "table":
            assert isinstance(payload, Table)
            body.append(_word_table(payload))
        else:
            indent = "" if kind == "h" else " style='text-indent:32.0pt'"
            body.append(
                f"<p class=MsoNormal{indent}><span style='font-family:仿宋_GB2312'>"
                f"{_word_text(str(payload)) if kind == 'p' else html.escape(str(payload))}"
                "<span lang=EN-US><o:p></o:p></span></span></p>"
            )
    title = html.escape(doc.title or "政府信息公开工作年度报告")
    declared = "gb2312" if charset == "gbk" else charset
    page = f"""<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office">
<head><meta http-equiv=Content-Type content="text/html; charset={declared}">
<title>{title}</title><meta name=Generator content="Microsoft Word 15 (filtered)">
<style><!-- p.MsoNormal {{margin:0cm;text-align:justify;font-size:10.5pt;}} --></style></head>
<body lang=ZH-CN>
<div id="top-nav"><a href="/">首页</a> <a href="/zwgk/">政务公开</a> <a href="/hdjl/">互动交流</a></div>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政府信息公开</a> &gt; 年度报告</div>
<div class="WordSection1">
<p class=MsoNormal align=center style='text-align:center'><b><span style='font-size:18.0pt'>{title}</span></b></p>
{chr(10).join(body)}
</div>
<div class="share">分享到：微信 微博</div>
<div id="footer">主办单位：某区人民政府办公室 版权所有 网站标识码：0000000000</div>
</body></html>
"""
    return page.encode(charset)


# -- the office suite's PDF -------------------------------------------------------------------


@cache
def _variants() -> dict[str, str]:
    """Printed label → its first declared variant (the typos office suites' users make)."""
    out = {}
    for table in formats.gen23()["tables"].values():
        for row in table.get("rows", []):
            if isinstance(row, dict) and row.get("variants"):
                out[str(row["label"])] = str(row["variants"][0])
    return out


def _pdf_text(cell: Cell, width: int, lead: int) -> str:
    text = html.escape(cell.text or "")
    if cell.kind == "vertical":
        return "<br/>".join(text)
    if cell.kind == "head" and cell.col >= lead and cell.colspan == 1 and len(text) <= 6:
        return "<br/>".join(text)  # a narrow header column: one character per line
    if cell.kind == "label":
        return html.escape(_variants().get(cell.text or "", cell.text or ""))
    return text


def _office_table(table: Table):  # type: ignore[no-untyped-def]
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, TableStyle
    from reportlab.platypus import Table as RLTable

    rows, width, cells = grid(table)
    lead = _label_cols(table)
    style = ParagraphStyle("o", fontName=_font(), fontSize=7.5, leading=9, wordWrap="CJK")
    matrix: list[list[object]] = [[""] * width for _ in range(rows)]
    commands: list[tuple[object, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("FONTNAME", (0, 0), (-1, -1), _font()),
        ("FONTSIZE", (0, 0), (-1, -1), 7.5),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    for c in cells:
        if c.kind == "value":
            matrix[c.row][c.col] = c.text or ""
        else:
            matrix[c.row][c.col] = Paragraph(_pdf_text(c, width, lead), style)
        end = (c.col + c.colspan - 1, c.row + c.rowspan - 1)
        if c.rowspan > 1 or c.colspan > 1:
            commands.append(("SPAN", (c.col, c.row), end))
        if c.kind == "label":
            commands.append(("VALIGN", (c.col, c.row), end, "BOTTOM"))
        if c.kind == "vertical":
            commands.append(("VALIGN", (c.col, c.row), end, "MIDDLE"))
    widths = [16.0, 70.0, 130.0] if lead == 3 else [120.0 if width > 8 else 150.0]
    rest = (535 - sum(widths)) / max(width - len(widths), 1)
    t = RLTable(matrix, colWidths=widths + [rest] * (width - len(widths)), repeatRows=0)
    t.setStyle(TableStyle(commands))
    return t


def to_office_pdf(doc: Doc) -> bytes:
    """The report as a PDF an office suite writes."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    font = _font()
    text = ParagraphStyle("t", fontName=font, fontSize=10, leading=15, wordWrap="CJK")
    head = ParagraphStyle("h", parent=text, fontSize=11, leading=18)
    story: list[object] = []
    if doc.title:
        title = ParagraphStyle("title", parent=head, fontSize=14, leading=22, alignment=1)
        story.append(Paragraph(html.escape(doc.title), title))
    for kind, payload in doc.blocks:
        if kind == "table":
            assert isinstance(payload, Table)
            story.append(_office_table(payload))
            story.append(Spacer(1, 6))
        else:
            story.append(Paragraph(html.escape(str(payload)), head if kind == "h" else text))

    def footer(canvas, d) -> None:  # type: ignore[no-untyped-def]
        canvas.setFont(font, 9)
        canvas.drawCentredString(A4[0] / 2, 20, f"- {d.page} -")

    out = io.BytesIO()
    SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=30,
        rightMargin=30,
        topMargin=40,
        bottomMargin=40,
        title=doc.title or "",
        author="ogi-reports synthetic corpus",
        creator="WPS 文字",
        invariant=1,
    ).build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()
