"""The zoo: generated reports written as office documents and passed through the world's
converters (:mod:`ogi.synth.convert`, :mod:`ogi.synth.scan`), each output a *form* of the
report with the same truth; every form parsed and judged cell by cell against the truth.

A cell is *exact* (the truth's value), *flagged* (no value: ambiguous, blank or not found —
the reader says it does not know) or *wrong* (a value other than the truth's, or a value
where the truth has none). Where a crawler ran a row's digits together, the truth itself
leaves empty the cells the arithmetic cannot settle (:mod:`ogi.synth.truth`); *knowable*
cells are those whose truth is a value. The converted files are cached by the document's hash under the
cache folder, so a second run only parses.
"""

from __future__ import annotations

import hashlib
import random
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from . import _place, gen1, gen23
from .model import Doc
from .truth import Value

FORMS = (
    "pdf",
    "html",
    "pdftotext",
    "pdftotext_layout",
    "markitdown_pdf",
    "markitdown_html",
    "crawler",
    "scan",
)
TEXT_LAYER = FORMS[:-1]
SUFFIX = {
    "pdf": ".pdf",
    "html": ".html",
    "pdftotext": ".txt",
    "pdftotext_layout": ".txt",
    "markitdown_pdf": ".md",
    "markitdown_html": ".md",
    "crawler": ".txt",
    "scan": ".pdf",
}
SCAN_DPI = 150  # the resolution OCR reads scans at (ogi.synth.scan's default)
FAMILIES = ("gen1", "gen1_national", "gen2", "gen3")
# faults a page whose cells run together cannot carry (see ogi.synth._NOT_IN_NONE): such a
# report is not turned into a crawler page
_NOT_ON_ONE_LINE = {
    "blank_cells",
    "cumulative_below_year",
    "channels_do_not_add_up",
    "subrow_exceeds_parent",
}

Truth = dict[tuple[str, str], Value | None]


@dataclass
class ZooReport:
    """A generated report, its truth when its cells are apart, and its truth once a crawler
    ran them together (None: the report is not made a crawler page)."""

    name: str
    family: str
    generation: int
    issuer: str
    year: int
    doc: Doc
    truth: Truth
    truth_one_line: Truth | None
    fault: str | None


def reports(n: int, seed: int = 0, fault_rate: float = 0.3) -> list[ZooReport]:
    """``n`` reports cycling through the four families; a share carry one fault."""
    return [report(i, seed, fault_rate) for i in range(n)]


def report(i: int, seed: int = 0, fault_rate: float = 0.3) -> ZooReport:
    """The zoo's report number ``i`` for ``seed`` (each report has a generator of its own,
    so it is the same whether or not the ones before it are made)."""
    rng = random.Random(f"zoo:{seed}:{i}")
    family = FAMILIES[i % len(FAMILIES)]
    city, county = _place(rng)
    issuer = f"{city}{county}人民政府"
    pool = (
        gen1.FAULTS
        if family == "gen1"
        else gen1.NATIONAL_FAULTS
        if family == "gen1_national"
        else gen23.FAULTS
    )
    fault = rng.choice(pool) if rng.random() < fault_rate else None
    state = rng.getstate()
    one_line: Truth | None = None
    if family == "gen1_national":
        gen, year = 1, rng.randint(2014, 2018)
        doc, truth, _ = gen1.national_doc(rng, f"{city}{county}", fault, year)
        one_line = truth  # one value a row, the unit between label and value
    elif family == "gen1":
        gen, year = 1, rng.randint(2009, 2018)
        state = rng.getstate()
        doc, truth, _ = gen1.gen1_doc(rng, f"{city}{county}", fault, "cell_lines", year)
        rng.setstate(state)
        one_line = gen1.gen1_doc(rng, f"{city}{county}", fault, "none", year)[1]
    else:
        gen = int(family[-1])
        year = rng.choice([2019, 2020]) if gen == 2 else rng.randint(2021, 2025)
        state = rng.getstate()
        doc, truth, _ = gen23.gen23_doc(rng, gen, issuer, "我区", year, fault, "cell_lines")
        rng.setstate(state)
        one_line = gen23.gen23_doc(rng, gen, issuer, "我区", year, fault, "none")[1]
    if fault in _NOT_ON_ONE_LINE:
        one_line = None
    return ZooReport(f"zoo_{i:05d}", family, gen, issuer, year, doc, truth, one_line, fault)


def build_forms(
    items: list[ZooReport], cache: Path, forms: tuple[str, ...] = FORMS, workers: int = 1
) -> dict[str, dict[str, Path]]:
    """Every report through the converters of ``forms`` (LibreOffice's PDF and HTML always:
    the others are made from them): report name → form → file (cached). ``workers``
    processes convert at once; the files do not depend on how many."""
    from . import convert
    from .docx import to_docx

    cache.mkdir(parents=True, exist_ok=True)
    docx_dir, lo_pdf, lo_html = cache / "docx", cache / "pdf", cache / "html"
    docx_dir.mkdir(exist_ok=True)
    keys: dict[str, str] = {}
    for item in items:
        data = to_docx(item.doc)
        key = hashlib.sha256(data).hexdigest()[:20]
        keys[item.name] = key
        path = docx_dir / f"{key}.docx"
        if not path.exists():
            path.write_bytes(data)
    for fmt, outdir in (("pdf", lo_pdf), ("html", lo_html)):
        todo = sorted(
            {docx_dir / f"{k}.docx" for k in keys.values() if not (outdir / f"{k}.{fmt}").exists()}
        )
        parts = [todo[i::workers] for i in range(workers) if todo[i::workers]]
        profiles = [cache / f"lo-profile{i or ''}" for i in range(len(parts))]
        with ThreadPoolExecutor(max(1, len(parts))) as pool:  # a LibreOffice, a profile each
            list(
                pool.map(
                    convert.soffice, parts, [fmt] * len(parts), [outdir] * len(parts), profiles
                )
            )
    out: dict[str, dict[str, Path]] = {}
    jobs: list[tuple[str, Path, Path, dict[str, str], int, Path]] = []
    for item in items:
        key = keys[item.name]
        pdf, page = lo_pdf / f"{key}.pdf", lo_html / f"{key}.html"
        out[item.name] = {"pdf": pdf, "html": page}
        for form in FORMS[2:]:
            if form not in forms or (form == "crawler" and item.truth_one_line is None):
                continue
            path = cache / form / f"{key}{SUFFIX[form]}"
            if not path.exists():
                path.parent.mkdir(exist_ok=True)
                jobs.append((form, pdf, page, _meta(item), int(key[:8], 16), path))
            out[item.name][form] = path
    _pool_map(_convert_to, jobs, workers)
    return out


def _pool_map(fn: Any, args: list[Any], workers: int) -> list[Any]:
    """``fn`` over ``args`` in order, in ``workers`` processes (in this one if 1)."""
    if workers <= 1 or len(args) <= 1:
        return [fn(a) for a in args]
    with ProcessPoolExecutor(workers) as pool:
        return list(pool.map(fn, args, chunksize=4))


def _convert_to(job: tuple[str, Path, Path, dict[str, str], int, Path]) -> None:
    """Write one form of a report (written whole: a killed run leaves no half file)."""
    form, pdf, page, meta, seed, path = job
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(_convert(form, pdf, page, meta, seed))
    tmp.replace(path)


def _convert(form: str, pdf: Path, page: Path, meta: dict[str, str], seed: int) -> bytes:
    """One form of a report from its LibreOffice PDF and HTML."""
    from . import convert
    from .scan import scan_pdf

    if form in ("pdftotext", "pdftotext_layout"):
        return convert.pdftotext(pdf, layout=form == "pdftotext_layout")
    if form in ("markitdown_pdf", "markitdown_html"):
        return convert.markitdown(pdf if form == "markitdown_pdf" else page)
    if form == "crawler":
        return convert.crawler_page(page.read_bytes(), meta)
    assert form == "scan"
    return scan_pdf(pdf.read_bytes(), seed, dpi=SCAN_DPI)


def _meta(item: ZooReport) -> dict[str, str]:
    digest = hashlib.sha256(item.name.encode()).hexdigest()[:8]
    return {
        "title": item.doc.title or "",
        "published": f"{item.year + 1}-02-{1 + int(digest[:2], 16) % 27:02d} 09:30",
        "issuer": item.issuer,
        "url": f"https://www.example.gov.cn/zwgk/zfxxgknb/{item.year + 1}/t{digest}.htm",
    }


@dataclass
class Tally:
    """What became of one form's reports."""

    reports: int = 0
    rejected: int = 0
    rejected_as_scan: int = 0
    cells: int = 0
    knowable: int = 0  # cells whose truth is a value (not left empty by the truth itself)
    exact: int = 0
    ambiguous: int = 0
    blank: int = 0
    not_found: int = 0
    wrong: int = 0
    key_figures: int = 0
    key_exact: int = 0
    parse_ms: float = 0.0
    wrong_cells: list[tuple[str, str, str, Any, Any]] = field(default_factory=list)

    @property
    def flagged(self) -> int:
        return self.ambiguous + self.blank + self.not_found

    def add(self, other: Tally) -> None:
        """Count ``other``'s reports in too (its wrong cells after these)."""
        for f in fields(self):
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            setattr(self, f.name, mine + theirs)


def key_figures(item: ZooReport) -> dict[str, tuple[str, str]]:
    """The summary's figures a report must get right: field → the truth's cell."""
    if item.family == "gen1_national":
        return {"requests_received": ("g1n.requests_received", "value")}
    if item.family == "gen1":
        return {"requests_received": ("g1.requests_received", "year")}
    g = f"g{item.generation}"
    return {
        "requests_received": (f"{g}.s3.received", "total"),
        "requests_carried_over": (f"{g}.s3.carried_over", "total"),
    }


def judge(item: ZooReport, form: str, path: Path, tally: Tally) -> None:
    """Parse one form of a report and count its cells into ``tally``."""
    from ..build import parse_file
    from ..errors import InputError
    from ..summarise import summarise

    truth = item.truth_one_line if form == "crawler" else item.truth
    assert truth is not None
    tally.reports += 1
    tally.cells += len(truth)
    tally.knowable += sum(v is not None for v in truth.values())
    start = time.perf_counter()
    try:
        _, parsed = parse_file(path)
    except InputError as e:
        tally.parse_ms += (time.perf_counter() - start) * 1000
        tally.rejected += 1
        tally.rejected_as_scan += "scanned" in e.problem
        tally.not_found += len(truth)
        tally.key_figures += sum(truth.get(c) is not None for c in key_figures(item).values())
        return
    tally.parse_ms += (time.perf_counter() - start) * 1000
    got = {(c["indicator"], c["column"]): c for c in parsed.statistics}
    for key, want in truth.items():
        cell = got.get(key)
        value = cell["value"] if cell else None
        if value is None:
            if cell is None:
                tally.not_found += 1
            elif cell["value_status"] == "blank":
                tally.blank += 1
            else:
                tally.ambiguous += 1
        elif want is not None and abs(value - want) < 1e-9:
            tally.exact += 1
        else:
            tally.wrong += 1
            tally.wrong_cells.append((item.name, key[0], key[1], value, want))
    for key, cell in got.items():  # a value the report does not have (a row not recognised
        # is kept with no indicator, by design: not a value of any known cell)
        if key not in truth and key[0] is not None and cell["value"] is not None:
            tally.cells += 1
            tally.wrong += 1
            tally.wrong_cells.append((item.name, key[0], key[1], cell["value"], None))
    row = summarise(parsed)
    for name, cell_key in key_figures(item).items():
        want = truth.get(cell_key)
        if want is not None:
            tally.key_figures += 1
            tally.key_exact += row.get(name) == want


def run(
    n: int, seed: int, cache: Path, forms: tuple[str, ...] = FORMS, workers: int = 1
) -> dict[str, Tally]:
    """Build, convert, parse and judge ``n`` reports: form → its tally (of ``forms`` only),
    in ``workers`` processes; the tallies do not depend on how many (but parse ms)."""
    items = reports(n, seed)
    files = build_forms(items, cache / f"seed{seed}", forms, workers)
    jobs = [
        (item, form, path)
        for item in items
        for form, path in files[item.name].items()
        if form in forms
    ]
    tallies = {form: Tally() for form in forms}
    for (_, form, _), one in zip(jobs, _pool_map(_judge_one, jobs, workers), strict=True):
        tallies[form].add(one)
    return tallies


def _judge_one(job: tuple[ZooReport, str, Path]) -> Tally:
    item, form, path = job
    tally = Tally()
    judge(item, form, path, tally)
    return tally


def table(tallies: dict[str, Tally]) -> str:
    """The zoo's table, one line a form (shares of the cells)."""
    head = (
        "| form | reports | rejected | cells | exact | knowable read exactly"
        " | flagged (ambiguous / blank / not found) | wrong | key figures exact | parse ms/report |"
    )
    lines = [head, "|---|---:|---:|---:|---:|---:|---|---:|---:|---:|"]
    for form, t in tallies.items():
        if not t.reports:
            continue
        scans = t.rejected and t.rejected == t.rejected_as_scan
        rejected = f"{t.rejected}" + (" (scans)" if scans else "")
        lines.append(
            f"| {form} | {t.reports} | {rejected} | {t.cells} | {t.exact} ({_share(t.exact, t)}) "
            f"| {_share(t.exact, t, t.knowable)} "
            f"| {t.flagged} ({_share(t.flagged, t)}: {t.ambiguous} / {t.blank} / {t.not_found}) "
            f"| {t.wrong} | {t.key_exact}/{t.key_figures} | {t.parse_ms / t.reports:.0f} |"
        )
    return "\n".join(lines)


def _share(k: int, t: Tally, of: int | None = None) -> str:
    whole = t.cells if of is None else of
    return f"{100 * k / whole:.2f} %" if whole else "–"
