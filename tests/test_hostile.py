"""Hostile input: no byte a report or its file name can hold, no odd file in an input folder
and no malformed provenance loses the rest of a batch, stops the build with a traceback, or
publishes a package that frictionless rejects."""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import sqlite3
from pathlib import Path

import frictionless
import pytest
from click.testing import CliRunner
from conftest import SEED
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ogi import acquire
from ogi.cli import main
from ogi.errors import InputError
from ogi.package import csv_text

SEED_TEXT = SEED.read_text(encoding="utf-8")

# Any character but NUL (and lone surrogates, which no file can hold as UTF-8): controls,
# "\r", "\u2028", "\x85" and all the other line ends included.
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(TEXT, min_size=3, max_size=3), min_size=1, max_size=4))
def test_any_text_round_trips_through_the_csv(rows: list[list[str]]) -> None:
    text = csv_text(rows)
    assert list(csv.reader(io.StringIO(text, newline=""))) == rows


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(TEXT, min_size=1, max_size=3))
def test_any_text_round_trips_through_frictionless(tmp_path: Path, cells: list[str]) -> None:
    rows = [[str(i), c] for i, c in enumerate(cells)]
    path = tmp_path / "t.csv"
    path.write_text(csv_text([["n", "text"], *rows]), encoding="utf-8", newline="")
    resource = frictionless.Resource(
        {
            "name": "t",
            "path": "t.csv",
            "format": "csv",
            "encoding": "utf-8",
            "dialect": {"lineTerminator": "\n", "quoteChar": '"', "doubleQuote": True},
            "schema": {"fields": [{"name": "n", "type": "integer"}, {"name": "text", "type": "string"}]},
        },
        basepath=str(tmp_path),
    )
    got = [[str(r["n"]), r["text"] or ""] for r in resource.read_rows()]
    assert got == rows


ODD = "\r\u2028\x85\x0b\x1f\x7f\u200b"  # characters a text or a name can hold that break lines


def test_odd_characters_in_names_and_text_round_trip_through_a_build(tmp_path: Path) -> None:
    """A bare "\\r" (old Mac line ends, or mid-sentence) and the other odd line ends in a
    report's text and in file names: the batch is built, the package is valid, the names are
    in the CSVs and the database as they are on disk."""
    raw = tmp_path / "raw"
    raw.mkdir()
    name = f"a{ODD}b.txt"
    text = SEED_TEXT.replace("\n", "\r", 3).replace("主动公开", f"主动{ODD}公开", 1)
    (raw / name).write_bytes(text.encode())
    (raw / f"empty{ODD}.txt").write_bytes(b"")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", str(raw), "--out", str(out)])
    assert (result.exit_code, "Traceback" in result.output) == (3, False), result.output
    assert result.stderr == (
        f"ogi: rejected: {raw / f'empty{ODD}.txt'}: is empty; give a report file with text in it\n"
    )
    assert CliRunner().invoke(main, ["validate", str(out)]).exit_code == 0
    assert frictionless.Package(str(out / "datapackage.json")).validate().valid
    with open(out / "data" / "reports.csv", encoding="utf-8", newline="") as f:
        assert [r["source_file"] for r in csv.DictReader(f)] == [name]
    with open(out / "data" / "rejects.csv", encoding="utf-8", newline="") as f:
        assert [r["source_file"] for r in csv.DictReader(f)] == [f"empty{ODD}.txt"]
    db = sqlite3.connect(out / "build" / "ogi.db")
    assert db.execute("select source_file from reports").fetchall() == [(name,)]
    assert db.execute("select source_file from rejects").fetchall() == [(f"empty{ODD}.txt",)]
    assert db.execute("select count(*) from statistics").fetchone()[0] > 0
    db.close()
