"""Printing a generated report as a web page (UTF-8 or GBK, with page chrome around it,
header cells spanning rows and columns, ``<br>`` inside headers, ``&nbsp;`` for blank
cells) or as a PDF (reportlab, with the CJK font of Debian's fonts-wqy-zenhei; tables with
grid lines, wrapped labels, headers repeated when a table continues on the next page)."""

from __future__ import annotations

import html
import io
from functools import cache
from pathlib import Path

from .model import Doc, Head, Row, Table

FONT_FILE = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")


def _head_html(h: Head) -> str:
    span = (f' rowspan="{h.rowspan}"' if h.rowspan > 1 else "") + (
        f' colspan="{h.colspan}"' if h.colspan > 1 else ""
    )
    text = html.escape(h.text)
    if (
        len(h.text) == 4 and h.rowspan == 1 and h.colspan == 1
    ):  # 商业<br>企业: a header split in two
        text = f"{html.escape(h.text[:2])}<br>{html.escape(h.text[2:])}"
    return f"<th{span}>{text}</th>"


def _row_html(row: Row) -> str:
    cells = ([row.label] if row.label else []) + ([row.unit] if row.unit is not None else [])
    tds = [f"<td>{html.escape(c)}</td>" for c in cells]
    tds += [f"<td>{html.escape(v) if v is not None else '&nbsp;'}</td>" for v in row.values]
    return "<tr>" + "".join(tds) + "</tr>"


def _table_html(table: Table) -> str:
    out = ['<table border="1" cellspacing="0">']
    out += ["<tr>" + "".join(_head_html(h) for h in hrow) + "</tr>" for hrow in table.header]
    for i, row in enumerate(table.rows):
        for hrow in table.caption_rows.get(i, []):
            out.append("<tr>" + "".join(_head_html(h) for h in hrow) + "</tr>")
        out.append(_row_html(row))
    out.append("</table>")
    return "\n".join(out)


def to_html(doc: Doc, charset: str = "utf-8") -> bytes:
    """The report as a government web page would serve it."""
    body = []
    for kind, payload in doc.blocks:
        if kind == "table":
            assert isinstance(payload, Table)
            body.append(_table_html(payload))
        elif kind == "h":
            body.append(f"<p><strong>{html.escape(str(payload))}</strong></p>")
        else:
            body.append(f"<p>{html.escape(str(payload))}</p>")
    title = html.escape(doc.title or "政府信息公开工作年度报告")
    page = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="{charset}"><title>{title}_政务公开</title>
<style>td {{ padding: 2px; }}</style><script>var _hmt = _hmt || [];</script></head>
<body>
<div class="nav-top"><a href="/">首页</a> | <a href="/zwgk/">政务公开</a></div>
<div class="breadcrumb">当前位置：首页 &gt; 政务公开 &gt; 政府信息公开年报</div>
<div class="article">
<h1>{title}</h1>
{chr(10).join(body)}
</div>
<div class="share-bar">分享到：微信 微博 QQ空间</div>
<div class="footer">版权所有 · 网站标识码 0000000000</div>
</body></html>
"""
    return page.encode(charset)


@cache
def _font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if not FONT_FILE.exists():
        raise RuntimeError(f"{FONT_FILE} is missing: install Debian's fonts-wqy-zenhei (make deps)")
    pdfmetrics.registerFont(TTFont("WQY", str(FONT_FILE), subfontIndex=0))
    return "WQY"


def to_pdf(doc: Doc) -> bytes:
    """The report as a PDF with a text layer."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, TableStyle
    from reportlab.platypus import Table as RLTable

    font = _font()
    text = ParagraphStyle("t", fontName=font, fontSize=10, leading=15, wordWrap="CJK")
    head = ParagraphStyle("h", parent=text, fontSize=11, leading=18)
    cell = ParagraphStyle("c", parent=text, fontSize=7.5, leading=9)
    story: list[object] = []
    if doc.title:
        story.append(
            Paragraph(
                html.escape(doc.title),
                ParagraphStyle("title", parent=head, fontSize=14, leading=22),
            )
        )
    for kind, payload in doc.blocks:
        if kind == "table":
            assert isinstance(payload, Table)
            story.append(_table_pdf(payload, cell, RLTable, TableStyle, Paragraph, colors))
            story.append(Spacer(1, 6))
        else:
            story.append(Paragraph(html.escape(str(payload)), head if kind == "h" else text))
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
        invariant=1,
    ).build(story)
    return out.getvalue()


def _table_pdf(table: Table, style, RLTable, TableStyle, Paragraph, colors):  # type: ignore[no-untyped-def]
    width = max(sum(h.colspan for h in hrow) for hrow in table.header)
    width = max(
        width,
        *(
            len(
                ([r.label] if r.label else []) + ([r.unit] if r.unit is not None else []) + r.values
            )
            for r in table.rows
        ),
    )
    grid: list[list[object]] = []
    spans: list[tuple[str, tuple[int, int], tuple[int, int]]] = []
    taken: set[tuple[int, int]] = set()

    def add_header(rows: list[list[Head]]) -> None:
        for hrow in rows:
            r = len(grid)
            line: list[object] = [""] * width
            c = 0
            for h in hrow:
                while (r, c) in taken:
                    c += 1
                if c >= width:
                    break
                line[c] = Paragraph(html.escape(h.text), style)
                if h.rowspan > 1 or h.colspan > 1:
                    spans.append(
                        ("SPAN", (c, r), (min(c + h.colspan, width) - 1, r + h.rowspan - 1))
                    )
                for dr in range(h.rowspan):
                    for dc in range(h.colspan):
                        taken.add((r + dr, c + dc))
                c += h.colspan
            grid.append(line)

    add_header(table.header)
    repeat = len(grid)
    for i, row in enumerate(table.rows):
        if i in table.caption_rows:
            add_header(table.caption_rows[i])
        cells = ([row.label] if row.label else []) + ([row.unit] if row.unit is not None else [])
        line = [Paragraph(html.escape(c), style) for c in cells]
        line += [v if v is not None else "" for v in row.values]
        if not row.values:  # a group label row spans the table
            spans.append(("SPAN", (0, len(grid)), (width - 1, len(grid))))
        grid.append(line + [""] * (width - len(line)))
    label_w = 120 if width > 8 else 150
    rest = (535 - label_w) / max(width - 1, 1)
    t = RLTable(grid, colWidths=[label_w] + [rest] * (width - 1), repeatRows=repeat)
    t.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("FONTNAME", (0, 0), (-1, -1), _font()),
                ("FONTSIZE", (0, 0), (-1, -1), 7.5),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                *spans,
            ]
        )
    )
    return t
