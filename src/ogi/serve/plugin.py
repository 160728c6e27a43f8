"""Datasette plugin: Chinese-aware full-text search (see :mod:`ogi.store.search`).

Registered through the ``datasette`` entry point ``ogi = "ogi.serve.plugin"``.
Its ``prepare_connection`` hook adds five SQL functions to every connection:

``escape_fts(query)``
    Replaces Datasette's own function of that name with
    :func:`ogi.store.search.fts_query`. Datasette 0.65 searches tables with
    ``rowid in (select rowid from {fts} where {fts} match escape_fts(:search))``
    (``?_search=``, ``?_search_<column>=``), so ``?_search=舆情`` becomes the FTS5
    phrase ``"舆 情"`` and finds the segmented index built by
    :func:`ogi.store.search.enable_search`. For non-CJK queries the result is the same
    as Datasette's.
``ogi_fts_query(query)``
    The same function under a name no other plugin will override, for
    hand-written SQL: ``... where sections_fts match ogi_fts_query(:q)``.
``ogi_segment(text)``
    :func:`ogi.store.search.segment` -- puts spaces around every Han character
    (NULL and numbers pass through), e.g. to build your own MATCH expressions
    (``'"' || ogi_segment(:q) || '"'``) or to look at what the index contains.
``ogi_label(column, code)``
    The bilingual label of a code (a check id with column ``check``, a ``status``, a
    ``kind`` …) from ``formats/labels.yml``, as ``zh / en``; the code itself when it has none.
``ogi_province(name)``
    The full name of a province given by its full or short name (山东 → 山东省), so that
    ``r.province = ogi_province(:province)`` takes either; anything else unchanged.

``?_searchmode=raw`` (or ``searchmode: raw`` in metadata) is left exactly as in
Datasette: the query goes to ``MATCH`` verbatim, without segmentation, so it must
spell out phrases itself (``"舆 情"``).

Hook order: Datasette calls every ``prepare_connection`` implementation and the
last ``create_function("escape_fts", ...)`` wins. pluggy calls implementations
in reverse registration order but ``trylast=True`` ones after all others, so this
hook runs after ``datasette.sql_functions`` no matter whether the entry point was
loaded before Datasette's default plugins (the normal case) or registered later.

The table's FTS table is contentless, which Datasette does not auto-detect; set
``fts_table`` in metadata (no ``fts_pk``)::

    databases:
      <database name>:
        tables:
          sections:
            fts_table: sections_fts

The plugin also makes the site (see :mod:`ogi.serve.pages`, :mod:`ogi.serve.cells`):
``register_routes`` adds the search-everything page ``/-/search`` and the report reader
``/-/report/<id>``; ``render_cell`` links numbers, citations and checks to the report text;
``extra_template_vars`` gives the templates bilingual column titles and search contexts;
``asgi_wrapper`` serves CSV with a UTF-8 byte order mark for Excel (``_bom=1``, see
:mod:`ogi.serve.bom`); ``startup`` reads the indicators' English labels and switches off
datasette-render-markdown's cell renderer (see :func:`startup`).
"""

from __future__ import annotations

import sqlite3
import weakref
from typing import Any

from datasette import Response, hookimpl
from datasette.plugins import pm

from ogi.formats import code_label, province_name
from ogi.package import schema
from ogi.store.search import fts_query, segment

from ..store.views import search_columns, views
from . import (
    bom,
    cache,
    cells,
    dictionary,
    downloads,
    facets,
    guard,
    highlight,
    pages,
    partials,
    snapshot,
    titles,
)
from .metadata import site


def _sql_segment(value: Any) -> Any:
    return segment(value) if isinstance(value, str) else value


def _sql_fts_query(value: Any) -> Any:
    """fts_query for SQL; an empty query becomes the empty phrase '""', which matches nothing
    (an empty MATCH string is an FTS5 syntax error: the search box submitted empty would
    answer 400)."""
    if value is None:
        return None
    return fts_query(value if isinstance(value, str) else str(value)) or '""'


@hookimpl(trylast=True)
def prepare_connection(conn: sqlite3.Connection) -> None:
    guard.limit_connection(conn)  # what one statement may allocate (see ogi.serve.guard)
    conn.create_function("escape_fts", 1, _sql_fts_query, deterministic=True)
    conn.create_function("ogi_fts_query", 1, _sql_fts_query, deterministic=True)
    conn.create_function("ogi_segment", 1, _sql_segment, deterministic=True)
    conn.create_function("ogi_label", 2, _sql_label, deterministic=True)
    conn.create_function("ogi_province", 1, province_name, deterministic=True)


def _sql_label(column: Any, code: Any) -> Any:
    """``ogi_label(column, code)``: the code's label, ``zh / en``, or the code itself."""
    label = code_label(str(column), code)
    return f"{label[0]} / {label[1]}" if label else code


# --- the site -----------------------------------------------------------------------------

_INDICATOR_LABELS: weakref.WeakKeyDictionary[Any, dict[str, str]] = weakref.WeakKeyDictionary()
_CHOICES: weakref.WeakKeyDictionary[Any, dict[str, list[str]]] = weakref.WeakKeyDictionary()
# query parameters offered as a list of the values the reports hold (the columns of reports)
CHOICE_PARAMS = {"province": "province", "year": "year desc", "generation": "generation"}
_TABLE_COUNTS: weakref.WeakKeyDictionary[Any, dict[str, int | None]] = weakref.WeakKeyDictionary()
_MARKDOWN_PLUGIN = "datasette_render_markdown"
_DATASETTE_FACETS = "datasette.facets"


@hookimpl
def startup(datasette: Any) -> Any:
    """Read the English labels of the indicators and which facets the database keeps counts
    of (:mod:`ogi.serve.facets`, whose column facet takes the place of Datasette's), and
    unregister datasette-render-markdown.

    datasette-render-markdown comes with datasette-dashboards (whose Markdown cards we do not
    use). Its ``render_cell`` hook looks up plugin configuration for every cell of every
    page, which made a table of 4,000 rows take 1.9 s instead of 1.4 s to render; and the
    site never renders report text as Markdown (it is shown as text, exactly as printed).

    Datasette shows an immutable database's "hash", the sha256 of its whole file, which it
    computes at the first page that shows it (the home page, ``/-/databases.json``): at
    100,000 reports that read the 10 GB file for 41 s, while the page waited. The site leaves
    it empty; the build a page comes from is told by the response cache's build id
    (:func:`ogi.serve.snapshot.build_id`), and the package's files by their digests.
    """

    async def inner() -> None:
        for plugin in list(pm.get_plugins()):
            if getattr(plugin, "__name__", "") == _MARKDOWN_PLUGIN:
                pm.unregister(plugin)
        if pm.has_plugin(_DATASETTE_FACETS):  # ours take their place (register_facet_classes)
            pm.unregister(name=_DATASETTE_FACETS)
        db = datasette.databases.get(site()["database"])
        if db is None:
            return
        if not db.is_mutable and db.cached_hash is None:
            db.cached_hash = ""  # not the sha256 of the whole file: see the docstring
        await facets.read_counted(datasette, site()["database"])
        try:
            rows = (await db.execute("select code, label_en from indicators")).rows
        except sqlite3.OperationalError:
            return
        _INDICATOR_LABELS[datasette] = {code: label for code, label in rows}
        names = [res["name"] for res in schema.resources()] + list(views())
        counts: dict[str, int | None] = {}
        for name in names:  # the database is immutable: count once
            try:
                counts[name] = (await db.execute(f"select count(*) from [{name}]")).first()[0]
            except sqlite3.OperationalError:
                counts[name] = None
        _TABLE_COUNTS[datasette] = counts
        choices: dict[str, list[str]] = {}
        for param, order in CHOICE_PARAMS.items():
            column = order.split()[0]
            found = await db.execute(
                f"select distinct [{column}] from reports where [{column}] is not null "
                f"order by {order}"
            )
            choices[param] = [str(r[0]) for r in found.rows]
        _CHOICES[datasette] = choices

    return inner


@hookimpl
def register_facet_classes() -> list[Any]:
    """Datasette's facets, with the column facet that reads the build's counts on pages that
    show every row (:mod:`ogi.serve.facets`) -- once :func:`startup` has taken Datasette's own
    registration away (till then Datasette's serve alone)."""
    return [] if pm.has_plugin(_DATASETTE_FACETS) else facets.facet_classes()


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [
        (r"^/-/search(?P<format>\.json)?$", pages.search),
        (r"^/-/report/(?P<report_id>[^/]+)$", pages.report),
        (r"^/-/package/(?P<name>[a-z_]+)\.csv$", pages.package_csv),
        (r"^/-/package/datapackage\.json$", dictionary.descriptor),
        (r"^/-/dictionary$", dictionary.page),
        (r"^/-/package/parquet/(?P<name>[a-z_]+)$", downloads.parquet_index),
        (
            r"^/-/package/parquet/(?P<path>parquet\.json|[a-z_]+/(year=\d{4}/)?part-0\.parquet)$",
            downloads.parquet_file,
        ),
    ]


@hookimpl(tryfirst=True)
def render_cell(
    row: Any, value: Any, column: str, table: str | None, database: str, datasette: Any
) -> Any:
    if column not in cells.COLUMNS:  # most cells: leave them to Datasette, quickly
        return None
    return cells.render(
        row,
        value,
        column,
        table,
        database,
        site()["database"],
        _INDICATOR_LABELS.get(datasette, {}),
        table in views(),
    )


def _searched(request: Any, table: str | None, column: str) -> str | None:
    """The words searched for in ``column`` of ``table`` on this page, if any."""
    if request is None or table is None or column not in search_columns().get(table, []):
        return None
    q = request.args.get(f"_search_{column}") or request.args.get("_search")
    return q if q and q.strip() else None


@hookimpl
def extra_template_vars(request: Any, datasette: Any) -> dict[str, Any]:
    def column_title(table: str | None, column: str) -> str | None:
        title = titles.column_title(table, column)
        return f"{title[0]} / {title[1]}" if title else None

    def code_title(column: str, code: Any) -> str | None:
        label = code_label(column, code)
        return f"{label[0]} / {label[1]}" if label else None

    def param_choices(name: str) -> list[str] | None:
        """The values a query parameter can take, when the site offers them as a list."""
        return _CHOICES.get(datasette, {}).get(name)

    def missing_params(query: str | None, values: dict[str, Any] | None) -> list[str]:
        """The parameters a canned query requires (site.yml ``required``) left empty, titled."""
        required = site()["queries"].get(query or "", {}).get("required", [])
        empty = [n for n in required if not str((values or {}).get(n) or "").strip()]
        return [param_title(query, n) or n for n in empty]

    def param_title(query: str | None, name: str) -> str | None:
        title = titles.param_titles().get(query or "", {}).get(name)
        return f"{title[0]} / {title[1]}" if title else None

    def searched_columns(table: str | None) -> dict[str, str]:
        """Column → the words searched for in it on this page (empty: no search)."""
        if table is None:
            return {}
        out = {}
        for column in search_columns().get(table, []):
            q = _searched(request, table, column)
            if q is not None:
                out[column] = q
        return out

    def search_context(raw: Any, q: str) -> Any:
        return highlight.snippet(raw, q) if isinstance(raw, str) else None

    def home() -> dict[str, Any]:
        return _home(_TABLE_COUNTS.get(datasette, {}))

    def package_csv(table: str | None) -> str | None:
        """The published CSV file of ``table`` when the page shows all of its rows."""
        if table is None or pages.package_file(datasette, table) is None:
            return None
        if request is not None and not facets.unfiltered(request):
            return None
        return f"/-/package/{table}.csv"

    def package_parquet(table: str | None) -> str | None:
        """The page listing the Parquet files of ``table``, when it has any."""
        if table is None or not downloads.files(datasette, table):
            return None
        return f"/-/package/parquet/{table}"

    def with_args(url: str, args: str) -> str:
        """``url`` with more query string arguments."""
        return f"{url}{'&' if '?' in url else '?'}{args}"

    return {
        "ogi_home": home,
        "ogi_with_args": with_args,
        "ogi_package_csv": package_csv,
        "ogi_package_parquet": package_parquet,
        "ogi_column_title": column_title,
        "ogi_code_title": code_title,
        "ogi_param_choices": param_choices,
        "ogi_missing_params": missing_params,
        "ogi_resource_names": [r["name"] for r in schema.resources()],
        "ogi_param_title": param_title,
        "ogi_searched_columns": searched_columns,
        "ogi_search_context": search_context,
        "ogi_database": site()["database"],
        "ogi_partial": partials.partial,
    }


def _home(counts: dict[str, int | None]) -> dict[str, Any]:
    """What the home page lists: where to start, the canned queries, the tables and views."""
    dbname = site()["database"]
    start = [
        {
            "href": card["path"],
            "title": schema.bilingual(card["title_zh"], card["title_en"]),
            "description": f"{card['description_zh']} {card['description_en']}",
        }
        for card in site()["home"]["start"]
    ]
    queries = [
        {
            "href": f"/{dbname}/{qid}",
            "title": schema.bilingual(q["title_zh"], q["title_en"]),
            "description": f"{q['description_zh']} {q['description_en']}",
        }
        for qid, q in site()["queries"].items()
    ]
    tables = [
        {
            "name": res["name"],
            "href": f"/{dbname}/{res['name']}",
            "title": schema.bilingual(res["title_zh"], res["title_en"]),
            "description": f"{res['description_zh']} {res['description_en']}",
            "count": counts.get(res["name"]),
        }
        for res in [*schema.resources(), *({"name": n, **v} for n, v in views().items())]
    ]
    return {"start": start, "queries": queries, "tables": tables}


@hookimpl
def extra_css_urls() -> list[str]:
    return ["/ogi-static/ogi.css"]


@hookimpl
def menu_links() -> list[dict[str, str]]:
    return [
        {"href": "/-/search", "label": "检索全部 / Search everything"},
        {"href": "/-/dashboards/overview", "label": "概览图表 / Dashboard"},
    ]


@hookimpl
def asgi_wrapper(datasette: Any) -> Any:
    """CSV for Excel on request; and, when every database is immutable (``ogi serve``), the
    response cache of :mod:`ogi.serve.cache`."""

    def wrap(app: Any) -> Any:
        served = [db for name, db in datasette.databases.items() if not name.startswith("_")]
        app = guard.mark_client_sql(app)
        if served and all(not db.is_mutable for db in served):
            app = cache.with_cache(
                app, cache.store_for(datasette), lambda: snapshot.build_of(datasette)
            )
        return guard.with_guard(bom.with_bom(app))

    return wrap


@hookimpl(tryfirst=True)
def handle_exception(datasette: Any, request: Any, exception: BaseException) -> Any:
    """A 400 with one line, not a 500 with a traceback, for the request's own mistakes
    that Datasette takes for the server's (see :func:`ogi.serve.guard.client_error`)."""
    found = guard.client_error(exception)
    if found is None:
        return None
    status, line = found
    exception.status = status  # type: ignore[attr-defined]  # read by app._GuardedConsole
    if request.path.split("?")[0].endswith(".json"):
        return Response.json({"ok": False, "error": line, "status": status}, status=status)
    return Response.text(line + "\n", status=status)
