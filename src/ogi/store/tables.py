"""Tables: the package's resources as SQLite tables — in the published database and in the
chunk databases the parsing workers write — their types, indexes and search tables.

Types: string and date → TEXT, integer → INTEGER, number → NUMERIC affinity (declared
``ANY``), so 1630 stays an integer and 99.66 a real, as in the CSV.

A chunk database (:func:`create_shard`) holds one table per per-report resource, typed like
the published database, and for each table with a search index (``sections``, and the
site's: :func:`ogi.store.views.search_columns`) ``fts_<table>``: its primary key and the
segmented text of its searched columns (:func:`ogi.store.search.segment`), so that the
workers, not the load, segment the text.

>>> list(typed("checks", [["a", "g1.x", "year", "pass", "error", "3", "2.5", "m", ""]]))
[('a', 'g1.x', 'year', 'pass', 'error', 3, 2.5, 'm', None)]
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import sqlite_utils

from ..package import PER_REPORT, schema
from .search import enable_search, segment
from .views import declared, search_columns

SQL_TYPE = {
    "string": "TEXT",
    "date": "TEXT",
    "integer": "INTEGER",
    "number": "ANY",
    "boolean": "INTEGER",
}

# Columns indexed beyond primary and foreign keys: what the site filters and facets on.
EXTRA_INDEXES: dict[str, list[list[str]]] = {
    "reports": [["year"], ["province"], ["issuer"], ["generation"]],
    "statistics": [["indicator"], ["column"]],
    "figures": [["unit"], ["kind"], ["measure"]],
    "checks": [["status"], ["check"]],
    "summary": [["year"], ["issuer"]],
}


def q(name: str) -> str:
    """An SQL identifier, quoted."""
    return '"' + name.replace('"', '""') + '"'


def sqlite_uri(path: Path, **query: str) -> str:
    """The URI SQLite opens ``path`` by (``uri=True``), with ``query`` parameters; the path
    escaped, so that a ``?``, ``#`` or ``%`` in it is part of the name.

    >>> sqlite_uri(Path("/a?b #c/ogi.db"), mode="ro")
    'file:///a%3Fb%20%23c/ogi.db?mode=ro'
    """
    return path.resolve().as_uri() + ("?" + urlencode(query) if query else "")


def _converter(kind: str) -> Callable[[str], Any]:
    if kind == "integer":
        return int
    if kind == "number":
        return lambda s: float(s) if any(c in s for c in ".eEnN") else int(s)
    if kind == "boolean":
        return lambda s: int(s.lower() in {"true", "1"})
    return str


@cache
def _converters(name: str) -> list[Callable[[str], Any]]:
    return [_converter(f["type"]) for f in schema.resource(name)["fields"]]


def typed(name: str, rows: Iterable[list[str]]) -> Iterator[tuple[Any, ...]]:
    """CSV cells as the database stores them: empty → NULL, integers and numbers as such
    (see the module's example)."""
    conv = _converters(name)
    width = len(conv)
    # text cells only need "" → NULL; the others are converted one by one
    other = [(i, c) for i, c in enumerate(conv) if c is not str]
    for row in rows:
        if len(row) != width:
            raise ValueError(f"{name}: a row of {len(row)} cells, not {width}")
        cells = [v or None for v in row]
        for i, c in other:
            v = cells[i]
            if v is not None:
                cells[i] = c(v)
        yield tuple(cells)


def search_tables() -> dict[str, list[str]]:
    """Every table with a full-text index, and its columns (ours and the site's)."""
    return search_columns()


def create_tables(db: sqlite_utils.Database, desc: dict[str, Any]) -> None:
    """Every table of the package, empty, with types, keys and unique fields; the search
    tables (of ``sections`` and the site's)."""
    for res in desc["resources"]:  # in package order: referenced tables come first
        name, sch = res["name"], res["schema"]
        fields = sch["fields"]
        required = {f["name"] for f in fields if f.get("constraints", {}).get("required")}
        fks = [
            (fk["fields"][0], fk["reference"]["resource"] or name, fk["reference"]["fields"][0])
            for fk in sch.get("foreignKeys", [])
            if len(fk["fields"]) == 1
        ]
        pk = sch["primaryKey"]
        db.table(name).create(
            {f["name"]: SQL_TYPE[f["type"]] for f in fields},
            pk=tuple(pk) if len(pk) > 1 else pk[0],
            not_null=required,
            foreign_keys=fks,
        )
        for f in fields:
            if f.get("constraints", {}).get("unique") and pk != [f["name"]]:
                db.table(name).create_index([f["name"]], unique=True)
    for name, columns in search_tables().items():  # created empty; filled as rows arrive
        enable_search(db, name, columns)


def create_indexes(db: sqlite_utils.Database, desc: dict[str, Any]) -> None:
    """Index the single-field foreign keys and :data:`EXTRA_INDEXES` — except where another
    index (the primary key's, or one the site declares) starts with the same columns: SQLite
    uses that one as well, and the database is smaller to copy and quicker to build."""
    site: dict[str, list[list[str]]] = declared()["indexes"]
    for res in desc["resources"]:
        name = res["name"]
        table = db.table(name)
        wanted = [fk["fields"] for fk in res["schema"].get("foreignKeys", [])]
        wanted = [f for f in wanted if len(f) == 1] + EXTRA_INDEXES.get(name, [])
        longer = [res["schema"].get("primaryKey", []), *site.get(name, []), *wanted]
        for cols in wanted:
            if not covered(cols, longer):
                table.create_index(cols, if_not_exists=True)


def covered(columns: list[str], indexes: list[list[str]]) -> bool:
    """Whether one of ``indexes`` begins with ``columns`` and goes further.

    >>> covered(["report_id"], [["report_id", "check", "subject"]])
    True
    >>> covered(["status"], [["severity", "status"]])
    False
    """
    n = len(columns)
    return any(len(other) > n and list(other[:n]) == list(columns) for other in indexes)


# ---------------------------------------------------------------------------------------------
# The chunk databases


def create_shard(conn: sqlite3.Connection) -> None:
    """The tables of a chunk's database (see the module docstring)."""
    for name in PER_REPORT:
        cols = ", ".join(
            f"[{f['name']}] {SQL_TYPE[f['type']]}" for f in schema.resource(name)["fields"]
        )
        conn.execute(f"CREATE TABLE [{name}] ({cols})")
    for name, columns in search_columns().items():
        key = schema.resource(name)["primary_key"]
        conn.execute(f"CREATE TABLE [fts_{name}] ({', '.join(f'[{c}]' for c in key + columns)})")


@cache
def _search_cells(name: str) -> tuple[list[int], list[int]]:
    """Positions of a searched table's primary key and searched columns."""
    names = schema.field_names(name)
    key = schema.resource(name)["primary_key"]
    return [names.index(c) for c in key], [names.index(c) for c in search_columns()[name]]


def _segmented(name: str, rows: list[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    """The rows of ``fts_<name>`` for typed rows of a searched table."""
    key, columns = _search_cells(name)
    for row in rows:
        yield (
            *(row[i] for i in key),
            *(segment(row[i]) if isinstance(row[i], str) else row[i] for i in columns),
        )


def insert_shard_rows(conn: sqlite3.Connection, name: str, cells: list[list[str]]) -> None:
    """Add a report's CSV cells of resource ``name`` to a chunk database, typed, with the
    segmented text of its searched columns."""
    if not cells:
        return
    rows = list(typed(name, cells))
    marks = ", ".join("?" * len(rows[0]))
    conn.executemany(f"INSERT INTO [{name}] VALUES ({marks})", rows)
    if name in search_columns():
        marks = ", ".join("?" * sum(map(len, _search_cells(name))))
        conn.executemany(f"INSERT INTO [fts_{name}] VALUES ({marks})", _segmented(name, rows))


def chunk_tables(chunks: Sequence[Path]) -> list[str]:
    """The resources the chunk databases hold (their search tables aside)."""
    if not chunks:
        return []
    conn = sqlite3.connect(sqlite_uri(Path(chunks[0]), mode="ro"), uri=True)
    try:
        return [
            r[0]
            for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not r[0].startswith("fts_")
        ]
    finally:
        conn.close()
