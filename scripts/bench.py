#!/usr/bin/env python3
"""Benchmark: build N synthetic reports and compare validate + load with what a user would
otherwise run on the same CSV files.

    python scripts/bench.py --reports 10000        # what `make bench` runs
    python scripts/bench.py --reports 1000

In one run, on one corpus (``ogi.synth.corpus``, fixed seed):

1. **build** — ``ogi.build.build`` from scratch, in a fresh process: seconds per stage (parse,
   package, validate, load — validation runs on the second core while the database loads),
   reports/s, rows/s and the peak memory of the build and its workers;
2. **incremental** — one report added to the corpus, built again (only it is parsed), as a
   newsroom would when a report arrives after a build; then the report is taken away and the
   package built again, which must give the full build's files back, byte for byte;
3. **chain** — what a user would otherwise run on the built package: ``frictionless validate
   datapackage.json``, then ``sqlite-utils insert DB TABLE data/TABLE.csv --csv`` for each
   resource;
4. **floor** — the least a loader can do: Python's csv module and sqlite3 ``executemany`` into
   bare tables (column names only), one transaction.

Ratios: ``ratio_vs_chain`` = chain / (validate + load), the higher the better (target ≥ 5);
``ratio_vs_floor`` = (validate + load) / floor, the lower the better (target ≤ 2); validate +
load is the wall time of the two, which run at the same time. The figures are written to
``build/bench.json`` (and ``build/bench-N.json``). Each step runs in its own process, so
that memory and caches of one do not help another.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import click

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
KEYS = [
    "reports",
    "rows",
    "seconds_total",
    "seconds_parse",
    "seconds_package",
    "seconds_validate",
    "seconds_load",
    "peak_rss_mb",
    "chain_seconds",
    "floor_seconds",
    "ratio_vs_chain",
    "ratio_vs_floor",
    "incremental_seconds",
    "incremental_share_pct",
    "seconds_parquet",
    "main_peak_mb",
    "worker_peak_mb",
    "chain_share",
    "db_mb",
    "parquet_mb",
    "rows_per_table",
    "group_by_sqlite_seconds",
    "group_by_duckdb_seconds",
    "main_peak_mb_at",
    "worker_peak_mb_at",
    "load_average",
]
# the GROUP BY over statistics timed on SQLite (build/ogi.db) and on DuckDB (parquet/)
GROUP_BY = (
    "SELECT indicator, count(*) AS n, sum(value) AS total FROM statistics "
    "WHERE value IS NOT NULL GROUP BY indicator ORDER BY indicator"
)


def write_corpus(n: int, folder: Path, seed: int, forms: tuple[str, ...]) -> None:
    """``n`` synthetic reports in ``folder``, as text, web pages and PDFs as the corpus mixes
    them (kept between runs: written once per n, seed and forms)."""
    from ogi.synth import corpus

    done, stamp = folder / ".complete", f"{n} {seed} {' '.join(forms)}\n"
    if done.exists() and done.read_text() == stamp:
        return
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for syn in corpus(n, seed=seed, forms=forms):
        (folder / syn.name).write_bytes(syn.data)
    done.write_text(stamp)


def _child(conn: Any, fn: Any, args: tuple[Any, ...]) -> None:
    conn.send(fn(*args))
    conn.close()


def _in_child(fn: Any, *args: Any) -> Any:
    """Run ``fn(*args)`` in a fresh process (spawned, so nothing is shared) and return its result."""
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_child, args=(child, fn, args))
    process.start()
    child.close()
    try:
        return parent.recv()
    except EOFError:
        raise click.ClickException(
            f"{fn.__name__} failed (exit status {process.exitcode})"
        ) from None
    finally:
        process.join()


def _peak_mb() -> tuple[float, float]:
    """Peak resident memory of this process and of the largest of its children, in MB.

    This process's own is the high-water mark of its memory (``VmHWM``), not ``ru_maxrss``,
    which Linux carries over an exec from the process that started it: a step spawned by a
    benchmark that had just written a corpus of 10,000 reports in memory reported that
    memory (489 MB) as its own."""
    import resource

    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            hwm = next(line for line in f if line.startswith("VmHWM:"))
        return int(hwm.split()[1]) / 1024, children
    except (OSError, StopIteration, ValueError):  # not Linux
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, children


def run_build(corpus: str, out: str, full: bool, jobs: int | None) -> dict[str, Any]:
    """One build, timed inside (imports done before the clock starts)."""
    import ogi.build
    import ogi.package.fastcheck  # noqa: F401  (imported as any build would have it)

    os.sync()  # what earlier steps wrote is on disk before the clock starts
    t = time.perf_counter()
    result = ogi.build.build([Path(corpus)], Path(out), full=full, jobs=jobs)
    wall = time.perf_counter() - t
    main_mb, child_mb = _peak_mb()
    return {
        "wall": wall,
        "seconds": result.seconds,
        "load_seconds": result.load_seconds,
        "reports": result.reports,
        "rows": result.rows,
        "parsed": result.parsed,
        "incremental": result.incremental,
        "in_place": result.in_place,
        "peak_rss_mb": max(main_mb, child_mb),
        "main_mb": main_mb,
        "child_mb": child_mb,
    }


def run_floor(package: str, db: str) -> float:
    """csv + sqlite3 executemany into bare tables, one transaction: seconds."""
    import csv
    import sqlite3

    desc = json.loads(Path(package).read_text(encoding="utf-8"))
    root = Path(package).parent
    Path(db).unlink(missing_ok=True)
    os.sync()
    t = time.perf_counter()
    conn = sqlite3.connect(db)
    with conn:
        for res in desc["resources"]:
            names = [f["name"] for f in res["schema"]["fields"]]
            cols = ", ".join(f'"{n}"' for n in names)
            conn.execute(f'CREATE TABLE "{res["name"]}" ({cols})')
            with open(root / res["path"], encoding="utf-8", newline="") as f:
                rows = csv.reader(f)
                next(rows)
                marks = ", ".join("?" * len(names))
                conn.executemany(f'INSERT INTO "{res["name"]}" VALUES ({marks})', rows)
    conn.close()
    return time.perf_counter() - t


def run_chain(package: Path, db: Path) -> float:
    """frictionless validate, then sqlite-utils insert --csv per resource: seconds."""
    desc = json.loads(package.read_text(encoding="utf-8"))
    db.unlink(missing_ok=True)
    os.sync()
    t = time.perf_counter()
    check = subprocess.run(
        [str(BIN / "frictionless"), "validate", str(package)], capture_output=True, text=True
    )
    if check.returncode != 0:
        raise click.ClickException(f"frictionless finds the package invalid:\n{check.stdout}")
    for res in desc["resources"]:
        subprocess.run(
            [
                str(BIN / "sqlite-utils"),
                "insert",
                str(db),
                res["name"],
                str(package.parent / res["path"]),
                "--csv",
            ],
            check=True,
            capture_output=True,
        )
    return time.perf_counter() - t


def _digests(out: Path) -> dict[str, str]:
    """sha256 of the package's files (the descriptor, the CSV and the Parquet files)."""
    import hashlib

    digests = {}
    parquet = sorted(p for p in (out / "parquet").rglob("*") if p.is_file())
    for path in [out / "datapackage.json", *sorted((out / "data").glob("*.csv")), *parquet]:
        with open(path, "rb") as f:
            digests[str(path.relative_to(out))] = hashlib.file_digest(f, "sha256").hexdigest()
    return digests


def run_group_by(out: str) -> dict[str, Any]:
    """The GROUP BY over statistics on SQLite and on DuckDB over the Parquet files: seconds
    (the best of three, each engine's files read once before), and whether they agree."""
    import sqlite3

    from ogi.package.query import connect

    lite = sqlite3.connect(f"file:{Path(out) / 'build' / 'ogi.db'}?immutable=1", uri=True)
    duck = connect(Path(out))
    times: dict[str, float] = {}
    answers = {}
    for name, conn in (("sqlite", lite), ("duckdb", duck)):
        best = float("inf")
        for _ in range(4):  # the first warms the cache, as a site running for a while has it
            t = time.perf_counter()
            answers[name] = [tuple(r) for r in conn.execute(GROUP_BY).fetchall()]
            best = min(best, time.perf_counter() - t)
        times[name] = best
    lite.close()
    duck.close()
    # Sums of decimals agree to the last digits only: each engine adds in its own order.
    same = len(answers["sqlite"]) == len(answers["duckdb"]) and all(
        a[:2] == b[:2] and math.isclose(a[2], b[2], rel_tol=1e-12)
        for a, b in zip(answers["sqlite"], answers["duckdb"], strict=True)
    )
    return {"times": times, "same": same}


def _sizes(out: Path) -> tuple[float, float, dict[str, int]]:
    """The database's and the Parquet dataset's sizes in MB, and the rows per table."""
    import sqlite3

    db = out / "build" / "ogi.db"
    parquet = sum(p.stat().st_size for p in (out / "parquet").rglob("*") if p.is_file())
    conn = sqlite3.connect(f"file:{db}?immutable=1", uri=True)
    desc = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    rows = {
        r["name"]: conn.execute(f'SELECT count(*) FROM "{r["name"]}"').fetchone()[0]
        for r in desc["resources"]
    }
    conn.close()
    return db.stat().st_size / 1e6, parquet / 1e6, rows


def _first(corpus_dir: Path, work: Path, n: int) -> Path:
    """A folder of the corpus's first ``n`` reports (hard links)."""
    part = work / f"corpus-first-{n}"
    shutil.rmtree(part, ignore_errors=True)
    part.mkdir(parents=True)
    for name in sorted(p.name for p in corpus_dir.glob("synthetic_*"))[:n]:
        os.link(corpus_dir / name, part / name)
    return part


def peaks_at(corpus_dir: Path, work: Path, sizes: list[int], jobs: int | None) -> dict[str, Any]:
    """The peak memory of the main process and of the largest worker of a full build of the
    corpus's first n reports, for each n of ``sizes``: whether it grows with the reports."""
    main, worker = {}, {}
    for n in sizes:
        part = _first(corpus_dir, work, n)
        out = work / f"out-first-{n}"
        shutil.rmtree(out, ignore_errors=True)
        got = _in_child(run_build, str(part), str(out), True, jobs)
        main[str(n)], worker[str(n)] = round(got["main_mb"], 1), round(got["child_mb"], 1)
        click.echo(
            f"  {n} reports: main process {main[str(n)]} MB, largest worker {worker[str(n)]} MB"
        )
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(part, ignore_errors=True)
    return {"main_peak_mb_at": main, "worker_peak_mb_at": worker}


def _partial(json_path: Path, n: int, figures: dict[str, Any]) -> None:
    """The figures measured so far (a long run can be read before it ends)."""
    text = json.dumps(figures, indent=2) + "\n"
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.with_name(f"bench-{n}-partial.json").write_text(text, encoding="utf-8")


def _tenth(package: Path, work: Path, share: int) -> Path:
    """A copy of the package with the first 1/``share`` of each resource's rows by report
    (whole reports: every row of the first reports), for timing the chain on a part. A
    reference to another report that is not in the part (``repeats.previous_report_id``) is
    emptied there, so that the part is a valid package: the rows stay as many."""
    import csv

    part = work / f"chain-part-{share}"
    shutil.rmtree(part, ignore_errors=True)
    (part / "data").mkdir(parents=True)
    shutil.copy(package, part / "datapackage.json")
    desc = json.loads(package.read_text(encoding="utf-8"))
    with open(package.parent / "data" / "reports.csv", encoding="utf-8", newline="") as f:
        ids = [row[0] for row in csv.reader(f)][1:]
    keep = set(ids[: max(1, len(ids) // share)])
    for res in desc["resources"]:
        names = [f["name"] for f in res["schema"]["fields"]]
        at = names.index("report_id") if "report_id" in names else None
        others = [  # columns naming another report
            names.index(fk["fields"][0])
            for fk in res["schema"].get("foreignKeys", [])
            if fk["reference"]["resource"] == "reports" and fk["fields"] != ["report_id"]
        ]
        with (
            open(package.parent / res["path"], encoding="utf-8", newline="") as src,
            open(part / res["path"], "w", encoding="utf-8", newline="") as dst,
        ):
            reader, writer = csv.reader(src), csv.writer(dst, lineterminator="\n")
            writer.writerow(next(reader))
            for r in reader:
                if at is None or r[at] in keep:
                    for i in others:
                        r[i] = r[i] if r[i] in keep else ""
                    writer.writerow(r)
    return part / "datapackage.json"


def _added_report(folder: Path, seed: int) -> Path:
    """One more report, near the start of the corpus by name (so that the CSV files are not
    only appended to)."""
    from ogi.synth import corpus

    (extra,) = corpus(1, seed=seed + 1)
    path = folder / extra.name.replace("synthetic_00000", "synthetic_00000_added")
    path.write_bytes(extra.data)
    return path


def _snapshot(work: Path) -> None:
    """Run the code as it is now: a copy of ``src/ogi`` first on the path of this process and
    of every process it starts, so that an edit made while the benchmark runs (the parser
    version is a digest of the code) does not turn its incremental build into a full one."""
    if getattr(_snapshot, "done", False):
        return
    copy = work / "src"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(
        ROOT / "src" / "ogi", copy / "ogi", ignore=shutil.ignore_patterns("__pycache__")
    )
    sys.path.insert(0, str(copy))
    os.environ["PYTHONPATH"] = os.pathsep.join([str(copy), os.environ.get("PYTHONPATH", "")])
    _snapshot.done = True  # type: ignore[attr-defined]


def _uptime() -> str:
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


@click.command()
@click.option("--reports", "n", default=10_000, show_default=True, help="Reports to build.")
@click.option("--jobs", type=int, default=None, help="Worker processes [default: one per core].")
@click.option("--seed", default=20181231, show_default=True, help="Seed of the synthetic corpus.")
@click.option(
    "--forms",
    default="all",
    show_default=True,
    help="Comma-separated forms of the synthetic reports (see ogi.synth.FORMS), or all.",
)
@click.option(
    "--work",
    type=click.Path(file_okay=False, path_type=Path),
    default=ROOT / "build" / "bench",
    show_default=True,
    help="Folder for the corpus and the builds.",
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=ROOT / "build" / "bench.json",
    show_default=True,
)
@click.option(
    "--chain-share",
    type=int,
    default=None,
    help="Time the chain on 1/N of the reports and scale it up [default: 10 above 20,000 "
    "reports, else the whole].",
)
@click.option(
    "--memory-at",
    default="",
    help="Comma-separated numbers of reports: first build the corpus's first n reports and "
    "record the peak memory of the main process and the workers (does it grow?).",
)
def main(
    n: int,
    jobs: int | None,
    seed: int,
    forms: str,
    work: Path,
    json_path: Path,
    chain_share: int | None,
    memory_at: str,
) -> None:
    """Build N synthetic reports; compare with the chain and the floor; write the figures."""
    work.mkdir(parents=True, exist_ok=True)
    _snapshot(work)
    from ogi.synth import FORMS

    chosen = FORMS if forms == "all" else tuple(forms.split(","))
    corpus_dir, out = work / f"corpus-{n}", work / f"out-{n}"
    click.echo(f"load average before: {_uptime()} (cores: {os.cpu_count()})")
    click.echo(f"corpus: {n} synthetic reports ({', '.join(chosen)}) in {corpus_dir}")
    _in_child(write_corpus, n, corpus_dir, seed, chosen)  # its memory is not this process's
    for leftover in corpus_dir.glob("*_added*"):
        leftover.unlink()
    shutil.rmtree(out, ignore_errors=True)
    so_far: dict[str, Any] = {"reports": n, "load_average": [_uptime()]}
    memory: dict[str, Any] = {"main_peak_mb_at": {}, "worker_peak_mb_at": {}}
    if memory_at:
        click.echo("peak memory of full builds of the corpus's first reports:")
        memory = peaks_at(corpus_dir, work, [int(x) for x in memory_at.split(",")], jobs)
        so_far.update(memory)
        _partial(json_path, n, so_far)

    full = _in_child(run_build, str(corpus_dir), str(out), True, jobs)
    so_far["full_build"] = {k: v for k, v in full.items() if k != "load_seconds"}
    _partial(json_path, n, so_far)
    package = out / "datapackage.json"
    built = _digests(out)
    added = _added_report(corpus_dir, seed)
    try:
        inc = _in_child(run_build, str(corpus_dir), str(out), False, jobs)
    finally:
        added.unlink()
    if not inc["incremental"] or inc["parsed"] != 1:
        raise click.ClickException(f"the second build was not incremental: {inc}")
    so_far["incremental_build"] = {k: v for k, v in inc.items() if k != "load_seconds"}
    _partial(json_path, n, so_far)
    _in_child(run_build, str(corpus_dir), str(out), False, jobs)  # the report taken away
    if _digests(out) != built:
        raise click.ClickException("the package built again is not the full build's, byte for byte")
    floor = _in_child(run_floor, str(package), str(work / "floor.db"))
    so_far["floor_seconds"] = floor
    _partial(json_path, n, so_far)
    group_by = _in_child(run_group_by, str(out))
    so_far["group_by"] = group_by
    _partial(json_path, n, so_far)
    share = chain_share or (10 if n > 20_000 else 1)
    if share > 1:  # the chain on a tenth, scaled up (it is linear in the rows)
        click.echo(f"the chain on 1/{share} of the reports, its time scaled by {share}")
        chain = run_chain(_tenth(package, work, share), work / "chain.db") * share
    else:
        chain = run_chain(package, work / "chain.db")
    db_mb, parquet_mb, per_table = _sizes(out)

    s = full["seconds"]
    vl = s["load"] if s["validate"] <= s["load"] else s["validate"]  # they run at once
    figures = {
        "reports": full["reports"],
        "rows": full["rows"],
        "seconds_total": round(full["wall"], 3),
        "seconds_parse": round(s["parse"], 3),
        "seconds_package": round(s["package"], 3),
        "seconds_validate": round(s["validate"], 3),
        "seconds_load": round(s["load"], 3),
        "peak_rss_mb": round(full["peak_rss_mb"], 1),
        "chain_seconds": round(chain, 3),
        "floor_seconds": round(floor, 3),
        "ratio_vs_chain": round(chain / vl, 2),
        "ratio_vs_floor": round(vl / floor, 2),
        "incremental_seconds": round(inc["wall"], 3),
        "incremental_share_pct": round(inc["wall"] / full["wall"] * 100, 2),
        "seconds_parquet": round(s.get("parquet", 0.0), 3),
        "main_peak_mb": round(full["main_mb"], 1),
        "worker_peak_mb": round(full["child_mb"], 1),
        "chain_share": share,
        "db_mb": round(db_mb, 1),
        "parquet_mb": round(parquet_mb, 1),
        "rows_per_table": per_table,
        "group_by_sqlite_seconds": round(group_by["times"]["sqlite"], 3),
        "group_by_duckdb_seconds": round(group_by["times"]["duckdb"], 3),
        **memory,
        "load_average": [so_far["load_average"][0], _uptime()],
    }
    assert list(figures) == KEYS
    jobs_used = jobs or len(os.sched_getaffinity(0))
    reports, rows = figures["reports"], figures["rows"]
    click.echo(f"\nbuild of {reports} reports ({rows} rows), {jobs_used} worker(s):")
    for stage in ("parse", "package", "validate", "load", "parquet", "publish"):
        sec = s.get(stage, 0.0)
        rate = f"{rows / sec:>12,.0f} rows/s" if sec else ""
        click.echo(f"  {stage:<10} {sec:8.2f} s {rate}")
    steps = ", ".join(f"{k} {v:.2f} s" for k, v in full["load_seconds"].items())
    click.echo(f"             load: {steps}")
    click.echo(
        f"  total      {full['wall']:8.2f} s {reports / full['wall']:>12,.0f} reports/s "
        f"{rows / full['wall']:>12,.0f} rows/s"
    )
    click.echo(
        f"  parse: {s['parse'] * jobs_used / reports * 1000:.2f} ms per report per core "
        f"(target < 20)"
    )
    click.echo(
        f"  peak memory: {figures['peak_rss_mb']} MB (main process {full['main_mb']:.0f} MB, "
        f"largest worker or checker {full['child_mb']:.0f} MB)"
    )
    click.echo(f"\nvalidate + load (at once): {vl:.2f} s")
    click.echo(
        f"  chain  (frictionless validate + sqlite-utils insert --csv): {chain:8.2f} s → "
        f"{figures['ratio_vs_chain']}x faster (target ≥ 5)"
    )
    click.echo(
        f"  floor  (csv + sqlite3 executemany, one transaction):       {floor:8.2f} s → "
        f"{figures['ratio_vs_floor']}x the floor (target ≤ 2)"
    )
    pct = inc["wall"] / full["wall"] * 100
    click.echo(
        f"\nincremental: one report added to {reports}: {inc['wall']:.3f} s "
        f"= {pct:.2f} % of the full build (target < 2 %)"
    )
    steps = ", ".join(f"{k} {v:.3f} s" for k, v in inc["seconds"].items() if k != "total")
    where = "in place" if inc["in_place"] else "a copy"
    click.echo(f"  {steps}; the database updated {where}")
    click.echo(
        f"\ndatabase {db_mb:.1f} MB, Parquet {parquet_mb:.1f} MB; rows: "
        + ", ".join(f"{k} {v:,}" for k, v in per_table.items())
    )
    click.echo(
        f"GROUP BY over statistics: SQLite {group_by['times']['sqlite']:.3f} s, DuckDB over "
        f"Parquet {group_by['times']['duckdb']:.3f} s (same answers: {group_by['same']})"
    )
    if not group_by["same"]:
        raise click.ClickException("DuckDB and SQLite disagree on the GROUP BY")
    click.echo(f"load average after: {_uptime()}")
    json_path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(figures, indent=2) + "\n"
    json_path.write_text(text, encoding="utf-8")
    json_path.with_name(f"bench-{n}.json").write_text(text, encoding="utf-8")
    click.echo(f"wrote {json_path}")


if __name__ == "__main__":
    main()
