"""Query: SQL over the Parquet dataset of a build (``parquet/``) with DuckDB.

Each resource is a view of the same name over its files, as ``parquet/parquet.json`` lists
them: the resource's columns, as in the CSV files and the database, and — for a resource
partitioned by year that has no ``year`` column (``statistics``, ``sections`` …) — the
partition's ``year`` last, so that DuckDB reads only the years a query asks for. A query
written for the database runs here as it is, on a collection larger than SQLite serves
comfortably::

    ogi query "SELECT year, count(*) FROM statistics GROUP BY year ORDER BY year"

The same one-liner without ogi, in DuckDB (hive partitioning gives ``statistics`` its year)::

    duckdb -c "SELECT year, count(*) FROM 'parquet/statistics/**/*.parquet' GROUP BY year"

:func:`duckdb_sql` turns the site's canned queries (SQLite, ``:name`` parameters) into
DuckDB's dialect: parameters as ``$name``, and ``cast`` as ``try_cast`` (the canned queries
guard their casts with ``:year = '' or …``, which SQLite does not evaluate further and
DuckDB may).

>>> duckdb_sql("select 1 where :year = '' or year = cast(:year as integer)")
"select 1 where $year = '' or year = try_cast($year as integer)"
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import duckdb

from .. import formats
from ..errors import OgiError

DESCRIPTOR = Path("parquet") / "parquet.json"


def connect(out: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with a view per resource over the Parquet files of the
    build in ``out``."""
    desc = out / DESCRIPTOR
    try:
        body = json.loads(desc.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise OgiError(
            f"{desc}: no Parquet dataset here; run `ogi build` first or give --out the build's folder"
        ) from None
    conn = duckdb.connect(":memory:")
    _functions(conn)
    root = desc.parent
    for res in body["resources"]:
        paths = [str(root / f["path"]) for f in res["files"]]
        listed = ", ".join("'" + p.replace("'", "''") + "'" for p in paths)
        own_year = any(c["name"] == "year" for c in res["schema"])
        hive = (
            "true, hive_types = {'year': INTEGER}"
            if res["partitioning"] and not own_year
            else "false"
        )
        conn.execute(
            f'CREATE VIEW "{res["name"]}" AS SELECT * FROM read_parquet([{listed}], '
            f"hive_partitioning = {hive})"
        )
    return conn


def run(out: Path, sql: str, params: dict[str, Any] | None = None) -> tuple[list[str], list[tuple]]:
    """Run ``sql`` over the dataset of ``out``; the column names and the rows."""
    conn = connect(out)
    try:
        cur = conn.execute(sql, params or None)
        names = [d[0] for d in cur.description or []]
        return names, cur.fetchall()
    except duckdb.Error as e:
        first = str(e).strip().splitlines()[0]
        raise OgiError(f"the query failed: {first}") from None
    finally:
        conn.close()


def duckdb_sql(sql: str) -> str:
    """A canned query of the site in DuckDB's dialect (see the module docstring)."""
    sql = re.sub(r"(?<![:\w]):(\w+)", r"$\1", sql)
    return re.sub(r"\bcast\(", "try_cast(", sql, flags=re.IGNORECASE)


def _label(column: str | None, code: str | None) -> str | None:
    """``ogi_label(column, code)``, as on the site: the code's label, ``zh / en``, or the code."""
    label = formats.code_label(str(column), code)
    return f"{label[0]} / {label[1]}" if label else code


def _functions(conn: duckdb.DuckDBPyConnection) -> None:
    """The SQL functions the site's canned queries call (see :mod:`ogi.serve.plugin`)."""
    from duckdb.sqltypes import VARCHAR

    conn.create_function("ogi_province", formats.province_name, [VARCHAR], VARCHAR)
    conn.create_function("ogi_label", _label, [VARCHAR, VARCHAR], VARCHAR)
