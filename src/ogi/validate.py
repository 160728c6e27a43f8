"""Validate: a built package against its Table Schemas (frictionless, the authority) and
against the domain rules no schema can say.

Domain rules: offsets lie inside their report's text; a section's parent is in the same
report at a shallower level; every report has sections; each summary row is what its
report's statistics give.

>>> problems = validate(Path("datapackage.json"))  # doctest: +SKIP
>>> problems
[]
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from frictionless import FrictionlessException, Package, system

from .errors import OgiError
from .summarise import FIELDS, mappings


def frictionless_errors(package: Path) -> list[str]:
    """Every error frictionless finds, one line each (resource, row, field, note)."""
    try:
        with system.use_context(trusted=True):
            report = Package(str(package)).validate()
    except FrictionlessException as e:  # a descriptor that is not JSON, or not a package
        note = " ".join(str(getattr(e.error, "note", "") or e).split())
        raise OgiError(
            f"{package}: is not a readable data package ({note}); "
            "rebuild with `ogi build` or give the path of a datapackage.json"
        ) from None
    out = []
    for task in report.tasks:
        for err in task.errors:
            where = task.name
            row = getattr(err, "row_number", None)
            fld = getattr(err, "field_name", None)
            if row:
                where += f" row {row}"
            if fld:
                where += f" field {fld}"
            out.append(f"{where}: {err.type}: {err.note or err.message}")
    for err in report.errors:
        out.append(f"package: {err.type}: {err.message}")
    return out


def _read(root: Path, name: str) -> Iterator[dict[str, str]]:
    with open(root / "data" / f"{name}.csv", encoding="utf-8", newline="") as f:
        yield from csv.DictReader(f)


def domain_errors(package: Path) -> list[str]:
    """Problems with the package's content that its schemas cannot express."""
    root = package.parent
    out: list[str] = []
    chars = {r["report_id"]: int(r["chars"]) for r in _read(root, "reports")}
    gens = {r["report_id"]: r["generation"] for r in _read(root, "reports")}
    levels: dict[str, tuple[str, int]] = {}
    with_sections: set[str] = set()
    for sec in _read(root, "sections"):
        levels[sec["section_id"]] = (sec["report_id"], int(sec["level"]))
        with_sections.add(sec["report_id"])
    for sec in _read(root, "sections"):
        parent = sec["parent_id"]
        if parent and parent in levels:
            prid, plevel = levels[parent]
            if prid != sec["report_id"] or plevel >= int(sec["level"]):
                out.append(
                    f"sections {sec['section_id']}: parent {parent} is not a shallower section of the same report"
                )
    for rid in sorted(set(chars) - with_sections):
        out.append(f"reports {rid}: has no sections (nothing of its text was kept)")
    for name in ("sections", "statistics", "figures", "citations"):
        for row in _read(root, name):
            if not row["start"]:
                continue
            s, e, n = int(row["start"]), int(row["end"]), chars.get(row["report_id"], -1)
            if not 0 <= s <= e <= n:
                out.append(
                    f"{name} ({row['report_id']}): offsets {s}–{e} outside the report's {n} characters"
                )
    out += _summary_errors(root, gens)
    return out


def _summary_errors(root: Path, gens: dict[str, str]) -> list[str]:
    cells: dict[str, dict[tuple[str, str], str]] = defaultdict(dict)
    for c in _read(root, "statistics"):
        if c["indicator"]:
            cells[c["report_id"]].setdefault((c["indicator"], c["column"]), c["value"])
    out = []
    for row in _read(root, "summary"):
        mapping: dict[str, Any] | None = mappings().get(int(gens.get(row["report_id"], "0") or 0))
        if mapping is None:
            continue
        for name in FIELDS[4:]:
            codes = mapping["fields"].get(name)
            values = [cells[row["report_id"]].get((c, mapping["column"]), "") for c in codes or []]
            want = "" if not values or "" in values else _int_text(sum(float(v) for v in values))
            if row[name] != want:
                out.append(
                    f"summary {row['report_id']}: {name} is {row[name] or 'empty'}, "
                    f"its statistics give {want or 'empty'}"
                )
    return out


def _int_text(v: float) -> str:
    return str(int(v)) if v.is_integer() else ""


def validate(package: Path) -> list[str]:
    """All problems with a package: frictionless errors first, then domain errors."""
    errors = frictionless_errors(package)
    if errors:
        return errors  # the domain rules assume the schemas hold
    return domain_errors(package)
