#!/usr/bin/env python3
"""OCR speed and accuracy: seconds per page of scans, read with an empty page cache, on this
machine, and the share of their table cells read exactly — by RapidOCR (the build's engine)
and by Debian's Tesseract (``tesseract-ocr`` + ``tesseract-ocr-chi-sim``, the fallback it is
compared against), on the same scans.

    python scripts/bench_ocr.py                        # both engines, every scan below
    python scripts/bench_ocr.py --engine tesseract     # one engine
    python scripts/bench_ocr.py --pdf report.pdf       # the scan of another text PDF
    python scripts/bench_ocr.py --threads 2            # threads per engine (a build: 1 a worker)

The scans are those the tests read (``tests/test_ocr.py``): the real hongze_2024_gen3.pdf
and a generated report of each generation, scanned by ``ogi.synth.scan.scan_pdf`` (150 dpi,
turned, speckled, JPEG), and read as the build reads them (render, deskew, despeckle, OCR,
ruling lines, tables, misreads an identity shows flagged). A cell is *exact* when it holds the
value printed (the text layer's for the real report, the generator's truth for the others),
*wrong* when it holds another, *unread* when it is left empty. Tesseract is read through the
same table reader: its words (``tsv``) become characters with boxes and confidences as
RapidOCR's do. Writes build/bench_ocr.json.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import click

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "tests" / "fixtures" / "real" / "hongze_2024_gen3.pdf"
ENGINES = ("rapidocr", "tesseract")


def tesseract_version() -> str:
    out = subprocess.run(["tesseract", "--version"], capture_output=True, text=True, check=True)
    return (out.stdout or out.stderr).split("\n")[0].strip()  # "tesseract 5.3.0"


def tesseract_recognise(gray: Any, detect: bool, threads: int) -> list[Any]:
    """Tesseract's words on a page image (``detect``) or a cell read as one line, as the
    ``Glyph``s RapidOCR gives: each word's box shared out among its characters, its
    confidence (0–100) as a score (0–1)."""
    from PIL import Image

    from ogi.extract.ocr import Glyph

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "page.png"
        Image.fromarray(gray).save(path, dpi=(150, 150))
        done = subprocess.run(
            [
                "tesseract",
                str(path),
                "stdout",
                "-l",
                "chi_sim",
                "--dpi",
                "150",
                "--psm",
                "3" if detect else "7",
                "tsv",
            ],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "OMP_THREAD_LIMIT": str(threads)},
        )
    words: list[tuple[tuple[str, ...], Any]] = []
    for line in done.stdout.splitlines()[1:]:
        f = line.split("\t")
        if len(f) < 12 or f[0] != "5" or not f[11].strip():
            continue
        left, top, width, height = (float(v) for v in f[6:10])
        text, score = f[11].strip(), max(0.0, float(f[10])) / 100
        step = width / len(text)
        words.extend(
            (
                tuple(f[1:5]),  # page, block, paragraph, line
                Glyph(
                    ch,
                    round(left + i * step, 2),
                    top,
                    round(left + (i + 1) * step, 2),
                    top + height,
                    round(score, 5),
                ),
            )
            for i, ch in enumerate(text)
        )
    # as in RapidOCR's reading: the small gaps Tesseract leaves between the characters of one
    # line closed (else every Chinese character would stand apart as a word); not a cell's gap
    out: list[Any] = []
    for i, (where, g) in enumerate(words):
        nxt = words[i + 1] if i + 1 < len(words) else None
        if nxt and nxt[0] == where and g.x1 < nxt[1].x0 < g.x1 + 0.6 * (g.bottom - g.top):
            g = g._replace(x1=nxt[1].x0)
        out.append(g)
    return out


Scan = tuple[str, bytes, int, dict[tuple[str, str], Any] | None]


def scans(pdf: Path | None, seed: int) -> list[Scan]:
    """(name, the text PDF, the scan's seed, its truth — None: the text layer's values) of
    every scan read."""
    if pdf is not None:
        return [(pdf.name, pdf.read_bytes(), seed, None)]
    from ogi.synth import GENERATIONS, corpus

    out: list[Scan] = [(DEFAULT.name, DEFAULT.read_bytes(), seed, None)]
    for gen in GENERATIONS:  # as tests/test_ocr.py makes them
        syn = corpus(1, seed=13, fault_rate=0, forms=("pdf",), generations=(gen,))[0]
        out.append((f"generated gen{gen}", syn.data, gen, syn.truth))
    return out


def read(data: bytes, name: str) -> dict[tuple[str, str], Any]:
    from ogi.acquire import Source
    from ogi.build import parse_source

    parsed = parse_source(Source(name, name, data, hashlib.sha256(data).hexdigest()))
    return {(c["indicator"], c["column"]): c["value"] for c in parsed.statistics}


def judge(got: dict[tuple[str, str], Any], truth: dict[tuple[str, str], Any]) -> dict[str, int]:
    printed = [k for k, v in truth.items() if v is not None]
    exact = [k for k in printed if got.get(k) is not None and abs(got[k] - truth[k]) < 1e-9]
    wrong = [k for k in printed if got.get(k) is not None and abs(got[k] - truth[k]) >= 1e-9]
    wrong += [k for k, v in got.items() if v is not None and truth.get(k) is None]
    return {
        "cells": len(printed),
        "exact": len(exact),
        "wrong": len(wrong),
        "unread": len(printed) - len(exact) - len(wrong),
    }


def bench(engine: str, threads: int, items: list[Scan]) -> list[dict[str, Any]]:
    import pypdfium2

    from ogi.extract import ocr
    from ogi.synth.scan import scan_pdf

    if engine == "tesseract":
        ident = f"{tesseract_version()} chi_sim psm3"
        ocr.engine_id = lambda: ident  # type: ignore[assignment]  # the reports' ocr_engine
        ocr._recognise = lambda g, d: tesseract_recognise(g, d, threads)  # type: ignore[assignment]
    else:
        ocr._engine()  # the models loaded before the clock starts
    rows = []
    for name, data, seed, truth in items:
        want = truth if truth is not None else read(data, name)
        scan = scan_pdf(data, seed)
        pages = len(pypdfium2.PdfDocument(scan))
        t = time.perf_counter()
        got = read(scan, name + " scan")
        seconds = time.perf_counter() - t
        row: dict[str, Any] = {
            "engine": ocr.engine_id(),
            "scan": name,
            "pages": pages,
            "seconds": round(seconds, 1),
            "seconds_per_page": round(seconds / pages, 1),
            **judge(got, want),
        }
        print(
            f"{engine:9} {name:24} {pages} pages {seconds:6.1f} s = "
            f"{seconds / pages:5.1f} s/page; cells exact {row['exact']}/{row['cells']} "
            f"({100 * row['exact'] / max(1, row['cells']):.0f} %), wrong {row['wrong']}, "
            f"unread {row['unread']}",
            flush=True,
        )
        rows.append(row)
    return rows


@click.command()
@click.option("--engine", type=click.Choice([*ENGINES, "both"]), default="both", show_default=True)
@click.option(
    "--pdf",
    "pdf_path",
    type=click.Path(exists=True, path_type=Path),
    default=None,
    help="a text PDF to scan (default: hongze_2024_gen3.pdf and generated reports)",
)
@click.option("--threads", type=int, default=1, show_default=True)
@click.option("--seed", type=int, default=13, show_default=True)
@click.option(
    "--min-score",
    type=float,
    default=None,
    help="the confidence under which a digit is not read (default: the build's, 0.9)",
)
def main(
    engine: str, pdf_path: Path | None, threads: int, seed: int, min_score: float | None
) -> None:
    os.environ["OGI_OCR_THREADS"] = str(threads)
    if min_score is not None:
        from ogi.extract import scan_tables

        scan_tables.MIN_SCORE = min_score
    engines = ENGINES if engine == "both" else (engine,)
    if "tesseract" in engines and shutil.which("tesseract") is None:
        raise click.ClickException(
            "tesseract is not installed: apt-get install tesseract-ocr tesseract-ocr-chi-sim "
            "(make bench-ocr installs them)"
        )
    items = scans(pdf_path, seed)
    results: list[dict[str, Any]] = []
    for name in engines:
        with tempfile.TemporaryDirectory() as cache:
            os.environ["OGI_OCR_CACHE"] = cache  # empty: every page is read by the engine
            if len(engines) > 1:  # each engine in its own process: patched functions stay there
                done = subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--engine",
                        name,
                        "--threads",
                        str(threads),
                        "--seed",
                        str(seed),
                        *(["--min-score", str(min_score)] if min_score is not None else []),
                        *(["--pdf", str(pdf_path)] if pdf_path else []),
                    ],
                    check=False,
                    env={**os.environ, "OGI_BENCH_CHILD": "1"},
                )
                if done.returncode:
                    raise SystemExit(done.returncode)
                results += json.loads((ROOT / "build" / f"bench_ocr_{name}.json").read_text())
                continue
            rows = bench(name, threads, items)
            for row in rows:
                row.update(threads=threads, cores=os.cpu_count(), min_score=min_score or 0.9)
            out = ROOT / "build" / f"bench_ocr_{name}.json"
            out.parent.mkdir(exist_ok=True)
            out.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
            results += rows
    if os.environ.get("OGI_BENCH_CHILD"):
        return  # one engine of several: the parent prints the totals
    total: dict[str, dict[str, float]] = {}
    for r in results:
        t = total.setdefault(
            r["engine"], {"pages": 0, "seconds": 0, "cells": 0, "exact": 0, "wrong": 0}
        )
        for k in t:
            t[k] += r[k]
    for eng, t in total.items():
        print(
            f"{eng}: {t['seconds'] / max(1, t['pages']):.1f} s/page over {t['pages']:.0f} pages; "
            f"cells exact {t['exact']:.0f}/{t['cells']:.0f} "
            f"({100 * t['exact'] / max(1, t['cells']):.0f} %), wrong {t['wrong']:.0f}"
        )
    out = ROOT / "build" / "bench_ocr.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        json.dumps({"scans": results, "total": total}, indent=1) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
