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
  exists, a copy of its database updated; keys are checked as rows go in.

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
import json
import math
import os
import shutil
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from . import acquire, fastcheck, load, manifest, package, publish, schema, workers
from .check.cross_year import RULE as ACROSS_RULE
from .check.cross_year import check_cross_year
from .chunk import Chunk, Outcome, Task, create_shard, parse_file, typed, warm
from .errors import OgiError
from .serve.metadata import write_metadata

__all__ = ["BuildResult", "Rejected", "build", "parse_file"]

DB_NAME = "ogi.db"
CHUNK_MAX = 64  # inputs per chunk, at most
CHUNKS = 32  # chunks a build is cut into, at least (when there are inputs enough)
WHOLE = ("indicators", "rejects")  # resources written whole (not from the reports)
CODE_ONLY = ("indicators",)  # resources only the code decides


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
    key: str | None = None
    reuse: manifest.Report | None = None  # unchanged report of the previous build
    reject: manifest.Reject | None = None  # rejected (decided before or after parsing)
    outcome: Outcome | None = None  # parsed by this build
    chunk: int | None = None
    said: str | None = None  # the problem as the build's output says it, when it differs

    def rejected(self) -> Rejected:
        assert self.reject is not None
        path = self.input.error.path if self.input.error else str(self.input.path)
        return Rejected(path, self.said or self.reject.problem, self.reject.remedy)


def _plan(paths: list[Path], previous: manifest.Manifest | None) -> list[_Item]:
    version = manifest.parser_version()
    old_reports = {r.key: r for r in previous.reports} if previous else {}
    old_rejects = {r.key: r for r in previous.rejects if r.key} if previous else {}
    seen = previous.seen if previous else {}
    first: dict[str, Path] = {}
    items = []
    for pos, path in enumerate(paths):
        inp = acquire.identify(path, seen.get(os.path.abspath(path)))
        item = _Item(pos, inp)
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
            item.key = manifest.key(inp.sha256, inp.name, inp.provenance, version)
            item.reuse = old_reports.get(item.key)
            item.reject = old_rejects.get(item.key)
        items.append(item)
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
        tasks.append(Task(index, [(it.pos, str(it.input.path)) for it in group], str(scratch)))
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
        if o.reject is not None:
            inp = it.input
            it.reject = manifest.Reject(it.key, inp.name, inp.sha256, inp.size, *o.reject)


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
    seen = {os.path.abspath(it.input.path): it.input for it in items}
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


def _pieces(
    name: str,
    items: list[_Item],
    chunks: list[Chunk],
    old: manifest.Manifest | None,
    out: Path,
) -> list[_Piece]:
    """Where each report's rows of resource ``name`` are, in package order; adjacent ranges
    of one file are merged."""
    old_at: dict[str, int] = {}
    if old is not None:
        at = len(package.header_text(name).encode("utf-8"))
        for r in old.reports:
            old_at[r.key] = at
            at += r.sizes[name]
    chunk_at = {c.index: c.offsets[name][0] for c in chunks}
    chunk_path = {c.index: c.csv for c in chunks}
    old_path = str(out / "data" / f"{name}.csv")
    pieces: list[_Piece] = []
    last = _Piece("", 0, 0)
    for it in items:
        if it.reject is not None:
            continue
        if it.reuse is not None:
            path, start, size = old_path, old_at[it.reuse.key], it.reuse.sizes[name]
        else:
            assert it.chunk is not None and it.outcome is not None
            path, start, size = chunk_path[it.chunk], chunk_at[it.chunk], it.outcome.sizes[name]
            chunk_at[it.chunk] += size
        if last.path == path and last.start + last.length == start:
            last.length += size  # the next bytes of the same file: one piece
        else:
            last = _Piece(path, start, size)
            pieces.append(last)
    return pieces


def _copy(pieces: list[_Piece], target: Path, head: bytes, tail: bytes = b"") -> None:
    """Write ``head``, the pieces, then ``tail`` into ``target`` (in the kernel where it can)."""
    with open(target, "wb") as dst:
        dst.write(head)
        dst.flush()
        for p in pieces:
            with open(p.path, "rb") as src:
                _copy_range(src, dst, p.start, p.length)
        dst.write(tail)


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


def _whole_rows(name: str, m: manifest.Manifest) -> list[list[str]]:
    if name == "indicators":
        return package.texts(name, package.indicator_rows())
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
) -> tuple[list[Path], int]:
    """Write the package into ``root``; return the files to publish (relative paths, in
    publishing order: the database first, the descriptor last) and the build's stamp.

    An incremental build leaves out what only the code decides (the indicators and
    metadata.yml): the code has not changed since the published build, so neither have they."""
    (root / "data").mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    for res in schema.resources():
        name = res["name"]
        rel = Path("data") / f"{name}.csv"
        if name in CODE_ONLY and old is not None:
            m.files[str(rel)] = old.files[str(rel)]
            continue
        head = package.header_text(name).encode("utf-8")
        if name in WHOLE:
            (root / rel).write_bytes(head + package.csv_text(_whole_rows(name, m)).encode("utf-8"))
        else:  # the reports' rows, then the checks across reports
            tail = package.csv_text(m.across).encode("utf-8") if name == "checks" else b""
            _copy(_pieces(name, items, chunks, old, out), root / rel, head, tail)
        m.files[str(rel)] = (root / rel).stat().st_size
        files.append(rel)
    sources = [r.source for r in m.reports]
    when = package.created(d for r in m.reports for d in r.dates)
    text = json.dumps(package.descriptor(sources, when), ensure_ascii=False, indent=2) + "\n"
    (root / "datapackage.json").write_text(text, encoding="utf-8")
    if old is None:
        write_metadata(root / "metadata.yml")
        files.append(Path("metadata.yml"))
    stamp = m.write(root / manifest.PATH)
    return [publish.DB, *files, manifest.PATH, Path("datapackage.json")], stamp


# ---------------------------------------------------------------------------------------------
# Validate


def _raise_errors(dp: Path) -> None:
    """Raise InvalidPackage with the errors frictionless would find (the fast check found
    something; if the exact listing finds nothing, it was a false alarm)."""
    problems = fastcheck.errors(dp)
    if problems:
        raise load.InvalidPackage(problems)


def _timed_check(
    root: Path, items: list[_Item], m: manifest.Manifest, incremental: bool
) -> tuple[bool, float]:
    """(no error in the rows, seconds it took to tell): :func:`_validate_new` run aside."""
    t = time.perf_counter()
    gc.disable()
    try:
        _validate_new(root, items, m, incremental)
        return True, time.perf_counter() - t
    except fastcheck.Dirty:
        return False, time.perf_counter() - t


def _validate_new(root: Path, items: list[_Item], m: manifest.Manifest, incremental: bool) -> None:
    """Check the rows of the staged package that this build wrote (all of them, unless the
    build is incremental: then those of the reports it parsed and the whole resources)."""
    dp = root / "datapackage.json"
    try:
        if not incremental:
            fastcheck.rows_clean(dp)
            return
        tables = {t.name: t for t in fastcheck.compile_package(dp)}
        for name in WHOLE:
            if name not in CODE_ONLY:
                fastcheck.table_clean(tables[name])
        for name in package.PER_REPORT:
            fastcheck.table_clean(tables[name], _new_rows(tables[name], m, items))
        fastcheck.table_clean(tables["checks"], m.across)
    except fastcheck.NotForTheFastPath as e:
        raise fastcheck.Dirty(str(e)) from None


def _new_rows(
    table: fastcheck.Table, m: manifest.Manifest, items: list[_Item]
) -> Iterator[list[str]]:
    """The rows of the reports parsed by this build, read from the staged CSV file."""
    parsed = {it.key for it in items if it.outcome is not None and it.reject is None}
    at = len(package.header_text(table.name).encode("utf-8"))
    with open(table.path, "rb") as f:
        for r in m.reports:
            size = r.sizes[table.name]
            if r.key in parsed and size:
                f.seek(at)
                text = f.read(size).decode("utf-8")
                yield from fastcheck.read_text_rows(table, text)
            at += size


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
) -> BuildResult:
    """Build the package, database and metadata from ``inputs`` into ``out``.

    ``jobs``: worker processes for parsing (default: one per core). ``full``: parse every
    input again, ignoring the previous build. ``time_limit``: seconds one input may take to
    parse before it is stopped and rejected. Raises OgiError when nothing could be built;
    a build with rejected inputs returns normally (``result.partial``)."""
    t0 = time.perf_counter()
    progress = progress or Progress()
    jobs = jobs or default_jobs()
    paths = acquire.discover(inputs)
    if out.exists() and not out.is_dir():
        raise OgiError(f"{out}: is a file, not a folder; give --out a folder to build into")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with publish.locked(out):
            publish.recover(out)
            staging = publish.stage(out)
            try:
                result = _build(paths, out, staging, jobs, full, time_limit, progress)
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
) -> BuildResult:
    seconds: dict[str, float] = {}
    previous = None if full else manifest.trusted(out, publish.db_stamp(out / publish.DB))
    committed = False
    try:
        scratch = staging / "scratch"
        scratch.mkdir()
        with _timed(seconds, "parse"):
            items = _plan(paths, previous)
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
        result.counts = _counts(m)
        if previous is not None and _same(m, previous):
            return result  # nothing changed: the published build is this one already
        progress.stage("package")
        with _timed(seconds, "package"):
            files, stamp = _write_package(staging, items, chunks, m, previous, out)
        dp = staging / "datapackage.json"
        try:
            if previous is None:  # validation and loading at once, on the two cores
                progress.stage("load")
                checking = workers.Aside(_timed_check, staging, items, m, False)
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
                _check_counts(result.counts, m)
                with _timed(seconds, "publish"):
                    committed = True
                    publish.commit_by_rename(staging, out, files, stamp)
            else:  # a copy of the published database, updated; new rows validated first
                progress.stage("validate")
                with _timed(seconds, "validate"):
                    try:
                        _validate_new(staging, items, m, True)
                    except fastcheck.Dirty:
                        _raise_errors(dp)
                progress.stage("load")
                with _timed(seconds, "load"):
                    (staging / "build").mkdir(exist_ok=True)
                    publish.clone(out / publish.DB, staging / publish.DB)
                    old_ids = {r.report_id for r in previous.reports}
                    kept = {it.reuse.report_id for it in items if it.reuse is not None}
                    result.counts = load.update(
                        staging / publish.DB,
                        dp,
                        old_ids - kept,
                        [Path(c.db) for c in chunks] + _across_db(scratch, m),
                        ["rejects"],
                        stamp,
                        scratch,
                        replaced=[("checks", "check", ACROSS_RULE)],
                        seconds=result.load_seconds,
                    )
                _check_counts(result.counts, m)
                with _timed(seconds, "publish"):
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


def _check_counts(counts: dict[str, int], m: manifest.Manifest) -> None:
    """The database holds as many rows as the package (a check inside the pipeline)."""
    if counts != _counts(m):
        raise OgiError(
            f"the database holds {counts} rows, the package {_counts(m)}; "
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


def _counts(m: manifest.Manifest) -> dict[str, int]:
    counts = {name: sum(r.rows.get(name, 0) for r in m.reports) for name in package.PER_REPORT}
    counts["checks"] += len(m.across)
    counts["indicators"] = len(package.indicator_rows())
    counts["rejects"] = len(m.rejects)
    return {res["name"]: counts[res["name"]] for res in schema.resources()}
