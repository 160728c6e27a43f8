"""The main process of a build holds no record a report: the manifest's reports are in a
SQLite file in the staging folder (:mod:`ogi.build.records`), the parse's outcomes keep only
their sizes once recorded there, and pyarrow (the Parquet writer) runs in a process of its
own. Counted, not timed: the objects alive in the main process while the package is written
and the database loaded, for a full build and an incremental one.
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path

from ogi.build import build
from ogi.build.chunk import Outcome
from ogi.build.manifest import Report, StoredReports
from ogi.build.result import Progress
from ogi.synth import corpus


class Census(Progress):
    """At each stage after the parse: the Report records and the full outcomes alive."""

    def __init__(self) -> None:
        self.seen: dict[str, tuple[int, int, int]] = {}

    def stage(self, name: str, total: int | None = None) -> None:
        if name == "parse":
            return
        live = gc.get_objects()
        reports = sum(1 for o in live if isinstance(o, Report))
        full = sum(1 for o in live if isinstance(o, Outcome) and o.source is not None)
        stores = sum(1 for o in live if isinstance(o, StoredReports))
        self.seen[name] = (reports, full, stores)


def test_the_main_process_holds_no_record_a_report(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    for syn in corpus(9, seed=3, forms=("cell_lines", "markdown", "html")):
        (raw / syn.name).write_bytes(syn.data)
    pyarrow_before = "pyarrow" in sys.modules
    census = Census()
    result = build([raw], tmp_path / "out", jobs=1, progress=census)
    assert result.reports == 9 and (tmp_path / "out" / "parquet" / "parquet.json").exists()
    # the package being written and the database loaded: no Report, no full outcome, one store
    assert census.seen == {"package": (0, 0, 1), "load": (0, 0, 1)}
    if not pyarrow_before:
        assert "pyarrow" not in sys.modules  # the Parquet was written in another process

    (extra,) = corpus(1, seed=4, forms=("cell_lines",))
    (raw / ("added_" + extra.name)).write_bytes(extra.data)
    census = Census()
    again = build([raw], tmp_path / "out", jobs=1, progress=census)
    assert again.incremental and again.parsed == 1 and again.reports == 10
    # the previous build's reports and the new ones: two stores, no record in memory
    assert census.seen == {"package": (0, 0, 2), "load": (0, 0, 2)}
    if not pyarrow_before:
        assert "pyarrow" not in sys.modules
