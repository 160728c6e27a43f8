"""Codes shown to readers have labels in both languages (formats/labels.yml), and the site
uses them: in table cells, facets, canned queries and the dashboard's SQL."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from conftest import SEED_ID
from test_reader import build_real
from test_site import get, rows_of

from ogi import formats
from ogi.formats import code_label
from ogi.package import schema

CODED = {"status", "severity", "value_status", "settled_by", "kind"}


def enum_values() -> set[tuple[str, str]]:
    """(column, value) of every enum of a coded column in the package contract."""
    out = set()
    for res in schema.resources():
        for f in res["fields"]:
            if f["name"] in CODED:
                out |= {(f["name"], v) for v in f.get("constraints", {}).get("enum", [])}
    return out


@pytest.fixture(scope="session")
def built(seed_built: Path) -> Path:
    """Here, the seed alone: its one failing check is known."""
    return seed_built


def test_labels_are_read_once() -> None:
    """The site labels every coded cell, facet and canned-query row it shows with
    ``code_label``: labels.yml is read once, not at each label (it was read and parsed at
    every call, 1 ms a label; at 100,000 reports the failing_checks query took 2.3 s and
    went over the site's time limit)."""
    assert formats.labels() is formats.labels()
    assert code_label("status", "fail") == ("不通过", "fail")


def test_every_enum_value_of_a_coded_column_has_a_label() -> None:
    values = enum_values()
    assert ("status", "ambiguous") in values and ("kind", "doc_number") in values
    assert ("settled_by", "cross_year") in values
    assert [v for v in sorted(values) if code_label(*v) is None] == []


def test_every_check_of_the_rules_has_a_label() -> None:
    declared = set()
    for name in ("gen1.yml", "gen23.yml", "plausibility.yml"):
        text = (Path(formats.__file__).parent / name).read_text(encoding="utf-8")
        declared |= set(re.findall(r"check: ([a-z0-9_.]+)", text))
        declared |= set(re.findall(r"subrow_check: ([a-z0-9_.]+)", text))
    assert {"g23.s3_results_sum", "plausible.lawsuits_vs_requests"} <= declared
    assert sorted(c for c in declared if code_label("check", c) is None) == []


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_real(tmp_path_factory.mktemp("labels"))


def test_every_check_recorded_on_real_and_seed_reports_has_a_label(real: Path, built: Path) -> None:
    seen = set()
    for out in (real, built):
        with (out / "data" / "checks.csv").open(encoding="utf-8") as f:
            seen |= {r["check"] for r in csv.DictReader(f)}
    assert {"g23.s3_results_sum", "prose_vs_table", "digit_split"} <= seen
    assert sorted(c for c in seen if code_label("check", c) is None) == []


def test_table_cells_and_facets_show_the_labels(built: Path) -> None:
    page = get(built, "/ogi/checks", report_id=SEED_ID, _facet="status").text
    assert "不通过 / fail <code>fail</code>" in page  # a cell of the status column
    assert "答复总数＝各答复类型之和 / requests answered = sum of the answer types" in page
    assert '<span class="ogi-code-label">通过 / pass</span>' in page  # the status facet
    figures = get(built, "/ogi/figures", report_id=SEED_ID).text
    assert "百分比 / percent <code>percent</code>" in figures
    statistics = get(built, "/ogi/statistics", report_id=SEED_ID).text
    assert "按原文（各单元格分开印出） / as printed (each cell apart) <code>printed</code>" in (
        statistics  # a cell of the settled_by column
    )


def test_queries_and_dashboard_sql_give_the_labels(built: Path) -> None:
    (row,) = rows_of(built, "/ogi/failing_checks.json")
    assert row["check"] == "prose_vs_prose"
    assert (
        row["check_label"]
        == "正文前后所述同一数字一致 / the prose states the same number the same way twice"
    )
    got = rows_of(
        built,
        "/ogi.json",
        sql="select ogi_label('status', 'not_assessable') as a, ogi_label('check', 'nope') as b",
    )
    assert got == [{"a": "无法核查 / not assessable", "b": "nope"}]
