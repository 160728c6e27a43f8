"""PDF with a text layer → text: page text outside tables as lines (lines of a wrapped
paragraph joined again), every table row as one pipe row, tables that continue over pages
kept in order (a repeated header is just another row, which the table readers skip). A cell's
text wrapped over lines — even one character per line — is joined. A page without text (a
scan) is rendered at ``OCR_DPI`` and read by OCR (``scan_tables``), page by page: a PDF may
mix pages with text and scanned pages.

The page is read by pdfium (``pdf_page``), its tables found and its text laid out by
pdfplumber's rules (``pdf_tables``, ``pdf_lines``)."""

from __future__ import annotations

import re
from typing import Any, NamedTuple

import pypdfium2

from ..acquire import Source
from ..errors import InputError
from .ocr import page_done
from .pdf_lines import cell_lines, text_lines
from .pdf_page import Char, PageReader
from .pdf_tables import Table, find_tables
from .scan_tables import ImagePage

OCR_DPI = 150  # a page without text is rendered at this resolution for OCR

_END = re.compile(r"[。：:！？；!?]$")
_OPENS = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+、|[(（][一二三四五六七八九十\d]+[)）]|\d{1,2}[.、．](?!\d)|第[一二三四五六七八九十]+)"
)
_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")


def _cell(lines: list[str]) -> str:
    parts = [p.strip() for p in lines if p.strip()]
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
        if not line:  # a break between blocks: the paragraph ends
            carry = False
            continue
        if out and carry and not _OPENS.match(line) and not line.startswith("|"):
            out[-1] += line if (_CJK.match(out[-1][-1]) or _CJK.match(line[0])) else " " + line
        else:
            out.append(line)
        carry = full and not line.startswith("|") and not _END.search(line)
    return out


# page, top, lines (text, runs to margin); for a table read by OCR, each row's cells
# (text, the engine's confidence in it)
Block = tuple[int, float, list[tuple[str, bool]], list[list[tuple[str, float | None]]] | None]
OcrCell = tuple[int, int, float]  # a cell read by OCR: start, end in the text; confidence


def page_blocks(page: PageReader | ImagePage, n: int) -> tuple[int, list[Block]]:
    """Page ``n``'s characters counted, its lines of text outside tables and its tables."""
    chars = page.chars()
    tables = find_tables(page.edges())
    boxes = [t.bbox for t in tables]
    free = [
        c
        for c in chars
        if not any(
            b[0] <= (c.x0 + c.x1) / 2 <= b[2] and b[1] <= (c.top + c.bottom) / 2 <= b[3]
            for b in boxes
        )
    ]
    lines = text_lines(free)
    right = max((ln.x1 for ln in lines), default=0.0)
    em = max((ln.bottom - ln.top for ln in lines), default=10.0)
    blocks: list[Block] = [
        (n, line.top, [(line.text, line.x1 >= right - 1.5 * em)], None) for line in lines
    ]
    for table in tables:
        inside = table.cell_chars(chars)
        cells = [[_cell(cell_lines(c)) for c in row] for row in inside]
        scores: list[list[float | None]] | None = None
        if isinstance(page, ImagePage):
            cells, scores = page.fill_blanks(table.rows, cells, page.cell_scores(inside))
        if all(len(row) == 1 for row in cells):  # a frame drawn round text, not a table
            blocks.append((n, table.bbox[1], _framed(table, inside, cells), None))
            continue
        kept = [i for i, row in enumerate(cells) if any(row)]
        rows = [("| " + " | ".join(cells[i]) + " |", False) for i in kept]
        scored = (
            None if scores is None else [list(zip(cells[i], scores[i], strict=True)) for i in kept]
        )
        blocks.append((n, table.bbox[1], rows, scored))
    return len(chars), blocks


def _framed(
    table: Table, inside: list[list[list[Char]]], cells: list[list[str]]
) -> list[tuple[str, bool]]:
    """Lines of text in a one-column frame (a page border, or boxes drawn round lines, as
    office suites print them): (text, runs to the frame's right margin), after a break."""
    out = [("", False)]  # the frame's first line does not go on from the text before it
    for box, row_chars, row in zip(table.rows, inside, cells, strict=True):
        if not row[0]:
            continue
        ink = [c for c in row_chars[0] if c.text.strip()]
        em = max((c.bottom - c.top for c in ink), default=10.0)
        right = max((c.x1 for c in ink), default=0.0)
        out.append((row[0], right >= box[0][2] - 2.5 * em))
    return out


def page_image(page: pypdfium2.PdfPage, dpi: float = OCR_DPI) -> Any:
    """A page rendered in grey at ``dpi``: a numpy array, one byte a pixel."""
    bitmap = page.render(scale=dpi / 72, grayscale=True)
    try:
        pixels = bitmap.to_numpy()
        return (pixels[:, :, 0] if pixels.ndim == 3 else pixels).copy()
    finally:
        bitmap.close()


def blocks_text(blocks: list[Block]) -> str:
    """The page blocks in reading order as text, wrapped paragraphs joined."""
    blocks.sort(key=lambda b: (b[0], b[1]))
    lines: list[tuple[str, bool]] = []
    for _, _, block, _ in blocks:
        lines.extend(block)
    return "\n".join(_unwrap(lines))


def ocr_cells(text: str, blocks: list[Block]) -> tuple[OcrCell, ...]:
    """Where each table cell read by OCR stands in ``text`` (the blocks' text, as
    ``blocks_text`` sorted them) with the engine's confidence in it. A table row is a line
    of the text as it was made (rows are never joined to other lines), so the rows are
    found in order, each after the one before."""
    out: list[OcrCell] = []
    pos = 0
    for _, _, block, scored in blocks:
        rows = [line for line, _ in block if line.startswith("|")]
        for j, line in enumerate(rows):
            at = _line_at(text, line, pos)
            if at < 0:
                continue
            pos = at + len(line)
            if scored is None:
                continue
            start = at + 2  # after "| "
            for cell, score in scored[j]:
                if cell and score is not None:
                    out.append((start, start + len(cell), round(score, 5)))
                start += len(cell) + 3  # " | "
    return tuple(out)


def _line_at(text: str, line: str, pos: int) -> int:
    """The offset of the first whole line ``line`` of ``text`` at or after ``pos``, or -1."""
    at = text.find(line, pos)
    while at >= 0:
        end = at + len(line)
        if (at == 0 or text[at - 1] == "\n") and (end == len(text) or text[end] == "\n"):
            return at
        at = text.find(line, at + 1)
    return -1


class PdfRead(NamedTuple):
    """A PDF read: its text, its pages, those read by OCR, and their characters left unread."""

    text: str
    pages: int
    ocr_pages: int
    unread: int
    cells: tuple[OcrCell, ...] = ()  # the table cells read by OCR (``ocr_cells``)


def read_pdf(data: bytes, path: str) -> PdfRead:
    """The text of a PDF, tables as pipe rows; pages without text read by OCR (each one
    told to ``ocr.page_done``)."""
    damaged = InputError(
        path,
        "is a PDF that cannot be read (damaged or cut short)",
        "get an intact copy of the file",
    )
    try:
        pdf = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as e:
        if getattr(e, "err_code", None) == pypdfium2.raw.FPDF_ERR_PASSWORD:
            raise InputError(
                path,
                "is an encrypted PDF that opens only with a password",
                "get a copy without a password (or remove it with the password: qpdf "
                "--decrypt), then build again",
            ) from None
        raise damaged from None
    blocks: list[Block] = []
    chars = ocr_pages = unread = 0
    try:
        pages = len(pdf)
        for n in range(pages):
            page = pdf[n]
            try:
                reader: PageReader | ImagePage = PageReader(page)
                if not any(not c.text.isspace() for c in reader.chars()):
                    reader = ImagePage(page_image(page), OCR_DPI)
                    ocr_pages += 1 if reader.glyphs else 0  # a blank page is not read
                count, found = page_blocks(reader, n)
                if isinstance(reader, ImagePage):
                    unread += reader.unread()
                    page_done()
            finally:
                page.close()
            chars += count
            blocks.extend(found)
    except pypdfium2.PdfiumError:
        raise damaged from None
    finally:
        pdf.close()
    if chars == 0:
        raise InputError(
            path,
            "is a PDF with neither a text layer nor any text OCR could read",
            "get a legible copy of the report",
        )
    text = blocks_text(blocks)
    return PdfRead(text, pages, ocr_pages, unread, ocr_cells(text, blocks) if ocr_pages else ())


def pdf_to_text(data: bytes, path: str) -> str:
    """The text of a PDF, tables as pipe rows; InputError when it has no text at all."""
    return read_pdf(data, path).text


def extract_pdf_text(source: Source) -> str:
    return pdf_to_text(source.data, source.path)
