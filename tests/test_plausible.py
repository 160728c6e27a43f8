"""Plausibility flags: numbers a report may print but that are unlikely get a ``warning``
check stating its rule (formats/plausibility.yml); no number is changed."""

from __future__ import annotations

import copy
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from test_site import table

from ogi import formats
from ogi.check import run_checks
from ogi.check.plausible import check_plausible, evaluate
from ogi.parse import Parsed
from ogi.summarise import summarise

RULES = {r["check"]: r for r in formats.plausibility()["rules"]}


def test_generation_1_answering_far_more_than_received_is_flagged() -> None:
    row = {"requests_received": 15, "requests_handled": 897}
    found = evaluate(RULES["plausible.answered_vs_received"], row, start=120)
    assert found == {
        "check": "plausible.answered_vs_received",
        "subject": "summary",
        "status": "fail",
        "severity": "warning",
        "expected": 50,
        "observed": 897,
        "message": "requests answered are at most twice the requests received plus 20 "
        "(generation 1 prints no carried-in requests): 办理结果总数 897 > 2 × (新收申请数 15) "
        "+ 20 = 50; possible, but implausible: check the report (its numbers are kept as "
        "printed).",
        "start": 120,
    }
    assert (
        evaluate(RULES["plausible.answered_vs_received"], {**row, "requests_handled": 50})["status"]
        == "pass"
    )


def test_an_empty_number_makes_a_rule_not_assessable() -> None:
    rule = RULES["plausible.answered_vs_received"]
    empty = evaluate(rule, {"requests_received": None, "requests_handled": 897})
    assert (empty["status"], empty["message"], empty["expected"]) == (
        "not_assessable",
        "requests answered are at most twice the requests received plus 20 (generation 1 "
        "prints no carried-in requests): 新收申请数 empty.",
        None,
    )
    # generations 2 and 3: the balance identity (an error) bounds what is handled already
    assert all(1 in r["generations"] for r in RULES.values())
    assert "plausible.answered_vs_received" not in {
        r["check"] for r in RULES.values() if 2 in r["generations"]
    }


def test_more_lawsuits_than_requests() -> None:
    rule = RULES["plausible.lawsuits_vs_requests"]
    # generation 1 prints no 上年结转: it counts as nothing
    found = evaluate(rule, {"requests_received": 3, "lawsuits": 27})
    assert (found["status"], found["expected"], found["observed"]) == ("fail", 26, 27)
    assert found["message"] == (
        "lawsuits are at most twice the requests (received plus carried in) plus 20: 行政诉讼数 "
        "27 > 2 × (新收申请数 3) + 20 = 26; possible, but implausible: check the report (its "
        "numbers are kept as printed)."
    )
    assert (
        evaluate(rule, {"requests_received": 3, "requests_carried_in": 1, "lawsuits": 27})["status"]
        == "pass"
    )
    assert evaluate(rule, {"requests_received": None, "lawsuits": 9})["status"] == "not_assessable"
    recon = evaluate(
        RULES["plausible.reconsiderations_vs_requests"],
        {"requests_received": 0, "reconsiderations": 21},
    )
    assert (recon["status"], recon["expected"]) == ("fail", 20)


@given(
    st.dictionaries(
        st.sampled_from(
            [
                "requests_received",
                "requests_carried_in",
                "requests_handled",
                "lawsuits",
                "reconsiderations",
            ]
        ),
        st.one_of(st.none(), st.integers(0, 10**6)),
    ),
    st.sampled_from(sorted(RULES)),
)
def test_a_rule_fails_exactly_when_its_bound_is_passed_and_changes_nothing(
    row: dict[str, int | None], name: str
) -> None:
    rule = RULES[name]
    before = dict(row)
    found = evaluate(rule, row)
    assert row == before and found["severity"] == "warning"
    if any(row.get(f) is None for f in [*rule["more"], *rule["than"]]):
        assert found["status"] == "not_assessable"
        return
    more = sum(row[f] for f in rule["more"])  # type: ignore[misc]
    than = sum(row.get(f) or 0 for f in [*rule["than"], *rule.get("optional", [])])
    bound = rule["factor"] * than + rule["slack"]
    assert found["status"] == ("fail" if more > bound else "pass")
    assert (found["expected"], found["observed"]) == (bound, more)


def _set(parsed: Parsed, indicator: str, value: int) -> None:
    for cell in parsed.statistics:
        if cell["indicator"] == indicator and cell["column"] == "year":
            cell["value"] = value


def test_a_real_report_given_implausible_numbers_is_flagged_and_keeps_them(seed: Parsed) -> None:
    """The seed (generation 1, 福州市晋安区 2018) with its requests received set to 15 and its answers
    to 897 (the numbers of the issue): flagged, its statistics unchanged by the check."""
    assert seed.report["generation"] == 1
    parsed = copy.deepcopy(seed)
    _set(parsed, "g1.requests_received", 15)
    _set(parsed, "g1.answers_total", 897)
    assert (summarise(parsed)["requests_received"], summarise(parsed)["requests_handled"]) == (
        15,
        897,
    )
    before = copy.deepcopy(parsed.statistics)
    found = {c["check"]: c for c in run_checks(parsed) if c["check"].startswith("plausible.")}
    assert parsed.statistics == before
    flag = found["plausible.answered_vs_received"]
    assert (flag["status"], flag["expected"], flag["observed"]) == ("fail", 50, 897)
    cell = next(
        c
        for c in parsed.statistics
        if c["indicator"] == "g1.answers_total" and c["column"] == "year"
    )
    assert flag["start"] == cell["start"]
    assert found["plausible.lawsuits_vs_requests"]["status"] == "pass"
    # as printed, the seed is plausible
    assert {c["status"] for c in check_plausible(seed)} == {"pass"}


def test_the_real_reports_of_the_build_are_plausible(built: Path) -> None:
    """No real report of data/raw prints implausible numbers: every rule of its generation
    passes; exact bounds for the Shanghai 2025 one."""
    checks = [c for c in table(built, "checks") if c["check"].startswith("plausible.")]
    reports = {r["report_id"]: r for r in table(built, "summary")}
    assert {c["status"] for c in checks} == {"pass"} and {c["severity"] for c in checks} == {
        "warning"
    }
    per_report = {
        rid: sorted(c["check"] for c in checks if c["report_id"] == rid) for rid in reports
    }
    for rid, found in per_report.items():
        gen = int(reports[rid]["generation"])
        assert found == sorted(n for n, r in RULES.items() if gen in r["generations"]), rid
    sh = {
        c["check"]: (c["expected"], c["observed"])
        for c in checks
        if c["report_id"] == "fb8bfcf9bb4fc033"
    }
    assert sh == {
        "plausible.lawsuits_vs_requests": ("2988", "34"),  # 2 × (1295 + 189) + 20
        "plausible.reconsiderations_vs_requests": ("2988", "55"),
    }
