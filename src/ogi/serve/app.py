"""The Datasette site: the built database, read-only, with the generated metadata.

>>> ds = make_datasette(Path("."))  # doctest: +SKIP
>>> (await ds.client.get("/ogi/sections.json?_search=舆情")).status_code  # doctest: +SKIP
200
"""

from __future__ import annotations

from pathlib import Path

import yaml
from datasette.app import Datasette

from ..errors import OgiError
from .metadata import site


def make_datasette(out: Path) -> Datasette:
    """A Datasette over ``out/build/ogi.db`` (immutable) with ``out/metadata.yml``."""
    db = out / "build" / "ogi.db"
    meta = out / "metadata.yml"
    if not db.exists():
        raise OgiError(f"{db}: no database; run `ogi build` first (or `make run`)")
    if not meta.exists():
        raise OgiError(f"{meta}: no metadata.yml; run `ogi build` first")
    metadata = yaml.safe_load(meta.read_text(encoding="utf-8"))
    return Datasette(immutables=[str(db)], metadata=metadata, settings=dict(site()["settings"]))


def serve(out: Path, host: str = "127.0.0.1", port: int = 8001) -> None:
    """Serve the site until interrupted."""
    import uvicorn

    ds = make_datasette(out)
    uvicorn.run(ds.app(), host=host, port=port, log_level="info")
