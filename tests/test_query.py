"""DuckDB over the Parquet dataset answers as SQLite over the database: the site's canned
queries (those DuckDB can run), the rows of every table, the summary, a GROUP BY over
statistics; and `ogi query` prints them.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import SEED

from ogi.build import build
from ogi.package import schema
from ogi.package.query import connect, duckdb_sql
from ogi.serve.plugin import prepare_connection
from ogi.store.tables import sqlite_uri
from ogi.synth import corpus

SITE = Path(__file__).resolve().parents[1] / "src" / "ogi" / "serve" / "site.yml"
OGI = Path(sys.executable).parent / "ogi"
# the canned queries DuckDB does not run, and why: SQLite's full-text search, and a column
# neither grouped nor aggregated (SQLite takes it from any row of the group)
NOT_ON_DUCKDB = {
    "cited_documents": "match",
    "search_text": "match",
    "failing_reports": "GROUP BY",
    "refusal_ranking": "GROUP BY",  # grouped by body (issuer_id), its name taken from a row
}


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    raw = tmp_path_factory.mktemp("raw")
    for syn in corpus(16, seed=11, forms=("cell_lines", "markdown", "html")):
        (raw / syn.name).write_bytes(syn.data)
    shutil.copy(SEED, raw / SEED.name)
    folder = tmp_path_factory.mktemp("out")
    build([raw], folder, jobs=1)
    return folder


def norm(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Rows as comparable values: dates as ISO text, numbers as numbers."""

    def one(v: Any) -> Any:
        if hasattr(v, "isoformat"):
            return v.isoformat()
        if isinstance(v, float):
            return round(v, 9)
        return v

    return [tuple(one(v) for v in row) for row in rows]


def both(out: Path, sql: str, params: dict[str, Any] | None = None) -> tuple[list, list]:
    lite = sqlite3.connect(sqlite_uri(out / "build" / "ogi.db", immutable="1"), uri=True)
    prepare_connection(lite)  # the site's SQL functions (ogi_province, ogi_label …)
    try:
        want = lite.execute(sql, params or {}).fetchall()
    finally:
        lite.close()
    duck = connect(out)
    try:
        got = duck.execute(duckdb_sql(sql), params or None).fetchall()
    finally:
        duck.close()
    return norm(want), norm(got)


def canned() -> dict[str, str]:
    return {n: q["sql"] for n, q in yaml.safe_load(SITE.read_text("utf-8"))["queries"].items()}


def test_rows_of_every_table(out: Path) -> None:
    for res in schema.resources():
        names = ", ".join(f'"{f}"' for f in schema.field_names(res["name"]))
        key = ", ".join(f'"{k}"' for k in res["primary_key"])
        want, got = both(out, f'SELECT {names} FROM "{res["name"]}" ORDER BY {key}')
        assert got == want, res["name"]
        assert both(out, f'SELECT count(*) FROM "{res["name"]}"')[1] == [(len(want),)]


def test_the_summary_and_a_group_by_over_statistics(out: Path) -> None:
    want, got = both(out, "SELECT * FROM summary ORDER BY report_id")
    assert got == want and len(want) == 17
    sql = (
        "SELECT r.year, s.indicator, count(*), sum(s.value), min(s.value), max(s.value) "
        "FROM statistics s JOIN reports r ON r.report_id = s.report_id "
        "GROUP BY r.year, s.indicator ORDER BY r.year, s.indicator"
    )
    want, got = both(out, sql)
    assert got == want and len(want) > 50
    # the partition's year, in the view of a resource that has none of its own
    duck = connect(out)
    by_path = duck.execute("SELECT year, count(*) FROM statistics GROUP BY year ORDER BY year")
    assert by_path.fetchall() == [
        (y, n)
        for y, n in both(
            out,
            (
                "SELECT r.year, count(*) FROM statistics s JOIN reports r USING (report_id) "
                "GROUP BY r.year ORDER BY r.year"
            ),
        )[0]
    ]


def test_the_canned_queries_give_the_same_answers(out: Path) -> None:
    lite = sqlite3.connect(sqlite_uri(out / "build" / "ogi.db", immutable="1"), uri=True)
    issuer, year, province = lite.execute(
        "SELECT issuer, year, province FROM reports WHERE issuer IS NOT NULL "
        "ORDER BY report_id LIMIT 1"
    ).fetchone()
    lite.close()
    values = {"year": str(year), "province": province, "issuer": issuer[:3], "min_handled": "1"}
    ran = set()
    for name, sql in canned().items():
        names = set(re.findall(r"(?<![:\w]):(\w+)", sql))
        if name in NOT_ON_DUCKDB:
            with pytest.raises(Exception, match=NOT_ON_DUCKDB[name]):
                connect(out).execute(duckdb_sql(sql), dict.fromkeys(names, "") or None)
            continue
        for chosen in ({}, {k: v for k, v in values.items() if k in names}):
            params = {n: chosen.get(n, "") for n in names}
            want, got = both(out, sql, params)
            assert got == want, (name, params)
        ran.add(name)
    assert len(ran) == len(canned()) - len(NOT_ON_DUCKDB)


def test_ogi_query_prints_csv(out: Path) -> None:
    done = subprocess.run(
        [
            str(OGI),
            "query",
            "SELECT year, count(*) AS n FROM reports GROUP BY year ORDER BY year",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "year,n"
    assert sum(int(line.split(",")[1]) for line in lines[1:]) == 17
    bad = subprocess.run(
        [str(OGI), "query", "SELECT * FROM nowhere", "--out", str(out)],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 1 and bad.stderr.count("\n") == 1 and "nowhere" in bad.stderr
