"""Scanned reports read by OCR (issue 13). The scans are made here from text PDFs by
``ogi.synth.scan.scan_pdf`` (pdftoppm at 150 dpi, turned, speckled, JPEG): the real
hongze_2024_gen3.pdf and a generated report of each generation. A scan must read as its text
layer does — no value differing, every cell it does not read left empty and flagged.

OCR takes seconds a page on two cores: scans and the pages read are cached under
``build/test-ocr/`` (the engine is deterministic, so a cached page reads as a fresh one).
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import pypdfium2
import pytest

from ogi.acquire import Source
from ogi.build import parse_source
from ogi.check import run_checks
from ogi.extract import extract, ocr
from ogi.parse import Parsed
from ogi.summarise import summarise
from ogi.synth import GENERATIONS, corpus
from ogi.synth.scan import scan_pdf

ROOT = Path(__file__).parents[1]
HONGZE = Path(__file__).parent / "fixtures" / "real" / "hongze_2024_gen3.pdf"
CACHE = ROOT / "build" / "test-ocr"
SEED = 13


@pytest.fixture(scope="module", autouse=True)
def _page_cache() -> Any:
    mp = pytest.MonkeyPatch()
    mp.setenv("OGI_OCR_CACHE", str(CACHE / "pages"))
    yield
    mp.undo()


def scan(data: bytes, seed: int) -> bytes:
    """``scan_pdf(data, seed)``, kept under build/ between runs."""
    path = CACHE / "scans" / f"{hashlib.sha256(data).hexdigest()[:16]}-{seed}.pdf"
    if path.exists():
        return path.read_bytes()
    made = scan_pdf(data, seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(made)
    return made


def read(data: bytes, name: str) -> Parsed:
    """Parsed as the build parses (a misread an identity shows is flagged: ``check.misread``)."""
    return parse_source(Source(name, name, data, hashlib.sha256(data).hexdigest()))


def cells(parsed: Parsed) -> dict[tuple[str, str], dict[str, Any]]:
    return {(c["indicator"], c["column"]): c for c in parsed.statistics}


def flagged(checks: list[dict[str, Any]], indicator: str) -> bool:
    """A check that is not a pass names the cell's row (or a row it belongs to), or the cell
    itself (``indicator@column``, as ``ocr_misread`` does)."""
    return any(
        c["status"] != "pass"
        and c["subject"]
        and indicator.startswith(c["subject"].split("@")[0])
        for c in checks
    )


@pytest.fixture(scope="module")
def hongze() -> tuple[Parsed, Parsed, list[dict[str, Any]]]:
    data = HONGZE.read_bytes()
    scanned = read(scan(data, SEED), "hongze_2024_gen3_scan.pdf")
    return read(data, HONGZE.name), scanned, run_checks(scanned)


def test_the_scan_has_no_text_layer() -> None:
    pdf = pypdfium2.PdfDocument(scan(HONGZE.read_bytes(), SEED))
    try:
        assert len(pdf) == 5
        assert [pdf[n].get_textpage().count_chars() for n in range(len(pdf))] == [0] * 5
    finally:
        pdf.close()


def test_a_report_read_by_ocr_says_so(hongze) -> None:
    text, scanned, _ = hongze
    assert (text.report["form"], text.report["ocr_engine"], text.report["ocr_pages"]) == (
        "pdf",
        None,
        None,
    )
    assert scanned.report["form"] == "pdf-ocr"
    assert scanned.report["ocr_pages"] == 5
    assert scanned.report["ocr_engine"] == ocr.engine_id()
    assert scanned.report["ocr_engine"].startswith("rapidocr 3.10.")
    assert "PP-OCRv6_det_small+PP-OCRv6_rec_small" in scanned.report["ocr_engine"]


def test_the_scan_reads_as_the_text_layer(hongze) -> None:
    text, scanned, checks = hongze
    want, got = cells(text), cells(scanned)
    assert set(got) == set(want)
    read = {k for k, c in got.items() if c["value"] is not None}
    wrong = {
        k: (want[k]["value"], got[k]["value"]) for k in read if got[k]["value"] != want[k]["value"]
    }
    assert wrong == {}
    printed = {k for k, c in want.items() if c["value"] is not None}
    assert read <= printed
    # most cells are read: the share is in the README
    assert len(read) >= 0.9 * len(printed), (len(read), len(printed))
    for key in printed - read:
        assert flagged(checks, key[0]), (key, got[key])


TRUTH = {
    "year": 2024,
    "generation": 3,
    "requests_received": 95,
    "requests_carried_in": 0,
    "requests_handled": 95,
    "requests_carried_over": 0,
    "reconsiderations": 2,
    "lawsuits": 4,
}
@pytest.mark.parametrize("field", list(TRUTH))
def test_the_scan_gives_the_key_figures(hongze, field: str) -> None:
    text, scanned, _ = hongze
    assert summarise(scanned)[field] == summarise(text)[field]
    assert summarise(scanned)[field] == TRUTH[field]


@pytest.fixture(scope="module")
def generated() -> list[tuple[Any, Parsed, list[dict[str, Any]]]]:
    out = []
    for gen in GENERATIONS:
        syn = corpus(1, seed=SEED, fault_rate=0, forms=("pdf",), generations=(gen,))[0]
        parsed = read(scan(syn.data, gen), syn.name)
        out.append((syn, parsed, run_checks(parsed)))
    return out


def test_scans_of_generated_reports_have_no_wrong_value(generated) -> None:
    for syn, parsed, checks in generated:
        assert parsed.report["form"] == "pdf-ocr"
        assert (parsed.report["year"], parsed.report["generation"]) == (syn.year, syn.generation)
        got = cells(parsed)
        read = 0
        for key, want in syn.truth.items():
            cell = got.get(key)
            if cell is None or cell["value"] is None:
                if want is not None:  # printed, not read: left empty and flagged
                    assert cell is None or cell["value_status"] != "printed", (syn.name, key)
                    assert flagged(checks, key[0]), (syn.generation, key, cell)
                continue
            assert cell["value"] == pytest.approx(want), (syn.generation, key, cell, want)
            read += 1
        assert read >= 0.8 * sum(v is not None for v in syn.truth.values()), (syn.generation, read)


def test_a_page_is_never_read_twice(hongze, monkeypatch) -> None:
    """Read again, the scan's pages come from the cache: the engine is not called."""

    def no_engine(*_: Any) -> Any:
        raise AssertionError("a page was read by the engine again")

    monkeypatch.setattr(ocr, "_recognise", no_engine)
    again = read(scan(HONGZE.read_bytes(), SEED), "again.pdf")
    assert cells(again) == cells(hongze[1])


def _pages(n: int) -> list[Any]:
    """The first ``n`` pages of the hongze scan as images, as the PDF reader renders them."""
    pdf = pypdfium2.PdfDocument(scan(HONGZE.read_bytes(), SEED))
    try:
        return [pdf[i].render(scale=150 / 72, grayscale=True).to_pil() for i in range(n)]
    finally:
        pdf.close()


def test_an_image_file_is_read_by_ocr() -> None:
    """A report's first page as a PNG is read as the same page of the scanned PDF."""
    out = io.BytesIO()
    _pages(1)[0].save(out, "PNG", dpi=(150, 150))
    doc = extract(Source("page1.png", "page1.png", out.getvalue(), "0" * 64))
    assert (doc.form, doc.encoding, doc.ocr_pages) == ("image", "image", 1)
    assert "2024年政府信息公开工作年度报告" in doc.text.replace(" ", "")


def test_a_jpeg_file_is_read_by_ocr() -> None:
    """A report's page 4 as a JPEG photo of the page (no resolution recorded: an A4 page as
    wide as the image is assumed) reads section 四's table as the scanned PDF does."""
    out = io.BytesIO()
    _pages(4)[3].convert("RGB").save(out, "JPEG", quality=85)
    doc = extract(Source("page4.jpg", "page4.jpg", out.getvalue(), "0" * 64))
    assert (doc.form, doc.encoding, doc.ocr_pages) == ("image", "image", 1)
    assert "| 1 | 1 | 0 | 0 | 2 | 1 | 0 | 0 | 0 | 1 | 2 | 0 | 1 | 0 | 3 |" in doc.text
    assert doc.ocr_cells  # each table cell read with the engine's confidence


def test_a_tiff_of_several_pages_is_read_page_by_page(hongze) -> None:
    first, *rest = _pages(2)
    out = io.BytesIO()
    first.save(out, "TIFF", save_all=True, append_images=rest, dpi=(150, 150))
    doc = extract(Source("scan.tif", "scan.tif", out.getvalue(), "0" * 64))
    assert (doc.form, doc.ocr_pages) == ("image", 2)
    # section 二's table, on page 2, read as in the scanned PDF
    assert "| 行政许可 | 9487 |" in doc.text


def test_a_build_of_a_scan_reads_it_and_the_site_says_so(tmp_path) -> None:
    """``ogi build`` of a folder with the scan (in worker processes, as a user runs it): the
    reports row says it was read by OCR, and the report's page on the site says so too."""
    import asyncio
    import csv
    import os
    import subprocess
    import sys

    from ogi.serve.app import make_datasette

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "hongze_2024_gen3_scan.pdf").write_bytes(scan(HONGZE.read_bytes(), SEED))
    out = tmp_path / "out"
    ogi = Path(sys.executable).with_name("ogi")
    env = {**os.environ, "OGI_OCR_CACHE": str(CACHE / "pages")}
    done = subprocess.run(
        [str(ogi), "build", str(raw), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    with open(out / "data" / "reports.csv", encoding="utf-8", newline="") as f:
        (row,) = list(csv.DictReader(f))
    assert (row["form"], row["ocr_pages"], row["ocr_engine"]) == ("pdf-ocr", "5", ocr.engine_id())

    async def page() -> str:
        ds = make_datasette(out)
        await ds.invoke_startup()
        return (await ds.client.get(f"/-/report/{row['report_id']}")).text

    html = asyncio.run(page())
    assert "Read by OCR" in html and ocr.engine_id() in html


def test_the_engine_never_reaches_the_network(monkeypatch, tmp_path) -> None:
    """The models are the files inside the installed rapidocr package: with every connection
    refused, the engine starts and reads (with an empty page cache)."""
    import socket

    import numpy as np
    from PIL import Image, ImageDraw, ImageFont

    from ogi.synth.render import FONT_FILE

    def refuse(*_: Any, **__: Any) -> Any:
        raise AssertionError("the OCR engine tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setenv("OGI_OCR_CACHE", str(tmp_path))
    ocr._engine.cache_clear()
    image = Image.new("L", (600, 120), 255)
    ImageDraw.Draw(image).text(
        (20, 30), "政府信息公开 2024", fill=0, font=ImageFont.truetype(str(FONT_FILE), 40)
    )
    assert "".join(g.text for g in ocr.read_page(np.asarray(image))) == "政府信息公开2024"
    assert list(tmp_path.glob("*/*.json"))  # and the page is cached


def _joined(parts: list[tuple[bytes, list[int]]], blank: bool = False) -> bytes:
    """A PDF of the given pages of the given PDFs (and a blank page at the end)."""
    out = pypdfium2.PdfDocument.new()
    for data, pages in parts:
        src = pypdfium2.PdfDocument(data)
        out.import_pages(src, pages)
    if blank:
        out.new_page(595, 842)
    buf = io.BytesIO()
    out.save(buf)
    return buf.getvalue()


def test_a_pdf_mixing_text_and_scanned_pages_is_read_page_by_page(hongze) -> None:
    text = HONGZE.read_bytes()
    mixed = read(_joined([(text, [0, 1, 2]), (scan(text, SEED), [3, 4])]), "mixed.pdf")
    assert (mixed.report["form"], mixed.report["ocr_pages"]) == ("pdf-ocr", 2)
    want, got = cells(hongze[0]), cells(mixed)
    assert {k: c["value"] for k, c in got.items() if c["value"] is not None} == {
        k: want[k]["value"] for k, c in got.items() if c["value"] is not None
    }
    # the tables of section 四, on the scanned page 4, are read
    assert got[("g3.s4.reconsideration", "total")]["value"] == 2


def test_a_blank_page_is_not_read_by_ocr() -> None:
    parsed = read(_joined([(HONGZE.read_bytes(), [0, 1, 2, 3, 4])], blank=True), "blank.pdf")
    assert (parsed.report["form"], parsed.report["ocr_pages"], parsed.report["ocr_engine"]) == (
        "pdf",
        None,
        None,
    )


def test_a_build_with_scans_shows_a_bar_of_pages(tmp_path) -> None:
    """On a terminal, ``ogi build`` of a scan draws a bar of the pages read by OCR."""
    from test_scale import _run_on_a_terminal

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "scan.pdf").write_bytes(scan(HONGZE.read_bytes(), SEED))
    code, drawn = _run_on_a_terminal(["build", str(raw), "--out", str(tmp_path / "out")])
    assert code == 0
    text = drawn.decode("utf-8", errors="replace")
    assert "reading scanned pages (OCR)" in text and "s/page" in text


def test_a_failing_check_of_a_scan_says_it_was_read_by_ocr(hongze) -> None:
    """The report's prose says 17 requests received where its table says 95 (its truth notes
    say so): the scan's check fails, and says the scan was read by OCR. (The text layer frames
    the prose in a table, so its check does not see that sentence.)"""
    text, _, checks = hongze
    failing = [c for c in checks if c["status"] == "fail"]
    assert {(c["check"], c["subject"]) for c in failing} == {
        ("prose_vs_table", "g3.s3.received@total")
    }
    assert {(c["check"], c["subject"]) for c in run_checks(text) if c["status"] == "fail"} <= {
        (c["check"], c["subject"]) for c in failing
    }
    assert failing and all(
        c["message"].endswith(f"(read by OCR, {ocr.engine_id()}: a cell may be misread)")
        for c in failing
    )
