"""Load: a built Data Package → a SQLite database (sqlite-utils).

Tables, column types, primary keys and foreign keys come from the package's Table Schemas;
every foreign-key column and the columns people filter on are indexed; ``sections`` gets
Chinese full-text search (see :mod:`ogi.search`).

Types: string and date → TEXT, integer → INTEGER, number → NUMERIC affinity (declared
``ANY``), so 1630 stays an integer and 99.66 a real, as in the CSV.

>>> load(Path("datapackage.json"), Path("build/ogi.db"))  # doctest: +SKIP
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import sqlite_utils

from .search import enable_search

_SQL_TYPE = {
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
SEARCH = {"sections": ["heading", "body"]}


def _convert(kind: str) -> Any:
    if kind == "integer":
        return int
    if kind == "number":
        return lambda s: float(s) if any(c in s for c in ".eE") else int(s)
    if kind == "boolean":
        return lambda s: int(s.lower() in {"true", "1"})
    return str


def _rows(path: Path, fields: list[dict[str, Any]]) -> Any:
    names = [f["name"] for f in fields]
    convert = [_convert(f["type"]) for f in fields]
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        next(reader)
        for raw in reader:
            yield {
                n: (c(v) if v != "" else None) for n, c, v in zip(names, convert, raw, strict=True)
            }


def load(package: Path, db_path: Path) -> dict[str, int]:
    """Create ``db_path`` (replacing it) from the package; return row counts per table."""
    desc = json.loads(package.read_text(encoding="utf-8"))
    root = package.parent
    if db_path.exists():
        db_path.unlink()
    db = sqlite_utils.Database(db_path)
    db.conn.execute("PRAGMA journal_mode = OFF")
    db.conn.execute("PRAGMA synchronous = OFF")
    counts: dict[str, int] = {}
    for res in desc["resources"]:  # in package order: referenced tables come first
        name, sch = res["name"], res["schema"]
        fields = sch["fields"]
        required = {f["name"] for f in fields if f.get("constraints", {}).get("required")}
        fks = [
            (fk["fields"][0], fk["reference"]["resource"] or name, fk["reference"]["fields"][0])
            for fk in sch.get("foreignKeys", [])
            if len(fk["fields"]) == 1
        ]
        table = db.table(name)
        table.create(
            {f["name"]: _SQL_TYPE[f["type"]] for f in fields},
            pk=tuple(sch["primaryKey"]) if len(sch["primaryKey"]) > 1 else sch["primaryKey"][0],
            not_null=required,
            foreign_keys=fks,
        )
        with db.conn:
            table.insert_all(_rows(root / res["path"], fields), batch_size=2000)
        counts[name] = table.count
        for col, _, _ in fks:
            table.create_index([col], if_not_exists=True)
        for cols in EXTRA_INDEXES.get(name, []):
            table.create_index(cols, if_not_exists=True)
    for name, columns in SEARCH.items():  # after every insert; no VACUUM after it (rowids)
        enable_search(db, name, columns)
    db.conn.execute("ANALYZE")
    db.conn.commit()
    db.close()
    return counts
