"""Issuers: who published each report — name, kind, level and place (ogi.parse.issuers).

The table of tests/fixtures/issuers.csv was written by hand from knowledge of the bodies and
of GB/T 2260 (not by running the code): printed string, report year, optional report text,
expected name, kind, level, division code as of the year, today's code, place_source.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from ogi.parse.issuers import resolve

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
