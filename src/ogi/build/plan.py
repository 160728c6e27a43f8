"""Plan: what each input of a build becomes — rejected (unreadable, a copy of another, or
rejected before and unchanged), reused from the previous build (same bytes, name, provenance
and parser version: :func:`ogi.build.manifest.key`), or parsed — the chunks the parsed ones
are cut into, and the new manifest: the reports, the rejected files and the checks across
reports, made anew from every report's small record.
"""

from __future__ import annotations

import math
import os
import sqlite3
import sys
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from .. import acquire, package
from ..check.cross_year import check_cross_year
from ..errors import OgiError
from ..parse import review
from ..store.tables import create_shard, typed
from . import manifest, workers
from .chunk import Chunk, Outcome, Sizes, Task, read_records, spill, warm
from .result import Progress, Rejected

CHUNK_MAX = 64  # inputs per chunk, at most
CHUNKS = 32  # chunks a build is cut into, at least (when there are inputs enough)


class Reused(NamedTuple):
    """A report of the previous build this one keeps: where it was, its id, the digest of
    the neighbouring years' values it was parsed with (:mod:`ogi.build.years`)."""

    pos: int
    key: str
    report_id: str
    across: str | None = None


@dataclass(slots=True)
class Item:
    """An input and what this build does with it."""

    pos: int
    input: acquire.Input
    where: str  # the absolute path, as the manifest remembers inputs
    key: str | None = None
    reuse: Reused | None = None  # unchanged report of the previous build
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


def plan(
    paths: list[Path],
    previous: manifest.Manifest | None,
    reviews: list[review.Review] | None = None,
) -> list[Item]:
    version = manifest.parser_version()
    reviews = reviews or []
    find = _finder(previous)
    old_rejects = {r.key: r for r in previous.rejects if r.key} if previous else {}
    seen = previous.seen if previous else {}
    reviewed: dict[str, list[review.Review]] = {}  # sha256 → its review rows
    for r in reviews:
        reviewed.setdefault(r.sha256, []).append(r)
    first: dict[str, Path] = {}
    items = []
    for pos, path in enumerate(paths):
        where = os.path.abspath(path)
        record = seen.get(where)
        inp = acquire.identify(path, record.input(path) if record else None)
        item = Item(pos, inp, where)
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
            if inp.sha256 in reviewed:  # a report is parsed again when its review rows change
                item.reviews = reviewed[inp.sha256]
                item.base = item.key
                rows = [r.cells() for r in item.reviews]
                item.key = manifest.key(item.key, "review", {"rows": rows}, version)
            item.reuse = find(item.key)
            item.reject = old_rejects.get(item.key)
        items.append(item)
    review.check_reports(reviews, {it.input.sha256 for it in items if it.key})
    return items


def _finder(previous: manifest.Manifest | None) -> Any:
    """key → :class:`Reused` (or None) for the previous build's reports."""
    if previous is None:
        return lambda key: None
    old = previous.reports
    if isinstance(old, manifest.StoredReports):  # looked up in its file, not held here

        def find(key: str) -> Reused | None:
            found = old.store.find(key)
            if found is None:
                return None
            record = orjson.loads(found[1])
            return Reused(found[0], key, record["report_id"], record.get("across"))

        return find
    index = {r.key: Reused(i, r.key, r.report_id, r.across) for i, r in enumerate(old)}
    return index.get


def tasks(items: list[Item], scratch: Path) -> list[Task]:
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


def parse_chunks(
    tasks: list[Task], jobs: int, time_limit: float, progress: Progress
) -> list[Chunk]:
    """Parse the chunks in worker processes; in order."""
    progress.stage("parse", sum(len(t.items) for t in tasks))
    if not tasks:
        return []
    warm()  # once here rather than once in each worker
    return workers.parse(tasks, jobs, time_limit, progress.advance, pages=progress.page)


def _shared_keys(d: dict[str, Any] | None) -> dict[str, Any] | None:
    """The dict with its keys interned: an outcome unpickled from a worker brings its own
    copy of every key ("statistics", "carried_in" …) — some 30 strings a report the build
    keeps in memory to its end."""
    return None if d is None else {sys.intern(k): v for k, v in d.items()}


def settle(items: list[Item], chunks: list[Chunk]) -> None:
    """Record what the parse made of each input."""
    outcomes = {o.pos: o for c in chunks for o in c.outcomes}
    for it in items:
        o = outcomes.get(it.pos)
        if o is None:
            continue
        o.rows = _shared_keys(o.rows) or o.rows
        o.sizes = Sizes(o.sizes) if o.sizes else o.sizes
        o.source, o.carried = _shared_keys(o.source), _shared_keys(o.carried)
        it.outcome = o
        if o.review_error is not None:
            raise OgiError(o.review_error)
        if o.reject is not None:
            inp = it.input
            it.reject = manifest.Reject(it.key, inp.name, inp.sha256, inp.size, *o.reject)
    review.check_rejected([(it.reviews, it.reject.problem) for it in items if it.reject])


def make_manifest(
    items: list[Item],
    folder: Path,
    previous: manifest.Manifest | None = None,
    chunks: list[Chunk] | None = None,
) -> manifest.Manifest:
    """The new manifest, its reports in a SQLite file in ``folder`` (those reused copied
    from the previous build's); the outcomes of the parse then keep only their sizes."""
    reports = manifest.StoredReports(folder / "reports.db")
    rejects = []
    records = ChunkRecords(chunks or [])
    for it in items:
        if it.reject is not None:
            rejects.append(it.reject)
        elif it.reuse is not None:
            assert previous is not None
            old = previous.reports
            if isinstance(old, manifest.StoredReports):
                blob = old.store.get_blob(it.reuse.key)
                assert blob is not None
                reports.store.append_blob(it.reuse.key, blob)
            else:
                reports.append(next(r for r in old if r.key == it.reuse.key))
        elif it.outcome is not None and it.outcome.report_id is not None:
            o = it.outcome
            assert it.key is not None and o.report_id is not None and it.chunk is not None
            rec = records.get(it.chunk, it.pos) if o.source is None else spill(o)
            reports.append(
                manifest.Report(
                    it.key,
                    it.input.name,
                    o.report_id,
                    rec["source"],
                    o.failing,
                    _shared_keys(rec["rows"]) or {},
                    dict(o.sizes),
                    rec["dates"],
                    rec["carried"],
                    rec["body"],
                    o.year,
                    rec["years"],
                    rec["across"],
                    rec["text"],
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
    m.across = across(m)
    return m


class ChunkRecords:
    """The reports' records in the chunks' records files, read a few chunks at a time (the
    reports parsed again by the second pass, :mod:`ogi.build.years`, are in chunks after the
    others: reading the inputs in order goes back and forth between two chunks)."""

    KEPT = 4  # chunks' records held at once

    def __init__(self, chunks: list[Chunk]) -> None:
        self.chunks = {c.index: c for c in chunks}
        self.loaded: OrderedDict[int, dict[int, dict[str, Any]]] = OrderedDict()

    def get(self, chunk: int, pos: int) -> dict[str, Any]:
        if chunk in self.loaded:
            self.loaded.move_to_end(chunk)
        else:
            self.loaded[chunk] = read_records(self.chunks[chunk])
            if len(self.loaded) > self.KEPT:
                self.loaded.popitem(last=False)
        return self.loaded[chunk][pos]


def across(m: manifest.Manifest) -> list[list[str]]:
    """The checks that compare reports with each other (this year's 上年结转 against the same
    body's 结转下年度 of the year before), as CSV cells: made anew by every build from the
    reports' small records, so that adding or removing one report updates its neighbours'
    checks without parsing them again."""
    records = [r.carried for r in m.reports if r.carried is not None]
    return package.texts("checks", check_cross_year(records))


def across_db(scratch: Path, m: manifest.Manifest) -> list[Path]:
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
