"""Merge: builds of parts of the inputs (*shards*, built on separate machines — by province, by
year) into one build, byte for byte the build of all the inputs at once.

Every file of a build is a function of its inputs in order (sorted by file name, then path:
:func:`ogi.acquire.discover`), and each shard's manifest says, for every input it read, its
path, and for every report its key, its rows and their bytes in each CSV file. So a merge:

1. orders the shards' reports and rejected files as one build would have read them, and
   rejects as copies the reports whose bytes another shard holds first;
2. writes each CSV file of the package as the byte ranges of the shards' files, report by
   report, then the checks across reports, made anew from every report's small record
   (:func:`ogi.build.plan.across`: the checks between years of one body may join two shards);
3. writes the database as a build of all the inputs does — from chunk databases of the same
   reports as its chunks would hold (:func:`ogi.build.plan.tasks`), filled with each report's
   rows read back from the shards' CSV files — and the Parquet dataset from the CSV files;
4. publishes it all with the journal (:mod:`ogi.build.publish`).

Every shard must be a complete build by this version of the code (its manifest trusted).

>>> merge(Path("national"), [Path("shard-fujian"), Path("shard-zhejiang")])  # doctest: +SKIP
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import os
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path

import orjson

from .. import package
from ..errors import OgiError
from ..package import schema
from ..package.contents import describe
from ..package.issuers import issuer_rows
from ..parse import review
from ..serve.metadata import write_metadata
from ..store import load
from ..store.tables import create_shard, insert_shard_rows
from . import manifest, publish, years
from . import parquet as dataset
from .assemble import WHOLE, Csv, _Piece, _whole_rows, copy_all
from .plan import CHUNK_MAX, CHUNKS, across, across_db
from .run import row_counts
from .verify import check_counts


@dataclass
class Entry:
    """A report or a rejected file of a shard, where one build of all inputs puts it."""

    order: tuple[str, str]  # (file name, path): the order of the inputs
    shard: int
    seen: manifest.Seen | None  # the input as the shard read it (None: it could not)
    report: manifest.Report | None = None
    reject: manifest.Reject | None = None


def _shard(out: Path) -> manifest.Manifest:
    m = manifest.trusted(out, publish.db_stamp(out / publish.DB))
    if m is None:
        raise OgiError(
            f"{out}: not a complete build by this version of ogi; build it (again) with "
            "`ogi build` before merging"
        )
    return m


def entries(shards: list[manifest.Manifest]) -> list[Entry]:
    """Every report and rejected file of the shards, in the order of one build of all their
    inputs; an input whose bytes an earlier one holds becomes a copy of it, rejected, as one
    build rejects it."""
    found = []
    for i, m in enumerate(shards):
        by_key = {s.key: p for p, s in m.seen.items() if s.key}
        copies = {(os.path.basename(p), s.sha256): p for p, s in m.seen.items() if not s.key}
        for r in m.reports:
            where = by_key[r.key]
            found.append(Entry((r.name, where), i, m.seen[where], report=r))
        for j in m.rejects:
            at = by_key.get(j.key) if j.key else copies.get((j.name, j.sha256 or ""))
            found.append(Entry((j.name, at or ""), i, m.seen.get(at) if at else None, reject=j))
    found.sort(key=lambda e: e.order)
    first: dict[str, str] = {}
    for e in found:
        if e.seen is None:  # unreadable: never compared with the others
            continue
        sha = e.seen.sha256
        if sha in first:
            problem = f"is the same report as {first[sha]} (identical sha256)"
            copy = manifest.Reject(
                None, e.order[0], sha, e.seen.size, problem, "remove one of them"
            )
            e.report, e.reject = None, copy
            e.seen = e.seen._replace(key=None)  # a copy is rejected before it has a key
        else:
            first[sha] = e.order[0]
    return found


def _same_neighbours(reports: list[manifest.Report]) -> None:
    """An OgiError when a report's neighbouring years (:mod:`ogi.build.years`) are not those
    its shard parsed it with — a body's consecutive years split between shards: one build of
    all the inputs would parse it again with them, which a merge, copying rows, cannot."""
    records = {n: r.years for n, r in enumerate(reports) if r.years is not None}
    for n, (_, dig) in sorted(years.neighbours_of(records).items()):
        if dig != reports[n].across:
            raise OgiError(
                f"{reports[n].name}: the same body's neighbouring years are in other shards "
                "(they settle digits its own shard left open); build a body's years in one "
                "shard, or all the inputs at once"
            )


def merge(out: Path, shard_dirs: list[Path]) -> dict[str, int]:
    """Merge the builds in ``shard_dirs`` into ``out``; return the rows per resource."""
    if not shard_dirs:
        raise OgiError("give the folders of the builds to merge")
    shards = [_shard(d) for d in shard_dirs]
    out.mkdir(parents=True, exist_ok=True)
    with publish.locked(out):
        publish.recover(out)
        staging = publish.stage(out)
        try:
            return _merge(out, staging, shard_dirs, shards)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
            publish.recover(out)


def _starts(m: manifest.Manifest, name: str) -> list[int]:
    head = len(package.header_text(name).encode("utf-8"))
    return list(accumulate((r.sizes[name] for r in m.reports), initial=head))


def _merge(
    out: Path, staging: Path, dirs: list[Path], shards: list[manifest.Manifest]
) -> dict[str, int]:
    found = entries(shards)
    index = [{r.key: n for n, r in enumerate(m.reports)} for m in shards]
    starts = [{res: _starts(m, res) for res in package.PER_REPORT} for m in shards]
    seen: dict[str, manifest.Seen] = {}
    for m in shards:
        seen.update(m.seen)
    seen.update({e.order[1]: e.seen for e in found if e.seen is not None})
    reports = [e.report for e in found if e.report is not None]
    m = manifest.Manifest(
        manifest.parser_version(),
        reports,
        [e.reject for e in found if e.reject is not None],
        seen=seen,
    )
    m.across = across(m)
    _same_neighbours(reports)

    def piece(e: Entry, name: str) -> tuple[str, int, int]:
        """Where a report's rows of resource ``name`` are in its shard's CSV file."""
        assert e.report is not None
        at = starts[e.shard][name][index[e.shard][e.report.key]]
        return str(dirs[e.shard] / "data" / f"{name}.csv"), at, e.report.sizes[name]

    # the package's files
    (staging / "data").mkdir(parents=True)
    files: list[Path] = []
    jobs: list[Csv] = []
    whole: dict[str, str] = {}
    reviewed = [
        r
        for d in dirs
        if (d / "data" / "review.csv").is_file()
        for r in review.read(d / "data" / "review.csv")
    ]
    for res in schema.resources():
        name = res["name"]
        rel = Path("data") / f"{name}.csv"
        head = package.header_text(name).encode("utf-8")
        if name in WHOLE:
            rows = (
                review.cells(reviewed)  # the rows each shard applied, together
                if name == "review"
                else _whole_rows(name, m, [])
            )
            text = head + package.csv_text(rows).encode("utf-8")
            (staging / rel).write_bytes(text)
            whole[name] = hashlib.sha256(text).hexdigest()
            m.files[str(rel)] = len(text)
        else:
            pieces: list[_Piece] = []
            for e in found:
                if e.report is None or not e.report.sizes[name]:
                    continue
                path, start, length = piece(e, name)
                last = pieces[-1] if pieces else None
                if last is not None and last.path == path and last.start + last.length == start:
                    last.length += length
                else:
                    pieces.append(_Piece(path, start, length))
            tail = package.csv_text(m.across).encode("utf-8") if name == "checks" else b""
            jobs.append(Csv(staging / rel, head, pieces, tail))
            m.files[str(rel)] = jobs[-1].size
        files.append(rel)
    copy_all(jobs)
    sources = [r.source for r in m.reports]
    when = package.created(d for r in m.reports for d in r.dates)
    contents = describe(len(m.reports), issuer_rows(r.body for r in m.reports))
    desc = package.descriptor(sources, when, contents)
    text = orjson.dumps(desc, option=orjson.OPT_INDENT_2) + b"\n"
    (staging / "datapackage.json").write_bytes(text)
    write_metadata(staging / "metadata.yml")
    files.append(Path("metadata.yml"))
    stamp = m.write(staging / manifest.PATH)
    m.write_seen(staging / manifest.SEEN)
    pq = dataset.plan(m, out, whole, fresh=True)
    dataset.write(pq, m, staging, out)

    # the database, from chunk databases as one build of all the inputs makes them
    scratch = staging / "scratch"
    scratch.mkdir()
    chunks = _chunk_dbs(found, scratch, piece)
    (staging / "build").mkdir(exist_ok=True)
    counts = load.load(
        staging / "datapackage.json",
        staging / publish.DB,
        chunks + across_db(scratch, m),
        stamp,
        checked=True,
    )
    check_counts(counts, row_counts(m, len(reviewed)))
    order = [publish.DB, *files, *pq.files, manifest.SEEN, manifest.PATH, Path("datapackage.json")]
    publish.commit_by_rename(staging, out, order, stamp, pq.remove)
    return counts


def _chunk_dbs(
    found: list[Entry], scratch: Path, piece: Callable[[Entry, str], tuple[str, int, int]]
) -> list[Path]:
    """The chunk databases of one build of all the inputs: the inputs it parses (the reports
    and the files rejected after parsing) cut as :func:`ogi.build.plan.tasks` cuts them, each
    report's rows read back from its shard's CSV files."""
    todo = [e for e in found if e.report is not None or (e.reject and e.reject.key)]
    if not todo:
        return []
    size = max(1, min(CHUNK_MAX, math.ceil(len(todo) / CHUNKS)))
    paths = []
    for index, first in enumerate(range(0, len(todo), size)):
        path = scratch / f"chunk-{index:05d}.db"
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("BEGIN")
        create_shard(conn)
        for e in todo[first : first + size]:
            if e.report is None:
                continue
            for name in package.PER_REPORT:
                src, start, length = piece(e, name)
                with open(src, "rb") as f:
                    text = os.pread(f.fileno(), length, start).decode("utf-8")
                cells = list(csv.reader(io.StringIO(text, newline="")))
                insert_shard_rows(conn, name, cells)
        conn.execute("COMMIT")
        conn.close()
        paths.append(path)
    return paths
