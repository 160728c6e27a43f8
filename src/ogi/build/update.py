"""Update: how an incremental build publishes — the published database updated in place
when few reports changed and no process has it open (a site serving it, a notebook reading
it), else a copy of it updated and published by renames; the package's CSV files copied (in
the kernel), and the Parquet files of the years touched written from them, while the
database is updated, checked, with the journal written, last before
the database's ``COMMIT``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from ..check.cross_year import RULE as ACROSS_RULE
from ..store import update as store_update
from . import manifest, publish, workers
from . import parquet as dataset
from .assemble import Staged, copy_all
from .chunk import Chunk
from .plan import Item, across_db
from .result import BuildResult, timed
from .verify import check_counts, validate_new

IN_PLACE_MIN, IN_PLACE_SHARE = 50, 0.05  # reports changed, at most, to update in place


def update_published(
    out: Path,
    staging: Path,
    items: list[Item],
    chunks: list[Chunk],
    m: manifest.Manifest,
    previous: manifest.Manifest,
    staged: Staged,
    expected: dict[str, int],
    result: BuildResult,
    commit: Callable[[], None],
) -> None:
    """Publish the staged build by updating the published database (see the module
    docstring); ``commit()`` is called at the commit point, from which on a failure or a
    kill is finished (or undone) by recovery rather than thrown away."""
    seconds = result.seconds
    files, stamp, remove = staged.files, staged.stamp, staged.parquet.remove
    scratch = staging / "scratch"
    dp = staging / "datapackage.json"
    old_ids = {r.report_id for r in previous.reports}
    kept = {it.reuse.report_id for it in items if it.reuse is not None}
    shards = [Path(c.db) for c in chunks] + across_db(scratch, m)
    rest = [f for f in files if f != publish.DB]
    inodes: dict[str, int] = {}

    def ready(counts: dict[str, int]) -> None:
        """Last before the database's COMMIT: the staged files complete and valid; for an
        update in place, the journal (the commit point follows)."""
        nonlocal inodes
        seconds["parquet"] = seconds.get("parquet", 0.0) + copying.result()
        with timed(seconds, "validate"):
            validate_new(staging, chunks, m)
        check_counts(counts, expected)
        if in_place:
            commit()  # from here on, the database's stamp says which build
            inodes = publish.write_journal(out, staging, rest, stamp, remove)

    # the CSV files are copied (in the kernel), then the Parquet files of the years touched
    # written (pyarrow in that process, not this one), while the database is updated
    with timed(seconds, "load"), publish.db_lock(out, exclusive=True):
        copying = workers.Aside(_copy_and_write, staged, m, staging, out)
        try:
            (staging / "build").mkdir(exist_ok=True)
            in_place = small(m, previous) and publish.unused(out / publish.DB)
            if not in_place:
                publish.clone(out / publish.DB, staging / publish.DB)
            result.counts = store_update.update(
                out / publish.DB if in_place else staging / publish.DB,
                dp,
                old_ids - kept,
                shards,
                ["issuers", "repeats", "rejects", "review"],
                stamp,
                scratch,
                replaced=[("checks", "check", ACROSS_RULE)],
                seconds=result.load_seconds,
                in_place=in_place,
                before_commit=ready,
            )
        except BaseException:
            copying.cancel()
            raise
    result.in_place = in_place
    with timed(seconds, "publish"):
        if in_place:
            publish.commit_in_place(staging, out, rest, inodes, remove)
        else:
            commit()
            publish.commit_by_rename(staging, out, files, stamp, remove)


def _copy_and_write(staged: Staged, m: manifest.Manifest, staging: Path, out: Path) -> float:
    """The package's CSV files copied, then the Parquet files of the years touched written
    from them: the seconds the Parquet took."""
    copy_all(staged.csvs)
    t = time.perf_counter()
    dataset.write(staged.parquet, m, staging, out)
    return time.perf_counter() - t


def small(m: manifest.Manifest, previous: manifest.Manifest) -> bool:
    """Few enough reports added, changed or removed to update the published database in
    place. A larger change updates a copy: its cost is then small beside the parsing, and
    an update in place would hold the file longer and write into it before ``COMMIT`` the
    pages its cache cannot keep (SQLite's journal undoes them after a kill, but a program
    that reads the file immutable, ignoring the journal, would see them)."""
    old, new = {r.key for r in previous.reports}, {r.key for r in m.reports}
    return len(old ^ new) <= max(IN_PLACE_MIN, len(previous.reports) * IN_PLACE_SHARE)
