"""Review: what a person settles that the evidence in a report cannot.

``review.csv`` (the ``review`` resource) is committed beside the raw reports. Each row names
a report by the sha256 of its file, a cell by its indicator and column (or a field of the
report, such as ``issuer``, with the indicator left empty), the value, who settled it and why::

    sha256,indicator,column,value,reviewer,reason
    3f2a…,g2.s2.procurement,amount,156805947.43,王五,"the PDF prints 156 | 805947.43 apart"

:func:`apply` gives a parsed report its reviewed values: the statistic gets the value with
``settled_by = review`` (its ``value_status`` stays what the print gave), a reviewed issuer
gets ``issuer_source = review``. Only what the report leaves unsettled may be reviewed: a
cell with no value (ambiguous digits, a row unreadable). A row whose cell is not in the
report, or holds a value already, is an error naming the file and line: the report or the
parser changed, and the row is to be removed or redone.

>>> rows = parse_rows("sha256,indicator,column,value,reviewer,reason\\n" + "a" * 64
...                   + ",g1.lawsuits,year,2,张三,printed apart in the PDF\\n", "review.csv")
>>> rows[0].indicator, rows[0].number(), rows[0].where
('g1.lawsuits', 2, 'review.csv line 2')
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .. import formats
from ..errors import OgiError
from ..package import schema
from . import Parsed, issuers

FIELDS = ("issuer",)  # the fields of a report a review may settle
_ABOUT_CELLS = ("digit_split", "table_printed_twice")  # checks that leave a row's cells empty
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Review:
    """One row of a review file, with where it stands (for error messages)."""

    sha256: str
    indicator: str
    column: str
    value: str
    reviewer: str
    reason: str
    where: str = ""  # "data/review.csv line 3"

    def number(self) -> int | float:
        """The value as a number (a cell's value)."""
        return float(self.value) if "." in self.value else int(self.value)

    def cells(self) -> list[str]:
        """The row as the ``review`` resource's CSV cells."""
        return [self.sha256, self.indicator, self.column, self.value, self.reviewer, self.reason]

    def error(self, problem: str, remedy: str) -> OgiError:
        return OgiError(f"{self.where}: {problem}; {remedy}")


def parse_rows(text: str, name: str) -> list[Review]:
    """The rows of a review file's text (``name`` is how errors call it); an OgiError
    naming the line for a row that cannot be a review."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    header = next(reader, None)
    wanted = schema.field_names("review")
    if header is None:
        return []
    if [h.strip() for h in header] != wanted:
        raise OgiError(
            f"{name} line 1: the header is {','.join(header)}; it must be {','.join(wanted)}"
        )
    codes = {i["code"] for i in formats.indicators()}
    out: list[Review] = []
    seen: dict[tuple[str, str, str], str] = {}
    for cells in reader:
        where = f"{name} line {reader.line_num}"
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(wanted):
            raise OgiError(f"{where}: {len(cells)} cells, not {len(wanted)} ({','.join(wanted)})")
        c = [cell.strip() for cell in cells]
        row = Review(c[0], c[1], c[2], c[3], c[4], c[5], where)
        if not _SHA256.fullmatch(row.sha256):
            raise row.error(
                f"“{row.sha256}” is not a sha256", "give the 64 hex digits of reports.sha256"
            )
        if row.indicator and row.indicator not in codes:
            raise row.error(
                f"no indicator is called {row.indicator}", "give a code of the indicators table"
            )
        if not row.indicator and row.column not in FIELDS:
            raise row.error(
                f"a report field {row.column!r} cannot be reviewed",
                f"give an indicator for a cell, or one of the fields {', '.join(FIELDS)}",
            )
        if row.indicator and not _NUMBER.fullmatch(row.value):
            raise row.error(f"the value “{row.value}” is not a number", "give it as 1853 or 12.5")
        if not row.value or not row.reviewer or not row.reason:
            raise row.error("the value, the reviewer and the reason are required", "fill them in")
        key = (row.sha256, row.indicator, row.column)
        if key in seen:
            raise row.error(f"the same cell as {seen[key]}", "keep one of the two rows")
        seen[key] = where
        out.append(row)
    return sorted(out, key=lambda r: (r.sha256, r.indicator, r.column))


def read(path: Path) -> list[Review]:
    """The rows of the review file at ``path`` (sorted by report, indicator and column)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise OgiError(
            f"{path}: cannot read the review file ({getattr(e, 'strerror', None) or e}); "
            "give a UTF-8 CSV file"
        ) from None
    return parse_rows(text, str(path))


def apply(parsed: Parsed, rows: list[Review]) -> Parsed:
    """The report with the values of its review rows settled (a new Parsed; ``parsed`` is
    left as it was). An OgiError naming the row when its report is another or its cell is
    not in the report or holds a value already."""
    if not rows:
        return parsed
    report = dict(parsed.report)
    statistics = [dict(c) for c in parsed.statistics]
    notes = [dict(n) for n in parsed.notes]
    where = {(c["indicator"], c["column"]): c for c in statistics if c["indicator"]}
    for row in rows:
        if row.sha256 != report["sha256"]:
            raise row.error(
                f"is about another report ({row.sha256[:12]}…, not {report['sha256'][:12]}…)",
                "remove the row",
            )
        if not row.indicator:  # the body named by the person, placed as of the report's year
            who = issuers.resolve(row.value, report["year"])
            report.update(issuers.issuer_columns(who, "review"))
            notes = [n for n in notes if n.get("check") != "issuer.place"]
            if (note := issuers.issuer_note(who)) is not None:
                notes.append(note)
            continue
        cell = where.get((row.indicator, row.column))
        if cell is None:
            raise row.error(
                f"report {report['source_file']} has no cell {row.indicator} [{row.column}] "
                "(the report or the parser changed)",
                "remove the row, or review the cell as it is read now",
            )
        if cell["value"] is not None:
            by = (
                "the same body's neighbouring year in the build"
                if cell.get("settled_by") == "cross_year"
                else "the report"
            )
            raise row.error(
                f"the cell {row.indicator} [{row.column}] of {report['source_file']} is settled "
                f"by {by} already ({cell['value_status']}: {cell['value']})",
                "remove the row",
            )
        cell.update(value=row.number(), settled_by="review")
        for note in notes:  # what reading the print found says what the person settled
            if note["subject"] == row.indicator and note["check"] in _ABOUT_CELLS:
                note["message"] += (
                    f" {row.column} is settled by review ({row.where}, {row.reviewer}): {row.value}."
                )
    return dataclasses.replace(parsed, report=report, statistics=statistics, notes=notes)


def found(inputs: list[Path]) -> list[Path]:
    """The review files a build reads by default: ``review.csv`` in each input folder, and
    beside an input folder named ``raw`` (``data/review.csv`` for ``data/raw``)."""
    out: list[Path] = []
    for inp in inputs:
        folder = inp if inp.is_dir() else inp.parent
        for cand in (folder / "review.csv", folder.parent / "review.csv"):
            if cand == folder.parent / "review.csv" and folder.name != "raw":
                continue
            if cand.is_file() and cand.resolve() not in {p.resolve() for p in out}:
                out.append(cand)
    return out


def check_reports(rows: list[Review], sha256s: set[str | None]) -> None:
    """An OgiError naming the first row whose report is not among the inputs."""
    for row in rows:
        if row.sha256 not in sha256s:
            raise row.error(
                f"no input is the report {row.sha256[:12]}… (it changed, or was removed)",
                "remove the row, or review the report as it is now",
            )


def check_rejected(items: list[tuple[list[Review], str]]) -> None:
    """An OgiError naming the first review row of a report that was rejected."""
    for rows, problem in items:
        if rows:
            raise rows[0].error(
                f"its report was rejected ({problem})", "remove the row, or fix the report"
            )


def cells(rows: Iterable[Review]) -> list[list[str]]:
    """The rows of the ``review`` resource, sorted by report, indicator and column."""
    return sorted(r.cells() for r in rows)
