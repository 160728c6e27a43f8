"""Tests of the real Datasette site: real SQLite, real Datasette, in-process and on a socket.

Two builds are used. ``built`` (conftest) is data/raw, the seed report alone, for the seed's
exact values. ``site`` adds a small corpus written here: the seed's body a year earlier with
fewer lawsuits, a report whose title, crawler header and text carry HTML and script (it must
show as text everywhere), and a generation-3 report from :mod:`ogi.synth`. Expected values are
computed independently from the package CSVs of the same build, or are the seed's printed
numbers.

pytest-asyncio is not installed: each test runs its requests with ``asyncio.run``.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
import os
import random
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

import httpx
import pytest
from conftest import RAW, SEED
from datasette.app import Datasette

from ogi.errors import OgiError
from ogi.package import schema
from ogi.serve import highlight
from ogi.serve.app import make_datasette
from ogi.serve.metadata import site as site_config
from ogi.serve.titles import column_title
from ogi.store.search import fts_query
from ogi.store.tables import sqlite_uri
from ogi.store.views import views as declared_views
from ogi.synth import report as synthetic_report

T = TypeVar("T")

# every resource of the contract is a table of the site (the first nine are checked by name)
TABLES = [res["name"] for res in schema.resources()]
assert TABLES[:9] == [
    "issuers",
    "reports",
    "sections",
    "indicators",
    "statistics",
    "figures",
    "citations",
    "checks",
    "summary",
]
VIEWS = ["report_rates"]
QUERIES = [
    "refusal_ranking",
    "body_over_years",
    "lawsuits_rose",
    "repeats_last_year",
    "failing_reports",
    "failing_checks",
    "outcomes_by_year",
    "cited_documents",
    "figures_by_unit",
    "search_text",
]

TITLE = "政府信息公开工作年度报告数据集 / Chinese Open Government Information annual reports"
PROVENANCE = {
    "license": "CC-BY-4.0",
    "license_url": "https://creativecommons.org/licenses/by/4.0/",
    "source": "各级政府机关政府信息公开工作年度报告 / OGI annual reports of Chinese government bodies",
    "source_url": "https://github.com/ogi-reports/ogi-reports",
}
TABLE_TITLES = {
    "reports": "报告 / Reports",
    "sections": "章节 / Sections",
    "indicators": "指标 / Indicators",
    "statistics": "统计数据 / Statistics",
    "figures": "正文数字 / Figures in the text",
    "citations": "引用文件 / Cited documents",
    "checks": "核查结果 / Checks",
    "summary": "汇总 / Summary",
    "report_rates": "各报告比率 / Rates per report",
}
for _res in schema.resources():
    TABLE_TITLES.setdefault(_res["name"], f"{_res['title_zh']} / {_res['title_en']}")
SEED_ID = "ca49a4b9fa6d2394"
SEED_ISSUER = "福州市晋安区人民政府"
SEARCH_TERMS = ["舆情", "双随机", "12345热线"]
NONSENSE = "甲乙丙丁戊己庚辛壬癸"
BOM = b"\xef\xbb\xbf"

# The crafted report: HTML and script in its title, its crawler header and its text.
CRAFTED_TITLE = (
    "福州市鼓楼区人民政府2018年政府信息公开工作年度报告<script>window.__ogi_xss_title=1</script>"
)
CRAFTED_URL = "https://www.example.gov.cn/gl/2018/ogi.html?from=<b>list</b>"
CRAFTED_SENTENCE = (
    "我区在门户网站发布<script>window.__ogi_xss=1</script>"
    '《<img src=x onerror="window.__ogi_xss_img=1">舆情回应办法》等文件共<b>12</b>条。'
)
CRAFTED_ISSUER = "福州市鼓楼区人民政府"
# what must never reach a page unescaped
INJECTED = ["<script>window.__ogi_xss", "<img src=x onerror", "<b>12</b>", "<b>list</b>"]


# --- the site corpus ----------------------------------------------------------------------


def write_site_corpus(folder: Path) -> Path:
    """Write the reports the site tests add to data/raw into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    seed = SEED.read_text(encoding="utf-8")
    # the same body a year earlier, with 3 lawsuits instead of 5 (prose and table agree)
    earlier = (
        seed.replace("2018", "2017")
        .replace("提起行政诉讼5次", "提起行政诉讼3次")
        .replace("行政诉讼数 |\n件 |\n5 |", "行政诉讼数 |\n件 |\n3 |")
    )
    assert earlier.count("提起行政诉讼3次") == 1 and "行政诉讼数 |\n件 |\n3 |" in earlier
    (folder / "jinan_2017.txt").write_text(earlier, encoding="utf-8")
    # HTML and script everywhere: title and URL in the crawler header, a sentence in the text
    end_of_first_paragraph = seed.index("\n", seed.index("\n") + 1)
    crafted = (
        f"标题: {CRAFTED_TITLE}\n原文链接: {CRAFTED_URL}\n发布时间: 2019-03-29\n=== 正文 ===\n"
        + seed[:end_of_first_paragraph]
        + CRAFTED_SENTENCE
        + seed[end_of_first_paragraph:]
    )
    (folder / "gulou_2018_crafted.txt").write_text(crafted, encoding="utf-8")
    # a generation-3 report, for the rates that generation 1 does not state
    g3 = synthetic_report(random.Random(3), 3, "cell_lines", None, "synthetic_g3.txt")
    (folder / g3.name).write_bytes(g3.data)
    return folder


def build_site(root: Path) -> Path:
    """Build the seed plus the site corpus into ``root / 'site'`` with ``ogi build``.

    In a process of its own, as a user runs it: the build parses in worker processes, which
    must not inherit the threads a test process has running (Datasette's, Playwright's)."""
    corpus = write_site_corpus(root / "corpus")
    out = root / "site"
    result = subprocess.run(
        [_ogi_executable(), "build", str(SEED), str(corpus), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    rejects = table(out, "rejects") if (out / "data" / "rejects.csv").exists() else []
    assert rejects == [], rejects
    return out


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A build of the seed and the site corpus: four reports, two of one body."""
    return build_site(tmp_path_factory.mktemp("site"))


@pytest.fixture(scope="session")
def built(seed_built: Path) -> Path:
    """Here, the seed alone: the tests below know its every row."""
    return seed_built


# --- helpers ------------------------------------------------------------------------------


def run(built: Path, scenario: Callable[[Datasette], Awaitable[T]]) -> T:
    """Run ``scenario(ds)`` against a started Datasette for ``built``."""

    async def main() -> T:
        ds = make_datasette(built)
        await ds.invoke_startup()
        return await scenario(ds)

    return asyncio.run(main())


def get(built: Path, path: str, **params: str) -> httpx.Response:
    """One GET request against the site."""

    async def scenario(ds: Datasette) -> httpx.Response:
        return await ds.client.get(path, params=params or None)

    return run(built, scenario)


def get_many(built: Path, paths: list[str]) -> dict[str, httpx.Response]:
    """Several GET requests against one Datasette instance."""

    async def scenario(ds: Datasette) -> dict[str, httpx.Response]:
        return {path: await ds.client.get(path) for path in paths}

    return run(built, scenario)


def rows_of(built: Path, path: str, **params: str) -> list[dict[str, Any]]:
    response = get(built, path, _shape="array", **params)
    assert response.status_code == 200, response.text[:500]
    return response.json()  # type: ignore[no-any-return]


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def table(built: Path, name: str) -> list[dict[str, str]]:
    return read_csv(built / "data" / f"{name}.csv")


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def num(value: str) -> int | float | None:
    if value == "":
        return None
    return float(value) if any(c in value for c in ".eE") else int(value)


def expected_sections(built: Path, term: str) -> list[str]:
    """Section ids whose heading or body contains ``term``, from the package CSV, sorted."""
    return sorted(
        row["section_id"]
        for row in table(built, "sections")
        if term in row["heading"] or term in row["body"]
    )


def table_search(built: Path, term: str) -> list[str]:
    response = get(built, "/ogi/sections.json", _search=term, _shape="array")
    assert response.status_code == 200, response.text
    return [row["section_id"] for row in response.json()]


def close_to(got: Any, exact: float | None, decimals: int) -> bool:
    """``got`` is ``exact`` rounded to ``decimals`` places (either way at a tie)."""
    if exact is None:
        return got is None
    return got is not None and abs(got - exact) <= 0.5 * 10**-decimals + 1e-9


def rate(part: int | float | None, whole: int | float | None) -> float | None:
    if part is None or whole is None or whole == 0:
        return None
    return 100.0 * part / whole


# --- 1. home, database page, provenance ---------------------------------------------------


def test_home_page_shows_title_licence_and_source(built: Path) -> None:
    response = get(built, "/")
    assert response.status_code == 200
    page = response.text
    assert f"<h1>{TITLE}</h1>" in page
    assert f'<a href="{PROVENANCE["license_url"]}">CC-BY-4.0</a>' in page
    assert PROVENANCE["source"] in page
    assert f'<a href="{PROVENANCE["source_url"]}">' in page
    assert (
        '<a href="/ogi">在数据库页面编写查询 / write your own query on the database page</a>'
        in page
    )


def test_database_page_shows_title_licence_source_and_queries(built: Path) -> None:
    response = get(built, "/ogi")
    assert response.status_code == 200
    page = response.text
    assert f"<h1>{TITLE}</h1>" in page
    assert f'<a href="{PROVENANCE["license_url"]}">CC-BY-4.0</a>' in page
    assert PROVENANCE["source"] in page
    for name in TABLES + VIEWS:
        assert f'href="/ogi/{name}"' in page
    for query in QUERIES:
        assert f'href="/ogi/{query}"' in page


def test_metadata_carries_provenance_everywhere(built: Path) -> None:
    response = get(built, "/-/metadata.json")
    assert response.status_code == 200
    meta = response.json()
    assert meta["title"] == TITLE
    assert {key: meta[key] for key in PROVENANCE} == PROVENANCE
    db = meta["databases"]["ogi"]
    assert db["title"] == TITLE
    assert {key: db[key] for key in PROVENANCE} == PROVENANCE
    assert list(db["tables"]) == TABLES + VIEWS + ["facet_counts"]
    assert db["tables"].pop("facet_counts")["hidden"] is True  # the site's own, not listed
    for name, meta_table in db["tables"].items():
        assert meta_table["title"] == TABLE_TITLES[name]
        assert {key: meta_table[key] for key in PROVENANCE} == PROVENANCE, name
    assert list(db["queries"]) == QUERIES
    for name, query in db["queries"].items():
        zh, en = query["title"].split(" / ")  # bilingual
        assert re.search("[\u4e00-\u9fff]", zh) and re.fullmatch("[ -~]+", en), name
        assert {key: query[key] for key in PROVENANCE} == PROVENANCE, name


def test_every_table_page_shows_its_title_licence_and_source(built: Path) -> None:
    pages = get_many(built, [f"/ogi/{name}" for name in TABLES + VIEWS])
    for name in TABLES + VIEWS:
        response = pages[f"/ogi/{name}"]
        assert response.status_code == 200, name
        page = response.text
        view = " (view)" if name in VIEWS else ""
        assert f"<h1>{TABLE_TITLES[name]}{view}</h1>" in page, name
        assert f'<a href="{PROVENANCE["license_url"]}">CC-BY-4.0</a>' in page, name
        assert PROVENANCE["source"] in page, name


def test_every_table_json_carries_provenance(built: Path) -> None:
    pages = get_many(built, [f"/ogi/{name}.json?_size=1" for name in TABLES + VIEWS])
    for name in TABLES + VIEWS:
        body = pages[f"/ogi/{name}.json?_size=1"].json()
        assert {key: body[key] for key in PROVENANCE} == PROVENANCE, name


# --- 2. a table page with facets ----------------------------------------------------------


def test_statistics_table_row_count_and_facets(built: Path) -> None:
    response = get(built, "/ogi/statistics.json")
    assert response.status_code == 200
    body = response.json()
    assert body["filtered_table_rows_count"] == 30
    assert len(body["rows"]) == 30
    assert body["next"] is None
    assert body["primary_keys"] == ["report_id", "table", "row", "column"]

    facets = body["facet_results"]
    assert list(facets) == ["indicator", "column", "value_status"]  # the configured facets
    stats = read_csv(built / "data" / "statistics.csv")
    assert len(stats) == 30
    for name in ["indicator", "column", "value_status"]:
        facet = facets[name]
        assert facet["truncated"] is False, name
        got = {item["value"]: item["count"] for item in facet["results"]}
        assert got == dict(Counter(row[name] for row in stats)), name
        # Datasette orders facet values by count, then value
        counts = [(-item["count"], item["value"]) for item in facet["results"]]
        assert counts == sorted(counts), name

    assert facets["column"] == {
        "name": "column",
        "type": "column",
        "hideable": False,
        "toggle_url": "/ogi/statistics.json",
        "results": [
            {
                "value": "cumulative",
                "label": "cumulative",
                "count": 15,
                "toggle_url": "http://localhost/ogi/statistics.json?column=cumulative",
                "selected": False,
            },
            {
                "value": "year",
                "label": "year",
                "count": 15,
                "toggle_url": "http://localhost/ogi/statistics.json?column=year",
                "selected": False,
            },
        ],
        "truncated": False,
    }
    assert facets["value_status"]["results"] == [
        {
            "value": "printed",
            "label": "printed",
            "count": 30,
            "toggle_url": "http://localhost/ogi/statistics.json?value_status=printed",
            "selected": False,
        }
    ]
    # indicator is a foreign key to indicators: facets are labelled with label_zh
    labels = {row["code"]: row["label_zh"] for row in read_csv(built / "data" / "indicators.csv")}
    for item in facets["indicator"]["results"]:
        assert item["label"] == labels[item["value"]]


def test_statistics_table_page_shows_facets_and_count(built: Path) -> None:
    response = get(built, "/ogi/statistics")
    assert response.status_code == 200
    page = response.text
    assert "<h3>30 行 / rows" in page
    for name in ["indicator", "column", "value_status"]:
        assert f'id="facet-{name}"' in page, name


def test_explicit_facet_parameter(built: Path) -> None:
    response = get(built, "/ogi/statistics.json", _facet="unit")
    assert response.status_code == 200
    facets = response.json()["facet_results"]
    assert list(facets) == ["indicator", "column", "value_status", "unit"]
    stats = read_csv(built / "data" / "statistics.csv")
    got = {item["value"]: item["count"] for item in facets["unit"]["results"]}
    assert got == dict(Counter(row["unit"] for row in stats))


# --- 3. Chinese search through Datasette's own ?_search= -----------------------------------


@pytest.mark.parametrize("term", SEARCH_TERMS)
def test_table_search_finds_exactly_the_sections_containing_the_term(
    built: Path, term: str
) -> None:
    expected = expected_sections(built, term)
    assert expected, f"the seed report should contain {term}"
    # the table is sorted by section_id (site.yml), so the order is the sorted order
    assert table_search(built, term) == expected


def test_table_search_for_seed_terms_exact_ids(built: Path) -> None:
    ids = {term: table_search(built, term) for term in SEARCH_TERMS}
    assert ids == {
        "舆情": [
            f"{SEED_ID}:1.2.4",
            f"{SEED_ID}:1.2.4.1",
            f"{SEED_ID}:1.2.4.2",
            f"{SEED_ID}:1.2.4.3",
        ],
        "双随机": [f"{SEED_ID}:1.2.1.5"],
        "12345热线": [f"{SEED_ID}:1.2.10.1", f"{SEED_ID}:2.5"],
    }


def test_table_search_returns_whole_rows(built: Path) -> None:
    response = get(built, "/ogi/sections.json", _search="双随机", _shape="array")
    assert response.status_code == 200
    (row,) = (r for r in read_csv(built / "data" / "sections.csv") if "双随机" in r["body"])
    expected = {
        key: (
            int(value)
            if key in {"seq", "level", "ordinal", "heading_start", "start", "end"} and value
            else value
        )
        for key, value in row.items()
    }
    expected = {key: (None if value == "" else value) for key, value in expected.items()}
    assert response.json() == [expected]


def test_table_search_nonsense_returns_nothing(built: Path) -> None:
    assert expected_sections(built, NONSENSE) == []
    assert table_search(built, NONSENSE) == []
    assert table_search(built, "xyzzyplugh") == []


def test_table_search_per_column(built: Path) -> None:
    rows = read_csv(built / "data" / "sections.csv")
    for column in ["heading", "body"]:
        response = get(built, "/ogi/sections.json", **{f"_search_{column}": "舆情"}, _shape="array")
        assert response.status_code == 200, response.text
        expected = sorted(r["section_id"] for r in rows if "舆情" in r[column])
        assert expected
        assert [r["section_id"] for r in response.json()] == expected, column


def test_table_search_html_page(built: Path) -> None:
    response = get(built, "/ogi/sections", _search="舆情")
    assert response.status_code == 200
    assert f"<h3>{len(expected_sections(built, '舆情'))} 行 / rows" in response.text


# --- 4. canned queries --------------------------------------------------------------------


def test_canned_query_pages_render(built: Path) -> None:
    pages = get_many(built, [f"/ogi/{query}" for query in QUERIES])
    for query in QUERIES:
        response = pages[f"/ogi/{query}"]
        assert response.status_code == 200, (query, response.text[:500])
        assert f'<a href="{PROVENANCE["license_url"]}">CC-BY-4.0</a>' in response.text, query


def test_failing_checks_query(built: Path) -> None:
    response = get(built, "/ogi/failing_checks.json", _shape="array")
    assert response.status_code == 200
    (row,) = response.json()
    assert row["report_id"] == SEED_ID
    assert row["issuer"] == SEED_ISSUER
    assert row["year"] == 2018
    assert row["subject"] == "hotline_satisfaction_rate"
    assert row["check"] == "prose_vs_prose"
    assert (row["expected"], row["observed"]) == (99.66, 99.63)
    assert "99.66" in row["message"]
    assert "99.63" in row["message"]
    # and it is the one failing row of the checks table
    failing = [r for r in read_csv(built / "data" / "checks.csv") if r["status"] == "fail"]
    assert [(r["report_id"], r["check"], r["subject"]) for r in failing] == [
        (row["report_id"], row["check"], row["subject"])
    ]


@pytest.mark.parametrize("term", SEARCH_TERMS)
def test_search_text_query_matches_table_search(built: Path, term: str) -> None:
    response = get(built, "/ogi/search_text.json", q=term, _shape="array")
    assert response.status_code == 200, response.text
    rows = response.json()
    ids = [row["section_id"] for row in rows]
    assert len(ids) == len(set(ids))
    assert sorted(ids) == table_search(built, term) == expected_sections(built, term)
    sections = {r["section_id"]: r for r in read_csv(built / "data" / "sections.csv")}
    for row in rows:
        section = sections[row["section_id"]]
        assert row["issuer"] == SEED_ISSUER
        assert row["heading"] == section["heading"]
        if term in section["body"]:
            # the context is a window of the body around the first match
            assert row["context"] in section["body"]
            assert term[0] in row["context"]


def test_search_text_query_nonsense_and_empty(built: Path) -> None:
    for q in [NONSENSE, "", "   ", '"']:
        response = get(built, "/ogi/search_text.json", q=q, _shape="array")
        assert response.status_code == 200, (q, response.text[:300])
        assert response.json() == [], q
    # the query page as first opened, before anything is typed in
    assert get(built, "/ogi/search_text.json", _shape="array").json() == []


# --- 5. full CSV downloads ----------------------------------------------------------------


def test_table_csv_stream_returns_every_row(built: Path) -> None:
    expected = csv_rows((built / "data" / "figures.csv").read_text(encoding="utf-8"))
    assert len(expected) - 1 > 50, "the figures table should be longer than one page"
    responses = get_many(built, ["/ogi/figures.csv?_stream=1", "/ogi/figures.csv"])
    streamed = responses["/ogi/figures.csv?_stream=1"]
    assert streamed.status_code == 200
    assert csv_rows(streamed.text) == expected  # same header, same rows, same order
    # without _stream only the first page (default_page_size) comes back
    page = responses["/ogi/figures.csv"]
    assert page.status_code == 200
    assert len(csv_rows(page.text)) == 1 + 50


@pytest.mark.parametrize("table", TABLES)
def test_every_table_csv_equals_the_package_csv(built: Path, table: str) -> None:
    expected = csv_rows((built / "data" / f"{table}.csv").read_text(encoding="utf-8"))
    response = get(built, f"/ogi/{table}.csv", _stream="1")
    assert response.status_code == 200
    got = csv_rows(response.text)
    assert got[0] == expected[0]
    assert sorted(got[1:]) == sorted(expected[1:])  # the site sorts by key, the CSV may not


def test_arbitrary_sql_csv_returns_every_row(built: Path) -> None:
    expected = csv_rows((built / "data" / "figures.csv").read_text(encoding="utf-8"))
    response = get(built, "/ogi.csv", sql="select * from figures")
    assert response.status_code == 200
    assert csv_rows(response.text) == expected
    assert len(expected) - 1 > 100


def test_figures_by_unit_csv_returns_every_row(built: Path) -> None:
    figures = read_csv(built / "data" / "figures.csv")
    groups: dict[tuple[str, str], list[dict[str, str]]] = {}
    for row in figures:
        groups.setdefault((row["unit"] or "(none)", row["kind"]), []).append(row)
    expected = sorted(
        [
            unit,
            kind,
            len(rows),
            len({r["report_id"] for r in rows}),
            min(float(r["value"]) for r in rows),
            max(float(r["value"]) for r in rows),
        ]
        for (unit, kind), rows in groups.items()
    )
    response = get(built, "/ogi/figures_by_unit.csv", _stream="1")
    assert response.status_code == 200
    header, *rows = csv_rows(response.text)
    assert header == ["unit", "kind", "figures", "reports", "smallest", "largest"]
    got = sorted([u, k, int(n), int(r), float(lo), float(hi)] for u, k, n, r, lo, hi in rows)
    assert got == expected
    assert sum(int(row[2]) for row in rows) == len(figures)
    counts = [int(row[2]) for row in rows]
    assert counts == sorted(counts, reverse=True)  # "order by figures desc"


# --- 6. read-only -------------------------------------------------------------------------


WRITES = [
    "delete from reports",
    "update reports set year = 1900",
    "insert into checks (report_id) values ('x')",
    "drop table reports",
    "select 1; delete from reports",
    "pragma writable_schema = 1",
]


def test_database_is_immutable(built: Path) -> None:
    """Not only does Datasette refuse writes: the SQLite connection itself is read-only."""

    async def scenario(ds: Datasette) -> tuple[bool, dict[str, Any]]:
        db = ds.get_database("ogi")
        databases = (await ds.client.get("/-/databases.json")).json()
        with pytest.raises(sqlite3.OperationalError, match="attempt to write a readonly database"):
            await db.execute_fn(lambda conn: conn.execute("delete from reports"))
        return db.is_mutable, databases[0]

    mutable, info = run(built, scenario)
    assert mutable is False
    assert (info["name"], info["is_mutable"]) == ("ogi", False)
    # not the sha256 of the whole file (41 s at 100,000 reports, at the first home page)
    assert info["hash"] == ""


@pytest.mark.parametrize("sql", WRITES)
def test_write_via_sql_parameter_is_rejected(built: Path, sql: str) -> None:
    async def scenario(ds: Datasette) -> tuple[httpx.Response, httpx.Response, list[Any]]:
        rejected = await ds.client.get("/ogi.json", params={"sql": sql})
        html = await ds.client.get("/ogi", params={"sql": sql})
        after = (await ds.client.get("/ogi/reports.json", params={"_shape": "array"})).json()
        return rejected, html, after

    rejected, html, after = run(built, scenario)
    assert rejected.status_code == 400, rejected.text
    assert rejected.json()["ok"] is False
    assert html.status_code == 400
    assert [(r["report_id"], r["year"]) for r in after] == [(SEED_ID, 2018)]


def test_write_via_post_is_rejected(built: Path) -> None:
    async def scenario(ds: Datasette) -> tuple[dict[str, int], list[Any]]:
        statuses = {
            path: (await ds.client.post(path, data={"sql": "delete from reports"})).status_code
            for path in [
                "/ogi",
                "/ogi.json",
                "/ogi/reports",
                "/ogi/reports.json",
                "/ogi/reports/-/insert",  # Datasette 1.0's write API does not exist in 0.65
                "/ogi/failing_checks",  # canned queries are read-only (no `write: true`)
            ]
        }
        after = (await ds.client.get("/ogi/reports.json", params={"_shape": "array"})).json()
        return statuses, after

    statuses, after = run(built, scenario)
    assert [(r["report_id"], r["year"]) for r in after] == [(SEED_ID, 2018)]
    # the site is read-only: every POST is refused before Datasette sees it (Datasette 0.65
    # answered a POST to a table or a read-only canned query with a 500 and a traceback)
    assert statuses == dict.fromkeys(statuses, 405)


def test_unknown_urls_are_404(built: Path, capfd: pytest.CaptureFixture[str]) -> None:
    paths = ["/a/b/c/d/e", "/ogi/sections/nope/x/y", "/ogi/reports/-/insert", "/nope", "/ogi/nope"]
    paths += ["/ogi/reports/0000000000000000", "/-/report/x"]
    responses = get_many(built, paths)
    assert {path: r.status_code for path, r in responses.items()} == dict.fromkeys(paths, 404)
    # a request's mistake is not the server's: no traceback (rich took 0.4 s to print each)
    assert get(built, "/ogi.json", sql="selec").status_code == 400
    assert "Traceback" not in "".join(capfd.readouterr())


# --- 7. a real server ---------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ogi_executable() -> str:
    candidate = Path(sys.executable).with_name("ogi")
    return str(candidate) if candidate.exists() else "ogi"


@contextlib.contextmanager
def serving(out: Path, log_dir: Path, *args: str, timeout: float = 20, **env: str) -> Iterator[str]:
    """``ogi serve`` of ``out`` on a free port of 127.0.0.1 (with ``args`` added to its
    command line and ``env`` to its environment, its log in ``log_dir/serve.log``) until the
    block ends: its base URL, once it answers (within ``timeout`` seconds)."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = log_dir / "serve.log"
    log = log_path.open("wb")
    proc = subprocess.Popen(
        [
            _ogi_executable(),
            *("serve", "--out", str(out), "--host", "127.0.0.1", "--port", str(port), *args),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **env},
    )
    try:
        deadline = time.monotonic() + timeout
        ready = False
        for _ in range(int(timeout * 10)):  # at most ~timeout s, whichever bound comes first
            if proc.poll() is not None or time.monotonic() > deadline:
                break
            try:
                with urllib.request.urlopen(f"{base}/-/versions.json", timeout=1) as r:
                    ready = r.status == 200
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
                continue
            break
        assert ready, f"ogi serve did not answer: {log_path.read_bytes()[-2000:]!r}"
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()


def test_each_worker_listens_on_its_own_socket_without_nagle() -> None:
    """Workers bind the port with SO_REUSEPORT (the kernel spreads connections over them), and
    the connections they accept have TCP_NODELAY (no 40 ms wait between headers and body)."""
    from ogi.serve.processes import check_port, listening_socket

    first = listening_socket("127.0.0.1", 0)
    port = first.getsockname()[1]
    second = listening_socket("127.0.0.1", port)  # a second worker on the same port

    async def accepted_nodelay() -> int:
        found: list[int] = []

        def connected(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            sock = writer.get_extra_info("socket")
            found.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        servers = [await asyncio.start_server(connected, sock=s) for s in (first, second)]
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        for _ in range(100):
            if found:
                break
            await asyncio.sleep(0.01)
        writer.close()
        for server in servers:
            server.close()
        return found[0]

    assert asyncio.run(accepted_nodelay()) == 1
    # a port something else listens on is refused, not silently shared
    taken = listening_socket("127.0.0.1", 0)
    try:
        with pytest.raises(OgiError, match="cannot listen there"):
            check_port("127.0.0.1", taken.getsockname()[1])
    finally:
        taken.close()


def test_real_server_answers_chinese_search(built: Path, tmp_path: Path) -> None:
    with serving(built, tmp_path) as base:
        url = f"{base}/ogi/sections.json?_search={quote('舆情')}&_shape=array"
        with urllib.request.urlopen(url, timeout=10) as r:
            assert r.status == 200
            rows = json.loads(r.read().decode("utf-8"))
        expected = expected_sections(built, "舆情")
        assert expected
        assert [row["section_id"] for row in rows] == expected

        with urllib.request.urlopen(f"{base}/", timeout=10) as r:
            assert r.status == 200
            assert TITLE in r.read().decode("utf-8")

        # error pages are answered, not crashed on ("Exception in ASGI application")
        for path, status in [
            ("/a/b/c/d/e", 404),
            ("/ogi/search_text", 200),
            ("/ogi.json?sql=" + quote("delete from reports"), 400),
        ]:
            try:
                with urllib.request.urlopen(base + path, timeout=10) as r:
                    got = r.status
            except urllib.error.HTTPError as e:
                got = e.code
            assert got == status, path


def test_empty_search_box_answers_without_error(built: Path) -> None:
    """Submitting the search box empty gives an empty result, not an FTS5 syntax error."""

    async def go() -> list[int]:
        ds = make_datasette(built)
        await ds.invoke_startup()
        urls = [
            "/ogi/sections.json?_search=&_shape=array",
            '/ogi/sections.json?_search="&_shape=array',
        ]
        return [(await ds.client.get(u)).status_code for u in urls]

    assert asyncio.run(go()) == [200, 200]


# --- 8. settings: read-only, time and row limits, no suggested facets ---------------------


def test_settings_are_safe_and_do_not_cut_canned_queries(site: Path) -> None:
    settings = get(site, "/-/settings.json").json()
    assert {
        key: settings[key]
        for key in (
            "max_returned_rows",
            "sql_time_limit_ms",
            "facet_time_limit_ms",
            "suggest_facets",
            "default_page_size",
            "allow_csv_stream",
            "max_csv_mb",
            "truncate_cells_html",
        )
    } == {
        "max_returned_rows": 10000,
        "sql_time_limit_ms": 2000,
        "facet_time_limit_ms": 500,
        "suggest_facets": False,
        "default_page_size": 50,
        "allow_csv_stream": True,
        "max_csv_mb": 0,
        "truncate_cells_html": 160,
    }
    # every canned query is bounded below max_returned_rows, so none is ever cut short
    for qid, query in site_config()["queries"].items():
        limit = re.search(r"\blimit (\d+)\s*$", query["sql"])
        if limit is not None:
            assert int(limit.group(1)) < settings["max_returned_rows"], qid
        body = get(site, f"/ogi/{qid}.json").json()
        assert body["ok"] is True and body["truncated"] is False, qid


def test_no_suggested_facets_on_table_pages(site: Path) -> None:
    for name in TABLES + VIEWS:
        body = get(site, f"/ogi/{name}.json", _size="1").json()
        assert body["suggested_facets"] == [], name


# --- 9. the rates view and the compare facets ---------------------------------------------


def expected_rates(built: Path) -> dict[str, dict[str, Any]]:
    """report_rates computed in Python from the package CSVs."""
    reports = {r["report_id"]: r for r in table(built, "reports")}
    failing = Counter(r["report_id"] for r in table(built, "checks") if r["status"] == "fail")
    not_held: dict[str, float] = {}
    for cell in table(built, "statistics"):
        if (
            cell["indicator"] in ("g2.s3.unable.not_held", "g3.s3.unable.not_held")
            and cell["column"] == "total"
            and cell["value"] != ""
        ):
            not_held[cell["report_id"]] = not_held.get(cell["report_id"], 0) + num(cell["value"])  # type: ignore[operator]
    out = {}
    for s in table(built, "summary"):
        v = {k: num(s[k]) for k in s if k not in ("report_id", "issuer")}
        r = reports[s["report_id"]]
        handled, received = v["requests_handled"], v["requests_received"]
        out[s["report_id"]] = {
            "issuer": s["issuer"] or None,
            "year": v["year"],
            "province": r["province"] or None,
            "city": r["city"] or None,
            "county": r["county"] or None,
            "generation": v["generation"],
            "requests_received": received,
            "requests_handled": handled,
            "grant_rate": rate(v["granted"], handled),
            "partial_rate": rate(v["partially_granted"], handled),
            "refusal_rate": rate(v["refused"], handled),
            "unable_rate": rate(v["unable_to_provide"], handled),
            "not_held_rate": rate(not_held.get(s["report_id"]), handled),
            "not_processed_rate": rate(v["not_processed"], handled),
            "other_rate": rate(v["other_handling"], handled),
            "reconsiderations_per_100": rate(v["reconsiderations"], received),
            "lawsuits_per_100": rate(v["lawsuits"], received),
            "granted": v["granted"],
            "partially_granted": v["partially_granted"],
            "refused": v["refused"],
            "unable_to_provide": v["unable_to_provide"],
            "not_held": not_held.get(s["report_id"]),
            "not_processed": v["not_processed"],
            "other_handling": v["other_handling"],
            "reconsiderations": v["reconsiderations"],
            "lawsuits": v["lawsuits"],
            "failing_checks": failing[s["report_id"]],
            "report_id": s["report_id"],
            "url": r["url"] or None,
        }
    return out


RATES_1 = {"grant_rate", "partial_rate", "refusal_rate", "unable_rate", "not_held_rate"}
RATES_1 |= {"not_processed_rate", "other_rate"}
RATES_2 = {"reconsiderations_per_100", "lawsuits_per_100"}


def test_views_are_in_the_database_with_their_declared_columns(site: Path) -> None:
    conn = sqlite3.connect(sqlite_uri(site / "build" / "ogi.db", mode="ro"), uri=True)
    names = [r[0] for r in conn.execute("select name from sqlite_master where type = 'view'")]
    assert names == VIEWS
    for name, view in declared_views().items():
        columns = [d[0] for d in conn.execute(f"select * from [{name}] limit 0").description]
        assert columns == list(view["columns"]), name
        for column, c in view["columns"].items():
            assert set(c) == {"title_zh", "title_en", "description_zh", "description_en"}, column
    fts = {r[0] for r in conn.execute("select name from sqlite_master where name like '%_fts'")}
    assert {"sections_fts", "figures_fts", "citations_fts"} <= fts


def test_report_rates_equal_rates_computed_from_the_csvs(site: Path) -> None:
    expected = expected_rates(site)
    got = rows_of(site, "/ogi/report_rates.json", _size="max")
    assert len(got) == len(expected) == 4
    for row in got:
        want = expected[row["report_id"]]
        assert list(row) == list(want)
        for key, value in want.items():
            if key in RATES_1:
                assert close_to(row[key], value, 1), (key, row[key], value)
            elif key in RATES_2:
                assert close_to(row[key], value, 2), (key, row[key], value)
            else:
                assert row[key] == value, (key, row[key], value)
    # sorted by year, latest first
    years = [row["year"] for row in got]
    assert years == sorted(years, reverse=True)


def test_report_rates_of_the_seed(site: Path) -> None:
    (row,) = rows_of(site, "/ogi/report_rates.json", report_id=SEED_ID)
    assert {k: row[k] for k in ("issuer", "year", "requests_handled", "granted", "refused")} == {
        "issuer": SEED_ISSUER,
        "year": 2018,
        "requests_handled": 192,
        "granted": 57,
        "refused": 0,
    }
    assert (row["grant_rate"], row["partial_rate"], row["refusal_rate"]) == (29.7, 1.0, 0.0)
    assert (row["other_rate"], row["lawsuits_per_100"], row["failing_checks"]) == (69.3, 2.6, 1)
    # generation 1 states no "unable to provide" and no "not held": empty, never 0
    assert (row["unable_rate"], row["not_held_rate"], row["not_held"]) == (None, None, None)


def test_report_rates_facets_year_province_city_issuer_generation(site: Path) -> None:
    body = get(site, "/ogi/report_rates.json").json()
    facets = body["facet_results"]
    assert list(facets) == ["year", "province", "city", "issuer", "generation"]
    rows = list(expected_rates(site).values())
    for name, facet in facets.items():
        got = {item["value"]: item["count"] for item in facet["results"]}
        assert got == dict(Counter(r[name] for r in rows if r[name] is not None)), name
    assert {i["value"]: i["count"] for i in facets["issuer"]["results"]}[SEED_ISSUER] == 2
    # choosing a facet value filters the rows
    selected = rows_of(site, "/ogi/report_rates.json", issuer=SEED_ISSUER)
    assert sorted(r["year"] for r in selected) == [2017, 2018]
    page = get(site, "/ogi/report_rates").text
    for name in facets:
        assert f'id="facet-{name}"' in page, name


# --- 10. canned queries for the usual questions -------------------------------------------


def summary_with_places(built: Path) -> list[dict[str, Any]]:
    reports = {r["report_id"]: r for r in table(built, "reports")}
    return [
        {
            **{
                k: (num(v) if k not in ("report_id", "issuer") else v or None) for k, v in s.items()
            },
            "province": reports[s["report_id"]]["province"] or None,
        }
        for s in table(built, "summary")
    ]


def test_refusal_ranking(site: Path) -> None:
    def expected(year: int | None, province: str | None, min_handled: int) -> list[list[Any]]:
        groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for s in summary_with_places(site):
            if s["issuer"] is None or s["refused"] is None or not s["requests_handled"]:
                continue
            if (year is None or s["year"] == year) and (province in (None, s["province"])):
                groups[s["issuer"]].append(s)
        out = []
        for issuer, rows in groups.items():
            handled = sum(r["requests_handled"] for r in rows)
            refused = sum(r["refused"] for r in rows)
            if handled >= min_handled:
                out.append([issuer, len(rows), handled, refused, 100.0 * refused / handled])
        return sorted(out, key=lambda r: (-round(r[4], 1), -r[3], r[0]))

    def got(**params: str) -> list[list[Any]]:
        rows = rows_of(site, "/ogi/refusal_ranking.json", **params)
        return [
            [r["issuer"], r["reports"], r["requests_handled"], r["refused"], r["refusal_rate"]]
            for r in rows
        ]

    for params, want in [
        ({}, expected(None, None, 20)),
        ({"year": "2018"}, expected(2018, None, 20)),
        ({"province": "福建省"}, expected(None, "福建省", 20)),
        ({"min_handled": "300"}, expected(None, None, 300)),
    ]:
        result = got(**params)
        assert [r[:4] for r in result] == [r[:4] for r in want], params
        assert all(close_to(g[4], w[4], 1) for g, w in zip(result, want, strict=True))
    # the seed's body, both years: 384 handled, none refused
    assert [SEED_ISSUER, 2, 384, 0] in [r[:4] for r in got()]
    assert got(min_handled="385") == [r for r in got() if r[2] >= 385]


def test_body_over_years(site: Path) -> None:
    rows = rows_of(site, "/ogi/body_over_years.json", issuer="晋安区")
    assert [(r["issuer"], r["year"], r["lawsuits"], r["lawsuits_change"]) for r in rows] == [
        (SEED_ISSUER, 2017, 3, None),
        (SEED_ISSUER, 2018, 5, 2),
    ]
    assert [(r["requests_received"], r["received_change"], r["grant_rate"]) for r in rows] == [
        (192, None, 29.7),
        (192, 0, 29.7),
    ]
    assert [r["failing_checks"] for r in rows] == [1, 1]
    assert rows[1]["report_id"] == SEED_ID
    # no name typed: nothing, not every report
    assert rows_of(site, "/ogi/body_over_years.json") == []
    assert rows_of(site, "/ogi/body_over_years.json", issuer=NONSENSE) == []


def test_lawsuits_rose(site: Path) -> None:
    rows = rows_of(site, "/ogi/lawsuits_rose.json")
    expected = []
    by_issuer: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for s in summary_with_places(site):
        if s["issuer"]:
            by_issuer[s["issuer"]].append(s)
    for issuer, reports in by_issuer.items():
        reports.sort(key=lambda r: (r["year"], r["report_id"]))
        for prev, cur in zip(reports, reports[1:], strict=False):
            if (
                prev["year"] < cur["year"]
                and None not in (prev["lawsuits"], cur["lawsuits"])
                and cur["lawsuits"] > prev["lawsuits"]
            ):
                expected.append(
                    (issuer, prev["year"], cur["year"], prev["lawsuits"], cur["lawsuits"])
                )
    got = [
        (r["issuer"], r["prev_year"], r["year"], r["prev_lawsuits"], r["lawsuits"]) for r in rows
    ]
    assert got == expected == [(SEED_ISSUER, 2017, 2018, 3, 5)]
    assert (rows[0]["increase"], rows[0]["report_id"]) == (2, SEED_ID)
    assert rows_of(site, "/ogi/lawsuits_rose.json", year="2017") == []
    assert len(rows_of(site, "/ogi/lawsuits_rose.json", year="2018", province="福建省")) == 1


def test_failing_reports_and_failing_checks(site: Path) -> None:
    checks = table(site, "checks")
    reports = {r["report_id"]: r for r in table(site, "reports")}
    failing = Counter(c["report_id"] for c in checks if c["status"] == "fail")
    rows = rows_of(site, "/ogi/failing_reports.json")
    assert {r["report_id"]: r["failing"] for r in rows} == dict(failing)
    for r in rows:
        assert set(r["checks"].split(",")) == {
            c["check"] for c in checks if c["report_id"] == r["report_id"] and c["status"] == "fail"
        }
        assert (r["issuer"], r["year"]) == (
            reports[r["report_id"]]["issuer"],
            int(reports[r["report_id"]]["year"]),
        )
    counts = [r["failing"] for r in rows]
    assert counts == sorted(counts, reverse=True)
    by_year = rows_of(site, "/ogi/failing_reports.json", year="2017")
    assert [r["report_id"] for r in by_year] == [
        rid for rid in failing if reports[rid]["year"] == "2017"
    ]
    every = rows_of(site, "/ogi/failing_checks.json")
    assert len(every) == sum(failing.values())
    jinan = rows_of(site, "/ogi/failing_checks.json", issuer="晋安区", year="2018")
    assert [(r["report_id"], r["check"], r["subject"]) for r in jinan] == [
        (SEED_ID, "prose_vs_prose", "hotline_satisfaction_rate")
    ]


def test_outcomes_by_year(site: Path) -> None:
    rows = rows_of(site, "/ogi/outcomes_by_year.json")
    summary = summary_with_places(site)
    years = sorted({s["year"] for s in summary})
    assert [r["year"] for r in rows] == years
    for r in rows:
        of_year = [s for s in summary if s["year"] == r["year"]]
        assert r["reports"] == len(of_year)
        for key in ("requests_received", "requests_handled", "granted", "refused", "lawsuits"):
            values = [s[key] for s in of_year if s[key] is not None]
            assert r[key] == (sum(values) if values else None), (r["year"], key)
        stating = [s for s in of_year if s["granted"] is not None]
        assert close_to(
            r["grant_rate"],
            rate(sum(s["granted"] for s in stating), sum(s["requests_handled"] for s in stating))
            if stating
            else None,
            1,
        )
    assert [r["year"] for r in rows_of(site, "/ogi/outcomes_by_year.json", generation="3")] == [
        s["year"] for s in summary if s["generation"] == 3
    ]


def test_cited_documents(site: Path) -> None:
    citations = table(site, "citations")
    groups: dict[str, set[str]] = defaultdict(set)
    for c in citations:
        groups[c["title"] or c["text"]].add(c["report_id"])
    rows = rows_of(site, "/ogi/cited_documents.json")
    assert {r["document"]: r["reports"] for r in rows} == {
        doc: len(ids) for doc, ids in sorted(groups.items(), key=lambda g: -len(g[1]))[:100]
    }
    assert [r["reports"] for r in rows] == sorted((r["reports"] for r in rows), reverse=True)
    # only citations whose text or sentence contains the words
    filtered = rows_of(site, "/ogi/cited_documents.json", q="舆情")
    assert {r["document"] for r in filtered} == {
        c["title"] or c["text"] for c in citations if "舆情" in c["text"] + c["sentence"]
    }


def test_canned_query_pages_have_bilingual_parameters_and_columns(site: Path) -> None:
    page = get(site, "/ogi/refusal_ranking").text
    assert '<span class="ogi-param-title">年度 / Year</span>' in page
    assert '<span class="ogi-param-title">最少办理数 / Minimum requests handled</span>' in page
    assert '<span class="ogi-col-title">不予公开率（%） / Refusal rate (%)</span>' in page
    assert '<span class="ogi-col-title">报告数 / Reports</span>' in page
    assert '完整列表 / Complete list: <a href="/ogi/report_rates?_sort_desc=refusal_rate">' in page
    # every parameter of every canned query has a title in both languages
    for qid, query in site_config()["queries"].items():
        named = set(re.findall(r":(\w+)", query["sql"]))
        assert named == set(query.get("params", {})), qid
        for p in query.get("params", {}).values():
            assert p["title_zh"] and p["title_en"]
    # and every column a canned query returns has one too
    for qid in QUERIES:
        body = get(site, f"/ogi/{qid}.json", q="舆情", issuer="晋安区").json()
        for column in body["columns"]:
            assert column_title(None, column) is not None, (qid, column)


# --- 11. search everything: sections, figures and citations, matches in context -----------


SEARCHED = {
    "sections": ["heading", "body"],
    "figures": ["sentence"],
    "citations": ["text", "sentence"],
}


def containing(built: Path, name: str, term: str) -> list[dict[str, str]]:
    return [r for r in table(built, name) if any(term in r[c] for c in SEARCHED[name])]


@pytest.mark.parametrize("term", ["舆情", "复议", "双随机", "12345热线", "条例"])
def test_search_everything_counts_every_match(site: Path, term: str) -> None:
    body = get(site, "/-/search.json", q=term).json()
    assert body["q"] == term
    assert [t["table"] for t in body["tables"]] == ["sections", "figures", "citations"]
    for result in body["tables"]:
        expected = containing(site, result["table"], term)
        assert result["count"] == len(expected), (term, result["table"])
        assert len(result["rows"]) == min(10, len(expected))
        assert result["search_url"] == f"/ogi/{result['table']}?" + urlencode({"_search": term})
        assert result["error"] is None
        for row in result["rows"]:
            # every row shown holds the term, marked, in at least one searched column
            assert any(f"<mark>{term}</mark>" in html for html in row["context_html"].values())
    assert sum(t["count"] for t in body["tables"]) > 0


def test_search_everything_two_character_word_rows_and_links(site: Path) -> None:
    body = get(site, "/-/search.json", q="舆情").json()
    sections = body["tables"][0]
    expected = sorted(
        (r for r in containing(site, "sections", "舆情")),
        key=lambda r: (r["report_id"], int(r["seq"])),
    )
    reports = {r["report_id"]: r for r in table(site, "reports")}
    first = sections["rows"][0]
    assert first["key"] in {r["section_id"] for r in expected}
    assert first["issuer"] == reports[first["report_id"]]["issuer"]
    assert first["row_url"] == "/ogi/sections/" + first["key"].replace(".", "~2E").replace(
        ":", "~3A"
    )
    assert first["source_url"] == (
        f"/-/report/{first['report_id']}?"
        + urlencode({"section": first["key"], "q": "舆情"})
        + "#hit"
    )
    figures = body["tables"][1]
    for row in figures["rows"]:
        figure = next(
            f
            for f in table(site, "figures")
            if f["report_id"] == row["report_id"] and f["figure_no"] == row["key"].split(",")[1]
        )
        assert row["value_text"] == figure["value_text"]
        assert row["source_url"] == (
            f"/-/report/{row['report_id']}?"
            + urlencode({"start": figure["start"], "end": figure["end"], "q": "舆情"})
            + "#hit"
        )


def test_search_everything_page_and_empty_queries(site: Path) -> None:
    page = get(site, "/-/search", q="舆情").text
    counts = {name: len(containing(site, name, "舆情")) for name in SEARCHED}
    assert f"共 {sum(counts.values()):,} 处匹配" in page
    assert "<mark>舆情</mark>" in page
    assert (
        f'<a href="/ogi/sections?_search=%E8%88%86%E6%83%85">全部 {counts["sections"]} 条' in page
    )
    for q in ["", "   ", '"', '""']:
        response = get(site, "/-/search", q=q)
        assert response.status_code == 200, q
        assert get(site, "/-/search.json", q=q).json()["tables"] == [], q
    nothing = get(site, "/-/search.json", q=NONSENSE).json()
    assert [t["count"] for t in nothing["tables"]] == [0, 0, 0]


@pytest.mark.parametrize("name", ["figures", "citations"])
def test_table_search_on_figures_and_citations(site: Path, name: str) -> None:
    pks = {"figures": ("report_id", "figure_no"), "citations": ("report_id", "citation_no")}[name]
    for term in ["舆情", "满意率", "条例"]:
        rows = rows_of(site, f"/ogi/{name}.json", _search=term, _size="max")
        got = sorted((r[pks[0]], r[pks[1]]) for r in rows)
        assert got == sorted((r[pks[0]], int(r[pks[1]])) for r in containing(site, name, term)), (
            term
        )


def test_table_search_shows_matches_in_context(site: Path) -> None:
    page = get(site, "/ogi/sections", _search="舆情").text
    contexts = re.findall(r'<span class="ogi-context">(.*?)</span></td>', page, re.S)
    assert len(contexts) >= len(expected_sections(site, "舆情"))
    assert all("<mark>舆情</mark>" in c for c in contexts)
    # a column searched on its own
    page = get(site, "/ogi/sections", _search_heading="舆情").text
    assert '<span class="ogi-context">围绕社会重大关切加强<mark>舆情</mark>回应</span>' in page
    # without a search the cells are Datasette's own
    assert '<span class="ogi-context">' not in get(site, "/ogi/sections").text


def test_highlight_finds_terms_as_the_index_does() -> None:
    assert highlight.terms('舆情 "双随机 一公开"  ') == ["舆情", "双随机 一公开"]
    assert highlight.find("加强网络舆情监测", "舆情") == [(4, 6)]
    assert highlight.find("舆，情", "舆情") == [(0, 3)]  # the index ignores punctuation too
    assert highlight.find("１２３４５热线", "12345热线") == [(0, 7)]  # full-width folded
    assert highlight.find("Open Data", "open") == [(0, 4)]
    assert highlight.find("舆论与情况", "舆情") == []
    assert highlight.find("anything", "") == []
    assert str(highlight.snippet("一二三四五舆情六七八九十", "舆情", width=2)) == (
        "…四五<mark>舆情</mark>六七…"
    )
    assert str(highlight.snippet("<b>舆情</b>", "舆情")) == "&lt;b&gt;<mark>舆情</mark>&lt;/b&gt;"
    assert highlight.snippet("没有", "舆情") is None
    # every match the index finds in the seed can be found again for its context
    seed_sections = [r for r in read_csv(RAW.parent / "sections.csv") if "舆情" in r["body"]]
    assert seed_sections
    for r in seed_sections:
        assert highlight.snippet(r["body"], "舆情") is not None
    assert fts_query("舆情") == '"舆 情"'


# --- 12. provenance: from any number to the report text ----------------------------------


def test_figure_links_to_its_place_in_the_report(site: Path) -> None:
    page = get(site, "/ogi/figures", report_id=SEED_ID, value_text="99.63%").text
    href = f"/-/report/{SEED_ID}?start=10218&amp;end=10224#hit"
    assert f'<a href="{href}" title="offset 10218">原文 / source ›</a>' in page
    reader = get(site, f"/-/report/{SEED_ID}", start="10218", end="10224")
    assert reader.status_code == 200
    text = reader.text
    assert '<mark id="hit" class="ogi-hit">99.63%</mark>' in text
    assert text.count('id="hit"') == 1
    sections = {r["section_id"]: r for r in table(site, "sections")}
    path = [sections[f"{SEED_ID}:{p}"] for p in ("2", "2.5", "2.5.1")]
    location = re.search(r'<p class="ogi-located">(.*?)</p>', text, re.S)
    assert location is not None
    for s in path:
        assert f'<a href="#s-{s["section_id"].split(":")[1]}">{s["marker"]}{s["heading"]}</a>' in (
            location.group(1)
        )
    assert "正文数字 / figure: 99.63%" in location.group(1)


def test_statistic_citation_and_check_link_to_their_place(site: Path) -> None:
    stats = get(site, "/ogi/statistics", report_id=SEED_ID, row="1", column="year").text
    assert f'href="/-/report/{SEED_ID}?start=11391&amp;end=11395#hit"' in stats
    reader = get(site, f"/-/report/{SEED_ID}", start="11391", end="11395").text
    assert '<mark id="hit" class="ogi-hit">1630</mark>' in reader
    assert "统计表 / table: 主动公开文件数 [2018年] 1630 条" in reader
    assert ">(二)附表</a>" in reader  # the appendix section, in the location path

    cites = get(site, "/ogi/citations", report_id=SEED_ID, citation_no="6").text
    assert f'href="/-/report/{SEED_ID}?start=1687&amp;end=1701#hit"' in cites
    reader = get(site, f"/-/report/{SEED_ID}", start="1687", end="1701").text
    assert '<mark id="hit" class="ogi-hit">榕晋政办〔2018〕133号</mark>' in reader

    # a check has only a start: the reader finds what is printed there
    checks = get(site, "/ogi/checks", report_id=SEED_ID, status="fail").text
    assert f'href="/-/report/{SEED_ID}?start=10218#hit"' in checks
    reader = get(site, f"/-/report/{SEED_ID}", start="10218").text
    assert '<mark id="hit" class="ogi-hit">99.63%</mark>' in reader

    # a section links to itself in the reader
    sections = get(site, "/ogi/sections", section_id=f"{SEED_ID}:6.2").text
    assert f'href="/-/report/{SEED_ID}?section={SEED_ID}%3A6.2#hit"' in sections
    reader = get(site, f"/-/report/{SEED_ID}", section=f"{SEED_ID}:6.2").text
    assert 'class="ogi-sec ogi-level-2 ogi-hit-section" id="s-6.2"' in reader


def test_report_reader_shows_the_whole_text_and_the_original_url(site: Path) -> None:
    crafted = next(r for r in table(site, "reports") if r["issuer"] == CRAFTED_ISSUER)
    page = get(site, f"/-/report/{crafted['report_id']}").text
    # the original URL, escaped, as a link
    escaped_url = CRAFTED_URL.replace("<", "&lt;").replace(">", "&gt;")
    assert f'<a class="ogi-original-url" href="{escaped_url}" rel="nofollow noopener">' in page
    # every section's heading and body, in order
    sections = [r for r in table(site, "sections") if r["report_id"] == crafted["report_id"]]
    positions = []
    for s in sorted(sections, key=lambda r: int(r["seq"])):
        body = s["body"].replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        body = body.replace('"', "&#34;").replace("'", "&#39;")
        assert body in page, s["section_id"]
        positions.append(page.index(f'id="s-{s["section_id"].split(":")[1]}"'))
    assert positions == sorted(positions)
    # no URL: said so; unknown report or bad id: 404
    assert "未知 / not known" in get(site, f"/-/report/{SEED_ID}").text
    assert get(site, "/-/report/0000000000000000").status_code == 404
    assert get(site, "/-/report/nope").status_code == 404
    # rates and queries link their report ids to the reader, issuers to their history
    rates = get(site, "/ogi/report_rates").text
    assert (
        f'<a href="/-/report/{SEED_ID}" title="阅读原文 / read the report">{SEED_ID}</a>' in rates
    )
    issuer_link = f"/ogi/body_over_years?issuer={quote(SEED_ISSUER)}"
    assert f'<a href="{issuer_link}" title="历年情况 / over the years">{SEED_ISSUER}</a>' in rates


def test_original_url_only_links_http() -> None:
    from ogi.serve.pages import SAFE_URL

    assert SAFE_URL.match("https://www.gov.cn/x") and SAFE_URL.match("HTTP://a.b")
    assert not SAFE_URL.match("javascript:alert(1)")
    assert not SAFE_URL.match(" data:text/html,<script>")


# --- 13. two languages --------------------------------------------------------------------


def test_column_and_indicator_titles_in_both_languages(site: Path) -> None:
    page = get(site, "/ogi/summary").text
    assert '<span class="ogi-col-title">新收申请数 / Requests received</span>' in page
    page = get(site, "/ogi/report_rates").text
    assert '<span class="ogi-col-title">不予公开率（%） / Refusal rate (%)</span>' in page
    page = get(site, "/ogi/statistics", report_id=SEED_ID).text
    link = '<a href="/ogi/indicators/g1~2Erequests_received" title="g1.requests_received">'
    assert f"{link}受理政府信息公开申请总数 / Requests received</a>" in page
    # the column descriptions (both languages) are folded away, not a page long
    assert '<details class="ogi-columns">' in page
    # the metadata has a bilingual title for every column of every table and view
    meta = get(site, "/-/metadata.json").json()["databases"]["ogi"]["tables"]
    for name in TABLES + VIEWS:
        for column, description in meta[name]["columns"].items():
            zh, rest = description.split(" / ", 1)
            en, text = rest.split(": ", 1)
            assert zh and en and text, (name, column)


# --- 14. CSV for Excel --------------------------------------------------------------------


def test_csv_with_bom_for_excel(site: Path) -> None:
    async def scenario(ds: Datasette) -> dict[str, httpx.Response]:
        paths = [
            "/ogi/summary.csv?_stream=1",
            "/ogi/summary.csv?_stream=1&_bom=1",
            "/ogi/summary.csv?_stream=on&_dl=on&_bom=on",
            "/ogi/report_rates.csv?_stream=1&_bom=1",
            "/ogi/body_over_years.csv?issuer=%E6%99%8B%E5%AE%89&_bom=1",
            "/ogi/body_over_years.csv?issuer=%E6%99%8B%E5%AE%89",
            "/ogi/summary.json?_bom=1",
        ]
        return {p: await ds.client.get(p) for p in paths}

    r = run(site, scenario)
    plain = r["/ogi/summary.csv?_stream=1"].content
    assert not plain.startswith(BOM)
    assert r["/ogi/summary.csv?_stream=1&_bom=1"].content == BOM + plain
    download = r["/ogi/summary.csv?_stream=on&_dl=on&_bom=on"]
    assert download.content == BOM + plain
    assert download.headers["content-disposition"] == 'attachment; filename="summary.csv"'
    expected = csv_rows((site / "data" / "summary.csv").read_text(encoding="utf-8"))
    assert sorted(csv_rows(plain.decode("utf-8"))[1:]) == sorted(expected[1:])
    # a view streams every row too
    rates = csv_rows(r["/ogi/report_rates.csv?_stream=1&_bom=1"].content[3:].decode("utf-8"))
    assert rates[0] == list(declared_views()["report_rates"]["columns"]) and len(rates) == 1 + 4
    query = r["/ogi/body_over_years.csv?issuer=%E6%99%8B%E5%AE%89&_bom=1"].content
    assert query == BOM + r["/ogi/body_over_years.csv?issuer=%E6%99%8B%E5%AE%89"].content
    assert len(csv_rows(query[3:].decode("utf-8"))) == 1 + 2
    assert not r["/ogi/summary.json?_bom=1"].content.startswith(BOM)


def test_download_links_on_table_and_query_pages(site: Path) -> None:
    # a whole table: the package's own CSV file
    page = get(site, "/ogi/summary").text
    assert "下载全部 4 行 / Download all rows:" in page
    assert 'class="ogi-csv" href="/-/package/summary.csv" download="summary.csv"' in page
    assert (
        'class="ogi-csv-excel" href="/-/package/summary.csv?_bom=1" download="summary.csv"' in page
    )
    # filtered rows: Datasette's CSV of them, every row (_stream), as a file (_dl), labelled
    page = get(site, "/ogi/summary", year="2018").text
    assert "下载全部 2 行 / Download all rows:" in page
    csv_url = "/ogi/summary.csv?year=2018&amp;_labels=on&amp;_size=max&amp;_stream=on&amp;_dl=on"
    assert f'class="ogi-csv" href="{csv_url}"' in page
    assert f'class="ogi-csv-excel" href="{csv_url}&amp;_bom=on"' in page
    # a view has no file in the package
    page = get(site, "/ogi/report_rates").text
    assert (
        'class="ogi-csv" href="/ogi/report_rates.csv?_size=max&amp;_stream=on&amp;_dl=on"' in page
    )
    page = get(site, "/ogi/body_over_years", issuer="晋安区").text
    assert "下载全部 2 行 / Download all 2 rows:" in page
    assert "&amp;_dl=on&amp;_bom=on" in page


def test_package_csv_files_are_served_as_published(site: Path) -> None:
    async def scenario(ds: Datasette) -> dict[str, httpx.Response]:
        paths = ["/-/package/statistics.csv", "/-/package/statistics.csv?_bom=1"]
        return {p: await ds.client.get(p) for p in paths}

    r = run(site, scenario)
    published = (site / "data" / "statistics.csv").read_bytes()
    plain, bom = r["/-/package/statistics.csv"], r["/-/package/statistics.csv?_bom=1"]
    assert plain.content == published
    assert bom.content == BOM + published
    assert int(bom.headers["content-length"]) == len(published) + 3


def test_parquet_files_are_offered_beside_the_csv_files(site: Path) -> None:
    body = json.loads((site / "parquet" / "parquet.json").read_text(encoding="utf-8"))
    stats = next(r for r in body["resources"] if r["name"] == "statistics")
    years = sorted({f["year"] for f in stats["files"]})
    assert len(years) >= 2
    paths = [
        "/-/package/parquet/statistics",
        "/-/package/parquet/parquet.json",
        *(f"/-/package/parquet/{f['path']}" for f in stats["files"]),
        "/-/package/parquet/indicators/part-0.parquet",
        "/-/package/parquet/nothing",
        "/-/package/parquet/statistics/year=1999/part-0.parquet",
        "/-/package/parquet/../../metadata.yml",
        "/ogi/statistics",
        "/",
    ]
    r = get_many(site, paths)
    listing = r["/-/package/parquet/statistics"]
    assert listing.status_code == 200
    for f in stats["files"]:
        assert f'href="/-/package/parquet/{f["path"]}" download>{f["year"]}</a>' in listing.text
        got = r[f"/-/package/parquet/{f['path']}"]
        assert got.status_code == 200
        assert got.headers["content-type"] == "application/vnd.apache.parquet"
        assert f'filename="statistics-{f["year"]}.parquet"' in got.headers["content-disposition"]
        assert got.content == (site / "parquet" / f["path"]).read_bytes()
    whole = r["/-/package/parquet/indicators/part-0.parquet"]
    assert whole.content == (site / "parquet" / "indicators" / "part-0.parquet").read_bytes()
    assert r["/-/package/parquet/parquet.json"].json() == body
    for missing in paths[-5:-2]:
        assert r[missing].status_code == 404, missing
    assert (
        'class="ogi-parquet" href="/-/package/parquet/statistics">Parquet</a>'
        in r["/ogi/statistics"].text
    )
    assert '<a href="/-/package/parquet/summary">Parquet</a>' in r["/"].text


# --- 15. report text with HTML or script is shown as text --------------------------------


def test_crafted_report_was_parsed_with_its_markup(site: Path) -> None:
    crafted = next(r for r in table(site, "reports") if r["issuer"] == CRAFTED_ISSUER)
    assert crafted["title"] == CRAFTED_TITLE
    assert crafted["url"] == CRAFTED_URL
    assert any(CRAFTED_SENTENCE in s["body"] for s in table(site, "sections"))
    assert any("<img src=x onerror" in c["title"] for c in table(site, "citations"))


def test_crafted_html_is_escaped_on_every_page(site: Path) -> None:
    crafted = next(r for r in table(site, "reports") if r["issuer"] == CRAFTED_ISSUER)
    rid = crafted["report_id"]
    section = next(s for s in table(site, "sections") if CRAFTED_SENTENCE in s["body"])
    citation = next(c for c in table(site, "citations") if "<img" in c["text"])
    paths = [
        "/",
        "/ogi/reports",
        f"/ogi/reports/{rid}",
        "/ogi/report_rates",
        "/ogi/sections?_search=舆情",
        "/ogi/sections?_search=window",
        f"/ogi/sections?report_id={rid}",
        "/ogi/sections/" + section["section_id"].replace(".", "~2E").replace(":", "~3A"),
        f"/ogi/figures?report_id={rid}",
        "/ogi/figures?_search=舆情",
        "/ogi/citations?_search=舆情",
        f"/ogi/citations/{rid},{citation['citation_no']}",
        "/ogi/cited_documents",
        "/ogi/cited_documents?q=舆情",
        "/ogi/search_text?q=舆情",
        "/ogi?sql=" + quote("select title, url from reports"),
        "/-/search?q=舆情",
        "/-/search?q=" + quote("<script>"),
        f"/-/report/{rid}",
        f"/-/report/{rid}?q=" + quote("<script>"),
        "/-/dashboards/overview",
    ]
    pages = get_many(site, paths)
    for path, response in pages.items():
        assert response.status_code == 200, path
        for injected in INJECTED:
            assert injected not in response.text, (path, injected)
    # the text is there, escaped
    assert "&lt;script&gt;window.__ogi_xss=1&lt;/script&gt;" in pages[f"/-/report/{rid}"].text
    assert "&lt;script&gt;window.__ogi_xss_title=1&lt;/script&gt;" in pages["/ogi/reports"].text
    assert "&lt;img src=x onerror=" in pages["/ogi/cited_documents?q=舆情"].text


# --- 16. the dashboard --------------------------------------------------------------------


def test_dashboard_has_every_chart_with_its_sql(site: Path) -> None:
    dashboard = site_config()["dashboards"]["overview"]
    page = get(site, "/-/dashboards/overview")
    assert page.status_code == 200
    for slug in dashboard["charts"]:
        assert f'id="chart-{slug}"' in page.text, slug
        assert f"renderChart('{slug}'" in page.text, slug
    assert page.text.count("SQL：查看并修改 / view and edit") == len(dashboard["charts"])
    assert get(site, "/-/dashboards").status_code == 200
    chart = get(site, "/-/dashboards/overview/top-lawsuits")
    assert chart.status_code == 200 and "View and edit SQL" in chart.text


def _chart_sql(chart: dict[str, Any], **filters: str) -> str:
    """A chart's SQL as datasette-dashboards runs it: [[ … ]] kept when its filter is set."""

    def keep(match: re.Match[str]) -> str:
        inner = match.group(0)[2:-2]
        name = re.search(r":(\w+)", inner)
        return inner if name and filters.get(name.group(1)) else ""

    return re.sub(r"\[\[.*?\]\]", keep, chart["query"])


def test_dashboard_charts_sql_gives_the_numbers(site: Path) -> None:
    charts = site_config()["dashboards"]["overview"]["charts"]
    summary = summary_with_places(site)

    def chart_rows(slug: str, **filters: str) -> list[dict[str, Any]]:
        sql = _chart_sql(charts[slug], **filters)
        return rows_of(site, "/ogi.json", sql=sql, **filters)

    assert chart_rows("reports-count") == [{"n": 4}]
    # the seed, its 2017 copy and 福州市鼓楼区人民政府 (the crafted title) are placed in 福建省
    assert chart_rows("reports-count", province="福建省") == [{"n": 3}]
    assert chart_rows("reports-count", generation="3") == [{"n": 1}]
    failing = {c["report_id"] for c in table(site, "checks") if c["status"] == "fail"}
    assert chart_rows("reports-failing") == [{"n": len(failing)}]
    received = defaultdict(int)
    for s in summary:
        if s["requests_received"] is not None:
            received[s["year"]] += s["requests_received"]
    assert {
        r["year"]: r["requests"]
        for r in chart_rows("requests-by-year")
        if r["measure"] == "新收 / received"
    } == dict(received)
    # reports each year, beside the totals
    per_year = Counter(s["year"] for s in summary)
    assert {r["year"]: r["reports"] for r in chart_rows("reports-by-year")} == dict(per_year)
    # rankings are rates: per 100 requests handled, among bodies that handled 20 or more
    for slug, measure, rate_field in (
        ("top-lawsuits", "lawsuits", "lawsuits_per_100"),
        ("top-refusals", "refused", "refused_pct"),
    ):
        part: defaultdict[str, int] = defaultdict(int)
        whole: defaultdict[str, int] = defaultdict(int)
        for s in summary:
            if s["issuer"] and s[measure] is not None and (s["requests_handled"] or 0) > 0:
                part[s["issuer"]] += s[measure]
                whole[s["issuer"]] += s["requests_handled"]
        expected = sorted(
            (
                (issuer, round(100 * part[issuer] / whole[issuer], 1))
                for issuer in part
                if whole[issuer] >= 20 and part[issuer] > 0
            ),
            key=lambda kv: (-kv[1], kv[0]),
        )
        got = [(r["issuer"], r[rate_field]) for r in chart_rows(slug)]
        assert got == expected, slug
    assert chart_rows("top-lawsuits") != []
    outcomes = chart_rows("outcomes-by-year")
    assert len(outcomes) == 6 * len({s["year"] for s in summary})
    assert sum(r["n"] for r in chart_rows("reports-failing")) == len(failing)
    assert sum(r["failing"] for r in chart_rows("failing-checks")) == sum(
        1 for c in table(site, "checks") if c["status"] == "fail"
    )


# --- 17. the home page --------------------------------------------------------------------


def test_home_page_leads_to_search_rates_dashboard_questions_and_tables(site: Path) -> None:
    page = get(site, "/").text
    assert '<form class="ogi-search-box" action="/-/search" method="get">' in page
    assert '<a href="/ogi/report_rates">各报告比率 / Rates per report</a>' in page
    assert '<a href="/-/dashboards/overview">概览图表 / Dashboard</a>' in page
    for qid, q in site_config()["queries"].items():
        assert f'<a href="/ogi/{qid}">{q["title_zh"]} / {q["title_en"]}</a>' in page, qid
    counts = {name: len(table(site, name)) for name in TABLES}
    for name in TABLES:
        assert f'<a href="/ogi/{name}">{TABLE_TITLES[name]}</a><br><code>{name}</code>' in page
        assert f'<td class="ogi-num">{counts[name]:,}</td>' in page, name
    assert 'href="/-/package/summary.csv?_bom=1" download="summary.csv">Excel</a>' in page


# --- 18. the response cache ---------------------------------------------------------------


def test_pages_are_cached_because_the_database_is_immutable(site: Path) -> None:
    async def scenario(ds: Datasette) -> list[httpx.Response]:
        return [
            await ds.client.get("/ogi/statistics"),
            await ds.client.get("/ogi/statistics"),
            await ds.client.get("/ogi/statistics?_trace=1"),
            await ds.client.get("/ogi/statistics.csv?_stream=1"),
            await ds.client.get("/ogi/statistics.csv?_stream=1"),
            await ds.client.get("/ogi/statistics", cookies={"ds_actor": "x"}),
            await ds.client.get("/nope"),
            await ds.client.get("/nope"),
        ]

    first, second, traced, csv1, csv2, signed_in, missing1, missing2 = run(site, scenario)
    assert (first.headers["x-ogi-cache"], second.headers["x-ogi-cache"]) == ("miss", "hit")
    assert second.content == first.content
    assert second.headers["content-type"] == first.headers["content-type"]
    assert "x-ogi-cache" not in traced.headers
    assert "x-ogi-cache" not in csv1.headers and csv1.content == csv2.content
    assert "x-ogi-cache" not in signed_in.headers
    assert (missing1.status_code, missing2.headers["x-ogi-cache"]) == (404, "miss")


def test_one_page_whatever_the_escapes_of_its_url(site: Path) -> None:
    """The dashboard's script writes a space as %20, a form as +: one page in the cache."""
    sql = "select year, count(*) as n from summary group by year"

    async def scenario(ds: Datasette) -> list[httpx.Response]:
        return [
            await ds.client.get("/ogi.json?" + urlencode({"sql": sql, "_shape": "objects"})),
            await ds.client.get(f"/ogi.json?sql={quote(sql, safe='*')}&&_shape=objects"),
            await ds.client.get(f"/ogi.json?sql={quote(sql, safe='*')}&_shape=array"),
        ]

    plus, percent, other = run(site, scenario)
    assert [r.headers["x-ogi-cache"] for r in (plus, percent, other)] == ["miss", "hit", "miss"]
    assert percent.content == plus.content and other.content != plus.content


def test_the_cache_is_bounded_in_bytes() -> None:
    from ogi.serve.cache import ResponseCache

    store = ResponseCache(max_bytes=10, max_entry=6)
    store.put(("a",), 200, [], b"12345")
    store.put(("b",), 200, [], b"1234567")  # larger than one entry may be: not kept
    store.put(("c",), 200, [], b"123")
    assert store.get(("a",)) is not None  # a is now the most recently used
    store.put(("d",), 200, [], b"1234")  # 12 bytes: the least recently used (c) goes
    assert [k[0] for k in store.entries] == ["a", "d"] and store.size == 9
    assert store.get(("b",)) is None and store.get(("c",)) is None


def test_the_shared_cache_is_one_for_every_process_and_bounded(tmp_path: Path) -> None:
    from ogi.serve.cache import SharedCache

    path = tmp_path / "cache.db"
    one, two = SharedCache(path, max_bytes=10), SharedCache(path, max_bytes=10)
    html = [(b"content-type", b"text/html; charset=utf-8")]
    one.put(("a",), 200, html, b"12345")
    assert two.get(("a",)) == (200, html, b"12345")  # what one process keeps, all read
    two.put(("b",), 200, [], b"1234")
    two.put(("c",), 200, [], b"123")  # 12 bytes: the oldest (a) goes
    assert [one.get((k,)) is not None for k in "abc"] == [False, True, True]
    one.put(("d",), 200, [], b"12345678901")  # larger than the whole cache: the rest go too
    assert [one.get((k,)) is not None for k in "abcd"] == [False, False, False, False]
    # a cache that cannot be written (another process holds the lock) is a miss, not an error
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("begin immediate")
    one.conn.execute("pragma busy_timeout = 10")
    one.put(("e",), 200, [], b"1")
    holder.execute("rollback")
    assert one.get(("e",)) is None and not one.conn.in_transaction


def test_a_worker_opens_the_prepared_cache_while_another_writes_it(tmp_path: Path) -> None:
    """Workers start at once: one opening the cache file while another writes to it found a
    new file locked (turning it to WAL needs the file to itself) and died as it started. ogi
    serve prepares the file before its workers; on a prepared one the pragma needs no lock
    (and the worker's tables, already there, wait only for the other's write to end)."""
    from ogi.serve.cache import SharedCache

    fresh, prepared = tmp_path / "fresh.db", tmp_path / "prepared.db"
    SharedCache.prepare(prepared)
    for path in (fresh, prepared):
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("create table if not exists other (x)")
        holder.execute("begin immediate")
        holder.execute("insert into other values (1)")
        worker = sqlite3.connect(path, timeout=0.1)
        if path == fresh:  # what a worker met before the file was prepared
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                worker.execute("pragma journal_mode = wal")
        else:
            assert worker.execute("pragma journal_mode = wal").fetchone() == ("wal",)
        worker.close()
        holder.execute("rollback")
        holder.close()
    assert SharedCache(prepared).conn.execute("pragma journal_mode").fetchone() == ("wal",)


def test_workers_one_per_cpu_or_as_many_as_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    from ogi.serve.app import default_workers

    monkeypatch.delenv("OGI_SERVE_WORKERS", raising=False)
    assert default_workers() == (os.cpu_count() or 1)
    monkeypatch.setenv("OGI_SERVE_WORKERS", "5")
    assert default_workers() == 5
    for wrong in ("0", "two", "-1"):
        monkeypatch.setenv("OGI_SERVE_WORKERS", wrong)
        with pytest.raises(OgiError, match="give a number of processes, 1 or more"):
            default_workers()


def test_worker_processes_share_the_warmed_cache(built: Path, tmp_path: Path) -> None:
    from ogi.serve.app import warm_paths

    paths = warm_paths()
    with serving(built, tmp_path, OGI_SERVE_WORKERS="3") as base:

        def cached(path: str) -> bool:
            # a new connection each time: any of the three workers may answer
            with urllib.request.urlopen(base + path, timeout=30) as r:
                return bool(r.status == 200 and r.headers["x-ogi-cache"] == "hit")

        # the warm-up opens the pages in order: once one is cached, those before it are too
        # (and those after it were just opened here)
        for path in reversed(paths):
            if cached(path):
                break
        assert {p: cached(p) for p in paths * 2} == dict.fromkeys(paths, True)
    workers = re.findall(r"Started server process", (tmp_path / "serve.log").read_text())
    assert len(workers) == 3


def test_serve_workers_option(built: Path, tmp_path: Path) -> None:
    """``--workers`` sets the number of processes (over $OGI_SERVE_WORKERS); 0 is refused."""
    with (
        serving(built, tmp_path, "--workers", "2", OGI_SERVE_WORKERS="3") as base,
        urllib.request.urlopen(base + "/ogi/reports.json", timeout=30) as r,
    ):
        assert r.status == 200
    workers = re.findall(r"Started server process", (tmp_path / "serve.log").read_text())
    assert len(workers) == 2
    refused = subprocess.run(
        [_ogi_executable(), "serve", "--out", str(built), "--workers", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 2
    assert "Invalid value for '--workers': 0 is not in the range x>=1." in refused.stderr
    assert "Traceback" not in refused.stderr


def test_the_pages_warmed_at_start_all_answer(site: Path) -> None:
    from ogi.serve.app import warm_paths

    paths = warm_paths()
    assert paths[:4] == ["/", "/ogi", "/-/search", "/-/dashboards/overview"]
    assert {f"/ogi/{name}" for name in TABLES + VIEWS + QUERIES} <= set(paths)
    pages = get_many(site, paths)
    assert {p: r.status_code for p, r in pages.items()} == dict.fromkeys(paths, 200)
