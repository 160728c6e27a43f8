"""Manifest: what a published build holds, input by input, so that the next build parses only
what changed.

``build/manifest.json`` is published with the package and the database. It lists, in package
order, every report — the *key* it was built from, its report id, its ``sources`` entry, its
failing checks, its year, the numbers the cross-year rule compares (:mod:`ogi.check.cross_year`),
what a generation-1 report gives its neighbouring years and the digest of the neighbours'
values it was parsed with (:mod:`ogi.build.years`) and,
for each CSV file, how many rows and bytes it holds there — and every
rejected file whose rejection depends only on its bytes. A report's key is the sha256 of its
bytes, together with its file name and provenance (which appear in its rows) and the parser
version (a digest of the code and format files that decide the rows), so a report is parsed
again exactly when one of them changes.

It also remembers, for each input file read, its sha256, its key and its fingerprint (size,
times, inode — see :func:`ogi.acquire.fingerprint`): a file whose fingerprint has not changed
is not read again, as ``git`` does not re-read an unchanged file.

The manifest's *stamp* — 31 bits of a digest of its content, the fingerprints left out — is
also the database's ``user_version``: a manifest whose stamp is not the database's, or whose
CSV files have other sizes than it recorded, is not trusted, and the build starts afresh.

>>> key("a" * 64, "x.txt", {}, "v1") == key("a" * 64, "x.txt", {}, "v1")
True
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import sys
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from ..acquire import Input
from . import records

FORMAT = 6  # 6: one report a line (a build keeps them in a SQLite file); years, across, text
PATH = Path("build") / "manifest.json"
# the input files as this machine read them (paths, fingerprints): not the build's content
SEEN = Path("build") / "seen.json"


@cache
def parser_version() -> str:
    """A digest of every code and data file of the package (and of the Python and SQLite
    versions): any change to how rows are made, checked or loaded makes every key new."""
    root = Path(__file__).parent.parent  # src/ogi, not just src/ogi/build
    h = hashlib.sha256(f"{sys.version}\0{sqlite3.sqlite_version}\0".encode())
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def key(sha256: str, name: str, provenance: dict[str, Any], version: str) -> str:
    """The key of an input: what its rows are made from."""
    text = json.dumps([version, name, sha256, provenance], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class Report:
    """One report of the build."""

    key: str
    name: str
    report_id: str
    source: dict[str, Any]
    failing: int
    rows: dict[str, int]
    sizes: dict[str, int]
    dates: list[str] = field(default_factory=list)
    carried: dict[str, Any] | None = None  # what the cross-year rule compares
    body: dict[str, Any] | None = None  # its issuer, for the issuers resource
    year: int | None = None  # the year the report covers (its Parquet partition)
    years: dict[str, Any] | None = None  # what it gives its neighbouring years (ogi.parse.years)
    across: str | None = None  # digest of the neighbouring years' values it was parsed with
    text: dict[str, Any] | None = None  # its sentences' hashes, for the repeats resource


@dataclass
class Reject:
    """One rejected input (``key`` None when the rejection does not depend on its bytes
    alone, e.g. a copy of another input or an unreadable file)."""

    key: str | None
    name: str
    sha256: str | None
    bytes: int | None
    problem: str
    remedy: str


class Seen(NamedTuple):
    """An input file as a build read it: what tells that it has not changed since, and what
    was read from it."""

    fingerprint: list[int]
    sha256: str
    size: int
    provenance: dict[str, Any]
    key: str | None  # None: rejected before it had a key

    def input(self, path: Path) -> Input:
        """The file at ``path`` as it was read."""
        return Input(path, self.sha256, self.size, self.provenance, None, self.fingerprint)


class StoredReports:
    """A manifest's reports kept in a SQLite file (:class:`ogi.build.records.Reports`), not in
    memory: read back in order, one :class:`Report` at a time."""

    def __init__(self, path: Path) -> None:
        self.store = records.Reports(path)

    def append(self, r: Report) -> None:
        self.store.append_blob(r.key, orjson.dumps(vars(r)))

    def __iter__(self) -> Iterator[Report]:
        for blob in self.store.blobs():
            yield Report(**orjson.loads(blob))

    def __len__(self) -> int:
        return len(self.store)

    def __bool__(self) -> bool:
        return len(self.store) > 0

    def __eq__(self, other: object) -> bool:
        if isinstance(other, StoredReports):
            return len(self) == len(other) and all(
                a == b for a, b in zip(self.store.blobs(), other.store.blobs(), strict=True)
            )
        if isinstance(other, list):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def get(self, key: str) -> Report | None:
        blob = self.store.get_blob(key)
        return None if blob is None else Report(**orjson.loads(blob))

    def position(self, key: str) -> int | None:
        return self.store.position(key)


def _blobs(reports: list[Report] | StoredReports) -> Iterator[bytes]:
    if isinstance(reports, StoredReports):
        yield from reports.store.blobs()
    else:
        for r in reports:
            yield orjson.dumps(vars(r))


@dataclass
class Manifest:
    """A build: its version, its reports and rejected files in order, its CSV sizes, and the
    inputs it read (absolute path → what was read). The reports are in memory (a list) or,
    in a build, in a SQLite file (:class:`StoredReports`)."""

    version: str
    reports: list[Report] | StoredReports
    rejects: list[Reject]
    files: dict[str, int] = field(default_factory=dict)  # published CSV → size in bytes
    seen: dict[str, Seen] = field(default_factory=dict)
    # the checks across reports (CSV cells), made from the reports' ``carried``: not written
    across: list[list[str]] = field(default_factory=list)

    def write(self, path: Path) -> int:
        """Write the manifest (the content, its stamp, the fingerprints); return the stamp.

        Written as it is read, one report a line (a manifest of 100,000 reports is some
        100 MB of JSON, never held whole): the content — format, version, reports, rejected
        files, CSV sizes — then its stamp, a digest of those bytes, then the fingerprints,
        one input a line. Keys in the order they were made (a report read back keeps its
        order, and the package's ``sources`` entries are written from it)."""
        h = hashlib.sha256()
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as f:

            def put(data: bytes) -> None:
                h.update(data)
                f.write(data)

            put(b'{"format":%d,"version":%s,"reports":[' % (FORMAT, orjson.dumps(self.version)))
            for i, blob in enumerate(_blobs(self.reports)):
                put((b"\n" if i == 0 else b",\n") + blob)
            rejects = orjson.dumps([vars(r) for r in self.rejects])
            put(b'\n],"rejects":%s,"files":%s' % (rejects, orjson.dumps(self.files)))
            stamp = int(h.hexdigest()[:8], 16) & 0x7FFFFFFF
            f.write(b',"stamp":%d}\n' % stamp)
        return stamp

    def write_seen(self, path: Path) -> None:
        """Write the input files as this build read them (``build/seen.json``, one a line):
        a record of this machine's files — their paths, sizes, times, inodes — that lets the
        next build here skip reading unchanged files, as git's index does. It is no part of
        the build's content (the manifest holds no path), so a build of the same inputs
        elsewhere, or a merge of shards (:mod:`ogi.build.merge`), has every other file the
        same, byte for byte."""
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as f:
            f.write(b"{")
            for i, (p, record) in enumerate(sorted(self.seen.items())):
                f.write(b"\n" if i == 0 else b",\n")
                f.write(orjson.dumps(p) + b":" + orjson.dumps(list(record)))
            f.write(b"\n}\n")


def read_seen(path: Path) -> dict[str, Seen]:
    """The input files as the build read them (empty when missing or unreadable: every input
    is then read again, none parsed again for that)."""
    seen: dict[str, Seen] = {}
    try:
        with open(path, "rb") as f:
            if f.readline() not in (b"{\n", b"{"):
                return {}
            for line in f:
                if line == b"}\n":
                    return seen
                one = orjson.loads(b"{" + line.rstrip(b"\n").removesuffix(b",") + b"}")
                seen.update({p: Seen(*record) for p, record in one.items()})
    except (OSError, ValueError, TypeError):
        pass
    return {}


def sizes(reports: list[Report] | StoredReports) -> dict[str, array[int]]:
    """For each CSV file of the reports' rows, the bytes of each report's rows, in order
    (one pass over the reports; arrays of integers, not a record a report)."""
    out: dict[str, array[int]] = {}
    for r in reports:
        if not out:
            out = {name: array("q") for name in r.sizes}
        for name, column in out.items():
            column.append(r.sizes[name])
    return out


def read(path: Path, folder: Path | None = None) -> tuple[Manifest, int] | None:
    """The manifest at ``path`` and its recorded stamp; None when missing, unreadable or of
    another format. ``folder``: keep its reports in a SQLite file there (a build's staging
    folder), else in memory."""
    try:
        with open(path, "rb") as f:
            head = f.readline()
            if not head.endswith(b',"reports":[\n'):
                return None
            body = orjson.loads(head[: -len(b',"reports":[\n')] + b"}")
            if body.get("format") != FORMAT:
                return None
            reports: list[Report] | StoredReports = (
                StoredReports(folder / "previous-reports.db") if folder is not None else []
            )
            line = f.readline()
            while not line.startswith(b"]"):
                blob = line.rstrip(b"\n").removesuffix(b",")
                if isinstance(reports, StoredReports):
                    reports.store.append_blob(orjson.loads(blob)["key"], blob)
                else:
                    reports.append(Report(**orjson.loads(blob)))
                line = f.readline()
                if not line:
                    return None
            tail = line.rstrip(b"\n")
            if not tail.startswith(b"],"):
                return None
            rest = orjson.loads(b"{" + tail[2:])
        m = Manifest(
            version=body["version"],
            reports=reports,
            rejects=[Reject(**r) for r in rest["rejects"]],
            files=rest["files"],
            seen=read_seen(path.parent / SEEN.name),
        )
        return m, int(rest["stamp"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def trusted(out: Path, stamp_of_db: int | None, folder: Path | None = None) -> Manifest | None:
    """The published build's manifest, when it describes the files in ``out`` as they are
    and was made by this version of the code (``folder``: see :func:`read`)."""
    found = read(out / PATH, folder)
    if found is None:
        return None
    m, stamp = found
    if m.version != parser_version() or stamp != stamp_of_db:
        return None
    for rel, size in m.files.items():
        try:
            if os.stat(out / rel).st_size != size:
                return None
        except OSError:
            return None
    return m
