"""Table arithmetic: the identities declared in ``formats/gen1.yml``.

- identities: a total equals the sum of its parts, per value column;
- a 其中 row never exceeds its parent row;
- 历年累计 is never below the year value.
"""

from __future__ import annotations

from typing import Any

from .. import formats
from ..parse import Parsed
from .result import fmt, result


def _cells(parsed: Parsed) -> dict[tuple[str, str], dict[str, Any]]:
    """(indicator, column) → cell; the first printing of an indicator wins."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for cell in parsed.statistics:
        if cell["indicator"]:
            out.setdefault((cell["indicator"], cell["column"]), cell)
    return out


def _name(cell: dict[str, Any]) -> str:
    return f"{cell['label']} [row {cell['row']}, {cell['column_label']}]"


def check_tables(parsed: Parsed) -> list[dict[str, Any]]:
    """Arithmetic checks for the tables of a generation-1 report."""
    if parsed.report["generation"] != 1 or not parsed.statistics:
        return []
    spec = formats.gen1()
    cells = _cells(parsed)
    columns = list(dict.fromkeys(c["column"] for c in parsed.statistics))
    out = []
    present = {code for code, _ in cells}
    for ident in spec["identities"]:
        if not present & {ident["total"], *ident["parts"]}:
            continue  # the rows of another table family: the rule does not apply
        for column in columns:
            out.append(_identity(ident, column, cells))
    out += _subrows(parsed, spec["subrow_check"])
    out += _cumulative(parsed, spec["cumulative_check"])
    return out


def _identity(
    ident: dict[str, Any], column: str, cells: dict[tuple[str, str], dict[str, Any]]
) -> dict[str, Any]:
    check = ident["check"]
    total = cells.get((ident["total"], column))
    parts = [cells[(code, column)] for code in ident["parts"] if (code, column) in cells]
    if total is None or not parts:
        missing = "the total row" if total is None else "every part row"
        return result(
            check,
            column,
            "not_assessable",
            "error",
            f"{ident['title_en']} ({column}): {missing} is not in the table.",
        )
    blanks = [c for c in [total, *parts] if c["value"] is None]
    if blanks:
        return result(
            check,
            column,
            "not_assessable",
            "error",
            f"{ident['title_en']} ({column}): {', '.join(_name(c) for c in blanks)} is blank.",
            start=blanks[0]["start"],
        )
    observed = sum(c["value"] for c in parts)
    terms = " + ".join(f"{c['label']} {fmt(c['value'])}" for c in parts)
    ok = abs(observed - total["value"]) < 1e-9
    verdict = "holds" if ok else f"differs by {fmt(observed - total['value'])}"
    return result(
        check,
        column,
        "pass" if ok else "fail",
        "error",
        f"{ident['title_en']} ({column}): {_name(total)} is {fmt(total['value'])}; "
        f"{terms} = {fmt(observed)}; {verdict}.",
        expected=total["value"],
        observed=observed,
        start=total["start"],
    )


def _subject(cell: dict[str, Any]) -> str:
    return cell["indicator"] or f"row{cell['row']}"


def _subrows(parsed: Parsed, check: str) -> list[dict[str, Any]]:
    by_pos = {(c["table"], c["row"], c["column"]): c for c in parsed.statistics}
    out = []
    for cell in parsed.statistics:
        if cell["parent_row"] is None:
            continue
        parent = by_pos.get((cell["table"], cell["parent_row"], cell["column"]))
        subject = f"{_subject(cell)}@{cell['column']}"
        if parent is None or parent["value"] is None or cell["value"] is None:
            out.append(
                result(
                    check,
                    subject,
                    "not_assessable",
                    "error",
                    f"{_name(cell)}: it or its parent row is blank or missing.",
                    start=cell["start"],
                )
            )
            continue
        ok = cell["value"] <= parent["value"]
        out.append(
            result(
                check,
                subject,
                "pass" if ok else "fail",
                "error",
                f"{_name(cell)} is {fmt(cell['value'])}, "
                f"{'within' if ok else 'more than'} its parent {_name(parent)} {fmt(parent['value'])}.",
                expected=parent["value"],
                observed=cell["value"],
                start=cell["start"],
            )
        )
    return out


def _cumulative(parsed: Parsed, spec: dict[str, Any]) -> list[dict[str, Any]]:
    rows: dict[tuple[str, int], dict[str, dict[str, Any]]] = {}
    for cell in parsed.statistics:
        rows.setdefault((cell["table"], cell["row"]), {})[cell["column"]] = cell
    out = []
    for cols in rows.values():
        year, cum = cols.get(spec["year"]), cols.get(spec["cumulative"])
        if year is None or cum is None:
            continue
        subject = _subject(year)
        if year["value"] is None or cum["value"] is None:
            out.append(
                result(
                    spec["check"],
                    subject,
                    "not_assessable",
                    "error",
                    f"{year['label']} [row {year['row']}]: the year or the cumulative value is blank.",
                    start=year["start"],
                )
            )
            continue
        ok = cum["value"] >= year["value"]
        out.append(
            result(
                spec["check"],
                subject,
                "pass" if ok else "fail",
                "error",
                f"{year['label']} [row {year['row']}]: {cum['column_label']} {fmt(cum['value'])} is "
                f"{'not below' if ok else 'below'} {year['column_label']} {fmt(year['value'])}.",
                expected=year["value"],
                observed=cum["value"],
                start=cum["start"],
            )
        )
    return out
