"""The site's own pages: search everything, and read a report with a statistic marked.

``/-/search?q=舆情`` (and ``/-/search.json``)
    Searches the full-text indexes of ``sections``, ``figures`` and ``citations`` (site.yml
    ``search``) with the Chinese-aware query of :mod:`ogi.store.search`, and shows for each table
    how many rows match and the first few, each with the text around the match, a link to
    its row and a link to the report text. It does what the datasette-search-all plugin does
    for ordinary FTS tables; that plugin finds searchable tables with Datasette's
    ``Database.fts_table()``, which does not detect contentless indexes like ours, so it
    finds none (datasette-search-all 1.1.4 with Datasette 0.65.5: "There are no tables that
    have been configured for search").

``/-/package/<resource>.csv``
    The package's own CSV file of a resource, as published in ``data/`` beside the database:
    the whole table for the price of reading a file (Datasette streaming the same rows
    renders each one). ``_bom=1`` adds the byte order mark for Excel (:mod:`ogi.serve.bom`).

``/-/report/<report_id>?start=…&end=…`` (or ``?section=…``, ``&q=…``)
    The report's text, rebuilt from its sections in order, with its metadata and original
    URL. ``start``/``end`` (offsets in the decoded source, as in every table of the package)
    mark a statistic, figure, citation or check in its section; ``section`` marks a whole
    section; ``q`` marks the words searched for. When only ``start`` is given (a check), the
    statistic or figure printed there gives the end.

Report text is escaped everywhere: a report containing HTML or script shows it as text.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from datasette.database import QueryInterrupted
from datasette.utils import path_from_row_pks
from datasette.utils.asgi import BadRequest, NotFound, Response
from markupsafe import Markup

from ..package import schema
from ..parse.outline import body_offset
from ..store.search import fts_query
from ..store.views import search_columns
from . import grids, highlight, snapshot
from .cells import REPORT_ID, reader_url
from .metadata import site

SAFE_URL = re.compile(r"https?://", re.IGNORECASE)


def _database(datasette: Any) -> Any:
    return datasette.get_database(site()["database"])


# --- search everything --------------------------------------------------------------------


async def _search_table(
    datasette: Any, table: str, q: str, per_table: int, show: list[str]
) -> dict[str, Any]:
    db = _database(datasette)
    dbname = site()["database"]
    fts = f"{table}_fts"
    columns = search_columns()[table]
    res = schema.resource(table)
    result: dict[str, Any] = {
        "table": table,
        "title": schema.bilingual(res["title_zh"], res["title_en"]),
        "search_url": f"{datasette.urls.table(dbname, table)}?{urlencode({'_search': q})}",
        "count": 0,
        "rows": [],
        "error": None,
    }
    match = f"select rowid from [{fts}] where [{fts}] match ogi_fts_query(:q)"
    try:
        result["count"] = (await db.execute(f"select count(*) from ({match})", {"q": q})).first()[0]
        rows = await db.execute(
            f"select t.*, r.issuer as _issuer, r.year as _year "
            f"from ({match} limit :n) m join [{table}] t on t.rowid = m.rowid "
            f"join reports r on r.report_id = t.report_id order by t.rowid",
            {"q": q, "n": per_table},
        )
    except (QueryInterrupted, sqlite3.OperationalError) as e:
        result["error"] = f"检索未完成 / the search did not finish: {e}"
        return result
    pks = await db.primary_keys(table)
    for row in rows.rows:
        contexts = []
        for column in columns:
            text = row[column]
            if isinstance(text, str):
                marked = highlight.snippet(text, q)
                if marked is not None:
                    contexts.append((column, marked))
        if not contexts:  # the index matched across punctuation we could not find again
            column = columns[-1]
            contexts.append((column, Markup("{}…").format((row[column] or "")[:80])))
        report_id = row["report_id"]
        if table == "sections":
            source = reader_url(report_id, section=row["section_id"], q=q)
        else:
            source = reader_url(report_id, start=row["start"], end=row["end"], q=q)
        result["rows"].append(
            {
                "report_id": report_id,
                "issuer": row["_issuer"],
                "year": row["_year"],
                "key": path_from_row_pks(row, pks, False, quote=False),
                "row_url": datasette.urls.row(dbname, table, path_from_row_pks(row, pks, False)),
                "source_url": source,
                "show": {name: row[name] for name in show},
                "contexts": contexts,
            }
        )
    return result


async def search(datasette: Any, request: Any) -> Response:
    """``/-/search``: every searchable table at once."""
    q = (request.args.get("q") or "").strip()
    cfg = site()["search"]
    tables = []
    if q and fts_query(q):
        for table, opts in cfg["tables"].items():
            tables.append(
                await _search_table(datasette, table, q, cfg["per_table"], opts.get("show", []))
            )
    if request.url_vars.get("format") == ".json":
        return Response.json(
            {
                "q": q,
                "tables": [
                    {
                        **{k: t[k] for k in ("table", "title", "count", "search_url", "error")},
                        "rows": [
                            {
                                **{k: r[k] for k in ("report_id", "issuer", "year", "key")},
                                "row_url": r["row_url"],
                                "source_url": r["source_url"],
                                **r["show"],
                                "context_html": {c: str(m) for c, m in r["contexts"]},
                            }
                            for r in t["rows"]
                        ],
                    }
                    for t in tables
                ],
            }
        )
    return Response.html(
        await datasette.render_template(
            "ogi_search.html",
            {
                "q": q,
                "results": tables,
                "searched": bool(tables),
                "total": sum(t["count"] for t in tables),
                "column_titles": {
                    t: {c: schema.bilingual(*_title(t, c)) for c in schema.field_names(t)}
                    for t in cfg["tables"]
                },
            },
            request=request,
        )
    )


def _title(table: str, column: str) -> tuple[str, str]:
    f = next(f for f in schema.resource(table)["fields"] if f["name"] == column)
    return f["title_zh"], f["title_en"]


# --- the package's CSV files -------------------------------------------------------------


def package_file(datasette: Any, name: str) -> int | None:
    """The published CSV file of resource ``name`` of the build the site serves, opened with
    its database (:mod:`ogi.serve.snapshot`); None when there is none."""
    if name not in {r["name"] for r in schema.resources()}:
        return None
    return snapshot.fd(datasette, f"data/{name}.csv")


async def package_csv(datasette: Any, request: Any, send: Any) -> None:
    """``/-/package/<resource>.csv``: the file, streamed in large chunks."""
    name = request.url_vars["name"]
    found = package_file(datasette, name)
    if found is None:
        raise NotFound("没有该文件 / no such file in the package")
    await snapshot.send_file(send, found, f"{name}.csv", "text/csv; charset=utf-8")


# --- the report reader --------------------------------------------------------------------


@dataclass
class Section:
    """One section of the report as shown: its text with what is marked."""

    section_id: str
    level: int
    marker: str
    heading: str
    body: str
    start: int
    end: int
    parent_id: str | None
    heading_start: int | None = None
    body_map: str = ""
    heading_marks: list[tuple[int, int, str]] = field(default_factory=list)
    body_marks: list[tuple[int, int, str]] = field(default_factory=list)
    is_hit: bool = False

    @property
    def anchor(self) -> str:
        return "s-" + self.section_id.split(":", 1)[-1]

    def locate(self, start: int, end: int) -> bool:
        """Mark [start, end) of the source in this section's body or heading, through the
        body's map to the source (``body_map``) and the heading's offset."""
        lo = body_offset(self.body, self.body_map, start) if self.body else None
        if lo is not None:
            hi = body_offset(self.body, self.body_map, end - 1)
            hi = hi + 1 if hi is not None and hi >= lo else min(lo + end - start, len(self.body))
            self.body_marks.append((lo, max(hi, lo + 1), "hit"))
            return True
        at = self.heading_start
        if self.heading and at is not None and at <= start < at + len(self.heading):
            lo = start - at
            self.heading_marks.append((lo, max(lo + 1, min(end - at, len(self.heading))), "hit"))
            return True
        return False


def _render_marked(text: str, marks: list[tuple[int, int, str]]) -> Markup:
    out: list[Markup] = []
    pos = 0
    for start, end, kind in sorted(marks, key=lambda m: (m[0], m[2] != "hit")):
        if start < pos:
            continue
        out.append(Markup("{}").format(text[pos:start]))
        if kind == "hit":
            out.append(Markup('<mark id="hit" class="ogi-hit">{}</mark>').format(text[start:end]))
        else:
            out.append(Markup('<mark class="ogi-q">{}</mark>').format(text[start:end]))
        pos = end
    out.append(Markup("{}").format(text[pos:]))
    return Markup("").join(out)


MAX_OFFSET = 2**63 - 1  # SQLite's largest integer


def _int(value: str | None) -> int | None:
    """An offset given in the query string (None when not given, or not a number); a number
    that can be no offset (negative, or more than SQLite holds) is the request's mistake."""
    try:
        number = int(value) if value not in (None, "") else None
    except ValueError:
        return None
    if number is not None and not 0 <= number <= MAX_OFFSET:
        raise BadRequest(f"偏移量超出范围 / no such offset: {value[:40]}")  # type: ignore[index]
    return number


async def _printed_at(db: Any, report_id: str, start: int) -> tuple[int | None, str | None]:
    """What is printed at ``start``: its end offset and a line saying what it is -- a table
    cell, a figure or a citation (the first found, in that order)."""
    cell = (
        await db.execute(
            "select [end], label, column_label, value_text, unit from statistics "
            "where report_id = :r and start = :s limit 1",
            {"r": report_id, "s": start},
        )
    ).first()
    if cell is not None:
        column = f" [{cell['column_label']}]" if cell["column_label"] else ""
        unit = f" {cell['unit']}" if cell["unit"] else ""
        return cell["end"], f"统计表 / table: {cell['label']}{column} {cell['value_text']}{unit}"
    figure = (
        await db.execute(
            "select [end], value_text from figures where report_id = :r and start = :s limit 1",
            {"r": report_id, "s": start},
        )
    ).first()
    if figure is not None:
        return figure["end"], f"正文数字 / figure: {figure['value_text']}"
    citation = (
        await db.execute(
            "select [end], text from citations where report_id = :r and start = :s limit 1",
            {"r": report_id, "s": start},
        )
    ).first()
    if citation is not None:
        return citation["end"], f"引用 / citation: {citation['text']}"
    return None, None


def _home(sections: list[Section], start: int | None) -> Section | None:
    """The section a table is printed in: the last one that starts at or before its first
    cell (the first section for a table without a printed cell)."""
    if start is None:
        return sections[0] if sections else None
    before = [s for s in sections if s.start <= start]
    return before[-1] if before else (sections[0] if sections else None)


async def report(datasette: Any, request: Any) -> Response:
    """``/-/report/<report_id>``: the report's text with what the link pointed at marked."""
    report_id = request.url_vars["report_id"]
    if not REPORT_ID.fullmatch(report_id):
        raise NotFound("报告编号应为16位十六进制数字 / a report id is 16 hex digits")
    db = _database(datasette)
    row = (await db.execute("select * from reports where report_id = :r", {"r": report_id})).first()
    if row is None:
        raise NotFound(f"没有该报告 / no such report: {report_id}")
    rep = dict(row)
    sections = [
        Section(
            r["section_id"],
            r["level"],
            r["marker"] or "",
            r["heading"] or "",
            r["body"] or "",
            r["start"],
            r["end"],
            r["parent_id"],
            r["heading_start"],
            r["body_map"] or "",
        )
        for r in (
            await db.execute(
                "select section_id, parent_id, level, marker, heading, heading_start, body, "
                "body_map, start, [end] "
                "from sections where report_id = :r order by seq",
                {"r": report_id},
            )
        ).rows
    ]
    start, end = _int(request.args.get("start")), _int(request.args.get("end"))
    wanted_section = request.args.get("section")
    q = (request.args.get("q") or "").strip()
    hit: Section | None = None
    what: str | None = None
    if start is not None:
        printed_end, what = await _printed_at(db, report_id, start)
        if end is None or end <= start:
            end = printed_end or start + 1
        for section in sections:
            if section.start <= start <= section.end and section.locate(start, end):
                hit = section
                break
    elif wanted_section:
        hit = next((s for s in sections if s.section_id == wanted_section), None)
        if hit is not None:
            hit.is_hit = True
    if q:
        for section in sections:
            for lo, hi in highlight.find(section.heading, q):
                section.heading_marks.append((lo, hi, "q"))
            for lo, hi in highlight.find(section.body, q):
                section.body_marks.append((lo, hi, "q"))
    tables: dict[str, list[dict[str, Any]]] = {}
    for grid in await grids.report_grids(db, report_id):
        home = _home(sections, grid.start)
        if home is not None:
            tables.setdefault(home.section_id, []).append(grids.shown(grid, report_id))
    by_id = {s.section_id: s for s in sections}
    path: list[Section] = []
    node = hit
    while node is not None:
        path.insert(0, node)
        node = by_id.get(node.parent_id) if node.parent_id else None
    dbname = site()["database"]
    shown = [
        {
            "anchor": s.anchor,
            "section_id": s.section_id,
            "level": s.level,
            "marker": s.marker,
            "heading": _render_marked(s.heading, s.heading_marks),
            "body": _render_marked(s.body, s.body_marks),
            "is_hit": s.is_hit,
            "grids": tables.get(s.section_id, []),
            "row_url": datasette.urls.row(
                dbname,
                "sections",
                path_from_row_pks({"section_id": s.section_id}, ["section_id"], False),
            ),
        }
        for s in sections
    ]
    url = rep.get("url")
    return Response.html(
        await datasette.render_template(
            "ogi_report.html",
            {
                "report": rep,
                "report_url": url if isinstance(url, str) and SAFE_URL.match(url) else None,
                "sections": shown,
                "hit_path": [
                    {"marker": s.marker, "heading": s.heading, "anchor": s.anchor} for s in path
                ],
                "located": hit is not None,
                "what": what,
                "asked": start is not None or bool(wanted_section),
                "q": q,
                "db": dbname,
                "row_url": datasette.urls.row(dbname, "reports", report_id),
            },
            request=request,
        )
    )
