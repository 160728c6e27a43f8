"""Issuers: who published each report — name, kind, level and place (ogi.parse.issuers).

The table of tests/fixtures/issuers.csv was written by hand from knowledge of the bodies and
of GB/T 2260 (not by running the code): printed string, report year, optional report text,
expected name, kind, level, division code as of the year, today's code, place_source.
"""

from __future__ import annotations

import csv
import hashlib
import sqlite3
from pathlib import Path

import pytest

from ogi import acquire
from ogi.build import build, parse_file
from ogi.check import run_checks
from ogi.check.cross_year import check_cross_year
from ogi.extract import extract
from ogi.parse import parse
from ogi.parse.issuers import issuer_id, issuer_note, resolve
from ogi.parse.metadata import issuer_of, opening_of, signature_of

FIXTURES = Path(__file__).parent / "fixtures"
ROWS = list(csv.DictReader((FIXTURES / "issuers.csv").read_text(encoding="utf-8").splitlines()))


def test_table_is_large_and_varied() -> None:
    assert len(ROWS) >= 200
    kinds = {r["kind"] for r in ROWS}
    levels = {r["level"] for r in ROWS}
    assert {"government", "government_office", "department", "township", "zone"} <= kinds
    assert {"province", "city", "county", "township", "state_council"} <= levels


@pytest.mark.parametrize("row", ROWS, ids=[f"{i}:{r['printed']}" for i, r in enumerate(ROWS)])
def test_issuer_string(row: dict[str, str]) -> None:
    got = resolve(row["printed"], int(row["year"]), context=row["context"])
    assert (
        got.name,
        got.kind,
        got.level or "",
        got.area_code or "",
        got.area_code_today or "",
        got.place_source or "",
    ) == (
        row["name"],
        row["kind"],
        row["level"],
        row["code"],
        row["code_today"],
        row["place_source"],
    )
    assert got.printed == row["printed"]
    assert (got.problem is None) == bool(row["code"] or row["place_source"] == "national")


# -- real reports, end to end -------------------------------------------------------------

REAL = FIXTURES / "real"
PINGTAN = (
    "平潭综合实验区",
    "zone",
    "city",
    "福建省",
    "福州市",
    "平潭县",
    "350128",
    "350128",
    "alias",
)
# file → (issuer, issuer_source, kind, level, province, city, county, area_code,
#          area_code_today, place_source), from shared/corpus/real/truth.json (issuer_names,
#          area_code) and the printed reports
REAL_ISSUERS = {
    "pingtan_2016_gen1.txt": (PINGTAN[0], "title", *PINGTAN[1:]),
    "pingtan_2019_gen2.txt": (PINGTAN[0], "title", *PINGTAN[1:]),
    "pingtan_2021_gen3.txt": (PINGTAN[0], "title", *PINGTAN[1:]),
    "pingtan_2023_gen3.txt": (PINGTAN[0], "title", *PINGTAN[1:]),
    "pingtan_scjgj_2019_gen2.txt": (
        "平潭综合实验区市场监督管理局", "title", "department", "city",
        "福建省", "福州市", "平潭县", "350128", "350128", "alias",
    ),
    "pingtanxian_2013_gen1.txt": (
        "平潭县人民政府", "title", "government", "county",
        "福建省", "福州市", "平潭县", "350128", "350128", "name",
    ),
    "sh_szfbgt_2025_gen3.txt": (
        "上海市人民政府办公厅", "title", "government_office", "province",
        "上海市", None, None, "310000", "310000", "name",
    ),
    "hongze_2024_gen3.pdf": (
        "淮安市洪泽区人民政府", "title", "government", "county",
        "江苏省", "淮安市", "洪泽区", "320813", "320813", "name",
    ),
}  # fmt: skip
FIELDS = (
    "issuer",
    "issuer_source",
    "issuer_kind",
    "issuer_level",
    "province",
    "city",
    "county",
    "area_code",
    "area_code_today",
    "place_source",
)


@pytest.mark.parametrize("name", sorted(REAL_ISSUERS))
def test_real_report_issuer(name: str) -> None:
    parsed = parse_file(REAL / name)[1]
    assert tuple(parsed.report[f] for f in FIELDS) == REAL_ISSUERS[name]
    assert parsed.report["issuer_id"] == issuer_id(
        resolve(REAL_ISSUERS[name][0], parsed.report["year"])
    )
    assert not [n for n in parsed.notes if n["check"] == "issuer.place"]


def test_seed_issuer() -> None:
    parsed = parse_file(Path(__file__).parents[1] / "data" / "raw" / "000_6fcf304d54296c97.txt")[1]
    assert tuple(parsed.report[f] for f in FIELDS) == (
        "福州市晋安区人民政府", "text", "government", "county",
        "福建省", "福州市", "晋安区", "350111", "350111", "name",
    )  # fmt: skip
    assert parsed.report["issuer_printed"] is None  # inferred, not printed


def _text(name: str) -> str:
    source = acquire.read_source(REAL / name)
    doc = extract(source)
    return doc.text[doc.body_start :]


def test_signature_and_opening_of_real_reports() -> None:
    # 落款 …平潭综合实验区市场监督管理局 2020年1月13日 (the 印发 line after it is the office's)
    assert (
        signature_of(_text("pingtan_scjgj_2019_gen2.txt"), 2019) == "平潭综合实验区市场监督管理局"
    )
    # 本报告由淮安市洪泽区人民政府办公室…编制: the office compiled it; the title names the issuer
    assert opening_of(_text("hongze_2024_gen3.pdf"), 2024, None) == "淮安市洪泽区人民政府办公室"
    assert signature_of(_text("sh_szfbgt_2025_gen3.txt"), 2025) is None


def test_header_issuer_read_when_title_has_none() -> None:
    # the crawler's header of pingtanxian_2013 (发布机构: 平潭县人民政府), without its title
    text = _text("pingtanxian_2013_gen1.txt")
    who, source = issuer_of(None, {"issuer": "平潭县人民政府"}, text, {}, 2013)
    assert who is not None and source == "header"
    assert (who.name, who.area_code, who.place_source) == ("平潭县人民政府", "350128", "name")


def test_short_form_the_report_defines() -> None:
    text = "上海市科学技术委员会（以下简称“市科委”）根据《条例》编制本报告。全市……"
    who, source = issuer_of("市科委2018年度政府信息公开工作年度报告", {}, text, {}, 2018)
    assert who is not None and source == "title"
    assert (who.name, who.printed, who.kind, who.level, who.area_code) == (
        "上海市科学技术委员会",
        "市科委",
        "department",
        "province",
        "310000",
    )


def test_opening_sentence_with_a_bare_short_form() -> None:
    # no title, no header: 市科委编制了… and the report speaks for 上海市 (我市, 上海市)
    text = "根据《条例》规定，市科委编制了本报告。我市上海市科技工作……我市……"
    who, source = issuer_of(None, {}, text, {}, 2018)
    assert who is not None and source == "opening"
    assert (who.name, who.area_code, who.place_source) == ("上海市科学技术委员会", "310000", "text")


def test_near_miss_placed_only_when_the_report_agrees() -> None:
    title = "# 沐阳县人民政府2019年政府信息公开工作年度报告"
    agrees = "本报告由宿迁市沭阳县人民政府办公室编制。全县……"
    who, _ = issuer_of(title, {}, agrees, {}, 2019)
    assert who is not None
    assert (who.name, who.printed, who.area_code, who.place_source) == (
        "沭阳县人民政府",
        "# 沐阳县人民政府",
        "321322",
        "near_miss",
    )
    who, _ = issuer_of(title, {}, "全县……本年度共收到申请……", {}, 2019)
    assert who is not None and (who.name, who.area_code) == ("沐阳县人民政府", None)
    note = issuer_note(who)
    assert note is not None and note["status"] == "not_assessable"
    assert "沐阳县人民政府" in note["message"]


def test_ambiguous_place_is_flagged_with_its_candidates() -> None:
    who = resolve("鼓楼区人民政府", 2018)
    note = issuer_note(who)
    assert note is not None and note["status"] == "ambiguous"
    assert "320106, 320302, 350102, 410204" in note["message"]
    assert issuer_id(who) is None  # unplaced bodies are never merged


def test_same_name_in_two_places_two_ids() -> None:
    a = resolve("南京市鼓楼区人民政府", 2018)
    b = resolve("福州市鼓楼区人民政府", 2018)
    assert a.area_code != b.area_code and issuer_id(a) != issuer_id(b)
    assert issuer_id(resolve("教育部", 2019)) == issuer_id(resolve("# 教育部", 2020))


# -- the issuers resource, full and incremental builds -------------------------------------


def _issuers_csv(out: Path) -> str:
    return (out / "data" / "issuers.csv").read_text(encoding="utf-8")


def test_issuers_resource_follows_incremental_builds(tmp_path: Path) -> None:
    """The table is made from every report of the build, those parsed and those kept: an
    incremental build that adds a report, then removes one, writes what a full build of the
    same inputs writes, and its database holds the same rows. 平潭县人民政府 and
    平潭综合实验区 govern the same division (350128) and are two bodies."""
    names = ["pingtan_2016_gen1.txt", "pingtan_2019_gen2.txt", "pingtanxian_2013_gen1.txt"]
    (tmp_path / "in").mkdir()
    for n in names:
        (tmp_path / "in" / n).write_bytes((REAL / n).read_bytes())
    zone, county = (
        issuer_id(resolve("平潭综合实验区", 2016)),
        issuer_id(resolve("平潭县人民政府", 2013)),
    )
    assert zone and county
    inc, full = tmp_path / "inc", tmp_path / "full"
    build([tmp_path / "in" / n for n in names[:2]], inc, jobs=1)
    assert _issuers_csv(inc).splitlines()[1:] == [
        f"{zone},平潭综合实验区,平潭综合实验区,zone,city,福建省,福州市,平潭县,350128,350128,alias,2,2016,2019"
    ]
    build([tmp_path / "in"], inc, jobs=1)  # adds 平潭县人民政府's report of 2013
    build([tmp_path / "in"], full, jobs=1, full=True)
    assert _issuers_csv(inc) == _issuers_csv(full)
    assert sorted(_issuers_csv(inc).splitlines()[1:]) == sorted(
        [
            f"{zone},平潭综合实验区,平潭综合实验区,zone,city,福建省,福州市,平潭县,350128,350128,alias,2,2016,2019",
            f"{county},平潭县人民政府,平潭县人民政府,government,county,福建省,福州市,平潭县,350128,350128,name,1,2013,2013",
        ]
    )
    (tmp_path / "in" / names[0]).unlink()
    build([tmp_path / "in"], inc, jobs=1)
    rows = _issuers_csv(inc).splitlines()[1:]
    assert [r.split(",")[0] for r in rows] == sorted([zone, county])
    assert any(r.startswith(f"{zone},") and r.endswith(",1,2019,2019") for r in rows)
    conn = sqlite3.connect(inc / "build" / "ogi.db")
    try:
        assert conn.execute("select count(*) from issuers").fetchone() == (2,)
        dangling = conn.execute(
            "select count(*) from reports r where r.issuer_id is not null and r.issuer_id "
            "not in (select issuer_id from issuers)"
        ).fetchone()
        assert dangling == (0,)
    finally:
        conn.close()


def test_every_real_report_lands_in_issuers(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    for n in REAL_ISSUERS:
        (tmp_path / "in" / n).write_bytes((REAL / n).read_bytes())
    result = build([tmp_path / "in"], tmp_path / "out", jobs=1)
    assert not result.partial
    names = {r.split(",")[1] for r in _issuers_csv(tmp_path / "out").splitlines()[1:]}
    assert names == {v[0] for v in REAL_ISSUERS.values()}


def test_unplaced_issuer_is_a_check_of_the_report() -> None:
    """The seed with a title naming a body of no division: the issuer is kept as printed,
    unplaced, without an id, and the report's checks say why."""
    seed = (Path(__file__).parents[1] / "data" / "raw" / "000_6fcf304d54296c97.txt").read_bytes()
    data = "某某县人民政府2018年度政府信息公开工作年度报告\n".encode() + seed
    source = acquire.Source("x", "unplaced.txt", data, hashlib.sha256(data).hexdigest())
    parsed = parse(extract(source))
    r = parsed.report
    assert (r["issuer"], r["issuer_source"], r["issuer_kind"], r["area_code"], r["issuer_id"]) == (
        "某某县人民政府",
        "title",
        "government",
        None,
        None,
    )
    notes = [n for n in run_checks(parsed) if n["check"] == "issuer.place"]
    assert [(n["subject"], n["status"], n["severity"]) for n in notes] == [
        ("issuer", "not_assessable", "warning")
    ]
    assert notes[0]["message"] == (
        "issuer “某某县人民政府”: “某某县人民政府” names no division; it is left unplaced."
    )


def test_cross_year_compares_one_body_not_one_name() -> None:
    """Two reports printed 鼓楼区人民政府, one placed in 南京市 and one in 福州市 (each text names
    its city), are two bodies: their carried requests are not compared."""
    nanjing = issuer_id(resolve("南京市鼓楼区人民政府", 2020))
    fuzhou = issuer_id(resolve("福州市鼓楼区人民政府", 2021))
    rec = {"issuer": "鼓楼区人民政府", "carried_in": 1, "carried_over": 2, "start": 0}
    apart = [
        {**rec, "report_id": "a", "body": nanjing, "year": 2020},
        {**rec, "report_id": "b", "body": fuzhou, "year": 2021},
    ]
    assert check_cross_year(apart) == []
    same = [{**r, "body": fuzhou} for r in apart]
    (row,) = check_cross_year(same)
    assert (row["report_id"], row["subject"], row["status"]) == ("b", "2020→2021", "fail")
