"""The ``issuers`` resource: one row per body, made from one small record per report that the
build keeps with its manifest (so an incremental build remakes the table without parsing the
reports it keeps); the record's columns are :data:`ogi.parse.issuers.ISSUER_COLUMNS`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..parse.issuers import ISSUER_COLUMNS


def issuer_record(report: dict[str, Any]) -> dict[str, Any] | None:
    """What the issuers resource needs of one report row (None when its issuer is unplaced):
    kept with the build's manifest, so that an incremental build remakes the table without
    parsing the reports it keeps."""
    if not report.get("issuer_id"):
        return None
    return {k: report[k] for k in (*ISSUER_COLUMNS, "year")}


@dataclass
class _Body:
    """What the issuers resource needs of one body's reports."""

    latest: dict[str, Any]
    printed: set[str]
    reports: int
    first: Any
    last: Any


def _latest_key(r: dict[str, Any]) -> tuple[Any, str]:
    return (r["year"], r["issuer_printed"] or "")


def issuer_rows(records: Iterable[dict[str, Any] | None]) -> list[dict[str, Any]]:
    """The issuers resource: one row per body (issuer_id), from the reports' records, sorted
    by id; the place names are those of its latest report (the latest by year, then name)."""
    bodies: dict[str, _Body] = {}  # folded as the records come: none of them is kept
    for r in records:
        if r is None:
            continue
        b = bodies.get(r["issuer_id"])
        if b is None:
            bodies[r["issuer_id"]] = b = _Body(r, set(), 0, r["year"], r["year"])
        elif _latest_key(r) > _latest_key(b.latest):  # the first of the latest, as max()
            b.latest = r
        if r["issuer_printed"]:
            b.printed.add(r["issuer_printed"])
        b.reports += 1
        b.first, b.last = min(b.first, r["year"]), max(b.last, r["year"])
    rows = []
    for bid in sorted(bodies):
        b = bodies[bid]
        latest, printed = b.latest, sorted(b.printed)
        rows.append(
            {
                "issuer_id": bid,
                "name": latest["issuer"],
                "names_printed": " | ".join(printed) or None,
                "kind": latest["issuer_kind"],
                "level": latest["issuer_level"],
                "province": latest["province"],
                "city": latest["city"],
                "county": latest["county"],
                "area_code": latest["area_code"],
                "area_code_today": latest["area_code_today"],
                "place_source": latest["place_source"],
                "reports": b.reports,
                "first_year": b.first,
                "last_year": b.last,
            }
        )
    return rows
