"""The build a site serves, whole: its database, its package files and its cached pages.

A build publishes new files by renaming them into place (:mod:`ogi.build.publish`): a file
the site has open stays the file it opened. So the site opens, together with its database,
every file of the package it offers for download -- ``datapackage.json``, ``data/*.csv``,
``parquet/parquet.json`` and the Parquet files it lists -- and serves those it opened
(:func:`pin`, :func:`fd`), never a file of another build beside an old database.

Which build is published is told by :func:`published`: the database's inode, time and size,
or None while a publication is under way or was cut short (its journal is there). A site
opens a build only when the same build is published before and after it opened every file,
so it never opens half of one publication and half of the next. :func:`build_id` names the
build, the same in every worker process: the response cache keys its pages by it
(:func:`ogi.serve.cache.with_cache`), so a page of one build is never served for another.

How ``ogi serve`` takes up a new build: :class:`ogi.serve.app.Switching`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..build.publish import DB, JOURNAL
from ..package import schema
from .metadata import site

Stamp = tuple[int, int, int]
CHUNK = 1 << 20
PARQUET_INDEX = "parquet/parquet.json"


def published(out: Path) -> Stamp | None:
    """The build published in ``out`` (None while a publication is not finished)."""
    if (out / JOURNAL).exists():
        return None
    try:
        st = os.stat(out / DB)
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


def build_id(stamp: Stamp | None) -> str:
    return "-".join(map(str, stamp)) if stamp else ""


@dataclass
class Pinned:
    """The files of one build a site opened, by path relative to the output folder."""

    stamp: Stamp | None
    files: dict[str, int] = field(default_factory=dict)


_PINNED: weakref.WeakKeyDictionary[Any, Pinned] = weakref.WeakKeyDictionary()


def _out(datasette: Any) -> Path | None:
    db = datasette.databases.get(site()["database"])
    return Path(db.path).parent.parent if db is not None and db.path else None


def _open(path: Path) -> int | None:
    try:
        return os.open(path, os.O_RDONLY)
    except OSError:
        return None


def pin(datasette: Any, stamp: Stamp | None) -> Pinned:
    """Open the package files beside ``datasette``'s database now (with the database)."""
    out = _out(datasette)
    pinned = Pinned(stamp)
    if out is not None:
        wanted = ["datapackage.json", *(f"data/{r['name']}.csv" for r in schema.resources())]
        for rel in [*wanted, PARQUET_INDEX]:
            found = _open(out / rel)
            if found is not None:
                pinned.files[rel] = found
        for listed in _parquet_files(pinned):
            found = _open(out / "parquet" / listed)
            if found is not None:
                pinned.files[f"parquet/{listed}"] = found
    _PINNED[datasette] = pinned
    weakref.finalize(datasette, _close_all, list(pinned.files.values()))
    return pinned


def _close_all(fds: list[int]) -> None:
    for fd in fds:
        with contextlib.suppress(OSError):
            os.close(fd)


def _pinned(datasette: Any) -> Pinned:
    found = _PINNED.get(datasette)
    return found if found is not None else pin(datasette, None)


def fd(datasette: Any, rel: str) -> int | None:
    """The opened file ``rel`` of the build ``datasette`` serves (None: it has none)."""
    return _pinned(datasette).files.get(rel)


def read(datasette: Any, rel: str) -> bytes | None:
    """The whole of a small opened file."""
    found = fd(datasette, rel)
    if found is None:
        return None
    size = os.fstat(found).st_size
    return os.pread(found, size, 0)


def stamp_of(datasette: Any) -> Stamp | None:
    """:func:`published` of the build ``datasette`` serves, as it was when opened."""
    return _pinned(datasette).stamp


def build_of(datasette: Any) -> str:
    """:func:`build_id` of the build ``datasette`` serves."""
    return build_id(_pinned(datasette).stamp)


def _parquet_files(pinned: Pinned) -> list[str]:
    found = pinned.files.get(PARQUET_INDEX)
    if found is None:
        return []
    try:
        body = json.loads(os.pread(found, os.fstat(found).st_size, 0))
        return [str(f["path"]) for r in body.get("resources", []) for f in r.get("files", [])]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return []


async def send_file(send: Any, found: int, filename: str, content_type: str) -> None:
    """Stream an opened file as a download, in large chunks."""
    size = os.fstat(found).st_size
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", content_type.encode()),
                (b"content-length", str(size).encode()),
                (b"content-disposition", f'attachment; filename="{filename}"'.encode()),
                (b"cache-control", b"max-age=3600"),
            ],
        }
    )
    offset = 0
    while True:
        chunk = await asyncio.to_thread(os.pread, found, min(CHUNK, size - offset), offset)
        offset += len(chunk)
        more = bool(chunk) and offset < size
        await send({"type": "http.response.body", "body": chunk, "more_body": more})
        if not more:
            break
