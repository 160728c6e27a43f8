"""Canned queries that say what they need and what they compare: body_over_years asks for a
body, lawsuits_rose shows both years and flags a gap, figures_by_unit links each unit."""

from __future__ import annotations

import html
import re
import subprocess
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from conftest import RAW, SEED
from test_site import _ogi_executable, get, rows_of, table
from test_site import site as site  # noqa: F401 (the fixture)


@pytest.fixture(scope="module")
def gap(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed (2018, 5 lawsuits) and the same body two years earlier with 3 lawsuits."""
    root = tmp_path_factory.mktemp("gap")
    corpus = root / "corpus"
    corpus.mkdir()
    seed = SEED.read_text(encoding="utf-8")
    earlier = (
        seed.replace("2018", "2016")
        .replace("提起行政诉讼5次", "提起行政诉讼3次")
        .replace("行政诉讼数 |\n件 |\n5 |", "行政诉讼数 |\n件 |\n3 |")
    )
    (corpus / "jinan_2016.txt").write_text(earlier, encoding="utf-8")
    out = root / "out"
    result = subprocess.run(
        [_ogi_executable(), "build", str(RAW), str(corpus), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    return out


def test_body_over_years_asks_for_a_body(site: Path) -> None:
    page = get(site, "/ogi/body_over_years").text
    assert "请先填写 发布机关 / Issuing body，再运行查询" in page
    assert "没有结果 / 0 results" not in page
    answered = get(site, "/ogi/body_over_years", issuer="晋安区").text
    assert "请先填写" not in answered
    assert len(rows_of(site, "/ogi/body_over_years.json", issuer="晋安区")) == 2


def test_lawsuits_rose_shows_both_years_and_flags_a_gap(gap: Path, site: Path) -> None:
    (row,) = rows_of(gap, "/ogi/lawsuits_rose.json")
    assert (row["prev_year"], row["year"], row["prev_lawsuits"], row["lawsuits"]) == (
        2016,
        2018,
        3,
        5,
    )
    assert row["gap"] == "相隔2年，中间年度无报告 / 2 years apart, no report between"
    (consecutive,) = rows_of(site, "/ogi/lawsuits_rose.json")
    assert (consecutive["prev_year"], consecutive["year"]) == (2017, 2018)
    assert consecutive["gap"] == ""


def test_figures_by_unit_links_each_unit_to_its_figures(site: Path) -> None:
    page = get(site, "/ogi/figures_by_unit").text
    rows = rows_of(site, "/ogi/figures_by_unit.json")
    links = re.findall(r'<td class="col-unit[^"]*"><a href="([^"]+)"[^>]*>([^<]+)</a>', page)
    assert len(links) == len(rows)
    figures = table(site, "figures")
    for href, unit in links[:8]:
        path, _, query = html.unescape(href).partition("?")
        assert path == "/ogi/figures"
        args = dict(parse_qsl(query))
        listed = rows_of(site, "/ogi/figures.json", _size="max", **args)
        row = next(r for r in rows if r["unit"] == unit and r["kind"] == args.get("kind"))
        assert len(listed) == row["figures"], (unit, href)
        want = None if unit == "(none)" else unit
        assert {f["unit"] for f in listed} == {want}
        assert len(listed) == sum(
            1 for f in figures if (f["unit"] or None) == want and f["kind"] == args["kind"]
        )
