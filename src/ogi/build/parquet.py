"""Parquet: the package's resources as a Parquet dataset in ``parquet/``, written by every build
and published with the rest (:mod:`ogi.build.publish`).

Each resource whose rows come from the reports is partitioned by the report's year, hive
style — ``parquet/statistics/year=2024/part-0.parquet`` — so that DuckDB, Spark or Trino read
only the years a query asks for; the others are one file (``parquet/indicators/part-0.parquet``).
A partition holds the rows of its year's reports in package order (the checks across
reports after them, as in ``checks.csv``), read from the package's CSV files by byte range
(:class:`ogi.package.parquet.Pieces`): its bytes depend on its year's rows only.

``parquet/parquet.json`` says what is where: for each resource its Arrow schema and its
files, each with its year, rows and bytes; ``build/parquet-digests.json`` holds the *digest*
of what made each file (the writer's version, the keys of the year's reports in order, the
checks across reports of that year).
An incremental build rewrites only the partitions whose digest changed — the years touched —
and removes those of years no report has any more.
"""

from __future__ import annotations

import hashlib
import json
import os
from array import array
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path
from typing import Any

from .. import package
from ..package import schema
from ..package.parquet_format import writer_version
from . import manifest

ROOT = Path("parquet")
DESCRIPTOR = ROOT / "parquet.json"
# the digests of the published files, the build's own record (they hold the parser version,
# which the published descriptor must not: it would change with every change of the code)
DIGESTS = Path("build") / "parquet-digests.json"
# of the dataset: changing it rewrites every file (3: row groups of 16 blocks; 4: each group's
# batches written as they are, not copied into one chunk a column, which pages them otherwise)
LAYOUT = 4


def partitioned(name: str) -> bool:
    """The resources partitioned by year: those whose rows come from the reports."""
    return name in package.PER_REPORT


def file_path(name: str, year: int | None) -> Path:
    """Where a resource's file (of a year) is, relative to the output folder."""
    return ROOT / name / (f"year={year}" if year is not None else "") / "part-0.parquet"


@dataclass
class Part:
    """One Parquet file of the dataset."""

    resource: str
    year: int | None
    rows: int
    digest: str
    bytes: int | None = None  # known once written

    @property
    def path(self) -> Path:
        return file_path(self.resource, self.year)


@dataclass
class Plan:
    """The dataset of a build: every file, those this build writes, those it removes."""

    parts: list[Part]
    write: list[Part]
    remove: list[Path] = field(default_factory=list)

    @property
    def files(self) -> list[Path]:
        """What to publish: the files written, then the descriptor."""
        return [p.path for p in self.write] + [DIGESTS, DESCRIPTOR]


@dataclass
class Layout:
    """What the dataset needs of the reports, in one pass over them (they may be in a file):
    each report's key (with its ``across``) and year, in order, and the rows and bytes of each of its resources."""

    keys: list[str]
    years: array[int]
    rows: dict[str, array[int]]
    sizes: dict[str, array[int]]


def layout(m: manifest.Manifest) -> Layout:
    keys: list[str] = []
    years = array("q")
    rows = {name: array("q") for name in package.PER_REPORT}
    sizes = {name: array("q") for name in package.PER_REPORT}
    for r in m.reports:
        # what its rows are made from: its key, and the neighbouring years' values it was
        # parsed with (ogi.build.years), which change rows, not keys
        keys.append(f"{r.key}:{r.across}" if r.across else r.key)
        years.append(int(r.year))  # type: ignore[arg-type]
        for name in package.PER_REPORT:
            rows[name].append(r.rows[name])
            sizes[name].append(r.sizes[name])
    return Layout(keys, years, rows, sizes)


def _across_by_year(m: manifest.Manifest) -> dict[int, list[list[str]]]:
    if not m.across:
        return {}
    rid = schema.field_names("checks").index("report_id")
    wanted = {row[rid] for row in m.across}
    year_of = {r.report_id: int(r.year) for r in m.reports if r.report_id in wanted}  # type: ignore[arg-type]
    out: dict[int, list[list[str]]] = {}
    for row in m.across:
        out.setdefault(year_of[row[rid]], []).append(row)
    return out


def _digest(*parts: Any) -> str:
    text = json.dumps([LAYOUT, writer_version(), *parts], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _published(out: Path) -> dict[str, Part]:
    """The files of the published dataset that are as its descriptor says (path → part)."""
    try:
        body = json.loads((out / DESCRIPTOR).read_text(encoding="utf-8"))
        digests = json.loads((out / DIGESTS).read_text(encoding="utf-8"))
        parts = [
            Part(res["name"], f.get("year"), f["rows"], digests[f["path"]], f["bytes"])
            for res in body["resources"]
            for f in res["files"]
        ]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    found = {}
    for p in parts:
        try:
            if os.stat(out / p.path).st_size == p.bytes:
                found[str(p.path)] = p
        except OSError:
            pass
    return found


def plan(m: manifest.Manifest, out: Path, whole: dict[str, str], fresh: bool = False) -> Plan:
    """The dataset of the build ``m`` into ``out``; ``whole``: for each resource written
    whole (not from the reports), a digest of its CSV rows. ``fresh``: write every file (a
    full build), else only those whose digest the published dataset does not have."""
    lay = layout(m)
    years: dict[int, list[int]] = {}  # year → its reports' positions
    for i, year in enumerate(lay.years):
        years.setdefault(year, []).append(i)
    across = _across_by_year(m)
    parts = []
    for res in schema.resources():
        name = res["name"]
        if not partitioned(name):
            parts.append(Part(name, None, -1, _digest(name, whole[name])))
            continue
        for year in sorted(years):
            at = years[year]
            rows = sum(lay.rows[name][i] for i in at)
            extra = across.get(year, []) if name == "checks" else []
            keys = [lay.keys[i] for i in at]
            parts.append(Part(name, year, rows + len(extra), _digest(name, keys, extra)))
    old = {} if fresh else _published(out)
    write = []
    for p in parts:
        before = old.get(str(p.path))
        if before is not None and before.digest == p.digest:
            p.bytes, p.rows = before.bytes, before.rows
        else:
            write.append(p)
    keep = {str(p.path) for p in parts} | {str(DESCRIPTOR)}
    remove = (
        sorted(
            f.relative_to(out)
            for f in (out / ROOT).rglob("*")
            if f.is_file() and str(f.relative_to(out)) not in keep
        )
        if (out / ROOT).is_dir()
        else []
    )
    return Plan(parts, write, remove)


def _year_pieces(
    name: str, lay: Layout, csv: Path
) -> dict[int, list[bytes | tuple[str, int, int]]]:
    """For each year, the byte ranges of its reports' rows in the CSV file ``csv``."""
    head = len(package.header_text(name).encode("utf-8"))
    starts = list(accumulate(lay.sizes[name], initial=head))
    pieces: dict[int, list[bytes | tuple[str, int, int]]] = {}
    last: dict[int, int] = {}  # year → index of the report its last range ends with
    for i, year in enumerate(lay.years):
        ranges = pieces.setdefault(year, [package.header_text(name).encode("utf-8")])
        size = lay.sizes[name][i]
        if not size:
            continue
        prev = ranges[-1]
        if last.get(year) == i - 1 and isinstance(prev, tuple):
            ranges[-1] = (prev[0], prev[1], prev[2] + size)
        else:
            ranges.append((str(csv), starts[i], size))
        last[year] = i
    return pieces


def write(p: Plan, m: manifest.Manifest, root: Path, out: Path) -> None:
    """Write the files of the plan into the staging folder ``root`` (the package's CSV files
    complete there, or unchanged in ``out``) and the descriptor."""
    write_files(p, *inputs(p, m), root, out)


def inputs(p: Plan, m: manifest.Manifest) -> tuple[Layout | None, dict[int, list[list[str]]]]:
    """What :func:`write_files` needs of the manifest, as plain data (a process of its own
    is given these, not the manifest, whose reports are in a SQLite file)."""
    return (layout(m) if p.write else None), _across_by_year(m)


def write_files(
    p: Plan,
    lay: Layout | None,
    across: dict[int, list[list[str]]],
    root: Path,
    out: Path,
) -> None:
    """:func:`write`, from the reports' layout and the checks across reports by year."""
    from ..package.parquet import Pieces, write_csv

    todo: dict[str, list[Part]] = {}
    for part in p.write:
        todo.setdefault(part.resource, []).append(part)
    for name, parts in todo.items():
        csv = root / "data" / f"{name}.csv"
        if not csv.exists():
            csv = out / "data" / f"{name}.csv"
        by_year = _year_pieces(name, lay, csv) if partitioned(name) and lay else {}
        for part in parts:
            target = root / part.path
            if part.year is None:
                source: list[bytes | tuple[str, int, int]] = [(str(csv), 0, csv.stat().st_size)]
            else:
                source = list(by_year[part.year])
                if name == "checks" and part.year in across:
                    source.append(package.csv_text(across[part.year]).encode("utf-8"))
            with Pieces(source) as stream:
                rows = write_csv(name, stream, target)
            if part.rows not in (-1, rows):
                raise OSError(f"{part.path}: {rows} rows written, {part.rows} expected")
            part.rows, part.bytes = rows, target.stat().st_size
    write_descriptor(p, root / DESCRIPTOR)
    digests = {str(part.path.relative_to(ROOT)): part.digest for part in p.parts}
    (root / DIGESTS).parent.mkdir(parents=True, exist_ok=True)
    (root / DIGESTS).write_text(json.dumps(digests, indent=1) + "\n", encoding="utf-8")


def write_descriptor(p: Plan, target: Path) -> None:
    """``parquet/parquet.json``: what is where."""
    from ..package.parquet import arrow_schema

    resources = []
    for res in schema.resources():
        name = res["name"]
        files = [
            {
                "path": str(part.path.relative_to(ROOT)),
                **({"year": part.year} if part.year is not None else {}),
                "rows": part.rows,
                "bytes": part.bytes,
            }
            for part in p.parts
            if part.resource == name
        ]
        resources.append(
            {
                "name": name,
                "partitioning": {"flavor": "hive", "by": ["year"]} if partitioned(name) else None,
                "glob": f"{name}/**/*.parquet",
                "rows": sum(f["rows"] for f in files),  # type: ignore[misc]
                "schema": [{"name": f.name, "type": str(f.type)} for f in arrow_schema(name)],
                "files": files,
            }
        )
    body = {
        "profile": "ogi-parquet-dataset",
        "layout": LAYOUT,
        "writer": writer_version(),
        "compression": "zstd",
        "package": "../datapackage.json",
        "usage": 'ogi query "SELECT year, count(*) FROM statistics GROUP BY year"; or in '
        "DuckDB: SELECT * FROM read_parquet('parquet/statistics/**/*.parquet', "
        "hive_partitioning = true)",
        "resources": resources,
    }
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(body, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
