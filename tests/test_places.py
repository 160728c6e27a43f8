"""Query forms offer the provinces, years and generations the reports hold, and a province is
found by its short name too (山东 as well as 山东省)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_site import get, rows_of, table
from test_site import site as site  # noqa: F401 (the fixture)

from ogi.formats import province_name

PROVINCE_QUERIES = ["refusal_ranking", "lawsuits_rose", "failing_reports", "outcomes_by_year"]


def test_short_and_full_province_names() -> None:
    assert province_name("山东") == province_name("山东省") == "山东省"
    assert province_name("新疆") == "新疆维吾尔自治区"
    assert province_name("北京") == "北京市"
    assert province_name("香港") == "香港特别行政区"
    assert province_name("福建 ") == "福建省"
    assert province_name("福州") == "福州"  # a city is not a province: left as given


@pytest.mark.parametrize("query", PROVINCE_QUERIES)
def test_a_province_by_its_short_name_finds_what_its_full_name_finds(
    site: Path, query: str
) -> None:
    provinces = {r["province"] for r in table(site, "reports") if r["province"]}
    assert "福建省" in provinces
    full = rows_of(site, f"/ogi/{query}.json", province="福建省")
    short = rows_of(site, f"/ogi/{query}.json", province="福建")
    assert short == full
    everything = rows_of(site, f"/ogi/{query}.json")
    assert len(full) <= len(everything)
    if query in ("outcomes_by_year", "failing_reports"):
        assert full != []


def test_query_forms_offer_the_values_that_exist(site: Path) -> None:
    reports = table(site, "reports")
    page = get(site, "/ogi/outcomes_by_year").text
    for name in ("province", "generation"):
        select = re.search(rf'<select id="qp\d+" name="{name}"[^>]*>(.*?)</select>', page, re.S)
        assert select is not None, name
        values = re.findall(r'<option value="([^"]*)"', select.group(1))
        key = int if name == "generation" else str
        expected = sorted({r[name] for r in reports if r[name]}, key=key)
        assert values == ["", *expected], name
    year_page = get(site, "/ogi/failing_reports", year="2018").text
    select = re.search(r'<select id="qp\d+" name="year"[^>]*>(.*?)</select>', year_page, re.S)
    assert select is not None
    years = re.findall(r'<option value="([^"]*)"', select.group(1))
    assert years == ["", *sorted({r["year"] for r in reports}, reverse=True)]
    assert '<option value="2018" selected>' in select.group(1)
