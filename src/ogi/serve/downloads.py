"""The package's Parquet files, offered for download beside its CSV files.

``/-/package/parquet/<resource>``
    The resource's Parquet files (one per year for those partitioned by year), each with its
    rows and size, as ``parquet/parquet.json`` lists them.

``/-/package/parquet/<resource>/year=<year>/part-0.parquet``, ``/-/package/parquet/<resource>/part-0.parquet``
    A file, as published in ``parquet/`` beside the database, streamed in large chunks.

``/-/package/parquet/parquet.json``
    The descriptor: what is where.

Only files the descriptor lists are served, those of the build the site serves (opened
with its database: :mod:`ogi.serve.snapshot`).
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

from datasette.utils.asgi import NotFound, Response

from . import snapshot

PARQUET = "application/vnd.apache.parquet"


def files(datasette: Any, name: str) -> list[dict[str, Any]]:
    """The Parquet files of resource ``name`` as the descriptor of the build the site
    serves lists them (none when there is no dataset)."""
    raw = snapshot.read(datasette, snapshot.PARQUET_INDEX)
    if raw is None:
        return []
    try:
        body = json.loads(raw)
    except ValueError:
        return []
    res = next((r for r in body.get("resources", []) if r.get("name") == name), None)
    return list(res["files"]) if res else []


async def parquet_file(datasette: Any, request: Any, send: Any) -> None:
    """A file of the dataset, or its descriptor: those opened with the database."""
    rel = request.url_vars["path"]
    if rel == "parquet.json":
        index = snapshot.fd(datasette, snapshot.PARQUET_INDEX)
        if index is None:
            raise NotFound("没有该文件 / no such file in the package")
        await snapshot.send_file(send, index, rel, "application/json; charset=utf-8")
        return
    name = rel.split("/", 1)[0]
    found = snapshot.fd(datasette, f"parquet/{rel}")
    if rel not in {f["path"] for f in files(datasette, name)} or found is None:
        raise NotFound("没有该文件 / no such file in the package")
    # statistics/year=2024/part-0.parquet is downloaded as statistics-2024.parquet
    parts = [p.removeprefix("year=") for p in rel.split("/")[:-1]]
    await snapshot.send_file(send, found, "-".join(parts) + ".parquet", PARQUET)


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
