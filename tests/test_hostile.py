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
import subprocess
import sys
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


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
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
            "schema": {
                "fields": [{"name": "n", "type": "integer"}, {"name": "text", "type": "string"}]
            },
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
    # the message is one line: the name's line ends are written as escapes
    assert result.stderr == (
        f"ogi: rejected: {raw}/empty\\r\\u2028\\u0085\\x0b\\x1f\\x7f\u200b.txt: is empty; "
        "give a report file with text in it\n"
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


def _seed_copy(path: Path, n: int) -> None:
    """A good report of its own bytes (the seed with a line added)."""
    path.write_text(SEED_TEXT + f"\n附{n}\n", encoding="utf-8")


def test_odd_files_in_a_folder_are_rejected_with_their_reason(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    _seed_copy(raw / "good.txt", 0)
    os.symlink("loop-b.txt", raw / "loop-a.txt")
    os.symlink("loop-a.txt", raw / "loop-b.txt")
    os.symlink("gone.txt", raw / "dangling.txt")
    os.mkfifo(raw / "fifo.txt")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(raw / "sock.txt"))
    try:
        result = CliRunner().invoke(main, ["build", str(raw), "--out", str(tmp_path / "out")])
    finally:
        sock.close()
    loop = "is a symbolic link that leads back to itself (a link loop); point the link at the report file, or remove it"
    # (inputs are in the order of the names they resolve to)
    assert (result.exit_code, sorted(result.stderr.splitlines())) == (
        3,
        [
            f"ogi: rejected: {raw / 'dangling.txt'}: is a symbolic link to nothing (gone.txt does "
            "not exist); point the link at the report file, or remove it",
            f"ogi: rejected: {raw / 'fifo.txt'}: is not a regular file (a named pipe (FIFO)); "
            "give the report as a file",
            f"ogi: rejected: {raw / 'loop-a.txt'}: {loop}",
            f"ogi: rejected: {raw / 'loop-b.txt'}: {loop}",
            f"ogi: rejected: {raw / 'sock.txt'}: is not a regular file (a socket); "
            "give the report as a file",
        ],
    )
    assert result.stdout.startswith(f"built 1 report into {tmp_path / 'out'}: ")


SIDECARS = {
    '{"url": 42}': 'field "url" is 42, not text',
    '{"title": ["a"]}': 'field "title" is ["a"], not text',
    '{"retrieved": "2020-13-45"}': 'field "retrieved" is "2020-13-45", not a date (YYYY-MM-DD)',
    '{"published": "2024-02-30"}': 'field "published" is "2024-02-30", not a date (YYYY-MM-DD)',
    '["a"]': "is a list, not a JSON object of fields",
    "null": "is null, not a JSON object of fields",
    '"a string"': "is a string, not a JSON object of fields",
    "42": "is a number, not a JSON object of fields",
}


@pytest.mark.parametrize("sidecar", SIDECARS)
def test_a_malformed_provenance_rejects_its_report_naming_the_field(
    tmp_path: Path, sidecar: str
) -> None:
    path = tmp_path / "r.txt"
    _seed_copy(path, 1)
    (tmp_path / "r.txt.provenance.json").write_text(sidecar)
    with pytest.raises(InputError) as e:
        acquire.read_source(path)
    assert str(e.value) == f"{path}.provenance.json: {SIDECARS[sidecar]}; fix or remove it"


def test_a_batch_with_malformed_provenance_publishes_the_rest(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    _seed_copy(raw / "good.txt", 0)
    for i, sidecar in enumerate(SIDECARS):
        _seed_copy(raw / f"p{i}.txt", i + 1)
        (raw / f"p{i}.txt.provenance.json").write_text(sidecar)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", str(raw), "--out", str(out)])
    assert (result.exit_code, "Traceback" in result.output) == (3, False)
    assert result.stderr.splitlines() == [
        f"ogi: rejected: {raw / f'p{i}.txt'}.provenance.json: {problem}; fix or remove it"
        for i, problem in enumerate(SIDECARS.values())
    ]
    assert frictionless.Package(str(out / "datapackage.json")).validate().valid
    assert json.loads((out / "datapackage.json").read_text())["sources"][0]["title"] == "good.txt"


def test_a_descriptor_frictionless_rejects_is_never_published(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rows are checked by the fast validator; the descriptor is checked too: a source
    entry frictionless rejects (here made so by a broken package writer) stops the build with
    one line, and nothing is published."""
    from ogi import package

    entry = package.source_entry
    monkeypatch.setattr(package, "source_entry", lambda src: {**entry(src), "title": ["a"]})
    raw = tmp_path / "raw"
    raw.mkdir()
    _seed_copy(raw / "good.txt", 0)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", str(raw), "--out", str(out)])
    assert (result.exit_code, result.stderr) == (
        1,
        "ogi: error: the built package is invalid (1 problems), first: The data package has an "
        "error: ['a'] is not of type 'string' at property 'sources/0/title'; nothing was "
        "published — please report this as a bug\n",
    )
    assert not (out / "datapackage.json").exists()


def test_numbers_longer_than_any_value_do_not_stop_the_build(tmp_path: Path) -> None:
    """A 20-digit number in the prose, in a 文号 and in a table cell: the reports are built;
    the prose number is no figure, the 文号 no citation, the cell is left empty (ambiguous)."""
    raw = tmp_path / "raw"
    raw.mkdir()
    big = "12345678901234567890"
    (raw / "prose.txt").write_text(SEED_TEXT.replace("一、", f"一、共受理申请{big}件。", 1))
    (raw / "cite.txt").write_text(
        SEED_TEXT.replace("一、", f"一、依据《某规定》（闽政〔2019〕{big}号）。", 1)
    )
    (raw / "cell.txt").write_text(
        SEED_TEXT.replace("\n1630 |\n20080 |\n其中", f"\n{big} |\n20080 |\n其中", 1)
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", str(raw), "--out", str(out)])
    assert (result.exit_code, result.stderr) == (0, "")
    db = sqlite3.connect(out / "build" / "ogi.db")
    assert db.execute(
        "select source_file, value, value_status from statistics join reports using (report_id)"
        " where value_text = ?",
        (big,),
    ).fetchall() == [("cell.txt", None, "ambiguous")]
    assert db.execute(
        "select count(*) from figures where value_text like ?", (f"%{big}%",)
    ).fetchone() == (0,)
    assert db.execute(
        "select count(*) from citations where text like ?", (f"%{big}%",)
    ).fetchone() == (0,)
    db.close()


def test_a_date_that_does_not_exist_in_the_header_is_left_empty_with_a_check(
    tmp_path: Path,
) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "r.txt").write_text(
        "标题: 福州市晋安区人民政府2018年政府信息公开工作年度报告\n发布时间: 2024-02-30 10:00\n"
        "=== 正文 ===\n" + SEED_TEXT
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", str(raw), "--out", str(out)])
    assert (result.exit_code, result.stderr) == (0, "")
    db = sqlite3.connect(out / "build" / "ogi.db")
    assert db.execute("select published from reports").fetchall() == [(None,)]
    assert db.execute(
        "select status, severity, message from checks where [check] = 'published_date'"
    ).fetchall() == [
        (
            "fail",
            "warning",
            "The publication date printed in the header, “2024-02-30 10:00”, is not a date that "
            "exists; the report's published date is left empty.",
        )
    ]
    db.close()


def _nested(html: bytes, depth: int) -> bytes:
    """A page with its body wrapped in ``depth`` divs."""
    head, _, rest = html.partition(b"<body>")
    body, _, tail = rest.rpartition(b"</body>")
    return head + b"<body>" + b"<div>" * depth + body + b"</div>" * depth + b"</body>" + tail


def test_a_deeply_nested_page_is_read_whole_or_rejected_saying_why(tmp_path: Path) -> None:
    from ogi.synth import corpus

    page = corpus(1, seed=3, forms=("html",))[0].data
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "flat.html").write_bytes(page)
    (raw / "deep.html").write_bytes(_nested(page, 300))
    (raw / "deeper.html").write_bytes(_nested(page, 3000))
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", str(raw), "--out", str(out)])
    assert (result.exit_code, result.stderr) == (
        3,
        f"ogi: rejected: {raw / 'deeper.html'}: is a web page that nests its elements more than "
        "2048 deep, more than can be read whole; save the report's page again, or give it as "
        "text\n",
    )
    db = sqlite3.connect(out / "build" / "ogi.db")
    by_file = dict(
        db.execute(
            "select source_file, group_concat(value_text, ',') from (select source_file, "
            "value_text from statistics join reports using (report_id) order by row, [column])"
            " group by source_file"
        ).fetchall()
    )
    db.close()
    assert set(by_file) == {"flat.html", "deep.html"}
    assert by_file["deep.html"] == by_file["flat.html"] and by_file["flat.html"]


def test_encrypted_pdf_utf16_without_bom_and_nul_bytes(tmp_path: Path) -> None:
    """An encrypted PDF is called encrypted; UTF-16 text without its byte-order mark is read
    (either byte order); a good report holding a NUL byte is read, the NUL noted in a check."""
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen import canvas

    raw = tmp_path / "raw"
    raw.mkdir()
    pdf = canvas.Canvas(str(raw / "locked.pdf"), encrypt=pdfencrypt.StandardEncryption("pw"))
    pdf.drawString(100, 700, "2018年政府信息公开工作年度报告")
    pdf.save()
    (raw / "le.txt").write_bytes(SEED_TEXT.encode("utf-16-le"))
    (raw / "be.txt").write_bytes((SEED_TEXT + "\n附\n").encode("utf-16-be"))
    nul = SEED_TEXT.encode().replace("一、".encode(), "一、\x00".encode(), 1)
    (raw / "nul.txt").write_bytes(nul)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", str(raw), "--out", str(out)])
    assert (result.exit_code, result.stderr) == (
        3,
        f"ogi: rejected: {raw / 'locked.pdf'}: is an encrypted PDF that opens only with a "
        "password; get a copy without a password (or remove it with the password: qpdf "
        "--decrypt), then build again\n",
    )
    db = sqlite3.connect(out / "build" / "ogi.db")
    rows = db.execute(
        "select source_file, encoding, chars, (select count(*) from statistics s where "
        "s.report_id = r.report_id and value is not null) from reports r order by source_file"
    ).fetchall()
    n = len(SEED_TEXT)
    assert rows == [
        ("be.txt", "utf_16_be", n + 3, 30),
        ("le.txt", "utf_16_le", n, 30),
        ("nul.txt", "utf-8", n, 30),
    ]
    assert db.execute(
        "select source_file, status, observed, message from checks join reports using "
        "(report_id) where [check] = 'nul_bytes'"
    ).fetchall() == [
        (
            "nul.txt",
            "fail",
            1,
            f"The file holds 1 NUL byte(s), which no text holds (the first at byte offset "
            f"{nul.index(0)}); they were left out and the rest read as text.",
        )
    ]
    db.close()


def test_random_bytes_are_not_taken_for_utf16_or_text_with_nuls() -> None:
    import random

    from ogi.acquire import Source
    from ogi.extract import extract

    for n in range(50):
        data = random.Random(n).randbytes(2000) + b"\x00"
        with pytest.raises(InputError, match="is a binary file, not a text report"):
            extract(Source("r.bin", "r.bin", data[n % 2 :], "0" * 64))


def test_ogi_parse_has_the_memory_limit_of_a_build(tmp_path: Path) -> None:
    """``ogi parse`` parses in a process of its own under the workers' memory limit: here a
    limit of 16 MB more than the process holds already, which a 30 MB report exceeds.

    It runs in a new interpreter: the limit counts the address space the process holds, and
    a test session that has freed hundreds of MB keeps them mapped, room enough to parse the
    report under the limit (the test passed alone and failed in the whole suite)."""
    big = tmp_path / "big.txt"
    big.write_text(SEED_TEXT + "政府信息公开工作稳步推进" * 1_000_000)
    limit = 16 << 20
    program = (
        "import sys; from ogi.build import workers; from ogi.cli import main; "
        f"workers.MEMORY_LIMIT = {limit}; main(sys.argv[1:])"
    )
    run = subprocess.run(
        [sys.executable, "-c", program, "parse", str(big)], capture_output=True, text=True
    )
    assert (run.returncode, run.stderr) == (
        1,
        f"ogi: error: {big}: needs more than {limit >> 20} MB of memory to parse, the limit of a build's "
        "parsing processes; check that it is an OGI annual report; if it is, please report "
        "this as a bug\n",
    )
    assert CliRunner().invoke(main, ["parse", str(SEED)]).exit_code == 0


def test_a_batch_of_every_bad_input_publishes_every_good_report(tmp_path: Path) -> None:
    """Every hostile input above in one folder, beside good reports: the build publishes all
    the reports that can be read, rejects the rest with their reasons, exits 3 ("partial"),
    and the package is valid for `ogi validate` and for frictionless."""
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen import canvas

    from ogi.synth import corpus

    raw = tmp_path / "raw"
    raw.mkdir()
    page = corpus(1, seed=3, forms=("html",))[0].data
    big = "12345678901234567890"
    good = {
        "good.txt": SEED_TEXT,
        f"a{ODD}name.txt": SEED_TEXT.replace("\n", "\r", 3) + "\n附1\n",
        "odd-text.txt": SEED_TEXT.replace("主动公开", f"主动{ODD}公开", 1),
        "big-number.txt": SEED_TEXT.replace("一、", f"一、共受理申请{big}件。", 1),
        "bad-date.txt": "标题: 福州市晋安区人民政府2018年政府信息公开工作年度报告\n"
        "发布时间: 2024-02-30\n=== 正文 ===\n" + SEED_TEXT,
        "nul.txt": SEED_TEXT.replace("一、", "一、\x00", 1),
    }
    for name, text in good.items():
        (raw / name).write_bytes(text.encode())
    (raw / "utf16.txt").write_bytes((SEED_TEXT + "\n附2\n").encode("utf-16-le"))
    (raw / "deep.html").write_bytes(_nested(page, 300))
    reasons = {
        f"empty{ODD}.txt": "is empty; give a report file with text in it",
        "deeper.html": "is a web page that nests its elements more than 2048 deep, more than "
        "can be read whole; save the report's page again, or give it as text",
        "locked.pdf": "is an encrypted PDF that opens only with a password; get a copy without "
        "a password (or remove it with the password: qpdf --decrypt), then build again",
        "loop-a.txt": "is a symbolic link that leads back to itself (a link loop); point the "
        "link at the report file, or remove it",
        "dangling.txt": "is a symbolic link to nothing (gone.txt does not exist); point the "
        "link at the report file, or remove it",
        "fifo.txt": "is not a regular file (a named pipe (FIFO)); give the report as a file",
        "sock.txt": "is not a regular file (a socket); give the report as a file",
    }
    (raw / f"empty{ODD}.txt").write_bytes(b"")
    (raw / "deeper.html").write_bytes(_nested(page, 3000))
    pdf = canvas.Canvas(str(raw / "locked.pdf"), encrypt=pdfencrypt.StandardEncryption("pw"))
    pdf.drawString(100, 700, "report")
    pdf.save()
    os.symlink("loop-a.txt", raw / "loop-a.txt")
    os.symlink("gone.txt", raw / "dangling.txt")
    os.mkfifo(raw / "fifo.txt")
    for i, (sidecar, problem) in enumerate(SIDECARS.items()):
        _seed_copy(raw / f"p{i}.txt", 10 + i)
        (raw / f"p{i}.txt.provenance.json").write_text(sidecar)
        reasons[f"p{i}.txt"] = f"{problem}; fix or remove it"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(raw / "sock.txt"))
    out = tmp_path / "out"
    try:
        result = CliRunner().invoke(main, ["build", str(raw), "--out", str(out)])
    finally:
        sock.close()
    assert (result.exit_code, "Traceback" in result.output) == (3, False), result.output
    assert len(result.stderr.splitlines()) == len(reasons)  # one line each
    with open(out / "data" / "rejects.csv", encoding="utf-8", newline="") as f:
        rejects = {r["source_file"]: f"{r['problem']}; {r['remedy']}" for r in csv.DictReader(f)}
    assert rejects == reasons
    db = sqlite3.connect(out / "build" / "ogi.db")
    built = dict(db.execute("select source_file, generation from reports").fetchall())
    db.close()
    assert sorted(built) == sorted([*good, "utf16.txt", "deep.html"])
    assert CliRunner().invoke(main, ["validate", str(out)]).exit_code == 0
    assert frictionless.Package(str(out / "datapackage.json")).validate().valid
