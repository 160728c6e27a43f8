"""The benchmark's own measurements (``scripts/bench.py``; the benchmark itself runs in
``make bench``, not here).

Each step of the benchmark runs in a process of its own, spawned from the benchmark's; the peak
memory it reports must be that process's, not the memory of the benchmark that started it (on
Linux, ``ru_maxrss`` carries over the exec that starts a spawned process)."""

from __future__ import annotations

from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"


def test_a_spawned_step_reports_its_own_peak_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(SCRIPTS))
    import bench

    ballast = bytearray(400 << 20)  # 400 MB in this process, every page touched
    ballast[:: 1 << 12] = b"x" * len(ballast[:: 1 << 12])
    own, children = bench._in_child(bench._peak_mb)
    del ballast
    assert 5 < own < 200  # an interpreter with click imported: tens of MB, not 400
    assert children >= 0


def test_the_part_the_chain_is_timed_on_is_a_valid_package(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """At 100,000 reports the chain is timed on the first tenth of the reports; a report whose
    previous report (``repeats.previous_report_id``) is not in it must not make the part
    invalid. The committed package with its reports listed latest first gives such a part."""
    import csv
    import shutil

    from frictionless import validate

    monkeypatch.syspath_prepend(str(SCRIPTS))
    import bench

    root = Path(__file__).resolve().parents[1]
    package = tmp_path / "package"
    shutil.copytree(root / "data", package / "data", ignore=shutil.ignore_patterns("raw"))
    shutil.copy(root / "datapackage.json", package / "datapackage.json")
    reports = package / "data" / "reports.csv"
    with open(reports, encoding="utf-8", newline="") as f:
        head, *rows = list(csv.reader(f))
    with open(reports, "w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows([head, *reversed(rows)])
    part = bench._tenth(package / "datapackage.json", tmp_path, 2)
    data = part.parent / "data"
    with open(data / "reports.csv", encoding="utf-8", newline="") as f:
        kept = {r["report_id"] for r in csv.DictReader(f)}
    with open(data / "repeats.csv", encoding="utf-8", newline="") as f:
        repeats = list(csv.DictReader(f))
    assert len(repeats) == len(kept) == len(rows) // 2
    assert all(r["previous_report_id"] in kept | {""} for r in repeats)
    assert validate(str(part)).valid
