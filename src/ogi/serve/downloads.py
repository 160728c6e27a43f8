"""The package's Parquet files, offered for download beside its CSV files.

``/-/package/parquet/<resource>``
    The resource's Parquet files (one per year for those partitioned by year), each with its
    rows and size, as ``parquet/parquet.json`` lists them.

``/-/package/parquet/<resource>/year=<year>/part-0.parquet``, ``/-/package/parquet/<resource>/part-0.parquet``
    A file, as published in ``parquet/`` beside the database, streamed in large chunks.

``/-/package/parquet/parquet.json``
    The descriptor: what is where.

Only files the descriptor lists are served.
"""

from __future__ import annotations

import asyncio
import json
from html import escape
from pathlib import Path
from typing import Any

from datasette.utils.asgi import NotFound, Response

from .metadata import site

CHUNK = 1 << 20
PARQUET = "application/vnd.apache.parquet"


def _root(datasette: Any) -> Path | None:
    """The published ``parquet/`` folder beside the served database, if any."""
    db = datasette.databases.get(site()["database"])
    if db is None or not db.path:
        return None
    root = Path(db.path).parent.parent / "parquet"
    return root if (root / "parquet.json").is_file() else None


def files(datasette: Any, name: str) -> list[dict[str, Any]]:
    """The Parquet files of resource ``name`` as the descriptor lists them (none when there
    is no dataset)."""
    root = _root(datasette)
    if root is None:
        return []
    try:
        body = json.loads((root / "parquet.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    res = next((r for r in body.get("resources", []) if r.get("name") == name), None)
    return list(res["files"]) if res else []


async def _send(send: Any, path: Path, content_type: str, name: str) -> None:
    size = path.stat().st_size
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", content_type.encode()),
                (b"content-length", str(size).encode()),
                (b"content-disposition", f'attachment; filename="{name}"'.encode()),
                (b"cache-control", b"max-age=3600"),
            ],
        }
    )
    with path.open("rb") as f:
        while True:
            chunk = await asyncio.to_thread(f.read, CHUNK)
            more = len(chunk) == CHUNK
            await send({"type": "http.response.body", "body": chunk, "more_body": more})
            if not more:
                break


async def parquet_file(datasette: Any, request: Any, send: Any) -> None:
    """A file of the dataset, or its descriptor."""
    root = _root(datasette)
    rel = request.url_vars["path"]
    if root is None:
        raise NotFound("没有该文件 / no such file in the package")
    if rel == "parquet.json":
        await _send(send, root / rel, "application/json; charset=utf-8", rel)
        return
    name = rel.split("/", 1)[0]
    if rel not in {f["path"] for f in files(datasette, name)} or not (root / rel).is_file():
        raise NotFound("没有该文件 / no such file in the package")
    # statistics/year=2024/part-0.parquet is downloaded as statistics-2024.parquet
    parts = [p.removeprefix("year=") for p in rel.split("/")[:-1]]
    await _send(send, root / rel, PARQUET, "-".join(parts) + ".parquet")


async def parquet_index(datasette: Any, request: Any) -> Response:
    """The files of one resource, as links."""
    name = request.url_vars["name"]
    listed = files(datasette, name)
    if not listed:
        raise NotFound("没有该文件 / no such file in the package")
    items = "\n".join(
        f'<li><a href="/-/package/parquet/{escape(f["path"])}" download>'
        f"{escape(str(f.get('year', name)))}</a> — {f['rows']:,} 行 / rows, "
        f"{f['bytes']:,} bytes</li>"
        for f in listed
    )
    html = (
        f"<!DOCTYPE html><html lang=\"zh\"><head><meta charset=\"utf-8\">"
        f"<title>{escape(name)} — Parquet</title></head><body>"
        f"<h1>{escape(name)} — Parquet</h1>"
        f"<p>每年一个文件（zstd 压缩），可用 DuckDB、Spark、Trino 读取 / One file per year "
        f"(zstd), for DuckDB, Spark, Trino: "
        f'<a href="/-/package/parquet/parquet.json">parquet.json</a></p>'
        f"<ul>\n{items}\n</ul></body></html>"
    )
    return Response.html(html)
