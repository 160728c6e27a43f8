#!/usr/bin/env python3
"""OCR speed: seconds per page of a scan, read with an empty page cache, on this machine.

    python scripts/bench_ocr.py                    # the scan of the real hongze_2024_gen3.pdf
    python scripts/bench_ocr.py --pdf report.pdf   # the scan of another text PDF
    python scripts/bench_ocr.py --threads 2        # onnxruntime threads (a build: 1 a worker)

The PDF is scanned by ``ogi.synth.scan.scan_pdf`` (150 dpi, turned, speckled, JPEG) and read
as the build reads it (render, deskew, despeckle, OCR, ruling lines, tables); it also prints the
share of the table cells the text layer reads that the scan reads too, and how many differ.
Writes build/bench_ocr.json.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "tests" / "fixtures" / "real" / "hongze_2024_gen3.pdf"


@click.command()
@click.option("--pdf", "pdf_path", type=click.Path(exists=True, path_type=Path), default=DEFAULT)
@click.option("--threads", type=int, default=1, show_default=True)
@click.option("--seed", type=int, default=13, show_default=True)
def main(pdf_path: Path, threads: int, seed: int) -> None:
    os.environ["OGI_OCR_THREADS"] = str(threads)
    with tempfile.TemporaryDirectory() as cache:
        os.environ["OGI_OCR_CACHE"] = cache  # empty: every page is read by the engine
        from ogi.acquire import Source
        from ogi.extract import extract, ocr
        from ogi.parse import parse
        from ogi.synth.scan import scan_pdf

        def read(data: bytes) -> dict:
            doc = extract(Source("b.pdf", "b.pdf", data, hashlib.sha256(data).hexdigest()))
            return {(c["indicator"], c["column"]): c["value"] for c in parse(doc).statistics}

        data = pdf_path.read_bytes()
        scan = scan_pdf(data, seed)
        want = read(data)
        ocr._engine()  # the models loaded before the clock starts
        t = time.perf_counter()
        got = read(scan)
        seconds = time.perf_counter() - t
        import pypdfium2

        pages = len(pypdfium2.PdfDocument(scan))
    printed = [k for k, v in want.items() if v is not None]
    read_ok = [k for k in printed if got.get(k) is not None]
    wrong = [k for k in read_ok if got[k] != want[k]]
    result = {
        "pdf": pdf_path.name,
        "engine": ocr.engine_id(),
        "threads": threads,
        "cores": os.cpu_count(),
        "pages": pages,
        "seconds": round(seconds, 1),
        "seconds_per_page": round(seconds / pages, 1),
        "cells_printed": len(printed),
        "cells_read": len(read_ok),
        "cells_wrong": len(wrong),
    }
    print(
        f"{pdf_path.name}: {pages} pages in {seconds:.1f} s = {seconds / pages:.1f} s/page "
        f"({threads} thread(s), {ocr.engine_id()}); cells read {len(read_ok)}/{len(printed)} "
        f"({100 * len(read_ok) / max(1, len(printed)):.0f} %), {len(wrong)} differing"
    )
    out = ROOT / "build" / "bench_ocr.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
