"""Load: a built Data Package → a SQLite database, with its keys checked on the way in.

Tables, column types, primary keys and foreign keys come from the package's Table Schemas;
every foreign-key column and the columns people filter on are indexed; ``sections`` gets
Chinese full-text search (see :mod:`ogi.search`); the site adds its views and indexes
(:func:`ogi.serve.views.create_views`).

Types: string and date → TEXT, integer → INTEGER, number → NUMERIC affinity (declared
``ANY``), so 1630 stays an integer and 99.66 a real, as in the CSV.

Loading is also the part of validation no single report can do: SQLite enforces the primary
keys and unique fields as rows go in, and ``PRAGMA foreign_key_check`` finds every foreign key
that points nowhere. The cells themselves are checked before (:mod:`ogi.fastcheck`). When
anything is wrong, :class:`InvalidPackage` carries exactly the errors frictionless finds.

Rows come either from the CSV files (``load(package, db)``) or, in a build, from the chunk
databases its workers wrote (``load(package, db, chunks=...)``): then SQLite copies them
with ``INSERT … SELECT``, and no Python object is made per row. An incremental build updates
the published database, or a copy of it (:func:`update`).

No ``ANALYZE``: its statistics would differ between a database built at once and one updated
report by report, and SQLite plans these queries well without them.

>>> load(Path("datapackage.json"), Path("build/ogi.db"))  # doctest: +SKIP
"""

from __future__ import annotations

import csv
import json
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import orjson
import sqlite_utils

from ..build.chunk import SQL_TYPE, typed
from ..package import fastcheck, schema
from .search import enable_search, segment
from .views import create_views, declared

_SQL_TYPE = SQL_TYPE

# Columns indexed beyond primary and foreign keys: what the site filters and facets on.
EXTRA_INDEXES: dict[str, list[list[str]]] = {
    "reports": [["year"], ["province"], ["issuer"], ["generation"]],
    "statistics": [["indicator"], ["column"]],
    "figures": [["unit"], ["kind"], ["measure"]],
    "checks": [["status"], ["check"]],
    "summary": [["year"], ["issuer"]],
}
SEARCH = {"sections": ["heading", "body"]}
IN_PLACE_CACHE_KB = 256 * 1024  # page cache of an update in place (see ogi.build._small)
ATTACH_AT_ONCE = 8  # chunk databases attached together (SQLite allows 10)
PAGE_SIZE = 16384


class InvalidPackage(Exception):
    """A package with errors; ``problems`` are the lines frictionless would print."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(problems[0] if problems else "invalid package")


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sqlite_uri(path: Path, **query: str) -> str:
    """The URI SQLite opens ``path`` by (``uri=True``), with ``query`` parameters; the path
    escaped, so that a ``?``, ``#`` or ``%`` in it is part of the name.

    >>> sqlite_uri(Path("/a?b #c/ogi.db"), mode="ro")
    'file:///a%3Fb%20%23c/ogi.db?mode=ro'
    """
    return path.resolve().as_uri() + ("?" + urlencode(query) if query else "")


def _connect(db_path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -32768")  # 32 MB, whatever the size of the build
    return conn


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


def _insert_csv(conn: sqlite3.Connection, root: Path, res: dict[str, Any]) -> int:
    table = fastcheck.layout(res, root)
    marks = ", ".join("?" * len(table.names))
    n = 0
    for block in fastcheck.blocks(fastcheck.read_rows(table)):
        conn.executemany(
            f"INSERT INTO {_q(res['name'])} VALUES ({marks})", typed(res["name"], block)
        )
        n += len(block)
    return n


def _fill_search(conn: sqlite3.Connection, table: str, columns: list[str], where: str = "") -> None:
    """Add the rows of ``table`` (those matching ``where``) to its search table."""
    cols = ", ".join(_q(c) for c in columns)
    rows = conn.execute(f"SELECT rowid, {cols} FROM {_q(table)} {where} ORDER BY rowid")
    conn.executemany(
        f"INSERT INTO {_q(table + '_fts')} (rowid, {cols}) VALUES (?{', ?' * len(columns)})",
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
                    f"INSERT INTO main.{_q(name)} SELECT * FROM {alias}.{_q(name)} ORDER BY rowid"
                )
            if name in search_tables():
                for alias in aliases:
                    _search_from(conn, name, alias)
        conn.execute("COMMIT")
        for alias in aliases:
            conn.execute("DETACH DATABASE " + alias)


def _search_from(conn: sqlite3.Connection, table: str, source: str) -> None:
    """Add to ``table``'s search table the text a worker segmented (``source.fts_<table>``),
    under the rowids its rows got here (found by their primary key)."""
    columns = ", ".join(_q(c) for c in search_tables()[table])
    on = " AND ".join(f"b.{_q(k)} = f.{_q(k)}" for k in schema.resource(table)["primary_key"])
    conn.execute(
        f"INSERT INTO main.{_q(table + '_fts')} (rowid, {columns}) "
        f"SELECT b.rowid, {', '.join('f.' + _q(c) for c in search_tables()[table])} "
        f"FROM {source}.{_q('fts_' + table)} f JOIN main.{_q(table)} b ON {on} ORDER BY f.rowid"
    )


def _indexes(db: sqlite_utils.Database, desc: dict[str, Any]) -> None:
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


def _invalid(package: Path) -> InvalidPackage:
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
            raise _invalid(package) from None
    if db_path.exists():
        db_path.unlink()
    conn = _connect(db_path)
    db = sqlite_utils.Database(conn)
    from_chunks = set(_chunk_tables(chunks))
    counts: dict[str, int] = {}
    clock = _Clock(seconds)
    try:
        create_tables(db, desc)
        conn.execute("BEGIN")
        for res in desc["resources"]:
            if res["name"] not in from_chunks:
                counts[res["name"]] = _insert_csv(conn, package.parent, res)
        for name, columns in search_tables().items():
            if name not in from_chunks:
                _fill_search(conn, name, columns)
        conn.execute("COMMIT")
        _copy_chunks(
            conn, [r["name"] for r in desc["resources"] if r["name"] in from_chunks], chunks
        )
        for name in from_chunks:
            counts[name] = conn.execute(f"SELECT count(*) FROM {_q(name)}").fetchone()[0]
        clock.lap("rows")
        if conn.execute("PRAGMA foreign_key_check").fetchone() is not None:
            raise _invalid(package)
        clock.lap("keys")
    except sqlite3.IntegrityError:
        conn.close()
        raise _invalid(package) from None
    _indexes(db, desc)
    conn.execute(f"PRAGMA user_version = {int(stamp)}")
    clock.lap("indexes")
    create_views(db, search=False)  # the site's views and indexes (ogi/serve/views.yml)
    clock.lap("views")
    conn.close()
    return {r["name"]: counts[r["name"]] for r in desc["resources"]}


class _Clock:
    """Laps of a load, into a dict of seconds (or nowhere)."""

    def __init__(self, seconds: dict[str, float] | None) -> None:
        self.seconds, self.t = seconds, time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        if self.seconds is not None:
            self.seconds[name] = self.seconds.get(name, 0.0) + now - self.t
        self.t = now


def _chunk_tables(chunks: Sequence[Path]) -> list[str]:
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


def search_tables() -> dict[str, list[str]]:
    """Every table with a full-text index, and its columns (ours and the site's)."""
    from .views import search_columns

    return search_columns()


def update(
    db_path: Path,
    package: Path,
    removed: Iterable[str],
    chunks: Sequence[Path],
    rewritten: Iterable[str],
    stamp: int,
    scratch: Path,
    seconds: dict[str, float] | None = None,
    replaced: Iterable[tuple[str, str, str]] = (),
    in_place: bool = False,
    before_commit: Callable[[dict[str, int]], None] | None = None,
) -> dict[str, int]:
    """Change the published database, or a copy of it, to match a package that differs
    from the one it holds by the reports ``removed`` (report ids), the reports in ``chunks``
    and the resources ``rewritten`` whole (read from their CSV files); return row counts
    per table.

    ``replaced``: (table, field, value) — rows made anew by every build (the checks across
    reports), whatever report they belong to: their new rows come in ``chunks``, and the
    database ends up with exactly those (only the rows that changed are deleted and
    inserted).

    ``scratch``: a folder for working files. A copy is written without a journal: when
    anything fails it is thrown away, never published. ``in_place``: the database is the
    published one, changed in one transaction with SQLite's journal (synced): a failure or a
    kill before ``COMMIT`` leaves it as it was. The new rows come from one database merged
    from the chunks, attached read-only: the transaction writes the published database
    alone (one that wrote two would be committed through a super-journal, a file beside the
    published database that a kill during ``COMMIT`` leaves there).

    ``before_commit(counts)`` is called last before ``COMMIT`` (an exception there rolls
    back). Raises InvalidPackage when a key breaks (a primary key twice, a foreign key
    pointing nowhere)."""
    desc = orjson.loads(package.read_bytes())
    names = _chunk_tables(chunks)
    delta = _merge_chunks(scratch / "delta.db", chunks) if chunks else None
    # opened by URI, so that the delta can be attached read-only whatever SQLite's build
    conn = sqlite3.connect(sqlite_uri(db_path), uri=True, isolation_level=None)
    if in_place:
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute(f"PRAGMA cache_size = {-IN_PLACE_CACHE_KB}")  # changes kept till COMMIT
    else:
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
    clock = _Clock(seconds)
    try:
        if delta is not None:
            conn.execute("ATTACH DATABASE ? AS delta", [sqlite_uri(delta, mode="ro")])
        conn.execute("BEGIN")
        gone = sorted(set(removed))
        _remove(conn, desc, gone)
        kept = {
            table: _replace(conn, desc, table, field, value, delta is not None)
            for table, field, value in replaced
        }
        before = {n: _max_rowid(conn, n) for n in (r["name"] for r in desc["resources"])}
        for name in rewritten:
            conn.execute(f"DELETE FROM {_q(name)}")
            res = next(r for r in desc["resources"] if r["name"] == name)
            _insert_csv(conn, package.parent, res)
        for name in names:
            keep, params = kept.get(name, ("", []))
            conn.execute(
                f"INSERT INTO main.{_q(name)} SELECT * FROM delta.{_q(name)} {keep} ORDER BY rowid",
                params,
            )
        if delta is not None:
            for table in search_tables():
                _search_from(conn, table, "delta")
        clock.lap("rows")
        if _broken_keys(conn, desc, before, gone):
            raise sqlite3.IntegrityError("foreign key")
        clock.lap("keys")
        conn.execute(f"PRAGMA user_version = {int(stamp)}")
        counts = {
            r["name"]: conn.execute(f"SELECT count(*) FROM {_q(r['name'])}").fetchone()[0]
            for r in desc["resources"]
        }
        if before_commit is not None:
            before_commit(counts)
        conn.execute("COMMIT")
    except sqlite3.IntegrityError:
        conn.close()
        raise _invalid(package) from None
    finally:
        conn.close()
    return counts


def _merge_chunks(path: Path, chunks: Sequence[Path]) -> Path:
    """One database holding the rows of every chunk database, in order."""
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    from ..build.chunk import create_shard

    conn.execute("BEGIN")
    create_shard(conn)
    conn.execute("COMMIT")
    names = [*_chunk_tables(chunks), *(f"fts_{t}" for t in search_tables())]
    for chunk in chunks:
        conn.execute("ATTACH DATABASE ? AS c", [str(chunk)])
        conn.execute("BEGIN")
        for name in names:
            conn.execute(f"INSERT INTO main.{_q(name)} SELECT * FROM c.{_q(name)} ORDER BY rowid")
        conn.execute("COMMIT")
        conn.execute("DETACH DATABASE c")
    conn.close()
    return path


def _max_rowid(conn: sqlite3.Connection, table: str) -> int:
    return int(conn.execute(f"SELECT coalesce(max(rowid), 0) FROM {_q(table)}").fetchone()[0])


def _remove(conn: sqlite3.Connection, desc: dict[str, Any], report_ids: list[str]) -> None:
    """Delete the rows of reports, their search entries first; the keys they held go to
    ``temp.gone`` (table, field, value) for the foreign-key check."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS gone (tbl TEXT, field TEXT, value)")
    conn.execute("DELETE FROM temp.gone")
    if not report_ids:
        return
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS removed (report_id TEXT PRIMARY KEY)")
    conn.execute("DELETE FROM temp.removed")
    conn.executemany("INSERT INTO temp.removed VALUES (?)", ((r,) for r in report_ids))
    per_report = [
        r for r in desc["resources"] if "report_id" in (f["name"] for f in r["schema"]["fields"])
    ]
    for table in search_tables():
        _unindex(conn, table, "WHERE report_id IN temp.removed")
    for res in per_report:
        name = res["name"]
        for other in desc["resources"]:
            for fk in other["schema"].get("foreignKeys", []):
                target = fk["reference"]["resource"] or other["name"]
                if target == name:
                    (field,) = fk["reference"]["fields"]
                    conn.execute(
                        "INSERT INTO temp.gone SELECT ?, ?, "
                        f"{_q(field)} FROM {_q(name)} WHERE report_id IN temp.removed",
                        [name, field],
                    )
        conn.execute(f"DELETE FROM {_q(name)} WHERE report_id IN temp.removed")


def _unindex(conn: sqlite3.Connection, table: str, where: str, params: Sequence[Any] = ()) -> None:
    """Take the rows of ``table`` matching ``where`` out of its search table (if it has one)."""
    columns = search_tables().get(table)
    if not columns:
        return
    cols = ", ".join(_q(c) for c in columns)
    rows = conn.execute(f"SELECT rowid, {cols} FROM {_q(table)} {where}", params).fetchall()
    conn.executemany(
        f"INSERT INTO {_q(table + '_fts')} ({_q(table + '_fts')}, rowid, {cols}) "
        f"VALUES ('delete', ?{', ?' * len(columns)})",
        ((r[0], *(segment(v) if isinstance(v, str) else v for v in r[1:])) for r in rows),
    )


def _replace(
    conn: sqlite3.Connection,
    desc: dict[str, Any],
    table: str,
    field: str,
    value: str,
    has_delta: bool,
) -> tuple[str, list[str]]:
    """Make way for the rows of ``table`` made anew by every build (``field`` = ``value``):
    those the delta holds exactly as the database does stay where they are, the others are
    deleted (their new versions come with the delta's rows). Return the condition (and its
    parameters) that leaves the kept ones out of the delta's rows: the delta is read-only."""
    where, params = f"WHERE {_q(field)} = ?", [value]
    keep: tuple[str, list[str]] = ("", [])
    if has_delta:
        res = next(r for r in desc["resources"] if r["name"] == table)
        cols = ", ".join(_q(f["name"]) for f in res["schema"]["fields"])
        key = ", ".join(_q(k) for k in res["schema"]["primaryKey"])
        t, same = _q(table), "temp." + _q("same_" + table)
        conn.execute(f"DROP TABLE IF EXISTS {same}")
        conn.execute(
            f"CREATE TABLE {same} AS SELECT {key} FROM "
            f"(SELECT {cols} FROM main.{t} {where} INTERSECT SELECT {cols} FROM delta.{t} {where})",
            [value, value],
        )
        keep = (f"WHERE NOT ({_q(field)} = ? AND ({key}) IN (SELECT {key} FROM {same}))", [value])
        where += f" AND ({key}) NOT IN (SELECT {key} FROM {same})"
    _delete(conn, table, where, params)
    return keep


def _delete(conn: sqlite3.Connection, table: str, where: str, params: Sequence[Any]) -> None:
    """Delete rows of a table nothing refers to, their search entries first."""
    _unindex(conn, table, where, params)
    conn.execute(f"DELETE FROM {_q(table)} {where}", params)


def _broken_keys(
    conn: sqlite3.Connection, desc: dict[str, Any], before: dict[str, int], gone: list[str]
) -> bool:
    """True when a new row points nowhere, or a row points to one that was removed."""
    for res in desc["resources"]:
        name = res["name"]
        for fk in res["schema"].get("foreignKeys", []):
            (own,) = fk["fields"]
            (ref_field,) = fk["reference"]["fields"]
            target = fk["reference"]["resource"] or name
            dangling = conn.execute(
                f"SELECT 1 FROM {_q(name)} c WHERE c.rowid > ? AND c.{_q(own)} IS NOT NULL "
                f"AND NOT EXISTS (SELECT 1 FROM {_q(target)} p WHERE p.{_q(ref_field)} = c.{_q(own)}) "
                "LIMIT 1",
                [before[name]],
            ).fetchone()
            orphaned = (
                gone
                and conn.execute(
                    f"SELECT 1 FROM temp.gone g JOIN {_q(name)} c ON c.{_q(own)} = g.value "
                    "WHERE g.tbl = ? AND g.field = ? "
                    f"AND NOT EXISTS (SELECT 1 FROM {_q(target)} p WHERE p.{_q(ref_field)} = g.value) "
                    "LIMIT 1",
                    [target, ref_field],
                ).fetchone()
            )
            if dangling or orphaned:
                return True
    return False


def read_csv_rows(path: Path) -> Iterator[list[str]]:
    """The data rows of a CSV file of the package (after its header)."""
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        next(reader, None)
        yield from reader
