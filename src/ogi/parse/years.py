"""Neighbouring years: a generation-1 row whose digits split several ways, settled by the
same body's reports of the year before and the year after in one batch — 历年累计 of year N
is 历年累计 of N−1 plus year N (``across_years`` in ``formats/gen1.yml``).

The parse of one report stays pure: :func:`record` says what a report gives its neighbours
(the values of its rows settled by its own evidence) and what it asks of them (its rows left
ambiguous); the build gathers the records, gives a report with open rows the
:data:`Neighbours` of its body in the batch and parses it again with them. There
:func:`narrow` keeps, of each open row, the one split that continues the neighbours — only
when exactly one does; when none does (the years disagree) or several do, the row stays as
it was. A value settled this way is never passed on: the records come from each report's
own evidence, so no year settles another through a third.

>>> nb = {"before": {"year": 2014, "rows": {"g1.reconsiderations": {"cumulative": 200}}}}
>>> one, two = [Cell(1, "1", 0, 1), Cell(2212, "2212", 1, 5)], [Cell(12, "12", 0, 2), Cell(212, "212", 2, 5)]
>>> per_row = [[one, two]]
>>> narrow(per_row, ["g1.reconsiderations"], ["year", "cumulative"], nb)
{0: "the same body's 2014 report (历年累计 200, so 历年累计 = 200 + the year)"}
>>> [c.value for c in per_row[0][0]]
[12, 212]
"""

from __future__ import annotations

from functools import cache
from typing import Any

from .. import formats
from .digits import Cell

# "before" / "after" → {"year": the neighbour's year, "rows": indicator → column → value}
Neighbours = dict[str, dict[str, Any]]


@cache
def columns() -> tuple[str, str]:
    """The keys of the year's column and of the cumulative column."""
    spec = formats.gen1()["families"]["g1_provincial"]["across_years"]
    return spec["year"], spec["cumulative"]


def record(parsed: Any) -> dict[str, Any] | None:
    """What one parsed generation-1 report gives its neighbouring years and asks of them:
    its body (``issuer_id`` when placed, else its name) and year, the values of its rows
    (``values``: indicator → column → value, every value settled by the report itself or
    by a person's review, never by its neighbours), and
    its rows whose digits split several ways (``open``). None for another generation, a
    report with no body or year, or no row with both columns."""
    rep = parsed.report
    if rep.get("generation") != 1 or not rep.get("issuer") or rep.get("year") is None:
        return None
    year, cum = columns()
    values: dict[str, dict[str, Any]] = {}
    cells: dict[str, set[str]] = {}
    for c in parsed.statistics:
        code = c["indicator"]
        if c["table"] != "appendix" or not code or c["column"] not in (year, cum):
            continue
        cells.setdefault(code, set()).add(c["column"])
        if c["value"] is not None and c.get("settled_by") != "cross_year":
            values.setdefault(code, {})[c["column"]] = c["value"]
    both = {code for code, cols in cells.items() if cols == {year, cum}}
    if not both:
        return None
    split = {
        n["subject"]
        for n in parsed.notes
        if n.get("check") == "digit_split" and n.get("status") == "ambiguous"
    }
    return {
        "body": rep.get("issuer_id") or rep["issuer"],
        "year": rep["year"],
        "values": {code: values[code] for code in sorted(both) if code in values},
        "open": sorted(both & split),
    }


def neighbours(
    this: dict[str, Any], before: dict[str, Any] | None, after: dict[str, Any] | None
) -> Neighbours | None:
    """What the reports of the year before and the year after (records, or None) say of
    this report's open rows: the year before its 历年累计, the year after its year and 历年累计.
    None when they say nothing of them."""
    year, cum = columns()
    out: Neighbours = {}
    for side, other, needs in (("before", before, (cum,)), ("after", after, (year, cum))):
        if other is None:
            continue
        rows = {
            code: {col: other["values"][code][col] for col in needs}
            for code in this["open"]
            if all(col in other["values"].get(code, {}) for col in needs)
        }
        if rows:
            out[side] = {"year": other["year"], "rows": rows}
    return out or None


def narrow(
    per_row: list[list[list[Cell]]], codes: list[str], keys: list[str], nb: Neighbours
) -> dict[int, str]:
    """Narrow, in place, each row left with several splits to the one split that continues
    the neighbouring years (``nb``), when exactly one does. Returns, per row settled, what
    the neighbours said."""
    year, cum = columns()
    if year not in keys or cum not in keys:
        return {}
    y, c = keys.index(year), keys.index(cum)
    said: dict[int, str] = {}
    for i, cands in enumerate(per_row):
        code = codes[i]
        rules = _rules(code, nb) if code and len(cands) > 1 else []
        if not rules:
            continue
        agree = [
            cand
            for cand in cands
            if all(_holds(cand[y].value, cand[c].value, rule) for rule, _ in rules)
        ]
        if len(agree) == 1:
            per_row[i] = agree
            said[i] = " and ".join(why for _, why in rules)
    return said


# a rule on (year, cumulative): cumulative − year = the year before's cumulative ("before"),
# or cumulative = the year after's cumulative − its year ("after")
_Rule = tuple[str, float]


def _rules(code: str, nb: Neighbours) -> list[tuple[_Rule, str]]:
    year, cum = columns()
    out: list[tuple[_Rule, str]] = []
    before = nb.get("before", {}).get("rows", {}).get(code)
    if before is not None:
        v, when = before[cum], nb["before"]["year"]
        out.append(
            (
                ("before", v),
                f"the same body's {when} report (历年累计 {v:g}, so 历年累计 = {v:g} + the year)",
            )
        )
    after = nb.get("after", {}).get("rows", {}).get(code)
    if after is not None:
        v, w, when = after[cum], after[year], nb["after"]["year"]
        out.append(
            (
                ("after", v - w),
                f"the same body's {when} report (历年累计 {v:g}, its year {w:g}, so 历年累计 = "
                f"{v - w:g})",
            )
        )
    return out


def _holds(year: float | None, cum: float | None, rule: _Rule) -> bool:
    if year is None or cum is None:
        return False  # a blank cell: nothing to continue
    side, v = rule
    got = cum - year if side == "before" else cum
    return abs(got - v) < 1e-9
