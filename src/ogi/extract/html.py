"""Web pages → text: paragraphs as lines, every table row as one pipe row
(``| 一、本年新收政府信息公开申请数量 | 5 | 0 | … |``), page chrome (navigation, share
buttons, footers, scripts) left out. Cells keep their own text: a header split by ``<br>``
(商业<br>企业) is joined, a blank cell (``&nbsp;``) stays an empty cell. The tables are then
read like any pipe-flattened table; offsets index the text made here.

>>> html_to_text("<html><body><p>一、概述</p><table><tr><td>行政复议数</td><td>&nbsp;</td></tr></table></body></html>")
'一、概述\\n| 行政复议数 |  |'
"""

from __future__ import annotations

import re
import sys

import lxml.html
from lxml import etree

_DROP = "//script|//style|//noscript|//iframe|//nav|//footer|//header|//form|//button|//select"
_CHROME_ATTR = re.compile(
    r"share|breadcrumb|crumb|position|location|(^|[-_ ])nav|footer|copyright|sidebar|toolbar|print",
    re.I,
)
_BLOCK = {
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "section",
    "article",
    "tr",
    "table",
    "blockquote",
    "pre",
    "dl",
    "dt",
    "dd",
    "center",
    "body",
    "main",
    "tbody",
    "thead",
}
_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u3000]+")


def _join_lines(parts: list[str]) -> str:
    """Pieces of one cell or paragraph split by <br> or line breaks: Chinese joined as it
    reads, other words with a space."""
    out = ""
    for part in (p.strip() for p in parts):
        if not part:
            continue
        if out and not (_CJK.match(out[-1]) or _CJK.match(part[0])):
            out += " "
        out += part
    return out


def _text(el: etree._Element) -> str:
    for br in el.iter("br"):
        br.tail = "\n" + (br.tail or "")
    raw = "".join(el.itertext())
    return _join_lines([_SPACES.sub(" ", line) for line in raw.split("\n")])


def _is_chrome(el: etree._Element) -> bool:
    attrs = " ".join(str(el.get(a, "")) for a in ("id", "class", "role"))
    return bool(attrs.strip()) and bool(_CHROME_ATTR.search(attrs))


class TooDeep(ValueError):
    """A page nested deeper than the HTML parser reads (it would be read in part)."""


# libxml2's limit with huge_tree (XML_PARSE_HUGE); its default, 256, cut real-looking pages
MAX_DEPTH = 2048


def html_to_text(html: str) -> str:
    """The readable text of a page, one block per line, tables as pipe rows. Raises TooDeep
    for a page nested more than MAX_DEPTH elements deep, never reads a page in part."""
    # lxml refuses text that declares its own encoding (<?xml … encoding="gbk"?>): it is decoded already
    parser = lxml.html.HTMLParser(huge_tree=True)
    root = lxml.html.document_fromstring(
        re.sub(r"^\s*<\?xml[^>]*>", "", html.lstrip("\ufeff")), parser=parser
    )
    if any("Excessive depth" in e.message for e in parser.error_log):
        raise TooDeep(f"nests its elements more than {MAX_DEPTH} deep")
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, MAX_DEPTH + 1000))  # _walk goes one call per level
    try:
        return _page_text(root)
    finally:
        sys.setrecursionlimit(limit)


def _page_text(root: etree._Element) -> str:
    for el in root.xpath(_DROP):
        el.drop_tree()
    for el in [e for e in root.iter() if isinstance(e.tag, str) and _is_chrome(e)]:
        if el.getparent() is not None:
            el.drop_tree()
    body = root.find("body")
    lines: list[str] = []
    _walk(body if body is not None else root, lines)
    return "\n".join(line for line in lines if line.strip())


def _walk(el: etree._Element, lines: list[str]) -> None:
    if el.tag == "table":
        for tr in el.iter("tr"):
            if tr.xpath("ancestor::table[1]")[0] is not el:
                continue  # a row of a table inside this one: read where it stands
            cells = [_text(td) for td in tr if isinstance(td.tag, str) and td.tag in ("td", "th")]
            if any(cells) or len(cells) > 1:
                lines.append("| " + " | ".join(cells) + " |")
        if el.tail and el.tail.strip():
            lines.append(_SPACES.sub(" ", el.tail.strip()))
        return
    block = el.tag in _BLOCK
    if block:
        lines.append("")
    if el.text and el.text.strip():
        _add(lines, el.text, el.tag == "br")
    for child in el:
        if not isinstance(child.tag, str):  # comments, processing instructions
            if child.tail and child.tail.strip():
                _add(lines, child.tail, False)
            continue
        if child.tag == "br":
            lines.append("")
            if child.tail and child.tail.strip():
                _add(lines, child.tail, False)
            continue
        _walk(child, lines)
        if child.tail and child.tail.strip():
            if child.tag in _BLOCK:
                lines.append("")
            _add(lines, child.tail, False)
    if block:
        lines.append("")


def _add(lines: list[str], text: str, new_line: bool) -> None:
    piece = _join_lines([_SPACES.sub(" ", part) for part in text.split("\n")])
    if not lines or new_line:
        lines.append(piece)
    else:
        lines[-1] = _join_lines([lines[-1], piece]) if lines[-1] else piece
