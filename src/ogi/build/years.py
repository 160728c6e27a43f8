"""Years: the second pass of a build — generation-1 reports whose digits run together
(this year and 历年累计 in one run) settled by the same body's neighbouring years in the
batch (:mod:`ogi.parse.years`).

Every report is parsed on its own first; its record (in its chunk's records file or,
reused, in the previous build's manifest: read back here, not held by the parse) holds what it settles itself and which rows it leaves open. Then, for each report with
open rows and a report of its body for the year before or after (one only: two reports of a
year, a revised one beside the first, cannot be told apart), the neighbours' values for those
rows are gathered; their digest is the report's ``across``. A report whose ``across`` is not
the one it was parsed with (none for a report just parsed; the previous build's for a report
reused) is parsed again with them — and a reused report whose neighbours have gone, again
without. Its first-pass rows are taken out of their chunk's files, and the reports parsed
again make new chunks after the others: the package's order is the inputs' order, as ever,
and the same inputs give the same files whatever was built before.
"""

from __future__ import annotations

import hashlib
import math
import sqlite3
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import orjson

from .. import package
from ..package import schema
from ..parse import years
from ..store.views import search_columns
from . import manifest, workers
from .chunk import Chunk, Task
from .plan import CHUNK_MAX, CHUNKS, ChunkRecords, Item, settle
from .result import Progress


class Packed(Mapping[int, dict[str, Any]]):
    """Records by position, held as their JSON bytes (some 0.8 KB a generation-1 report,
    where the dict is 4 KB) and decoded when looked up."""

    def __init__(self, found: dict[int, bytes]) -> None:
        self.found = found

    def __getitem__(self, pos: int) -> dict[str, Any]:
        record: dict[str, Any] = orjson.loads(self.found[pos])
        return record

    def __iter__(self) -> Iterator[int]:
        return iter(self.found)

    def __len__(self) -> int:
        return len(self.found)


def first_records(
    items: list[Item], chunks: list[Chunk], previous: manifest.Manifest | None
) -> Packed:
    """By position, the records of their own evidence (:func:`ogi.parse.years.record`) of the
    reports that have one (generation 1): read from this build's chunks' records files, a
    chunk at a time, or from the previous build's manifest (its SQLite file) for a report
    reused."""
    found: dict[int, bytes] = {}
    records = ChunkRecords(chunks)
    reused: dict[int, int] = {}  # position in the previous build → in this one
    for it in items:
        if it.reject is not None:
            continue
        if it.outcome is not None and it.outcome.report_id is not None:
            assert it.chunk is not None
            rec = records.get(it.chunk, it.pos)["years"]
            if rec is not None:
                found[it.pos] = orjson.dumps(rec)
        elif it.reuse is not None:
            reused[it.reuse.pos] = it.pos
    if reused and previous is not None:  # one pass over the previous build's reports
        for i, r in enumerate(previous.reports):
            if i in reused and r.years is not None:
                found[reused[i]] = orjson.dumps(r.years)
    return Packed(dict(sorted(found.items())))


def neighbours_of(
    records: Mapping[int, dict[str, Any]],
) -> dict[int, tuple[years.Neighbours | None, str | None]]:
    """Of the reports' records by position: the neighbours each report with open rows is to
    be parsed with, and their digest (None, None: no neighbour says anything of them)."""
    by_year: dict[tuple[str, int], list[int]] = {}
    for pos, r in records.items():
        by_year.setdefault((r["body"], r["year"]), []).append(pos)

    def one(body: str, year: int) -> dict[str, Any] | None:
        found = by_year.get((body, year), [])
        return records[found[0]] if len(found) == 1 else None

    out: dict[int, tuple[years.Neighbours | None, str | None]] = {}
    for pos, r in records.items():
        if not r["open"]:
            continue
        nb = years.neighbours(r, one(r["body"], r["year"] - 1), one(r["body"], r["year"] + 1))
        out[pos] = (nb, digest(nb) if nb else None)
    return out


def digest(nb: years.Neighbours) -> str:
    """A digest of the neighbours' values: part of what the report's rows are made from."""
    return hashlib.sha256(orjson.dumps(nb, option=orjson.OPT_SORT_KEYS)).hexdigest()


def second_pass(
    items: list[Item],
    chunks: list[Chunk],
    scratch: Path,
    jobs: int,
    time_limit: float,
    progress: Progress,
    previous: manifest.Manifest | None = None,
) -> list[Chunk]:
    """Parse again, with their neighbours, the reports whose neighbours are not those they
    were parsed with; the chunks of the build, the new ones after the others. ``previous``:
    the previous build's manifest, whose reports this build reuses."""
    first_pass = first_records(items, chunks, previous)
    want = neighbours_of(first_pass)
    redo = []
    for it in items:
        nb, dig = want.get(it.pos, (None, None))
        had = it.reuse.across if it.reuse is not None else None
        if it.pos in first_pass and dig != had:
            redo.append((it, nb, dig))
    if not redo:
        return chunks
    stale: dict[int, set[int]] = {}  # chunk → positions parsed again
    for it, _, _ in redo:
        if it.reuse is None and it.chunk is not None:
            stale.setdefault(it.chunk, set()).add(it.pos)
    chunks = [prune(c, stale[c.index]) if c.index in stale else c for c in chunks]
    size = max(1, min(CHUNK_MAX, math.ceil(len(redo) / CHUNKS)))
    tasks = []
    first = max((c.index for c in chunks), default=-1) + 1
    for n, at in enumerate(range(0, len(redo), size)):
        group = redo[at : at + size]
        task = Task(first + n, [], str(scratch))
        for it, nb, dig in group:
            rec = first_pass[it.pos]
            task.items.append((it.pos, str(it.input.path)))
            task.neighbours[it.pos] = (nb, dig, rec)
            if it.reviews:
                task.reviews[it.pos] = it.reviews
            it.reuse, it.outcome, it.chunk = None, None, first + n
        tasks.append(task)
    progress.stage("years", len(redo))
    again = workers.parse(tasks, jobs, time_limit, progress.advance, pages=progress.page)
    settle(items, again)
    return [*chunks, *again]


def prune(chunk: Chunk, positions: set[int]) -> Chunk:
    """The chunk without the rows of the reports at ``positions`` (parsed again): its CSV
    pieces copied without them, its database's rows and its records of them deleted."""
    gone = [o for o in chunk.outcomes if o.pos in positions]
    kept = [o for o in chunk.outcomes if o.pos not in positions]
    data = Path(chunk.csv).read_bytes()
    out: list[bytes] = []
    offsets: dict[str, tuple[int, int]] = {}
    at = 0
    for name in package.PER_REPORT:
        start, _ = chunk.offsets[name]
        piece = []
        for o in chunk.outcomes:
            n = o.sizes.get(name, 0)
            if o.pos not in positions:
                piece.append(data[start : start + n])
            start += n
        body = b"".join(piece)
        offsets[name] = (at, len(body))
        out.append(body)
        at += len(body)
    Path(chunk.csv).write_bytes(b"".join(out))
    ids = [o.report_id for o in gone if o.report_id is not None]
    if ids:
        _delete(chunk.db, ids)
    if chunk.records:
        with open(chunk.records, "rb") as f:
            lines = [line for line in f if orjson.loads(line)["pos"] not in positions]
        Path(chunk.records).write_bytes(b"".join(lines))
    return Chunk(chunk.index, kept, chunk.csv, chunk.db, offsets, chunk.records)


def _delete(db: str, ids: list[str]) -> None:
    """Delete the reports' rows from a chunk database, search tables first (a searched
    table's rows are found by its key, which may not hold the report's id)."""
    marks = ", ".join("?" * len(ids))
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("BEGIN")
        for name in search_columns():
            key = ", ".join(f"[{c}]" for c in schema.resource(name)["primary_key"])
            conn.execute(
                f"DELETE FROM [fts_{name}] WHERE ({key}) IN "
                f"(SELECT {key} FROM [{name}] WHERE report_id IN ({marks}))",
                ids,
            )
        for name in package.PER_REPORT:
            conn.execute(f"DELETE FROM [{name}] WHERE report_id IN ({marks})", ids)
        conn.execute("COMMIT")
    finally:
        conn.close()
