"""Fast validation: the errors frictionless finds in a package, found fast enough for every build.

frictionless stays the authority for the published package (``ogi validate``, ``make test``).
This module finds exactly the errors it finds — the same rows, fields, types and notes, in the
same order, as lines like :func:`ogi.package.validate.frictionless_errors` writes — in a fraction of
the time, so that a build of ten thousand reports can validate everything it publishes.

How it stays exact:

* cells are read by frictionless's own cell readers, created from the same Table Schema
  (types, formats, missing values, constraints), so a cell is valid here exactly when it is
  valid there;
* CSV files are read as frictionless reads them (UTF-8, the descriptor's dialect, and the
  escape character and initial-space rule its sniffer guesses from the first 100 lines);
* the row logic — which cell errors, unique, primary-key and foreign-key errors a row gets,
  in which order, against which earlier row, and the limit of 1000 errors per resource — is
  frictionless's, rewritten without its per-row machinery (:func:`errors`).

How it is fast: :func:`rows_clean` reads each block of rows column by column; each distinct
value of a column is read once (the readers are pure), and whole columns are checked with set
operations. Keys — primary keys, unique fields, foreign keys — are left to SQLite, which
enforces them while the database is loaded (:mod:`ogi.store.load`). Only when something is wrong
are the rows read again one by one to list the errors (:func:`errors`).

Packages whose header row differs from the schema, or whose files are not UTF-8, are handed
to frictionless itself.

>>> rows_clean(Path("datapackage.json"))  # doctest: +SKIP
True
>>> errors(Path("datapackage.json"))  # doctest: +SKIP
[]
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path
from typing import Any

ERROR_LIMIT = 1000  # frictionless's default limit of errors per resource
BLOCK = 4096  # rows read and checked together
_SAMPLE = 100  # lines frictionless's CSV sniffer reads
_MEMO_LIMIT = 500_000  # distinct values remembered per field before the memory is cleared

Reader = Callable[[Any], tuple[Any, "dict[str, str] | None"]]


@dataclass
class Table:
    """One resource of a package, compiled from its Table Schema for checking."""

    name: str
    path: Path
    dialect: dict[str, Any]
    names: list[str]
    readers: list[Reader]
    free: list[bool]  # any non-empty string is valid (a string field with no other rule)
    required: list[bool]
    primary_key: list[str]
    unique: list[str]
    foreign_keys: list[dict[str, Any]]
    memo: list[set[str]] = field(default_factory=list)
    python_dialect: Any = None

    def __post_init__(self) -> None:
        self.memo = [set() for _ in self.names]

    def cell_ok(self, i: int, value: str) -> bool:
        """True when ``value`` is a valid cell of field ``i`` (read once per distinct value)."""
        if value in self.memo[i]:
            return True
        if self.readers[i](value)[1]:
            return False
        if len(self.memo[i]) >= _MEMO_LIMIT:
            self.memo[i].clear()
        self.memo[i].add(value)
        return True


def compile_package(package: Path) -> list[Table]:
    """The resources of a package (``datapackage.json``), compiled for checking."""
    return compile_descriptor(json.loads(package.read_text(encoding="utf-8")), package.parent)


def layout(res: dict[str, Any], root: Path) -> Table:
    """A resource to read, not to check: its path, dialect and field names (the readers are
    left out, and frictionless is not imported)."""
    names = [f["name"] for f in res["schema"]["fields"]]
    n = len(names)
    return Table(
        res["name"],
        root / res["path"],
        res.get("dialect", {}),
        names,
        [],
        [False] * n,
        [False] * n,
        list(res["schema"].get("primaryKey", [])),
        [],
        [],
    )


def compile_descriptor(desc: dict[str, Any], root: Path) -> list[Table]:
    """The resources of a package descriptor whose files are under ``root``."""
    from frictionless import Schema

    tables = []
    for res in desc["resources"]:
        schema = Schema.from_descriptor(res["schema"])
        fields = schema.fields
        required = [bool(f.constraints.get("required")) for f in fields]
        free = [
            f.type == "string"
            and f.format == "default"
            and set(f.constraints) <= {"required", "unique"}
            for f in fields
        ]
        tables.append(
            Table(
                name=res["name"],
                path=root / res["path"],
                dialect=res.get("dialect", {}),
                names=[f.name for f in fields],
                readers=[f.create_cell_reader() for f in fields],
                free=free,
                required=required,
                primary_key=list(schema.primary_key),
                unique=[f.name for f in fields if f.constraints.get("unique")],
                foreign_keys=list(schema.foreign_keys),
            )
        )
    return tables


# ---------------------------------------------------------------------------------------------
# Reading CSV as frictionless does


class NotForTheFastPath(Exception):
    """A package the fast path does not read (a header unlike the schema, not UTF-8)."""


def _python_dialect(table: Table, sample: list[str]) -> csv.Dialect:
    """The csv dialect frictionless reads ``table`` with: the descriptor's, plus the escape
    character and the initial-space rule its sniffer guesses from the sample."""
    d = table.dialect
    try:
        sniffed: Any = csv.Sniffer().sniff("".join(sample), d.get("delimiter", ",\t;|"))
    except csv.Error:
        sniffed = csv.excel()

    class Dialect(csv.excel):
        pass

    escape = d.get("escapeChar", sniffed.escapechar)
    Dialect.delimiter = d.get("delimiter", sniffed.delimiter)
    Dialect.quotechar = d.get("quoteChar", sniffed.quotechar if sniffed.quotechar != "'" else '"')
    Dialect.escapechar = escape
    Dialect.doublequote = d.get("doubleQuote", True) if escape else True
    Dialect.lineterminator = d.get("lineTerminator", sniffed.lineterminator)
    Dialect.skipinitialspace = d.get("skipInitialSpace", sniffed.skipinitialspace)
    Dialect.quoting = csv.QUOTE_NONE if Dialect.quotechar == "" else csv.QUOTE_MINIMAL
    return Dialect()


@contextmanager
def opened(table: Table, path: Path | None = None) -> Iterator[Iterator[list[str]]]:
    """The records of a resource's CSV file after its header, as frictionless reads them.

    Raises NotForTheFastPath when the header is not the schema's field names, or when the
    file is not UTF-8 text (also while the records are read)."""
    try:
        with open(path or table.path, encoding="utf-8", newline="") as f:
            sample = list(islice(f, _SAMPLE))
            reader = csv.reader(chain(sample, f), dialect=_python_dialect(table, sample))
            if table.dialect.get("header", True):
                header = next(reader, None)
                if header != table.names:
                    raise NotForTheFastPath(f"{table.name}: header {header} is not the schema's")
            yield reader
    except UnicodeDecodeError as e:
        raise NotForTheFastPath(f"{table.name}: not UTF-8 ({e})") from None


def read_rows(table: Table, path: Path | None = None) -> Iterator[list[str]]:
    """The records of a resource's CSV file after its header (see :func:`opened`)."""
    with opened(table, path) as rows:
        yield from rows


def read_text_rows(table: Table, text: str) -> Iterator[list[str]]:
    """Records of a piece of a resource's CSV file (no header), read with the dialect
    frictionless reads the whole file with."""
    if table.python_dialect is None:
        with open(table.path, encoding="utf-8", newline="") as f:
            table.python_dialect = _python_dialect(table, list(islice(f, _SAMPLE)))
    return csv.reader(io.StringIO(text, newline=""), dialect=table.python_dialect)


def blocks(rows: Iterable[list[str]], size: int = BLOCK) -> Iterator[list[list[str]]]:
    """Rows in lists of ``size``."""
    it = iter(rows)
    return iter(lambda: list(islice(it, size)), [])


# ---------------------------------------------------------------------------------------------
# The fast path


def block_clean(table: Table, rows: list[list[str]]) -> bool:
    """True when no row of ``rows`` has a row-level error (cells, row length, blank rows).

    Keys are not checked here. Column by column, with set operations; each distinct value of
    a field is read once per build.
    """
    n = len(table.names)
    if set(map(len, rows)) != {n}:
        return False  # extra or missing cells
    blank_possible = True
    for i, column in enumerate(zip(*rows, strict=True)):
        if table.free[i]:
            has_blank = "" in column
            if has_blank and table.required[i]:
                return False
        else:
            values = set(column)
            has_blank = "" in values
            for value in values - table.memo[i]:
                if not table.cell_ok(i, value):
                    return False
        blank_possible = blank_possible and has_blank
    return not (blank_possible and any(not any(row) for row in rows))


def rows_clean(package: Path, only: Iterable[str] | None = None) -> dict[str, int]:
    """Check every row of a package's CSV files (or of the resources named in ``only``).

    Returns the number of rows of each resource checked when none has a row-level error;
    raises :class:`Dirty` otherwise. Keys (primary, unique, foreign) are the loader's.
    """
    counts: dict[str, int] = {}
    wanted = set(only) if only is not None else None
    for table in compile_package(package):
        if wanted is not None and table.name not in wanted:
            continue
        counts[table.name] = table_clean(table)
    return counts


class Dirty(Exception):
    """A package with at least one error; :func:`errors` lists them."""


def table_clean(table: Table, rows: Iterable[list[str]] | None = None) -> int:
    """Check the rows of one table (default: all of its file); return how many, or raise
    Dirty at the first bad block."""
    n = 0
    try:
        with opened(table) if rows is None else nullcontext(rows) as it:
            for block in blocks(it):
                if not block_clean(table, block):
                    raise Dirty(table.name)
                n += len(block)
    except NotForTheFastPath as e:
        raise Dirty(str(e)) from None
    return n


def row_errors(table: Table, rows: Iterable[list[str]], first: int = 2) -> list[str]:
    """The row-level errors (cells, row length, blank rows) of rows numbered from ``first``,
    as lines; keys are not checked."""
    from .validate import error_line

    return [
        error_line(table.name, e)
        for number, cells in enumerate(rows, start=first)
        for e in _Row(table, cells, number).errors
    ]


# ---------------------------------------------------------------------------------------------
# The exact listing


def errors(package: Path) -> list[str]:
    """Every error frictionless finds in the package's data, as ``ogi validate`` prints them.

    Reads every row in frictionless's order; memory grows with the number of keys, so the
    build calls it only once the fast path has found that something is wrong.
    """
    from .validate import error_line, frictionless_errors

    tables = compile_package(package)
    try:
        lookups = _lookups(tables)
        out: list[str] = []
        for table in tables:
            out += [error_line(table.name, e) for e in _table_errors(table, lookups)]
    except NotForTheFastPath:
        return frictionless_errors(package)
    return out


def _lookups(tables: list[Table]) -> dict[tuple[str, tuple[str, ...]], set[tuple[Any, ...]]]:
    """The referenced key values of every foreign key: (resource, fields) → set of tuples."""
    by_name = {t.name: t for t in tables}
    out: dict[tuple[str, tuple[str, ...]], set[tuple[Any, ...]]] = {}
    for table in tables:
        for fk in table.foreign_keys:
            ref = fk["reference"]["resource"]
            if ref and ref not in by_name:
                raise NotForTheFastPath(f"{table.name}: foreign key to a missing resource {ref}")
            source = table if not ref or ref == table.name else by_name[ref]
            key = (source.name, tuple(fk["reference"]["fields"]))
            if key in out:
                continue
            idx = [source.names.index(f) for f in key[1]]
            readers = [source.readers[i] for i in idx]
            values: set[tuple[Any, ...]] = set()
            for cells in read_rows(source):
                value = tuple(
                    r(cells[i] if i < len(cells) else None)[0]
                    for r, i in zip(readers, idx, strict=True)
                )
                if set(value) != {None}:
                    values.add(value)
            out[key] = values
    return out


class _Row:
    """One row read as frictionless's ``Row``: a cell is read when first asked for, and its
    errors are recorded then; asking for the row's errors reads the remaining cells first
    (which is why key errors come after every cell error of their row)."""

    def __init__(self, table: Table, cells: list[str], number: int) -> None:
        self.table, self.cells, self.number = table, cells, number
        self.values: dict[str, Any] = {}
        self.blank: set[str] = set()
        self._errors: list[Any] = []
        self._finished = False

    def get(self, name: str) -> Any:
        if name in self.values:
            return self.values[name]
        from frictionless import errors as fe

        t = self.table
        i = t.names.index(name)
        source = self.cells[i] if i < len(self.cells) else None
        target, notes = t.readers[i](source)
        notes = dict(notes) if notes else None
        type_note = notes.pop("type", None) if notes else None
        if target is None and not type_note:
            self.blank.add(name)
        common: dict[str, Any] = dict(
            cells=self.texts(),
            row_number=self.number,
            cell=str(source),
            field_name=name,
            field_number=i + 1,
        )
        if type_note:
            self._errors.append(fe.TypeError(note=type_note, **common))
        for note in (notes or {}).values():
            self._errors.append(fe.ConstraintError(note=note, **common))
        self.values[name] = target
        return target

    def texts(self) -> list[str]:
        return [str(c) for c in self.cells]

    @property
    def errors(self) -> list[Any]:
        """The row's errors, once every cell is read; extra, missing and blank-row errors."""
        if self._finished:
            return self._errors
        from frictionless import errors as fe

        self._finished = True
        t, n = self.table, len(self.table.names)
        for name in t.names:
            self.get(name)
        for number, cell in enumerate(self.cells[n:], start=n + 1):
            self._errors.append(
                fe.ExtraCellError(
                    note="",
                    cells=self.texts(),
                    row_number=self.number,
                    cell=str(cell),
                    field_name="",
                    field_number=number,
                )
            )
        for number in range(len(self.cells) + 1, n + 1):
            self._errors.append(
                fe.MissingCellError(
                    note="",
                    cells=self.texts(),
                    row_number=self.number,
                    cell="",
                    field_name=t.names[number - 1],
                    field_number=number,
                )
            )
        if len(self.blank) == n:
            self._errors = [fe.BlankRowError(note="", cells=self.texts(), row_number=self.number)]
        return self._errors


def _table_errors(
    table: Table, lookups: dict[tuple[str, tuple[str, ...]], set[tuple[Any, ...]]]
) -> list[Any]:
    from frictionless import errors as fe

    seen_unique: dict[str, dict[Any, int]] = {name: {} for name in table.unique}
    seen_primary: dict[tuple[Any, ...], int] = {}
    integrity = bool(table.primary_key or table.unique or table.foreign_keys)
    out: list[Any] = []
    for number, cells in enumerate(read_rows(table), start=2):
        row = _Row(table, cells, number)
        if integrity:
            for name in table.unique:
                value = row.get(name)
                if value is not None:
                    match = seen_unique[name].get(value)
                    seen_unique[name][value] = number
                    if match:
                        row.errors.append(
                            fe.UniqueError(
                                note=f"the same as in the row at position {match}",
                                cells=row.texts(),
                                row_number=number,
                                cell=str(value),
                                field_name=name,
                                field_number=table.names.index(name) + 1,
                            )
                        )
        if table.primary_key:
            key = tuple(row.get(name) for name in table.primary_key)
            if set(key) == {None}:
                note = 'cells composing the primary keys are all "None"'
                row.errors.append(
                    fe.PrimaryKeyError(note=note, cells=row.texts(), row_number=number)
                )
            else:
                match = seen_primary.get(key)
                seen_primary[key] = number
                if match:
                    row.errors.append(
                        fe.PrimaryKeyError(
                            note=f"the same as in the row at position {match}",
                            cells=row.texts(),
                            row_number=number,
                        )
                    )
        if integrity:
            for fk in table.foreign_keys:
                names = fk["fields"]
                ref = fk["reference"]["resource"]
                ref_fields = fk["reference"]["fields"]
                value = tuple(row.get(name) for name in names)
                if set(value) == {None}:
                    continue
                source = ref if ref and ref != table.name else table.name
                if value not in lookups[(source, tuple(ref_fields))]:
                    note = (
                        'for "{}": values "{}" not found in the lookup table "{}" as "{}"'.format(
                            ", ".join(names),
                            ", ".join(str(v) for v in value),
                            ref,
                            ", ".join(ref_fields),
                        )
                    )
                    row.errors.append(
                        fe.ForeignKeyError(
                            note=note,
                            cells=row.texts(),
                            row_number=number,
                            field_names=list(names),
                            field_cells=[str(v) if v is not None else "" for v in value],
                            reference_name=ref,
                            reference_field_names=list(ref_fields),
                        )
                    )
        out += row.errors
        if len(out) >= ERROR_LIMIT:
            return out[:ERROR_LIMIT]
    return out
