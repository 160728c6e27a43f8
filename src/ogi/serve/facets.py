"""Facets of a page that shows all of a table's rows, read from the counts the build kept.

Datasette's column facet counts its column over the rows of the page, whatever they are.
When the page shows every row of a table or view -- no filter, no search, only a sort, a
page size, a next page or the columns chosen (:data:`UNFILTERED_ARGS`) -- those counts are
the ones the build kept in ``facet_counts`` (:mod:`ogi.store.facets`), and this facet reads
them: the first page of ``statistics`` at 100,000 reports takes milliseconds instead of the
1.5 s of counting 14.4 million rows three times. Any other page, and any column the build did
not count (``_facet=`` of another column), is counted by Datasette as before.

:class:`CountedColumnFacet` takes the place of Datasette's :class:`ColumnFacet`
(:func:`facet_classes`); the rest of the facet -- labels of foreign keys, links to select a
value, "…" for all values -- is Datasette's own.
"""

from __future__ import annotations

import re
import weakref
from typing import Any

from datasette import facets as datasette_facets
from datasette.facets import ColumnFacet
from datasette.utils import escape_sqlite

# Query string arguments that change how a table page looks, not which rows it holds.
UNFILTERED_ARGS = {"_sort", "_sort_desc", "_size", "_next", "_facet", "_facet_size", "_col"}
UNFILTERED_ARGS |= {"_nocol", "_labels", "_nofacet", "_nocount", "_nosuggest"}

# the query ColumnFacet.facet_results runs for a column (Datasette 0.65): its column, its limit
FACET_SQL = re.compile(
    r"\s*select (?P<col>.+?) as value, count\(\*\) as count from \(.*"
    r"group by (?P=col) order by count desc, value limit (?P<limit>\d+)\s*$",
    re.DOTALL,
)
COUNTS_SQL = (
    "select value, n as count from facet_counts where tbl = :tbl and col = :col "
    "order by n desc, value limit {limit}"
)

# datasette → {(database, table): the columns counted}, read at startup (ogi.serve.plugin)
COUNTED: weakref.WeakKeyDictionary[Any, dict[tuple[str, str], set[str]]] = (
    weakref.WeakKeyDictionary()
)


def unfiltered(request: Any) -> bool:
    """Whether the page shows every row of its table (its arguments only arrange them)."""
    return request is not None and all(k in UNFILTERED_ARGS for k in request.args)


async def read_counted(datasette: Any, database: str) -> None:
    """Note which columns of which tables ``database`` keeps counts of (none when it was
    built before them)."""
    db = datasette.databases[database]
    found: dict[tuple[str, str], set[str]] = {}
    if await db.table_exists("facet_counts"):
        for tbl, col in (await db.execute("select distinct tbl, col from facet_counts")).rows:
            found.setdefault((database, tbl), set()).add(col)
    COUNTED.setdefault(datasette, {}).update(found)


class CountedColumnFacet(ColumnFacet):  # type: ignore[misc]
    """Datasette's column facet, counted by the build on a page that shows every row."""

    ds: Any
    database: str
    table: str | None
    request: Any

    async def facet_results(self) -> Any:
        table = self.table or ""
        columns = COUNTED.get(self.ds, {}).get((self.database, table))
        if not columns or not unfiltered(self.request):
            return await super().facet_results()
        real = self.ds
        self.ds = _Counts(real, table, {escape_sqlite(c): c for c in columns})
        try:
            return await super().facet_results()
        finally:
            self.ds = real


class _Counts:
    """The Datasette a facet sees: its counting query of a counted column is answered from
    ``facet_counts``; everything else is Datasette's."""

    def __init__(self, datasette: Any, table: str, columns: dict[str, str]) -> None:
        self._datasette, self._table, self._columns = datasette, table, columns

    def __getattr__(self, name: str) -> Any:
        return getattr(self._datasette, name)

    async def execute(self, database: str, sql: str, params: Any = None, **kwargs: Any) -> Any:
        found = FACET_SQL.match(sql)
        column = self._columns.get(found.group("col")) if found else None
        if found is None or column is None:
            return await self._datasette.execute(database, sql, params, **kwargs)
        counts = COUNTS_SQL.format(limit=int(found.group("limit")))
        return await self._datasette.execute(
            database, counts, {"tbl": self._table, "col": column}, **kwargs
        )


def facet_classes() -> list[Any]:
    """Datasette's facet classes, its column facet replaced by :class:`CountedColumnFacet`."""
    return [
        CountedColumnFacet if klass is ColumnFacet else klass
        for klass in datasette_facets.register_facet_classes()
    ]
