"""Three real reports, one per generation (平潭综合实验区 2016, 2019, 2023), scraped to one line
with the tables' digits run together. Every table cell is checked against values read by
hand from the printed text; cells whose digits the arithmetic cannot split in one way must
be empty and flagged with their candidates."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from ogi.build import parse_file
from ogi.check import run_checks
from ogi.parse import Parsed
from ogi.summarise import summarise

REAL = Path(__file__).parent / "fixtures" / "real"
COLS7 = [
    "natural_person",
    "commercial",
    "research",
    "public_interest",
    "legal_services",
    "other_org",
    "total",
]
S4 = ["upheld", "corrected", "other", "pending", "total"]


def z7(first: int = 0, second: int = 0) -> list[int]:
    """A section-三 row of this corpus: natural persons, commercial firms, zeros, total."""
    return [first, second, 0, 0, 0, 0, first + second]


@pytest.fixture(scope="module")
def real() -> dict[str, tuple[Parsed, list[dict]]]:
    out = {}
    for year in ("2016_gen1", "2019_gen2", "2023_gen3"):
        parsed = parse_file(REAL / f"pingtan_{year}.txt")[1]
        out[year] = (parsed, run_checks(parsed))
    return out


def cells(parsed: Parsed) -> dict[tuple[str, str], float | int | None]:
    return {(c["indicator"], c["column"]): c["value"] for c in parsed.statistics}


def test_metadata(real) -> None:
    got = {
        k: (
            p.report["issuer"],
            p.report["issuer_source"],
            p.report["year"],
            p.report["generation"],
            p.report["table_family"],
            p.report["published"],
        )
        for k, (p, _) in real.items()
    }
    assert got == {
        "2016_gen1": ("平潭综合实验区", "title", 2016, 1, "g1_provincial", "2017-01-18"),
        "2019_gen2": ("平潭综合实验区", "title", 2019, 2, "gen2", "2020-01-20"),
        "2023_gen3": ("平潭综合实验区", "title", 2023, 3, "gen3", "2024-03-08"),
    }
    assert (
        real["2023_gen3"][0].report["url"]
        == "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/202403/t20240308_87885.htm"
    )


GEN2_S3 = {
    "received": z7(23),
    "carried_in": z7(),
    "granted": z7(7),
    "partial": z7(1),
    **{
        f"refused.{r}": z7()
        for r in (
            "state_secret",
            "prohibited",
            "three_safeties",
            "third_party",
            "internal_affairs",
            "process_information",
            "enforcement_files",
            "inquiry_matters",
        )
    },
    "unable.not_held": z7(7),
    "unable.needs_creation": z7(),
    "unable.unclear": z7(5),
    "not_processed.petitions": z7(),
    "not_processed.repeated": z7(3),
    "not_processed.publications": z7(),
    "not_processed.mass_requests": z7(),
    "not_processed.confirmation": z7(),
    "other": z7(),
    "total": z7(23),
    "carried_over": z7(),
}
GEN3_S3 = {
    "received": z7(80, 1),
    "carried_in": z7(),
    "granted": z7(22),
    "partial": z7(19, 1),
    "refused.state_secret": z7(),
    "refused.prohibited": z7(),
    "refused.three_safeties": z7(),
    "refused.third_party": z7(1),
    "refused.internal_affairs": z7(),
    "refused.process_information": z7(1),
    "refused.enforcement_files": z7(1),
    "refused.inquiry_matters": z7(2),
    "unable.not_held": z7(31),
    "unable.needs_creation": z7(),
    "unable.unclear": z7(),
    "not_processed.petitions": z7(),
    "not_processed.repeated": z7(1),
    "not_processed.publications": z7(),
    "not_processed.mass_requests": z7(),
    "not_processed.confirmation": z7(),
    "other.no_correction": z7(1),
    "other.unpaid_fee": z7(),
    "other.other": z7(1),
    "total": z7(80, 1),
    "carried_over": z7(),
}


def test_gen2_every_cell(real) -> None:
    parsed, checks = real["2019_gen2"]
    got = cells(parsed)
    assert len(got) == 22 + 161 + 15
    for code, values in GEN2_S3.items():
        assert [got[(f"g2.s3.{code}", c)] for c in COLS7] == values, code
    for row in ("reconsideration", "lawsuit_direct", "lawsuit_after"):
        assert [got[(f"g2.s4.{row}", c)] for c in S4] == [0] * 5
    assert [got[("g2.s2.rules", c)] for c in ("new_made", "new_published", "total_published")] == [
        0,
        0,
        0,
    ]
    # section 二 has no identity: a run such as 898989 (3 cells) cannot be split without guessing
    s2 = [c for c in parsed.statistics if c["table"] == "s2" and c["indicator"] != "g2.s2.rules"]
    assert len(s2) == 19 and {(c["value"], c["value_status"]) for c in s2} == {(None, "ambiguous")}
    ambiguous = {c["subject"]: c["message"] for c in checks if c["status"] == "ambiguous"}
    assert sorted(ambiguous) == sorted(
        f"g2.s2.{r}"
        for r in (
            "normative_documents",
            "licensing",
            "other_services",
            "penalties",
            "enforcement",
            "fees",
            "procurement",
        )
    )
    assert ambiguous["g2.s2.fees"] == (
        "行政事业性收费 printed as “350” (offset 4785): the digits run together and 2 splits fit one valid number "
        "per column (section 二 has no identity to tell splits apart): 3, 50 | 35, 0; the cells are left empty."
    )
    assert "89, 89, 89" in ambiguous["g2.s2.normative_documents"]


def test_gen3_every_cell(real) -> None:
    parsed, checks = real["2023_gen3"]
    got = cells(parsed)
    assert len(got) == 10 + 175 + 15
    for code, values in GEN3_S3.items():
        assert [got[(f"g3.s3.{code}", c)] for c in COLS7] == values, code
    assert [got[("g3.s4.reconsideration", c)] for c in S4] == [1, 1, 0, 0, 2]
    assert [got[("g3.s4.lawsuit_direct", c)] for c in S4] == [4, 0, 0, 1, 5]
    assert [got[("g3.s4.lawsuit_after", c)] for c in S4] == [1, 0, 1, 0, 2]
    assert [got[("g3.s2.rules", c)] for c in ("issued", "repealed", "in_force")] == [0, 0, 0]
    assert [got[("g3.s2.normative_documents", c)] for c in ("issued", "repealed", "in_force")] == [
        None
    ] * 3
    assert (
        got[("g3.s2.licensing", "decisions")],
        got[("g3.s2.penalties", "decisions")],
        got[("g3.s2.enforcement", "decisions")],
        got[("g3.s2.fees", "fee_amount")],
    ) == (2629, 1330, 54, 5949.088667)
    fee = next(c for c in parsed.statistics if c["indicator"] == "g3.s2.fees")
    assert (fee["unit"], fee["value_status"]) == ("万元", "printed")
    split = next(c for c in checks if c["subject"] == "g3.s3.partial")
    assert split["message"] == (
        "部分公开 printed as “191000020” (offset 2449): the digits run together; only one "
        "split fits the row total and the column identities: 19, 1, 0, 0, 0, 0, 20."
    )


def test_gen3_prose_agrees_with_its_tables(real) -> None:
    _, checks = real["2023_gen3"]
    prose = {c["subject"]: c["status"] for c in checks if c["check"] == "prose_vs_table"}
    assert prose == {
        s: "pass"
        for s in (
            "g3.s3.received@total",
            "g3.s3.received@natural_person",
            "g3.s3.received@commercial",
            "g3.s3.total@total",
            "g3.granted_and_partial@total",
            "g3.refused_total@total",
            "g3.unable_total@total",
            "g3.not_processed_total@total",
            "g3.other_total@total",
            "g3.s4.reconsideration@total",
            "g3.lawsuits_total@total",
        )
    }


def test_gen1_every_cell(real) -> None:
    parsed, checks = real["2016_gen1"]
    rows = {}
    for c in parsed.statistics:
        rows.setdefault((c["row"], c["indicator"], c["label"]), []).append(c["value"])
    assert list(rows) == [
        (1, "g1.proactive_total", "主动公开文件数"),
        (2, "g1.proactive_website", "其中：1、政府网站公开数"),
        (3, "g1.proactive_gazette", "2、政府公报公开数"),
        (4, "g1.requests_received", "受理依申请公开信息总数"),
        (5, "g1.requests_in_person", "其中：1、当面申请数"),
        (6, "g1.requests_online", "2、网上申请数"),
        (7, "g1.requests_mail_fax", "3、信函、传真申请数"),
        (8, "g1.answers_total", "对申请的答复总数"),
        (9, "g1.answers_granted", "其中：1、同意公开答复数"),
        (10, "g1.answers_partial", "2、同意部分公开答复数"),
        (11, "g1.answers_refused", "3、不予公开答复数"),
        (12, "g1.answers_other", "4、其他类型答复数"),
        (13, "g1.fee_waivers", "政府信息公开收费减免金额"),
        (14, None, "接受行政诉讼、举报数"),  # printed so (for 行政申诉): kept as an open row
        (15, "g1.reconsiderations", "行政复议数"),
        (16, "g1.lawsuits", "行政诉讼数"),
    ]
    # 346085376 (2016年度, 历年累计) fits three splits: 3|46085376, 34|6085376, 3460|85376;
    # the prose (2016年全区主动公开政府信息3460条) names the year: 3460 | 85376; the website row,
    # printed the same, then has one split within its parent
    assert rows[(1, "g1.proactive_total", "主动公开文件数")] == [3460, 85376]
    assert rows[(2, "g1.proactive_website", "其中：1、政府网站公开数")] == [3460, 85376]
    assert all(v == [0, 0] for k, v in rows.items() if k[0] > 2)
    settled = {(c["row"], c["column"]): c["settled_by"] for c in parsed.statistics}
    assert settled[(1, "year")] == settled[(1, "cumulative")] == "prose"
    assert settled[(2, "year")] == settled[(2, "cumulative")] == "identity"
    (split,) = [
        c for c in checks if c["subject"] == "g1.proactive_total" and c["check"] == "digit_split"
    ]
    assert split["status"] == "pass"
    assert "the report's prose (year 3460)" in split["message"]
    assert split["message"].endswith(": 3460, 85376.")
    assert not [c for c in checks if c["status"] == "fail"]


def test_summaries(real) -> None:
    rows = {k: summarise(p) for k, (p, _) in real.items()}
    picked = {
        k: [
            r[f]
            for f in (
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
            )
        ]
        for k, r in rows.items()
    }
    assert picked == {
        "2016_gen1": [0, None, 0, 0, 0, 0, None, None, 0, None, 0, 0, 3460],
        "2019_gen2": [23, 0, 23, 7, 1, 0, 12, 3, 0, 0, 0, 0, None],
        "2023_gen3": [81, 0, 81, 22, 20, 5, 31, 1, 2, 0, 2, 7, None],
    }


def test_no_real_report_fails_its_own_arithmetic(real) -> None:
    for key, (_, checks) in real.items():
        assert (
            Counter(c["status"] for c in checks if c["check"].startswith(("g1.", "g23."))).get(
                "fail"
            )
            is None
        ), key
