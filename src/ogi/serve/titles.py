"""Bilingual titles of columns and query parameters, for the headers of the site's tables.

Table and view columns take theirs from the data contract and ``views.yml``; columns that
canned queries compute take theirs from ``site.yml`` (``column_titles``), and otherwise from
the first table or view with a column of that name.

>>> column_title("summary", "requests_received")
('新收申请数', 'Requests received')
>>> column_title(None, "refusal_rate")
('不予公开率（%）', 'Refusal rate (%)')
>>> column_title(None, "no_such_column") is None
True
"""

from __future__ import annotations

from functools import cache

from ..package import schema
from ..store.views import views
from .metadata import site

Title = tuple[str, str]


@cache
def table_columns() -> dict[str, dict[str, Title]]:
    """Table or view → column → (Chinese, English) title."""
    out: dict[str, dict[str, Title]] = {
        res["name"]: {f["name"]: (f["title_zh"], f["title_en"]) for f in res["fields"]}
        for res in schema.resources()
    }
    for name, view in views().items():
        out[name] = {col: (c["title_zh"], c["title_en"]) for col, c in view["columns"].items()}
    return out


@cache
def glossary() -> dict[str, Title]:
    """Column name → title, for query results: site.yml first, then views, then tables."""
    out: dict[str, Title] = {}
    for columns in reversed(list(table_columns().values())):
        out.update(columns)
    for name in views():  # views before tables: their computed columns are what queries share
        out.update(table_columns()[name])
    out.update({col: (t["title_zh"], t["title_en"]) for col, t in site()["column_titles"].items()})
    return out


def column_title(table: str | None, column: str) -> Title | None:
    """The title of ``column`` in ``table`` (None: in a query's result)."""
    if table is not None and column in table_columns().get(table, {}):
        return table_columns()[table][column]
    return glossary().get(column)


@cache
def param_titles() -> dict[str, dict[str, Title]]:
    """Canned query → parameter → title."""
    return {
        qid: {name: (p["title_zh"], p["title_en"]) for name, p in q.get("params", {}).items()}
        for qid, q in site()["queries"].items()
    }
