"""The data dictionary on the site: the package descriptor, and a page of every resource and
field with its type, constraints and zh/en description, linked from each table."""

from __future__ import annotations

import html
import json
from pathlib import Path

from test_site import get

from ogi.package import schema


def test_the_descriptor_is_the_build_s_own(built: Path) -> None:
    response = get(built, "/-/package/datapackage.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == json.loads((built / "datapackage.json").read_text(encoding="utf-8"))
    names = [r["name"] for r in response.json()["resources"]]
    assert names == [r["name"] for r in schema.resources()]


def test_the_dictionary_lists_every_resource_and_field(built: Path) -> None:
    page = html.unescape(get(built, "/-/dictionary").text)
    for res in schema.resources():
        assert f'id="res-{res["name"]}"' in page, res["name"]
        assert res["description_zh"] in page and res["description_en"] in page
        for f in res["fields"]:
            assert f'<tr id="{res["name"]}.{f["name"]}">' in page, (res["name"], f["name"])
            assert f["description_zh"] in page and f["description_en"] in page
    row = page[page.index('<tr id="checks.status">') :]
    row = row[: row.index("</tr>")]
    assert "<td>string</td>" in row
    assert "required, one of: pass, fail, not_assessable, ambiguous" in row
    assert '→ <a href="#res-reports">reports</a>' in page
    assert '<a href="/-/package/datapackage.json">datapackage.json</a>' in page


def test_each_table_links_to_its_resource_in_the_dictionary(built: Path) -> None:
    for res in schema.resources():
        page = get(built, f"/ogi/{res['name']}").text
        assert f'<a href="/-/dictionary#res-{res["name"]}">数据字典' in page, res["name"]
    assert "/-/dictionary#res-report_rates" not in get(built, "/ogi/report_rates").text
