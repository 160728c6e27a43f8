"""The site serves one build at a time, whole (:mod:`ogi.serve.snapshot`,
:class:`ogi.serve.app.Switching`): two workers of ``ogi serve`` sharing one response cache,
in this process, before and after a rebuild into the folder they serve, and while a
publication is cut short. Every answer -- a cached table page, a CSV download, the
descriptor, ``select count(*)`` -- is of the same build, in both workers."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import shutil
from pathlib import Path
from typing import Any

import httpx
from conftest import SEED

from ogi.build import build, publish
from ogi.serve import snapshot
from ogi.serve.app import Switching, make_datasette

COUNT = "/ogi.json?sql=select+count(*)+as+n+from+reports&_shape=array"


async def _answers(worker: Switching) -> dict[str, Any]:
    """What one worker answers, each page asked twice (the second is a cache hit)."""
    transport = httpx.ASGITransport(app=worker)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        rows = await client.get("/ogi/reports.json?_shape=array")
        again = await client.get("/ogi/reports.json?_shape=array")
        page = await client.get("/ogi/reports")
        csv_file = await client.get("/-/package/reports.csv")
        descriptor = await client.get("/-/package/datapackage.json")
        count = await client.get(COUNT)
    assert again.headers["x-ogi-cache"] == "hit"
    ids = sorted(r["report_id"] for r in rows.json())
    return {
        "rows": ids,
        "cached": sorted(r["report_id"] for r in again.json()),
        "page": [i for i in ids if i in page.text],
        "csv": csv_file.content,
        "descriptor": descriptor.content,
        "count": count.json()[0]["n"],
        "cache": rows.headers["x-ogi-cache"],
    }


def _published(out: Path) -> dict[str, Any]:
    """What the folder holds, read as a reader that is not ogi reads it."""
    data = (out / "data" / "reports.csv").read_bytes()
    ids = sorted(r["report_id"] for r in csv.DictReader(io.StringIO(data.decode("utf-8"))))
    return {"ids": ids, "csv": data, "descriptor": (out / "datapackage.json").read_bytes()}


def _expect(answers: dict[str, Any], folder: dict[str, Any]) -> None:
    ids = folder["ids"]
    assert (answers["rows"], answers["cached"], answers["page"]) == (ids, ids, ids)
    assert (answers["csv"], answers["descriptor"]) == (folder["csv"], folder["descriptor"])
    assert answers["count"] == len(ids)


def test_every_worker_serves_one_build_whole_across_a_rebuild(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(SEED, raw / SEED.name)
    out = tmp_path / "out"
    build([raw], out)
    first = _published(out)
    cache_file = tmp_path / "cache.db"

    async def scenario() -> None:
        workers = [Switching(out, make_datasette(out, cache_file), cache_file) for _ in "ab"]
        one, two = [await _answers(w) for w in workers]
        _expect(one, first)
        _expect(two, first)
        assert (one["cache"], two["cache"]) == ("miss", "hit")  # the workers share pages

        # a publication cut short after its commit point: the new database is in place,
        # the CSV files are the old ones, the journal says so -- the workers stay whole on
        # the build they serve
        other = tmp_path / "other"
        (raw / "second.txt").write_text(SEED.read_text(encoding="utf-8") + "\n附\n")
        build([raw], other)
        (out / publish.JOURNAL).write_text("{}")
        os.replace(other / publish.DB, out / publish.DB)
        assert snapshot.published(out) is None
        for w in workers:
            _expect(await _answers(w), first)
        assert [w.switches for w in workers] == [0, 0]

        # the next build finishes (here: discards) what was cut short and publishes; each
        # worker takes the new build up whole at its next request, cached pages included
        await asyncio.to_thread(build, [raw], out)
        second = _published(out)
        assert second["ids"] != first["ids"] and len(second["ids"]) == 2
        one, two = [await _answers(w) for w in workers]
        _expect(one, second)
        _expect(two, second)
        assert (one["cache"], two["cache"]) == ("miss", "hit")
        assert [w.switches for w in workers] == [1, 1]

    asyncio.run(scenario())


def test_the_cache_keeps_the_pages_of_each_build_apart() -> None:
    from ogi.serve.cache import _key

    scope = {"type": "http", "method": "GET", "path": "/ogi/reports", "headers": []}
    assert _key(scope, "1-2-3") != _key(scope, "1-2-4")
    assert _key(scope, "1-2-3") == _key(scope, "1-2-3")
