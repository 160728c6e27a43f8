"""Tests for ogi.store.search (Chinese-aware FTS5) and its Datasette plugin."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pluggy
import pytest
import sqlite_utils
from datasette import hookspecs
from datasette.app import Datasette
from datasette.plugins import pm
from datasette.utils import escape_fts as datasette_escape_fts
from hypothesis import given, settings
from hypothesis import strategies as st

import ogi.serve.plugin as ogi_plugin
from ogi.store.search import enable_search, fts_query, segment

# --- segment / fts_query: exact outputs ---------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ""),
        ("舆情", "舆 情"),
        ("双随机", "双 随 机"),
        ("Open data portal", "Open data portal"),
        ("2023", "2023"),
        ("12345热线", "12345 热 线"),
        ("热线12345", "热 线 12345"),
        ("A股和B股", "A 股 和 B 股"),
        ("推行“双随机、一公开”。", "推 行 “ 双 随 机 、 一 公 开 ”。"),
        ("依申请公开（件）：12", "依 申 请 公 开 ( 件 ):12"),  # （）： are full-width
        ("  舆情\n监测  ", "  舆 情\n监 测  "),
        ("舆情 data", "舆 情 data"),
        ('"舆情"', '" 舆 情 "'),
        ("１２３４５热线　ＯＧＩ", "12345 热 线 OGI"),  # full-width forms fold to ASCII
        ("㐀豈𠀀", "㐀 豈 𠀀"),  # extension A, compatibility, extension B
        ("二〇二三年", "二 〇 二 三 年"),
    ],
)
def test_segment(text: str, expected: str) -> None:
    assert segment(text) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ""),
        ("   ", ""),
        ('""', ""),
        ("舆情", '"舆 情"'),
        ("双随机", '"双 随 机"'),
        ("12345热线", '"12345 热 线"'),
        ("data", '"data"'),
        ("open data", '"open" "data"'),
        ("舆情 监测", '"舆 情" "监 测"'),
        ('"双随机 一公开"', '"双 随 机 一 公 开"'),
        ('"open data" 舆情', '"open data" "舆 情"'),
        ('舆情"', '"舆 情"'),  # stray quote is balanced, then the empty phrase dropped
        ('"舆情', '"舆 情"'),
        ('a"b', '"a" "b"'),
        ("舆情 OR 监测", '"舆 情" "OR" "监 测"'),  # operators are literal text
        ("data*", '"data*"'),
        ("舆情，监测", '"舆 情 , 监 测"'),
        ("舆情。监测", '"舆 情 。 监 测"'),
        ("舆情\x00", '"舆 情"'),  # NUL would end the MATCH string early
        ("＂舆情＂", '""" 舆 情 """'),  # full-width quote folds to an escaped "
        ('"a\nb"', '"a\nb"'),
    ],
)
def test_fts_query(query: str, expected: str) -> None:
    assert fts_query(query) == expected


def test_docstring_examples() -> None:
    import doctest

    import ogi.store.search

    assert doctest.testmod(ogi.store.search).failed == 0


# --- properties against a real SQLite FTS5 table --------------------------------

HAN = st.one_of(
    st.sampled_from("舆情双随机一公开热线监测政府信息"),  # few characters: many repeats
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
    st.characters(min_codepoint=0x3400, max_codepoint=0x4DBF),
    st.characters(min_codepoint=0xF900, max_codepoint=0xFAFF, categories=["Lo"]),
    st.characters(min_codepoint=0x20000, max_codepoint=0x2A6DF, categories=["Lo"]),
)
NOT_HAN = st.sampled_from(list("ab1Z9 ，。、（）《》“”-.\n") + ["12345", "data", "GDP"])


def _fts_with(text: str) -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute("create virtual table f using fts5(body, content='', tokenize='unicode61')")
    conn.execute("insert into f(rowid, body) values (1, ?)", [segment(text)])
    return conn


def _matches(conn: sqlite3.Connection, query: str) -> bool:
    return conn.execute("select rowid from f where f match ?", [fts_query(query)]).fetchall() == [
        (1,)
    ]


@settings(max_examples=300, deadline=None)
@given(text=st.text(HAN, min_size=1, max_size=40), data=st.data())
def test_every_han_substring_is_found(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text) - 1), label="start")
    end = data.draw(st.integers(start + 1, len(text)), label="end")
    assert _matches(_fts_with(text), text[start:end])


@settings(max_examples=300, deadline=None)
@given(
    parts=st.lists(
        st.one_of(
            st.text(HAN, min_size=1, max_size=8).map(lambda s: (True, s)),
            NOT_HAN.map(lambda s: (False, s)),
        ),
        min_size=1,
        max_size=12,
    ),
    data=st.data(),
)
def test_han_bounded_substrings_found_in_mixed_text(
    parts: list[tuple[bool, str]], data: st.DataObject
) -> None:
    """Any substring that starts and ends with a Han character is found.

    Latin words and numbers inside such a substring are necessarily whole tokens.
    """
    text = "".join(part for _, part in parts)
    han_positions: list[int] = []
    offset = 0
    for is_han, part in parts:
        if is_han:
            han_positions.extend(range(offset, offset + len(part)))
        offset += len(part)
    if not han_positions:
        return
    start = data.draw(st.sampled_from(han_positions), label="start")
    end = data.draw(st.sampled_from([i for i in han_positions if i >= start]), label="end")
    assert _matches(_fts_with(text), text[start : end + 1])


def test_adjacency_is_required() -> None:
    conn = _fts_with("舆论与情况说明；随机抽查；拨打12345或热线")
    assert _matches(conn, "情况")
    assert not _matches(conn, "舆情")
    assert not _matches(conn, "双随机")
    assert not _matches(conn, "12345热线")


@settings(max_examples=300, deadline=None)
@given(query=st.text())
def test_fts_query_is_always_valid_fts5(query: str) -> None:
    escaped = fts_query(query)
    conn = _fts_with("舆情 data")
    if escaped:  # MATCH '' is a syntax error, exactly as with Datasette's escape_fts
        conn.execute("select rowid from f where f match ?", [escaped]).fetchall()


@settings(max_examples=300)
@given(query=st.lists(st.sampled_from([*'ab Z9-*"\t.:^()', "OR", "NEAR"])).map("".join))
def test_fts_query_equals_datasette_escape_fts_without_cjk(query: str) -> None:
    assert fts_query(query) == datasette_escape_fts(query)


# --- enable_search ---------------------------------------------------------------


ROWS = {
    "s1": {
        "section_id": "s1",
        "heading": "政务舆情回应",
        "body": "及时回应网络舆情，12345热线全年受理诉求。",
    },
    "s2": {
        "section_id": "s2",
        "heading": "双随机、一公开",
        "body": "推行双随机抽查，公开Open Data目录。",
    },
    "s3": {
        "section_id": "s3",
        "heading": "舆论与情况说明",
        "body": "随机抽查结果；拨打12345或热线电话。Open government data.",
    },
}


def _sections_db(path: Path) -> sqlite_utils.Database:
    db = sqlite_utils.Database(path)
    db["sections"].insert_all(ROWS.values(), pk="section_id")  # type: ignore[union-attr]
    return db


def test_enable_search(tmp_path: Path) -> None:
    db = _sections_db(tmp_path / "db.db")
    before = list(db["sections"].rows)
    assert enable_search(db, "sections", ["heading", "body"]) == "sections_fts"
    assert list(db["sections"].rows) == before  # base table untouched
    assert not db.conn.in_transaction
    [sql] = db.execute("select sql from sqlite_master where name = 'sections_fts'").fetchone()
    assert sql == (
        'CREATE VIRTUAL TABLE "sections_fts" USING fts5('
        "\"heading\", \"body\", content='', tokenize='unicode61')"
    )

    def search(query: str, fts: str = "sections_fts") -> list[str]:
        sql = (
            f"select section_id from sections where rowid in "
            f"(select rowid from {fts} where {fts} match ?) order by section_id"
        )
        return [r[0] for r in db.execute(sql, [fts_query(query)]).fetchall()]

    assert search("舆情") == ["s1"]
    assert search("随机") == ["s2", "s3"]
    assert search("说明") == ["s3"]

    # Re-running replaces the index; a custom name and a single column work too.
    db.execute("update sections set body = '舆情' where section_id = 's3'")
    assert enable_search(db, "sections", ["heading", "body"]) == "sections_fts"
    assert search("舆情") == ["s1", "s3"]
    assert enable_search(db, "sections", "heading", fts_table="headings_fts") == "headings_fts"
    assert search("舆情", "headings_fts") == ["s1"]

    # The index cannot be silently "rebuilt" from the unsegmented base table.
    with pytest.raises(sqlite3.OperationalError, match="contentless"):
        db.execute("insert into sections_fts(sections_fts) values ('rebuild')")


def test_enable_search_is_deterministic(tmp_path: Path) -> None:
    dumps = []
    for name in ("a.db", "b.db"):
        db = _sections_db(tmp_path / name)
        enable_search(db, "sections", ["heading", "body"])
        enable_search(db, "sections", ["heading", "body"])
        dumps.append(db.execute("select id, block from sections_fts_data order by id").fetchall())
    assert dumps[0] == dumps[1]


def test_enable_search_rejects_bad_input(tmp_path: Path) -> None:
    db = _sections_db(tmp_path / "db.db")
    db["other"].insert({"x": 1})  # type: ignore[union-attr]
    db.execute("create table wr (k text primary key, body text) without rowid")
    with pytest.raises(ValueError, match="no such table"):
        enable_search(db, "missing", "body")
    with pytest.raises(ValueError, match="no column"):
        enable_search(db, "sections", ["body", "nope"])
    with pytest.raises(ValueError, match="not an FTS5 table"):
        enable_search(db, "sections", "body", fts_table="other")
    with pytest.raises(ValueError, match="WITHOUT ROWID"):
        enable_search(db, "wr", "body")
    with pytest.raises(ValueError, match="at least one"):
        enable_search(db, "sections", [])


def test_enable_search_is_one_transaction(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = _sections_db(tmp_path / "db.db")
    enable_search(db, "sections", "body")
    old_index = db.execute("select id, block from sections_fts_data order by id").fetchall()

    # A failure half-way through leaves the previous index in place.
    calls = []

    def failing(value: Any) -> Any:
        calls.append(value)
        if len(calls) == 2:
            raise RuntimeError("boom")
        return segment(value)

    monkeypatch.setattr("ogi.store.search._segment_value", failing)
    with pytest.raises(RuntimeError, match="boom"):
        enable_search(db, "sections", ["heading", "body"])
    assert not db.conn.in_transaction
    assert db.execute("select id, block from sections_fts_data order by id").fetchall() == (
        old_index
    )
    monkeypatch.undo()

    # Inside a caller's transaction it nests and leaves committing to the caller.
    db.conn.execute("insert into sections (section_id, heading, body) values ('s4', '舆情', '')")
    assert db.conn.in_transaction
    enable_search(db, "sections", "heading", fts_table="headings_fts")
    assert db.conn.in_transaction
    db.conn.rollback()
    assert "headings_fts" not in db.table_names()


# --- Datasette plugin ----------------------------------------------------------


def test_plugin_escape_fts_wins_in_either_registration_order() -> None:
    import datasette.sql_functions

    for order in (
        [ogi_plugin, datasette.sql_functions],  # entry points load before defaults
        [datasette.sql_functions, ogi_plugin],  # registered after the defaults
    ):
        manager = pluggy.PluginManager("datasette")
        manager.add_hookspecs(hookspecs)
        for plugin in order:
            manager.register(plugin)
        conn = sqlite3.connect(":memory:")
        manager.hook.prepare_connection(conn=conn, database="db", datasette=None)
        assert conn.execute(
            "select escape_fts('舆情'), ogi_fts_query('舆情'), ogi_segment('12345热线'), "
            "ogi_segment(null), escape_fts('open data')"
        ).fetchone() == ('"舆 情"', '"舆 情"', "12345 热 线", None, '"open" "data"')


@pytest.fixture
def plugin_registered() -> Iterator[None]:
    """Make sure the plugin is active even if the entry point is not installed."""
    if ogi_plugin in pm.get_plugins():
        yield
        return
    pm.register(ogi_plugin, name="ogi-test")
    try:
        yield
    finally:
        pm.unregister(ogi_plugin)


METADATA = {"databases": {"db": {"tables": {"sections": {"fts_table": "sections_fts"}}}}}


def _get_all(db_path: Path, paths: list[str], metadata: dict[str, Any] | None) -> list[Any]:
    async def run() -> list[Any]:
        ds = Datasette([str(db_path)], metadata=metadata)
        await ds.invoke_startup()
        results = []
        for path in paths:
            response = await ds.client.get(path)
            assert response.status_code == 200, (path, response.text)
            results.append(response.json())
        return results

    return asyncio.run(run())


def _search_url(query: str, extra: str = "") -> str:
    from urllib.parse import quote

    return f"/db/sections.json?_search={quote(query)}&_shape=array{extra}"


@pytest.mark.usefixtures("plugin_registered")
def test_datasette_table_search(tmp_path: Path) -> None:
    db_path = tmp_path / "db.db"
    db = _sections_db(db_path)
    enable_search(db, "sections", ["body", "heading"])
    db.close()

    cases = {
        _search_url("舆情"): ["s1"],
        _search_url("双随机"): ["s2"],
        _search_url("12345热线"): ["s1"],
        _search_url("随机"): ["s2", "s3"],
        _search_url("government"): ["s3"],
        _search_url("DATA"): ["s2", "s3"],
        _search_url("说明"): ["s3"],  # heading only
        _search_url("舆情 热线"): ["s1"],
        _search_url('"双随机 一公开"'): ["s2"],
        _search_url("不存在"): [],
        _search_url("舆情", "&_searchmode=raw"): [],  # raw: one unsegmented token
        _search_url('"舆 情"', "&_searchmode=raw"): ["s1"],
        "/db/sections.json?_search_heading=%E8%88%86%E6%83%85&_shape=array": ["s1"],
        "/db/sections.json?_search_body=%E8%AF%B4%E6%98%8E&_shape=array": [],
    }
    results = _get_all(db_path, list(cases), METADATA)
    for (path, expected_ids), rows in zip(cases.items(), results, strict=True):
        assert rows == [ROWS[i] for i in expected_ids], path

    sql = "/db.json?sql=select+escape_fts(:q)+as+e,+ogi_segment(:q)+as+s&q=12345热线&_shape=array"
    [functions] = _get_all(db_path, [sql], METADATA)
    assert functions == [{"e": '"12345 热 线"', "s": "12345 热 线"}]


@pytest.mark.usefixtures("plugin_registered")
def test_datasette_needs_fts_table_metadata(tmp_path: Path) -> None:
    """Datasette 0.65 does not detect contentless FTS tables by itself."""
    db_path = tmp_path / "db.db"
    db = _sections_db(db_path)
    enable_search(db, "sections", ["body", "heading"])
    db.close()
    without, with_param = _get_all(
        db_path, [_search_url("舆情"), _search_url("舆情", "&_fts_table=sections_fts")], None
    )
    assert without == list(ROWS.values())  # ?_search= silently ignored
    assert with_param == [ROWS["s1"]]
