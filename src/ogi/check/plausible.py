"""Plausibility: numbers a report may print but that are unlikely — far more requests
answered than received, more lawsuits than requests — as ``warning`` checks, each with its
rule stated (``formats/plausibility.yml``). The numbers are left as printed.

A rule compares fields of the report's summary row (:func:`ogi.summarise.summarise`), so one
rule holds for every generation's tables; it points at the table cell of its first field.
"""

from __future__ import annotations

from typing import Any

from .. import formats
from ..package import schema
from ..parse import Parsed
from ..summarise import mapping_for, summarise
from .result import fmt, result


def _title(field: str) -> str:
    return next(f["title_zh"] for f in schema.resource("summary")["fields"] if f["name"] == field)


def check_plausible(parsed: Parsed) -> list[dict[str, Any]]:
    """The plausibility checks of one parsed report."""
    gen = parsed.report["generation"]
    if not parsed.statistics:
        return []
    row = summarise(parsed)
    return [
        evaluate(rule, row, _start(parsed, rule["more"][0]))
        for rule in formats.plausibility()["rules"]
        if gen in rule["generations"]
    ]


def evaluate(rule: dict[str, Any], row: dict[str, Any], start: int | None = None) -> dict[str, Any]:
    """One rule over a summary row: pass, fail (the numbers are implausible) or
    not_assessable (a number it needs is empty)."""
    check, subject = rule["check"], "summary"
    needed = [*rule["more"], *rule["than"]]
    empty = [f for f in needed if row.get(f) is None]
    if empty:
        listed = ", ".join(_title(f) for f in empty)
        return result(
            check, subject, "not_assessable", "warning", f"{rule['title_en']}: {listed} empty."
        )
    more = sum(row[f] for f in rule["more"])
    than_fields = [*rule["than"], *(f for f in rule.get("optional", []) if row.get(f) is not None)]
    than = sum(row[f] for f in than_fields)
    bound = rule["factor"] * than + rule["slack"]
    left = " + ".join(f"{_title(f)} {fmt(row[f])}" for f in rule["more"])
    right = " + ".join(f"{_title(f)} {fmt(row[f])}" for f in than_fields)
    times = f"{fmt(rule['factor'])} × " if rule["factor"] != 1 else ""
    slack = f" + {fmt(rule['slack'])}" if rule["slack"] else ""
    implausible = more > bound
    verdict = (
        "possible, but implausible: check the report (its numbers are kept as printed)"
        if implausible
        else "plausible"
    )
    return result(
        check,
        subject,
        "fail" if implausible else "pass",
        "warning",
        f"{rule['title_en']}: {left} {'>' if implausible else '≤'} {times}({right}){slack} = "
        f"{fmt(bound)}; {verdict}.",
        expected=bound,
        observed=more,
        start=start,
    )


def _start(parsed: Parsed, field: str) -> int | None:
    """Where the table cell behind a summary field is printed."""
    codes = {c["indicator"] for c in parsed.statistics if c["indicator"]}
    mapping = mapping_for(parsed.report["generation"], codes)
    if mapping is None:
        return None
    wanted = set(mapping["fields"].get(field, []))
    for c in parsed.statistics:
        if c["indicator"] in wanted and c["column"] == mapping["column"] and c["start"] is not None:
            return int(c["start"])
    return None
