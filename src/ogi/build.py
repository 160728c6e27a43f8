"""Build: inputs → parsed reports → package → validation → SQLite → metadata, then publish.

The stages, each timed (``BuildResult.seconds``):

* **parse** — find and hash the inputs; parse, in worker processes on every core, those the
  previous build does not already hold (:mod:`ogi.chunk`), in chunks of consecutive inputs
  so that the output does not depend on which worker did what;
* **package** — write ``data/*.csv`` (each report's rows, in input order, copied from the
  chunk files or from the previous build's files; then the checks that compare reports with
  each other, made anew from every report's small record), ``datapackage.json``,
  ``metadata.yml``;
* **validate** — every new row against the Table Schemas (:mod:`ogi.fastcheck`: the errors
  frictionless would find); in a full build, on the second core while the database loads;
* **load** — the database: built anew from the chunk databases, or, when a previous build
  exists, updated: in place when few reports changed and no process has it open (a site
  serving it, a notebook reading it), else a copy of it; keys are checked as rows go in.

A bad input file does not stop the batch: it is rejected, with the reason, in
``BuildResult.rejected`` and in the ``rejects`` resource; the build is then *partial*.

Everything is written into a staging folder inside the output folder first and published
with a journal (:mod:`ogi.publish`): a build killed at any moment leaves the previous build
or the new one, whole. Unchanged reports — same bytes (sha256), name, provenance and parser
version (:mod:`ogi.manifest`) — are not parsed again.

>>> result = build([Path("data/raw")], Path("."))  # doctest: +SKIP
>>> result.counts["statistics"]
30
"""

from __future__ import annotations

import errno
import gc
import math
import os
import shutil
import sqlite3
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from itertools import accumulate
from pathlib import Path
from typing import BinaryIO

import orjson

from . import acquire, fastcheck, load, manifest, package, publish, schema, workers
from .check.cross_year import RULE as ACROSS_RULE
from .check.cross_year import check_cross_year
from .chunk import Chunk, Outcome, Task, compiled_tables, create_shard, parse_file, typed, warm
from .errors import OgiError
from .parse import review
from .serve.metadata import write_metadata

__all__ = ["BuildResult", "Rejected", "build", "parse_file"]

DB_NAME = "ogi.db"
CHUNK_MAX = 64  # inputs per chunk, at most
CHUNKS = 32  # chunks a build is cut into, at least (when there are inputs enough)
WHOLE = ("indicators", "rejects", "review")  # resources written whole (not from the reports)
CODE_ONLY = ("indicators",)  # resources only the code decides
IN_PLACE_MIN, IN_PLACE_SHARE = 50, 0.05  # reports changed, at most, to update in place


@dataclass
class Rejected:
    """An input that is not in the package, and why."""

    path: str
    problem: str
    remedy: str

    def __str__(self) -> str:
        return f"{self.path}: {self.problem}; {self.remedy}"


@dataclass
class BuildResult:
    """What a build wrote."""

    out: Path
    reports: int
    counts: dict[str, int] = field(default_factory=dict)
    failing_checks: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    parsed: int = 0  # reports parsed by this build
    reused: int = 0  # reports taken unchanged from the previous build
    incremental: bool = False
    in_place: bool = False  # the published database was updated where it is
    seconds: dict[str, float] = field(default_factory=dict)  # by stage, and total
    load_seconds: dict[str, float] = field(default_factory=dict)  # by step of the load

    @property
    def partial(self) -> bool:
        """Some inputs were rejected."""
        return bool(self.rejected)

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


class BuildFailed(OgiError):
    """No report could be built: every input was rejected."""

    def __init__(self, rejected: list[Rejected]) -> None:
        self.rejected = rejected
        super().__init__(
            f"none of the {len(rejected)} input file(s) could be read as a report "
            "(each is listed above); nothing was written"
        )


class Progress:
    """What a build reports as it goes (a no-op; see :mod:`ogi.progress` for the bar)."""

    def stage(self, name: str, total: int | None = None) -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass


@contextmanager
def _timed(seconds: dict[str, float], name: str) -> Iterator[None]:
    t = time.perf_counter()
    try:
        yield
    finally:
        seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - t


def default_jobs() -> int:
    """Worker processes by default: one per core this process may use."""
    return workers.cpu_count()


# ---------------------------------------------------------------------------------------------
# Planning: what each input becomes


@dataclass
class _Item:
    """An input and what this build does with it."""

    pos: int
    input: acquire.Input
    where: str  # the absolute path, as the manifest remembers inputs
    key: str | None = None
    reuse: manifest.Report | None = None  # unchanged report of the previous build
    reject: manifest.Reject | None = None  # rejected (decided before or after parsing)
    outcome: Outcome | None = None  # parsed by this build
    chunk: int | None = None
    said: str | None = None  # the problem as the build's output says it, when it differs
    reviews: list[review.Review] = field(default_factory=list)  # a person's review of it
    base: str | None = None  # its key without the review (what the next build remembers)

    def rejected(self) -> Rejected:
        assert self.reject is not None
        path = self.input.error.path if self.input.error else str(self.input.path)
        return Rejected(path, self.said or self.reject.problem, self.reject.remedy)


def _plan(
    paths: list[Path],
    previous: manifest.Manifest | None,
    reviews: list[review.Review] | None = None,
) -> list[_Item]:
    version = manifest.parser_version()
    reviews = reviews or []
    old_reports = {r.key: r for r in previous.reports} if previous else {}
    old_rejects = {r.key: r for r in previous.rejects if r.key} if previous else {}
    seen = previous.seen if previous else {}
    first: dict[str, Path] = {}
    items = []
    for pos, path in enumerate(paths):
        where = os.path.abspath(path)
        record = seen.get(where)
        inp = acquire.identify(path, record.input(path) if record else None)
        item = _Item(pos, inp, where)
        if inp.error is not None:
            e = inp.error
            item.reject = manifest.Reject(None, inp.name, inp.sha256, inp.size, e.problem, e.remedy)
        elif inp.sha256 in first:
            # the package names the first file by its name; the build's output by its path
            item.reject = manifest.Reject(
                None,
                inp.name,
                inp.sha256,
                inp.size,
                f"is the same report as {first[inp.sha256].name} (identical sha256)",
                "remove one of them",
            )
            item.said = f"is the same report as {first[inp.sha256]} (identical sha256)"
        else:
            assert inp.sha256 is not None
            first[inp.sha256] = path
            # an unchanged file has the key it had (same bytes, name, provenance, version)
            unchanged = record is not None and record.fingerprint == inp.fingerprint
            item.key = (
                record.key
                if unchanged and record is not None and record.key
                else manifest.key(inp.sha256, inp.name, inp.provenance, version)
            )
            item.reviews = [r for r in reviews if r.sha256 == inp.sha256]
            if item.reviews:  # a report is parsed again when its review rows change
                item.base = item.key
                rows = [r.cells() for r in item.reviews]
                item.key = manifest.key(item.key, "review", {"rows": rows}, version)
            item.reuse = old_reports.get(item.key)
            item.reject = old_rejects.get(item.key)
        items.append(item)
    review.check_reports(reviews, {it.input.sha256 for it in items if it.key})
    return items


def _tasks(items: list[_Item], scratch: Path) -> list[Task]:
    todo = [it for it in items if it.key and it.reuse is None and it.reject is None]
    if not todo:
        return []
    # the size depends on the number of inputs only, never on the workers: the database's
    # bytes depend on how its rows were copied in, chunk by chunk
    size = max(1, min(CHUNK_MAX, math.ceil(len(todo) / CHUNKS)))
    tasks = []
    for index, first in enumerate(range(0, len(todo), size)):
        group = todo[first : first + size]
        for it in group:
            it.chunk = index
        items_of = [(it.pos, str(it.input.path)) for it in group]
        reviews = {it.pos: it.reviews for it in group if it.reviews}
        tasks.append(Task(index, items_of, str(scratch), reviews))
    return tasks


def _parse(tasks: list[Task], jobs: int, time_limit: float, progress: Progress) -> list[Chunk]:
    """Parse the chunks in worker processes; in order."""
    progress.stage("parse", sum(len(t.items) for t in tasks))
    if not tasks:
        return []
    warm()  # once here rather than once in each worker
    return workers.parse(tasks, jobs, time_limit, progress.advance)


def _settle(items: list[_Item], chunks: list[Chunk]) -> None:
    """Record what the parse made of each input."""
    outcomes = {o.pos: o for c in chunks for o in c.outcomes}
    for it in items:
        o = outcomes.get(it.pos)
        if o is None:
            continue
        it.outcome = o
        if o.review_error is not None:
            raise OgiError(o.review_error)
        if o.reject is not None:
            inp = it.input
            it.reject = manifest.Reject(it.key, inp.name, inp.sha256, inp.size, *o.reject)
    review.check_rejected([(it.reviews, it.reject.problem) for it in items if it.reject])


def _manifest(items: list[_Item]) -> manifest.Manifest:
    reports, rejects = [], []
    for it in items:
        if it.reject is not None:
            rejects.append(it.reject)
        elif it.reuse is not None:
            reports.append(it.reuse)
        elif it.outcome is not None and it.outcome.report_id is not None:
            o = it.outcome
            assert it.key is not None and o.source is not None and o.report_id is not None
            reports.append(
                manifest.Report(
                    it.key,
                    it.input.name,
                    o.report_id,
                    o.source,
                    o.failing,
                    o.rows,
                    o.sizes,
                    o.dates,
                    o.carried,
                )
            )
    seen = {
        it.where: manifest.Seen(
            it.input.fingerprint,
            it.input.sha256,
            it.input.size,
            it.input.provenance,
            it.base or it.key,
        )
        for it in items
        if it.input.fingerprint is not None
        and it.input.error is None
        and it.input.sha256 is not None
        and it.input.size is not None
    }
    m = manifest.Manifest(manifest.parser_version(), reports, rejects, seen=seen)
    m.across = _across(m)
    return m


def _across(m: manifest.Manifest) -> list[list[str]]:
    """The checks that compare reports with each other (this year's 上年结转 against the same
    body's 结转下年度 of the year before), as CSV cells: made anew by every build from the
    reports' small records, so that adding or removing one report updates its neighbours'
    checks without parsing them again."""
    records = [r.carried for r in m.reports if r.carried is not None]
    return package.texts("checks", check_cross_year(records))


def _across_db(scratch: Path, m: manifest.Manifest) -> list[Path]:
    """The checks across reports as one more chunk database (none when there are none), so
    that they load as the parsed reports' rows do, after them."""
    if not m.across:
        return []
    path = scratch / "across.db"
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN")
        create_shard(conn)
        marks = ", ".join("?" * len(m.across[0]))
        conn.executemany(f"INSERT INTO checks VALUES ({marks})", typed("checks", m.across))
        conn.execute("COMMIT")
    finally:
        conn.close()
    return [path]


# ---------------------------------------------------------------------------------------------
# Package: CSV files from pieces


@dataclass
class _Piece:
    """A byte range of a file that goes into a CSV file of the package."""

    path: str
    start: int
    length: int


@dataclass
class _Run:
    """Consecutive reports of the package whose rows lie one after the other in one file:
    reports ``first``..``last`` of the published build (``chunk`` None), or reports parsed
    into one chunk (their sizes)."""

    chunk: int | None
    first: int = 0
    last: int = 0
    sizes: list[dict[str, int]] = field(default_factory=list)


def _runs(items: list[_Item], old: manifest.Manifest | None) -> list[_Run]:
    """The package's reports, in order, as runs (few: an incremental build that adds one
    report to ten thousand copies three runs of each file, not ten thousand pieces)."""
    index = {r.key: i for i, r in enumerate(old.reports)} if old is not None else {}
    runs: list[_Run] = []
    for it in items:
        if it.reject is not None:
            continue
        last = runs[-1] if runs else None
        if it.reuse is not None:
            i = index[it.reuse.key]
            if last is not None and last.chunk is None and last.last == i - 1:
                last.last = i
            else:
                runs.append(_Run(None, i, i))
        else:
            assert it.chunk is not None and it.outcome is not None
            if last is not None and last.chunk == it.chunk:
                last.sizes.append(it.outcome.sizes)
            else:
                runs.append(_Run(it.chunk, sizes=[it.outcome.sizes]))
    return runs


def _pieces(
    name: str,
    runs: list[_Run],
    chunks: list[Chunk],
    old: manifest.Manifest | None,
    out: Path,
) -> list[_Piece]:
    """Where the rows of resource ``name`` are, in package order."""
    head = len(package.header_text(name).encode("utf-8"))
    starts = (
        list(accumulate((r.sizes[name] for r in old.reports), initial=head)) if old else []
    )
    chunk_at = {c.index: c.offsets[name][0] for c in chunks}
    chunk_path = {c.index: c.csv for c in chunks}
    old_path = str(out / "data" / f"{name}.csv")
    pieces = []
    for run in runs:
        if run.chunk is None:
            start = starts[run.first]
            pieces.append(_Piece(old_path, start, starts[run.last + 1] - start))
        else:
            length = sum(sizes[name] for sizes in run.sizes)
            pieces.append(_Piece(chunk_path[run.chunk], chunk_at[run.chunk], length))
            chunk_at[run.chunk] += length
    return pieces


@dataclass
class _Csv:
    """A CSV file of the package to write: ``head``, the pieces, then ``tail``."""

    target: Path
    head: bytes
    pieces: list[_Piece]
    tail: bytes = b""

    @property
    def size(self) -> int:
        return len(self.head) + sum(p.length for p in self.pieces) + len(self.tail)


def _copy(csv: _Csv) -> None:
    """Write a CSV file of the package (the pieces copied in the kernel where it can); an
    error if it does not come out at the size planned."""
    with open(csv.target, "wb") as dst:
        dst.write(csv.head)
        dst.flush()
        for p in csv.pieces:
            with open(p.path, "rb") as src:
                _copy_range(src, dst, p.start, p.length)
        dst.write(csv.tail)
    if csv.target.stat().st_size != csv.size:
        raise OSError(errno.EIO, "written short", str(csv.target))


def _copy_all(jobs: list[_Csv]) -> None:
    for job in jobs:
        _copy(job)


def _copy_range(src: BinaryIO, dst: BinaryIO, offset: int, length: int) -> None:
    try:
        while length:
            n = os.copy_file_range(src.fileno(), dst.fileno(), length, offset)
            if n == 0:
                raise OSError(f"{src.name}: shorter than the build recorded")
            offset, length = offset + n, length - n
    except (AttributeError, OSError) as e:  # no copy_file_range here: copy through memory
        if isinstance(e, OSError) and e.errno not in (errno.EXDEV, errno.ENOSYS, errno.EINVAL):
            raise
        src.seek(offset)
        while length:
            block = src.read(min(length, 1 << 20))
            if not block:
                raise OSError(f"{src.name}: shorter than the build recorded") from None
            dst.write(block)
            length -= len(block)
        dst.flush()


def _whole_rows(name: str, m: manifest.Manifest, items: list[_Item]) -> list[list[str]]:
    if name == "indicators":
        return package.texts(name, package.indicator_rows())
    if name == "review":
        return review.cells(r for it in items if it.reject is None for r in it.reviews)
    rows = [
        {
            "reject_no": no,
            "source_file": r.name,
            "sha256": r.sha256,
            "bytes": r.bytes,
            "problem": r.problem,
            "remedy": r.remedy,
        }
        for no, r in enumerate(m.rejects, start=1)
    ]
    return package.texts(name, rows)


def _write_package(
    root: Path,
    items: list[_Item],
    chunks: list[Chunk],
    m: manifest.Manifest,
    old: manifest.Manifest | None,
    out: Path,
) -> tuple[list[Path], int, list[_Csv]]:
    """Write the package into ``root``; return the files to publish (relative paths, in
    publishing order: the database first, the descriptor last), the build's stamp, and the
    CSV files of the reports' rows, still to be copied (:func:`_copy_all`; their sizes are
    known, and in the manifest, already).

    An incremental build leaves out what only the code decides (the indicators and
    metadata.yml): the code has not changed since the published build, so neither have they."""
    (root / "data").mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    jobs: list[_Csv] = []
    runs = _runs(items, old)
    for res in schema.resources():
        name = res["name"]
        rel = Path("data") / f"{name}.csv"
        if name in CODE_ONLY and old is not None:
            m.files[str(rel)] = old.files[str(rel)]
            continue
        head = package.header_text(name).encode("utf-8")
        if name in WHOLE:
            rows = _whole_rows(name, m, items)
            (root / rel).write_bytes(head + package.csv_text(rows).encode("utf-8"))
            m.files[str(rel)] = (root / rel).stat().st_size
        else:  # the reports' rows, then the checks across reports
            tail = package.csv_text(m.across).encode("utf-8") if name == "checks" else b""
            jobs.append(_Csv(root / rel, head, _pieces(name, runs, chunks, old, out), tail))
            m.files[str(rel)] = jobs[-1].size
        files.append(rel)
    sources = [r.source for r in m.reports]
    when = package.created(d for r in m.reports for d in r.dates)
    # the same bytes as json.dumps(..., ensure_ascii=False, indent=2), faster
    text = orjson.dumps(package.descriptor(sources, when), option=orjson.OPT_INDENT_2) + b"\n"
    (root / "datapackage.json").write_bytes(text)
    if old is None:
        write_metadata(root / "metadata.yml")
        files.append(Path("metadata.yml"))
    stamp = m.write(root / manifest.PATH)
    return [publish.DB, *files, manifest.PATH, Path("datapackage.json")], stamp, jobs


# ---------------------------------------------------------------------------------------------
# Validate


def _raise_errors(dp: Path) -> None:
    """Raise InvalidPackage with the errors frictionless would find (the fast check found
    something; if the exact listing finds nothing, it was a false alarm)."""
    problems = fastcheck.errors(dp)
    if problems:
        raise load.InvalidPackage(problems)


def _timed_check(root: Path) -> tuple[bool, float]:
    """(no error in the rows of the staged package, seconds it took to tell): run aside
    while a full build loads the database."""
    t = time.perf_counter()
    gc.disable()
    try:
        fastcheck.rows_clean(root / "datapackage.json")
        return True, time.perf_counter() - t
    except fastcheck.Dirty:
        return False, time.perf_counter() - t


def _validate_new(root: Path, chunks: list[Chunk], m: manifest.Manifest) -> None:
    """Check what an incremental build adds to the staged package — the rows of the reports
    it parsed, the rejected files, the checks across reports — with the cell readers the
    workers checked each report with (compiled from the same Table Schemas); raise
    InvalidPackage with the errors frictionless finds in the package, if any."""
    tables = {name: replace(t, path=root / t.path) for name, t in compiled_tables().items()}
    try:
        for name in WHOLE:
            if name not in CODE_ONLY:
                fastcheck.table_clean(tables[name])
        for name in package.PER_REPORT:
            fastcheck.table_clean(tables[name], _new_rows(tables[name], chunks))
        fastcheck.table_clean(tables["checks"], m.across)
    except fastcheck.Dirty:
        _raise_errors(root / "datapackage.json")


def _new_rows(table: fastcheck.Table, chunks: list[Chunk]) -> Iterator[list[str]]:
    """The rows of the reports parsed by this build, read from the chunks' CSV pieces (the
    bytes that were copied into the staged file)."""
    for c in chunks:
        start, length = c.offsets[table.name]
        if length:
            with open(c.csv, "rb") as f:
                f.seek(start)
                yield from fastcheck.read_text_rows(table, f.read(length).decode("utf-8"))


# ---------------------------------------------------------------------------------------------
# The build


def build(
    inputs: list[Path],
    out: Path,
    *,
    jobs: int | None = None,
    full: bool = False,
    time_limit: float = workers.TIME_LIMIT,
    progress: Progress | None = None,
    review_file: Path | None = None,
) -> BuildResult:
    """Build the package, database and metadata from ``inputs`` into ``out``.

    ``jobs``: worker processes for parsing (default: one per core). ``full``: parse every
    input again, ignoring the previous build. ``time_limit``: seconds one input may take to
    parse before it is stopped and rejected. ``review_file``: the review rows to apply
    (:mod:`ogi.parse.review`; default: ``review.csv`` in an input folder, or beside an input
    folder named ``raw``). Raises OgiError when nothing could be built or a review row does
    not fit its report; a build with rejected inputs returns normally (``result.partial``)."""
    t0 = time.perf_counter()
    progress = progress or Progress()
    jobs = jobs or default_jobs()
    paths = acquire.discover(inputs)
    files = [review_file] if review_file is not None else review.found(inputs)
    reviews = sorted((r for f in files for r in review.read(f)), key=review.Review.cells)
    if out.exists() and not out.is_dir():
        raise OgiError(f"{out}: is a file, not a folder; give --out a folder to build into")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with publish.locked(out):
            publish.recover(out)
            staging = publish.stage(out)
            try:
                result = _build(paths, out, staging, jobs, full, time_limit, progress, reviews)
            except OSError as e:  # the output folder filled up or became unwritable mid-build
                raise OgiError(
                    f"{out}: cannot write the build into it ({e.strerror}); check that you may "
                    "write to it and that the disk has room; the previous build is unchanged"
                ) from None
    except OSError as e:
        raise OgiError(
            f"{out}: cannot write the build into it ({e.strerror}); "
            "check that you may write to it and that the disk has room"
        ) from None
    result.seconds["total"] = time.perf_counter() - t0
    return result


def _build(
    paths: list[Path],
    out: Path,
    staging: Path,
    jobs: int,
    full: bool,
    time_limit: float,
    progress: Progress,
    reviews: list[review.Review],
) -> BuildResult:
    seconds: dict[str, float] = {}
    previous = None if full else manifest.trusted(out, publish.db_stamp(out / publish.DB))
    committed = False
    try:
        scratch = staging / "scratch"
        scratch.mkdir()
        with _timed(seconds, "parse"):
            items = _plan(paths, previous, reviews)
            tasks = _tasks(items, scratch)
            chunks = _parse(tasks, jobs, time_limit, progress)
            _settle(items, chunks)
        m = _manifest(items)
        rejected = [it.rejected() for it in items if it.reject]
        if not m.reports:
            raise BuildFailed(rejected)
        result = BuildResult(
            out,
            len(m.reports),
            failing_checks=sum(r.failing for r in m.reports) + _failing(m.across),
            rejected=rejected,
            parsed=sum(1 for it in items if it.outcome is not None and it.reject is None),
            reused=sum(1 for it in items if it.reuse is not None),
            incremental=previous is not None,
            seconds=seconds,
        )
        result.counts = expected = _counts(m, sum(len(it.reviews) for it in items))
        if previous is not None and _same(m, previous):
            return result  # nothing changed: the published build is this one already
        progress.stage("package")
        with _timed(seconds, "package"):
            files, stamp, csvs = _write_package(staging, items, chunks, m, previous, out)
        dp = staging / "datapackage.json"
        try:
            if previous is None:  # validation and loading at once, on the two cores
                with _timed(seconds, "package"):
                    _copy_all(csvs)
                progress.stage("load")
                checking = workers.Aside(_timed_check, staging)
                try:
                    with _timed(seconds, "load"):
                        (staging / "build").mkdir(exist_ok=True)
                        result.counts = load.load(
                            dp,
                            staging / publish.DB,
                            [Path(c.db) for c in chunks] + _across_db(scratch, m),
                            stamp,
                            checked=True,
                            seconds=result.load_seconds,
                        )
                except BaseException:
                    checking.cancel()
                    raise
                clean, seconds["validate"] = checking.result()
                if not clean:
                    _raise_errors(dp)
                _check_counts(result.counts, expected)
                with _timed(seconds, "publish"):
                    committed = True
                    publish.commit_by_rename(staging, out, files, stamp)
            else:  # the published database updated, in place or a copy of it
                progress.stage("load")
                old_ids = {r.report_id for r in previous.reports}
                kept = {it.reuse.report_id for it in items if it.reuse is not None}
                shards = [Path(c.db) for c in chunks] + _across_db(scratch, m)
                rest = [f for f in files if f != publish.DB]
                inodes: dict[str, int] = {}

                def ready(counts: dict[str, int]) -> None:
                    """Last before the database's COMMIT: the staged files complete and
                    valid; for an update in place, the journal (the commit point follows)."""
                    nonlocal committed, inodes
                    copying.result()
                    with _timed(seconds, "validate"):
                        _validate_new(staging, chunks, m)
                    _check_counts(counts, expected)
                    if in_place:
                        committed = True  # from here on, the database's stamp says which build
                        inodes = publish.write_journal(out, staging, rest, stamp)

                # the CSV files are copied (in the kernel) while the database is updated
                with (
                    _timed(seconds, "load"),
                    ThreadPoolExecutor(1) as aside,
                    publish.db_lock(out, exclusive=True),
                ):
                    copying = aside.submit(_copy_all, csvs)
                    (staging / "build").mkdir(exist_ok=True)
                    in_place = _small(m, previous) and publish.unused(out / publish.DB)
                    if not in_place:
                        publish.clone(out / publish.DB, staging / publish.DB)
                    result.counts = load.update(
                        out / publish.DB if in_place else staging / publish.DB,
                        dp,
                        old_ids - kept,
                        shards,
                        ["rejects", "review"],
                        stamp,
                        scratch,
                        replaced=[("checks", "check", ACROSS_RULE)],
                        seconds=result.load_seconds,
                        in_place=in_place,
                        before_commit=ready,
                    )
                result.in_place = in_place
                with _timed(seconds, "publish"):
                    if in_place:
                        publish.commit_in_place(staging, out, rest, inodes)
                    else:
                        committed = True
                        publish.commit_by_rename(staging, out, files, stamp)
        except load.InvalidPackage as e:
            raise OgiError(
                f"the built package is invalid ({len(e.problems)} problems), first: "
                f"{e.problems[0]}; nothing was published — please report this as a bug"
            ) from None
        return result
    finally:
        if not committed:
            (out / publish.JOURNAL).unlink(missing_ok=True)
            shutil.rmtree(staging, ignore_errors=True)
        else:  # published, or stopped after the commit point: finish (or undo) it now
            publish.recover(out)


def _small(m: manifest.Manifest, previous: manifest.Manifest) -> bool:
    """Few enough reports added, changed or removed to update the published database in
    place. A larger change updates a copy: its cost is then small beside the parsing, and
    an update in place would hold the file longer and write into it before ``COMMIT`` the
    pages its cache cannot keep (SQLite's journal undoes them after a kill, but a program
    that reads the file immutable, ignoring the journal, would see them)."""
    old, new = {r.key for r in previous.reports}, {r.key for r in m.reports}
    return len(old ^ new) <= max(IN_PLACE_MIN, len(previous.reports) * IN_PLACE_SHARE)


def _check_counts(counts: dict[str, int], expected: dict[str, int]) -> None:
    """The database holds as many rows as the package (a check inside the pipeline)."""
    if counts != expected:
        raise OgiError(
            f"the database holds {counts} rows, the package {expected}; "
            "nothing was published — please report this as a bug"
        )


def _same(m: manifest.Manifest, previous: manifest.Manifest) -> bool:
    """The same reports and rejected files as the published build (so the same files)."""
    return (m.version, m.reports, m.rejects) == (
        previous.version,
        previous.reports,
        previous.rejects,
    )


def _failing(rows: list[list[str]]) -> int:
    status = schema.field_names("checks").index("status")
    return sum(1 for row in rows if row[status] == "fail")


def _counts(m: manifest.Manifest, reviewed: int = 0) -> dict[str, int]:
    counts = dict.fromkeys(package.PER_REPORT, 0)
    for r in m.reports:
        for name, n in r.rows.items():
            counts[name] += n
    counts["checks"] += len(m.across)
    counts["indicators"] = len(package.indicator_rows())
    counts["rejects"] = len(m.rejects)
    counts["review"] = reviewed
    return {res["name"]: counts[res["name"]] for res in schema.resources()}
