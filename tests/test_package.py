"""The published package and database: the contract, frictionless validity, byte-for-byte
reproducibility, and the SQLite tables built from it."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from conftest import ROOT, SEED_ID
from frictionless import Package

from ogi.package import schema
from ogi.package.validate import domain_errors, validate
from ogi.store.tables import sqlite_uri
from ogi.summarise import FIELDS

RESOURCES = [
    "issuers",
    "reports",
    "sections",
    "indicators",
    "statistics",
    "figures",
    "citations",
    "checks",
    "summary",
    "repeats",
    "rejects",
    "review",
]


def _published(root: Path) -> list[Path]:
    return [
        Path("datapackage.json"),
        Path("metadata.yml"),
        *sorted(p.relative_to(root) for p in (root / "data").glob("*.csv")),
        *sorted(p.relative_to(root) for p in (root / "parquet").rglob("*") if p.is_file()),
    ]


def test_rebuild_reproduces_the_committed_package_byte_for_byte(built: Path) -> None:
    files = _published(built)
    assert [str(p) for p in files][: 2 + len(RESOURCES)] == [
        "datapackage.json",
        "metadata.yml",
    ] + [f"data/{r}.csv" for r in sorted(RESOURCES)]
    assert "parquet/parquet.json" in {str(p) for p in files}
    for rel in files:
        assert (built / rel).read_bytes() == (ROOT / rel).read_bytes(), (
            f"{rel} differs from the build; run `ogi build`"
        )


def test_committed_package_is_valid_for_frictionless() -> None:
    report = Package(str(ROOT / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert [t.name for t in report.tasks] == RESOURCES


def test_committed_package_passes_domain_checks() -> None:
    assert validate(ROOT / "datapackage.json") == []


def test_descriptor_metadata() -> None:
    desc = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    assert desc["name"] == "ogi-reports"
    assert (
        desc["title"]
        == "政府信息公开工作年度报告数据集 / Chinese Open Government Information annual reports"
    )
    assert (
        "政府信息公开" in desc["description"]
        and "Open Government Information" in desc["description"]
    )
    assert desc["licenses"][0]["name"] == "CC-BY-4.0"
    # what this build holds: the reports, bodies and years, and how the values were read
    with open(ROOT / "data" / "reports.csv", encoding="utf-8", newline="") as f:
        reports = list(csv.DictReader(f))
    years = sorted(int(r["year"]) for r in reports)
    assert f"This build holds {len(reports)} reports" in desc["description"]
    assert f"for the years {years[0]}–{years[-1]}" in desc["description"]
    assert f"本数据包收录{len(reports)}份报告" in desc["description"]
    assert all(r["issuer"] in desc["description"] for r in reports)
    assert "deterministic parser" in desc["description"] and "never guessed" in desc["description"]
    assert desc["version"] == "0.1.0"
    assert {"政府信息公开", "open government information"} <= set(desc["keywords"])
    by_sha = {s["sha256"]: s for s in desc["sources"]}
    with open(ROOT / "data" / "reports.csv", encoding="utf-8", newline="") as f:
        built = {r["sha256"] for r in csv.DictReader(f)}
    assert set(by_sha) == built and len(desc["sources"]) == len(built)  # one per report
    seed = "ca49a4b9fa6d23946e4c283fe68f341f265b0fe3a38da9268e69fa5c5498c119"
    src = by_sha[seed]
    assert src["path"] == "data/raw/000_6fcf304d54296c97.txt"  # no URL known: the file
    assert src["sha256"] == "ca49a4b9fa6d23946e4c283fe68f341f265b0fe3a38da9268e69fa5c5498c119"
    assert src["retrieved"] == "2026-11-26" and "not subject to copyright" in src["licence"]
    assert [r["name"] for r in desc["resources"]] == RESOURCES


@pytest.mark.parametrize("name", RESOURCES)
def test_every_resource_has_a_complete_schema(name: str) -> None:
    res = schema.resource(name)
    assert res["title_zh"] and res["title_en"] and res["description_zh"] and res["description_en"]
    sch = schema.table_schema(name)
    assert sch["primaryKey"]
    for f in res["fields"]:
        assert f["type"] in {"string", "integer", "number", "date"}
        assert f["title_zh"] and f["title_en"] and f["description_zh"] and f["description_en"], f[
            "name"
        ]
    fks = {tuple(fk["fields"]): fk["reference"] for fk in sch.get("foreignKeys", [])}
    # a rejected file has no report; a review names its report by the sha256 of its bytes
    if name not in ("issuers", "reports", "indicators", "rejects", "review"):
        assert fks[("report_id",)] == {"resource": "reports", "fields": ["report_id"]}
    types = {f["name"]: f["type"] for f in res["fields"]}
    for code in ("report_id", "section_id", "indicator", "code", "check", "subject", "area_code"):
        if code in types:
            assert types[code] == "string", f"{name}.{code}: codes are strings"


def test_statistics_indicator_references_indicators() -> None:
    fks = schema.table_schema("statistics")["foreignKeys"]
    assert {
        "fields": ["indicator"],
        "reference": {"resource": "indicators", "fields": ["code"]},
    } in fks


def test_summary_columns_are_exactly_the_contract() -> None:
    assert (
        schema.field_names("summary")
        == FIELDS
        == [
            "report_id",
            "year",
            "issuer",
            "generation",
            "requests_received",
            "requests_carried_in",
            "requests_handled",
            "granted",
            "partially_granted",
            "refused",
            "unable_to_provide",
            "not_processed",
            "other_handling",
            "requests_carried_over",
            "reconsiderations",
            "lawsuits",
            "proactive_disclosures",
        ]
    )
    resources = json.loads((ROOT / "datapackage.json").read_text())["resources"]
    summary = next(r for r in resources if r["name"] == "summary")
    granted = next(f for f in summary["schema"]["fields"] if f["name"] == "granted")
    assert (
        "Generation 1, provincial table: g1.answers_granted (同意公开答复数), year column."
        in granted["description"]
    )


def test_summary_csv_leaves_unstated_figures_empty() -> None:
    with open(ROOT / "data" / "summary.csv", encoding="utf-8") as f:
        (row,) = [r for r in csv.DictReader(f) if r["report_id"] == SEED_ID]
    assert (
        row["requests_carried_in"] == ""
        and row["unable_to_provide"] == ""
        and row["refused"] == "0"
    )


def test_domain_validation_catches_a_summary_that_disagrees(tmp_path: Path) -> None:
    shutil.copy(ROOT / "datapackage.json", tmp_path)
    shutil.copytree(ROOT / "data", tmp_path / "data", ignore=shutil.ignore_patterns("raw"))
    path = tmp_path / "data" / "summary.csv"
    path.write_text(
        path.read_text(encoding="utf-8").replace(",57,2,0,", ",58,2,0,"), encoding="utf-8"
    )
    assert domain_errors(tmp_path / "datapackage.json") == [
        f"summary {SEED_ID}: granted is 58, its statistics give 57"
    ]


def _db(built: Path) -> sqlite3.Connection:
    return sqlite3.connect(sqlite_uri(built / "build" / "ogi.db", mode="ro"), uri=True)


def test_database_tables_counts_and_keys(built: Path) -> None:
    db = _db(built)
    tables = {r[0] for r in db.execute("select name from sqlite_master where type = 'table'")}
    assert set(RESOURCES) <= tables and "sections_fts" in tables
    for name in RESOURCES:
        with open(built / "data" / f"{name}.csv", encoding="utf-8", newline="") as f:
            rows = sum(1 for _ in csv.reader(f)) - 1
        assert db.execute(f"select count(*) from [{name}]").fetchone()[0] == rows, name
    pks = [
        r[1]
        for r in sorted(db.execute("pragma table_info(statistics)"), key=lambda r: r[5])
        if r[5]
    ]
    assert pks == ["report_id", "table", "row", "column"]
    fks = {(r[3], r[2], r[4]) for r in db.execute("pragma foreign_key_list(statistics)")}
    assert fks == {("report_id", "reports", "report_id"), ("indicator", "indicators", "code")}
    # each foreign key leads an index (its own, or the primary key's, or a longer one)
    leading = {
        db.execute(f"pragma index_info([{r[1]}])").fetchone()[2]
        for r in db.execute("pragma index_list(statistics)")
    }
    assert {"report_id", "indicator"} <= leading
    assert "idx_statistics_report_id" not in {
        r[1] for r in db.execute("pragma index_list(statistics)")
    }
    assert db.execute("pragma foreign_key_check").fetchall() == []


def test_database_types_follow_the_schema(built: Path) -> None:
    db = _db(built)
    cols = {r[1]: r[2] for r in db.execute("pragma table_info(statistics)")}
    assert (cols["row"], cols["label"], cols["value"]) == ("INTEGER", "TEXT", "ANY")
    assert db.execute(
        "select value, typeof(value) from statistics where indicator = 'g1.requests_received' and [column] = 'year'"
    ).fetchone() == (192, "integer")
    assert db.execute(
        "select typeof(value) from figures where value_text = '99.66%'"
    ).fetchone() == ("real",)
    assert db.execute("select requests_carried_in from summary").fetchone() == (None,)


def test_database_search_finds_two_character_words(built: Path) -> None:
    db = _db(built)
    from ogi.store.search import fts_query

    def search(q: str) -> list[str]:
        return [
            r[0]
            for r in db.execute(
                "select section_id from sections where rowid in "
                "(select rowid from sections_fts where sections_fts match ?) order by seq",
                [fts_query(q)],
            )
        ]

    def expected(q: str) -> list[str]:
        return [
            r[0]
            for r in db.execute(
                "select section_id from sections where instr(heading, ?) or instr(body, ?) order by seq",
                [q, q],
            )
        ]

    for q in ("舆情", "双随机", "12345热线", "不予公开"):
        assert search(q) == expected(q) != []


def test_every_raw_report_has_its_provenance() -> None:
    """Each file of data/raw is a real report with its provenance beside it: where it was
    obtained, its sha256, the retrieval date, a licence note, and the original URL and
    publication date wherever the file's own crawler header states them."""
    raw = ROOT / "data" / "raw"
    reports = sorted(p for p in raw.iterdir() if not p.name.endswith(".provenance.json"))
    assert len(reports) >= 9
    for path in reports:
        prov = json.loads((raw / f"{path.name}.provenance.json").read_text(encoding="utf-8"))
        assert prov["file"] == path.name and prov["path"] == f"data/raw/{path.name}"
        assert prov["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert prov["origin"] and prov["retrieved"] and "copyright" in prov["licence"]
        text = path.read_bytes().decode("utf-8", "replace")
        if "==== 正文 ====" in text:  # a crawler's page: its header names the URL and date
            header = dict(
                line.split(":", 1)
                for line in text.split("==== 正文 ====")[0].splitlines()
                if ":" in line
            )
            assert prov["url"] == header["原文链接"].strip()
            assert prov["published"] == header["发布时间"].strip()[:10]
