"""Summarise: one row per report, comparable across generations.

The mapping of table rows onto summary columns is declared per table family (``summary`` in
``formats/gen1.yml`` and ``formats/gen23.yml``). A column maps to a list of indicators whose cells are added; when any
of them is missing or blank, the column stays empty — never 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from fnmatch import fnmatchcase
from functools import cache
from typing import Any

from . import formats
from .parse import Parsed

FIELDS = [
    "report_id",
    "year",
    "issuer",
    "generation",
    "requests_received",
    "requests_carried_in",
    "requests_handled",
    "granted",
    "partially_granted",
    "refused",
    "unable_to_provide",
    "not_processed",
    "other_handling",
    "requests_carried_over",
    "reconsiderations",
    "lawsuits",
    "proactive_disclosures",
]


@cache
def mappings() -> dict[str, dict[str, Any]]:
    """Table family → its summary mapping: the value column read, and field → indicator
    codes (wildcards such as ``s3.refused.*`` expanded to the generation's own codes)."""
    out: dict[str, dict[str, Any]] = dict(formats.gen1()["summary"])
    spec = formats.gen23()
    for gen in spec["generations"]:
        codes = [f"g{gen}.{table}.{row['code']}" for table, row in formats.template_rows(gen)]
        fields = {}
        for name, entries in spec["summary"]["fields"].items():
            expanded: list[str] = []
            for entry in entries:
                full = f"g{gen}.{entry}"
                expanded += (
                    [c for c in codes if fnmatchcase(c, full)]
                    if "*" in full
                    else [c for c in codes if c == full]
                )
            fields[name] = expanded
        out[f"gen{gen}"] = {"column": spec["summary"]["column"], "fields": fields}
    return out


def _as_printed(mapping: dict[str, Any], printed: set[str], gen: int) -> dict[str, Any]:
    """A row printed in place of its group's sub-rows (``formats.stand_ins``: （六）其他处理 as
    one row in generation 3) is added instead of them."""
    fields = mapping["fields"]
    for row in formats.stand_ins(gen):
        full = f"g{gen}.s3.{row['code']}"
        if full in printed:
            fields = {
                name: [c for c in codes if not c.startswith(full + ".")]
                + ([full] if any(c.startswith(full + ".") for c in codes) else [])
                for name, codes in fields.items()
            }
    return {**mapping, "fields": fields}


def mapping_for(generation: int, codes: Iterable[str]) -> dict[str, Any] | None:
    """The summary mapping of a report of ``generation`` whose tables hold ``codes``."""
    if generation in (2, 3):
        return _as_printed(mappings()[f"gen{generation}"], set(codes), generation)
    if generation == 1:
        national = any(c.startswith("g1n.") for c in codes)
        return mappings()["g1_national" if national else "g1_provincial"]
    return None


def summarise(parsed: Parsed) -> dict[str, Any]:
    """The summary row of one parsed report."""
    rep = parsed.report
    row: dict[str, Any] = {f: None for f in FIELDS}
    row.update(
        report_id=rep["report_id"],
        year=rep["year"],
        issuer=rep["issuer"],
        generation=rep["generation"],
    )
    cells = {(c["indicator"], c["column"]): c["value"] for c in parsed.statistics if c["indicator"]}
    mapping = mapping_for(rep["generation"], (code for code, _ in cells))
    if mapping is None:
        return row
    for name, codes in mapping["fields"].items():
        values = [cells.get((code, mapping["column"])) for code in codes]
        if values and all(v is not None for v in values):
            total = sum(values)  # type: ignore[arg-type]
            row[name] = int(total) if float(total).is_integer() else None
    return row
