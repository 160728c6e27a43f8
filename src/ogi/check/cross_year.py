"""Across years: this year's 二、上年结转 must equal last year's 四、结转下年度继续办理 for the same
issuing body (a soft rule of generations 2 and 3: a body may restate its figures).

The build keeps one small record per report (:func:`carried`) and compares them once every
report is parsed (:func:`check_cross_year`), so memory grows only by a few numbers a report.

>>> a = {"report_id": "a", "issuer": "某区人民政府", "year": 2020, "carried_in": 0, "carried_over": 3, "start": 5}
>>> b = {"report_id": "b", "issuer": "某区人民政府", "year": 2021, "carried_in": 2, "carried_over": 0, "start": 9}
>>> [(c["report_id"], c["status"]) for c in check_cross_year([a, b])]
[('b', 'fail')]
"""

from __future__ import annotations

from typing import Any

from .. import formats
from ..parse import Parsed
from .result import fmt, result

RULE: str = formats.gen23()["cross_year"]["check"]


def carried(parsed: Parsed) -> dict[str, Any] | None:
    """What the cross-year rule needs of one report (None for generation 1 or no issuer)."""
    rep = parsed.report
    gen = rep["generation"]
    if gen not in (2, 3) or not rep["issuer"] or rep["year"] is None:
        return None
    total = formats.gen23()["tables"]["s3"]["total_column"]
    cells = {c["indicator"]: c for c in parsed.statistics if c["column"] == total}
    cin, cout = cells.get(f"g{gen}.s3.carried_in"), cells.get(f"g{gen}.s3.carried_over")
    return {
        "report_id": rep["report_id"],
        "issuer": rep["issuer"],
        "body": rep.get("issuer_id") or rep["issuer"],  # the same name in two places: two bodies
        "year": rep["year"],
        "carried_in": cin["value"] if cin else None,
        "carried_over": cout["value"] if cout else None,
        "start": cin["start"] if cin else None,
    }


def check_cross_year(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One check row for each report whose issuer also reported the year before (the same
    body: its ``issuer_id`` when it was placed, else its name).

    When an issuer has several reports for one year (a revised report next to the first),
    the build cannot tell which to compare: those years' checks are ``not_assessable`` and
    name the reports, rather than picking one."""
    rule = formats.gen23()["cross_year"]
    by_key: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for r in sorted(records, key=lambda r: r["report_id"]):
        by_key.setdefault((r.get("body") or r["issuer"], r["year"]), []).append(r)
    out = []
    for (body, year), these in sorted(by_key.items()):
        lasts = by_key.get((body, year - 1))
        if lasts is None:
            continue
        issuer = these[0]["issuer"]
        subject = f"{year - 1}→{year}"
        for this in these:
            last = lasts[0]
            if len(these) > 1 or len(lasts) > 1:
                ids = ", ".join(r["report_id"] for r in [*lasts, *these])
                row = result(
                    rule["check"],
                    subject,
                    "not_assessable",
                    "warning",
                    f"{rule['title_en']}: {issuer} has more than one report for {year - 1} or "
                    f"{year} ({ids}); which to compare cannot be told.",
                    start=this["start"],
                )
            elif this["carried_in"] is None or last["carried_over"] is None:
                row = result(
                    rule["check"],
                    subject,
                    "not_assessable",
                    "warning",
                    f"{rule['title_en']}: {issuer} {year} 上年结转 or {year - 1} 结转下年度 is "
                    "empty.",
                    start=this["start"],
                )
            else:
                ok = this["carried_in"] == last["carried_over"]
                row = result(
                    rule["check"],
                    subject,
                    "pass" if ok else "fail",
                    "warning",
                    f"{issuer}: 上年结转 in the {year} report is {fmt(this['carried_in'])}; "
                    f"结转下年度 in the {year - 1} report (report {last['report_id']}) is "
                    f"{fmt(last['carried_over'])}; {'they agree' if ok else 'they differ'}.",
                    expected=last["carried_over"],
                    observed=this["carried_in"],
                    start=this["start"],
                )
            out.append({"report_id": this["report_id"], **row})
    return out
