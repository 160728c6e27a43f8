"""A text PDF made into a scan, as an office scanner makes one: every page rasterised by
poppler's ``pdftoppm`` (Debian's poppler-utils) in grey at ``dpi``, turned by a fraction of a
degree, speckled with dust, JPEG-compressed, one image a page, assembled into a PDF of page
images with no text layer. Deterministic: the same PDF and seed give the same bytes.

    >>> import io
    >>> from reportlab.pdfgen.canvas import Canvas
    >>> out = io.BytesIO()
    >>> pdf = Canvas(out, pagesize=(300, 400)); pdf.drawString(50, 300, "2024"); pdf.save()
    >>> scan = scan_pdf(out.getvalue(), seed=1, dpi=72)
    >>> scan[:5], scan == scan_pdf(out.getvalue(), seed=1, dpi=72)
    (b'%PDF-', True)
"""

from __future__ import annotations

import io
import random
import subprocess
import tempfile
from pathlib import Path

from PIL import Image

MAX_TURN = 0.6  # degrees, either way
SPECKS = 400  # dark specks per page at 150 dpi (scaled by area at other resolutions)
QUALITY = 70  # JPEG quality


def rasterise(pdf: bytes, dpi: int) -> list[Image.Image]:
    """The pages of ``pdf`` as grey images at ``dpi``, by pdftoppm."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp, "in.pdf")
        src.write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-gray", "-png", str(src), str(Path(tmp, "p"))],
            check=True,
            capture_output=True,
        )
        pages = sorted(Path(tmp).glob("p-*.png"), key=lambda p: int(p.stem.split("-")[-1]))
        out = []
        for page in pages:
            with Image.open(page) as im:
                out.append(im.convert("L"))
        return out


def _scanned(page: Image.Image, rng: random.Random, dpi: int) -> bytes:
    """One page turned, speckled and JPEG-compressed."""
    turned = page.rotate(
        rng.uniform(-MAX_TURN, MAX_TURN), resample=Image.Resampling.BICUBIC, fillcolor=255
    )
    pixels = turned.load()
    assert pixels is not None
    w, h = turned.size
    for _ in range(int(SPECKS * (dpi / 150) ** 2)):
        x, y = rng.randrange(w - 2), rng.randrange(h - 2)
        shade = rng.randrange(0, 160)
        for dx in range(rng.choice((1, 1, 2))):
            for dy in range(rng.choice((1, 1, 2))):
                pixels[x + dx, y + dy] = shade
    out = io.BytesIO()
    turned.save(out, "JPEG", quality=QUALITY, dpi=(dpi, dpi))
    return out.getvalue()


def scan_pdf(pdf: bytes, seed: int, dpi: int = 150) -> bytes:
    """An image-only PDF of ``pdf``'s pages, scanned (see the module's docstring)."""
    rng = random.Random(seed)
    jpegs = [_scanned(page, rng, dpi) for page in rasterise(pdf, dpi)]
    images = [Image.open(io.BytesIO(j)) for j in jpegs]
    out = io.BytesIO()
    images[0].save(
        out,
        "PDF",
        save_all=True,
        append_images=images[1:],
        resolution=float(dpi),
        title="scan",
        producer="ogi.synth.scan",
        creationDate="D:20000101000000Z",
        modDate="D:20000101000000Z",
    )
    return out.getvalue()
