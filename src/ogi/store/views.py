"""What the site needs inside the database: views, extra full-text indexes, indexes.

Declared in ``views.yml`` and added by :func:`create_views` at the end of
:func:`ogi.store.load.load` -- the site opens the database immutable, so it cannot add them later.
The full-text indexes are made by the load itself, from the text the parsing workers
segmented (:func:`ogi.store.tables.create_shard`).

>>> sorted(views())
['report_rates']
>>> table_facets()["statistics"], view_facets()["report_rates"][:2]
(['indicator', 'column', 'value_status'], ['year', 'province'])
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Any

import sqlite_utils
import yaml

from .search import enable_search

SEARCH = {"sections": ["heading", "body"]}  # the report text: indexed by the load itself


@cache
def declared() -> dict[str, Any]:
    """The whole of ``views.yml``."""
    text = files(__name__.rpartition(".")[0]).joinpath("views.yml").read_text(encoding="utf-8")
    return yaml.safe_load(text)  # type: ignore[no-any-return]


def views() -> dict[str, dict[str, Any]]:
    """View name → its declaration (titles, columns, facets, sql), in file order."""
    return declared()["views"]  # type: ignore[no-any-return]


def table_facets() -> dict[str, list[str]]:
    """Table → the columns its page facets on (``views.yml``: ``facets``)."""
    return declared()["facets"]  # type: ignore[no-any-return]


def view_facets() -> dict[str, list[str]]:
    """View → the columns its page facets on."""
    return {name: view["facets"] for name, view in views().items() if view.get("facets")}


@cache
def search_columns() -> dict[str, list[str]]:
    """Table → the columns its full-text index covers, ``sections`` included."""
    return {**SEARCH, **declared()["search"]}


def create_views(db: sqlite_utils.Database, search: bool = True) -> None:
    """Add the site's full-text indexes (unless ``search`` is False: the load made them),
    indexes and views to a loaded database (the load then counts the facets,
    :func:`ogi.store.facets.create`).

    Idempotent: indexes are created if missing, views and full-text tables are replaced.
    """
    if search:
        for table, columns in declared()["search"].items():
            enable_search(db, table, columns)
    for table, indexes in declared()["indexes"].items():
        for columns in indexes:
            db.table(table).create_index(columns, if_not_exists=True)
    for name, view in views().items():
        db.create_view(name, view["sql"], replace=True)
