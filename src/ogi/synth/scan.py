"""A scanned copy of a PDF: every page rasterised (poppler's ``pdftoppm``, greyscale), turned
by a slight angle, speckled with noise, and saved as one image a page in a PDF without a text
layer — what an office that prints and scans its report publishes. Deterministic for a seed.
"""

from __future__ import annotations

import io
import random
import subprocess
import tempfile
import time
from pathlib import Path


def _noisy(page: object, rng: random.Random) -> object:
    from PIL import Image

    assert isinstance(page, Image.Image)
    angle = rng.uniform(-1.5, 1.5)
    turned = page.rotate(angle, resample=Image.Resampling.BILINEAR, expand=False, fillcolor=255)
    # about one pixel in 150 speckled dark, one in 150 light
    noise = Image.frombytes("L", turned.size, rng.randbytes(turned.size[0] * turned.size[1]))
    dark = noise.point(lambda v: 255 if v > 1 else 0)
    light = noise.point(lambda v: 255 if v > 253 else 0)
    out = Image.composite(Image.new("L", turned.size, 0), turned, dark.point(lambda v: 255 - v))
    return Image.composite(Image.new("L", turned.size, 255), out, light)


def scan_pdf(pdf: bytes, seed: int, dpi: int = 150) -> bytes:
    """The PDF as a scan: one noisy, slightly rotated greyscale image a page, no text."""
    from PIL import Image

    from .convert import require

    exe = require("pdftoppm", "poppler-utils")
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="ogi-scan-") as tmp:
        src = Path(tmp) / "in.pdf"
        src.write_bytes(pdf)
        subprocess.run(
            [exe, "-r", str(dpi), "-gray", "-png", str(src), str(Path(tmp) / "page")],
            check=True,
            capture_output=True,
            timeout=300,
        )
        pages = []
        for path in sorted(Path(tmp).glob("page-*.png"), key=lambda p: int(p.stem.split("-")[1])):
            with Image.open(path) as img:
                pages.append(_noisy(img.convert("L"), rng))
    if not pages:
        raise ValueError("the PDF has no pages")
    out = io.BytesIO()
    first, *rest = pages
    assert isinstance(first, Image.Image)
    fixed = time.gmtime(946684800)  # 2000-01-01: Pillow stamps the time otherwise
    first.save(
        out,
        "PDF",
        resolution=float(dpi),
        save_all=True,
        append_images=rest,
        creationDate=fixed,
        modDate=fixed,
    )
    return out.getvalue()
