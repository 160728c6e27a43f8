"""Validate: a built package against its Table Schemas (frictionless, the authority) and
against the domain rules no schema can say.

Domain rules: offsets lie inside their report's text; a section's parent is in the same
report at a shallower level; every report has sections; each summary row is what its
report's statistics give. :func:`report_problems` applies the same rules to one report's
rows, as a build does for each report it parses (see :func:`ogi.package.report_check.check_report`).

>>> validate(Path("datapackage.json"))  # doctest: +SKIP
[]
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from ..errors import OgiError
from ..summarise import FIELDS, mapping_for

OFFSET_RESOURCES = ("sections", "statistics", "figures", "citations")


def error_line(task: str, err: Any) -> str:
    """One frictionless error as one line: resource, row, field, type, note."""
    where = task
    row = getattr(err, "row_number", None)
    fld = getattr(err, "field_name", None)
    if row:
        where += f" row {row}"
    if fld:
        where += f" field {fld}"
    return f"{where}: {err.type}: {err.note or err.message}"


def frictionless_errors(package: Path) -> list[str]:
    """Every error frictionless finds, one line each (resource, row, field, note)."""
    from frictionless import FrictionlessException, Package, system

    try:
        with system.use_context(trusted=True):
            report = Package(str(package)).validate()
    except FrictionlessException as e:  # a descriptor that is not JSON, or not a package
        note = " ".join(str(getattr(e.error, "note", "") or e).split())
        raise OgiError(
            f"{package}: is not a readable data package ({note}); "
            "rebuild with `ogi build` or give the path of a datapackage.json"
        ) from None
    out = [error_line(task.name, err) for task in report.tasks for err in task.errors]
    for err in report.errors:
        out.append(f"package: {err.type}: {err.message}")
    return out


def _read(root: Path, name: str) -> Iterator[dict[str, str]]:
    with open(root / "data" / f"{name}.csv", encoding="utf-8", newline="") as f:
        yield from csv.DictReader(f)


# Each rule: small functions over rows as the CSV files hold them (strings, "" for missing).


def tree_problem(sec: Mapping[str, str], parent: tuple[str, int] | None) -> str | None:
    """A section whose parent (report, level) is not a shallower section of its report."""
    if parent is None:
        return None
    prid, plevel = parent
    if prid != sec["report_id"] or plevel >= int(sec["level"]):
        return (
            f"sections {sec['section_id']}: parent {sec['parent_id']} is not a shallower "
            "section of the same report"
        )
    return None


def no_sections_problem(report_id: str) -> str:
    return f"reports {report_id}: has no sections (nothing of its text was kept)"


def offset_problem(name: str, row: Mapping[str, str], chars: int) -> str | None:
    """Offsets (start, end) that do not lie inside the report's text."""
    if not row["start"]:
        return None
    s, e = int(row["start"]), int(row["end"])
    if not 0 <= s <= e <= chars:
        return (
            f"{name} ({row['report_id']}): offsets {s}–{e} outside the report's {chars} characters"
        )
    return None


def summary_problems(
    row: Mapping[str, str], generation: str, cells: Mapping[tuple[str, str], str]
) -> list[str]:
    """Summary columns that are not what the report's statistics give."""
    mapping: dict[str, Any] | None = mapping_for(int(generation or 0), (c for c, _ in cells))
    if mapping is None:
        return []
    out = []
    for name in FIELDS[4:]:
        codes = mapping["fields"].get(name)
        values = [cells.get((c, mapping["column"]), "") for c in codes or []]
        want = "" if not values or "" in values else _int_text(sum(float(v) for v in values))
        if row[name] != want:
            out.append(
                f"summary {row['report_id']}: {name} is {row[name] or 'empty'}, "
                f"its statistics give {want or 'empty'}"
            )
    return out


def _cells(statistics: Iterable[Mapping[str, str]]) -> dict[str, dict[tuple[str, str], str]]:
    cells: dict[str, dict[tuple[str, str], str]] = defaultdict(dict)
    for c in statistics:
        if c["indicator"]:
            cells[c["report_id"]].setdefault((c["indicator"], c["column"]), c["value"])
    return cells


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
        problem = tree_problem(sec, levels.get(sec["parent_id"]) if sec["parent_id"] else None)
        if problem:
            out.append(problem)
    out += [no_sections_problem(rid) for rid in sorted(set(chars) - with_sections)]
    for name in OFFSET_RESOURCES:
        for row in _read(root, name):
            problem = offset_problem(name, row, chars.get(row["report_id"], -1))
            if problem:
                out.append(problem)
    cells = _cells(_read(root, "statistics"))
    for row in _read(root, "summary"):
        out += summary_problems(row, gens.get(row["report_id"], "0"), cells[row["report_id"]])
    return out


def report_problems(rows: Mapping[str, list[dict[str, str]]]) -> list[str]:
    """The domain rules for one report's rows (resource → rows as CSV strings).

    Stricter than :func:`domain_errors` in one way: a parent section must be in the same
    report (a package-wide check would also accept, or reject as a foreign-key error, a
    parent found in another report).
    """
    (report,) = rows["reports"]
    rid, chars = report["report_id"], int(report["chars"])
    out: list[str] = []
    levels = {s["section_id"]: (s["report_id"], int(s["level"])) for s in rows["sections"]}
    for sec in rows["sections"]:
        if sec["parent_id"]:
            problem = tree_problem(sec, levels.get(sec["parent_id"], ("", -1)))
            if problem:
                out.append(problem)
    if not rows["sections"]:
        out.append(no_sections_problem(rid))
    for name in OFFSET_RESOURCES:
        for row in rows[name]:
            problem = offset_problem(name, row, chars if row["report_id"] == rid else -1)
            if problem:
                out.append(problem)
    cells = _cells(rows["statistics"])
    for row in rows["summary"]:
        out += summary_problems(row, report["generation"], cells[row["report_id"]])
    return out


def _int_text(v: float) -> str:
    return str(int(v)) if v.is_integer() else ""


def validate(package: Path) -> list[str]:
    """All problems with a package: frictionless errors first, then domain errors."""
    errors = frictionless_errors(package)
    if errors:
        return errors  # the domain rules assume the schemas hold
    return domain_errors(package)
