"""Parse: a decoded report → plain records for every resource of the package.

``parse(document)`` returns a :class:`Parsed` holding the report row and the rows of
``sections``, ``statistics``, ``figures`` and ``citations``. Checks and the summary are
computed from it by ``ogi.check`` and ``ogi.summarise``.
"""

from __future__ import annotations

import bisect
import datetime
from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError
from ..extract import Document
from . import (
    citations,
    cues,
    figures,
    g1_columns,
    g1n_columns,
    metadata,
    national_stream,
    ordered,
    outline,
    stream,
    tables,
    template,
    years,
)
from .issuers import issuer_columns, issuer_note
from .lines import (
    LineNumbers,
    Sentences,
    Spans,
    TooMany,
    chrome_spans,
    count_numbers,
    fold_text,
    split_lines,
)


@dataclass
class Parsed:
    """One parsed report, as plain records keyed like the package's resources."""

    report: dict[str, Any]
    sections: list[dict[str, Any]] = field(default_factory=list)
    statistics: list[dict[str, Any]] = field(default_factory=list)
    figures: list[dict[str, Any]] = field(default_factory=list)
    citations: list[dict[str, Any]] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)  # checks made while reading tables
    text: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The records by resource name (what ``ogi parse`` prints)."""
        return {
            "report": self.report,
            "sections": self.sections,
            "statistics": self.statistics,
            "figures": self.figures,
            "citations": self.citations,
        }


def parse(doc: Document, neighbours: years.Neighbours | None = None) -> Parsed:
    """Parse a decoded report completely. A text holding more numbers, citations or section
    numbers than a report holds (``limits`` in ``formats/layout.yml``) is refused with an
    InputError. ``neighbours``: what the same body's neighbouring years in the batch say of
    the report's generation-1 rows left ambiguous (:mod:`ogi.parse.years`; the build gives
    them)."""
    try:
        return _parse(doc, neighbours)
    except TooMany as e:
        raise InputError(
            doc.source.path,
            f"looks like not a report: it holds {e}, far more than a report holds",
            "check that the file is one annual report (not a dump, not pages run together); "
            "remove it from the inputs",
        ) from None


def _parse(doc: Document, neighbours: years.Neighbours | None = None) -> Parsed:
    src, text = doc.source, doc.text
    rid = src.report_id
    count_numbers(text, doc.body_start)
    body = text[doc.body_start :]
    found = tables.read_tables(text, rid, doc.body_start)
    notes: list[dict[str, Any]] = [c for t in found for c in t.checks]
    streamed = False  # the table was read from a flattened stream (it may be read again)
    if not found:
        found, notes = stream.read_stream_tables(text, rid, doc.body_start)
        streamed = bool(found)
    if not found:
        found, notes = national_stream.read_national_stream(text, rid, doc.body_start)
    if not found:  # printed column by column (plain pdftotext)
        found, notes = g1_columns.read_g1_columns(text, rid, doc.body_start)
    if not found:
        found, notes = g1n_columns.read_g1n_columns(text, rid, doc.body_start)
    generation = 1 if found else template.detect_generation(fold_text(body))
    if generation is None:  # section 二's header words not printed: the wording and year tell
        early = metadata.year_of(metadata.title_of(text, doc.header, doc.body_start), [], body)
        guess = metadata.generation_of(body, early) if early is not None else 1
        generation = guess if guess in (2, 3) else None
    if generation in (2, 3):
        found, notes = template.read_template_tables(text, rid, generation, doc.body_start)
    read = len(notes)  # the checks made while reading the tables, after the file's own
    notes = [*doc.notes, *notes]  # what reading the file found (NUL bytes left out)
    blocks = [
        (b[0].start, b[-1].end) for b in tables.pipe_blocks(split_lines(text, doc.body_start))
    ] + [(t.start, t.end) for t in found]
    sections = outline.outline(text, rid, doc.body_start, blocks)
    if not sections:  # nothing of the outline found: the text is kept whole, and said so
        sections, unread = outline.whole(text, rid, doc.body_start)
        notes.append(unread)

    title = metadata.title_of(text, doc.header, doc.body_start)
    year = metadata.year_of(title, found, body)
    if year is None:
        raise InputError(
            src.path,
            "names no report year (no 2016年度 in a title, table header or text)",
            "check that it is an annual report; add the year to its title line",
        )
    who, issuer_source = metadata.issuer_of(title, doc.header, body, src.provenance, year)
    if generation is None:
        generation = metadata.generation_of(body, year)
    printed_date = doc.header.get("published") or src.provenance.get("published")
    if _date_like(printed_date) and _date(printed_date) is None:
        notes.append(_no_such_date(str(printed_date)))
    report = {
        "report_id": rid,
        "source_file": src.name,
        "sha256": src.sha256,
        "bytes": len(src.data),
        "encoding": doc.encoding,
        "form": doc.form,
        "ocr_engine": doc.ocr_engine,
        "ocr_pages": doc.ocr_pages,
        "title": title,
        **issuer_columns(who, issuer_source),
        "year": year,
        "generation": generation,
        "table_family": found[0].family if found else None,
        "published": _date(printed_date),
        "url": doc.header.get("url") or src.provenance.get("url"),
        "chars": len(text),
    }

    # Spans that are not prose: tables, section markers, and (for figures) citations.
    markers = [(s["start"], s["start"] + len(s["marker"])) for s in sections if s["marker"]]
    chrome = chrome_spans(text, doc.body_start)
    cites = citations.find_citations(text, doc.body_start, len(text))
    not_prose = Spans(blocks + chrome)
    cites = [c for c in cites if not not_prose.contains(c["start"])]
    cite_spans = [(c["start"], c["end"]) for c in cites]
    figs = figures.find_figures(
        text, doc.body_start, len(text), blocks + markers + chrome + cite_spans, notes
    )

    locate = _section_locator(sections)
    sentences = Sentences(text)
    for no, fig in enumerate(figs, start=1):
        s, e = sentences.at(fig["start"])
        fig.update(
            report_id=rid,
            figure_no=no,
            section_id=locate(fig["start"]),
            indicator=None,
            column=None,
            measure=None,
            sentence=text[s:e].strip(),
        )
    present = {c["indicator"] for t in found for c in t.cells if c["indicator"]}
    cues.link_figures(text, figs, present, generation)
    evidence = _prose_evidence(figs)
    ordered.settle_by_prose(found, notes, evidence)
    if (
        streamed
        and (evidence or neighbours)
        and any(c["value_status"] == "ambiguous" for t in found for c in t.cells)
    ):
        # the prose (or the neighbouring years) name values of cells whose digits split
        # several ways: read again with them
        found, again = stream.read_stream_tables(text, rid, doc.body_start, evidence, neighbours)
        first = len(doc.notes)
        notes = [*notes[:first], *again, *notes[first + read :]]
    for no, cite in enumerate(cites, start=1):
        s, e = sentences.at(cite["start"])
        cite.update(
            report_id=rid,
            citation_no=no,
            section_id=locate(cite["start"]),
            sentence=text[s:e].strip(),
        )

    if (note := issuer_note(who)) is not None:
        notes.append(note)
    statistics = [cell for t in found for cell in t.cells]
    notes += _fractional_counts(statistics)
    for cell in statistics:  # how the value was settled (a review may settle more: .review)
        by = cell.get("settled_by") or _SETTLED.get(cell["value_status"])
        cell["settled_by"] = by if cell["value"] is not None else None
    if any(c["line"] is None for c in statistics):
        numbers = LineNumbers(text)
        for cell in statistics:
            if cell["line"] is None:
                cell["line"] = numbers.at(cell["start"])
    return Parsed(
        report=report,
        sections=sections,
        statistics=statistics,
        figures=figs,
        citations=cites,
        notes=[{"report_id": rid, **n} for n in notes],
        text=text,
    )


# How a value was settled, by its status, where the reader did not say otherwise: as printed,
# or (a run of digits split) by the table's own arithmetic.
_SETTLED = {"printed": "printed", "inferred": "identity"}


# units of a count: a value with a fraction in such a row is no count (a speck read as a
# decimal point by OCR, 53 → 5.3): left empty
_COUNT_UNITS = {"件", "条", "次", "个", "人", "篇", "项", "份", "期", "场", "家", "户", "人次"}


def _fractional_counts(statistics: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Cells of a count (their unit says so) whose value has a fraction: left empty
    (ambiguous), each with a ``count_fraction`` check saying what was printed."""
    out = []
    for cell in statistics:
        value = cell["value"]
        if isinstance(value, float) and not value.is_integer() and cell.get("unit") in _COUNT_UNITS:
            cell.update(value=None, value_status="ambiguous", settled_by=None)
            out.append(
                {
                    "check": "count_fraction",
                    "subject": f"{cell['indicator'] or cell['label']}@{cell['column']}",
                    "status": "ambiguous",
                    "severity": "warning",
                    "expected": None,
                    "observed": None,
                    "message": f"{cell['label']} ({cell.get('column_label')}) is printed as "
                    f"“{cell['value_text']}”, a fraction of a count in {cell.get('unit')}: the "
                    "cell is left empty.",
                    "start": cell["start"],
                }
            )
    return out


def _prose_evidence(figs: list[dict[str, Any]]) -> stream.Evidence:
    """What the prose states of table cells: (indicator, column) → the values stated (exact
    figures only, not 约 / 余 / 以上)."""
    out: stream.Evidence = {}
    for f in figs:
        if (
            f.get("indicator")
            and f.get("column")
            and not f.get("approx")
            and f["value"] is not None
        ):
            out.setdefault((f["indicator"], f["column"]), set()).add(f["value"])
    return out


def _section_locator(sections: list[dict[str, Any]]) -> Any:
    starts = [s["start"] for s in sections]

    def locate(pos: int) -> str | None:
        i = bisect.bisect_right(starts, pos) - 1
        return sections[max(i, 0)]["section_id"] if sections else None

    return locate


def _date_like(value: str | None) -> bool:
    """True for a header value printed as a date (2020-01-20, perhaps with a time after)."""
    head = (value or "").strip()[:10]
    return len(head) == 10 and head[4] == "-" and head[7] == "-"


def _date(value: str | None) -> str | None:
    """ISO date from a header value such as '2020-01-20 15:22'; None when there is none, or
    when the date printed does not exist (2024-02-30).

    >>> _date("2020-01-20 15:22"), _date("2024-02-30"), _date("2024-02-29")
    ('2020-01-20', None, '2024-02-29')
    """
    if not _date_like(value):
        return None
    head = (value or "").strip()[:10]
    try:
        return datetime.date.fromisoformat(head).isoformat()
    except ValueError:
        return None


def _no_such_date(printed: str) -> dict[str, Any]:
    """The check row for a publication date printed in the header that does not exist."""
    return {
        "check": "published_date",
        "subject": "published",
        "status": "fail",
        "severity": "warning",
        "expected": None,
        "observed": None,
        "message": (
            f"The publication date printed in the header, “{printed.strip()[:40]}”, is not a "
            "date that exists; the report's published date is left empty."
        ),
        "start": None,
    }
