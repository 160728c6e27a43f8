"""Synthetic OGI reports with ground truth, for tests and benchmarks.

Realistic reports of all three generations with random but consistent numbers, printed in
every flattening scraped reports come in (:data:`FORMS`), some with one injected fault
(sub-rows that do not add up, prose that disagrees, blank cells, a wrong total). Each
:class:`Synthetic` carries what a correct parse must find: every cell's value (None where
the cell must stay empty: printed blank, or digits run together that the arithmetic cannot
split in one way only) and the checks that must fail. Deterministic for a given seed.

>>> reports = corpus(6, seed=1)
>>> sorted({r.generation for r in reports}), reports[0].name
([1, 2, 3], 'synthetic_00000.txt')
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from .. import formats
from . import gen1, gen23
from .model import TEXT_FORMS, render_crawled, render_text
from .office import to_office_pdf, to_word_html
from .render import to_html, to_pdf
from .truth import Value

FORMS = (
    *TEXT_FORMS,
    "html",
    "html_gbk",
    "pdf",
    "crawled",
    "converted",
    "html_word",  # saved from Word: merged cells as the national template, spans, <o:p>, GBK
    "pdf_office",  # written by WPS/Word: vertical labels, broken headers, typos, page numbers
)
FLAT = ("none", "crawled")  # forms whose tables are flattened with no separator at all
SUFFIX = {
    "html": ".html",
    "html_gbk": ".html",
    "pdf": ".pdf",
    "html_word": ".html",
    "pdf_office": ".pdf",
}
NATIONAL_FORMS = ("cell_lines", "markdown", "html", "html_gbk", "pdf", "html_word", "pdf_office")
GENERATIONS = (1, 2, 3)
# Faults a page flattened without separators cannot carry: a blank cell vanishes, and a row
# that breaks its own arithmetic (a cumulative value below the year's) leaves a run of
# digits the reader splits by that very arithmetic — into other numbers than were meant.
_NOT_IN_NONE = {
    "blank_cells",
    "cumulative_below_year",
    "channels_do_not_add_up",
    "subrow_exceeds_parent",
}


@dataclass
class Synthetic:
    """A generated report and what a correct parse must find in it."""

    name: str
    generation: int
    form: str
    issuer: str
    year: int
    text: str
    data: bytes
    truth: dict[tuple[str, str], Value | None] = field(default_factory=dict)
    fault: str | None = None
    must_fail: set[tuple[str, str]] = field(default_factory=set)  # (check, subject)
    # every value its provincial generation-1 table prints, whether a reader can know it or not
    printed: dict[tuple[str, str], int] = field(default_factory=dict)


def _place(rng: random.Random) -> tuple[str, str]:
    codes = formats.adcodes()
    county = rng.choice(
        sorted(
            c for c in codes if c[4:] != "00" and codes[c].endswith("区") and c[:4] + "00" in codes
        )
    )
    return codes[county[:4] + "00"], codes[county]


def _cells_of(check: str, subject: str, gen: int, printed: set[str]) -> list[tuple[str, str]]:
    """The cells a failing check is about (to tell whether the reader can know them);
    ``printed``: the indicators the report prints."""
    g = f"g{gen}"
    if check == "g1.received_sum":
        return [(c, subject) for c in ("g1.requests_received", *gen1.SUMS[0][1])]
    if check == "g1.subrow_le_parent":
        code, col = subject.split("@")
        parent = str(next(i.get("parent") for i in formats.indicators() if i["code"] == code))
        return [(code, col), (parent, col)]
    if check == "g1.cumulative_ge_year":
        return [(subject, "year"), (subject, "cumulative")]
    if check == "prose_vs_table":
        code, col = subject.split("@")
        return [(code, col)]
    if check == "g23.s3_results_sum":
        rows = [
            r["code"]
            for r in formats.gen23()["tables"]["s3"]["rows"]
            if gen in r.get("generations", [2, 3]) and (r.get("result") or r["code"] == "total")
        ]
        for stand_in in formats.stand_ins(gen):  # printed in place of its sub-rows
            if f"{g}.s3.{stand_in['code']}" in printed:
                group = stand_in["code"]
                rows = [r for r in rows if not r.startswith(group + ".")] + [group]
        return [(f"{g}.s3.{r}", subject) for r in rows]
    if check == "g23.s4_block_total":
        return [(subject, c["key"]) for c in formats.gen23()["tables"]["s4"]["columns"]]
    return []


def report(
    rng: random.Random,
    generation: int,
    form: str,
    fault: str | None,
    name: str,
    national: bool = False,
    body: tuple[str, str] | None = None,
    year: int | None = None,
    before: dict[str, int] | None = None,
) -> Synthetic:
    """One synthetic report of a generation, printed in a form, with an optional fault
    (``national``: a generation-1 report with the national-style table). ``body`` (city,
    county), ``year`` and ``before`` (the body's 历年累计 of the year before): a report of a
    series (:func:`series`)."""
    city, county = body or _place(rng)
    # a crawled page holds the none flattening; a converter's rendering prints every cell apart
    layout = {"crawled": "none", "converted": "markdown"}.get(form, form)
    if form in ("html_word", "pdf_office"):
        layout = form.split("_")[0]
    if generation == 1 and national:
        year = rng.randint(2014, 2018)
        doc, truth, must_fail = gen1.national_doc(rng, f"{city}{county}", fault, year)
        issuer = f"{city}{county}人民政府"
    elif generation == 1:
        year = year or rng.randint(2009, 2018)
        doc, truth, must_fail = gen1.gen1_doc(rng, f"{city}{county}", fault, layout, year, before)
        issuer = f"{city}{county}人民政府"
    else:
        year = rng.choice([2019, 2020]) if generation == 2 else rng.randint(2021, 2025)
        issuer = f"{city}{county}人民政府"
        doc, truth, must_fail = gen23.gen23_doc(
            rng, generation, issuer, "我区", year, fault, layout
        )
    # a check about cells the reader cannot know is not assessable, not failing
    printed = {code for code, _ in truth}
    must_fail = {
        m
        for m in must_fail
        if all(truth.get(c) is not None for c in _cells_of(*m, generation, printed))
    }
    if form == "html":
        data = to_html(doc, "utf-8")
    elif form == "html_gbk":
        data = to_html(doc, "gbk")
    elif form == "pdf":
        data = to_pdf(doc)
    elif form == "html_word":
        data = to_word_html(doc, "gbk")
    elif form == "pdf_office":
        data = to_office_pdf(doc)
    elif form == "crawled":
        title = doc.title or f"{issuer}{year}年政府信息公开工作年度报告"
        published = (
            f"{year + 1}-01-{rng.randint(10, 28)} {rng.randint(8, 18):02d}:{rng.randint(0, 59):02d}"
        )
        url = f"https://www.example.gov.cn/zwgk/nb/{year + 1}01/t{rng.randint(10**7, 10**8)}.htm"
        data = render_crawled(doc, title, issuer, published, url).encode("utf-8")
    else:
        data = render_text(doc, form).encode("utf-8")
    encoding = "gbk" if form in ("html_gbk", "html_word") else "utf-8"
    text = data.decode(encoding) if not form.startswith("pdf") else ""
    name = name.rsplit(".", 1)[0] + SUFFIX.get(form, ".txt")
    syn = Synthetic(name, generation, form, issuer, year, text, data, truth, fault, must_fail)
    if generation == 1 and not national:
        syn.printed = gen1.printed_values(doc)
    return syn


def series(seed: int, first: int, count: int, form: str = "crawled") -> list[Synthetic]:
    """``count`` generation-1 reports of one body for consecutive years from ``first``, each
    year's 历年累计 carrying on the year before's (what a batch of one body's reports holds).
    Each report's ``truth`` is what a reader of it alone can know; ``printed`` every value."""
    rng = random.Random(seed)
    body = _place(rng)
    out: list[Synthetic] = []
    before: dict[str, int] | None = None
    for i in range(count):
        syn = report(
            rng, 1, form, None, f"series_{i:02d}.txt", body=body, year=first + i, before=before
        )
        before = {code: v for (code, col), v in syn.printed.items() if col == "cumulative"}
        out.append(syn)
    return out


def corpus(
    n: int,
    seed: int = 0,
    fault_rate: float = 0.4,
    forms: tuple[str, ...] = FORMS,
    generations: tuple[int, ...] = GENERATIONS,
) -> list[Synthetic]:
    """``n`` reports cycling through generations and forms; a share carry one fault."""
    rng = random.Random(seed)
    out = []
    combos = [(g, f) for f in forms for g in generations]  # generations cycle fastest
    for i in range(n):
        gen, form = combos[i % len(combos)]
        # the national-style table comes in pipe rows, pages and PDFs (half of those reports)
        national = gen == 1 and form in NATIONAL_FORMS and rng.random() < 0.5
        pool = gen1.NATIONAL_FAULTS if national else gen1.FAULTS if gen == 1 else gen23.FAULTS
        faults = [f for f in pool if not (form in FLAT and f in _NOT_IN_NONE)]
        fault = rng.choice(faults) if rng.random() < fault_rate else None
        out.append(report(rng, gen, form, fault, f"synthetic_{i:05d}.txt", national))
    return out
