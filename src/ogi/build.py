"""Build: inputs → parsed reports → package → validation → SQLite → metadata, then publish.

Everything is written into a staging folder inside the output folder first; only when the
package is complete, valid and loaded are its files moved into place (each with an atomic
rename). A failure at any point leaves the previous build as it was.

>>> result = build([Path("data/raw")], Path("."))  # doctest: +SKIP
>>> result.counts["statistics"]
30
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import acquire, load, package, validate
from .check import run_checks
from .errors import InputError, OgiError
from .extract import extract
from .parse import Parsed, parse
from .serve.metadata import write_metadata
from .summarise import summarise

DB_NAME = "ogi.db"


@dataclass
class BuildResult:
    """What a build wrote."""

    out: Path
    reports: int
    counts: dict[str, int] = field(default_factory=dict)
    failing_checks: int = 0


def parse_file(path: Path) -> tuple[acquire.Source, Parsed]:
    """Read, decode and parse one input file (raises InputError for bad input)."""
    source = acquire.read_source(path)
    return source, parse(extract(source))


def parse_all(paths: list[Path]) -> Iterator[tuple[acquire.Source, Parsed]]:
    """Parse each input in order; the same content given twice is an error."""
    seen: dict[str, str] = {}
    for path in paths:
        source, parsed = parse_file(path)
        if source.sha256 in seen:
            raise InputError(
                str(path),
                f"is the same report as {seen[source.sha256]} (identical sha256)",
                "remove one of them",
            )
        seen[source.sha256] = str(path)
        yield source, parsed


def write_package(paths: list[Path], root: Path) -> tuple[Path, int, int]:
    """Parse ``paths`` into a package under ``root``; return (datapackage.json, reports, failing checks)."""
    sources: list[dict[str, Any]] = []
    failing = 0
    with package.PackageWriter(root) as writer:
        writer.write("indicators", package.indicator_rows())
        for source, parsed in parse_all(paths):
            checks = run_checks(parsed)
            failing += sum(1 for c in checks if c["status"] == "fail")
            writer.write("reports", [parsed.report])
            writer.write("sections", parsed.sections)
            writer.write("statistics", parsed.statistics)
            writer.write("figures", parsed.figures)
            writer.write("citations", parsed.citations)
            writer.write("checks", checks)
            writer.write("summary", [summarise(parsed)])
            sources.append(package.source_entry(source))
        return writer.finish(sources), writer.counts["reports"], failing


def build(inputs: list[Path], out: Path) -> BuildResult:
    """Build the package, database and metadata from ``inputs`` into ``out``."""
    paths = acquire.discover(inputs)
    if out.exists() and not out.is_dir():
        raise OgiError(f"{out}: is a file, not a folder; give --out a folder to build into")
    try:
        out.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".ogi-build-", dir=out))
    except OSError as e:
        raise OgiError(
            f"{out}: cannot write the build into it ({e.strerror}); "
            "check that you may write to it and that the disk has room"
        ) from None
    try:
        datapackage, n_reports, failing = write_package(paths, staging)
        problems = validate.validate(datapackage)
        if problems:
            raise OgiError(
                f"the built package is invalid ({len(problems)} problems), first: {problems[0]}; "
                "nothing was published — please report this as a bug"
            )
        (staging / "build").mkdir()
        counts = load.load(datapackage, staging / "build" / DB_NAME)
        write_metadata(staging / "metadata.yml")
        publish(staging, out)
    except OSError as e:  # the output folder filled up or became unwritable mid-build
        raise OgiError(
            f"{out}: cannot write the build into it ({e.strerror}); check that you may "
            "write to it and that the disk has room; the previous build is unchanged"
        ) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return BuildResult(out, n_reports, counts, failing)


def published_files(root: Path) -> list[Path]:
    """The files a build publishes, relative to its output folder, in publishing order."""
    data = sorted(p.relative_to(root) for p in (root / "data").glob("*.csv"))
    return [*data, Path("build") / DB_NAME, Path("metadata.yml"), Path("datapackage.json")]


def publish(staging: Path, out: Path) -> None:
    """Move the staged files into ``out``, each by an atomic rename; the descriptor last."""
    for rel in published_files(staging):
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging / rel, target)
