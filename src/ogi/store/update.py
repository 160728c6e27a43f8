"""Update: an incremental build's change to the published database, or to a copy of it —
the rows of the reports removed taken out, those of the reports parsed added, the resources
made anew by every build replaced — its keys checked before ``COMMIT``; its facet counts kept
exact (:mod:`ogi.store.facets`).

>>> update(db, package, removed, chunks, ["rejects"], stamp, scratch)  # doctest: +SKIP
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import orjson

from . import facets
from .load import Clock, insert_csv, invalid, search_from
from .search import segment
from .tables import chunk_tables, create_shard, q, search_tables, sqlite_uri
from .views import table_facets, view_facets

IN_PLACE_CACHE_KB = 256 * 1024  # page cache of an update in place (see ogi.build.update)


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
    names = chunk_tables(chunks)
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
    clock = Clock(seconds)
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
        counted = facets.present(conn)  # a database made before them: counted at the end
        rewritten = list(rewritten)
        with facets.suspended(conn, table_facets() if counted else {}, rewritten):
            for name in rewritten:
                conn.execute(f"DELETE FROM {q(name)}")
                res = next(r for r in desc["resources"] if r["name"] == name)
                insert_csv(conn, package.parent, res)
        for name in names:
            keep, params = kept.get(name, ("", []))
            conn.execute(
                f"INSERT INTO main.{q(name)} SELECT * FROM delta.{q(name)} {keep} ORDER BY rowid",
                params,
            )
        if delta is not None:
            for table in search_tables():
                search_from(conn, table, "delta")
        clock.lap("rows")
        if _broken_keys(conn, desc, before, gone):
            raise sqlite3.IntegrityError("foreign key")
        clock.lap("keys")
        if counted:
            facets.recount_views(conn, view_facets())
        else:
            facets.create_declared(conn)
        clock.lap("facets")
        conn.execute(f"PRAGMA user_version = {int(stamp)}")
        counts = {
            r["name"]: conn.execute(f"SELECT count(*) FROM {q(r['name'])}").fetchone()[0]
            for r in desc["resources"]
        }
        if before_commit is not None:
            before_commit(counts)
        conn.execute("COMMIT")
    except sqlite3.IntegrityError:
        conn.close()
        raise invalid(package) from None
    finally:
        conn.close()
    return counts


def _merge_chunks(path: Path, chunks: Sequence[Path]) -> Path:
    """One database holding the rows of every chunk database, in order."""
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("BEGIN")
    create_shard(conn)
    conn.execute("COMMIT")
    names = [*chunk_tables(chunks), *(f"fts_{t}" for t in search_tables())]
    for chunk in chunks:
        conn.execute("ATTACH DATABASE ? AS c", [str(chunk)])
        conn.execute("BEGIN")
        for name in names:
            conn.execute(f"INSERT INTO main.{q(name)} SELECT * FROM c.{q(name)} ORDER BY rowid")
        conn.execute("COMMIT")
        conn.execute("DETACH DATABASE c")
    conn.close()
    return path


def _max_rowid(conn: sqlite3.Connection, table: str) -> int:
    return int(conn.execute(f"SELECT coalesce(max(rowid), 0) FROM {q(table)}").fetchone()[0])


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
                        f"{q(field)} FROM {q(name)} WHERE report_id IN temp.removed",
                        [name, field],
                    )
        conn.execute(f"DELETE FROM {q(name)} WHERE report_id IN temp.removed")


def _unindex(conn: sqlite3.Connection, table: str, where: str, params: Sequence[Any] = ()) -> None:
    """Take the rows of ``table`` matching ``where`` out of its search table (if it has one)."""
    columns = search_tables().get(table)
    if not columns:
        return
    cols = ", ".join(q(c) for c in columns)
    rows = conn.execute(f"SELECT rowid, {cols} FROM {q(table)} {where}", params).fetchall()
    conn.executemany(
        f"INSERT INTO {q(table + '_fts')} ({q(table + '_fts')}, rowid, {cols}) "
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
    where, params = f"WHERE {q(field)} = ?", [value]
    keep: tuple[str, list[str]] = ("", [])
    if has_delta:
        res = next(r for r in desc["resources"] if r["name"] == table)
        cols = ", ".join(q(f["name"]) for f in res["schema"]["fields"])
        key = ", ".join(q(k) for k in res["schema"]["primaryKey"])
        t, same = q(table), "temp." + q("same_" + table)
        conn.execute(f"DROP TABLE IF EXISTS {same}")
        conn.execute(
            f"CREATE TABLE {same} AS SELECT {key} FROM "
            f"(SELECT {cols} FROM main.{t} {where} INTERSECT SELECT {cols} FROM delta.{t} {where})",
            [value, value],
        )
        keep = (f"WHERE NOT ({q(field)} = ? AND ({key}) IN (SELECT {key} FROM {same}))", [value])
        where += f" AND ({key}) NOT IN (SELECT {key} FROM {same})"
    _delete(conn, table, where, params)
    return keep


def _delete(conn: sqlite3.Connection, table: str, where: str, params: Sequence[Any]) -> None:
    """Delete rows of a table nothing refers to, their search entries first."""
    _unindex(conn, table, where, params)
    conn.execute(f"DELETE FROM {q(table)} {where}", params)


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
                f"SELECT 1 FROM {q(name)} c WHERE c.rowid > ? AND c.{q(own)} IS NOT NULL "
                f"AND NOT EXISTS (SELECT 1 FROM {q(target)} p WHERE p.{q(ref_field)} = c.{q(own)}) "
                "LIMIT 1",
                [before[name]],
            ).fetchone()
            orphaned = (
                gone
                and conn.execute(
                    f"SELECT 1 FROM temp.gone g JOIN {q(name)} c ON c.{q(own)} = g.value "
                    "WHERE g.tbl = ? AND g.field = ? "
                    f"AND NOT EXISTS (SELECT 1 FROM {q(target)} p WHERE p.{q(ref_field)} = g.value) "
                    "LIMIT 1",
                    [target, ref_field],
                ).fetchone()
            )
            if dangling or orphaned:
                return True
    return False
