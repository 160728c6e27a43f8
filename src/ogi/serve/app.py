"""The Datasette site: the built database, read-only, with the generated metadata.

>>> ds = make_datasette(Path("."))  # doctest: +SKIP
>>> (await ds.client.get("/ogi/sections.json?_search=舆情")).status_code  # doctest: +SKIP
200
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml
from datasette.app import Datasette

from ..build import publish
from ..errors import OgiError
from ..package import schema
from ..store.views import views
from . import cache, guard, processes, requestlog, snapshot
from .metadata import site

# The site's templates (they override Datasette's and datasette-dashboards' of the same name)
# and its stylesheet, served at /ogi-static/.
HERE = Path(__file__).parent


class _GuardedConsole:
    """rich's console, but ``print_exception`` only when there is an exception to print and it
    is the server's fault (500), not the request's (a 404 or a 400: no such row, SQL that
    does not parse). Datasette prints every one with its local variables, which takes rich
    0.4 s of CPU for a mistyped URL and fills the log."""

    def __init__(self, console: Any) -> None:
        self._console = console

    def print_exception(self, **kwargs: Any) -> None:
        exception = sys.exc_info()[1]
        if exception is not None and getattr(exception, "status", 500) >= 500:
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


class _GuardedTraceback:
    """Stands in for the ``traceback`` module in :mod:`datasette.handle_exception`, whose
    default hook prints every exception it does not know for the request's with
    ``traceback.print_exc()``: not those :func:`ogi.serve.guard.client_error` answers."""

    def __init__(self, module: Any) -> None:
        self._module = module

    def print_exc(self, *args: Any, **kwargs: Any) -> None:
        exception = sys.exc_info()[1]
        if exception is None or getattr(exception, "status", 500) >= 500:
            self._module.print_exc(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, name)


def _guard_rich_tracebacks() -> None:
    # Imported here, not at the top: datasette.plugins must be imported first (it is, by
    # datasette.app), or it registers a half-imported datasette.handle_exception without its
    # hook and every error page fails ("Default exception handler should have returned ...").
    from datasette import handle_exception

    rich = getattr(handle_exception, "rich", None)
    if rich is not None and not isinstance(rich, _GuardedRich):
        handle_exception.rich = _GuardedRich(rich)
    if not isinstance(handle_exception.traceback, _GuardedTraceback):
        handle_exception.traceback = _GuardedTraceback(handle_exception.traceback)  # type: ignore[assignment]


OPEN_WAIT = 10.0  # seconds to wait for a publication under way to end before opening


def make_datasette(out: Path, cache_file: Path | None = None) -> Datasette:
    """A Datasette over ``out/build/ogi.db`` (immutable) with ``out/metadata.yml``, the
    site's templates and stylesheet; its response cache in memory, or in ``cache_file``
    shared with other processes (see :mod:`ogi.serve.cache`).

    It opens one build whole (:mod:`ogi.serve.snapshot`): the database, the metadata and
    the package files of the same publication -- opened again if a publication ended while
    they were being opened; while one is under way (or after a kill cut it short, until
    :func:`ogi.build.publish.recover_if_needed` finishes or undoes it) it waits."""
    db = out / "build" / "ogi.db"
    meta = out / "metadata.yml"
    if not db.exists():
        raise OgiError(f"{db}: no database; run `ogi build` first (or `make run`)")
    if not meta.exists():
        raise OgiError(f"{meta}: no metadata.yml; run `ogi build` first")
    _guard_rich_tracebacks()
    deadline = time.monotonic() + OPEN_WAIT
    while True:
        before = snapshot.published(out)
        if before is None:
            publish.recover_if_needed(out)
            before = snapshot.published(out)
        if before is not None:
            ds = _open(out, db, meta, before)
            if snapshot.published(out) == before:
                break
            guard.close_asides(ds)
        if time.monotonic() > deadline:
            raise OgiError(
                f"{out}: a build is publishing into this folder; serve it once it is done"
            )
        time.sleep(0.05)
    if cache_file is not None:
        cache.share(ds, cache_file)
    return ds


def _open(out: Path, db: Path, meta: Path, stamp: snapshot.Stamp) -> Datasette:
    metadata = yaml.safe_load(meta.read_text(encoding="utf-8"))
    with publish.db_lock(out, exclusive=False):  # not while a build updates it in place
        ds = Datasette(
            immutables=[str(db)],
            metadata=metadata,
            settings=dict(site()["settings"]),
            template_dir=str(HERE / "templates"),
            static_mounts=[("ogi-static", str(HERE / "static"))],
        )
        _open_now(ds, db, stamp)
    return ds


def _open_now(ds: Datasette, db: Path, stamp: snapshot.Stamp) -> None:
    """Open the site's connection to its database file now, not at the first request.

    The site reads the file it opened for as long as it runs: a build that finds it open
    leaves it alone and publishes a new file (:func:`ogi.build.publish.unused`). Datasette opens
    its connection lazily, by path; opened here, under :func:`ogi.build.publish.db_lock`, it is
    never opened halfway through an update in place. With ``num_sql_threads: 0`` (site.yml)
    this one connection serves the site's own queries; a second one, opened here too, the
    SQL clients write (:class:`ogi.serve.guard.Aside`)."""
    (database,) = (d for d in ds.databases.values() if d.path == str(db))

    def run() -> None:
        asyncio.run(database.execute_fn(lambda conn: conn.execute("SELECT 1").fetchone()))

    thread = threading.Thread(target=run)  # a thread: the caller may be in an event loop
    thread.start()
    thread.join()
    guard.open_aside(database)  # and the connection for the SQL clients write
    snapshot.pin(ds, stamp)  # and the package's files of the same build


class Switching:
    """The site of ``out`` as an ASGI app that takes up each new build published there.

    Each request first looks at which build is published (:func:`ogi.serve.snapshot.published`,
    one ``stat``); when it is not the one served, the site of the new build is opened whole
    (:func:`make_datasette`) and this request and every later one are answered by it -- in
    every worker process of ``ogi serve``, since each looks before each request: once a
    publication has ended, no worker answers from the build before it. Requests already
    under way end with the build they began with. While a publication is under way, or cut
    short by a kill until the next ``ogi`` command, the build served stays the one before."""

    def __init__(self, out: Path, ds: Datasette, cache_file: Path | None = None) -> None:
        self.out, self.cache_file = out, cache_file
        self.ds, self.app = ds, ds.app()
        self.stamp = snapshot.stamp_of(ds)
        self.lock: asyncio.Lock | None = None
        self.switches = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope.get("type") == "http":
            now = snapshot.published(self.out)
            if now is not None and now != self.stamp:
                await self._switch()
        await self.app(scope, receive, send)

    async def _switch(self) -> None:
        if self.lock is None:
            self.lock = asyncio.Lock()
        async with self.lock:
            now = snapshot.published(self.out)
            if now is None or now == self.stamp:  # another request switched already
                return
            try:
                ds = await asyncio.to_thread(make_datasette, self.out, self.cache_file)
            except OgiError:
                return  # nothing whole to take up: go on serving the build served
            await ds.invoke_startup()
            # the site replaced: its Aside and files close once the requests under way end
            self.ds, self.app, self.stamp = ds, ds.app(), snapshot.stamp_of(ds)
            self.switches += 1


# How :func:`serve` tells its worker processes what to serve (uvicorn starts each worker
# afresh and builds its app with :func:`worker_app`).
OUT_VARIABLE = "OGI_SERVE_OUT"
CACHE_VARIABLE = "OGI_SERVE_CACHE"


def worker_app() -> Any:
    """The ASGI app of one worker process of :func:`serve` (a uvicorn app factory): the site
    of ``$OGI_SERVE_OUT`` with the response cache that all workers share in
    ``$OGI_SERVE_CACHE``."""
    out, cache_file = Path(os.environ[OUT_VARIABLE]), Path(os.environ[CACHE_VARIABLE])
    app = Switching(out, make_datasette(out, cache_file=cache_file), cache_file)
    return app if os.environ.get(requestlog.VERBOSE_VARIABLE) else requestlog.logged(app)


def _encode_uri_component(text: str) -> str:
    """JavaScript's ``encodeURIComponent``: how the dashboard's script writes its data URLs."""
    return quote(text, safe="!'()*-._~")


def warm_paths() -> list[str]:
    """The pages nobody should wait for: home, every table, view and canned query as first
    opened, the search page, the dashboard and the data of its charts."""
    cfg = site()
    db = cfg["database"]
    paths = ["/", f"/{db}", "/-/search", "/-/dashboards/overview"]
    paths += [f"/{db}/{r['name']}" for r in schema.resources()]
    paths += [f"/{db}/{name}" for name in views()]
    paths += [f"/{db}/{name}" for name in cfg["queries"]]
    for dashboard in cfg["dashboards"].values():
        for chart in dashboard["charts"].values():
            sql = re.sub(r"\[\[.*?\]\]", "", chart["query"])
            paths.append(f"/{db}.json?sql={_encode_uri_component(sql)}&&_shape=objects")
    return paths


def warm(base: str, paths: list[str], timeout: float = 60.0) -> int:
    """Ask the site at ``base`` for ``paths`` once it answers (filling its response cache);
    return how many answered 200."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/-/versions.json", timeout=2):
                break
        except OSError:
            time.sleep(0.2)
    ok = 0
    for path in paths:
        try:
            with urllib.request.urlopen(base + path, timeout=timeout) as response:
                response.read()
                ok += response.status == 200
        except OSError:
            pass
    return ok


WORKERS_VARIABLE = "OGI_SERVE_WORKERS"


def default_workers() -> int:
    """``$OGI_SERVE_WORKERS`` if set, else one worker process per CPU.

    A page is rendered in Python, one at a time in each process (SQL runs in the process's
    own thread, ``num_sql_threads: 0`` in site.yml), so one process per CPU keeps every CPU
    at work, first come first served. More processes only share the same CPUs: under
    ``scripts/load_test.py`` on 2 CPUs, 2 workers answered 800 requests a second with p95 of
    80 ms, 4 workers 680 with 110 ms, 6 workers 380–610 with 125–210 ms."""
    value = os.environ.get(WORKERS_VARIABLE, "").strip()
    if value:
        if not value.isdigit() or int(value) < 1:
            raise OgiError(f"{WORKERS_VARIABLE}={value!r}: give a number of processes, 1 or more")
        return int(value)
    if not hasattr(socket, "SO_REUSEPORT"):  # the workers could not share the port
        return 1
    return max(1, os.cpu_count() or 1)


def serve(
    out: Path,
    host: str = "127.0.0.1",
    port: int = 8001,
    warm_up: bool = True,
    workers: int | None = None,
    verbose: bool = False,
) -> None:
    """Serve the site until interrupted (logging every request when ``verbose``, else errors
    and slow requests alone: :mod:`ogi.serve.requestlog`), with ``workers`` processes (default:
    :func:`default_workers`; see :mod:`ogi.serve.processes`) sharing one response cache;
    once it answers, open the pages of :func:`warm_paths` in the background so that their
    first visitors find them cached."""
    import uvicorn

    workers = workers or default_workers()
    ds = make_datasette(out)  # refuses a missing build before any worker starts
    if warm_up:
        local = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        base = f"http://{local}:{port}"
        threading.Thread(target=warm, args=(base, warm_paths()), daemon=True).start()
    if workers == 1:
        guard.limit_memory()
        switching = Switching(out, ds)
        app = switching if verbose else requestlog.logged(switching)
        uvicorn.run(app, host=host, port=port, log_level="info", access_log=verbose)
        return
    with tempfile.TemporaryDirectory(prefix="ogi-serve-") as tmp:
        os.environ[OUT_VARIABLE] = str(out.resolve())
        os.environ[CACHE_VARIABLE] = str(Path(tmp) / "cache.db")
        cache.SharedCache.prepare(Path(tmp) / "cache.db")
        if verbose:
            os.environ[requestlog.VERBOSE_VARIABLE] = "1"
        processes.run(f"{__name__}:worker_app", host, port, workers, access_log=verbose)
