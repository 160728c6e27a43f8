"""Pages laid out for reading: Chinese beside Datasette's English labels, numbers
right-aligned, the row link narrow, no ``None`` for a section without a heading, no Markdown
backticks in descriptions, reports in year order."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import SEED_ID
from test_reader import build_real
from test_site import get, rows_of

from ogi.package import schema


def test_table_pages_label_search_and_row_count_in_both_languages(built: Path) -> None:
    page = get(built, "/ogi/sections").text
    assert '<label for="_search">检索 / Search:</label>' in page
    assert re.search(r"<h3>[\d,]+ 行 / rows", page)
    assert "- 取消筛选 / remove filter -" in get(built, "/ogi/sections", level="1").text
    assert 'value="应用 / Apply"' in page
    assert "Search:</label>" not in page.replace("检索 / Search:</label>", "")


def test_query_pages_and_sql_errors_in_both_languages(built: Path) -> None:
    page = get(built, "/ogi", sql="select 1 as a").text
    assert "自定义 SQL 查询 / Custom SQL query：1 行 / 1 row" in page
    assert 'value="运行 / Run SQL"' in page
    error = get(built, "/ogi", sql="select nonsense from nowhere")
    assert "查询出错，未能执行 / The query could not be run:" in error.text
    assert "no such table: nowhere" in error.text
    missing = get(built, "/ogi/no_such_table")
    assert missing.status_code == 404
    assert "找不到该页面或数据 / Not found" in missing.text


def test_numbers_right_aligned_and_the_link_column_narrow(built: Path) -> None:
    css = get(built, "/-/static-plugins/ogi/ogi.css")
    if css.status_code != 200:  # the stylesheet as the site serves it
        css_text = (Path(__file__).parents[1] / "src/ogi/serve/static/ogi.css").read_text()
    else:
        css_text = css.text
    assert re.search(
        r"td\.type-int, \.rows-and-columns td\.type-float \{ text-align: right", css_text
    )
    assert re.search(r"td\.col-Link, \.rows-and-columns th\.col-Link \{ width: 1%", css_text)
    page = get(built, "/ogi/statistics", report_id=SEED_ID).text
    assert re.search(r'<td class="col-value type-int">\d+</td>', page)


def test_a_section_without_a_heading_is_not_labelled_none(tmp_path: Path) -> None:
    built = build_real(tmp_path)  # the real reports have text before their first heading
    for path in ("/ogi/figures", "/ogi/citations", "/ogi/sections"):
        page = get(built, path, _size="max").text
        assert ">None<" not in page, path
    page = get(built, "/ogi/figures", _size="max").text
    untitled = re.findall(r"（无标题 / no heading）</a>&nbsp;<em>([0-9a-f]{16}:[\d.]+)</em>", page)
    assert untitled, "the seed has figures in a section without a heading"
    sections = {r["section_id"]: r for r in rows_of(built, "/ogi/sections.json", _size="max")}
    assert all(not sections[s]["heading"] for s in untitled)


def test_descriptions_show_no_markdown_backticks(built: Path) -> None:
    meta = get(built, "/-/metadata.json").json()["databases"]["ogi"]["tables"]
    for name, table in meta.items():
        assert "`" not in table.get("description_html", ""), name
        for column, text in table.get("columns", {}).items():
            assert "`" not in text, (name, column)
    page = get(built, "/ogi/statistics").text
    assert "`" not in page.split("<textarea")[0]
    assert "<code>unit</code>" in page or "<code>" in page


def test_reports_and_summary_are_listed_by_year(built: Path) -> None:
    meta = get(built, "/-/metadata.json").json()["databases"]["ogi"]["tables"]
    assert meta["reports"]["sort"] == "year" and meta["summary"]["sort"] == "year"
    page = get(built, "/ogi/reports").text
    assert 'class="col-year"' in page and "sorted by year" in page


def test_key_columns_come_first_in_every_table_page_and_csv(built: Path) -> None:
    shown = []
    for res in schema.resources():
        name, key = res["name"], res["primary_key"]
        header = (built / "data" / f"{name}.csv").read_text(encoding="utf-8").split("\n")[0]
        assert header.split(",")[: len(key)] == key, name
        page = get(built, f"/ogi/{name}").text
        if "<thead>" not in page:  # no rows (rejects, review of the seed build)
            continue
        shown.append(name)
        head = page.split("<thead>")[1].split("</thead>")[0]
        columns = [c for c in re.findall(r'data-column="([^"]+)"', head) if c != "Link"]
        assert columns[: len(key)] == key, (name, columns)
        assert columns == schema.field_names(name), name
    assert {"statistics", "checks", "figures", "summary"} <= set(shown)


def test_sorting_the_statistics_by_rowid_answers_in_one_line(built: Path) -> None:
    page = get(built, "/ogi/statistics", _sort="rowid")
    assert (page.status_code, page.text) == (400, "Cannot sort table by rowid\n")
    data = get(built, "/ogi/statistics.json", _sort_desc="rowid")
    assert data.status_code == 400
    assert data.json() == {"ok": False, "error": "Cannot sort table by rowid", "status": 400}
