"""What a PDF page holds for reading, through pdfium (pypdfium2): its characters with their
boxes, and its ruling lines as horizontal and vertical edges — in reading coordinates
(origin at the top left of the page as displayed, ``top`` growing downwards, the page's
/Rotate applied), with the boxes pdfminer gives (so pdfplumber's rules read them alike).

pdfium parses a page in C; pdfminer, in Python, took four fifths of the time of a PDF.

    >>> import io, pypdfium2
    >>> from reportlab.pdfgen.canvas import Canvas
    >>> from ogi.synth.render import _font
    >>> out = io.BytesIO()
    >>> pdf = Canvas(out, pagesize=(600, 800))
    >>> pdf.setFont(_font(), 10)
    >>> pdf.drawString(50, 700, "年报 2")
    >>> pdf.line(50, 690, 150, 690)
    >>> pdf.save()
    >>> page = PageReader(pypdfium2.PdfDocument(out.getvalue())[0])
    >>> [(c.text, round(c.x0), round(c.top), round(c.x1), round(c.bottom)) for c in page.chars()]
    [('年', 50, 92, 60, 102), ('报', 60, 92, 70, 102), (' ', 70, 92, 73, 102), ('2', 73, 92, 79, 102)]
    >>> [(e["orientation"], e["x0"], e["top"], e["x1"], e["bottom"]) for e in page.edges()]
    [('h', 50.0, 110.0, 150.0, 110.0)]
"""

from __future__ import annotations

import ctypes
import itertools
from typing import Any, NamedTuple

import pypdfium2
import pypdfium2.raw as pdfium_c

Matrix = tuple[float, float, float, float, float, float]

# pdfium marks a hyphen that ends a line as U+0002; other codes below U+0020 (but the line
# breaks pdfium adds itself) are glyphs with no known character, which pdfminer writes as
# "(cid:N)": U+FFFD here, so that they do not make the text look binary
_TEXT = {n: "\ufffd" for n in range(32)} | {2: "-"}


# FPDFText_GetTextObject with the object's address as a plain int, a key for the text
# object that a character belongs to (a ctypes cast per character cost more than the call)
_text_object_address = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int)(
    ctypes.cast(pdfium_c.FPDFText_GetTextObject, ctypes.c_void_p).value or 0
)


class _Style(NamedTuple):
    """What the characters of one text object share."""

    font: Any
    font_key: int | None
    size: float  # the font size, in text space
    low: float  # the font's descent at that size (negative): the box's bottom, in text space
    high: float  # the box's top
    matrix: tuple[float, float, float, float]  # text space → the page as displayed
    plain: bool  # neither turned nor slanted nor mirrored (most text: a fast path)
    upright: bool  # pdfminer's test: a·d > 0 and b·c ≤ 0
    scale: float  # of text space along the baseline, in user space
    along_x: bool  # the baseline runs along x in user space


class Char(NamedTuple):
    """One character printed on the page and its box (pdfminer's: the advance width, and
    the font's descent up to its size)."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    upright: bool  # not rotated (pdfminer's test: a·d > 0 and b·c ≤ 0)


def _times(m: Matrix, n: Matrix) -> Matrix:
    """``m`` then ``n`` (row vectors, as PDF writes matrices)."""
    a, b, c, d, e, f = m
    p, q, r, s, t, u = n
    return (
        a * p + b * r,
        a * q + b * s,
        c * p + d * r,
        c * q + d * s,
        e * p + f * r + t,
        e * q + f * s + u,
    )


class PageReader:
    """One page of a pypdfium2 document: ``chars()`` and ``edges()``."""

    def __init__(self, page: pypdfium2.PdfPage) -> None:
        self.page = page
        x0, y0, x1, y1 = page.get_mediabox()
        rotation = page.get_rotation() % 360
        # user space → device space as pdfminer sets it up for the page's rotation
        self.ctm: Matrix = {
            90: (0.0, -1.0, 1.0, 0.0, -y0, x1),
            180: (-1.0, 0.0, 0.0, -1.0, x1, y1),
            270: (0.0, 1.0, -1.0, 0.0, y1, -x0),
        }.get(rotation, (1.0, 0.0, 0.0, 1.0, -x0, -y0))
        self.height = (x1 - x0) if rotation in (90, 270) else (y1 - y0)

    def chars(self) -> list[Char]:
        """The characters of the page in the order they are drawn; the spaces and line
        breaks pdfium infers between words are left out (they are not in the PDF)."""
        textpage = self.page.get_textpage()
        try:
            return self._chars(textpage.raw)
        finally:
            textpage.close()

    def _style(self, raw: Any, i: int) -> _Style:
        """What the characters of the text object of character ``i`` share."""
        m, value = pdfium_c.FS_MATRIX(), ctypes.c_float()
        pdfium_c.FPDFText_GetMatrix(raw, i, m)
        size = pdfium_c.FPDFText_GetFontSize(raw, i)
        font = pdfium_c.FPDFTextObj_GetFont(pdfium_c.FPDFText_GetTextObject(raw, i))
        descent = value.value if pdfium_c.FPDFFont_GetDescent(font, size, value) else 0.0
        ca, cb, cc, cd, _, _ = self.ctm
        # the character's matrix on the page as displayed
        a, b = m.a * ca + m.b * cc, m.a * cb + m.b * cd
        c, d = m.c * ca + m.d * cc, m.c * cb + m.d * cd
        return _Style(
            font=font,
            font_key=ctypes.cast(font, ctypes.c_void_p).value,
            size=size,
            low=descent,
            high=descent + size,
            matrix=(a, b, c, d),
            plain=b == 0 and c == 0 and a > 0 and d > 0,
            upright=a * d > 0 and b * c <= 0,
            scale=max(abs(m.a), abs(m.b)),
            along_x=abs(m.a) >= abs(m.b),
        )

    def _chars(self, raw: Any) -> list[Char]:
        """pdfminer's box for each character: from its origin, its advance width along the
        baseline and its font size up from the font's descent, through the character's
        matrix and the page's. Font, size and matrix are looked up once per text object,
        widths once per font and character. A glyph pdfium splits into several characters
        (a ligature: ﬁ → f, i, all at one origin) is one character, as in pdfminer."""
        styles: dict[int, _Style] = {}
        x, y = ctypes.c_double(), ctypes.c_double()
        address = ctypes.cast(raw, ctypes.c_void_p).value
        glyphs: list[list[Any]] = []  # [text, index, style, origin x, origin y]
        last: list[Any] = [None] * 5
        for i in range(pdfium_c.FPDFText_CountChars(raw)):
            code = pdfium_c.FPDFText_GetUnicode(raw, i)
            if code in (10, 13, 32) and pdfium_c.FPDFText_IsGenerated(raw, i) == 1:
                continue  # a space or line break pdfium infers between words: not in the PDF
            key = _text_object_address(address, i)
            if not key:
                continue
            style = styles.get(key)
            if style is None:
                style = styles[key] = self._style(raw, i)
            pdfium_c.FPDFText_GetCharOrigin(raw, i, x, y)
            ox, oy = x.value, y.value
            text = _TEXT.get(code) or chr(code)
            if style is last[2] and ox == last[3] and oy == last[4]:
                last[0] += text  # one glyph, several characters
            else:
                last = [text, i, style, ox, oy]
                glyphs.append(last)
        ca, cb, cc, cd, ce, cf = self.ctm
        height = self.height
        widths: dict[tuple[int | None, str], float] = {}
        box, value = pdfium_c.FS_RECTF(), ctypes.c_float()
        out = []
        for text, i, style, x0, y0 in glyphs:
            width = widths.get((style.font_key, text), -1.0) if len(text) == 1 else 0.0
            if width == -1.0:
                ok = pdfium_c.FPDFFont_GetGlyphWidth(style.font, ord(text), 1.0, value)
                width = widths[(style.font_key, text)] = value.value if ok else 0.0
            if width > 0:
                adv = width * style.size
            else:  # a ligature, or pdfium knows no width for the character: pdfium's box
                pdfium_c.FPDFText_GetLooseCharBox(raw, i, box)
                extent = (box.right - box.left) if style.along_x else (box.top - box.bottom)
                adv = extent / style.scale if style.scale else 0.0
            a, b, c, d = style.matrix
            low, high = style.low, style.high
            ox, oy = ca * x0 + cc * y0 + ce, cb * x0 + cd * y0 + cf
            if style.plain:
                out.append(
                    Char(
                        text, ox, height - oy - high * d, ox + adv * a, height - oy - low * d, True
                    )
                )
                continue
            xs = (ox + low * c, ox + adv * a + low * c, ox + high * c, ox + adv * a + high * c)
            ys = (oy + low * d, oy + adv * b + low * d, oy + high * d, oy + adv * b + high * d)
            out.append(
                Char(text, min(xs), height - max(ys), max(xs), height - min(ys), style.upright)
            )
        return out

    def edges(self) -> list[dict[str, Any]]:
        """The horizontal and vertical edges of every stroked or filled path (lines, the
        sides of rectangles, the straight parts of curves), as pdfplumber's edge dicts.
        Paths inside form XObjects count too."""
        out: list[dict[str, Any]] = []
        raw_page = self.page.raw
        objects = [
            pdfium_c.FPDFPage_GetObject(raw_page, i)
            for i in range(pdfium_c.FPDFPage_CountObjects(raw_page))
        ]
        self._walk(objects, (1.0, 0.0, 0.0, 1.0, 0.0, 0.0), out)
        return out

    def _walk(self, objects: list[Any], outer: Matrix, out: list[dict[str, Any]]) -> None:
        m = pdfium_c.FS_MATRIX()
        fill, stroke = ctypes.c_int(), ctypes.c_int()
        x, y = ctypes.c_float(), ctypes.c_float()
        for obj in objects:
            kind = pdfium_c.FPDFPageObj_GetType(obj)
            if kind not in (pdfium_c.FPDF_PAGEOBJ_PATH, pdfium_c.FPDF_PAGEOBJ_FORM):
                continue
            pdfium_c.FPDFPageObj_GetMatrix(obj, m)
            matrix = _times((m.a, m.b, m.c, m.d, m.e, m.f), outer)
            if kind == pdfium_c.FPDF_PAGEOBJ_FORM:
                inner = [
                    pdfium_c.FPDFFormObj_GetObject(obj, i)
                    for i in range(pdfium_c.FPDFFormObj_CountObjects(obj))
                ]
                self._walk(inner, matrix, out)
                continue
            pdfium_c.FPDFPath_GetDrawMode(obj, fill, stroke)
            if not fill.value and not stroke.value:
                continue
            a, b, c, d, e, f = _times(matrix, self.ctm)
            height = self.height
            subpaths: list[list[tuple[float, float]]] = []
            for i in range(pdfium_c.FPDFPath_CountSegments(obj)):
                segment = pdfium_c.FPDFPath_GetPathSegment(obj, i)
                pdfium_c.FPDFPathSegment_GetPoint(segment, x, y)
                px, py = x.value, y.value
                point = (a * px + c * py + e, height - (b * px + d * py + f))
                if pdfium_c.FPDFPathSegment_GetType(segment) == pdfium_c.FPDF_SEGMENT_MOVETO:
                    subpaths.append([point])
                elif subpaths:
                    subpaths[-1].append(point)  # a curve's control points too, as pdfminer
                else:
                    subpaths.append([point])
                if pdfium_c.FPDFPathSegment_GetClose(segment):
                    subpaths[-1].append(subpaths[-1][0])
            for points in subpaths:
                for (xa, ta), (xb, tb) in itertools.pairwise(points):
                    if abs(xa - xb) < 1e-6 and ta != tb:
                        orientation = "v"
                    elif abs(ta - tb) < 1e-6 and xa != xb:
                        orientation = "h"
                    else:
                        continue  # a point, or a slanted line: no ruling
                    x0, x1 = (xa, xb) if xa <= xb else (xb, xa)
                    top, bottom = (ta, tb) if ta <= tb else (tb, ta)
                    out.append(edge(x0, x1, top, bottom, orientation))


def edge(x0: float, x1: float, top: float, bottom: float, orientation: str) -> dict[str, Any]:
    """A ruling line as the table finder takes it (pdfplumber's edge objects)."""
    return {
        "object_type": "line",
        "x0": x0,
        "x1": x1,
        "top": top,
        "bottom": bottom,
        "doctop": top,
        "width": x1 - x0,
        "height": bottom - top,
        "orientation": orientation,
    }
