"""The site in a real browser: Debian's Chromium, driven by Playwright, against ``ogi serve``.

A build of data/raw and the site corpus of test_site.py (its reports, one of them carrying
HTML and script in its title, its URL and its text) is served on 127.0.0.1; Chromium runs
headless with a fresh profile and no network besides the site. Each test checks what a reader
sees -- the home page, a table with facets, a Chinese two-character search, a canned query,
the dashboard with its charts drawn, a CSV download, the crafted report shown as text -- and
that no page raised a JavaScript error. Screenshots go to build/screenshots/ for people to
look at.

The browser is the system's (``/usr/bin/chromium``, or ``$OGI_CHROMIUM``), installed by
``make browser-deps``; Playwright's own browser downloads are not used. Without Chromium the
tests are skipped, except under CI (``CI`` set), where that is a failure.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT
from test_reader import PRINTED, build_real
from test_site import (
    CRAFTED_ISSUER,
    CRAFTED_SENTENCE,
    CRAFTED_TITLE,
    SEED_ID,
    TABLES,
    VIEWS,
    build_site,
    containing,
    expected_sections,
    serving,
    table,
)

CHROMIUM = Path(os.environ.get("OGI_CHROMIUM", "/usr/bin/chromium"))
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = ROOT / "build" / "screenshots"
BOM = b"\xef\xbb\xbf"


def _require_browser() -> None:
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (Debian package chromium; `make browser-deps`)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("playwright (pip install -e '.[test]')")
    if missing:
        message = "the browser test needs " + " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """``ogi serve`` on a free port of 127.0.0.1 over the site build: (base URL, build)."""
    _require_browser()
    built = build_site(tmp_path_factory.mktemp("browser"))
    with serving(built, built, timeout=30) as base:  # its log: built/serve.log
        yield base, built


@pytest.fixture(scope="module")
def browser(served: tuple[str, Path]) -> Iterator[Any]:
    """Headless Chromium with a fresh profile (a persistent context in a new folder)."""
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ogi-chromium-") as profile, sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            headless=True,
            args=ARGS,
            viewport={"width": 1280, "height": 900},
            accept_downloads=True,
            locale="zh-CN",
        )
        context.set_default_timeout(20_000)
        try:
            yield context
        finally:
            context.close()


class Page:
    """A browser tab that records JavaScript errors and failed requests to the site."""

    def __init__(self, context: Any, base: str) -> None:
        self.base = base
        self.page = context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on(
            "console",
            lambda m: (
                self.errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None
            ),
        )
        self.page.on("requestfailed", self._failed)

    def _failed(self, request: Any) -> None:
        # a download (``_dl``) leaves the page's navigation "aborted": that is not a failure
        if request.url.startswith(self.base) and "_dl=" not in request.url:
            self.errors.append(f"request failed: {request.url} ({request.failure})")

    def goto(self, path: str) -> Any:
        response = self.page.goto(self.base + path, wait_until="networkidle")
        assert response is not None and response.status == 200, (path, response and response.status)
        return response

    def shot(self, name: str, full_page: bool = False) -> None:
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


@pytest.fixture
def tab(browser: Any, served: tuple[str, Path]) -> Iterator[Page]:
    page = Page(browser, served[0])
    yield page
    page.page.close()


def test_home_page(tab: Page, served: tuple[str, Path]) -> None:
    tab.goto("/")
    page = tab.page
    assert (
        page.title()
        == "政府信息公开工作年度报告数据集 / Chinese Open Government Information annual reports"
    )
    assert page.locator("h1").inner_text().startswith("政府信息公开工作年度报告数据集")
    assert page.locator("#ogi-q").is_visible()
    cards = page.locator(".ogi-cards li a").all_inner_texts()
    assert cards == [
        "各报告比率 / Rates per report",
        "概览图表 / Dashboard",
        "检索全部 / Search everything",
    ]
    assert page.locator("table.ogi-tables tbody tr").count() == len(TABLES) + len(VIEWS)
    tab.shot("01-home")
    assert tab.errors == []


def test_table_with_facets(tab: Page, served: tuple[str, Path]) -> None:
    built = served[1]
    tab.goto("/ogi/report_rates")
    page = tab.page
    for facet in ["year", "province", "city", "issuer", "generation"]:
        assert page.locator(f"#facet-{facet}").is_visible(), facet
    reports = len(table(built, "summary"))
    assert page.locator("h3").first.inner_text().startswith(f"{reports} 行 / rows")
    tab.shot("02-table-facets", full_page=True)
    # choose 2018 in the year facet
    page.locator("#facet-year a", has_text="2018").first.click()
    page.wait_for_url("**/ogi/report_rates?*year=2018*")
    expected = sum(1 for r in table(built, "summary") if r["year"] == "2018")
    assert page.locator("h3").first.inner_text().startswith(f"{expected} 行 / rows")
    years = page.locator("table.rows-and-columns td.col-year").all_inner_texts()
    assert years == ["2018"] * expected
    tab.shot("03-table-facet-selected")
    assert tab.errors == []


def test_chinese_two_character_search(tab: Page, served: tuple[str, Path]) -> None:
    built = served[1]
    tab.goto("/")
    page = tab.page
    page.fill("#ogi-q", "舆情")
    page.press("#ogi-q", "Enter")
    page.wait_for_url("**/-/search?q=*")
    total = sum(
        len(containing(built, name, "舆情")) for name in ("sections", "figures", "citations")
    )
    assert page.locator(".ogi-summary").inner_text().startswith(f"“舆情”：共 {total} 处匹配")
    marks = page.locator(".ogi-context mark").all_inner_texts()
    assert marks and set(marks) == {"舆情"}
    tab.shot("04-search-everything", full_page=True)

    # the table's own search box
    tab.goto("/ogi/sections")
    page.fill("#_search", "舆情")
    page.press("#_search", "Enter")
    page.wait_for_url("**/ogi/sections?*_search=*")
    n = len(expected_sections(built, "舆情"))
    assert page.locator("h3").first.inner_text().startswith(f"{n} 行 / rows where search matches")
    assert page.locator("td .ogi-context mark").first.inner_text() == "舆情"
    tab.shot("05-table-search")
    assert tab.errors == []


def test_canned_query(tab: Page, served: tuple[str, Path]) -> None:
    tab.goto("/ogi/body_over_years")
    page = tab.page
    assert "某机关历年情况 / One body over the years" in page.locator("h1").inner_text()
    page.fill("input[name=issuer]", "晋安区")
    page.click("input[type=submit][value='运行 / Run SQL']")
    page.wait_for_url("**/ogi/body_over_years?issuer=*")
    assert page.locator("table.rows-and-columns td.col-year").all_inner_texts() == ["2017", "2018"]
    assert page.locator("td.col-lawsuits_change").all_inner_texts() == ["\xa0", "2"]
    tab.shot("06-canned-query", full_page=True)
    assert tab.errors == []


def test_dashboard_draws_its_charts(tab: Page, served: tuple[str, Path]) -> None:
    from ogi.serve.metadata import site

    built = served[1]
    charts = site()["dashboards"]["overview"]["charts"]
    tab.goto("/-/dashboards/overview")
    page = tab.page
    for slug, chart in charts.items():
        if chart["library"] == "vega-lite":
            svg = page.locator(f"#chart-{slug} svg.marks")
            svg.wait_for(state="visible")
            box = svg.bounding_box()
            assert box is not None and box["width"] > 100 and box["height"] > 50, slug
            # the data was drawn: lines, bars or points (Vega's marks), not just the axes
            drawn = page.locator(f"#chart-{slug} svg.marks .role-mark path")
            assert drawn.count() > 0, slug
        else:  # a metric: the number
            page.locator(f"#chart-{slug} p").wait_for()
    assert page.locator("#chart-reports-count p").inner_text() == str(len(table(built, "summary")))
    assert page.locator(".ogi-empty").count() == 0
    assert page.locator(".ogi-chart-sql a").count() == len(charts)
    tab.shot("07-dashboard", full_page=True)
    assert tab.errors == []


def test_a_dashboard_chart_with_nothing_to_draw_says_so(
    tab: Page, served: tuple[str, Path]
) -> None:
    from ogi.serve.metadata import site

    charts = site()["dashboards"]["overview"]["charts"]
    tab.goto("/-/dashboards/overview?province=" + "西藏自治区")  # no report of it is built
    page = tab.page
    for slug, chart in charts.items():
        if chart["library"] == "vega-lite":
            note = page.locator(f"#chart-{slug} p.ogi-empty")
            note.wait_for(state="visible")
            assert note.inner_text().startswith("没有可显示的数据"), slug
            assert page.locator(f"#chart-{slug} svg").count() == 0, slug
    assert page.locator("#chart-reports-count p").inner_text() == "0"
    tab.shot("07b-dashboard-nothing-to-show", full_page=True)
    assert tab.errors == []


def test_csv_download_for_excel(tab: Page, served: tuple[str, Path]) -> None:
    built = served[1]
    tab.goto("/ogi/summary")
    page = tab.page
    with page.expect_download() as info:
        page.click("a.ogi-csv-excel")
    download = info.value
    assert download.suggested_filename == "summary.csv"
    data = Path(download.path()).read_bytes()
    # the package's file, with the byte order mark Excel needs before it
    assert data == BOM + (built / "data" / "summary.csv").read_bytes()
    rows = list(csv.DictReader(io.StringIO(data[len(BOM) :].decode("utf-8"))))
    assert rows == table(built, "summary")
    # filtered rows come from Datasette, streamed
    tab.goto("/ogi/summary?year=2018")
    with page.expect_download() as info:
        page.click("a.ogi-csv-excel")
    data = Path(info.value.path()).read_bytes()
    assert data.startswith(BOM)
    got = list(csv.DictReader(io.StringIO(data[len(BOM) :].decode("utf-8"))))
    assert sorted(r["report_id"] for r in got) == sorted(
        r["report_id"] for r in table(built, "summary") if r["year"] == "2018"
    )
    tab.shot("08-csv-links")
    assert tab.errors == []


def test_crafted_html_is_shown_as_text(tab: Page, served: tuple[str, Path]) -> None:
    built = served[1]
    crafted = next(r for r in table(built, "reports") if r["issuer"] == CRAFTED_ISSUER)
    injected = "() => [window.__ogi_xss, window.__ogi_xss_img, window.__ogi_xss_title]"
    tab.goto(f"/-/report/{crafted['report_id']}")
    page = tab.page
    assert page.evaluate(injected) == [None, None, None]
    assert CRAFTED_SENTENCE in page.locator("article.ogi-text").inner_text()
    assert page.locator(".ogi-report-title").inner_text() == CRAFTED_TITLE
    assert page.locator("article.ogi-text img, article.ogi-text script").count() == 0
    tab.shot("09-crafted-report")
    for path in [
        "/ogi/reports",
        "/ogi/citations?_search=舆情",
        "/ogi/cited_documents?q=舆情",
        "/-/search?q=舆情",
    ]:
        tab.goto(path)
        assert page.evaluate(injected) == [None, None, None], path
        assert page.locator("section.content img").count() == 0, path
    citations = page.locator("#results-citations").inner_text()
    assert '<img src=x onerror="window.__ogi_xss_img=1">' in citations
    tab.shot("10-crafted-search")
    assert tab.errors == []


def test_a_figure_leads_to_its_sentence(tab: Page, served: tuple[str, Path]) -> None:
    tab.goto(f"/ogi/figures?report_id={SEED_ID}&value_text=99.63%25")
    page = tab.page
    page.click("td.col-start a")
    page.wait_for_url(f"**/-/report/{SEED_ID}?start=10218&end=10224#hit")
    hit = page.locator("mark#hit")
    assert hit.inner_text() == "99.63%"
    assert hit.is_visible()
    box, viewport = hit.bounding_box(), page.viewport_size
    assert box is not None and viewport is not None and 0 <= box["y"] <= viewport["height"]
    located = page.locator(".ogi-located").inner_text()
    assert located.startswith("正文数字 / figure: 99.63%")
    assert "二、主动公开政府信息的情况 › (五)回应社会关切情况 › 1、" in located
    tab.shot("11-figure-in-its-sentence")
    assert tab.errors == []


def test_pages_satisfy_their_content_security_policy(tab: Page, served: tuple[str, Path]) -> None:
    """Every page is served with the security headers, and the browser enforcing them finds
    nothing on the site's pages or the dashboard that breaks its policy (a violation is a
    console error, and the dashboard's charts would not be drawn)."""
    from ogi.serve.guard import CSP

    violations: list[str] = []
    tab.page.on(
        "console", lambda m: violations.append(m.text) if "Content Security" in m.text else None
    )
    for path in [
        "/",
        "/ogi/statistics",
        "/-/search?q=公开",
        f"/-/report/{SEED_ID}",
        "/ogi/failing_checks",
    ]:
        headers = tab.goto(path).all_headers()
        assert headers["content-security-policy"] == CSP, path
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["x-frame-options"] == "DENY", path
        # Datasette's own (no-referrer, on table pages) is kept; ours on the other pages
        assert headers["referrer-policy"] in ("no-referrer", "strict-origin-when-cross-origin")
    tab.goto("/-/dashboards/overview")
    tab.page.locator("svg.marks .role-mark path").first.wait_for()
    assert (violations, tab.errors) == ([], [])


@pytest.fixture(scope="module")
def served_real(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """``ogi serve`` over a build of every real report of tests/fixtures/real."""
    _require_browser()
    built = build_real(tmp_path_factory.mktemp("browser-real"))
    with serving(built, built, timeout=30) as base:
        yield base, built


SAMPLE = 2  # rows of each table of each real report clicked through


def test_a_number_link_marks_the_printed_value_in_every_real_report(
    browser: Any, served_real: tuple[str, Path]
) -> None:
    base, built = served_real
    tab = Page(browser, base)
    page = tab.page
    reports = {r["report_id"]: r["source_file"] for r in table(built, "reports")}
    clicked: dict[str, int] = {}
    for name, printed in PRINTED.items():
        rows = [r for r in table(built, name) if r["start"]]
        for report_id in sorted(reports):
            mine = [r for r in rows if r["report_id"] == report_id]
            # spread over the report: first, last and rows between
            step = max(1, len(mine) // SAMPLE)
            for r in mine[::step][:SAMPLE] + mine[-1:]:
                tab.goto(f"/ogi/{name}?report_id={report_id}&start={r['start']}")
                page.locator("td.col-start a").first.click()
                page.wait_for_url(f"**/-/report/{report_id}?start={r['start']}**#hit")
                hit = page.locator("mark#hit")
                assert hit.inner_text() == r[printed], (reports[report_id], name, r["start"])
                assert hit.is_visible()
                clicked[reports[report_id]] = clicked.get(reports[report_id], 0) + 1
    assert set(clicked) == set(reports.values()), clicked
    tab.shot("12-real-report-number")
    assert tab.errors == []
    page.close()


def test_the_data_dictionary_from_a_table(tab: Page, served: tuple[str, Path]) -> None:
    tab.goto("/ogi/checks")
    page = tab.page
    page.click(".ogi-dictionary-link a")
    page.wait_for_url("**/-/dictionary#res-checks")
    section = page.locator("#res-checks")
    assert section.is_visible()
    assert (
        "one of: pass, fail, not_assessable, ambiguous"
        in page.locator("tr[id='checks.status']").inner_text()
    )
    tab.shot("13-data-dictionary")
    assert tab.errors == []


def test_the_reader_shows_a_table_beside_its_text(
    browser: Any, served_real: tuple[str, Path]
) -> None:
    """A real report's section 三 table drawn as a grid beside the text it was read from:
    every cell of the table there, each with how it was settled, and a cell's link marks it
    in the text."""
    base, built = served_real
    tab = Page(browser, base)
    page = tab.page
    stats = [r for r in table(built, "statistics") if r["table"] == "s3" and r["start"]]
    report_id = sorted({r["report_id"] for r in stats})[0]
    mine = [r for r in stats if r["report_id"] == report_id]
    tab.goto(f"/-/report/{report_id}")
    grid = page.locator("figure.ogi-grid[data-table='s3']")
    grid.evaluate("g => g.scrollIntoView({block: 'start'})")
    assert grid.is_visible()
    assert grid.locator("td.ogi-cell:not(.ogi-none)").count() == len(mine)
    hows = {r["settled_by"] or r["value_status"] for r in mine}
    assert {
        c.split("ogi-by-")[1]
        for c in grid.locator("td.ogi-cell:not(.ogi-none)").evaluate_all(
            "cells => cells.map(c => c.className)"
        )
    } == hows
    # beside the text: the grid's left edge is right of the section body's
    body = page.locator(".ogi-beside:has(figure[data-table='s3']) > .ogi-body")
    text_box, grid_box = body.bounding_box(), grid.bounding_box()
    assert text_box is not None and grid_box is not None
    assert grid_box["x"] > text_box["x"] + text_box["width"] / 2
    tab.shot("reader-table")
    cell = mine[len(mine) // 2]
    grid.locator(f"td.ogi-cell a[href*='start={cell['start']}&']").first.click()
    page.wait_for_url(f"**/-/report/{report_id}?start={cell['start']}**#hit")
    hit = page.locator("mark#hit")
    assert hit.inner_text() == cell["value_text"] and hit.is_visible()
    assert tab.errors == []
    page.close()
