"""Reports as web pages and PDFs: the page around the report, its encoding and its markup
do not change what is read; a PDF without text is read by OCR (tests/test_ocr.py), and refused
when OCR finds no text in it either."""

from __future__ import annotations

import hashlib
import io
import random
import re

import pytest
from conftest import SEED

from ogi.acquire import Source
from ogi.errors import InputError
from ogi.extract import extract
from ogi.extract.html import html_to_text
from ogi.parse import parse
from ogi.synth import report
from ogi.synth.gen23 import gen23_doc
from ogi.synth.render import to_html


def src(name: str, data: bytes) -> Source:
    return Source(name, name, data, hashlib.sha256(data).hexdigest())


def values(data: bytes, name: str = "r.html") -> dict:
    parsed = parse(extract(src(name, data)))
    return {(c["indicator"], c["column"]): c["value"] for c in parsed.statistics}


@pytest.fixture(scope="module")
def page() -> tuple[bytes, dict]:
    doc, truth, _ = gen23_doc(random.Random(7), 3, "某市某区人民政府", "我区", 2022, None, "html")
    return to_html(doc, "utf-8"), truth


@pytest.mark.parametrize(
    "variant", ["plain", "bom", "saved by a browser", "xhtml", "gbk", "no doctype"]
)
def test_html_variants_read_alike(page: tuple[bytes, dict], variant: str) -> None:
    html, truth = page
    text = html.decode("utf-8")
    if variant == "bom":
        data = "\ufeff".encode() + html
    elif variant == "saved by a browser":
        data = ("<!-- saved from url=(0030)http://www.example.gov.cn/ -->\n" + text).encode()
    elif variant == "xhtml":
        data = (
            '<?xml version="1.0" encoding="utf-8"?>\n' + text.replace("<!DOCTYPE html>", "")
        ).encode()
    elif variant == "gbk":
        data = text.replace('charset="utf-8"', 'charset="gbk"').encode("gbk")
    elif variant == "no doctype":
        data = text.replace("<!DOCTYPE html>", "").encode()
    else:
        data = html
    assert values(data) == truth


def test_html_page_chrome_is_left_out(page: tuple[bytes, dict]) -> None:
    text = html_to_text(page[0].decode("utf-8"))
    for chrome in ("当前位置", "分享到", "版权所有", "_hmt", "首页 |"):
        assert chrome not in text
    assert (
        "| 商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 |" in text
    )  # 商业<br>企业 joined
    assert extract(src("r.html", page[0])).form == "html"


def test_html_blank_cells_stay_blank() -> None:
    syn = report(random.Random(3), 2, "html", "blank_cells", "b.html")
    got = values(syn.data)
    blanks = {k for k, v in syn.truth.items() if v is None}
    assert blanks and all(got[k] is None for k in blanks)
    assert got == syn.truth


def test_pdf_is_read_through_its_text_layer() -> None:
    syn = report(random.Random(11), 3, "pdf", None, "r.pdf")
    doc = extract(src("r.pdf", syn.data))
    assert (doc.form, doc.encoding) == ("pdf", "pdf")
    assert values(syn.data, "r.pdf") == syn.truth


def test_pdf_tables_ruled_in_other_ways_are_tables() -> None:
    """Word and other writers rule tables with thin filled rectangles, or draw them in a
    form XObject: they are tables all the same."""
    from reportlab.pdfgen import canvas

    from ogi.extract.pdf import pdf_to_text
    from ogi.synth.render import _font

    def table(c: canvas.Canvas, top: float, thin_rectangles: bool) -> None:
        xs, ys = [50, 200, 300], [top, top - 20, top - 40]
        for y in ys:
            if thin_rectangles:
                c.rect(xs[0], y - 0.25, xs[-1] - xs[0], 0.5, fill=1, stroke=0)
            else:
                c.line(xs[0], y, xs[-1], y)
        for x in xs:
            if thin_rectangles:
                c.rect(x - 0.25, ys[-1], 0.5, ys[0] - ys[-1], fill=1, stroke=0)
            else:
                c.line(x, ys[0], x, ys[-1])
        c.setFont(_font(), 9)
        for i, label in enumerate(["一、本年新收申请数量", "二、上年结转"]):
            c.drawString(xs[0] + 3, ys[i] - 14, label)
            c.drawString(xs[1] + 3, ys[i] - 14, str(35 + i))

    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=(400, 600))
    table(c, 540, thin_rectangles=True)
    c.beginForm("table")
    table(c, 440, thin_rectangles=False)
    c.endForm()
    c.doForm("table")
    c.save()
    rows = "| 一、本年新收申请数量 | 35 |\n| 二、上年结转 | 36 |"
    assert pdf_to_text(out.getvalue(), "r.pdf") == f"{rows}\n{rows}"


def test_pdf_without_any_text_is_refused() -> None:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    c = canvas.Canvas(out)
    c.rect(50, 50, 400, 600, fill=1)  # a page with a picture and no text, as a scan is
    c.showPage()
    c.save()
    with pytest.raises(InputError) as err:
        extract(src("scan.pdf", out.getvalue()))
    assert str(err.value) == (
        "scan.pdf: is a PDF with neither a text layer nor any text OCR could read; "
        "get a legible copy of the report"
    )


def test_full_width_digits_read_as_digits() -> None:
    text = SEED.read_text(encoding="utf-8")
    head, table = text.split("指 标 名 称", 1)
    wide = table.translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})
    got = values((head + "指 标 名 称" + wide).encode(), "wide.txt")
    assert got == values(text.encode(), "seed.txt")
    assert got[("g1.requests_received", "year")] == 192


def test_word_page_has_the_national_template_merged_cells() -> None:
    """The html_word form: the national template's merged cells, Word's markup, GBK declared
    as gb2312, the site's chrome; read as printed."""
    syn = report(random.Random(5), 3, "html_word", "blank_cells", "w.html")
    page = syn.data.decode("gbk")
    assert 'charset=gb2312"' in page and "<o:p>&nbsp;</o:p>" in page

    def span(label: str) -> str:  # the spans of the cell whose text opens with label
        cell = re.search(rf"<td([^>]*)>(?:(?!</td>).)*?{label}", page, re.S)
        assert cell, label
        return " ".join(re.findall(r"(?:row|col)span=\d+", cell.group(1)))

    assert span("三、本年") == "rowspan=22"
    assert span("法人或其他组织") == "colspan=5"
    assert span("（三）不予公开") == "rowspan=8"
    assert span("一、本年新收") == "colspan=3"
    text = html_to_text(page)
    assert "当前位置" not in text and "版权所有" not in text
    got = values(syn.data)
    assert got == syn.truth and any(v is None for v in got.values())


def test_office_pdf_prints_as_office_suites_do() -> None:
    """The pdf_office form: 三、本年度办理结果 one character per line, header cells broken into
    single characters, a label printed as its declared variant, page numbers; read as printed."""
    import pdfplumber

    from ogi.extract.pdf import pdf_to_text

    syn = report(random.Random(8), 3, "pdf_office", None, "o.pdf")
    with pdfplumber.open(io.BytesIO(syn.data)) as pdf:
        plain = "\n".join(p.extract_text() for p in pdf.pages)
        columns: dict[float, str] = {}  # the characters printed at one left edge, top down
        for page in pdf.pages:
            for ch in sorted(page.chars, key=lambda c: (c["top"], c["x0"])):
                columns[round(ch["x0"])] = columns.get(round(ch["x0"]), "") + ch["text"]
    assert any("三、本年度办理结果" in column for column in columns.values())
    assert "其他法律行政止公开" in plain and "- 1 -" in plain
    assert "自然人" not in plain  # 自 / 然 / 人, one per line
    text = pdf_to_text(syn.data, "o.pdf")
    assert "| 自然人 |" in text
    assert values(syn.data, "o.pdf") == syn.truth
