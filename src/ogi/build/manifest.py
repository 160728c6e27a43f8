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
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from ..acquire import Input

FORMAT = 5
PATH = Path("build") / "manifest.json"


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


@dataclass
class Manifest:
    """A build: its version, its reports and rejected files in order, its CSV sizes, and the
    inputs it read (absolute path → what was read)."""

    version: str
    reports: list[Report]
    rejects: list[Reject]
    files: dict[str, int] = field(default_factory=dict)  # published CSV → size in bytes
    seen: dict[str, Seen] = field(default_factory=dict)
    # the checks across reports (CSV cells), made from the reports' ``carried``: not written
    across: list[list[str]] = field(default_factory=list)

    def content(self) -> dict[str, Any]:
        """Everything but the fingerprints: what the stamp is a digest of."""
        return {
            "format": FORMAT,
            "version": self.version,
            "reports": [vars(r) for r in self.reports],
            "rejects": [vars(r) for r in self.rejects],
            "files": self.files,
        }

    def write(self, path: Path) -> int:
        """Write the manifest (the content, its stamp, the fingerprints); return the stamp.

        The content is serialised once, for the stamp and the file (a manifest of 10,000
        reports is megabytes of JSON), with its keys in the order they were made (a report
        read back keeps its order, and the package's ``sources`` entries are written from
        it)."""
        text = orjson.dumps(self.content())
        stamp = _stamp(text)
        seen = {p: list(record) for p, record in sorted(self.seen.items())}
        rest = orjson.dumps({"stamp": stamp, "seen": seen})
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as f:  # in pieces: no copy of the text (100 MB at 100,000 reports)
            view = memoryview(text)
            f.write(view[:-1])
            f.write(b",")
            f.write(memoryview(rest)[1:])
            f.write(b"\n")
        return stamp


def _stamp(content: bytes) -> int:
    """31 bits of a digest of the content: the database's ``user_version``."""
    return int(hashlib.sha256(content).hexdigest()[:8], 16) & 0x7FFFFFFF


def read(path: Path) -> tuple[Manifest, int] | None:
    """The manifest at ``path`` and its recorded stamp; None when missing, unreadable or of
    another format."""
    try:
        body = orjson.loads(path.read_bytes())
        if body.get("format") != FORMAT:
            return None
        m = Manifest(
            version=body["version"],
            reports=[Report(**r) for r in body["reports"]],
            rejects=[Reject(**r) for r in body["rejects"]],
            files=body["files"],
            seen={p: Seen(*record) for p, record in body["seen"].items()},
        )
        return m, int(body["stamp"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def trusted(out: Path, stamp_of_db: int | None) -> Manifest | None:
    """The published build's manifest, when it describes the files in ``out`` as they are
    and was made by this version of the code."""
    found = read(out / PATH)
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
