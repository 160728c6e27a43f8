"""Load: a built Data Package → a SQLite database, with its keys checked on the way in.

Tables, column types, primary keys and foreign keys come from the package's Table Schemas
(:mod:`ogi.store.tables`); every foreign-key column and the columns people filter on are
indexed; ``sections`` gets Chinese full-text search (see :mod:`ogi.store.search`); the site
adds its views and indexes (:func:`ogi.store.views.create_views`).

Loading is also the part of validation no single report can do: SQLite enforces the primary
keys and unique fields as rows go in, and ``PRAGMA foreign_key_check`` finds every foreign key
that points nowhere. The cells themselves are checked before (:mod:`ogi.package.fastcheck`).
When anything is wrong, :class:`InvalidPackage` carries exactly the errors frictionless finds.

Rows come either from the CSV files (``load(package, db)``) or, in a build, from the chunk
databases its workers wrote (``load(package, db, chunks=...)``): then SQLite copies them
with ``INSERT … SELECT``, and no Python object is made per row. An incremental build updates
the published database, or a copy of it (:func:`ogi.store.update.update`).

No ``ANALYZE``: its statistics would differ between a database built at once and one updated
report by report, and SQLite plans these queries well without them.

>>> load(Path("datapackage.json"), Path("build/ogi.db"))  # doctest: +SKIP
"""

from __future__ import annotations

import csv
import json
import sqlite3
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import sqlite_utils

from ..package import fastcheck, schema
from . import facets
from .search import segment
from .tables import chunk_tables, create_indexes, create_tables, q, search_tables, typed
from .views import create_views

ATTACH_AT_ONCE = 8  # chunk databases attached together (SQLite allows 10)
PAGE_SIZE = 16384


class InvalidPackage(Exception):
    """A package with errors; ``problems`` are the lines frictionless would print."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(problems[0] if problems else "invalid package")


def _connect(db_path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -32768")  # 32 MB, whatever the size of the build
    # index sorts in helper threads: at 100,000 reports statistics' five-column index takes
    # 18.8 s so, 30.0 s in one thread (a cache of 256 MB: 33.0 s); the index is the same
    conn.execute("PRAGMA threads = 2")
    return conn


def insert_csv(conn: sqlite3.Connection, root: Path, res: dict[str, Any]) -> int:
    table = fastcheck.layout(res, root)
    marks = ", ".join("?" * len(table.names))
    n = 0
    for block in fastcheck.blocks(fastcheck.read_rows(table)):
        conn.executemany(
            f"INSERT INTO {q(res['name'])} VALUES ({marks})", typed(res["name"], block)
        )
        n += len(block)
    return n


def _fill_search(conn: sqlite3.Connection, table: str, columns: list[str], where: str = "") -> None:
    """Add the rows of ``table`` (those matching ``where``) to its search table."""
    cols = ", ".join(q(c) for c in columns)
    rows = conn.execute(f"SELECT rowid, {cols} FROM {q(table)} {where} ORDER BY rowid")
    conn.executemany(
        f"INSERT INTO {q(table + '_fts')} (rowid, {cols}) VALUES (?{', ?' * len(columns)})",
        ((r[0], *(segment(v) if isinstance(v, str) else v for v in r[1:])) for r in rows),
    )


def _copy_chunks(conn: sqlite3.Connection, names: Sequence[str], chunks: Sequence[Path]) -> None:
    """Copy the rows of the chunk databases, in chunk order, with SQL."""
    for first in range(0, len(chunks), ATTACH_AT_ONCE):
        batch = chunks[first : first + ATTACH_AT_ONCE]
        aliases = [f"chunk{i}" for i in range(len(batch))]
        for alias, path in zip(aliases, batch, strict=True):
            conn.execute("ATTACH DATABASE ? AS " + alias, [str(path)])
        conn.execute("BEGIN")
        for name in names:
            for alias in aliases:
                conn.execute(
                    f"INSERT INTO main.{q(name)} SELECT * FROM {alias}.{q(name)} ORDER BY rowid"
                )
            if name in search_tables():
                for alias in aliases:
                    search_from(conn, name, alias)
        conn.execute("COMMIT")
        for alias in aliases:
            conn.execute("DETACH DATABASE " + alias)


def search_from(conn: sqlite3.Connection, table: str, source: str) -> None:
    """Add to ``table``'s search table the text a worker segmented (``source.fts_<table>``),
    under the rowids its rows got here (found by their primary key)."""
    columns = ", ".join(q(c) for c in search_tables()[table])
    on = " AND ".join(f"b.{q(k)} = f.{q(k)}" for k in schema.resource(table)["primary_key"])
    conn.execute(
        f"INSERT INTO main.{q(table + '_fts')} (rowid, {columns}) "
        f"SELECT b.rowid, {', '.join('f.' + q(c) for c in search_tables()[table])} "
        f"FROM {source}.{q('fts_' + table)} f JOIN main.{q(table)} b ON {on} ORDER BY f.rowid"
    )


def invalid(package: Path) -> InvalidPackage:
    return InvalidPackage(fastcheck.errors(package) or ["the database refused a row"])


def load(
    package: Path,
    db_path: Path,
    chunks: Sequence[Path] = (),
    stamp: int = 0,
    checked: bool = False,
    seconds: dict[str, float] | None = None,
) -> dict[str, int]:
    """Create ``db_path`` (replacing it) from the package; return row counts per table.

    ``chunks``: the chunk databases of a build, holding the rows of the per-report
    resources (the others are read from their CSV files). ``checked``: the cells were
    checked already. ``stamp`` becomes the database's ``user_version``. ``seconds``: filled
    with the time each step took (rows, keys, indexes, views). Raises InvalidPackage when
    the package has any error frictionless would find.
    """
    desc = json.loads(package.read_text(encoding="utf-8"))
    if not checked:
        try:
            fastcheck.rows_clean(package)
        except fastcheck.Dirty:
            raise invalid(package) from None
    if db_path.exists():
        db_path.unlink()
    conn = _connect(db_path)
    db = sqlite_utils.Database(conn)
    from_chunks = set(chunk_tables(chunks))
    counts: dict[str, int] = {}
    clock = Clock(seconds)
    try:
        create_tables(db, desc)
        conn.execute("BEGIN")
        for res in desc["resources"]:
            if res["name"] not in from_chunks:
                counts[res["name"]] = insert_csv(conn, package.parent, res)
        for name, columns in search_tables().items():
            if name not in from_chunks:
                _fill_search(conn, name, columns)
        conn.execute("COMMIT")
        _copy_chunks(
            conn, [r["name"] for r in desc["resources"] if r["name"] in from_chunks], chunks
        )
        for name in from_chunks:
            counts[name] = conn.execute(f"SELECT count(*) FROM {q(name)}").fetchone()[0]
        clock.lap("rows")
        if conn.execute("PRAGMA foreign_key_check").fetchone() is not None:
            raise invalid(package)
        clock.lap("keys")
    except sqlite3.IntegrityError:
        conn.close()
        raise invalid(package) from None
    create_indexes(db, desc)
    conn.execute(f"PRAGMA user_version = {int(stamp)}")
    clock.lap("indexes")
    create_views(db, search=False)  # the site's views and indexes (ogi/store/views.yml)
    with conn:
        facets.create_declared(conn)  # what unfiltered pages show
    clock.lap("views")
    conn.close()
    return {r["name"]: counts[r["name"]] for r in desc["resources"]}


class Clock:
    """Laps of a load, into a dict of seconds (or nowhere)."""

    def __init__(self, seconds: dict[str, float] | None) -> None:
        self.seconds, self.t = seconds, time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        if self.seconds is not None:
            self.seconds[name] = self.seconds.get(name, 0.0) + now - self.t
        self.t = now


def read_csv_rows(path: Path) -> Iterator[list[str]]:
    """The data rows of a CSV file of the package (after its header)."""
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        next(reader, None)
        yield from reader
