"""A person settles what evidence cannot (issue 11, item 8): review.csv beside the raw
reports, applied by the build (settled_by = review, the checks run over the settled values),
published as the ``review`` resource, and a clear error for a row that no longer fits.

The report is the real 平潭综合实验区 2016 report (tests/fixtures/real), whose appendix prints
主动公开文件数 2016年度 and 历年累计 run together as 346085376: three splits fit the table
(3 | 46085376, 34 | 6085376, 3460 | 85376). Its prose names the year's value (主动公开政府信息
3460条); here that sentence is taken out, so that nothing in the report settles the cell and
only a person can.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from ogi.build import build, parse_file
from ogi.check import run_checks
from ogi.cli import main
from ogi.errors import OgiError
from ogi.parse import review

REAL = Path(__file__).parent / "fixtures" / "real" / "pingtan_2016_gen1.txt"
HEADER = "sha256,indicator,column,value,reviewer,reason\n"


@pytest.fixture()
def raw(tmp_path: Path) -> Path:
    text = REAL.read_text(encoding="utf-8")
    assert text.count("主动公开政府信息3460条") == 1
    folder = tmp_path / "data" / "raw"
    folder.mkdir(parents=True)
    (folder / REAL.name).write_text(
        text.replace("主动公开政府信息3460条", "主动公开政府信息若干条"), encoding="utf-8"
    )
    return folder


def _sha(raw: Path) -> str:
    return parse_file(raw / REAL.name)[1].report["sha256"]


def _rows(sha: str) -> str:
    return (
        HEADER
        + f"{sha},g1.proactive_total,year,3460,张三,the PDF prints 3460 and 85376 apart\n"
        + f"{sha},g1.proactive_total,cumulative,85376,张三,the PDF prints 3460 and 85376 apart\n"
        + f"{sha},,issuer,平潭综合实验区管理委员会,李四,the body's web site names it so\n"
    )


def _csv(out: Path, name: str) -> list[dict[str, str]]:
    with open(out / "data" / f"{name}.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _cells(out: Path, indicator: str) -> list[tuple[str, str, str, str]]:
    return [
        (r["column"], r["value"], r["value_status"], r["settled_by"])
        for r in _csv(out, "statistics")
        if r["indicator"] == indicator
    ]


def _check(out: Path, check: str, subject: str) -> str:
    (row,) = [r for r in _csv(out, "checks") if r["check"] == check and r["subject"] == subject]
    return row["status"]


def test_unreviewed_the_cell_stays_empty(raw: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build([raw], out, jobs=1)
    assert _cells(out, "g1.proactive_total") == [
        ("year", "", "ambiguous", ""),
        ("cumulative", "", "ambiguous", ""),
    ]
    assert _cells(out, "g1.requests_received") == [
        ("year", "0", "inferred", "identity"),
        ("cumulative", "0", "inferred", "identity"),
    ]
    assert _check(out, "g1.cumulative_ge_year", "g1.proactive_total") == "not_assessable"
    assert (out / "data" / "review.csv").read_text(encoding="utf-8") == HEADER


def test_a_review_settles_the_cell_and_the_checks_run_over_it(raw: Path, tmp_path: Path) -> None:
    sha = _sha(raw)
    (raw.parent / "review.csv").write_text(_rows(sha), encoding="utf-8")  # data/review.csv
    out = tmp_path / "out"
    result = build([raw], out, jobs=1)
    assert _cells(out, "g1.proactive_total") == [
        ("year", "3460", "ambiguous", "review"),
        ("cumulative", "85376", "ambiguous", "review"),
    ]
    # the checks are made from the settled values
    assert _check(out, "g1.cumulative_ge_year", "g1.proactive_total") == "pass"
    assert _check(out, "g1.subrow_le_parent", "g1.proactive_gazette@year") == "pass"
    (summary,) = _csv(out, "summary")
    assert summary["proactive_disclosures"] == "3460"
    (report,) = _csv(out, "reports")
    # the body the person named, resolved as every issuer is (its printed form kept)
    assert (report["issuer"], report["issuer_printed"], report["issuer_source"]) == (
        "平潭综合实验区",
        "平潭综合实验区管理委员会",
        "review",
    )
    # the review is a resource of the package, its rows sorted
    assert (out / "data" / "review.csv").read_text(encoding="utf-8") == HEADER + "".join(
        sorted(_rows(sha).splitlines(keepends=True)[1:])
    )
    desc = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    (res,) = [r for r in desc["resources"] if r["name"] == "review"]
    assert res["schema"]["primaryKey"] == ["sha256", "indicator", "column"]
    assert result.counts["review"] == 3
    db = sqlite3.connect(out / "build" / "ogi.db")
    assert db.execute("select count(*) from review").fetchone() == (3,)
    assert db.execute(
        "select value, settled_by from statistics where indicator = 'g1.proactive_total'"
        " order by row, [column] desc"
    ).fetchall() == [(3460, "review"), (85376, "review")]


def test_a_changed_review_settles_the_report_again(raw: Path, tmp_path: Path) -> None:
    sha = _sha(raw)
    path = raw.parent / "review.csv"
    path.write_text(_rows(sha), encoding="utf-8")
    out = tmp_path / "out"
    build([raw], out, jobs=1)
    path.write_text(_rows(sha).replace(",85376,", ",85377,"), encoding="utf-8")
    again = build([raw], out, jobs=1)
    assert again.incremental and again.parsed == 1
    assert _cells(out, "g1.proactive_total")[1] == ("cumulative", "85377", "ambiguous", "review")
    same = build([raw], out, jobs=1)  # the same review rows: the report is not parsed again
    assert same.parsed == 0 and same.reused == 1
    path.write_text(HEADER, encoding="utf-8")
    last = build([raw], out, jobs=1)
    assert last.parsed == 1
    assert _cells(out, "g1.proactive_total")[1] == ("cumulative", "", "ambiguous", "")
    assert _csv(out, "review") == []
    unchanged = build([raw], out, jobs=1)
    assert unchanged.parsed == 0 and unchanged.reused == 1


def test_review_file_given_on_the_command_line(raw: Path, tmp_path: Path) -> None:
    given = tmp_path / "elsewhere.csv"
    given.write_text(_rows(_sha(raw)), encoding="utf-8")
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["build", str(raw), "--out", str(out), "--review", str(given)])
    assert res.exit_code == 0, res.output
    assert "3 review" in res.output
    assert _cells(out, "g1.proactive_total")[0] == ("year", "3460", "ambiguous", "review")


@pytest.mark.parametrize(
    "row, message",
    [
        (
            "{other},g1.proactive_total,year,3460,张三,read\n",
            "no input is the report ffffffffffff… (it changed, or was removed); remove the row, "
            "or review the report as it is now",
        ),
        (
            "{sha},g1.lawsuits,year,3,张三,read\n",
            "the cell g1.lawsuits [year] of pingtan_2016_gen1.txt is settled by the report "
            "already (inferred: 0); remove the row",
        ),
        (
            "{sha},g2.s3.received,total,3,张三,read\n",
            "report pingtan_2016_gen1.txt has no cell g2.s3.received [total] (the report or the "
            "parser changed); remove the row, or review the cell as it is read now",
        ),
        (
            "{sha},g1.proactive_total,year,三千,张三,read\n",
            "the value “三千” is not a number; give it as 1853 or 12.5",
        ),
        (
            "{sha},g1.nothing,year,3,张三,read\n",
            "no indicator is called g1.nothing; give a code of the indicators table",
        ),
        (
            "{sha},,year,3,张三,read\n",
            "a report field 'year' cannot be reviewed; give an indicator for a cell, or one of "
            "the fields issuer",
        ),
        (
            "{sha},g1.proactive_total,year,3460,,\n",
            "the value, the reviewer and the reason are required; fill them in",
        ),
        (
            "xyz,g1.proactive_total,year,3460,张三,read\n",
            "“xyz” is not a sha256; give the 64 hex digits of reports.sha256",
        ),
    ],
)
def test_a_review_row_that_does_not_fit_is_one_clear_error(
    raw: Path, tmp_path: Path, row: str, message: str
) -> None:
    sha, other = _sha(raw), "f" * 64
    path = raw.parent / "review.csv"
    path.write_text(HEADER + row.format(sha=sha, other=other), encoding="utf-8")
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["build", str(raw), "--out", str(out)])
    assert res.exit_code == 1
    assert res.output == f"ogi: error: {path} line 2: {message}\n"
    assert not (out / "datapackage.json").exists()  # nothing was published


def test_a_review_file_with_another_header_or_a_row_twice(raw: Path, tmp_path: Path) -> None:
    path = tmp_path / "review.csv"
    path.write_text("sha256,row,value\n", encoding="utf-8")
    with pytest.raises(OgiError) as e:
        review.read(path)
    assert str(e.value) == (
        f"{path} line 1: the header is sha256,row,value; it must be "
        "sha256,indicator,column,value,reviewer,reason"
    )
    sha = _sha(raw)
    path.write_text(_rows(sha) + _rows(sha).splitlines(keepends=True)[1], encoding="utf-8")
    with pytest.raises(OgiError) as e:
        review.read(path)
    assert str(e.value) == (
        f"{path} line 5: the same cell as {path} line 2; keep one of the two rows"
    )


def test_apply_is_a_pure_function(raw: Path) -> None:
    _, parsed = parse_file(raw / REAL.name)
    rows = review.parse_rows(_rows(parsed.report["sha256"]), "review.csv")
    settled = review.apply(parsed, rows)
    before = {(c["indicator"], c["column"]): c["value"] for c in parsed.statistics}
    after = {(c["indicator"], c["column"]): c["value"] for c in settled.statistics}
    assert before[("g1.proactive_total", "year")] is None  # left as it was
    assert after[("g1.proactive_total", "year")] == 3460
    assert {k for k in before if before[k] != after[k]} == {
        ("g1.proactive_total", "year"),
        ("g1.proactive_total", "cumulative"),
    }
    assert parsed.report["issuer"] == "平潭综合实验区"
    assert settled.report["issuer"] == "平潭综合实验区"  # resolved: the zone's own name
    assert settled.report["issuer_printed"] == "平潭综合实验区管理委员会"
    (split,) = [
        c
        for c in run_checks(settled)
        if c["subject"] == "g1.proactive_total" and c["check"] == "digit_split"
    ]
    assert split["message"].endswith(
        "the cells are left empty. cumulative is settled by review (review.csv line 3, 张三): "
        "85376. year is settled by review (review.csv line 2, 张三): 3460."
    )
    (before,) = [n for n in parsed.notes if n["subject"] == "g1.proactive_total"]
    assert before["message"].endswith("the cells are left empty.")
    statuses = {(c["check"], c["subject"]): c["status"] for c in run_checks(settled)}
    assert statuses[("digit_split", "g1.proactive_total")] == "ambiguous"  # as printed
    assert statuses[("g1.cumulative_ge_year", "g1.proactive_total")] == "pass"
