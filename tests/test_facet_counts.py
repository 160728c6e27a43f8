"""The facet counts the build keeps (ogi.store.facets) and the site's pages that read them
(ogi.serve.facets).

* Whatever rows are inserted, deleted or changed after the counts are made, the triggers keep
  ``facet_counts`` equal to counting the table again (hypothesis, on a real SQLite table);
  rewriting a table whole (``suspended``) and counting the views again give the same.
* A built database holds the counts of every declared facet, equal to counting each table
  and view; an incremental build keeps them so (tests/test_scale.py compares its database,
  ``facet_counts`` included, with a build from scratch).
* A page of the site that shows all of a table's rows reads its facets from the counts (a
  count changed in a copy of the database shows on that page, and only there); a filtered or
  searched page counts them; a database built before the counts is counted as before.
"""

from __future__ import annotations

import asyncio
import inspect
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from datasette.app import Datasette
from hypothesis import given, settings
from hypothesis import strategies as st
from test_site import make_datasette

from ogi.serve import facets as serve_facets
from ogi.store import facets
from ogi.store.views import table_facets, view_facets

DECLARED = {"t": ["a", "b"]}
VIEWS = {"v": ["a"]}


def counted(conn: sqlite3.Connection) -> list[tuple[Any, ...]]:
    return sorted(conn.execute("select tbl, col, value, n from facet_counts"), key=repr)


def counted_again(conn: sqlite3.Connection, declared: dict[str, list[str]]) -> list[Any]:
    rows = []
    for table, columns in declared.items():
        for col in columns:
            rows += [
                (table, col, value, n)
                for value, n in conn.execute(
                    f'select "{col}", count(*) from "{table}" where "{col}" is not null '
                    f'group by "{col}"'
                )
            ]
    return sorted(rows, key=repr)


def small_db(rows: list[tuple[Any, Any]]) -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("create table t (id integer primary key, a integer, b text)")
    conn.execute("create view v as select a from t where a > 0")
    conn.executemany("insert into t (a, b) values (?, ?)", rows)
    facets.create(conn, DECLARED, VIEWS)
    return conn


values = st.tuples(st.one_of(st.none(), st.integers(-2, 3)), st.sampled_from([None, "x", "y"]))
ops = st.lists(
    st.one_of(
        st.tuples(st.just("insert"), values),
        st.tuples(st.just("delete"), st.integers(0, 12)),
        st.tuples(st.just("update"), st.tuples(st.integers(0, 12), values)),
    ),
    max_size=30,
)


@settings(max_examples=150, deadline=None)
@given(st.lists(values, max_size=12), ops)
def test_the_triggers_keep_the_counts_of_any_change(
    rows: list[tuple[Any, Any]], changes: list[tuple[str, Any]]
) -> None:
    conn = small_db(rows)
    assert counted(conn) == counted_again(conn, {**DECLARED, **VIEWS})
    for op, arg in changes:
        if op == "insert":
            conn.execute("insert into t (a, b) values (?, ?)", arg)
        elif op == "delete":
            conn.execute("delete from t where id = ?", [arg])
        else:
            conn.execute("update t set a = ?, b = ? where id = ?", [*arg[1], arg[0]])
    facets.recount_views(conn, VIEWS)
    assert counted(conn) == counted_again(conn, {**DECLARED, **VIEWS})
    assert all(n > 0 for *_, n in counted(conn))  # a value no row holds is not listed


def test_a_table_rewritten_whole_is_counted_anew_without_its_triggers() -> None:
    conn = small_db([(1, "x"), (2, "x"), (2, None)])
    with facets.suspended(conn, DECLARED, ["t", "not_counted"]):
        names = {
            r[0] for r in conn.execute("select name from sqlite_master where type = 'trigger'")
        }
        assert names == set()  # a rewrite does not fire them at every row
        conn.execute("delete from t")
        conn.executemany("insert into t (a, b) values (?, ?)", [(3, "y"), (3, None)])
    assert counted(conn) == [
        ("t", "a", 3, 2),
        ("t", "b", "y", 1),
        ("v", "a", 1, 1),
        ("v", "a", 2, 2),
    ]
    conn.execute("insert into t (a, b) values (3, 'y')")  # the triggers are back
    assert ("t", "a", 3, 3) in counted(conn)


def test_values_keep_their_type() -> None:
    conn = small_db([(2019, "2019")])
    assert conn.execute("select typeof(value) from facet_counts order by tbl, col").fetchall() == [
        ("integer",),
        ("text",),
        ("integer",),
    ]


# --- a built database and the site ----------------------------------------------------------


def test_a_build_keeps_the_counts_of_every_declared_facet(seed_built: Path) -> None:
    conn = sqlite3.connect(seed_built / "build" / "ogi.db")
    assert counted(conn) == counted_again(conn, {**table_facets(), **view_facets()})
    tables = {r[0] for r in conn.execute("select distinct tbl from facet_counts")}
    assert {"statistics", "checks", "reports", "report_rates"} <= tables
    assert ("reports", "year", 2018, 1) in counted(conn)
    conn.close()


def facet_pages(built: Path, paths: list[str]) -> dict[str, dict[str, dict[Any, int]]]:
    """path → facet → value → count, as the site's JSON gives them."""

    async def main() -> dict[str, dict[str, dict[Any, int]]]:
        ds: Datasette = make_datasette(built)
        await ds.invoke_startup()
        out = {}
        for path in paths:
            response = await ds.client.get(path)
            assert response.status_code == 200, response.text[:300]
            out[path] = {
                name: {item["value"]: item["count"] for item in facet["results"]}
                for name, facet in response.json()["facet_results"].items()
            }
        return out

    return asyncio.run(main())


@pytest.fixture(scope="module")
def tampered(seed_built: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the seed's site whose kept count of 2018's reports is 999."""
    copy = tmp_path_factory.mktemp("tampered") / "site"
    shutil.copytree(seed_built, copy)
    conn = sqlite3.connect(copy / "build" / "ogi.db")
    with conn:
        done = conn.execute(
            "update facet_counts set n = 999 where tbl in ('reports', 'report_rates') "
            "and col = 'year' and value = 2018"
        )
        assert done.rowcount == 2
    conn.close()
    return copy


def test_a_page_of_all_rows_reads_the_counts_a_filtered_page_counts(tampered: Path) -> None:
    pages = facet_pages(
        tampered,
        [
            "/ogi/reports.json",
            "/ogi/reports.json?_sort_desc=chars&_size=2",
            "/ogi/report_rates.json",
            "/ogi/reports.json?generation__gte=0",  # every row, but filtered: counted
            "/ogi/reports.json?_facet=county",  # a column not kept: counted
        ],
    )
    assert pages["/ogi/reports.json"]["year"][2018] == 999
    assert pages["/ogi/reports.json?_sort_desc=chars&_size=2"]["year"][2018] == 999
    assert pages["/ogi/report_rates.json"]["year"][2018] == 999
    assert pages["/ogi/reports.json?generation__gte=0"]["year"][2018] == 1
    other = pages["/ogi/reports.json?_facet=county"]
    assert other["year"][2018] == 999 and sum(other["county"].values()) >= 1


def test_the_site_gives_the_same_facets_either_way(seed_built: Path) -> None:
    paths = [f"/ogi/{t}.json" for t in [*table_facets(), *view_facets()] if t != "review"]
    filtered = [p + "?_where=1" for p in paths]
    pages = facet_pages(seed_built, paths + filtered)
    for path in paths:
        assert pages[path] == pages[path + "?_where=1"], path
        assert pages[path], path


def test_a_database_without_counts_is_counted(seed_built: Path, tmp_path: Path) -> None:
    copy = tmp_path / "site"
    shutil.copytree(seed_built, copy)
    conn = sqlite3.connect(copy / "build" / "ogi.db")
    conn.execute("drop table facet_counts")
    conn.close()
    pages = facet_pages(copy, ["/ogi/reports.json"])
    assert pages["/ogi/reports.json"]["year"][2018] == 1


def test_the_counting_query_is_datasettes() -> None:
    """The facet answers Datasette's own query for a column (pinned: datasette 0.65)."""
    from datasette.facets import ColumnFacet

    source = inspect.getsource(ColumnFacet.facet_results)
    sql = "select [column] as value, count(*) as count from (\n select * from t\n)\n"
    sql += "where [column] is not null\ngroup by [column] order by count desc, value limit 16"
    assert "count(*) as count from (" in source and "order by count desc, value limit" in source
    found = serve_facets.FACET_SQL.match(sql)
    assert found is not None and found.group("col", "limit") == ("[column]", "16")
