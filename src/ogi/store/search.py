"""Full-text search over Chinese text with stock SQLite FTS5 and Datasette.

The problem
===========
FTS5's ``unicode61`` tokenizer (the default) splits text on whitespace and
punctuation only, so a run of Han characters such as ``加强网络舆情监测`` is *one*
token and a search for ``舆情`` finds nothing. The ``trigram`` tokenizer cannot
match queries shorter than three characters, and Python's ``sqlite3`` here cannot
load a custom tokenizer extension.

The design
==========
*Index side* -- :func:`segment` puts a space around every Han/CJK character, so
``unicode61`` indexes each of them as its own token, while Latin letters and
digits keep forming ordinary words::

    加强网络舆情监测，12345热线  ->  加 强 网 络 舆 情 监 测 ， 12345 热 线

*Query side* -- :func:`fts_query` turns each search term into an FTS5 *phrase* of
those single-character tokens (``舆情`` -> ``"舆 情"``). A phrase matches only
where its tokens are adjacent, so any substring of a Han run is found (no false
negatives) and characters that merely occur apart are not (``舆论与情况`` does
not match ``舆情``).

Which FTS5 table variant, and how Datasette finds it
====================================================
:func:`enable_search` creates a **contentless** FTS5 table keyed by the base
table's ``rowid``::

    CREATE VIRTUAL TABLE "sections_fts"
        USING fts5("heading", "body", content='', tokenize='unicode61')

and fills it with ``rowid, segment(heading), segment(body)``. The base table's
text columns are left untouched. Why contentless and not external content
(``content="sections"``)?

* External content is what Datasette 0.65 auto-detects (it looks for
  ``content="<table>"`` in the FTS table's SQL -- the ``<table>_fts`` name alone
  is *not* enough), but FTS5 then believes the *unsegmented* base columns are the
  indexed text: ``INSERT INTO sections_fts(sections_fts) VALUES('rebuild')``,
  ``sqlite-utils rebuild-fts`` / ``Table.rebuild_fts()`` or a ``delete`` would
  silently re-index whole Han runs as single tokens and Chinese searches would
  quietly stop matching.
* A contentless table stores only the index and there is no text it could be
  re-indexed from: ``rebuild`` fails loudly (``'rebuild' may not be used with a
  contentless fts5 table``) -- including via ``sqlite-utils rebuild-fts`` -- and
  sqlite-utils' ``detect_fts()`` does not treat it as the FTS table of
  ``sections``, so its helpers never add triggers or re-populate it.

The price is that Datasette must be told which FTS table to use, in metadata::

    databases:
      <database name>:
        tables:
          sections:
            fts_table: sections_fts

``fts_pk`` is *not* needed and must not be set to a text primary key such as
``section_id``: Datasette's default ``fts_pk`` is ``rowid``, which is exactly
what the FTS rows are keyed by. (Without ``fts_table`` Datasette 0.65 silently
ignores ``?_search=`` and returns every row.) One-off alternative:
``?_fts_table=sections_fts`` in the URL.

Because the index is a snapshot, call :func:`enable_search` again after writing
to the base table (it drops and rebuilds the FTS table; the result is
deterministic). It relies on ``rowid`` being stable; SQLite preserves rowids in
practice, but documents that ``VACUUM`` *may* renumber tables without an
``INTEGER PRIMARY KEY`` -- rebuild the index after a ``VACUUM`` to be safe.

Querying
========
The Datasette plugin :mod:`ogi.serve.plugin` replaces Datasette's SQL function
``escape_fts`` with :func:`fts_query`, so ``/db/sections?_search=舆情`` (and
``?_search_body=舆情``) just work, and registers ``ogi_segment(text)`` (this
module's :func:`segment`) and ``ogi_fts_query(text)`` for hand-written SQL::

    select * from sections
    where rowid in (
        select rowid from sections_fts where sections_fts match ogi_fts_query(:q)
    )

``?_searchmode=raw`` keeps Datasette's behaviour: the query is passed to
``MATCH`` verbatim, without segmentation, so raw queries must spell phrases out
themselves, e.g. ``"舆 情"`` (a bare ``舆情`` is a single token and matches
nothing; ``舆 情`` without quotes means "舆 AND 情" anywhere in the row).

Outside Datasette, with plain ``sqlite3``::

    >>> import sqlite3
    >>> conn = sqlite3.connect(":memory:")
    >>> _ = conn.execute("create virtual table t using fts5(body, content='')")
    >>> _ = conn.execute("insert into t(rowid, body) values (1, ?)", [segment("网络舆情监测")])
    >>> conn.execute("select rowid from t where t match ?", [fts_query("舆情")]).fetchall()
    [(1,)]
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite_utils

__all__ = ["enable_search", "fts_query", "segment"]

# Characters that Chinese (and Japanese) text writes without spaces between
# words and that unicode61 treats as token characters. Each one becomes a token.
_CJK_CLASS = (
    "\u3005-\u3007"  # 々 〆 〇
    "\u3021-\u3029"  # Suzhou numerals 〡-〩
    "\u3038-\u303b"  # Suzhou numerals 〸-〺, 〻
    "\u3040-\u30ff"  # Hiragana, Katakana
    "\u3100-\u312f"  # Bopomofo
    "\u31a0-\u31bf"  # Bopomofo Extended
    "\u31f0-\u31ff"  # Katakana Phonetic Extensions
    "\u3400-\u4dbf"  # CJK Unified Ideographs Extension A
    "\u4e00-\u9fff"  # CJK Unified Ideographs
    "\uf900-\ufaff"  # CJK Compatibility Ideographs
    "\U00020000-\U0003ffff"  # Extensions B-I, Compatibility Ideographs Supplement
)
_CJK_RUN = re.compile(f"[{_CJK_CLASS}]+")

# Full-width ASCII variants (！ to ～, incl. ０-９ Ａ-Ｚ ａ-ｚ) and the ideographic
# space fold to ASCII, so "１２３４５热线" and "12345热线" index and query alike.
_FULLWIDTH_TO_ASCII = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FULLWIDTH_TO_ASCII[0x3000] = 0x20

# Datasette 0.65's escape_fts splitter, plus DOTALL so that a quoted phrase
# spanning a newline is still one phrase (Datasette would emit broken syntax).
_QUERY_TERMS = re.compile(r'\s+|(".*?")', re.DOTALL)


def _space_run(match: re.Match[str]) -> str:
    text = match.string
    start, end = match.span()
    before = " " if start > 0 and not text[start - 1].isspace() else ""
    after = " " if end < len(text) and not text[end].isspace() else ""
    return before + " ".join(match.group()) + after


def segment(text: str) -> str:
    """Return ``text`` with every Han/CJK character standing alone as a word.

    A single space is inserted between each CJK character and any adjacent
    non-whitespace character; existing whitespace is kept as it is. Full-width
    ASCII (``１２３``, ``ＡＢＣ``, ``＃``) and the ideographic space are folded to
    ASCII first. Everything else is unchanged, so Latin words and numbers stay
    whole. Use it for the *indexed* text; use :func:`fts_query` for queries.

    >>> segment("舆情")
    '舆 情'
    >>> segment("推行“双随机、一公开”监管")
    '推 行 “ 双 随 机 、 一 公 开 ” 监 管'
    >>> segment("１２３４５热线 open data")
    '12345 热 线 open data'
    >>> segment("")
    ''
    """
    return _CJK_RUN.sub(_space_run, text.translate(_FULLWIDTH_TO_ASCII))


def _phrase(term: str) -> str:
    """Quote ``term`` as one FTS5 phrase of its segmented tokens."""
    return '"' + segment(term).replace('"', '""') + '"'


def fts_query(query: str) -> str:
    """Escape a user's search box text into an FTS5 ``MATCH`` expression.

    Mirrors Datasette 0.65's ``escape_fts``: a stray ``"`` is balanced, the
    query is split into whitespace-separated terms and ``"quoted phrases"``
    (empty ``""`` terms are dropped), each becomes an FTS5 phrase and the phrases
    are joined with spaces, i.e. all must match (implicit AND). FTS5 operators
    (``OR``, ``NOT``, ``*``, ``NEAR``...) are therefore literal text. In addition
    each term is passed through :func:`segment`, so a run of Han characters
    becomes a phrase of single-character tokens that must be adjacent. For
    queries without CJK/full-width characters and without newlines the result is
    identical to Datasette's (NUL characters, which FTS5 cannot parse, count as
    whitespace).

    >>> fts_query("舆情")
    '"舆 情"'
    >>> fts_query("12345热线 双随机")
    '"12345 热 线" "双 随 机"'
    >>> fts_query('"双随机 一公开" open')
    '"双 随 机 一 公 开" "open"'
    >>> fts_query('舆情 OR "监测')
    '"舆 情" "OR" "监 测"'
    >>> fts_query("")
    ''
    """
    query = query.replace("\x00", " ")  # FTS5 would read NUL as the end of the query
    if query.count('"') % 2:
        query += '"'
    terms = (bit for bit in _QUERY_TERMS.split(query) if bit and bit != '""')
    return " ".join(
        _phrase(term[1:-1] if len(term) > 1 and term[0] == term[-1] == '"' else term)
        for term in terms
    )


def _segment_value(value: Any) -> Any:
    """:func:`segment` for SQL values: text is segmented, NULL/numbers pass through."""
    return segment(value) if isinstance(value, str) else value


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def enable_search(
    db: sqlite_utils.Database,
    table: str,
    column: str | list[str],
    fts_table: str | None = None,
) -> str:
    """Create (or re-create) and fill the Chinese-aware FTS5 table for ``table``.

    The FTS table (default name ``f"{table}_fts"``) is a contentless FTS5 table
    (``content=''``, tokenizer ``unicode61``) with one column per entry of
    ``column``, named like the base columns, and one row per base row with the
    same ``rowid`` and the :func:`segment`-ed column values (NULL stays NULL).
    Rows are streamed in ``rowid`` order inside a single transaction (a
    savepoint, so it also nests inside a caller's transaction); an existing FTS5
    table of that name is dropped first, so calling this again after the base
    table changed rebuilds the index deterministically. The base table is only
    read. See the module docstring for why the table is contentless and for the
    Datasette metadata it needs (``fts_table``).

    Returns the name of the FTS table.

    >>> import sqlite_utils
    >>> db = sqlite_utils.Database(memory=True)
    >>> _ = db["sections"].insert_all(
    ...     [{"section_id": "a", "heading": "舆情回应", "body": "12345热线"}],
    ...     pk="section_id",
    ... )
    >>> enable_search(db, "sections", ["heading", "body"])
    'sections_fts'
    >>> db.execute(
    ...     "select s.section_id from sections s where s.rowid in "
    ...     "(select rowid from sections_fts where sections_fts match ?)",
    ...     [fts_query("舆情")],
    ... ).fetchall()
    [('a',)]
    """
    columns = [column] if isinstance(column, str) else list(column)
    fts = fts_table if fts_table is not None else f"{table}_fts"
    if not columns:
        raise ValueError("enable_search() needs at least one column")
    if len(set(columns)) != len(columns):
        raise ValueError(f"duplicate columns: {columns!r}")
    if fts == table:
        raise ValueError("the FTS table must not have the base table's name")
    base = db.table(table)
    if not base.exists():
        raise ValueError(f"no such table: {table!r}")
    missing = [name for name in columns if name not in base.columns_dict]
    if missing:
        raise ValueError(f"table {table!r} has no column(s) {missing!r}")
    if re.search(r"\bwithout\s+rowid\b", base.schema, re.IGNORECASE):
        raise ValueError(f"table {table!r} is WITHOUT ROWID; the index is keyed by rowid")
    existing = db.execute(
        "select sql from sqlite_master where type = 'table' and name = ?", [fts]
    ).fetchone()
    if existing is not None and not re.match(
        r"\s*create\s+virtual\s+table\b.*\busing\s+fts5\b",
        existing[0] or "",
        re.IGNORECASE | re.DOTALL,
    ):
        raise ValueError(f"{fts!r} exists and is not an FTS5 table; refusing to drop it")

    column_list = ", ".join(_quote(name) for name in columns)
    create = (
        f"CREATE VIRTUAL TABLE {_quote(fts)} USING fts5("
        f"{column_list}, content='', tokenize='unicode61')"
    )
    insert = f"INSERT INTO {_quote(fts)} (rowid, {column_list}) VALUES (?{', ?' * len(columns)})"
    select = f"SELECT rowid, {column_list} FROM {_quote(table)} ORDER BY rowid"

    def rows() -> Iterator[tuple[Any, ...]]:
        cursor: Iterable[tuple[Any, ...]] = db.conn.execute(select)
        for rowid, *values in cursor:
            yield (rowid, *map(_segment_value, values))

    conn = db.conn
    conn.execute("SAVEPOINT ogi_enable_search")
    try:
        if existing is not None:
            conn.execute(f"DROP TABLE {_quote(fts)}")
        conn.execute(create)
        conn.executemany(insert, rows())
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK TO SAVEPOINT ogi_enable_search")
            conn.execute("RELEASE SAVEPOINT ogi_enable_search")
        raise
    conn.execute("RELEASE SAVEPOINT ogi_enable_search")
    return fts
