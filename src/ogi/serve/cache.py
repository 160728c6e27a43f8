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
scheme, ``Host`` header, path and query string (Datasette writes absolute URLs from the
``Host``). Entries are evicted least-recently-used when the cache exceeds ``max_bytes``.
Responses carry ``x-ogi-cache: hit`` or ``miss`` so that a load test can tell them apart.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

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


def _key(scope: Scope) -> tuple[Any, ...] | None:
    """The cache key of a request, or None when it must not be cached."""
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
    return (scope.get("scheme", "http"), host, scope.get("path", ""), query)


def with_cache(app: ASGIApp, cache: ResponseCache | None = None) -> ASGIApp:
    """Wrap an ASGI app with a :class:`ResponseCache` (a new one unless given)."""
    store = cache if cache is not None else ResponseCache()

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        key = _key(scope)
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
