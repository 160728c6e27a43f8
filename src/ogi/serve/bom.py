"""CSV for Excel: ``_bom=1`` on any ``.csv`` URL puts a UTF-8 byte order mark first.

Excel opens a CSV file as the system's legacy code page unless it starts with the UTF-8 BOM
(EF BB BF), and Chinese text then turns into mojibake. Datasette writes CSV without one, so
this ASGI middleware adds it, for tables (also streamed with ``_stream=1``), views, canned
queries and SQL alike::

    /ogi/summary.csv?_stream=1&_dl=1&_bom=1
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

BOM = b"\xef\xbb\xbf"
TRUE = {"1", "on", "true", "yes"}

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[
    [Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]],
    Awaitable[None],
]


def wants_bom(scope: Scope) -> bool:
    """Is this a request for a CSV file with ``_bom`` set?"""
    if scope.get("type") != "http" or not str(scope.get("path", "")).endswith(".csv"):
        return False
    query = scope.get("query_string", b"").decode("latin-1")
    return any(k == "_bom" and v.lower() in TRUE for k, v in parse_qsl(query))


def with_bom(app: ASGIApp) -> ASGIApp:
    """Wrap an ASGI app so that successful ``?_bom=1`` CSV responses start with the BOM."""

    async def wrapped(
        scope: Scope,
        receive: Callable[[], Awaitable[Message]],
        send: Callable[[Message], Awaitable[None]],
    ) -> None:
        if not wants_bom(scope):
            await app(scope, receive, send)
            return
        state = {"ok": False, "sent": False}

        async def send_with_bom(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["ok"] = message.get("status") == 200
                if state["ok"]:
                    headers = []
                    for name, value in message.get("headers", []):
                        if name.lower() == b"content-length":
                            value = str(int(value) + len(BOM)).encode("latin-1")
                        headers.append((name, value))
                    message = {**message, "headers": headers}
            elif message["type"] == "http.response.body" and state["ok"] and not state["sent"]:
                message = {**message, "body": BOM + message.get("body", b"")}
                state["sent"] = True
            await send(message)

        await app(scope, receive, send_with_bom)

    return wrapped
