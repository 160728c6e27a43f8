"""Tests of the real Datasette site over a real build of data/raw (the seed report).

Everything goes through Datasette itself -- in-process via ``ds.client`` and, once, through
``ogi serve`` on a real socket -- and the expected values are computed independently from
the package CSVs (``built/data/*.csv``) or are the seed report's printed numbers.

pytest-asyncio is not installed: each test runs its requests with ``asyncio.run``.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
import pytest
from datasette.app import Datasette

from ogi.serve.app import make_datasette

T = TypeVar("T")

TABLES = [
    "reports",
    "sections",
    "indicators",
    "statistics",
    "figures",
    "citations",
    "checks",
    "summary",
]
QUERIES = ["request_outcomes", "failing_checks", "figures_by_unit", "search_text"]

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
}
SEED_ID = "ca49a4b9fa6d2394"
SEED_ISSUER = "福州市晋安区人民政府"
SEARCH_TERMS = ["舆情", "双随机", "12345热线"]
NONSENSE = "甲乙丙丁戊己庚辛壬癸"


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


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def expected_sections(built: Path, term: str) -> list[str]:
    """Section ids whose heading or body contains ``term``, from the package CSV, sorted."""
    return sorted(
        row["section_id"]
        for row in read_csv(built / "data" / "sections.csv")
        if term in row["heading"] or term in row["body"]
    )


def table_search(built: Path, term: str) -> list[str]:
    response = get(built, "/ogi/sections.json", _search=term, _shape="array")
    assert response.status_code == 200, response.text
    return [row["section_id"] for row in response.json()]


# --- 1. home, database page, provenance ---------------------------------------------------


def test_home_page_shows_title_licence_and_source(built: Path) -> None:
    response = get(built, "/")
    assert response.status_code == 200
    page = response.text
    assert f"<h1>{TITLE}</h1>" in page
    assert f'<a href="{PROVENANCE["license_url"]}">CC-BY-4.0</a>' in page
    assert PROVENANCE["source"] in page
    assert f'<a href="{PROVENANCE["source_url"]}">' in page
    assert '<a href="/ogi">ogi</a>' in page


def test_database_page_shows_title_licence_source_and_queries(built: Path) -> None:
    response = get(built, "/ogi")
    assert response.status_code == 200
    page = response.text
    assert f"<h1>{TITLE}</h1>" in page
    assert f'<a href="{PROVENANCE["license_url"]}">CC-BY-4.0</a>' in page
    assert PROVENANCE["source"] in page
    for table in TABLES:
        assert f'href="/ogi/{table}"' in page
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
    assert list(db["tables"]) == TABLES
    for name, table in db["tables"].items():
        assert table["title"] == TABLE_TITLES[name]
        assert {key: table[key] for key in PROVENANCE} == PROVENANCE, name
    assert list(db["queries"]) == QUERIES
    for name, query in db["queries"].items():
        assert " / " in query["title"], name  # bilingual
        assert {key: query[key] for key in PROVENANCE} == PROVENANCE, name


def test_every_table_page_shows_its_title_licence_and_source(built: Path) -> None:
    pages = get_many(built, [f"/ogi/{table}" for table in TABLES])
    for table in TABLES:
        response = pages[f"/ogi/{table}"]
        assert response.status_code == 200, table
        page = response.text
        assert f"<h1>{TABLE_TITLES[table]}</h1>" in page, table
        assert f'<a href="{PROVENANCE["license_url"]}">CC-BY-4.0</a>' in page, table
        assert PROVENANCE["source"] in page, table


def test_every_table_json_carries_provenance(built: Path) -> None:
    pages = get_many(built, [f"/ogi/{table}.json?_size=1" for table in TABLES])
    for table in TABLES:
        body = pages[f"/ogi/{table}.json?_size=1"].json()
        assert {key: body[key] for key in PROVENANCE} == PROVENANCE, table


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
    assert "<h3>30 rows" in page
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
        key: (int(value) if key in {"seq", "level", "ordinal", "start", "end"} and value else value)
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
    assert f"<h3>{len(expected_sections(built, '舆情'))} rows" in response.text


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


def test_request_outcomes_query(built: Path) -> None:
    response = get(built, "/ogi/request_outcomes.json", _shape="array")
    assert response.status_code == 200
    assert response.json() == [
        {
            "report_id": SEED_ID,
            "issuer": SEED_ISSUER,
            "year": 2018,
            "generation": 1,
            "requests_received": 192,
            "requests_handled": 192,
            "granted": 57,
            "partially_granted": 2,
            "refused": 0,
            "unable_to_provide": None,
            "not_processed": None,
            "other_handling": 133,
            "reconsiderations": 5,
            "lawsuits": 5,
            "grant_rate_pct": 29.7,
            "refusal_rate_pct": 0.0,
        }
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
    assert len(expected) - 1 > 100, "the figures table should be longer than one page"
    responses = get_many(built, ["/ogi/figures.csv?_stream=1", "/ogi/figures.csv"])
    streamed = responses["/ogi/figures.csv?_stream=1"]
    assert streamed.status_code == 200
    assert csv_rows(streamed.text) == expected  # same header, same rows, same order
    # without _stream only the first page comes back: the streaming is what matters
    page = responses["/ogi/figures.csv"]
    assert page.status_code == 200
    assert len(csv_rows(page.text)) == 1 + 100


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
    assert all(status >= 400 for status in statuses.values()), statuses
    # Datasette 0.65 answers a POST to a table or to a read-only canned query with a 500
    # ("You may only POST to a canned query" / a crash in the query view) rather than a 4xx;
    # either way nothing is written. The rest are proper client errors:
    assert (statuses["/ogi"], statuses["/ogi.json"], statuses["/ogi/reports/-/insert"]) == (
        405,
        405,
        404,
    )


def test_unknown_urls_are_404(built: Path) -> None:
    paths = ["/a/b/c/d/e", "/ogi/sections/nope/x/y", "/ogi/reports/-/insert", "/nope", "/ogi/nope"]
    responses = get_many(built, paths)
    assert {path: r.status_code for path, r in responses.items()} == dict.fromkeys(paths, 404)


# --- 7. a real server ---------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ogi_executable() -> str:
    candidate = Path(sys.executable).with_name("ogi")
    return str(candidate) if candidate.exists() else "ogi"


def test_real_server_answers_chinese_search(built: Path, tmp_path: Path) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen(
        [
            _ogi_executable(),
            "serve",
            "--out",
            str(built),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        deadline = time.monotonic() + 20
        ready = False
        for _ in range(200):  # at most ~20 s, whichever bound comes first
            if proc.poll() is not None or time.monotonic() > deadline:
                break
            try:
                with urllib.request.urlopen(f"{base}/-/versions.json", timeout=1) as r:
                    ready = r.status == 200
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
                continue
            break
        assert ready, f"ogi serve did not answer: {(tmp_path / 'serve.log').read_bytes()[-2000:]!r}"

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
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()


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
