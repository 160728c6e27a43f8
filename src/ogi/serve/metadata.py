"""metadata.yml for Datasette, generated from the data contract, ``views.yml`` and ``site.yml``.

Titles and descriptions are bilingual (中文 / English) at every level -- tables, views,
columns, canned queries and their parameters, dashboard charts -- column descriptions carry
units, and licence and source are repeated on every table so that they show on every page.

>>> meta = metadata()
>>> meta["databases"]["ogi"]["tables"]["sections"]["fts_table"]
'sections_fts'
>>> meta["databases"]["ogi"]["queries"]["refusal_ranking"]["title"]
'不予公开率最高的机关（前100） / Bodies that refuse most (top 100)'
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml
from markupsafe import Markup

from ..package import schema
from ..store.views import table_facets, views

PACKAGE = __name__.rsplit(".", 1)[0]


@cache
def site() -> dict[str, Any]:
    """The serving configuration (``site.yml``)."""
    return yaml.safe_load(files(PACKAGE).joinpath("site.yml").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _provenance() -> dict[str, str]:
    pkg = schema.contract()["package"]
    lic = pkg["licenses"][0]
    return {
        "license": lic["name"],
        "license_url": lic["path"],
        "source": "各级政府机关政府信息公开工作年度报告 / OGI annual reports of Chinese government bodies",
        "source_url": pkg["homepage"],
    }


_CODE = re.compile(r"`([^`]+)`")


def _plain(text: str) -> str:
    """Text without Markdown's backticks (Datasette shows descriptions as text).

    >>> _plain("in `unit`; see `checks`")
    'in unit; see checks'
    """
    return _CODE.sub(r"\1", text)


def _html(text: str) -> str:
    """Text as HTML, Markdown's `code` as <code>.

    >>> _html("in `unit` <b>")
    'in <code>unit</code> &lt;b&gt;'
    """
    out, pos = [], 0
    for m in _CODE.finditer(text):
        out.append(Markup("{}<code>{}</code>").format(text[pos : m.start()], m.group(1)))
        pos = m.end()
    out.append(Markup("{}").format(text[pos:]))
    return str(Markup("").join(out))


def _column_description(title_zh: str, title_en: str, description: str) -> str:
    return _plain(f"{schema.bilingual(title_zh, title_en)}: {description}")


def _tables(prov: dict[str, str]) -> dict[str, Any]:
    cfg = site()
    tables: dict[str, Any] = {}
    for res in schema.resources():
        name = res["name"]
        table: dict[str, Any] = {
            "title": schema.bilingual(res["title_zh"], res["title_en"]),
            "description_html": _html(f"{res['description_zh']} {res['description_en']}"),
            **prov,
            "columns": {
                f["name"]: _column_description(
                    f["title_zh"],
                    f["title_en"],
                    schema.field_description(name, f).replace("\n", " "),
                )
                for f in res["fields"]
            },
        }
        table.update(cfg["tables"].get(name, {}))
        if name in table_facets():
            table["facets"] = table_facets()[name]
        tables[name] = table
    for name, view in views().items():
        tables[name] = {
            "title": schema.bilingual(view["title_zh"], view["title_en"]),
            "description_html": _html(f"{view['description_zh']} {view['description_en']}"),
            **prov,
            "columns": {
                col: _column_description(
                    c["title_zh"], c["title_en"], f"{c['description_en']} {c['description_zh']}"
                )
                for col, c in view["columns"].items()
            },
            **{key: view[key] for key in ("facets", "sort", "sort_desc") if key in view},
        }
    # the site's own table (not in the package): queryable, not listed
    tables["facet_counts"] = {
        "title": schema.bilingual("分面计数", "Facet counts"),
        "description_html": _html(
            "每个表和视图的分面各值的行数，由构建算出，供显示全部行的表格页使用。"
            " How many rows hold each value of each faceted column of each table and view,"
            " counted by the build for the table pages that show all rows."
        ),
        **prov,
        "hidden": True,
    }
    return tables


def _query_html(q: dict[str, Any]) -> str:
    """The description shown on a canned query's page: both languages, what each parameter
    means, and a link to the complete list the query is drawn from."""
    parts = [
        Markup("<p>{}</p><p>{}</p>").format(
            Markup(_html(q["description_zh"])), Markup(_html(q["description_en"]))
        )
    ]
    if q.get("params"):
        items = Markup(", ").join(
            Markup("<code>{}</code> {}").format(
                name, schema.bilingual(p["title_zh"], p["title_en"])
            )
            for name, p in q["params"].items()
        )
        parts.append(
            Markup("<p>参数（可留空） / Parameters (may be left empty): {}</p>").format(items)
        )
    if q.get("see_also"):
        link = q["see_also"]
        parts.append(
            Markup('<p>完整列表 / Complete list: <a href="{}">{}</a></p>').format(
                link["path"], schema.bilingual(link["title_zh"], link["title_en"])
            )
        )
    return str(Markup("").join(parts))


def _queries(prov: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for qid, q in site()["queries"].items():
        query: dict[str, Any] = {
            "title": schema.bilingual(q["title_zh"], q["title_en"]),
            "description": f"{q['description_zh']} {q['description_en']}",
            "description_html": _query_html(q),
            "sql": q["sql"],
            # the question first: the SQL is one click away ("show"), and "Edit SQL" stays
            "hide_sql": True,
        }
        if q.get("params"):
            query["params"] = list(q["params"])
        out[qid] = {**query, **prov}
    return out


def metadata() -> dict[str, Any]:
    """The Datasette metadata as a dict."""
    pkg = schema.contract()["package"]
    cfg = site()
    prov = _provenance()
    title = schema.bilingual(pkg["title_zh"], pkg["title_en"])
    return {
        "title": title,
        "description": f"{pkg['description_zh']}\n\n{pkg['description_en']}",
        **prov,
        "about": cfg["about"],
        "about_url": pkg["homepage"],
        "databases": {
            cfg["database"]: {
                "title": title,
                "description": pkg["description_en"],
                **prov,
                "tables": _tables(prov),
                "queries": _queries(prov),
            },
        },
        "plugins": {"datasette-dashboards": cfg["dashboards"]},
    }


def write_metadata(path: Path) -> None:
    """Write metadata.yml (deterministic: keys in contract order, UTF-8, no line wrapping)."""
    header = (
        "# Generated by `ogi build` from src/ogi/package/resources.yml, src/ogi/store/views.yml "
        "and src/ogi/serve/site.yml; do not edit.\n"
    )
    body = yaml.safe_dump(
        metadata(), allow_unicode=True, sort_keys=False, width=100000, default_flow_style=False
    )
    path.write_text(header + body, encoding="utf-8")
