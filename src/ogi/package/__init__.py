"""Package: records → a Frictionless Data Package (``datapackage.json`` + ``data/*.csv``).

Each report's rows are formatted as CSV text on their own (:func:`csv_text`), in the worker
that parsed it; a resource's file is its header followed by the pieces of every report in
input order (inputs sorted by file name). Output is byte-for-byte reproducible: UTF-8
without BOM, LF line ends, empty cells for missing values, and the package's only timestamp,
``created``, is the latest date recorded with the inputs, never the clock.

>>> cell(None), cell(1630), cell(99.66), cell(2000.0)
('', '1630', '99.66', '2000')
>>> csv_text([["a", "", "1,5"]])
'a,,"1,5"\\n'
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any

from .. import formats
from ..acquire import Source
from . import schema

# The resources whose rows come from the reports, in package order; the others are written
# whole by every build (indicators from the format files, rejects from the inputs).
PER_REPORT = ("reports", "sections", "statistics", "figures", "citations", "checks", "summary")


def cell(value: Any) -> str:
    """A value as written in the CSV files."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def texts(name: str, rows: Iterable[Mapping[str, Any]]) -> list[list[str]]:
    """Rows of a resource as the cells its CSV file holds, in field order."""
    fields = schema.field_names(name)
    # most cells are text already: those are taken as they are, the rest go through cell()
    return [
        [v if type(v) is str else cell(v) for v in map(row.get, fields)]  # noqa: E721
        for row in rows
    ]


def csv_text(rows: Iterable[list[str]]) -> str:
    """Rows of cells as CSV text (the package's dialect)."""
    rows = list(rows)
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\n").writerows(rows)
    text = buf.getvalue()
    if "\r" not in text:
        return text
    # Python 3.11's writer quotes a cell holding "\n" but not one holding a bare "\r", which
    # a reader then takes for a line end: such rows are written with every cell quoted
    buf = io.StringIO(newline="")
    plain, quoted = csv.writer(buf, lineterminator="\n"), csv.writer(
        buf, lineterminator="\n", quoting=csv.QUOTE_ALL
    )
    for row in rows:
        (quoted if any("\r" in c for c in row) else plain).writerow(row)
    return buf.getvalue()


def header_text(name: str) -> str:
    """The header line of a resource's CSV file."""
    return csv_text([schema.field_names(name)])


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


def created(dates: Iterable[str | None]) -> str | None:
    """The package's ``created`` timestamp: the latest date recorded with its inputs (the
    provenance's retrieved dates and the reports' publication dates), as an RFC 3339 time;
    None when no input records a date.

    >>> created(["2019-01-20", None, "2026-11-26", "not a date"])
    '2026-11-26T00:00:00Z'
    """
    valid = [d for d in dates if d and len(d) == 10 and d[4] == d[7] == "-" and d[:4].isdigit()]
    return f"{max(valid)}T00:00:00Z" if valid else None


def descriptor(
    sources: list[dict[str, Any]],
    when: str | None = None,
    contents: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """The ``datapackage.json`` descriptor (``when``: its ``created`` timestamp;
    ``contents``: what this build holds, in English and Chinese, to end the description)."""
    pkg = schema.contract()["package"]
    en, zh = pkg["description_en"], pkg["description_zh"]
    if contents:
        en, zh = f"{en}\n\n{contents[0]}", f"{zh}\n\n{contents[1]}"
    desc: dict[str, Any] = {
        "profile": "tabular-data-package",
        "name": pkg["name"],
        "title": schema.bilingual(pkg["title_zh"], pkg["title_en"]),
        "description": f"{en}\n\n{zh}",
        "version": pkg["version"],
    }
    if when:
        desc["created"] = when
    desc.update(
        {
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
    )
    return desc
