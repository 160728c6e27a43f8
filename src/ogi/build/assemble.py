"""Assemble: the package's files in the staging folder — each CSV file the pieces of rows
that make it, in package order (runs of the previous build's file, the chunks' pieces,
copied in the kernel where it can), the resources written whole, the descriptor, the
metadata and the manifest.
"""

from __future__ import annotations

import errno
import hashlib
import os
from array import array
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path
from typing import BinaryIO

import orjson

from .. import package
from ..package import schema
from ..package.contents import describe
from ..package.issuers import issuer_rows
from ..package.repeats import repeat_rows
from ..parse import review
from ..serve.metadata import write_metadata
from . import manifest, publish
from . import parquet as dataset
from .chunk import Chunk
from .plan import Item

# resources written whole (not from the reports' rows; issuers from their manifest records)
WHOLE = ("issuers", "indicators", "repeats", "rejects", "review")
CODE_ONLY = ("indicators",)  # resources only the code decides


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
    sizes: list[Mapping[str, int]] = field(default_factory=list)


def _runs(items: list[Item]) -> list[_Run]:
    """The package's reports, in order, as runs (few: an incremental build that adds one
    report to ten thousand copies three runs of each file, not ten thousand pieces)."""
    runs: list[_Run] = []
    for it in items:
        if it.reject is not None:
            continue
        last = runs[-1] if runs else None
        if it.reuse is not None:
            i = it.reuse.pos
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
    old_sizes: dict[str, array[int]] | None,
    out: Path,
) -> list[_Piece]:
    """Where the rows of resource ``name`` are, in package order."""
    head = len(package.header_text(name).encode("utf-8"))
    starts = list(accumulate(old_sizes[name], initial=head)) if old_sizes else []
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
class Csv:
    """A CSV file of the package to write: ``head``, the pieces, then ``tail``."""

    target: Path
    head: bytes
    pieces: list[_Piece]
    tail: bytes = b""

    @property
    def size(self) -> int:
        return len(self.head) + sum(p.length for p in self.pieces) + len(self.tail)


def _copy(csv: Csv) -> None:
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


def copy_all(jobs: list[Csv]) -> None:
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


def _whole_rows(name: str, m: manifest.Manifest, items: list[Item]) -> list[list[str]]:
    if name == "indicators":
        return package.texts(name, package.indicator_rows())
    if name == "review":
        return review.cells(r for it in items if it.reject is None for r in it.reviews)
    if name == "issuers":
        return package.texts(name, issuer_rows(r.body for r in m.reports))
    if name == "repeats":
        return package.texts(name, repeat_rows(r.text for r in m.reports))
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


def write_descriptor(target: Path, m: manifest.Manifest) -> None:
    """``datapackage.json``: its ``sources`` (one a report), the date it was created, what it
    contains."""
    sources, dates = [], set()  # the same dates recur
    for r in m.reports:
        sources.append(r.source)
        dates.update(r.dates)
    created = package.created(dates)
    contents = describe(len(sources), issuer_rows(r.body for r in m.reports))
    desc = package.descriptor(sources, created, contents)
    # the same bytes as json.dumps(..., ensure_ascii=False, indent=2), faster
    target.write_bytes(orjson.dumps(desc, option=orjson.OPT_INDENT_2) + b"\n")


@dataclass
class Staged:
    """What :func:`write_package` staged: the files to publish (relative paths, in publishing
    order: the database first, the descriptor last), the build's stamp, the CSV files of the
    reports' rows still to be copied (:func:`copy_all`; their sizes are known, and in the
    manifest, already), and the Parquet dataset still to be written
    (:func:`ogi.build.parquet.write`, once the CSV files are), with the published files it
    removes."""

    files: list[Path]
    stamp: int
    csvs: list[Csv]
    parquet: dataset.Plan


def write_package(
    root: Path,
    items: list[Item],
    chunks: list[Chunk],
    m: manifest.Manifest,
    old: manifest.Manifest | None,
    out: Path,
) -> Staged:
    """Write the package into ``root``; return what is staged (:class:`Staged`).

    An incremental build leaves out what only the code decides (the indicators and
    metadata.yml): the code has not changed since the published build, so neither have they."""
    (root / "data").mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    jobs: list[Csv] = []
    whole: dict[str, str] = {}  # digests of the resources written whole, for the Parquet
    runs = _runs(items)
    old_sizes = manifest.sizes(old.reports) if old is not None else None
    for res in schema.resources():
        name = res["name"]
        rel = Path("data") / f"{name}.csv"
        if name in CODE_ONLY and old is not None:
            m.files[str(rel)] = old.files[str(rel)]
            whole[name] = hashlib.sha256((out / rel).read_bytes()).hexdigest()
            continue
        head = package.header_text(name).encode("utf-8")
        if name in WHOLE:
            text = head + package.csv_text(_whole_rows(name, m, items)).encode("utf-8")
            (root / rel).write_bytes(text)
            whole[name] = hashlib.sha256(text).hexdigest()
            m.files[str(rel)] = (root / rel).stat().st_size
        else:  # the reports' rows, then the checks across reports
            tail = package.csv_text(m.across).encode("utf-8") if name == "checks" else b""
            pieces = _pieces(name, runs, chunks, old_sizes, out)
            jobs.append(Csv(root / rel, head, pieces, tail))
            m.files[str(rel)] = jobs[-1].size
        files.append(rel)
    write_descriptor(root / "datapackage.json", m)
    if old is None:
        write_metadata(root / "metadata.yml")
        files.append(Path("metadata.yml"))
    stamp = m.write(root / manifest.PATH)
    m.write_seen(root / manifest.SEEN)
    pq = dataset.plan(m, out, whole, fresh=old is None)
    order = [publish.DB, *files, *pq.files, manifest.SEEN, manifest.PATH, Path("datapackage.json")]
    return Staged(order, stamp, jobs, pq)
