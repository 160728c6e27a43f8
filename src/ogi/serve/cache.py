"""A response cache: the database is immutable, so the same URL always gets the same page.

Datasette builds every page from scratch: a table page of ``statistics`` on a corpus of
10,000 reports runs a row count and three facet counts over 300,000 rows (about 100 ms of
SQL) and renders the HTML (about 30 ms), each time. Because the site serves its database
immutable, a page is a pure function of its URL, so this ASGI middleware keeps recent
responses in memory and answers repeats from there -- what a caching proxy in front of the
site would do, without one. Datasette's own ``Cache-Control: max-age`` headers are kept.

Only complete, successful ``GET`` responses of HTML or JSON are kept: not streamed
responses (CSV), not responses that set cookies, not requests that carry Datasette's
cookies (a signed-in actor, flash messages) or ask for a trace (``_trace``). The key is the
build the site serves (:func:`ogi.serve.snapshot.build_id`), the scheme, ``Host`` header, path and query string (Datasette writes absolute URLs from the
``Host``), the query string written one way (:func:`normal_query`), so that the dashboard's
script and another client asking for the same chart data with other escapes share a page. Entries are evicted least-recently-used when the cache exceeds ``max_bytes``.
Responses carry ``x-ogi-cache: hit`` or ``miss`` so that a load test can tell them apart.

One server process keeps its cache in memory (:class:`ResponseCache`). When ``ogi serve``
runs several worker processes, they share one cache in a SQLite file (:class:`SharedCache`),
so that a page rendered by one worker -- or opened by the warm-up at start -- is a hit in
all of them.
"""

from __future__ import annotations

import json
import sqlite3
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CACHEABLE_TYPES = (b"text/html", b"application/json")
PRIVATE_COOKIES = (b"ds_actor", b"ds_messages")


class ResponseCache:
    """An LRU map from request keys to (status, headers, body), bounded in bytes."""

    def __init__(self, max_bytes: int = 128 * 1024 * 1024, max_entry: int = 4 * 1024 * 1024):
        self.max_bytes = max_bytes
        self.max_entry = max_entry
        self.size = 0
        self.entries: OrderedDict[tuple[Any, ...], tuple[int, list[Any], bytes]] = OrderedDict()

    def get(self, key: tuple[Any, ...]) -> tuple[int, list[Any], bytes] | None:
        entry = self.entries.get(key)
        if entry is not None:
            self.entries.move_to_end(key)
        return entry

    def put(self, key: tuple[Any, ...], status: int, headers: list[Any], body: bytes) -> None:
        if len(body) > self.max_entry or key in self.entries:
            return
        self.entries[key] = (status, headers, body)
        self.size += len(body)
        while self.size > self.max_bytes and self.entries:
            _, (_, _, old) = self.entries.popitem(last=False)
            self.size -= len(old)


class SharedCache:
    """The interface of :class:`ResponseCache`, kept in a SQLite file that any number of
    processes open at once; bounded in bytes, the oldest entries evicted first. A cache that
    cannot be read or written (locked too long, disk full) is a miss, never an error.

    >>> import tempfile, pathlib
    >>> store = SharedCache(pathlib.Path(tempfile.mkdtemp()) / "cache.db", max_bytes=10)
    >>> store.put(("http", b"h", "/a", b""), 200, [(b"content-type", b"text/html")], b"12345")
    >>> store.get(("http", b"h", "/a", b""))
    (200, [(b'content-type', b'text/html')], b'12345')
    """

    SCHEMA = """
        create table if not exists entries (
            key blob not null unique, status integer, headers text, body blob, size integer);
        create table if not exists total (bytes integer not null);
        insert into total select 0 where not exists (select 1 from total);
    """

    def __init__(
        self, path: Path, max_bytes: int = 256 * 1024 * 1024, max_entry: int = 4 * 1024 * 1024
    ):
        self.path, self.max_bytes, self.max_entry = path, max_bytes, max_entry
        # autocommit; used by one thread at a time (the server's event loop)
        self.conn = sqlite3.connect(path, timeout=5, isolation_level=None, check_same_thread=False)
        self.conn.execute("pragma journal_mode = wal")
        self.conn.execute("pragma synchronous = off")  # a cache: a crash may lose it
        self.conn.executescript(f"begin immediate; {self.SCHEMA} commit;")

    @classmethod
    def prepare(cls, path: Path) -> None:
        """Make the file (its tables, in WAL mode) before the workers open it: a worker
        turning a new file to WAL while another writes its tables found it locked, and died
        as it started. Once the file is in WAL mode, opening it again changes nothing."""
        cls(path).conn.close()

    @staticmethod
    def _encode(key: tuple[Any, ...]) -> bytes:
        return repr(key).encode("utf-8")

    def get(self, key: tuple[Any, ...]) -> tuple[int, list[Any], bytes] | None:
        try:
            row = self.conn.execute(
                "select status, headers, body from entries where key = ?", [self._encode(key)]
            ).fetchone()
        except sqlite3.Error:
            return None
        if row is None:
            return None
        headers = [(n.encode("latin-1"), v.encode("latin-1")) for n, v in json.loads(row[1])]
        return row[0], headers, row[2]

    def put(self, key: tuple[Any, ...], status: int, headers: list[Any], body: bytes) -> None:
        if len(body) > self.max_entry:
            return
        encoded = json.dumps(
            [[bytes(n).decode("latin-1"), bytes(v).decode("latin-1")] for n, v in headers]
        )
        try:
            self._put(self._encode(key), status, encoded, body)
        except sqlite3.Error:
            if self.conn.in_transaction:
                self.conn.execute("rollback")

    def _put(self, key: bytes, status: int, headers: str, body: bytes) -> None:
        conn = self.conn
        conn.execute("begin immediate")
        added = conn.execute(
            "insert or ignore into entries (key, status, headers, body, size) "
            "values (?, ?, ?, ?, ?)",
            [key, status, headers, body, len(body)],
        ).rowcount
        if added:
            (size,) = conn.execute(
                "update total set bytes = bytes + ? returning bytes", [len(body)]
            ).fetchone()
            while size > self.max_bytes:  # the oldest out first
                oldest = conn.execute(
                    "delete from entries where rowid = (select min(rowid) from entries) "
                    "returning size"
                ).fetchone()
                if oldest is None:
                    break
                (size,) = conn.execute(
                    "update total set bytes = bytes - ? returning bytes", [oldest[0]]
                ).fetchone()
        conn.execute("commit")


_SHARED_FILES: weakref.WeakKeyDictionary[Any, Path] = weakref.WeakKeyDictionary()


def share(datasette: Any, path: Path) -> None:
    """Keep ``datasette``'s responses in the :class:`SharedCache` at ``path``."""
    _SHARED_FILES[datasette] = path


def store_for(datasette: Any) -> ResponseCache | SharedCache:
    """The cache of ``datasette``: the shared file given to :func:`share`, else in memory."""
    path = _SHARED_FILES.get(datasette)
    return SharedCache(path) if path is not None else ResponseCache()


def normal_query(query: bytes) -> bytes:
    """The query string as Datasette reads it, written one way: the same arguments in the same
    order, whether a client wrote a space as ``+`` or ``%20`` or left an empty ``&&``.

    >>> normal_query(b"sql=select+1&&_shape=objects") == normal_query(b"sql=select%201&_shape=objects")
    True
    """
    pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
    return urlencode(pairs, quote_via=quote).encode("ascii")


def _key(scope: Scope, build: str = "") -> tuple[Any, ...] | None:
    """The cache key of a request (of the site serving ``build``), or None when it must not
    be cached."""
    if scope.get("type") != "http" or scope.get("method") != "GET":
        return None
    query = scope.get("query_string", b"")
    if b"_trace" in query or b"_stream" in query:
        return None
    host = b""
    for name, value in scope.get("headers", []):
        if name == b"cookie" and any(c in value for c in PRIVATE_COOKIES):
            return None
        if name == b"host":
            host = value
    key = (scope.get("scheme", "http"), host, scope.get("path", ""), normal_query(query))
    return (build, *key) if build else key


def with_cache(
    app: ASGIApp,
    cache: ResponseCache | SharedCache | None = None,
    build: Callable[[], str] = str,
) -> ASGIApp:
    """Wrap an ASGI app with a response cache (a new :class:`ResponseCache` unless given),
    its pages keyed by the build the app serves (``build()``, see
    :mod:`ogi.serve.snapshot`): a page of one build is never a hit for another."""
    store = cache if cache is not None else ResponseCache()

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        key = _key(scope, build())
        if key is None:
            await app(scope, receive, send)
            return
        hit = store.get(key)
        if hit is not None:
            status, headers, body = hit
            await send(
                {
                    "type": "http.response.start",
                    "status": status,
                    "headers": [*headers, (b"x-ogi-cache", b"hit")],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        state: dict[str, Any] = {"keep": False, "chunks": []}

        async def recording_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                content_type = next((v for n, v in headers if n.lower() == b"content-type"), b"")
                state["keep"] = (
                    message.get("status") == 200
                    and content_type.startswith(CACHEABLE_TYPES)
                    and not any(n.lower() == b"set-cookie" for n, _ in headers)
                )
                state["status"], state["headers"] = message.get("status"), headers
                message = {**message, "headers": [*headers, (b"x-ogi-cache", b"miss")]}
            elif message["type"] == "http.response.body" and state["keep"]:
                state["chunks"].append(message.get("body", b""))
                if message.get("more_body"):  # streamed: do not keep
                    state["keep"] = False
                else:
                    store.put(key, state["status"], state["headers"], b"".join(state["chunks"]))
            await send(message)

        await app(scope, receive, recording_send)

    return wrapped
