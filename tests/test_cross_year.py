"""Across years: a body's 上年结转 this year against its 结转下年度 the year before, checked by the
build when both reports are in it — and kept right by incremental builds, which add or remove
one report without parsing its neighbours again.

The reports are synthetic generation-3 reports (one cell per line), given one issuer and
consecutive years; the numbers compared are the generator's truth, not the parser's."""

from __future__ import annotations

import csv
import hashlib
import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from ogi.build import build
from ogi.store import update
from ogi.synth import Synthetic, corpus

RULE = "cross_year.carried_in"
BODY = "福州市晋安区人民政府"


def _total(syn: Synthetic, row: str) -> int:
    value = syn.truth[(f"g3.s3.{row}", "total")]
    assert value is not None
    return int(value)


@pytest.fixture(scope="module")
def three() -> list[tuple[str, str, int, int]]:
    """Three reports of one body for 2022, 2023, 2024 (file name, text, carried in, carried
    over): 2023's 上年结转 is 2022's 结转下年度; 2024's is not 2023's."""
    pool = corpus(40, seed=11, fault_rate=0, forms=("cell_lines",), generations=(3,))
    first = pool[0]
    agrees = next(s for s in pool[1:] if _total(s, "carried_in") == _total(first, "carried_over"))
    differs = next(
        s
        for s in pool[1:]
        if s is not agrees and _total(s, "carried_in") != _total(agrees, "carried_over")
    )
    out = []
    for year, syn in zip((2022, 2023, 2024), (first, agrees, differs), strict=True):
        text = syn.text.replace(syn.issuer, BODY).replace(f"{syn.year}年", f"{year}年")
        out.append((f"r{year}.txt", text, _total(syn, "carried_in"), _total(syn, "carried_over")))
    return out


def _write(folder: Path, reports: list[tuple[str, str, int, int]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    for name, text, _, _ in reports:
        (folder / name).write_text(text, encoding="utf-8")


def _csv_rows(out: Path) -> list[dict[str, str]]:
    with open(out / "data" / "checks.csv", encoding="utf-8", newline="") as f:
        return [r for r in csv.DictReader(f) if r["check"] == RULE]


def _db_rows(out: Path) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(out / "build" / "ogi.db")
    try:
        return conn.execute(
            "SELECT c.subject, c.status, c.expected, c.observed, r.year FROM checks c "
            "JOIN reports r USING (report_id) WHERE c.[check] = ? ORDER BY c.subject",
            [RULE],
        ).fetchall()
    finally:
        conn.close()


def test_consecutive_years_of_one_body_are_compared(
    three: list[tuple[str, str, int, int]], tmp_path: Path
) -> None:
    _write(tmp_path / "in", three)
    result = build([tmp_path / "in"], tmp_path / "out")
    (_, _, _, over22), (_, _, in23, over23), (_, _, in24, _) = three
    assert in23 == over22 and in24 != over23
    rows = _csv_rows(tmp_path / "out")
    assert [(r["subject"], r["status"], r["severity"]) for r in rows] == [
        ("2022→2023", "pass", "warning"),
        ("2023→2024", "fail", "warning"),
    ]
    assert [(float(r["expected"]), float(r["observed"])) for r in rows] == [
        (over22, in23),
        (over23, in24),
    ]
    assert f"上年结转 in the 2024 report is {in24}" in rows[1]["message"]
    assert "结转下年度 in the 2023 report" in rows[1]["message"]
    assert _db_rows(tmp_path / "out") == [
        ("2022→2023", "pass", over22, in23, 2023),
        ("2023→2024", "fail", over23, in24, 2024),
    ]
    # the failing cross-year check counts among the build's failing checks
    with open(tmp_path / "out" / "data" / "checks.csv", encoding="utf-8", newline="") as f:
        assert result.failing_checks == sum(r["status"] == "fail" for r in csv.DictReader(f))
    assert (
        result.counts["checks"]
        == len((tmp_path / "out" / "data" / "checks.csv").read_text(encoding="utf-8").splitlines())
        - 1
    )


def test_incremental_builds_keep_the_checks_across_years_right(
    three: list[tuple[str, str, int, int]], tmp_path: Path
) -> None:
    """Add the middle year to a build of the other two: both its checks appear, though the
    2024 report is not parsed again; remove the first year: its comparison goes. Each time
    the package and the database's checks are those of a build from scratch."""
    r22, r23, r24 = three
    folder, out = tmp_path / "in", tmp_path / "out"
    _write(folder, [r22, r24])
    build([folder], out)
    assert _csv_rows(out) == []

    _write(folder, [r22, r23, r24])
    added = build([folder], out)
    assert (added.incremental, added.parsed) == (True, 1)
    assert [r["subject"] for r in _csv_rows(out)] == ["2022→2023", "2023→2024"]
    _same_as_from_scratch(folder, out, tmp_path / "scratch1")

    _write(folder, [r23, r24])
    removed = build([folder], out)
    assert (removed.incremental, removed.parsed) == (True, 0)
    assert [(r["subject"], r["status"]) for r in _csv_rows(out)] == [("2023→2024", "fail")]
    assert [row[:2] for row in _db_rows(out)] == [("2023→2024", "fail")]
    _same_as_from_scratch(folder, out, tmp_path / "scratch2")


def test_an_update_in_place_writes_the_published_database_alone(
    three: list[tuple[str, str, int, int]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Adding 2024 to a build of 2022 and 2023 keeps the 2023 check and adds the 2024 one.
    The update in place reads the new rows from a database merged from the chunks and never
    writes it: a transaction that wrote two databases would be committed through a
    super-journal (``build/ogi.db-mj…``), a file a kill during ``COMMIT`` leaves beside the
    published database."""
    r22, r23, r24 = three
    folder, out = tmp_path / "in", tmp_path / "out"
    _write(folder, [r22, r23])
    build([folder], out)

    def digest(path: Path) -> str:
        return hashlib.sha256(path.read_bytes()).hexdigest()

    merged: dict[Path, str] = {}
    real_merge, real_update = update._merge_chunks, update.update

    def merge(path: Path, chunks: Any) -> Path:
        merged[path] = digest(real_merge(path, chunks))
        return path

    def updating(*args: Any, **kwargs: Any) -> dict[str, int]:
        counts = real_update(*args, **kwargs)
        assert {p: digest(p) for p in merged} == merged
        return counts

    monkeypatch.setattr(update, "_merge_chunks", merge)
    monkeypatch.setattr(update, "update", updating)
    _write(folder, [r22, r23, r24])
    added = build([folder], out)
    assert added.in_place and added.parsed == 1 and len(merged) == 1
    assert [r["subject"] for r in _csv_rows(out)] == ["2022→2023", "2023→2024"]
    assert sorted(os.listdir(out / "build")) == [
        "manifest.json",
        "ogi.db",
        "parquet-digests.json",
        "seen.json",
    ]
    _same_as_from_scratch(folder, out, tmp_path / "scratch")


def _same_as_from_scratch(folder: Path, out: Path, fresh: Path) -> None:
    build([folder], fresh)
    for rel in ["datapackage.json", *(f"data/{p.name}" for p in (fresh / "data").iterdir())]:
        assert (out / rel).read_bytes() == (fresh / rel).read_bytes(), rel
    assert _db_rows(out) == _db_rows(fresh)


def test_two_reports_of_one_year_are_not_compared_by_guess() -> None:
    """A revised report next to the first: which one's 结转下年度 counts cannot be told."""
    from ogi.check.cross_year import check_cross_year

    def rec(rid: str, year: int, cin: int | None, cout: int | None) -> dict[str, object]:
        return {
            "report_id": rid,
            "issuer": BODY,
            "year": year,
            "carried_in": cin,
            "carried_over": cout,
            "start": 7,
        }

    rows = [
        rec("a1", 2022, 0, 3),
        rec("a2", 2022, 0, 4),
        rec("b", 2023, 3, 0),
        rec("c", 2024, None, 1),
    ]
    got = [(c["report_id"], c["subject"], c["status"]) for c in check_cross_year(rows)]
    assert got == [
        ("b", "2022→2023", "not_assessable"),
        ("c", "2023→2024", "not_assessable"),
    ]
    first, second = check_cross_year(rows)
    assert "(a1, a2, b)" in first["message"] and first["expected"] is None
    assert second["message"].endswith("上年结转 or 2023 结转下年度 is empty.")
