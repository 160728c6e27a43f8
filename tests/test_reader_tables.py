"""The reader's tables: each statistics table of a report shown as a grid beside the text it
was read from — rows and columns as read, each cell as printed with how it was settled, an
ambiguous cell with its candidates, each cell linking to its place in the text."""

from __future__ import annotations

import html
import re
from pathlib import Path

from test_reader import HIT
from test_site import get, table

from ogi.serve.grids import candidates, grids

FIGURE = re.compile(
    r'<figure class="ogi-grid" id="t-([^"]+)" data-table="([^"]+)">(.*?)</figure>', re.S
)
CELL = re.compile(r'<td class="ogi-cell ogi-by-([a-z_]+)" title="([^"]*)">(.*?)</td>', re.S)
LINK = re.compile(r'<a href="(/-/report/[^"]+)">([^<]*)</a>')
AMBIGUOUS_REPORT = "624b095ac9a3afcb"  # 平潭综合实验区 2019 (data/raw): digits run together


def _stat(table: str, row: int, column: str, **kw: object) -> dict[str, object]:
    base: dict[str, object] = {
        "table": table,
        "row": row,
        "column": column,
        "column_label": None,
        "indicator": None,
        "label": f"row {row}",
        "parent_row": None,
        "value": 1,
        "value_text": "1",
        "value_status": "printed",
        "settled_by": "printed",
        "start": 100 + row * 10,
        "end": 101 + row * 10,
    }
    return {**base, **kw}


def test_a_grid_keeps_rows_columns_and_how_each_cell_was_settled() -> None:
    message = (
        "行政许可 printed as “3960181” (offset 40): the digits run together and 3 splits fit "
        "(section 二 has no identity to tell splits apart): 3, 9, 60181 | 39, 60, 181 | "
        "396, 0, 181; the cells are left empty."
    )
    run = {"value": None, "value_text": "3960181", "value_status": "ambiguous", "settled_by": None}
    stats = [
        _stat("s3", 2, "total", column_label="总计", parent_row=1, settled_by="identity"),
        _stat("s3", 1, "natural_person", column_label="自然人"),
        _stat("s3", 1, "total", column_label="总计"),
        _stat("s3", 3, "total", value=None, value_text="", value_status="blank", settled_by=None),
        _stat("s2", 1, "a", start=40, end=47, **run),
        _stat("s2", 1, "b", start=40, end=47, **run),
        _stat("s2", 1, "c", start=40, end=47, **run),
    ]
    found = grids(stats, [{"start": 40, "message": message}])
    assert [g.table for g in found] == ["s3", "s2"]
    s3, s2 = found
    assert s3.columns == [("total", "总计"), ("natural_person", "自然人")]
    assert [(r.row, r.depth) for r in s3.rows] == [(1, 0), (2, 1), (3, 0)]
    assert s3.rows[1].cells["total"].settled_by == "identity"
    assert "natural_person" not in s3.rows[1].cells  # a cell not read stays absent
    assert s3.rows[2].cells["total"].status == "blank" and s3.rows[2].cells["total"].value is None
    assert s3.start == 110
    assert [s2.rows[0].cells[k].candidates for k in "abc"] == [
        "3 / 39 / 396",
        "9 / 60 / 0",
        "60181 / 181",
    ]
    assert candidates(message) == "3, 9, 60181 | 39, 60, 181 | 396, 0, 181"
    assert candidates("something else") == "something else"


def test_every_table_of_every_report_is_shown_with_every_cell_linked(built: Path) -> None:
    stats = table(built, "statistics")
    reports = sorted({s["report_id"] for s in stats})
    assert len(reports) == 9
    seen_how: set[str] = set()
    for report_id in reports:
        page = get(built, f"/-/report/{report_id}").text
        mine = [s for s in stats if s["report_id"] == report_id]
        figures = {t: body for _, t, body in FIGURE.findall(page)}
        assert sorted(figures) == sorted({s["table"] for s in mine}), report_id
        for name, body in figures.items():
            rows = [s for s in mine if s["table"] == name]
            cells = CELL.findall(body)
            assert len(cells) == len(rows), (report_id, name)
            expected = sorted(
                (s["settled_by"] or s["value_status"], s["start"], s["end"], s["value_text"] or "—")
                for s in rows
            )
            shown = []
            for how, _title, inner in cells:
                href, text = LINK.search(inner).groups()  # type: ignore[union-attr]
                start = re.search(r"start=(\d+)", href).group(1)  # type: ignore[union-attr]
                end = re.search(r"end=(\d+)", href).group(1)  # type: ignore[union-attr]
                shown.append((how, start, end, html.unescape(text)))
                seen_how.add(how)
            assert sorted(shown) == expected, (report_id, name)
    assert seen_how == {"printed", "identity", "prose", "ambiguous"}


def test_ambiguous_cells_show_their_candidates_and_links_land_on_the_printed_cell(
    built: Path,
) -> None:
    page = get(built, f"/-/report/{AMBIGUOUS_REPORT}").text
    s2 = dict((t, b) for _, t, b in FIGURE.findall(page))["s2"]
    row = s2.split('<tr data-row="2">')[1].split("</tr>")[0]  # 规范性文件 printed as 898989
    assert "规范性文件" in row
    found = re.findall(r'<span class="ogi-candidates">候选 / candidates: ([^<]*)</span>', row)
    assert found == [
        "8 / 89 / 898 / 8989",
        "9 / 98 / 989 / 9898 / 8 / 89 / 898",
        "8989 / 989 / 89 / 9",
    ]
    assert "有歧义（留空）" in row
    # the grid sits beside the text of the section it was read from
    section = page.split('data-table="s2"')[0].rsplit('<section class="ogi-sec', 1)[1]
    assert '<div class="ogi-beside">' in section and "898989" in section
    # a cell's link marks the cell as printed in the text
    href = html.unescape(LINK.search(row).group(1))  # type: ignore[union-attr]
    path, query = href.split("#")[0].split("?")
    params = dict(p.split("=") for p in query.split("&"))
    marked = HIT.findall(get(built, path, **params).text)
    assert marked == ["898989"]
