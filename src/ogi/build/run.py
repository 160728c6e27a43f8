"""Run: one build from start to end — the folder locked and recovered, the inputs planned
and parsed, the package assembled, then (a full build) validated while the database loads
and published by renames, or (an incremental build, :mod:`ogi.build.update`) the published
database updated; whatever happens, the previous build or the new one is left whole.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from .. import acquire, package
from ..errors import OgiError
from ..package import schema
from ..package.issuers import issuer_rows
from ..parse import review
from ..store import load
from . import manifest, plan, publish, update, workers, years
from . import parquet as dataset
from .assemble import copy_all, write_package
from .fresh import Fresh
from .result import BuildFailed, BuildResult, Progress, default_jobs, timed
from .verify import check_counts, check_descriptor, raise_errors, timed_check


def build(
    inputs: list[Path],
    out: Path,
    *,
    jobs: int | None = None,
    full: bool = False,
    time_limit: float = workers.TIME_LIMIT,
    progress: Progress | None = None,
    review_file: Path | None = None,
) -> BuildResult:
    """Build the package, database and metadata from ``inputs`` into ``out``.

    ``jobs``: worker processes for parsing (default: one per core). ``full``: parse every
    input again, ignoring the previous build. ``time_limit``: seconds one input may take to
    parse before it is stopped and rejected. ``review_file``: the review rows to apply
    (:mod:`ogi.parse.review`; default: ``review.csv`` in an input folder, or beside an input
    folder named ``raw``). Raises OgiError when nothing could be built or a review row does
    not fit its report; a build with rejected inputs returns normally (``result.partial``)."""
    t0 = time.perf_counter()
    progress = progress or Progress()
    jobs = jobs or default_jobs()
    paths = acquire.discover(inputs)
    files = [review_file] if review_file is not None else review.found(inputs)
    reviews = sorted((r for f in files for r in review.read(f)), key=review.Review.cells)
    if out.exists() and not out.is_dir():
        raise OgiError(f"{out}: is a file, not a folder; give --out a folder to build into")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with publish.locked(out):
            publish.recover(out)
            staging = publish.stage(out)
            try:
                result = _build(paths, out, staging, jobs, full, time_limit, progress, reviews)
            except OSError as e:  # the output folder filled up or became unwritable mid-build
                raise OgiError(
                    f"{out}: cannot write the build into it ({e.strerror}); check that you may "
                    "write to it and that the disk has room; the previous build is unchanged"
                ) from None
    except OSError as e:
        raise OgiError(
            f"{out}: cannot write the build into it ({e.strerror}); "
            "check that you may write to it and that the disk has room"
        ) from None
    result.seconds["total"] = time.perf_counter() - t0
    return result


def _build(
    paths: list[Path],
    out: Path,
    staging: Path,
    jobs: int,
    full: bool,
    time_limit: float,
    progress: Progress,
    reviews: list[review.Review],
) -> BuildResult:
    seconds: dict[str, float] = {}
    committed = False

    def commit() -> None:
        """From here on the publication is finished (or undone) by recovery, not thrown away."""
        nonlocal committed
        committed = True

    try:
        scratch = staging / "scratch"
        scratch.mkdir()
        stamp_of_db = publish.db_stamp(out / publish.DB)
        previous = None if full else manifest.trusted(out, stamp_of_db, scratch)
        with timed(seconds, "parse"):
            items = plan.plan(paths, previous, reviews)
            # the tasks (every input's path again) are not kept past the parse
            chunks = plan.parse_chunks(plan.tasks(items, scratch), jobs, time_limit, progress)
            plan.settle(items, chunks)
            chunks = years.second_pass(
                items, chunks, scratch, jobs, time_limit, progress, previous
            )
        m = plan.make_manifest(items, scratch, previous, chunks)
        rejected = [it.rejected() for it in items if it.reject]
        if not m.reports:
            raise BuildFailed(rejected)
        result = BuildResult(
            out,
            len(m.reports),
            failing_checks=sum(r.failing for r in m.reports) + failing(m.across),
            rejected=rejected,
            parsed=sum(1 for it in items if it.outcome is not None and it.reject is None),
            reused=sum(1 for it in items if it.reuse is not None),
            incremental=previous is not None,
            seconds=seconds,
        )
        result.counts = expected = row_counts(m, sum(len(it.reviews) for it in items))
        if previous is not None and same(m, previous):
            return result  # nothing changed: the published build is this one already
        progress.stage("package")
        with timed(seconds, "package"):
            staged = write_package(staging, items, chunks, m, previous, out)
        files, stamp, csvs = staged.files, staged.stamp, staged.csvs
        dp = staging / "datapackage.json"
        try:
            check_descriptor(dp, None if previous is None else parsed_sources(items))
            if previous is None:  # validation and loading at once, on the two cores
                with timed(seconds, "package"):
                    copy_all(csvs)
                progress.stage("load")
                checking = Fresh(timed_check, staging)
                try:
                    with timed(seconds, "load"):
                        (staging / "build").mkdir(exist_ok=True)
                        result.counts = load.load(
                            dp,
                            staging / publish.DB,
                            [Path(c.db) for c in chunks] + plan.across_db(scratch, m),
                            stamp,
                            checked=True,
                            seconds=result.load_seconds,
                        )
                except BaseException:
                    checking.cancel()
                    raise
                clean, seconds["validate"] = checking.result()
                if not clean:
                    raise_errors(dp)
                check_counts(result.counts, expected)
                with timed(seconds, "parquet"):  # pyarrow in a new process of its own
                    pq = staged.parquet
                    got = dataset.inputs(pq, m)
                    Fresh(dataset.write_files, pq, *got, staging, out).result()
                with timed(seconds, "publish"):
                    commit()
                    publish.commit_by_rename(staging, out, files, stamp, staged.parquet.remove)
            else:  # the published database updated, in place or a copy of it
                progress.stage("load")
                update.update_published(
                    out,
                    staging,
                    items,
                    chunks,
                    m,
                    previous,
                    staged,
                    expected,
                    result,
                    commit,
                )
        except load.InvalidPackage as e:
            raise OgiError(
                f"the built package is invalid ({len(e.problems)} problems), first: "
                f"{e.problems[0]}; nothing was published — please report this as a bug"
            ) from None
        return result
    finally:
        if not committed:
            (out / publish.JOURNAL).unlink(missing_ok=True)
            shutil.rmtree(staging, ignore_errors=True)
        else:  # published, or stopped after the commit point: finish (or undo) it now
            publish.recover(out)


def parsed_sources(items: list[plan.Item]) -> list[int]:
    """The positions, among the package's ``sources``, of the reports this build parsed."""
    kept = (it for it in items if it.reject is None)
    return [i for i, it in enumerate(kept) if it.reuse is None]


def same(m: manifest.Manifest, previous: manifest.Manifest) -> bool:
    """The same reports and rejected files as the published build (so the same files)."""
    return (m.version, m.reports, m.rejects) == (
        previous.version,
        previous.reports,
        previous.rejects,
    )


def failing(rows: list[list[str]]) -> int:
    """The failing checks among the rows of the checks across reports."""
    status = schema.field_names("checks").index("status")
    return sum(1 for row in rows if row[status] == "fail")


def row_counts(m: manifest.Manifest, reviewed: int = 0) -> dict[str, int]:
    """The rows of each resource of the package the manifest describes."""
    counts = dict.fromkeys(package.PER_REPORT, 0)
    for r in m.reports:
        for name, n in r.rows.items():
            counts[name] += n
    counts["checks"] += len(m.across)
    counts["indicators"] = len(package.indicator_rows())
    counts["rejects"] = len(m.rejects)
    counts["review"] = reviewed
    counts["issuers"] = len(issuer_rows(r.body for r in m.reports))
    counts["repeats"] = sum(1 for r in m.reports if r.text is not None)
    return {res["name"]: counts[res["name"]] for res in schema.resources()}
