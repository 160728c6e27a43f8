"""Chunk: a run of consecutive inputs, parsed together in one worker process.

A build cuts the inputs it has to parse into chunks and hands them to worker processes (both
cores); each worker writes two files into the build's scratch folder:

* ``chunk-NNNNN.csv``: the CSV rows of its reports, resource after resource, without headers —
  the package is these pieces copied one after the other;
* ``chunk-NNNNN.db``: the same rows with their types, and the sections' text already segmented
  for search — the loader copies them into the database with SQL, without a Python object per
  row;

and returns, for each input, what the build keeps in memory: the report's id, its ``sources``
entry, row counts and byte sizes per resource, the few numbers the cross-year rule compares
(:func:`ogi.check.cross_year.carried`) — or why the file was rejected.

Each report is checked on its own before it is kept: its rows against the Table Schemas (the
same checks as :mod:`ogi.fastcheck`), its keys within the report, and the domain rules of
:func:`ogi.validate.report_problems`. A report that fails is rejected as an internal error, so
that one parser bug costs one report, not the batch.

>>> chunk = parse_chunk(Task(0, [(0, "data/raw/000_6fcf304d54296c97.txt")], "/tmp"))  # doctest: +SKIP
>>> chunk.outcomes[0].rows["statistics"]  # doctest: +SKIP
30
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from . import acquire, fastcheck, package, schema
from .check import run_checks
from .check.cross_year import carried
from .errors import InputError, OgiError
from .extract import extract
from .parse import Parsed, parse, review
from .search import segment
from .serve.views import search_columns
from .summarise import summarise
from .validate import report_problems

SQL_TYPE = {
    "string": "TEXT",
    "date": "TEXT",
    "integer": "INTEGER",
    "number": "ANY",
    "boolean": "INTEGER",
}
INTERNAL = "please report this as a bug; the other files are built"


def parse_file(path: Path) -> tuple[acquire.Source, Parsed]:
    """Read, decode and parse one input file (raises InputError for bad input)."""
    source = acquire.read_source(path)
    return source, parse(extract(source))


@dataclass
class Task:
    """A chunk to parse: its number, its inputs (position in the build, path) and the folder
    its files go to."""

    index: int
    items: list[tuple[int, str]]
    scratch: str
    reviews: dict[int, list[review.Review]] = field(default_factory=dict)  # by position


@dataclass
class Outcome:
    """What became of one input."""

    pos: int
    path: str
    report_id: str | None = None
    source: dict[str, Any] | None = None
    rows: dict[str, int] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)
    failing: int = 0
    dates: list[str] = field(default_factory=list)
    carried: dict[str, Any] | None = None  # what the cross-year rule needs of it
    reject: tuple[str, str] | None = None  # (problem, remedy)
    review_error: str | None = None  # a review row that does not fit the report


@dataclass
class Chunk:
    """A parsed chunk: its outcomes, in input order, and its two files."""

    index: int
    outcomes: list[Outcome]
    csv: str
    db: str
    offsets: dict[str, tuple[int, int]]  # resource → (start, length) in the CSV file


def _converter(kind: str) -> Callable[[str], Any]:
    if kind == "integer":
        return int
    if kind == "number":
        return lambda s: float(s) if any(c in s for c in ".eEnN") else int(s)
    if kind == "boolean":
        return lambda s: int(s.lower() in {"true", "1"})
    return str


@cache
def _converters(name: str) -> list[Callable[[str], Any]]:
    return [_converter(f["type"]) for f in schema.resource(name)["fields"]]


def typed(name: str, rows: Iterable[list[str]]) -> Iterator[tuple[Any, ...]]:
    """CSV cells as the database stores them: empty → NULL, integers and numbers as such.

    >>> list(typed("checks", [["a", "g1.x", "year", "pass", "error", "3", "2.5", "m", ""]]))
    [('a', 'g1.x', 'year', 'pass', 'error', 3, 2.5, 'm', None)]
    """
    conv = _converters(name)
    width = len(conv)
    # text cells only need "" → NULL; the others are converted one by one
    other = [(i, c) for i, c in enumerate(conv) if c is not str]
    for row in rows:
        if len(row) != width:
            raise ValueError(f"{name}: a row of {len(row)} cells, not {width}")
        cells = [v or None for v in row]
        for i, c in other:
            v = cells[i]
            if v is not None:
                cells[i] = c(v)
        yield tuple(cells)


@cache
def compiled_tables() -> dict[str, fastcheck.Table]:
    """Every resource of the package, compiled for checking (paths relative to the
    package's folder): compiled once per process."""
    desc = package.descriptor([])
    return {t.name: t for t in fastcheck.compile_descriptor(desc, Path("."))}


@cache
def _keys(name: str) -> tuple[list[int], list[tuple[int, str, int]]]:
    """A resource's primary key (field positions) and single-field foreign keys (field
    position, referenced resource, referenced field position)."""
    res = schema.resource(name)
    names = schema.field_names(name)
    fks = [
        (
            names.index(fk["fields"][0]),
            fk["reference"]["resource"],
            schema.field_names(fk["reference"]["resource"]).index(fk["reference"]["fields"][0]),
        )
        for fk in res.get("foreign_keys", [])
        if len(fk["fields"]) == 1
    ]
    return [names.index(k) for k in res["primary_key"]], fks


@cache
def _static_values(resource: str, i: int) -> frozenset[str]:
    """The values of a field of a resource every report shares (the indicators)."""
    rows = package.texts(resource, package.indicator_rows()) if resource == "indicators" else []
    return frozenset(row[i] for row in rows)


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


def _key_problems(cells: Mapping[str, list[list[str]]]) -> list[str]:
    """Keys within one report: primary keys unique, foreign keys found in the report's own
    rows (or among the indicators)."""
    out: list[str] = []
    for name, rows in cells.items():
        pk, fks = _keys(name)
        if len({tuple(row[i] for i in pk) for row in rows}) != len(rows):
            out.append(f"{name}: the same primary key twice")
        for i, ref, j in fks:
            known = {row[j] for row in cells[ref]} if ref in cells else _static_values(ref, j)
            out += [
                f"{name}: {row[i]} is not in {ref}"
                for row in rows
                if row[i] and row[i] not in known
            ]
    return out


def check_report(cells: Mapping[str, list[list[str]]]) -> list[str]:
    """Everything wrong with one report's rows: schemas, keys within it, domain rules."""
    tables = compiled_tables()
    out: list[str] = []
    for name, rows in cells.items():
        if rows and not fastcheck.block_clean(tables[name], rows):
            out += fastcheck.row_errors(tables[name], rows)
    if out:
        return out
    out += _key_problems(cells)
    dicts = {
        name: [dict(zip(schema.field_names(name), r, strict=True)) for r in rows]
        for name, rows in cells.items()
        if name != "checks"  # the domain rules do not look at the checks
    }
    return out + report_problems(dicts)


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
    pos: int, path: str, reviews: list[review.Review] | None = None
) -> tuple[Outcome, dict[str, list[list[str]]] | None]:
    out = Outcome(pos, path)
    try:
        source, parsed = parse_file(Path(path))
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
    return out, cells


def create_shard(conn: sqlite3.Connection) -> None:
    """The tables of a chunk's database: one per per-report resource, typed like the
    published database, and for each table with a search index (``sections``, and the
    site's: :func:`ogi.serve.views.search_columns`) ``fts_<table>``: its primary key and
    the segmented text of its searched columns (:func:`ogi.search.segment`), so that the
    workers, not the load, segment the text."""
    for name in package.PER_REPORT:
        cols = ", ".join(
            f"[{f['name']}] {SQL_TYPE[f['type']]}" for f in schema.resource(name)["fields"]
        )
        conn.execute(f"CREATE TABLE [{name}] ({cols})")
    for name, columns in search_columns().items():
        key = schema.resource(name)["primary_key"]
        conn.execute(f"CREATE TABLE [fts_{name}] ({', '.join(f'[{c}]' for c in key + columns)})")


@cache
def _search_cells(name: str) -> tuple[list[int], list[int]]:
    """Positions of a searched table's primary key and searched columns."""
    names = schema.field_names(name)
    key = schema.resource(name)["primary_key"]
    return [names.index(c) for c in key], [names.index(c) for c in search_columns()[name]]


def _segmented(name: str, rows: list[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    """The rows of ``fts_<name>`` for typed rows of a searched table."""
    key, columns = _search_cells(name)
    for row in rows:
        yield (
            *(row[i] for i in key),
            *(segment(row[i]) if isinstance(row[i], str) else row[i] for i in columns),
        )


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
        out, cells = _outcome(pos, path, task.reviews.get(pos))
        outcomes.append(out)
        if cells is None:
            continue
        for name in package.PER_REPORT:
            piece = package.csv_text(cells[name]).encode("utf-8")
            pieces[name].append(piece)
            out.rows[name], out.sizes[name] = len(cells[name]), len(piece)
            if not cells[name]:
                continue
            rows = list(typed(name, cells[name]))
            marks = ", ".join("?" * len(rows[0]))
            conn.executemany(f"INSERT INTO [{name}] VALUES ({marks})", rows)
            if name in search_columns():
                marks = ", ".join("?" * sum(map(len, _search_cells(name))))
                conn.executemany(f"INSERT INTO [fts_{name}] VALUES ({marks})", _segmented(name, rows))
    conn.execute("COMMIT")
    conn.close()
    offsets: dict[str, tuple[int, int]] = {}
    with open(stem + ".csv", "wb") as f:
        for name in package.PER_REPORT:
            start = f.tell()
            f.writelines(pieces[name])
            offsets[name] = (start, f.tell() - start)
    return Chunk(task.index, outcomes, stem + ".csv", db_path, offsets)
