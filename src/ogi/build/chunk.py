"""Chunk: a run of consecutive inputs, parsed together in one worker process.

A build cuts the inputs it has to parse into chunks and hands them to worker processes (both
cores); each worker writes three files into the build's scratch folder:

* ``chunk-NNNNN.csv``: the CSV rows of its reports, resource after resource, without headers —
  the package is these pieces copied one after the other;
* ``chunk-NNNNN.db``: the same rows with their types, and the sections' text already segmented
  for search — the loader copies them into the database with SQL, without a Python object per
  row;
* ``chunk-NNNNN.records``: for each report, one JSON line of what its manifest record holds
  besides its id and sizes — its ``sources`` entry, row counts, dates, the few numbers the
  cross-year rule compares (:func:`ogi.check.cross_year.carried`), its issuer, its years and
  sentences' hashes (below) — read back by
  the main process as it writes the manifest (:func:`ogi.build.plan.make_manifest`), so that
  it never holds them for all the reports at once;

and returns, for each input, its report's id, failing checks, year and byte sizes per
resource — or why the file was rejected. A report's record also holds what a generation-1
report gives its neighbouring years and asks of them (:func:`ogi.parse.years.record`), the
digest of the neighbours' values it was parsed with, and its sentences' hashes (for the
repeats resource). A task of the second pass (:mod:`ogi.build.years`) gives some of its
inputs their neighbours' values to parse with.

Each report is checked on its own before it is kept
(:func:`ogi.package.report_check.check_report`): its rows against the Table Schemas, its keys
within the report, and the domain rules. A report that fails is rejected as an internal
error, so that one parser bug costs one report, not the batch.

>>> chunk = parse_chunk(Task(0, [(0, "data/raw/000_6fcf304d54296c97.txt")], "/tmp"))  # doctest: +SKIP
>>> chunk.outcomes[0].sizes["statistics"] > 0  # doctest: +SKIP
True
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from array import array
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from .. import acquire, package
from ..check import misread, run_checks
from ..check.cross_year import carried
from ..errors import InputError, OgiError
from ..extract import extract
from ..package import schema
from ..package.issuers import issuer_record
from ..package.repeats import text_record
from ..package.report_check import check_report, compiled_tables
from ..parse import Parsed, parse, review, years
from ..store.tables import create_shard, insert_shard_rows
from ..summarise import summarise

INTERNAL = "please report this as a bug; the other files are built"


def parse_file(
    path: Path, neighbours: years.Neighbours | None = None
) -> tuple[acquire.Source, Parsed]:
    """Read, decode and parse one input file (raises InputError for bad input);
    ``neighbours``: what the same body's neighbouring years say (:mod:`ogi.parse.years`)."""
    source = acquire.read_source(path)
    return source, parse_source(source, neighbours)


def parse_source(source: acquire.Source, neighbours: years.Neighbours | None = None) -> Parsed:
    """Decode and parse one input; a table cell read by OCR keeps the engine's confidence,
    and one whose misreading would explain a failing identity is left empty and flagged
    (``check.misread``)."""
    doc = extract(source)
    parsed = parse(doc, neighbours)
    return misread.settle(misread.with_confidence(parsed, doc.ocr_cells), doc.ocr_cells)


@dataclass
class Task:
    """A chunk to parse: its number, its inputs (position in the build, path) and the folder
    its files go to."""

    index: int
    items: list[tuple[int, str]]
    scratch: str
    reviews: dict[int, list[review.Review]] = field(default_factory=dict)  # by position
    # the second pass (ogi.build.years): by position, the neighbouring years' values, their
    # digest, and the report's record of the first pass (kept: never made from neighbours)
    neighbours: dict[int, tuple[years.Neighbours | None, str | None, dict[str, Any]]] = field(
        default_factory=dict
    )


@dataclass(slots=True)
class Outcome:
    """What became of one input."""

    pos: int
    path: str
    report_id: str | None = None
    source: dict[str, Any] | None = None
    rows: dict[str, int] = field(default_factory=dict)
    sizes: Mapping[str, int] = field(default_factory=dict)  # packed (Sizes) once settled
    failing: int = 0
    dates: list[str] = field(default_factory=list)
    carried: dict[str, Any] | None = None  # what the cross-year rule needs of it
    years: dict[str, Any] | None = None  # what it gives its neighbouring years, and asks
    across: str | None = None  # digest of the neighbouring years' values it was parsed with
    body: dict[str, Any] | None = None  # its issuer, for the issuers resource
    year: int | None = None
    text: dict[str, Any] | None = None  # its sentences' hashes, for the repeats resource
    reject: tuple[str, str] | None = None  # (problem, remedy)
    review_error: str | None = None  # a review row that does not fit the report


class Sizes(Mapping[str, int]):
    """A report's bytes of CSV text in each resource (:data:`ogi.package.PER_REPORT`), packed:
    the build holds one a report to its end (a dict of the seven took 468 bytes, this 184).

    >>> sizes = Sizes({"statistics": 5120, "reports": 300})
    >>> sizes["statistics"], sizes.get("checks"), sizes.get("nothing", -1), len(sizes)
    (5120, 0, -1, 7)
    >>> dict(sizes) == {**dict.fromkeys(package.PER_REPORT, 0), "statistics": 5120, "reports": 300}
    True
    """

    __slots__ = ("_values",)
    _AT = {name: i for i, name in enumerate(package.PER_REPORT)}

    def __init__(self, sizes: Mapping[str, int]) -> None:
        self._values = array("q", (sizes.get(name, 0) for name in package.PER_REPORT))

    def __getitem__(self, name: str) -> int:
        return self._values[self._AT[name]]

    def __iter__(self) -> Iterator[str]:
        return iter(package.PER_REPORT)

    def __len__(self) -> int:
        return len(package.PER_REPORT)


@dataclass
class Chunk:
    """A parsed chunk: its outcomes, in input order, and its two files."""

    index: int
    outcomes: list[Outcome]
    csv: str
    db: str
    offsets: dict[str, tuple[int, int]]  # resource → (start, length) in the CSV file
    records: str = ""  # the reports' records (one JSON line each, by position)


WARM_UP = (
    "某区2019年政府信息公开工作年度报告\n一、总体情况\n2019年，本机关主动公开政府信息12条，"
    "收到政府信息公开申请3件，依据《中华人民共和国政府信息公开条例》（国务院令第711号）办理。\n"
)


def warm() -> None:
    """Load once what parsing needs — the format files, the compiled patterns, the schema's
    cell readers — in the process the workers are forked from, so that no worker loads them
    again (a worker forked cold spends about a second on it)."""
    compiled_tables()
    data = WARM_UP.encode("utf-8")
    source = acquire.Source("warm-up", "warm-up.txt", data, "0" * 64)
    with contextlib.suppress(InputError):
        report_rows(parse(extract(source)))


def report_rows(parsed: Parsed) -> dict[str, list[dict[str, Any]]]:
    """One parsed report's rows of every per-report resource."""
    return {
        "reports": [parsed.report],
        "sections": parsed.sections,
        "statistics": parsed.statistics,
        "figures": parsed.figures,
        "citations": parsed.citations,
        "checks": run_checks(parsed),
        "summary": [summarise(parsed)],
    }


def _outcome(
    pos: int,
    path: str,
    reviews: list[review.Review] | None = None,
    second: tuple[years.Neighbours | None, str | None, dict[str, Any]] | None = None,
) -> tuple[Outcome, dict[str, list[list[str]]] | None]:
    out = Outcome(pos, path)
    try:
        source, parsed = parse_file(Path(path), second[0] if second else None)
        try:
            parsed = review.apply(parsed, reviews or [])
        except OgiError as e:
            out.review_error = str(e)
            return out, None
        cells = {name: package.texts(name, rows) for name, rows in report_rows(parsed).items()}
    except InputError as e:
        out.reject = (e.problem, e.remedy)
        return out, None
    except Exception as e:  # a parser bug: this report is lost, not the batch
        out.reject = (f"could not be parsed (internal error: {type(e).__name__}: {e})", INTERNAL)
        return out, None
    problems = check_report(cells)
    if problems:
        out.reject = (
            f"was parsed into rows that break the package's rules ({problems[0]})",
            INTERNAL,
        )
        return out, None
    report = parsed.report
    status = schema.field_names("checks").index("status")
    out.report_id = report["report_id"]
    out.source = package.source_entry(source)
    out.failing = sum(1 for row in cells["checks"] if row[status] == "fail")
    out.dates = [d for d in (source.provenance.get("retrieved"), report.get("published")) if d]
    out.carried = carried(parsed)
    out.years = second[2] if second else years.record(parsed)
    out.across = second[1] if second else None
    out.body = issuer_record(report)
    out.year = report.get("year")
    out.text = text_record(report, (s["body"] or "" for s in parsed.sections))
    return out, cells


def parse_chunk(task: Task, starting: Callable[[int], None] | None = None) -> Chunk:
    """Parse a chunk's inputs; write its CSV pieces and its database; return its outcomes.

    ``starting(pos)`` is called before each input is parsed."""
    stem = os.path.join(task.scratch, f"chunk-{task.index:05d}")
    pieces: dict[str, list[bytes]] = {name: [] for name in package.PER_REPORT}
    outcomes: list[Outcome] = []
    db_path = stem + ".db"
    for leftover in (db_path, stem + ".csv"):  # of a worker stopped on this chunk
        if os.path.exists(leftover):
            os.unlink(leftover)
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("BEGIN")
    create_shard(conn)
    for pos, path in task.items:
        if starting is not None:
            starting(pos)
        out, cells = _outcome(pos, path, task.reviews.get(pos), task.neighbours.get(pos))
        outcomes.append(out)
        if cells is None:
            continue
        sizes = {}
        for name in package.PER_REPORT:
            piece = package.csv_text(cells[name]).encode("utf-8")
            pieces[name].append(piece)
            out.rows[name], sizes[name] = len(cells[name]), len(piece)
            insert_shard_rows(conn, name, cells[name])
        out.sizes = sizes
    conn.execute("COMMIT")
    conn.close()
    offsets: dict[str, tuple[int, int]] = {}
    with open(stem + ".csv", "wb") as f:
        for name in package.PER_REPORT:
            start = f.tell()
            f.writelines(pieces[name])
            offsets[name] = (start, f.tell() - start)
    with open(stem + ".records", "wb") as f:
        for out in outcomes:
            if out.report_id is not None:
                f.write(orjson.dumps(spill(out)) + b"\n")
    return Chunk(task.index, outcomes, stem + ".csv", db_path, offsets, stem + ".records")


# written to the records file
SPILLED = ("source", "rows", "dates", "carried", "body", "years", "across", "text")


def spill(out: Outcome) -> dict[str, Any]:
    """The outcome's record fields for the records file, taken out of it (the outcome sent
    back to the main process keeps its id, failing checks, year and sizes)."""
    record = {"pos": out.pos, **{k: getattr(out, k) for k in SPILLED}}
    out.source = out.carried = out.body = out.years = out.across = out.text = None
    out.rows, out.dates = {}, []
    return record


def read_records(chunk: Chunk) -> dict[int, dict[str, Any]]:
    """The records of a chunk's reports, by position."""
    if not chunk.records:
        return {}
    with open(chunk.records, "rb") as f:
        return {r["pos"]: r for r in map(orjson.loads, f)}
