"""A page image read as a PDF page is: its characters (by OCR, ``ocr``) and its ruling lines,
in points with the origin at the top left — the same ``Char`` and edge dicts that
``pdf_page.PageReader`` gives, so the same table finder, line builder and table readers (and
so every identity, check and ``settled_by``) read a scan as they read a PDF with text.

The image is deskewed and despeckled first (the angle, within ±2°, at which the rows of ink line up best);
ruling lines are the long thin runs of ink left after opening the image with a long flat (or
tall thin) kernel. A digit (or a character a digit is mistaken for) read with a confidence
below ``MIN_SCORE`` is written ``?``: it is unread, never guessed, so a cell holding one is
not a number and is left empty and flagged by the table readers. A table cell where the
engine found nothing but which holds ink, holding a ``?``, or a number with a dot at one end
(a speck beside a digit read as a full stop) is read again: its characters
cut out alone on white, read as one line. Read surely, that is the cell's text; otherwise the
cell is (or stays) unread, ``?`` (a missed digit is never taken for a blank cell).
"""

from __future__ import annotations

import re
from typing import Any

import cv2
import numpy as np

from .ocr import Glyph, read_page
from .pdf_page import Char, edge
from .pdf_tables import Box

MIN_SCORE = 0.9  # below this the engine is unsure of a character: it is not read
UNREAD = "?"
# a number with a dot at one end: a speck beside a digit, read as a full stop — read again
_DOTTED = re.compile(r"^[.．·]\d[\d,]*$|^\d[\d,]*[.．·]$")
INK = 170  # grey levels below this are ink
MAX_SKEW = 2.0  # degrees
# what a digit may be misread as, or misread from: unsure, these are not read
DIGITLIKE = frozenset("0123456789０１２３４５６７８９.．,%OoIl|SBZg〇○")
GLYPH_INCHES = 0.06  # ink this tall in a cell is a character, not a speck of dust
LINE_INCHES = 0.2  # a ruling line is at least this long (a character's stroke is shorter)
LINE_INK = 200  # a thin ruling line is faint grey once scanned: lighter ink counts for it
THICK_INCHES = 0.04  # a ruling line is at most this thick (a thicker run is a filled box)


def _profile_score(ink: np.ndarray, angle: float) -> float:
    h, w = ink.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    turned = cv2.warpAffine(ink, m, (w, h), flags=cv2.INTER_NEAREST, borderValue=0)
    rows = turned.sum(axis=1, dtype=np.float64)
    return float(np.var(np.diff(rows)))


def skew(gray: np.ndarray) -> float:
    """The angle (degrees, counter-clockwise) that turns the page's rows of ink level."""
    small = cv2.resize(gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    ink = (small < INK).astype(np.uint8)
    if not ink.any():
        return 0.0
    best, best_angle = -1.0, 0.0
    for step in (0.25, 0.05):
        centre = best_angle
        span = MAX_SKEW if step == 0.25 else 0.25
        for i in range(int(round(2 * span / step)) + 1):
            angle = round(centre - span + i * step, 4)
            score = _profile_score(ink, angle)
            if score > best:
                best, best_angle = score, angle
    return best_angle


def despeckle(gray: np.ndarray, dpi: float) -> np.ndarray:
    """The page with specks of dust whitened: ink blobs of at most 4 pixels at 150 dpi with
    no other ink near them (a full stop or the dot of a number sits beside its characters)."""
    ink = (gray < INK).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    small = np.zeros(n, dtype=bool)
    small[1:] = stats[1:, cv2.CC_STAT_AREA] <= max(1, int(4 * (dpi / 150) ** 2))
    if not small.any():
        return gray
    big = (~small[labels] & (labels > 0)).astype(np.uint8)
    reach = max(3, int(0.05 * dpi))
    near = cv2.dilate(big, np.ones((2 * reach + 1, 2 * reach + 1), np.uint8)) > 0
    out = gray.copy()
    out[small[labels] & ~near] = 255
    return out


def deskew(gray: np.ndarray) -> np.ndarray:
    angle = skew(gray)
    if angle == 0.0:
        return gray
    h, w = gray.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(gray, m, (w, h), flags=cv2.INTER_CUBIC, borderValue=255)


def _runs(mask: np.ndarray, scale: float, orientation: str, thick: int) -> list[dict[str, Any]]:
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    out = []
    for x, y, w, h, _ in stats[1:n].tolist():
        if (h if orientation == "h" else w) > thick:
            continue
        if orientation == "h":
            x0, x1 = x * scale, (x + w) * scale
            top = bottom = (y + h / 2) * scale
        else:
            top, bottom = y * scale, (y + h) * scale
            x0 = x1 = (x + w / 2) * scale
        out.append(edge(x0, x1, top, bottom, orientation))
    return out


def rulings(gray: np.ndarray, dpi: float) -> list[dict[str, Any]]:
    """The horizontal and vertical ruling lines of a (deskewed) page image, in points."""
    ink = (gray < LINE_INK).astype(np.uint8)
    length = max(3, int(LINE_INCHES * dpi))
    flat = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((1, length), np.uint8))
    tall = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((length, 1), np.uint8))
    scale, thick = 72.0 / dpi, max(3, int(THICK_INCHES * dpi))
    # a line broken by the scan is joined again by the table finder (pieces within 3 pt)
    return _runs(flat, scale, "h", thick) + _runs(tall, scale, "v", thick)


class ImagePage:
    """A page image read by OCR: ``chars()`` and ``edges()`` as ``PageReader`` gives them,
    and ``scores``, the confidences of the characters read (for the report's summary)."""

    def __init__(self, gray: np.ndarray, dpi: float) -> None:
        self.gray = despeckle(deskew(gray), dpi)
        self.dpi = dpi
        # a blank page (the back of a sheet) costs no OCR
        self.glyphs: list[Glyph] = read_page(self.gray) if (self.gray < INK).any() else []
        self.unsure = 0  # cells with ink but no text, read again and still unsure
        self.scores: dict[Char, float] = {}  # the confidence of each character (``chars``)
        self.resolved = 0  # unsure characters read again, sure, in their cell alone

    def chars(self) -> list[Char]:
        """The characters read, in points; each one's confidence kept in ``scores``."""
        s = 72.0 / self.dpi
        out = []
        for g in self.glyphs:
            if g.text.isspace():
                continue
            char = Char(
                UNREAD if g.score < MIN_SCORE and g.text in DIGITLIKE else g.text,
                g.x0 * s,
                g.top * s,
                g.x1 * s,
                g.bottom * s,
                True,
            )
            self.scores[char] = min(g.score, self.scores.get(char, 1.0))
            out.append(char)
        return out

    def cell_scores(self, inside: list[list[list[Char]]]) -> list[list[float | None]]:
        """The engine's confidence in each table cell: that of its least sure character
        (None for a cell without characters)."""
        return [
            [min((self.scores.get(c, 1.0) for c in cell), default=None) for cell in row]
            for row in inside
        ]

    def edges(self) -> list[dict[str, Any]]:
        return rulings(self.gray, self.dpi)

    def unread(self) -> int:
        """How many characters were written ``?`` (on the page and in cells read again)."""
        unsure = sum(1 for g in self.glyphs if g.score < MIN_SCORE and g.text in DIGITLIKE)
        return self.unsure + unsure - self.resolved

    def _glyphs_in(self, crop: np.ndarray) -> np.ndarray | None:
        """The characters in a cell, cut out on a white margin (the ruling lines and dust
        left out); None when the cell holds no ink as tall as a character."""
        ink = (crop < INK).astype(np.uint8)
        n, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
        h, w = crop.shape
        kept = [
            (x, y, x + cw, y + ch)
            for x, y, cw, ch, _ in stats[1:n].tolist()
            if ch >= GLYPH_INCHES * self.dpi and ch < 0.9 * h and cw < 0.9 * w
        ]
        if not kept:
            return None
        x0, y0 = min(k[0] for k in kept), min(k[1] for k in kept)
        x1, y1 = max(k[2] for k in kept), max(k[3] for k in kept)
        margin = max(4, int(0.05 * self.dpi))
        out = np.full((y1 - y0 + 2 * margin, x1 - x0 + 2 * margin), 255, dtype=np.uint8)
        out[margin : margin + y1 - y0, margin : margin + x1 - x0] = crop[y0:y1, x0:x1]
        return out

    def fill_blanks(
        self, rows: list[list[Box]], cells: list[list[str]], scores: list[list[float | None]]
    ) -> tuple[list[list[str]], list[list[float | None]]]:
        """The cells' texts and confidences, each empty cell that holds ink read again alone
        (``?`` when the engine is unsure of it); a cell read again has the confidence of
        that reading."""
        s = self.dpi / 72.0
        pad = max(2, int(0.02 * self.dpi))  # inside the ruling lines
        out = []
        sure: list[list[float | None]] = [list(r) for r in scores]
        for r, (boxes, texts) in enumerate(zip(rows, cells, strict=True)):
            row = []
            for k, ((x0, top, x1, bottom), text) in enumerate(zip(boxes, texts, strict=True)):
                crop = self.gray[
                    int(top * s) + pad : int(bottom * s) - pad,
                    int(x0 * s) + pad : int(x1 * s) - pad,
                ]
                unsure = UNREAD in text or bool(_DOTTED.match(text))
                again = (not text or unsure) and crop.size > 0
                alone = self._glyphs_in(crop) if again else None
                if alone is None:
                    row.append(text)
                    continue
                glyphs = read_page(alone, detect=False)
                read = "".join(g.text for g in glyphs).strip()
                if read and all(g.score >= MIN_SCORE for g in glyphs):
                    row.append(read)
                    sure[r][k] = min(g.score for g in glyphs)
                    self.resolved += text.count(UNREAD)
                elif unsure and UNREAD not in text:  # a number with a dot at an end
                    self.unsure += 1
                    row.append(text)
                elif unsure:
                    row.append(text)
                else:
                    self.unsure += 1
                    row.append(UNREAD)
            out.append(row)
        return out, sure
