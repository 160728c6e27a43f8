"""The Parquet dataset: the same rows as the CSV files, typed from the Table Schemas, partitioned
by year, the same bytes for the same inputs, and rewritten only where a build changed a year.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from ogi.build import build
from ogi.package import schema
from ogi.store.tables import typed
from ogi.synth import corpus

FORMS = ("cell_lines", "markdown", "html")


def write_corpus(folder: Path, n: int, seed: int = 7) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for syn in corpus(n, seed=seed, forms=FORMS):
        (folder / syn.name).write_bytes(syn.data)
        names.append(syn.name)
    return names


def digests(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted((root / "parquet").rglob("*"))
        if p.is_file()
    }


def csv_rows(root: Path, name: str) -> list[tuple]:
    with open(root / "data" / f"{name}.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))[1:]
    return list(typed(name, rows))


def parquet_rows(root: Path, name: str) -> list[tuple]:
    """The rows of a resource's Parquet files, in the order of its files' years, with dates
    as the CSV writes them."""
    files = sorted((root / "parquet" / name).rglob("*.parquet"))
    out = []
    for f in files:
        for row in pq.read_table(f).to_pylist():
            out.append(
                tuple(v.isoformat() if isinstance(v, datetime.date) else v for v in row.values())
            )
    return out


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    raw = tmp_path_factory.mktemp("raw")
    write_corpus(raw, 14)
    out = tmp_path_factory.mktemp("out")
    build([raw], out, jobs=1)
    return raw, out


def test_same_rows_as_the_csv_files(built: tuple[Path, Path]) -> None:
    _, out = built
    y = schema.field_names("reports").index("year")
    year_of = {r[0]: r[y] for r in csv_rows(out, "reports")}
    for res in schema.resources():
        name = res["name"]
        want = csv_rows(out, name)
        got = parquet_rows(out, name)
        assert sorted(got, key=repr) == sorted(want, key=repr), name
        if name in ("statistics", "sections", "checks"):  # each year's rows in its partition
            for f in (out / "parquet" / name).glob("year=*/part-0.parquet"):
                year = int(f.parent.name.removeprefix("year="))
                ids = set(pq.read_table(f, columns=["report_id"]).column(0).to_pylist())
                assert ids and {year_of[i] for i in ids} == {year}


def test_typed_from_the_table_schemas(built: tuple[Path, Path]) -> None:
    _, out = built
    reports = pq.read_schema(next((out / "parquet" / "reports").rglob("*.parquet")))
    assert str(reports.field("year").type) == "int64"
    assert str(reports.field("bytes").type) == "int64"
    assert str(reports.field("published").type) == "date32[day]"
    assert str(reports.field("area_code").type) == "string"  # a code keeps its leading zeros
    stats = pq.read_schema(next((out / "parquet" / "statistics").rglob("*.parquet")))
    assert str(stats.field("value").type) == "double"
    meta = pq.read_metadata(next((out / "parquet" / "statistics").rglob("*.parquet")))
    assert meta.row_group(0).column(0).compression == "ZSTD"


def test_descriptor_says_what_is_where(built: tuple[Path, Path]) -> None:
    _, out = built
    body = json.loads((out / "parquet" / "parquet.json").read_text(encoding="utf-8"))
    listed = {f["path"] for r in body["resources"] for f in r["files"]}
    on_disk = {
        p.relative_to(out / "parquet").as_posix() for p in (out / "parquet").rglob("*.parquet")
    }
    assert listed == on_disk
    counts = {r["name"]: r["rows"] for r in body["resources"]}
    assert counts == {r["name"]: len(csv_rows(out, r["name"])) for r in schema.resources()}
    stats = next(r for r in body["resources"] if r["name"] == "statistics")
    assert stats["partitioning"] == {"flavor": "hive", "by": ["year"]}
    assert all(f["path"].startswith("statistics/year=") for f in stats["files"])


def test_same_bytes_and_only_the_years_touched_rewritten(
    built: tuple[Path, Path], tmp_path: Path
) -> None:
    raw, out = built
    again = tmp_path / "again"
    build([raw], again, jobs=2)
    assert digests(again) == digests(out)  # the same inputs, the same bytes

    # one report more, of one year: that year's files are rewritten, no other
    inc = tmp_path / "inc"
    shutil.copytree(out, inc)
    extra = tmp_path / "extra"
    syn = corpus(15, seed=7, forms=FORMS)[14]
    extra.mkdir()
    (extra / syn.name).write_bytes(syn.data)
    before = {p: p.stat().st_ino for p in (inc / "parquet").rglob("*.parquet")}
    result = build([raw, extra], inc, jobs=1)
    assert result.incremental and result.parsed == 1
    changed = {
        p.relative_to(inc / "parquet").as_posix().rsplit("/", 1)[0]
        for p in before
        if not p.exists() or p.stat().st_ino != before[p]
    }
    # its year's files; the checks across reports of the year after may change with it
    mine = {f"{r['name']}/year={syn.year}" for r in schema.resources() if r["name"] != "indicators"}
    mine -= {f"rejects/year={syn.year}"}
    # and the resources of one file made across reports (a new body is a new issuer)
    assert changed - {f"checks/year={syn.year + 1}", "rejects", "issuers", "repeats", "review"} <= mine, changed
    assert f"statistics/year={syn.year}" in changed | {
        p.relative_to(inc / "parquet").as_posix().rsplit("/", 1)[0]
        for p in (inc / "parquet").rglob("*.parquet")
        if p not in before
    }
    assert not any(
        c.startswith(("statistics", "sections")) and str(syn.year) not in c for c in changed
    )

    # the same as a build from scratch of the same inputs
    fresh = tmp_path / "fresh"
    build([raw, extra], fresh, jobs=1)
    assert digests(inc) == digests(fresh)

    # the report taken away: the files of the first build, byte for byte
    build([raw], inc, jobs=1)
    assert digests(inc) == digests(out)


def test_a_year_no_report_has_any_more_is_removed(built: tuple[Path, Path], tmp_path: Path) -> None:
    raw, out = built
    inc = tmp_path / "inc"
    shutil.copytree(out, inc)
    years = {}
    for row in csv_rows(out, "reports"):
        years.setdefault(row[schema.field_names("reports").index("year")], []).append(row[1])
    year, names = min(years.items(), key=lambda kv: len(kv[1]))
    kept = tmp_path / "kept"
    shutil.copytree(raw, kept, ignore=lambda d, fs: [f for f in fs if f in names])
    build([kept], inc, jobs=1)
    assert not (inc / "parquet" / "statistics" / f"year={year}").exists()
    fresh = tmp_path / "fresh"
    build([kept], fresh, jobs=1)
    assert digests(inc) == digests(fresh)


def test_recovery_finishes_the_removals_of_a_publication_killed_after_its_commit(
    tmp_path: Path,
) -> None:
    """A build killed after its commit point, before it removed a year gone: recovery moves
    the staged files and removes it; killed before the commit point, nothing is removed."""
    import sqlite3

    from ogi.build import publish

    for committed in (True, False):
        out = tmp_path / f"out-{committed}"
        gone = out / "parquet" / "statistics" / "year=2009" / "part-0.parquet"
        gone.parent.mkdir(parents=True)
        gone.write_bytes(b"old")
        (out / "build").mkdir()
        staging = publish.stage(out)
        (staging / "build").mkdir()
        conn = sqlite3.connect(staging / publish.DB)
        conn.execute("PRAGMA user_version = 7")
        conn.close()
        new = Path("parquet") / "parquet.json"
        (staging / new).parent.mkdir(parents=True)
        (staging / new).write_text("{}\n", encoding="utf-8")
        files = [publish.DB, new]
        inodes = publish.write_journal(out, staging, files, 7, [gone.relative_to(out)])
        if committed:
            publish.move(staging, out, [publish.DB], inodes)
        publish.recover(out)
        assert (out / new).exists() is committed
        assert gone.exists() is not committed
        assert not gone.parent.exists() if committed else gone.exists()


def test_row_groups_are_runs_of_blocks_whatever_the_pieces(
    built: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The writer parses the CSV text in small blocks and makes a row group of each run of
    GROUP of them. Small blocks bound the reader's read-ahead, some 32 blocks: with 16 MB
    blocks a year of statistics at 100,000 reports held 520 MB. The file depends on the text
    alone, not on how it is cut into pieces of files (a year's rows are many ranges)."""
    from ogi.package import parquet as writer

    _, out = built
    text = (out / "data" / "statistics.csv").read_bytes()
    monkeypatch.setattr(writer, "BLOCK", 4096)
    monkeypatch.setattr(writer, "GROUP", 3)
    whole = tmp_path / "whole.parquet"
    rows = writer.write_csv("statistics", io.BytesIO(text), whole)
    meta = pq.ParquetFile(whole).metadata
    batches = -(-len(text) // 4096)  # about one batch a block
    assert meta.num_rows == rows == len(text.splitlines()) - 1
    assert meta.num_row_groups > 1
    assert abs(meta.num_row_groups - -(-batches // 3)) <= 1
    assert all(meta.row_group(i).num_rows > 0 for i in range(meta.num_row_groups))
    source = tmp_path / "statistics.csv"
    source.write_bytes(text)
    cuts = sorted({0, len(text), *(len(text) * k // 7 for k in range(1, 7)), 5, 4099})
    pieces = [(str(source), a, b - a) for a, b in zip(cuts, cuts[1:], strict=False)]
    cut = tmp_path / "cut.parquet"
    with writer.Pieces(pieces) as stream:
        assert writer.write_csv("statistics", stream, cut) == rows
    assert cut.read_bytes() == whole.read_bytes()
