"""Guards of the site against hostile clients: no request can freeze a worker, take its
memory, crash a page into a traceback, or frame the site.

* **What one statement can allocate** -- SQLite's limits on every connection the site opens
  (:data:`SQL_LIMITS`): a string or blob of at most 8 MB, SQL text of at most 100 KB.
  Datasette's time limit is enforced by SQLite's progress handler, which never fires inside
  one function call: ``printf('%.*c', 900000000, 'x')`` ran 33 s and took 7.8 GB. Now it
  fails at once ("string or blob too big"): the built-ins that can run long inside one call
  (``printf``, ``instr``, ``replace``, ``trim``) are bounded (:mod:`ogi.serve.bounded`), and
  ``LIKE``/``GLOB`` patterns are at most 1,000 bytes (200 in SQL a client writes).
* **Whose SQL waits** -- SQL a client writes (``?sql=``, ``?_where=``) runs in a thread of
  its own with a connection of its own (:class:`Aside`), never in the worker's thread that
  renders pages (``num_sql_threads: 0``): a cached page, the home page and every page of
  the site's own queries answer while it runs. A watchdog interrupts it
  (``Connection.interrupt()``) shortly after the time limit if the progress handler has
  not stopped it by then.
* **Memory** -- each worker process of ``ogi serve`` runs with an address-space limit
  (:data:`MEMORY_LIMIT`), and dies with ``ogi serve``, killed by SIGKILL too
  (:func:`die_with_parent`).
* **Requests that are not reads** -- the site is read-only: a method other than ``GET`` and
  ``HEAD`` (``POST``, ``TRACE``, ``CONNECT`` …) is answered ``405`` with one line
  (:func:`with_guard`); so are a few mistakes Datasette answers with a 500 and a traceback
  (an unknown ``_sort`` column, a number too large for SQLite: :func:`client_error`).
* **Headers** on every response: ``X-Content-Type-Options: nosniff``, the
  ``Content-Security-Policy`` of :data:`CSP` (the site's pages and the dashboard need
  nothing from other origins), ``X-Frame-Options: DENY`` and ``Referrer-Policy``.
"""

from __future__ import annotations

import asyncio
import contextvars
import os
import signal
import sqlite3
import threading
import weakref
from collections.abc import Awaitable, Callable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qsl

from . import bounded

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SQL_LIMITS = {
    sqlite3.SQLITE_LIMIT_LENGTH: 8 << 20,  # bytes of a string or blob (and of a row)
    sqlite3.SQLITE_LIMIT_SQL_LENGTH: 100_000,  # bytes of SQL text
    # bytes of a LIKE or GLOB pattern: matching costs up to its length times the string's
    sqlite3.SQLITE_LIMIT_LIKE_PATTERN_LENGTH: 1000,
}
MEMORY_LIMIT = 2 << 30  # bytes of address space of a worker of `ogi serve`
WATCHDOG_GRACE = 1.0  # seconds past the time limit before the watchdog interrupts
# bytes of a LIKE or GLOB pattern in SQL a client writes: one match costs up to the pattern's
# length times the string's, inside one call, where no time limit reaches (a pattern of 200
# bytes against a string of 8 MB: under 2 s)
CLIENT_LIKE_PATTERN = 200
# Query string arguments that carry SQL the client wrote.
CLIENT_SQL = {"sql", "_where"}
METHODS = {"GET", "HEAD"}

CSP = "; ".join(
    [
        "default-src 'self'",
        # Datasette's pages and the dashboard have inline scripts; Vega compiles its
        # expressions with Function()
        "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
]


def limit_connection(conn: sqlite3.Connection) -> None:
    """Set :data:`SQL_LIMITS` on a connection, and bound the built-in functions that can
    run for seconds inside one call (:mod:`ogi.serve.bounded`)."""
    for limit, value in SQL_LIMITS.items():
        conn.setlimit(limit, value)
    bounded.install(conn, SQL_LIMITS[sqlite3.SQLITE_LIMIT_LENGTH])


def die_with_parent() -> None:
    """Linux: this process is killed when its parent dies, by SIGKILL too; and if the parent
    is gone already, it exits now."""
    parent = os.getppid()
    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the call
        os._exit(1)


def limit_memory(limit: int = MEMORY_LIMIT) -> None:
    """Limit this process's address space to ``limit`` bytes (unless it is lower already)."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if (soft == resource.RLIM_INFINITY or soft > limit) and (
            hard == resource.RLIM_INFINITY or hard >= limit
        ):
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, ValueError, OSError):
        pass


# --- SQL a client writes, aside -----------------------------------------------------------

_CLIENT_SQL: contextvars.ContextVar[bool] = contextvars.ContextVar("ogi_client_sql", default=False)
_ASIDE: weakref.WeakKeyDictionary[Any, Aside] = weakref.WeakKeyDictionary()


class Aside:
    """One thread with a connection of its own to a database, for SQL a client writes; a
    watchdog interrupts a statement that runs past the time limit."""

    def __init__(self, database: Any) -> None:
        # no reference to the database kept: the Aside goes (its thread ends, its connection
        # closes) when the site of another build has replaced the database's
        self.seconds = database.ds.setting("sql_time_limit_ms") / 1000 + WATCHDOG_GRACE
        self.executor = ThreadPoolExecutor(1, thread_name_prefix="ogi-client-sql")
        self.conn: sqlite3.Connection | None = None
        self.interrupted = 0  # statements the watchdog interrupted
        self.executor.submit(self._open, database).result()

    def _open(self, database: Any) -> None:
        conn = database.connect()
        database.ds._prepare_connection(conn, database.name)
        conn.setlimit(sqlite3.SQLITE_LIMIT_LIKE_PATTERN_LENGTH, CLIENT_LIKE_PATTERN)
        self.conn = conn

    def _call(self, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        conn = self.conn
        assert conn is not None
        seconds = self.seconds
        fired = threading.Event()

        def interrupt() -> None:
            fired.set()
            conn.interrupt()

        watchdog = threading.Timer(seconds, interrupt)
        watchdog.daemon = True
        watchdog.start()
        try:
            return fn(conn)
        except BaseException as e:
            drop_tracebacks(e)
            raise
        finally:
            watchdog.cancel()
            if fired.is_set():
                self.interrupted += 1

    def close(self, wait: bool = True) -> None:
        def close_conn() -> None:
            if self.conn is not None:
                self.conn.close()

        self.executor.submit(close_conn)
        self.executor.shutdown(wait=wait)

    async def run(self, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.executor, self._call, fn)


def drop_tracebacks(error: BaseException) -> None:
    """Forget the tracebacks of an error of SQL run aside, of the errors it carries and of
    those it was raised from, so that the frames they hold -- with the cursor of the
    statement -- are freed here, in the SQL thread.

    Freed in the thread that renders pages instead (once the error page is sent), the
    cursor's statement is finalized there, which waits for SQLite's lock on the connection
    -- held by the next client statement for as long as it runs: every request of the
    worker then waited up to the time limit (``scripts/hostile_probe.py`` found cached pages
    answering in 2 s while hostile queries ran one after another)."""
    seen: set[int] = set()
    todo: list[BaseException] = [error]
    while todo:
        e = todo.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        e.__traceback__ = None
        todo += [x for x in (e.__context__, e.__cause__) if x is not None]
        todo += [a for a in getattr(e, "args", ()) if isinstance(a, BaseException)]
        todo += (
            [v for v in vars(e).values() if isinstance(v, BaseException)]
            if hasattr(e, "__dict__")
            else []
        )


def open_aside(database: Any) -> Aside:
    """The :class:`Aside` of a Datasette database, opened now (the site opens its database
    files at start, under the build's lock: see :func:`ogi.serve.app.make_datasette`)."""
    aside = _ASIDE.get(database)
    if aside is None:
        aside = _ASIDE[database] = Aside(database)
    _patch_execute_fn()
    return aside


def close_asides(datasette: Any, wait: bool = True) -> None:
    """Stop the :class:`Aside` threads of ``datasette``'s databases once their statements end
    (a site given up for another build's)."""
    for database in datasette.databases.values():
        aside = _ASIDE.pop(database, None)
        if aside is not None:
            aside.close(wait)


def aside_of(database: Any) -> Aside | None:
    return _ASIDE.get(database)


_PATCHED = False


def _patch_execute_fn() -> None:
    """Datasette's ``Database.execute_fn`` runs a client's SQL aside (when the request is
    marked by :func:`mark_client_sql` and the database has an :class:`Aside`)."""
    global _PATCHED
    if _PATCHED:
        return
    from datasette.database import Database

    original = Database.execute_fn

    async def execute_fn(self: Any, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        aside = _ASIDE.get(self) if _CLIENT_SQL.get() else None
        if aside is None:
            return await original(self, fn)
        return await aside.run(fn)

    Database.execute_fn = execute_fn  # type: ignore[method-assign]
    _PATCHED = True


def has_client_sql(scope: Scope) -> bool:
    query = scope.get("query_string", b"").decode("latin-1")
    return any(k in CLIENT_SQL for k, _ in parse_qsl(query, keep_blank_values=True))


def mark_client_sql(app: ASGIApp) -> ASGIApp:
    """Mark the requests that carry SQL a client wrote, for :func:`_patch_execute_fn`."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") == "http" and has_client_sql(scope):
            token = _CLIENT_SQL.set(True)
            try:
                await app(scope, receive, send)
            finally:
                _CLIENT_SQL.reset(token)
            return
        await app(scope, receive, send)

    return wrapped


# --- methods, headers, client errors ------------------------------------------------------


async def _plain(send: Send, status: int, line: str, extra: list[Any] | None = None) -> None:
    body = (line + "\n").encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                *(extra or []),
                *HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def with_guard(app: ASGIApp) -> ASGIApp:
    """Answer methods other than GET and HEAD with 405; add :data:`HEADERS` to every
    response."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http":
            await app(scope, receive, send)
            return
        if scope.get("method", "GET") not in METHODS:
            await _plain(
                send,
                405,
                f"{scope.get('method')} is not allowed: the site is read-only (GET and HEAD)",
                [(b"allow", b"GET, HEAD")],
            )
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {n.lower() for n, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in HEADERS if n not in names]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await app(scope, receive, send_with_headers)

    return wrapped


def client_error(exception: BaseException) -> tuple[int, str] | None:
    """(status, one line) for an exception that is the request's fault, not the server's,
    which Datasette would answer with a 500 and a traceback; None for the others."""
    from datasette.views.base import DatasetteError

    if isinstance(exception, OverflowError):
        return 400, "a number in the request is too large"
    if isinstance(exception, DatasetteError) and str(exception.message).startswith(
        "Cannot sort table by"
    ):
        return 400, str(exception.message)
    return None
