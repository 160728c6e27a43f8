"""The Datasette site: the built database, read-only, with the generated metadata.

>>> ds = make_datasette(Path("."))  # doctest: +SKIP
>>> (await ds.client.get("/ogi/sections.json?_search=舆情")).status_code  # doctest: +SKIP
200
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml
from datasette.app import Datasette

from ..errors import OgiError
from .metadata import site


class _GuardedConsole:
    """rich's console, but ``print_exception`` only when there is an exception to print."""

    def __init__(self, console: Any) -> None:
        self._console = console

    def print_exception(self, **kwargs: Any) -> None:
        if sys.exc_info()[0] is not None:
            self._console.print_exception(**kwargs)


class _GuardedRich:
    """Stands in for the ``rich`` module in :mod:`datasette.handle_exception`.

    Datasette 0.65's default ``handle_exception`` hook calls
    ``rich.get_console().print_exception()`` whenever rich is importable (here it is, via
    frictionless -> typer), also outside an ``except`` block -- e.g. for every URL that no
    route matches (``/a/b/c/d``, ``/ogi/reports/-/insert``). rich then raises ``ValueError``
    ("Value for 'trace' required if not called in except: block"), so such a request ends in
    "Exception in ASGI application" and a 500 instead of a 404 (and ``ds.client`` raises).
    """

    def __init__(self, rich: Any) -> None:
        self._rich = rich

    def get_console(self) -> _GuardedConsole:
        return _GuardedConsole(self._rich.get_console())


def _guard_rich_tracebacks() -> None:
    # Imported here, not at the top: datasette.plugins must be imported first (it is, by
    # datasette.app), or it registers a half-imported datasette.handle_exception without its
    # hook and every error page fails ("Default exception handler should have returned ...").
    from datasette import handle_exception

    rich = getattr(handle_exception, "rich", None)
    if rich is not None and not isinstance(rich, _GuardedRich):
        handle_exception.rich = _GuardedRich(rich)


def make_datasette(out: Path) -> Datasette:
    """A Datasette over ``out/build/ogi.db`` (immutable) with ``out/metadata.yml``."""
    db = out / "build" / "ogi.db"
    meta = out / "metadata.yml"
    if not db.exists():
        raise OgiError(f"{db}: no database; run `ogi build` first (or `make run`)")
    if not meta.exists():
        raise OgiError(f"{meta}: no metadata.yml; run `ogi build` first")
    metadata = yaml.safe_load(meta.read_text(encoding="utf-8"))
    _guard_rich_tracebacks()
    return Datasette(immutables=[str(db)], metadata=metadata, settings=dict(site()["settings"]))


def serve(out: Path, host: str = "127.0.0.1", port: int = 8001) -> None:
    """Serve the site until interrupted."""
    import uvicorn

    ds = make_datasette(out)
    uvicorn.run(ds.app(), host=host, port=port, log_level="info")
