"""A batch with bad files completes: every bad file is rejected with its reason — on the
build's output, in the ``rejects`` resource and in the database — nothing of the good files is
lost, and the exit status says "partial" (3).

The bad files: empty, binary, truncated in the middle of a character, a text that is not a report
in UTF-16 without its byte-order mark (read, then found to be no report), not a report, a copy of another input, and
10 MB of pathological text (a report's opening, then five million numbers without a sentence
end), which the parser refuses at once as holding far more numbers than a report holds. (A
file that hangs the parser is stopped by the time limit: tests/test_scale.py.)
"""

from __future__ import annotations

import csv
import random
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import SEED

from ogi.cli import main
from ogi.errors import EXIT_PARTIAL
from ogi.synth import corpus

PER_REPORT = ("reports", "sections", "statistics", "figures", "citations", "checks", "summary")
SEED_BYTES = SEED.read_bytes()
PATHOLOGICAL = (
    "某区2019年政府信息公开工作年度报告\n一、总体情况\n主动公开政府信息，依申请公开。\n"
    + "1 " * (5 * 1024 * 1024)
).encode()

BAD = {
    "a-empty.txt": (b"", "is empty; give a report file with text in it"),
    "b-binary.bin": (
        random.Random(1).randbytes(900) + b"\x00" + random.Random(2).randbytes(900),
        "is a binary file, not a text report; give the report as text (UTF-8 or GBK)",
    ),
    "c-truncated.txt": (
        SEED_BYTES[: next(i for i in range(4000, 9000) if SEED_BYTES[i] & 0xC0 == 0x80)],
        "is UTF-8 text that ends in the middle of a character, so the file looks cut off; "
        "get the complete file and build again",
    ),
    "d-utf16.txt": (  # read as UTF-16 (no byte-order mark), and found to be no report
        "第一回\n话说天下大势，分久必合，合久必分。\n".encode("utf-16-be"),
        "is not an OGI annual report (no 政府信息公开 report wording found); "
        "remove it from the inputs",
    ),
    "e-novel.txt": (
        "第一回\n话说天下大势，分久必合，合久必分。\n".encode(),
        "is not an OGI annual report (no 政府信息公开 report wording found); "
        "remove it from the inputs",
    ),
    "f-copy.txt": (SEED_BYTES, None),
    "g-pathological.txt": (PATHOLOGICAL, None),
}


def _good(folder: Path) -> list[Path]:
    folder.mkdir(parents=True)
    shutil.copy(SEED, folder / SEED.name)
    for syn in corpus(6, seed=3, forms=("cell_lines", "markdown", "html")):
        (folder / syn.name).write_bytes(syn.data)
    return sorted(folder.iterdir())


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path, Result]:
    """(inputs: good and bad files, the build of them, the build of the good files alone,
    what ``ogi build`` said)."""
    root = tmp_path_factory.mktemp("batch")
    good = _good(root / "good")
    raw = root / "raw"
    shutil.copytree(root / "good", raw)
    for name, (data, _) in BAD.items():
        (raw / name).write_bytes(data)
    assert len(PATHOLOGICAL) > 10 * 1024 * 1024 and len(good) == 7
    alone = root / "alone"
    assert (
        CliRunner().invoke(main, ["build", str(root / "good"), "--out", str(alone)]).exit_code == 0
    )
    out = root / "out"
    result = CliRunner().invoke(
        main, ["build", str(raw), "--out", str(out)], catch_exceptions=False
    )
    return raw, out, alone, result


def test_bad_batch_completes_and_says_partial(batch: tuple[Path, Path, Path, Result]) -> None:
    raw, out, _, result = batch
    assert result.exit_code == EXIT_PARTIAL == 3
    lines = result.stderr.splitlines()
    assert lines[:5] == [f"ogi: rejected: {raw / name}: {BAD[name][1]}" for name in sorted(BAD)[:5]]
    assert lines[5] == (
        f"ogi: rejected: {raw / 'f-copy.txt'}: is the same report as {raw / SEED.name} "
        "(identical sha256); remove one of them"
    )
    assert lines[6] == (
        f"ogi: rejected: {raw / 'g-pathological.txt'}: looks like not a report: it holds more "
        "than 20,000 numbers, far more than a report holds; check that the file is one annual "
        "report (not a dump, not pages run together); remove it from the inputs"
    )
    assert len(lines) == 7 and "Traceback" not in result.stderr
    assert result.stdout.startswith(f"built 7 reports into {out}: ")
    assert "; 7 files rejected (see the rejects table)" in result.stdout


def test_every_rejected_file_is_in_the_rejects_table(
    batch: tuple[Path, Path, Path, Result],
) -> None:
    _, out, _, _ = batch
    with open(out / "data" / "rejects.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["reject_no"], r["source_file"]) for r in rows] == [
        (str(i), name) for i, name in enumerate(sorted(BAD), start=1)
    ]
    for row in rows[:5]:
        assert f"{row['problem']}; {row['remedy']}" == BAD[row["source_file"]][1]
    assert rows[5]["problem"] == f"is the same report as {SEED.name} (identical sha256)"
    assert rows[6]["problem"] and rows[6]["remedy"]
    assert rows[6]["bytes"] == str(len(PATHOLOGICAL))
    db = sqlite3.connect(out / "build" / "ogi.db")
    assert db.execute("select source_file, problem from rejects order by reject_no").fetchall() == [
        (r["source_file"], r["problem"]) for r in rows
    ]
    db.close()


def test_nothing_of_the_good_files_is_lost(batch: tuple[Path, Path, Path, Result]) -> None:
    _, out, alone, _ = batch
    for name in PER_REPORT:
        rel = Path("data") / f"{name}.csv"
        assert (out / rel).read_bytes() == (alone / rel).read_bytes(), rel


def test_the_partial_package_is_valid(batch: tuple[Path, Path, Path, Result]) -> None:
    _, out, _, _ = batch
    result = CliRunner().invoke(main, ["validate", str(out)])
    assert (result.exit_code, result.stderr) == (0, "")


def test_a_pipe_among_the_inputs_does_not_hang_the_build(tmp_path: Path) -> None:
    """A named pipe given as an input (reading it would wait for a writer for ever) is
    rejected, and so is one found in a folder (listed in the rejects, not skipped)."""
    import os

    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(SEED, raw / SEED.name)
    fifo = raw / "pipe.txt"
    os.mkfifo(fifo)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", str(SEED), str(fifo), "--out", str(out)])
    assert (result.exit_code, result.stderr) == (
        3,
        f"ogi: rejected: {fifo}: is not a regular file (a named pipe (FIFO)); "
        "give the report as a file\n",
    )
    result = CliRunner().invoke(main, ["build", str(raw), "--out", str(tmp_path / "folder")])
    assert (result.exit_code, result.stderr) == (
        3,
        f"ogi: rejected: {fifo}: is not a regular file (a named pipe (FIFO)); "
        "give the report as a file\n",
    )
