"""Verify: the staged package checked before it is published — in a full build every row, on
the second core while the database loads; in an incremental build only what it adds — with
the errors frictionless would find when anything is wrong.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from .. import package
from ..errors import OgiError
from ..package import fastcheck
from ..package.report_check import compiled_tables
from ..store import load
from . import manifest
from .assemble import CODE_ONLY, WHOLE
from .chunk import Chunk


def raise_errors(dp: Path) -> None:
    """Raise InvalidPackage with the errors frictionless would find (the fast check found
    something; if the exact listing finds nothing, it was a false alarm)."""
    problems = fastcheck.errors(dp)
    if problems:
        raise load.InvalidPackage(problems)


def check_descriptor(dp: Path, only: list[int] | None = None) -> None:
    """Raise InvalidPackage with the errors frictionless finds in the descriptor itself (its
    sources, titles, schemas): the rows are checked by :mod:`ogi.package.fastcheck`, the
    descriptor here, so that no package frictionless rejects is published. ``only``: the
    ``sources`` entries to check (an incremental build: those of the reports it parsed; the
    others are the published build's, checked when it was built; each entry is checked on
    its own)."""
    import frictionless
    import orjson

    descriptor = orjson.loads(dp.read_bytes())
    if only is not None:
        sources = descriptor.get("sources", [])
        descriptor["sources"] = [sources[i] for i in only]
    problems = [e.message for e in frictionless.Package.metadata_validate(descriptor)]
    if problems:
        raise load.InvalidPackage(problems)


def timed_check(root: Path) -> tuple[bool, float]:
    """(no error in the rows of the staged package, seconds it took to tell): run aside
    while a full build loads the database."""
    t = time.perf_counter()
    gc.disable()
    try:
        fastcheck.rows_clean(root / "datapackage.json")
        return True, time.perf_counter() - t
    except fastcheck.Dirty:
        return False, time.perf_counter() - t


def validate_new(root: Path, chunks: list[Chunk], m: manifest.Manifest) -> None:
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
        raise_errors(root / "datapackage.json")


def _new_rows(table: fastcheck.Table, chunks: list[Chunk]) -> Iterator[list[str]]:
    """The rows of the reports parsed by this build, read from the chunks' CSV pieces (the
    bytes that were copied into the staged file)."""
    for c in chunks:
        start, length = c.offsets[table.name]
        if length:
            with open(c.csv, "rb") as f:
                f.seek(start)
                yield from fastcheck.read_text_rows(table, f.read(length).decode("utf-8"))


def check_counts(counts: dict[str, int], expected: dict[str, int]) -> None:
    """The database holds as many rows as the package (a check inside the pipeline)."""
    if counts != expected:
        raise OgiError(
            f"the database holds {counts} rows, the package {expected}; "
            "nothing was published — please report this as a bug"
        )
