"""Package: records → a Frictionless Data Package (``datapackage.json`` + ``data/*.csv``).

Rows are streamed to the CSV files as reports are parsed, so memory does not grow with the
corpus. Output is byte-for-byte reproducible: rows in input order (inputs sorted by file
name), UTF-8 without BOM, LF line ends, empty cells for missing values, no timestamps.

>>> cell(None), cell(1630), cell(99.66), cell(2000.0)
('', '1630', '99.66', '2000')
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from . import formats, schema
from .acquire import Source


def cell(value: Any) -> str:
    """A value as written in the CSV files."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def indicator_rows() -> list[dict[str, Any]]:
    """The ``indicators`` resource: every known indicator of every generation."""
    return [
        {
            "code": i["code"],
            "generation": i["generation"],
            "family": i["family"],
            "parent": i.get("parent"),
            "label_zh": i["label_zh"],
            "label_en": i["label_en"],
            "unit": i.get("unit"),
            "variants": " | ".join(i.get("variants", [])),
        }
        for i in formats.indicators()
    ]


class PackageWriter:
    """Writes the CSV files of every resource under ``root/data`` as rows arrive.

    >>> with PackageWriter(tmp) as w:  # doctest: +SKIP
    ...     w.write("reports", [row])
    ...     w.finish(sources)
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "data").mkdir(parents=True, exist_ok=True)
        self._files: dict[str, IO[str]] = {}
        self._writers: dict[str, Any] = {}
        self.counts: dict[str, int] = {}
        for res in schema.resources():
            name = res["name"]
            f = open(root / "data" / f"{name}.csv", "w", encoding="utf-8", newline="")  # noqa: SIM115 (closed in close())
            w = csv.writer(f, lineterminator="\n")
            w.writerow(schema.field_names(name))
            self._files[name], self._writers[name], self.counts[name] = f, w, 0

    def write(self, name: str, rows: Iterable[dict[str, Any]]) -> None:
        """Append rows (dicts with at least the resource's fields) to a resource."""
        fields = schema.field_names(name)
        w = self._writers[name]
        n = 0
        for row in rows:
            w.writerow([cell(row.get(f)) for f in fields])
            n += 1
        self.counts[name] += n

    def finish(self, sources: list[dict[str, Any]]) -> Path:
        """Close the CSV files and write ``datapackage.json``; return its path."""
        self.close()
        path = self.root / "datapackage.json"
        text = json.dumps(descriptor(sources), ensure_ascii=False, indent=2) + "\n"
        path.write_text(text, encoding="utf-8")
        return path

    def close(self) -> None:
        for f in self._files.values():
            if not f.closed:
                f.close()

    def __enter__(self) -> PackageWriter:
        return self

    def __exit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def source_entry(src: Source) -> dict[str, Any]:
    """The ``sources`` entry of the package for one input: its title, and as its path the URL
    or the repository path its provenance records (never where this build happened to read
    it, so that the package does not depend on the working or output folder)."""
    p = src.provenance
    entry: dict[str, Any] = {"title": p.get("title") or src.name}
    if p.get("url") or p.get("path"):
        entry["path"] = p.get("url") or p["path"]
    for key in ("origin", "retrieved", "licence"):
        if p.get(key):
            entry[key] = p[key]
    entry["sha256"] = src.sha256
    return entry


def descriptor(sources: list[dict[str, Any]]) -> dict[str, Any]:
    """The ``datapackage.json`` descriptor."""
    pkg = schema.contract()["package"]
    return {
        "profile": "tabular-data-package",
        "name": pkg["name"],
        "title": schema.bilingual(pkg["title_zh"], pkg["title_en"]),
        "description": f"{pkg['description_en']}\n\n{pkg['description_zh']}",
        "version": pkg["version"],
        "homepage": pkg["homepage"],
        "keywords": pkg["keywords"],
        "licenses": pkg["licenses"],
        "sources": sources,
        "resources": [
            {
                "name": res["name"],
                "title": schema.bilingual(res["title_zh"], res["title_en"]),
                "description": f"{res['description_en']}\n{res['description_zh']}",
                "path": f"data/{res['name']}.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "dialect": {
                    "delimiter": ",",
                    "lineTerminator": "\n",
                    "quoteChar": '"',
                    "doubleQuote": True,
                    "header": True,
                },
                "schema": schema.table_schema(res["name"]),
            }
            for res in schema.resources()
        ],
    }
