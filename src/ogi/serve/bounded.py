"""SQLite's built-in functions that can run for seconds inside one call, bounded.

SQLite's progress handler (Datasette's time limit) and ``Connection.interrupt()`` are seen
only between the steps of a statement, never inside one function call; and SQLite checks
its length limit (:data:`ogi.serve.guard.SQL_LIMITS`) when a string is made, not while it
is being made. So one call can hold a worker's SQL thread and a CPU for seconds to minutes
whatever the limits:

* ``printf('%.*c', 900000000, 'x')`` (or ``format``) loops 900 million times to make a
  string that is then refused as too long: 3.5 s of CPU per call;
* ``instr(X, Y)``, ``replace(X, Y, Z)`` compare ``Y`` at every position of ``X``: with
  ``X`` of 4 MB and ``Y`` of 200 KB, 13 s each;
* ``trim(X, Y)`` (``ltrim``, ``rtrim``) compares every character of ``X`` it strips with
  every character of ``Y``: minutes for strings of a few MB.

:func:`install` replaces them on a connection (SQLite lets an application-defined function
override a built-in of the same name and number of arguments). A call that would make a
string longer than the length limit -- a width or a repeat count above it -- fails at once
with SQLite's own error, "string or blob too big". ``instr``, ``replace`` and ``trim`` of
text are computed in Python, in time linear in their arguments (``str.find``,
``str.replace``); any other call (numbers, blobs, short arguments) is handed to the
built-in itself, on a private connection, with the same result as before, unless its
arguments are so long that the built-in's quadratic work would exceed :data:`WORK` -- then
it is refused the same way.

``LIKE`` and ``GLOB`` are bounded by SQLite's own pattern length limit instead
(``SQLITE_LIMIT_LIKE_PATTERN_LENGTH`` in :data:`ogi.serve.guard.SQL_LIMITS`; 200 bytes in SQL
a client writes, :data:`ogi.serve.guard.CLIENT_LIKE_PATTERN`).

>>> import sqlite3
>>> conn = sqlite3.connect(":memory:")
>>> install(conn, 1000)
>>> conn.execute("select printf('%05.1f|%s', 3.14159, 'a'), instr('abc', 'c')").fetchone()
('003.1|a', 3)
>>> conn.execute("select printf('%.*c', 900000000, 'x')").fetchone()
Traceback (most recent call last):
  ...
sqlite3.DataError: string or blob too big
"""

from __future__ import annotations

import re
import sqlite3
import sys
import threading
from collections.abc import Callable
from typing import Any

WORK = 10**8  # byte comparisons a built-in may make in one call (~0.1 s)
# printf's conversions whose precision is a maximum (of characters shown), not a size
_PRECISION_IS_MAX = set("sSzqQw")
_SPEC = re.compile(r"%([-+ #0,!]*)(\*|\d*)(?:\.(\*|\d*))?(l{0,2})(.)", re.DOTALL)

_PRIVATE = threading.local()


def _builtin(limit: int) -> sqlite3.Connection:
    """This thread's private connection, whose functions are SQLite's own."""
    conn: sqlite3.Connection | None = getattr(_PRIVATE, "conn", None)
    if conn is None:
        conn = _PRIVATE.conn = sqlite3.connect(":memory:", check_same_thread=False)
        conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, limit)
    return conn


def _call(limit: int, name: str, args: tuple[Any, ...]) -> Any:
    """SQLite's built-in ``name`` of ``args``."""
    marks = ", ".join("?" * len(args))
    return _builtin(limit).execute(f"select {name}({marks})", args).fetchone()[0]


def _size(value: Any) -> int:
    """The bytes SQLite works on for a value (a number is at most a few dozen)."""
    if isinstance(value, str):
        return len(value.encode("utf-8", "surrogatepass"))
    if isinstance(value, bytes):
        return len(value)
    return 32


class TooBig(OverflowError):
    """A call refused: Python's sqlite3 answers an OverflowError raised by a function with
    SQLITE_TOOBIG ("string or blob too big")."""


def _too_big() -> TooBig:
    return TooBig("string or blob too big")


def _quiet_unraisable(previous: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Datasette turns on ``sqlite3.enable_callback_tracebacks``: each refusal would print a
    traceback in the server's log. Not for :class:`TooBig`: it is the request's answer."""

    def hook(unraisable: Any) -> None:
        if not isinstance(unraisable.exc_value, TooBig):
            previous(unraisable)

    hook.ogi_quiet = True  # type: ignore[attr-defined]
    return hook


def _integer(value: Any) -> int:
    """The integer SQLite reads from a ``*`` argument of printf (at least; a bound)."""
    if isinstance(value, bool | int):
        return int(value)
    if isinstance(value, float):
        return int(value) if abs(value) < 2**63 else 2**63
    if isinstance(value, str | bytes):
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
        try:
            number = float(text.strip())
        except ValueError:
            found = re.match(r"\s*[-+]?\d+", text)
            return int(found.group()) if found else 0
        return int(number) if abs(number) < 2**63 else 2**63
    return 0


def _sizes(fmt: str, args: tuple[Any, ...]) -> list[int]:
    """The widths, and the precisions that are sizes, of the conversions of ``fmt``."""
    out: list[int] = []
    i = 0
    for m in _SPEC.finditer(fmt):
        _, width, precision, _, conversion = m.groups()
        if conversion == "%":
            continue
        if width == "*":
            out.append(abs(_integer(args[i])) if i < len(args) else 0)
            i += 1
        elif width:
            out.append(int(width))
        if precision == "*":
            value = abs(_integer(args[i])) if i < len(args) else 0
            i += 1
            if conversion not in _PRECISION_IS_MAX:
                out.append(value)
        elif precision and conversion not in _PRECISION_IS_MAX:
            out.append(int(precision))
        i += 1
    return out


def _printf(limit: int, name: str) -> Callable[..., Any]:
    def printf(*args: Any) -> Any:
        if args and isinstance(args[0], str | bytes):
            fmt = args[0].decode("utf-8", "replace") if isinstance(args[0], bytes) else args[0]
            if any(size > limit for size in _sizes(fmt, args[1:])):
                raise _too_big()
        return _call(limit, name, args)

    return printf


def _quadratic(limit: int, name: str, args: tuple[Any, ...]) -> Any:
    """The built-in, unless its work (the product of its first two arguments' sizes) would
    exceed :data:`WORK`."""
    if len(args) > 1 and _size(args[0]) * _size(args[1]) > WORK:
        raise _too_big()
    return _call(limit, name, args)


def _instr(limit: int) -> Callable[[Any, Any], Any]:
    def instr(x: Any, y: Any) -> Any:
        if (isinstance(x, str) and isinstance(y, str)) or (
            isinstance(x, bytes) and isinstance(y, bytes)
        ):
            return x.find(y) + 1  # type: ignore[arg-type]
        return _quadratic(limit, "instr", (x, y))

    return instr


def _replace(limit: int) -> Callable[[Any, Any, Any], Any]:
    def replace(x: Any, y: Any, z: Any) -> Any:
        if isinstance(x, str) and isinstance(y, str) and isinstance(z, str) and y:
            count = x.count(y)
            if len(x) + count * (len(z) - len(y)) > limit:  # characters: bytes are more
                raise _too_big()
            return x.replace(y, z)
        return _quadratic(limit, "replace", (x, y, z))

    return replace


def _trim(limit: int, name: str) -> Callable[[Any, Any], Any]:
    strip = {"trim": str.strip, "ltrim": str.lstrip, "rtrim": str.rstrip}[name]

    def trim(x: Any, y: Any) -> Any:
        if isinstance(x, str) and isinstance(y, str):
            chars = "".join(dict.fromkeys(y))  # each once: str.strip looks through them all
            if len(chars) <= 256:
                return strip(x, chars)
            kept = set(chars)
            start, end = 0, len(x)
            if name != "rtrim":
                while start < end and x[start] in kept:
                    start += 1
            if name != "ltrim":
                while end > start and x[end - 1] in kept:
                    end -= 1
            return x[start:end]
        return _quadratic(limit, name, (x, y))

    return trim


def install(conn: sqlite3.Connection, limit: int) -> None:
    """Replace the built-ins of this module's docstring on ``conn``, for strings of at most
    ``limit`` bytes (the connection's ``SQLITE_LIMIT_LENGTH``)."""
    if not getattr(sys.unraisablehook, "ogi_quiet", False):
        sys.unraisablehook = _quiet_unraisable(sys.unraisablehook)
    for name in ("printf", "format") if sqlite3.sqlite_version_info >= (3, 38) else ("printf",):
        conn.create_function(name, -1, _printf(limit, name), deterministic=True)
    conn.create_function("instr", 2, _instr(limit), deterministic=True)
    conn.create_function("replace", 3, _replace(limit), deterministic=True)
    for name in ("trim", "ltrim", "rtrim"):
        conn.create_function(name, 2, _trim(limit, name), deterministic=True)
