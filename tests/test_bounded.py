"""The built-ins that run long inside one call are bounded on the site's connections
(:mod:`ogi.serve.bounded`): refused at once with SQLite's one-line error, and otherwise the
same as SQLite's own. No timing: the refusals are errors, which the built-ins never raise
(``printf('%.*c', 900000000, 'x')`` of SQLite's own is NULL after seconds of CPU)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from test_site import get

from ogi.serve import bounded, guard

A = "printf('%.*c', 4000000, 'a')"
HOSTILE = [
    "select length(printf('%.*c', 900000000, 'x'))",
    "select length(format('%.*c', 900000000, 'x'))",
    "select length(printf('%900000000d', 1))",
    "select length(printf('%.*f', 900000000, 1.5))",
    f"select length(replace({A}, 'a', 'aaaa'))",
    f"select instr(cast({A} as blob), printf('%.*c', 200000, 'a') || 'b')",
    f"select replace(cast({A} as blob), cast(printf('%.*c', 200000, 'a') as blob), 'x')",
    f"select length(trim(cast({A} as blob), printf('%.*c', 40000, 'b') || 'a'))",
]


@pytest.mark.parametrize("sql", HOSTILE)
def test_a_call_that_would_run_long_is_refused_in_one_line(seed_built: Path, sql: str) -> None:
    response = get(seed_built, "/ogi.json", sql=sql)
    assert (response.status_code, response.json()["error"]) == (400, "string or blob too big")


def test_quadratic_text_functions_answer_with_their_result(seed_built: Path) -> None:
    """instr, replace and trim of long text are computed (linearly), not refused."""
    sql = (
        f"select instr({A}, printf('%.*c', 200000, 'a') || 'b') as i, "
        f"length(replace({A}, printf('%.*c', 200000, 'a') || 'b', 'x')) as r, "
        f"length(trim({A}, printf('%.*c', 40000, 'b') || 'a')) as t, "
        f"length(ltrim({A} || 'z', printf('%.*c', 300, 'b') || 'a' || char(20013, 25991))) as l"
    )
    response = get(seed_built, "/ogi.json", sql=sql, _shape="array")
    assert response.json() == [{"i": 0, "r": 4000000, "t": 0, "l": 1}]


CALLS = [
    "printf('%d|%5.2f|%-4s|%%|%,d|%q|%Q|%w', 3, 2.5, 'x', 1234567, 'it''s', NULL, 'a\"b')",
    "printf('%!.20g|%e|%x|%o|%c|%*d|%.*s', 0.1, 12345.678, 255, 8, 'xyz', -5, 42, 2, 'abc')",
    "printf(NULL)",
    "printf(3)",
    "printf('%s')",
    "printf('%.900000000s', 'x')",
    "instr('abcabc', 'ca')",
    "instr(x'616263', x'63')",
    "instr(x'616263', 'b')",
    "instr(12345, 34)",
    "instr(NULL, 'a')",
    "instr('中文字', '字')",
    "replace('abcabc', 'b', 'XY')",
    "replace('abc', '', 'x')",
    "replace(1e20, 2, 3)",
    "replace('a', NULL, 'b')",
    "replace(x'616263', 'b', 'z')",
    "trim('xxaxx', 'x')",
    "ltrim('xya', 'yx')",
    "rtrim('axyx', 'xy')",
    "trim(1.5e20, 1)",
    "trim('abc', '')",
    "trim('中中文中', '中')",
    "trim(NULL, 'a')",
]


def test_bounded_builtins_give_what_sqlite_gives() -> None:
    plain = sqlite3.connect(":memory:")
    mine = sqlite3.connect(":memory:")
    guard.limit_connection(mine)
    for call in CALLS:
        sql = f"select {call}, typeof({call})"
        assert mine.execute(sql).fetchone() == plain.execute(sql).fetchone(), call


def test_the_widths_and_sizes_printf_reads() -> None:
    assert bounded._sizes("%5d %.3f %.9s %*c %.*c %%", (1, 2.0, "x", 7, "y", "8", "z")) == [
        5,
        3,
        7,
        8,
    ]


def _frames(error: BaseException) -> list[object]:
    """Every frame the tracebacks of an error, of those it carries and of those it was
    raised from still hold."""
    out, todo, seen = [], [error], set()
    while todo:
        e = todo.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        tb = e.__traceback__
        while tb is not None:
            out.append(tb.tb_frame)
            tb = tb.tb_next
        todo += [x for x in (e.__context__, e.__cause__) if x is not None]
        todo += [a for a in e.args if isinstance(a, BaseException)]
    return out


def test_an_error_of_sql_run_aside_holds_no_cursor(seed_built: Path) -> None:
    """A client statement that fails (here: interrupted at its time limit) reaches the
    thread that renders pages without the frames that hold its cursor: freed there, the
    cursor would wait for SQLite's lock on the connection, held by the next client
    statement for as long as it runs -- and every request of the worker with it (cached
    pages answered in 2 s under hostile queries)."""
    import asyncio

    from datasette.database import QueryInterrupted

    from ogi.serve.app import make_datasette

    slow = "with recursive n(i) as (select 1 union all select i + 1 from n) select count(*) from n"

    async def scenario() -> BaseException:
        ds = make_datasette(seed_built)
        database = ds.get_database("ogi")
        token = guard._CLIENT_SQL.set(True)
        try:
            await database.execute(slow, custom_time_limit=20)
        except QueryInterrupted as e:
            return e
        finally:
            guard._CLIENT_SQL.reset(token)
        raise AssertionError("not interrupted")

    error = asyncio.run(scenario())
    assert isinstance(error, QueryInterrupted)
    held = [
        f for f in _frames(error) if any(isinstance(v, sqlite3.Cursor) for v in f.f_locals.values())
    ]  # type: ignore[attr-defined]
    assert held == []


def test_a_long_like_pattern_in_client_sql_is_refused(seed_built: Path) -> None:
    """One LIKE of a 990-byte pattern against a 4 MB string ran 4.5 s inside one call."""
    long = f"select {A} like '%' || printf('%.*c', 990, 'a') || 'b%'"
    response = get(seed_built, "/ogi.json", sql=long)
    assert (response.status_code, response.json()["error"]) == (
        400,
        "LIKE or GLOB pattern too complex",
    )
    short = "select 'abc' like '%' || printf('%.*c', 150, 'a') || '%' as m"
    assert get(seed_built, "/ogi.json", sql=short, _shape="array").json() == [{"m": 0}]
