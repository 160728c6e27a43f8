"""The fast validation path finds exactly the errors frictionless finds.

A real package (the seed and synthetic reports of every generation) is corrupted in each way
its Table Schemas forbid — type, required, enum, pattern, minimum, maximum, unique, primary
key, foreign key (to another resource and to its own), and the row shapes frictionless checks
(blank rows, missing and extra cells) — and both are run on it: frictionless (the authority,
``ogi.package.validate.frictionless_errors``) and the fast path (``ogi.package.fastcheck.errors``), line for
line. The loader, which a build uses to check keys, must refuse each corrupted package with
the same lines. Random corruptions (hypothesis) cover what the table does not think of:
numbers with spaces, underscores or other digits, empty cells, long text.
"""

from __future__ import annotations

import csv
import hashlib
import io
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import SEED
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ogi.build import build
from ogi.package import fastcheck, schema
from ogi.package.validate import frictionless_errors
from ogi.store import load
from ogi.synth import corpus

Rows = list[list[str]]


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed and 24 synthetic text reports (generations 1, 2 and 3), built."""
    raw = tmp_path_factory.mktemp("raw")
    shutil.copy(SEED, raw / SEED.name)
    for syn in corpus(24, seed=7, forms=("cell_lines", "markdown", "tabs")):
        (raw / syn.name).write_bytes(syn.data)
    sha = hashlib.sha256(SEED.read_bytes()).hexdigest()  # a review row, so that one is checked
    (raw / "review.csv").write_text(
        f"sha256,indicator,column,value,reviewer,reason\n{sha},,issuer,晋安区人民政府,张三,title\n",
        encoding="utf-8",
    )
    out = tmp_path_factory.mktemp("pkg")
    result = build([raw], out)
    assert not result.rejected and result.reports == 25
    assert result.counts["checks"] > 1000  # so that the limit of 1000 errors can be reached
    return out / "datapackage.json"


def _copy(package: Path, dest: Path) -> Path:
    shutil.copy(package, dest / "datapackage.json")
    shutil.copytree(package.parent / "data", dest / "data")
    return dest / "datapackage.json"


def _edit(package: Path, resource: str, change: Callable[[Rows], None]) -> None:
    path = package.parent / "data" / f"{resource}.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    change(rows)
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def _set(field: str, value: str, row: int = 1) -> Callable[[Rows], None]:
    def change(rows: Rows) -> None:
        rows[row][rows[0].index(field)] = value

    return change


def _copy_row(source: int, to: int) -> Callable[[Rows], None]:
    return lambda rows: rows.insert(to, list(rows[source]))


def _all(field: str, value: str) -> Callable[[Rows], None]:
    def change(rows: Rows) -> None:
        i = rows[0].index(field)
        for row in rows[1:]:
            row[i] = value

    return change


def _many(*changes: Callable[[Rows], None]) -> Callable[[Rows], None]:
    def change(rows: Rows) -> None:
        for c in changes:
            c(rows)

    return change


# name → (resource, change, an error type it must produce)
CORRUPTIONS: dict[str, tuple[str, Callable[[Rows], None], str]] = {
    "type: number": ("statistics", _set("value", "many"), "type-error"),
    "type: integer": ("reports", _set("year", "2018年"), "type-error"),
    "type: date": ("reports", _set("published", "2019-02-30"), "type-error"),
    "type: uri": ("reports", _set("url", "not a url"), "type-error"),
    "required": ("sections", _set("report_id", "", row=3), "constraint-error"),
    "required, text": ("checks", _set("message", ""), "constraint-error"),
    "enum: string": ("checks", _set("status", "passed"), "constraint-error"),
    "enum: integer": ("summary", _set("generation", "4"), "constraint-error"),
    "pattern": ("reports", _set("sha256", "ABC"), "constraint-error"),
    "pattern: division code": ("reports", _set("area_code", "35011"), "constraint-error"),
    "minimum": ("statistics", _set("row", "0"), "constraint-error"),
    "minimum: negative": ("figures", _set("start", "-1"), "constraint-error"),
    "maximum": ("sections", _set("level", "5"), "constraint-error"),
    "maximum: year": ("citations", _set("doc_year", "2200"), "constraint-error"),
    "unique and primary key": ("reports", _copy_row(1, 3), "unique-error"),
    "unique section id": ("sections", _copy_row(2, 5), "unique-error"),
    "primary key": ("statistics", _copy_row(1, 2), "primary-key"),
    "primary key, later duplicate": (
        "checks",
        _many(_copy_row(1, 4), _copy_row(1, 9)),
        "primary-key",
    ),
    "foreign key to another resource": (
        "statistics",
        _set("indicator", "g1.no_such_indicator"),
        "foreign-key",
    ),
    "foreign key to reports": ("citations", _set("report_id", "0" * 16, row=2), "foreign-key"),
    "foreign key to its own resource": (
        "sections",
        _set("parent_id", "0000000000000000:9", row=4),
        "foreign-key",
    ),
    "foreign key of a removed parent": ("figures", _set("section_id", "nowhere:1"), "foreign-key"),
    "blank row": ("figures", lambda rows: rows.insert(3, [""] * len(rows[0])), "blank-row"),
    "missing cells": ("summary", lambda rows: rows.__setitem__(1, rows[1][:-3]), "missing-cell"),
    "extra cell": ("citations", lambda rows: rows[2].append("more"), "extra-cell"),
    "errors of every kind in one row": (
        "statistics",
        _many(
            _set("value", "x", row=2),
            _set("row", "0", row=2),
            _set("indicator", "nope", row=2),
            _copy_row(2, 3),
        ),
        "foreign-key",
    ),
    "more than a thousand errors": ("checks", _all("severity", "fatal"), "constraint-error"),
}


@pytest.fixture(scope="module", params=sorted(CORRUPTIONS), ids=lambda k: k.replace(" ", "-"))
def corrupted(
    request: pytest.FixtureRequest, package: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, list[str]]:
    """A corrupted copy of the package, and what frictionless finds in it."""
    resource, change, kind = CORRUPTIONS[request.param]
    copy = _copy(package, tmp_path_factory.mktemp("corrupted"))
    _edit(copy, resource, change)
    expected = frictionless_errors(copy)
    assert any(f": {kind}: " in line for line in expected), expected
    return copy, expected


def _rows(path: Path) -> int:
    with open(path, encoding="utf-8", newline="") as f:
        return sum(1 for _ in csv.reader(f)) - 1


def test_the_package_is_valid_for_both(package: Path) -> None:
    assert frictionless_errors(package) == []
    assert fastcheck.errors(package) == []
    assert fastcheck.rows_clean(package) == {
        r["name"]: _rows(package.parent / "data" / f"{r['name']}.csv") for r in schema.resources()
    }


def test_fast_path_finds_what_frictionless_finds(corrupted: tuple[Path, list[str]]) -> None:
    package, expected = corrupted
    assert fastcheck.errors(package) == expected


def test_loading_refuses_what_frictionless_refuses(
    corrupted: tuple[Path, list[str]], tmp_path: Path
) -> None:
    """The build's path — cells checked by blocks, keys by SQLite — refuses the package with
    exactly frictionless's lines."""
    package, expected = corrupted
    with pytest.raises(load.InvalidPackage) as caught:
        load.load(package, tmp_path / "ogi.db")
    assert caught.value.problems == expected


def test_the_limit_of_errors_is_frictionless_s(package: Path, tmp_path: Path) -> None:
    copy = _copy(package, tmp_path)
    _edit(copy, "checks", _all("severity", "fatal"))
    lines = fastcheck.errors(copy)
    assert len([line for line in lines if line.startswith("checks ")]) == fastcheck.ERROR_LIMIT


def test_a_header_unlike_the_schema_goes_to_frictionless(package: Path, tmp_path: Path) -> None:
    copy = _copy(package, tmp_path)
    _edit(copy, "summary", _set("lawsuits", "suits", row=0))
    expected = frictionless_errors(copy)
    assert expected and fastcheck.errors(copy) == expected
    with pytest.raises(fastcheck.Dirty):
        fastcheck.rows_clean(copy)


VALUES = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "0",
            "-0",
            "+7",
            " 12 ",
            "1_000",
            "١٢",
            "12.0",
            "1e3",
            "NaN",
            "Infinity",
            "-1",
            "2100",
            "2101",
            "1948",
            "true",
            "2019-02-28",
            "2019-2-28",
            "https://www.gov.cn/x",
            "pass",
            "fail",
            "year",
            "g1.requests_received",
            "0" * 16,
            "a" * 64,
        ]
    ),
    st.text(max_size=12),
    st.integers(-5, 5000).map(str),
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_random_corruptions(package: Path, tmp_path_factory: pytest.TempPathFactory, data) -> None:
    """A random cell of a random resource set to a random value: the fast path and
    frictionless agree (on errors, and on no error)."""
    names = [r["name"] for r in schema.resources() if r["name"] != "rejects"]
    resource = data.draw(st.sampled_from(names), label="resource")
    copy = _copy(package, tmp_path_factory.mktemp("random"))
    path = copy.parent / "data" / f"{resource}.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    row = data.draw(st.integers(1, len(rows) - 1), label="row")
    field = data.draw(st.sampled_from(rows[0]), label="field")
    value = data.draw(VALUES, label="value")
    _edit(copy, resource, _set(field, value, row=row))
    assert fastcheck.errors(copy) == frictionless_errors(copy)
