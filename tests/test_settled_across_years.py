"""Across years, in generation 1: a row whose digits run together (this year and 历年累计 in one
run) that the report's own evidence leaves split two ways is settled by the same body's
reports of the neighbouring years in the batch — 历年累计 of year N = 历年累计 of N−1 + year N —
with ``settled_by = cross_year``, only when exactly one split continues them; built through
``ogi build`` into a package, and kept right by incremental builds.

The reports are written here, one line of table as crawlers save them: 行政复议数件12212 is
12 | 212 or 1 | 2212 (历年累计 ≥ the year allows both; no identity ties the row); the year
before's 3200 is 3 | 200 and the year after's 3215 is 3 | 215, each the only split."""

from __future__ import annotations

import csv
from pathlib import Path

from click.testing import CliRunner

from ogi.cli import main

ROW = "g1.reconsiderations"


def _report(year: int, run: str, body: str = "平潭县人民政府") -> str:
    return (
        f"{body}{year}年政府信息公开工作年度报告\n"
        "一、概述\n"
        f"{year}年，本县认真贯彻落实《中华人民共和国政府信息公开条例》，推进政府信息公开工作。\n"
        "二、政府信息公开情况统计表\n"
        f"指标名称计量单位{year}年度历年累计主动公开文件数条5505受理依申请公开信息总数条00"
        f"行政复议数件{run}行政诉讼数件00\n"
    )


Y2014, Y2015, Y2016 = (2014, "3200"), (2015, "12212"), (2016, "3215")


def _write(folder: Path, reports: list[tuple[int, str]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    for year, run in reports:
        (folder / f"r{year}.txt").write_text(_report(year, run), encoding="utf-8")


def _build(folder: Path, out: Path) -> str:
    result = CliRunner().invoke(
        main, ["build", str(folder), "--out", str(out)], prog_name="ogi", catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return result.output


def _rows(out: Path, name: str) -> list[dict[str, str]]:
    with open(out / "data" / f"{name}.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _cells(out: Path, year: int) -> list[tuple[str, str, str, str, str]]:
    """The reconsiderations row of the report of ``year``: column, value, status, settled_by,
    printed value."""
    ids = {r["report_id"] for r in _rows(out, "reports") if r["year"] == str(year)}
    assert len(ids) == 1
    return [
        (c["column"], c["value"], c["value_status"], c["settled_by"], c["value_text"])
        for c in _rows(out, "statistics")
        if c["report_id"] in ids and c["indicator"] == ROW
    ]


def _check(out: Path, year: int) -> dict[str, str]:
    ids = {r["report_id"] for r in _rows(out, "reports") if r["year"] == str(year)}
    (row,) = [
        c
        for c in _rows(out, "checks")
        if c["report_id"] in ids and c["check"] == "digit_split" and c["subject"] == ROW
    ]
    return row


SETTLED = [
    ("year", "12", "inferred", "cross_year", "12"),
    ("cumulative", "212", "inferred", "cross_year", "212"),
]
OPEN = [
    ("year", "", "ambiguous", "", "12212"),
    ("cumulative", "", "ambiguous", "", "12212"),
]


def test_the_year_before_settles_a_split_the_report_leaves_open(tmp_path: Path) -> None:
    _write(tmp_path / "in", [Y2014, Y2015])
    _build(tmp_path / "in", tmp_path / "out")
    out = tmp_path / "out"
    assert _cells(out, 2015) == SETTLED
    # the year before is settled by its own arithmetic, not by its neighbour
    assert _cells(out, 2014) == [
        ("year", "3", "inferred", "identity", "3"),
        ("cumulative", "200", "inferred", "identity", "200"),
    ]
    check = _check(out, 2015)
    assert check["status"] == "pass"
    assert check["message"] == (
        "行政复议数 printed as “12212” (offset 138): the digits run together; only one split "
        "fits the same body's 2014 report (历年累计 200, so 历年累计 = 200 + the year) and "
        "历年累计 ≥ the year, 其中 rows within their parent and the table's identities: 12, 212."
    )


def test_three_years_the_middle_one_settled_by_both_neighbours(tmp_path: Path) -> None:
    _write(tmp_path / "in", [Y2014, Y2015, Y2016])
    _build(tmp_path / "in", tmp_path / "out")
    out = tmp_path / "out"
    assert _cells(out, 2015) == SETTLED
    assert [c[:4] for c in _cells(out, 2016)] == [
        ("year", "3", "inferred", "identity"),
        ("cumulative", "215", "inferred", "identity"),
    ]
    message = _check(out, 2015)["message"]
    assert "the same body's 2014 report (历年累计 200, so 历年累计 = 200 + the year) and" in message
    assert "the same body's 2016 report (历年累计 215, its year 3, so 历年累计 = 212)" in message


def test_the_year_after_alone_settles_it(tmp_path: Path) -> None:
    _write(tmp_path / "in", [Y2015, Y2016])
    _build(tmp_path / "in", tmp_path / "out")
    assert _cells(tmp_path / "out", 2015) == SETTLED


def test_a_neighbour_that_no_split_continues_leaves_the_row_ambiguous(tmp_path: Path) -> None:
    """2014's 历年累计 is 205: neither 12 | 212 nor 1 | 2212 continues it (and 2016's says
    212): the years disagree with the report, which stays ambiguous with its candidates."""
    _write(tmp_path / "in", [(2014, "3205"), Y2015])
    _build(tmp_path / "in", tmp_path / "out")
    out = tmp_path / "out"
    assert _cells(out, 2015) == OPEN
    check = _check(out, 2015)
    assert (check["status"], check["message"]) == (
        "ambiguous",
        "行政复议数 printed as “12212” (offset 138): the digits run together and 2 splits fit "
        "历年累计 ≥ the year, 其中 rows within their parent and the table's identities: "
        "1, 2212 | 12, 212; the cells are left empty.",
    )
    _write(tmp_path / "in", [(2014, "3205"), Y2015, Y2016])  # the two neighbours disagree
    _build(tmp_path / "in", out)
    assert _cells(out, 2015) == OPEN


def test_another_body_is_no_neighbour(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(_report(*Y2014, body="长乐市人民政府"), encoding="utf-8")
    (folder / "b.txt").write_text(_report(*Y2015), encoding="utf-8")
    _build(folder, tmp_path / "out")
    assert _cells(tmp_path / "out", 2015) == OPEN


def test_incremental_builds_follow_the_neighbours(tmp_path: Path) -> None:
    """2015 alone is ambiguous; adding 2014 later settles 2015's cells, though 2015 is
    unchanged (parsed again, with its neighbour); a changed 2014 that no split continues
    leaves them ambiguous; 2016 instead settles them; alone again, they are ambiguous.
    Each time the package is byte for byte a build from scratch."""
    folder, out = tmp_path / "in", tmp_path / "out"
    _write(folder, [Y2015])
    _build(folder, out)
    assert _cells(out, 2015) == OPEN

    _write(folder, [Y2014, Y2015])
    said = _build(folder, out)
    assert said.endswith("; 2 parsed, 0 unchanged\n"), said  # 2015 again, with its neighbour
    assert _cells(out, 2015) == SETTLED
    _same_as_from_scratch(folder, out, tmp_path / "fresh1")
    again = _build(folder, out)  # the same neighbours: nothing is parsed again
    assert again.endswith("; 0 parsed, 2 unchanged\n"), again

    _write(folder, [(2014, "3205"), Y2015])  # the year before changed: it no longer fits
    _build(folder, out)
    assert _cells(out, 2015) == OPEN
    _same_as_from_scratch(folder, out, tmp_path / "fresh4")

    _write(folder, [Y2015, Y2016])
    _build(folder, out)
    assert _cells(out, 2015) == SETTLED
    _same_as_from_scratch(folder, out, tmp_path / "fresh2")

    _write(folder, [Y2015])
    _build(folder, out)
    assert _cells(out, 2015) == OPEN
    _same_as_from_scratch(folder, out, tmp_path / "fresh3")


def _same_as_from_scratch(folder: Path, out: Path, fresh: Path) -> None:
    import sqlite3

    _build(folder, fresh)
    for rel in ["datapackage.json", *(f"data/{p.name}" for p in (fresh / "data").iterdir())]:
        assert (out / rel).read_bytes() == (fresh / rel).read_bytes(), rel
    parquet = sorted(p.relative_to(fresh) for p in (fresh / "parquet").rglob("*") if p.is_file())
    assert parquet == sorted(
        p.relative_to(out) for p in (out / "parquet").rglob("*") if p.is_file()
    )
    for rel in parquet:
        assert (out / rel).read_bytes() == (fresh / rel).read_bytes(), rel

    def db(root: Path) -> list[tuple[object, ...]]:
        conn = sqlite3.connect(root / "build" / "ogi.db")
        try:
            return conn.execute(
                "SELECT report_id, [column], value, value_status, settled_by FROM statistics "
                "ORDER BY report_id, [table], row, [column]"
            ).fetchall()
        finally:
            conn.close()

    assert db(out) == db(fresh)


def test_a_review_of_a_cell_a_neighbour_then_settles_is_a_clear_error(tmp_path: Path) -> None:
    """A person settled 2015's row while it was open; once 2014 is in the build the row is
    settled by evidence, and the review row is to be removed (one line, no traceback)."""
    import hashlib

    folder, out = tmp_path / "in", tmp_path / "out"
    _write(folder, [Y2015])
    sha = hashlib.sha256((folder / "r2015.txt").read_bytes()).hexdigest()
    review = tmp_path / "review.csv"
    review.write_text(
        "sha256,indicator,column,value,reviewer,reason\n"
        f"{sha},{ROW},year,12,张三,read in the PDF\n",
        encoding="utf-8",
    )
    args = ["build", str(folder), "--out", str(out), "--review", str(review)]
    done = CliRunner().invoke(main, args, prog_name="ogi")
    assert done.exit_code == 0, done.output
    assert _cells(out, 2015)[0] == ("year", "12", "ambiguous", "review", "12212")

    _write(folder, [Y2014, Y2015])
    failed = CliRunner().invoke(main, args, prog_name="ogi")
    assert failed.exit_code == 1
    assert failed.output == (
        f"ogi: error: {review} line 2: the cell {ROW} [year] of r2015.txt is settled by the same "
        "body's neighbouring year in the build already (inferred: 12); remove the row\n"
    )


def _published(reports: list, tmp_path: Path) -> list[tuple[object, ...]]:  # type: ignore[type-arg]
    """Build the generated reports; per table cell: the report, the cell, its value (None
    when empty), how it was settled, and what the generator printed there."""
    from ogi.build import build

    folder = tmp_path / "in"
    folder.mkdir()
    for syn in reports:
        (folder / syn.name).write_bytes(syn.data)
    build([folder], tmp_path / "out", jobs=1)
    names = {r["report_id"]: r["source_file"] for r in _rows(tmp_path / "out", "reports")}
    by_name = {syn.name: syn for syn in reports}
    out = []
    for c in _rows(tmp_path / "out", "statistics"):
        syn = by_name[names[c["report_id"]]]
        key = (c["indicator"], c["column"])
        value = float(c["value"]) if c["value"] else None
        out.append((syn.name, key, value, c["settled_by"], syn.printed[key], syn.truth[key]))
    return out


def test_a_generated_series_of_one_body_is_read_with_no_wrong_value(tmp_path: Path) -> None:
    """Five consecutive years of one body, flattened on one line as crawlers save them, each
    year's 历年累计 carrying on the year before's: every cell a report alone leaves open is
    settled by its neighbours, each exactly as printed; no value is wrong."""
    from ogi.synth import series

    cells = _published(series(1, 2010, 5), tmp_path)
    assert len(cells) == 5 * 15 * 2
    assert [c for c in cells if c[2] != c[4]] == []  # every value published, and right
    alone = [c for c in cells if c[5] is None]  # what a reader of the report alone cannot know
    assert len(alone) == 10
    assert {c[3] for c in alone} == {"cross_year"}
    assert {c[3] for c in cells if c[5] is not None} <= {"identity", "prose"}


def test_one_body_s_years_that_do_not_carry_on_settle_nothing(tmp_path: Path) -> None:
    """Six years of one body whose 历年累计 do not carry on (each drawn on its own, as a body
    that restates its figures): no split continues a neighbour by chance, nothing is settled
    by them, and what a report alone leaves open stays empty."""
    import random

    from ogi.synth import _place, report

    rng = random.Random(3)
    body = _place(rng)
    reports = [
        report(rng, 1, "crawled", None, f"s_{i}.txt", body=body, year=2010 + i) for i in range(6)
    ]
    cells = _published(reports, tmp_path)
    assert [c for c in cells if c[2] is not None and c[2] != c[4]] == []
    assert [c for c in cells if c[3] == "cross_year"] == []
    open_cells = [c for c in cells if c[5] is None]
    assert open_cells and all(c[2] is None for c in open_cells)


def test_a_real_run_is_settled_by_the_year_before(tmp_path: Path) -> None:
    """平潭县 2013 (a real crawler page) prints 主动公开信息数条18535395; its prose (主动公开政府信息
    1853条) settles it. With the prose's 1853条 taken out, four splits are left — until the
    body's 2012 report (written here: 历年累计 3542) is in the build: 3542 + 1853 = 5395 leaves
    1853 | 5395, and the website row, within it, follows by the table's arithmetic."""
    real = Path(__file__).parent / "fixtures" / "real" / "pingtanxian_2013_gen1.txt"
    text = real.read_text(encoding="utf-8")
    assert text.count("1853条") == 2 and "主动公开信息数条18535395" in text
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / real.name).write_text(text.replace("1853条", "若干条"), encoding="utf-8")
    _build(folder, tmp_path / "alone")

    def proactive(out: Path) -> list[tuple[str, str, str, str, str]]:
        ids = {r["report_id"] for r in _rows(out, "reports") if r["year"] == "2013"}
        return [
            (c["indicator"], c["column"], c["value"], c["value_status"], c["settled_by"])
            for c in _rows(out, "statistics")
            if c["report_id"] in ids
            and c["indicator"] in ("g1.proactive_total", "g1.proactive_website")
        ]

    assert {c[3] for c in proactive(tmp_path / "alone")} == {"ambiguous"}
    (folder / "pingtanxian_2012.txt").write_text(
        "平潭县人民政府2012年政府信息公开工作年度报告\n一、概述\n2012年，本县认真贯彻落实《中华人民共和国"
        "政府信息公开条例》，推进政府信息公开工作。\n二、政府信息公开情况统计表\n指标名称计量单位2012年度"
        "历年累计主动公开信息数条1003542受理依申请公开信息总数条00\n",
        encoding="utf-8",
    )
    _build(folder, tmp_path / "out")
    assert proactive(tmp_path / "out") == [
        ("g1.proactive_total", "year", "1853", "inferred", "cross_year"),
        ("g1.proactive_total", "cumulative", "5395", "inferred", "cross_year"),
        ("g1.proactive_website", "year", "1713", "inferred", "identity"),
        ("g1.proactive_website", "cumulative", "5017", "inferred", "identity"),
    ]


def test_two_reports_of_the_year_before_are_no_evidence(tmp_path: Path) -> None:
    """A revised 2014 report beside the first (another 历年累计): which one continues into
    2015 cannot be told, so neither settles it — even the one that would."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "r2014.txt").write_text(_report(*Y2014), encoding="utf-8")
    revised = _report(2014, "3205").replace("推进政府信息公开工作", "推进政务公开工作")
    (folder / "r2014_revised.txt").write_text(revised, encoding="utf-8")
    (folder / "r2015.txt").write_text(_report(*Y2015), encoding="utf-8")
    _build(folder, tmp_path / "out")
    assert _cells(tmp_path / "out", 2015) == OPEN
