"""One report's rows against the contract, before a build keeps them: every cell against the
Table Schemas (the same checks as :mod:`ogi.package.fastcheck`, so the errors frictionless
would find), the keys within the report (primary keys unique, foreign keys found in its own
rows or among the indicators), and the domain rules of
:func:`ogi.package.validate.report_problems`.

>>> check_report(cells)  # doctest: +SKIP
["statistics: 3f2a… is not in reports"]
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path

from . import descriptor, fastcheck, indicator_rows, schema, texts
from .validate import report_problems


@cache
def compiled_tables() -> dict[str, fastcheck.Table]:
    """Every resource of the package, compiled for checking (paths relative to the
    package's folder): compiled once per process."""
    desc = descriptor([])
    return {t.name: t for t in fastcheck.compile_descriptor(desc, Path("."))}


@cache
def _keys(name: str) -> tuple[list[int], list[tuple[int, str, int]]]:
    """A resource's primary key (field positions) and single-field foreign keys (field
    position, referenced resource, referenced field position)."""
    res = schema.resource(name)
    names = schema.field_names(name)
    fks = [
        (
            names.index(fk["fields"][0]),
            fk["reference"]["resource"],
            schema.field_names(fk["reference"]["resource"]).index(fk["reference"]["fields"][0]),
        )
        for fk in res.get("foreign_keys", [])
        if len(fk["fields"]) == 1
    ]
    return [names.index(k) for k in res["primary_key"]], fks


@cache
def _static_values(resource: str, i: int) -> frozenset[str]:
    """The values of a field of a resource every report shares (the indicators)."""
    rows = texts(resource, indicator_rows()) if resource == "indicators" else []
    return frozenset(row[i] for row in rows)


def _key_problems(cells: Mapping[str, list[list[str]]]) -> list[str]:
    """Keys within one report: primary keys unique, foreign keys found in the report's own
    rows (or among the indicators)."""
    out: list[str] = []
    for name, rows in cells.items():
        pk, fks = _keys(name)
        if len({tuple(row[i] for i in pk) for row in rows}) != len(rows):
            out.append(f"{name}: the same primary key twice")
        for i, ref, j in fks:
            if ref not in cells and ref != "indicators":
                continue  # made across reports (issuers): its keys are checked when loaded
            known = {row[j] for row in cells[ref]} if ref in cells else _static_values(ref, j)
            out += [
                f"{name}: {row[i]} is not in {ref}"
                for row in rows
                if row[i] and row[i] not in known
            ]
    return out


def check_report(cells: Mapping[str, list[list[str]]]) -> list[str]:
    """Everything wrong with one report's rows: schemas, keys within it, domain rules."""
    tables = compiled_tables()
    out: list[str] = []
    for name, rows in cells.items():
        if rows and not fastcheck.block_clean(tables[name], rows):
            out += fastcheck.row_errors(tables[name], rows)
    if out:
        return out
    out += _key_problems(cells)
    dicts = {
        name: [dict(zip(schema.field_names(name), r, strict=True)) for r in rows]
        for name, rows in cells.items()
        if name != "checks"  # the domain rules do not look at the checks
    }
    return out + report_problems(dicts)
