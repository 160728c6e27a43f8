"""A report published as image files (PNG, JPEG, TIFF — a TIFF may hold several pages):
every page read by OCR as a scanned PDF page is (``scan_tables``). The resolution is the
file's own when it records one, else that of an A4 page as wide as the image."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageSequence, UnidentifiedImageError

from ..errors import InputError
from .ocr import page_done
from .pdf import Block, PdfRead, blocks_text, ocr_cells, page_blocks
from .scan_tables import ImagePage

# the magic bytes of the images read: PNG, JPEG, TIFF (both byte orders)
READ = (b"\x89PNG", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")
A4_INCHES = 8.27


def _dpi(image: Image.Image) -> float:
    dpi = image.info.get("dpi")
    try:
        x = float(dpi[0]) if dpi else 0.0
    except (TypeError, ValueError, IndexError):
        x = 0.0
    return x if 50 <= x <= 1200 else image.width / A4_INCHES


def read_image(data: bytes, path: str) -> PdfRead:
    """The text of a report printed in an image file, tables as pipe rows."""
    try:
        image = Image.open(io.BytesIO(data))
        frames = [
            (np.asarray(f.convert("L")).copy(), _dpi(f)) for f in ImageSequence.Iterator(image)
        ]
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise InputError(
            path, "is an image that cannot be read (damaged or cut short)", "get an intact copy"
        ) from None
    blocks: list[Block] = []
    chars = unread = 0
    for n, (gray, dpi) in enumerate(frames):
        page = ImagePage(gray, dpi)
        count, found = page_blocks(page, n)
        chars += count
        unread += page.unread()
        blocks.extend(found)
        page_done()
    if chars == 0:
        raise InputError(path, "is an image in which OCR found no text", "get a legible copy")
    text = blocks_text(blocks)
    return PdfRead(text, len(frames), len(frames), unread, ocr_cells(text, blocks))
