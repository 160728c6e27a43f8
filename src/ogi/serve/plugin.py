"""Datasette plugin: Chinese-aware full-text search (see :mod:`ogi.search`).

Registered through the ``datasette`` entry point ``ogi = "ogi.serve.plugin"``.
Its ``prepare_connection`` hook adds three SQL functions to every connection:

``escape_fts(query)``
    Replaces Datasette's own function of that name with
    :func:`ogi.search.fts_query`. Datasette 0.65 searches tables with
    ``rowid in (select rowid from {fts} where {fts} match escape_fts(:search))``
    (``?_search=``, ``?_search_<column>=``), so ``?_search=舆情`` becomes the FTS5
    phrase ``"舆 情"`` and finds the segmented index built by
    :func:`ogi.search.enable_search`. For non-CJK queries the result is the same
    as Datasette's.
``ogi_fts_query(query)``
    The same function under a name no other plugin will override, for
    hand-written SQL: ``... where sections_fts match ogi_fts_query(:q)``.
``ogi_segment(text)``
    :func:`ogi.search.segment` -- puts spaces around every Han character
    (NULL and numbers pass through), e.g. to build your own MATCH expressions
    (``'"' || ogi_segment(:q) || '"'``) or to look at what the index contains.

``?_searchmode=raw`` (or ``searchmode: raw`` in metadata) is left exactly as in
Datasette: the query goes to ``MATCH`` verbatim, without segmentation, so it must
spell out phrases itself (``"舆 情"``).

Hook order: Datasette calls every ``prepare_connection`` implementation and the
last ``create_function("escape_fts", ...)`` wins. pluggy calls implementations
in reverse registration order but ``trylast=True`` ones after all others, so this
hook runs after ``datasette.sql_functions`` no matter whether the entry point was
loaded before Datasette's default plugins (the normal case) or registered later.

The table's FTS table is contentless, which Datasette does not auto-detect; set
``fts_table`` in metadata (no ``fts_pk``)::

    databases:
      <database name>:
        tables:
          sections:
            fts_table: sections_fts
"""

from __future__ import annotations

import sqlite3
from typing import Any

from datasette import hookimpl

from ogi.search import fts_query, segment


def _sql_segment(value: Any) -> Any:
    return segment(value) if isinstance(value, str) else value


def _sql_fts_query(value: Any) -> Any:
    """fts_query for SQL; an empty query becomes the empty phrase '""', which matches nothing
    (an empty MATCH string is an FTS5 syntax error: the search box submitted empty would
    answer 400)."""
    if value is None:
        return None
    return fts_query(value if isinstance(value, str) else str(value)) or '""'


@hookimpl(trylast=True)
def prepare_connection(conn: sqlite3.Connection) -> None:
    conn.create_function("escape_fts", 1, _sql_fts_query, deterministic=True)
    conn.create_function("ogi_fts_query", 1, _sql_fts_query, deterministic=True)
    conn.create_function("ogi_segment", 1, _sql_segment, deterministic=True)
