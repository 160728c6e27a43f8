"""Facet counts kept in the database, so that a table page showing all of its rows reads its
facets instead of counting them.

A table page of the site counts each of its configured facets (``views.yml``: ``facets``) over
the rows it shows. Unfiltered, that is the whole table, at every page of it (``_next``), every
sort and every visit the response cache does not answer: at 100,000 reports the first page
of ``statistics`` counts three columns over 14.4 million rows (1.5 s), the rates view five
over 100,000 joined rows (1.3 s). The database is immutable while it is served, so the counts
can be made once: ``facet_counts`` holds, for each faceted column of each table and view,
each value that is not NULL and how many rows hold it.

The load counts them (:func:`create`). An incremental update keeps them exact without
counting the tables again: triggers on each faceted table add 1 to the values of every row
inserted and take 1 away for every row deleted (a value whose count falls to 0 is deleted);
the tables an update rewrites whole are counted anew instead (:func:`suspended`), and so are
the views (:func:`recount_views`), whose rows are joins no trigger sees.

>>> import sqlite3
>>> conn = sqlite3.connect(":memory:")
>>> _ = conn.execute("CREATE TABLE t (a, b)")
>>> conn.executemany("INSERT INTO t VALUES (?, ?)", [(1, "x"), (1, None), (2, "x")])
<sqlite3.Cursor object at ...>
>>> create(conn, {"t": ["a", "b"]}, {})
>>> _ = conn.execute("DELETE FROM t WHERE a = 2")
>>> conn.execute("SELECT * FROM facet_counts ORDER BY col, value").fetchall()
[('t', 'a', 1, 2), ('t', 'b', 'x', 1)]
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager

from .tables import q
from .views import table_facets, view_facets

TABLE = "facet_counts"
Declared = Mapping[str, Sequence[str]]  # table or view → its faceted columns


def _lit(text: str) -> str:
    """An SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def create(conn: sqlite3.Connection, tables: Declared, views: Declared) -> None:
    """(Re)make ``facet_counts`` from the rows: count every declared column, and put the
    triggers on the tables. Idempotent."""
    for table in tables:
        _drop_triggers(conn, table)
    conn.execute(f"DROP TABLE IF EXISTS {TABLE}")
    # no type for value: a year stays an integer, a code a string, as in the table
    conn.execute(
        f"CREATE TABLE {TABLE} (tbl TEXT NOT NULL, col TEXT NOT NULL, value, n INTEGER NOT NULL,"
        " PRIMARY KEY (tbl, col, value)) WITHOUT ROWID"
    )
    for table, columns in tables.items():
        _count(conn, table, columns)
        _create_triggers(conn, table, columns)
    recount_views(conn, views)


def create_declared(conn: sqlite3.Connection) -> None:
    """:func:`create` for the facets ``views.yml`` declares."""
    create(conn, table_facets(), view_facets())


def present(conn: sqlite3.Connection) -> bool:
    """Whether the database keeps facet counts (a database built before them does not)."""
    found = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [TABLE])
    return found.fetchone() is not None


@contextmanager
def suspended(conn: sqlite3.Connection, tables: Declared, names: Iterable[str]) -> Iterator[None]:
    """For tables rewritten whole: their triggers off while the block runs, then their counts
    made anew and the triggers back (a rewrite would otherwise fire them at every row)."""
    counted = {name: tables[name] for name in names if name in tables}
    for table in counted:
        _drop_triggers(conn, table)
    yield
    for table, columns in counted.items():
        _count(conn, table, columns)
        _create_triggers(conn, table, columns)


def recount_views(conn: sqlite3.Connection, views: Declared) -> None:
    """Count the views' facets anew (after an update changed the tables they read). A view's
    rows are a join: made once, into a temporary table of the faceted columns, then counted
    (at 100,000 reports the rates view's five facets take 1.1 s so, 1.6 s counted one by one
    on the view)."""
    for view, columns in views.items():
        rows = "temp." + q(f"{TABLE}_{view}")
        conn.execute(f"DROP TABLE IF EXISTS {rows}")
        conn.execute(f"CREATE TABLE {rows} AS SELECT {', '.join(map(q, columns))} FROM {q(view)}")
        _count(conn, view, columns, rows)
        conn.execute(f"DROP TABLE {rows}")


def _count(
    conn: sqlite3.Connection, table: str, columns: Sequence[str], source: str | None = None
) -> None:
    """Count ``columns`` of ``table`` (its rows read from ``source``, if given)."""
    conn.execute(f"DELETE FROM {TABLE} WHERE tbl = ?", [table])
    for col in columns:
        conn.execute(
            f"INSERT INTO {TABLE} SELECT ?, ?, {q(col)}, count(*) FROM {source or q(table)} "
            f"WHERE {q(col)} IS NOT NULL GROUP BY {q(col)}",
            [table, col],
        )


def _trigger(table: str, event: str) -> str:
    return q(f"{TABLE}_{table}_{event}")


def _drop_triggers(conn: sqlite3.Connection, table: str) -> None:
    for event in ("insert", "delete", "update"):
        conn.execute(f"DROP TRIGGER IF EXISTS {_trigger(table, event)}")


def _create_triggers(conn: sqlite3.Connection, table: str, columns: Sequence[str]) -> None:
    t = _lit(table)

    def add(col: str) -> str:
        c = f"new.{q(col)}"
        return (
            f"INSERT INTO {TABLE} (tbl, col, value, n) SELECT {t}, {_lit(col)}, {c}, 1 "
            f"WHERE {c} IS NOT NULL ON CONFLICT (tbl, col, value) DO UPDATE SET n = n + 1;"
        )

    def take(col: str) -> str:
        where = f"tbl = {t} AND col = {_lit(col)} AND value = old.{q(col)}"
        return (
            f"UPDATE {TABLE} SET n = n - 1 WHERE {where};"
            f" DELETE FROM {TABLE} WHERE {where} AND n = 0;"
        )

    adds = " ".join(add(c) for c in columns)
    takes = " ".join(take(c) for c in columns)
    of = ", ".join(q(c) for c in columns)
    conn.execute(
        f"CREATE TRIGGER {_trigger(table, 'insert')} AFTER INSERT ON {q(table)} BEGIN {adds} END"
    )
    conn.execute(
        f"CREATE TRIGGER {_trigger(table, 'delete')} AFTER DELETE ON {q(table)} BEGIN {takes} END"
    )
    conn.execute(
        f"CREATE TRIGGER {_trigger(table, 'update')} AFTER UPDATE OF {of} ON {q(table)} "
        f"BEGIN {takes} {adds} END"
    )
