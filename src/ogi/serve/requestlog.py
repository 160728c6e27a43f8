"""What ``ogi serve`` logs: errors and slow requests, not every request (unless ``--verbose``).

Uvicorn's access log writes a line per request, which buries what matters. Without
``--verbose`` it is off, and :func:`logged` wraps the site's ASGI app to write one line for a
request that answered with a server error (status 500 or more) or took longer than
``$OGI_SERVE_SLOW_SECONDS`` (default 2 s)::

    SLOW:     GET /ogi/statistics?… 200 in 2.31 s
    ERROR:    GET /ogi/… 500 in 0.02 s
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

SLOW_VARIABLE = "OGI_SERVE_SLOW_SECONDS"
VERBOSE_VARIABLE = "OGI_SERVE_VERBOSE"
DEFAULT_SLOW = 2.0


def slow_seconds() -> float:
    try:
        return float(os.environ.get(SLOW_VARIABLE, DEFAULT_SLOW))
    except ValueError:
        return DEFAULT_SLOW


def logged(app: Any, slow: float | None = None) -> Any:
    """``app`` writing a line to stderr for each failing or slow HTTP request."""
    threshold = slow_seconds() if slow is None else slow

    async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope.get("type") != "http":
            await app(scope, receive, send)
            return
        started = time.monotonic()
        status = [0]

        async def sending(message: dict[str, Any]) -> None:
            if message.get("type") == "http.response.start":
                status[0] = int(message.get("status", 0))
            await send(message)

        try:
            await app(scope, receive, sending)
        finally:
            took = time.monotonic() - started
            if status[0] >= 500 or status[0] == 0 or took >= threshold:
                kind = "ERROR:   " if status[0] >= 500 or status[0] == 0 else "SLOW:    "
                query = scope.get("query_string", b"").decode("latin-1")
                path = scope.get("path", "") + (f"?{query}" if query else "")
                line = f"{kind} {scope.get('method', '')} {path} {status[0]} in {took:.2f} s"
                print(line, file=sys.stderr, flush=True)

    return wrapped
