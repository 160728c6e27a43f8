"""The ``ogi`` command: a thin layer over the library, one library call per command.

Expected failures (bad input, no build, an invalid package) print one line to stderr —
what, which file, what to do — and exit 1, without a traceback. ``ogi build`` with some
inputs rejected publishes the others, prints one line per rejected file and exits 3
("partial"); see :mod:`ogi.errors` for every exit status.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__
from .errors import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_PARTIAL, OgiError, one_line

F = TypeVar("F", bound=Callable[..., Any])


def friendly(func: F) -> F:
    """Turn an OgiError into one line on stderr and exit status 1."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except OgiError as e:
            click.echo(f"ogi: error: {one_line(str(e))}", err=True)
            sys.exit(EXIT_ERROR)
        except KeyboardInterrupt:
            click.echo(
                "ogi: interrupted; nothing was published, earlier builds are unchanged", err=True
            )
            sys.exit(EXIT_INTERRUPTED)
        except OSError as e:  # the system refused: a folder not writable, a disk full, a port taken
            where = f"{e.filename}: " if e.filename else ""
            click.echo(
                f"ogi: error: {where}{e.strerror or e}; check the path, its permissions and "
                "the free space",
                err=True,
            )
            sys.exit(EXIT_ERROR)

    return wrapper  # type: ignore[return-value]


@click.group()
@click.version_option(__version__, prog_name="ogi")
def main() -> None:
    """ogi-reports: Chinese Open Government Information annual reports → one open dataset.

    \b
    ogi build             parse data/raw into datapackage.json, data/*.csv, build/ogi.db
    ogi parse FILE        one report as JSON
    ogi validate          frictionless + domain checks of a built package
    ogi serve             the Datasette site on http://127.0.0.1:8001
    ogi query SQL         SQL over the Parquet files (parquet/) with DuckDB
    ogi merge OUT SHARD…  builds of parts of the inputs merged into one
    """


@main.command()
@click.argument("inputs", nargs=-1, type=click.Path(readable=False, path_type=Path))
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path),
    default=Path("."),
    show_default=True,
    help="Folder to write datapackage.json, data/*.csv, build/ogi.db and metadata.yml to.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes parsing reports [default: one per core].",
)
@click.option(
    "--full", is_flag=True, help="Parse every report again instead of reusing the previous build."
)
@click.option(
    "--time-limit",
    type=click.FloatRange(min=0, min_open=True),
    default=120.0,
    show_default=True,
    help="Seconds one file may take to parse before it is stopped and rejected.",
)
@click.option(
    "--review",
    "review_file",
    type=click.Path(path_type=Path),
    default=None,
    help="A person's review of cells the reports leave unsettled (CSV) [default: review.csv "
    "in an input folder, or beside an input folder named raw: data/review.csv].",
)
@friendly
def build(
    inputs: tuple[Path, ...],
    out: Path,
    jobs: int | None,
    full: bool,
    time_limit: float,
    review_file: Path | None,
) -> None:
    """Parse INPUT files or folders (default: data/raw) and build the package, database and
    site metadata. Output is written aside and moved into place only when complete and valid;
    reports unchanged since the last build are not parsed again. Files that are not readable
    reports are rejected, one line each, and the others built (exit status 3)."""
    from .build import BuildFailed
    from .build import build as run
    from .build.progress import bar

    try:
        with bar() as progress:
            result = run(
                list(inputs) or [Path("data/raw")],
                out,
                jobs=jobs,
                full=full,
                time_limit=time_limit,
                progress=progress,
                review_file=review_file,
            )
    except BuildFailed as e:
        for rejected in e.rejected:
            click.echo(f"ogi: rejected: {one_line(str(rejected))}", err=True)
        raise
    for rejected in result.rejected:
        click.echo(f"ogi: rejected: {one_line(str(rejected))}", err=True)
    click.echo(build_summary(result, out))
    if result.partial:
        sys.exit(EXIT_PARTIAL)


def _count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def build_summary(result: Any, out: Path) -> str:
    """The one line a build ends with: the reports built and where, the rows of each table
    (the reports and their one summary and repeats row each are not counted twice; no review rows are not
    mentioned), failing checks and rejected files.

    >>> from types import SimpleNamespace as R
    >>> build_summary(R(reports=1, counts={"reports": 1, "sections": 81, "checks": 57,
    ...     "summary": 1, "rejects": 0}, failing_checks=1, rejected=[], incremental=False), Path("."))
    'built 1 report into .: 81 sections, 57 checks (1 failing: see the checks table)'
    """
    counts = ", ".join(
        f"{n:,} {name}"
        for name, n in result.counts.items()
        if name not in ("reports", "summary", "repeats", "rejects") and (n or name != "review")
    )
    line = f"built {_count(result.reports, 'report', 'reports')} into {out}: {counts}"
    if result.failing_checks:
        line += f" ({result.failing_checks:,} failing: see the checks table)"
    else:
        line += " (none failing)"
    if result.rejected:
        rejected = _count(len(result.rejected), "file", "files")
        line += f"; {rejected} rejected (see the rejects table)"
    if result.incremental:
        line += f"; {result.parsed:,} parsed, {result.reused:,} unchanged"
    return line


@main.command()
@click.argument("file", type=click.Path(readable=False, path_type=Path))
@friendly
def parse(file: Path) -> None:
    """Parse one report FILE and print it as JSON (report, sections, statistics, figures,
    citations, checks, summary)."""
    from .build.workers import Aside

    # parsed in a process of its own, with the memory limit of a build's workers: a file
    # that eats the memory (a PDF bomb) is stopped there, not by the machine running dry
    parsing = Aside(_parse_limited, file)
    try:
        ok, text = parsing.result()
    except OgiError:
        raise OgiError(f"{file}: stopped the parser (out of memory?); {_REMEDY}") from None
    if not ok:
        raise OgiError(text)
    click.echo(text)


_REMEDY = "check that it is an OGI annual report; if it is, please report this as a bug"


def _parse_limited(file: Path) -> tuple[bool, str]:
    """(True, the report as JSON) or (False, why it cannot be read), parsed under the memory
    limit of a build's workers."""
    from .build.chunk import parse_file
    from .build.workers import MEMORY_LIMIT, limit_memory
    from .check import run_checks
    from .summarise import summarise

    limit_memory(MEMORY_LIMIT)
    try:
        _, parsed = parse_file(file)
        out = parsed.as_dict()
        out["checks"] = run_checks(parsed)
        out["summary"] = summarise(parsed)
        return True, json.dumps(out, ensure_ascii=False, indent=2)
    except OgiError as e:
        return False, str(e)
    except MemoryError:
        return False, (
            f"{file}: needs more than {MEMORY_LIMIT >> 20} MB of memory to parse, the limit "
            f"of a build's parsing processes; {_REMEDY}"
        )


@main.command()
@click.argument(
    "datapackage", type=click.Path(readable=False, path_type=Path), default=Path("datapackage.json")
)
@friendly
def validate(datapackage: Path) -> None:
    """Validate a built DATAPACKAGE (default: datapackage.json): frictionless against its
    Table Schemas, then the domain rules. Exits 1 when anything is wrong. A folder stands
    for the datapackage.json in it."""
    from .build.publish import recover_if_needed
    from .package.validate import validate as run

    if datapackage.is_dir():
        datapackage = datapackage / "datapackage.json"
    if datapackage.parent.is_dir():  # a build killed while it published: finish or undo it
        recover_if_needed(datapackage.parent)
    if not datapackage.is_file():
        raise OgiError(
            f"{datapackage}: no such file; run `ogi build` first or give the path of a datapackage.json"
        )
    problems = run(datapackage)
    for p in problems[:50]:
        click.echo(p, err=True)
    if problems:
        more = " (first 50 shown)" if len(problems) > 50 else ""
        raise OgiError(
            f"{datapackage}: invalid, {len(problems)} problem(s){more}; rebuild with `ogi build`"
        )
    click.echo(f"{datapackage}: valid (frictionless and domain checks)")


@main.command()
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.argument("shards", nargs=-1, required=True, type=click.Path(file_okay=False, path_type=Path))
@friendly
def merge(out: Path, shards: tuple[Path, ...]) -> None:
    """Merge builds of parts of the inputs (SHARDS: their output folders, built by `ogi
    build` on any machine) into OUT: the same files, byte for byte, as one build of all the
    inputs."""
    from .build.merge import merge as run

    counts = run(out, list(shards))
    rows = ", ".join(f"{n} {name}" for name, n in counts.items())
    click.echo(f"merged {len(shards)} build(s) into {out}: {rows}")


@main.command()
@click.argument("sql")
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Folder of the build (its parquet/).",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per row instead of CSV.")
@friendly
def query(sql: str, out: Path, as_json: bool) -> None:
    """Run SQL with DuckDB over the build's Parquet files (one view per resource, named as
    the tables of the database); print the result as CSV."""
    import csv

    from .package.query import run

    names, rows = run(out, sql)
    if as_json:
        for row in rows:
            click.echo(
                json.dumps(dict(zip(names, row, strict=True)), ensure_ascii=False, default=str)
            )
        return
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(names)
    writer.writerows(rows)


@main.command()
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Folder holding build/ogi.db and metadata.yml.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8001, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Server processes [default: $OGI_SERVE_WORKERS, else one per CPU].",
)
@click.option(
    "--verbose", is_flag=True, help="Log every request (default: errors and slow requests)."
)
@friendly
def serve(out: Path, host: str, port: int, workers: int | None, verbose: bool) -> None:
    """Serve the built database with Datasette (read-only)."""
    from .build.publish import recover_if_needed
    from .serve.app import make_datasette
    from .serve.app import serve as run
    from .serve.processes import check_port

    if out.is_dir():  # a build killed while it published: finish or undo it
        recover_if_needed(out)
    make_datasette(out)  # no database, no metadata: say so before anything else
    check_port(host, port)  # and a port taken, before saying "serving"
    click.echo(f"serving {out / 'build' / 'ogi.db'} on http://{host}:{port}/ (Ctrl-C to stop)")
    run(out, host, port, workers=workers, verbose=verbose)
