"""The ``issuers`` resource: one row per body, made from one small record per report that the
build keeps with its manifest (so an incremental build remakes the table without parsing the
reports it keeps); the record's columns are :data:`ogi.parse.issuers.ISSUER_COLUMNS`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..parse.issuers import ISSUER_COLUMNS


def issuer_record(report: dict[str, Any]) -> dict[str, Any] | None:
    """What the issuers resource needs of one report row (None when its issuer is unplaced):
    kept with the build's manifest, so that an incremental build remakes the table without
    parsing the reports it keeps."""
    if not report.get("issuer_id"):
        return None
    return {k: report[k] for k in (*ISSUER_COLUMNS, "year")}


def issuer_rows(records: Iterable[dict[str, Any] | None]) -> list[dict[str, Any]]:
    """The issuers resource: one row per body (issuer_id), from the reports' records, sorted
    by id; the place names are those of its latest report (the latest by year, then name)."""
    bodies: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        if r is not None:
            bodies.setdefault(r["issuer_id"], []).append(r)
    rows = []
    for bid in sorted(bodies):
        reps = bodies[bid]
        latest = max(reps, key=lambda r: (r["year"], r["issuer_printed"] or ""))
        printed = sorted({r["issuer_printed"] for r in reps if r["issuer_printed"]})
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
                "reports": len(reps),
                "first_year": min(r["year"] for r in reps),
                "last_year": max(r["year"] for r in reps),
            }
        )
    return rows
