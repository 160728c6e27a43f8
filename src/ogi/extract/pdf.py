"""PDF with a text layer → text, through pdfplumber: page text outside tables as lines
(lines of a wrapped paragraph joined again), every table row as one pipe row, tables that
continue over pages kept in order (a repeated header is just another row, which the table
readers skip). A cell's text wrapped over lines — even one character per line — is joined.
A PDF without text (a scan) is rejected: it needs OCR."""

from __future__ import annotations

import io
import re
from typing import Any

import pdfplumber

from ..acquire import Source
from ..errors import InputError

_END = re.compile(r"[。：:！？；!?]$")
_OPENS = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+、|[(（][一二三四五六七八九十\d]+[)）]|\d{1,2}[.、．](?!\d)|第[一二三四五六七八九十]+)"
)
_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")


def _cell(text: str | None) -> str:
    if not text:
        return ""
    parts = [p.strip() for p in text.split("\n") if p.strip()]
    out = ""
    for part in parts:
        if out and not (_CJK.match(out[-1]) or _CJK.match(part[0])):
            out += " "
        out += part
    return out


def _unwrap(lines: list[tuple[str, bool]]) -> list[str]:
    """Join the lines of a wrapped paragraph: a line that runs to the right margin goes on
    in the next one, unless that one opens a heading. ``lines``: (text, runs to margin)."""
    out: list[str] = []
    carry = False
    for line, full in lines:
        line = line.strip()
        if not line:
            continue
        if out and carry and not _OPENS.match(line) and not line.startswith("|"):
            out[-1] += line if (_CJK.match(out[-1][-1]) or _CJK.match(line[0])) else " " + line
        else:
            out.append(line)
        carry = full and not line.startswith("|") and not _END.search(line)
    return out


def pdf_to_text(data: bytes, path: str) -> str:
    """The text of a PDF, tables as pipe rows; InputError when it has no text layer."""
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception:  # pdfminer raises many kinds of error for a damaged file
        raise InputError(
            path,
            "is a PDF that cannot be read (damaged or cut short)",
            "get an intact copy of the file",
        ) from None
    blocks: list[tuple[int, float, list[tuple[str, bool]]]] = []
    chars = 0
    with pdf:
        for n, page in enumerate(pdf.pages):
            chars += len(page.chars)
            tables = page.find_tables()
            boxes = [t.bbox for t in tables]

            def outside(obj: dict[str, Any], boxes: list[Any] = boxes) -> bool:
                if obj.get("object_type") != "char":
                    return True
                x, y = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
                return not any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in boxes)

            text_lines = page.filter(outside).extract_text_lines()
            right = max((ln["x1"] for ln in text_lines), default=0.0)
            em = max((ln["bottom"] - ln["top"] for ln in text_lines), default=10.0)
            for line in text_lines:
                blocks.append((n, line["top"], [(line["text"], line["x1"] >= right - 1.5 * em)]))
            for table in tables:
                rows = [
                    ("| " + " | ".join(_cell(c) for c in row if c is not None) + " |", False)
                    for row in table.extract()
                    if any(c for c in row)
                ]
                blocks.append((n, table.bbox[1], rows))
    if chars == 0:
        raise InputError(
            path,
            "is a scanned PDF without a text layer: it needs OCR, which ogi does not do",
            "run OCR on it (for example with ocrmypdf) and build from the result",
        )
    blocks.sort(key=lambda b: (b[0], b[1]))
    lines: list[tuple[str, bool]] = []
    for _, _, block in blocks:
        lines.extend(block)
    return "\n".join(_unwrap(lines))


def extract_pdf_text(source: Source) -> str:
    return pdf_to_text(source.data, source.path)
